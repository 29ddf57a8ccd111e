"""``ApiError``: a refusal in the API's own error shape, raised anywhere in the mock."""

from __future__ import annotations


class ApiError(Exception):
    """A request the mock refuses, with its HTTP status and errorCode.

    >>> error = ApiError(404, "NotFound", "개체를 찾을 수 없습니다")
    >>> error.status, error.error_code
    (404, 'NotFound')
    """

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
