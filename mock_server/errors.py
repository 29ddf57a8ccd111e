"""``ApiError``: a refusal in the API's own error shape, raised anywhere in the mock."""

from __future__ import annotations


class ApiError(Exception):
    """A request the mock refuses, with its HTTP status and errorCode.

    >>> ApiError(404, "NotFound", "개체를 찾을 수 없습니다").as_body()
    {'errorCode': 'NotFound', 'errorMessage': '개체를 찾을 수 없습니다'}
    """

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def as_body(self) -> dict[str, str]:
        return {"errorCode": self.error_code, "errorMessage": self.message}
