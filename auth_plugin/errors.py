"""The library's errors: one base class, and authentication refusals named by the API's errorCodes."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """The errorCodes the API answers an authentication failure with."""

    UNAUTHORIZED = "Unauthorized"
    INVALID_API_KEY = "InvalidAPIKey"
    SIGNATURE_DOES_NOT_MATCH = "SignatureDoesNotMatch"
    REQUEST_TIME_TOO_SKEWED = "RequestTimeTooSkewed"
    DUPLICATED_SIGNATURE = "DuplicatedSignature"
    TOO_MANY_REQUESTS = "TooManyRequests"


class AuthPluginError(Exception):
    """The base of every error this library raises: catch one class for all of them."""


class AuthError(AuthPluginError):
    """A request the API would refuse, with its errorCode.

    The message never holds the API secret. ``retry_after`` (seconds) comes
    with ``TooManyRequests``: a server sends it as ``Retry-After``.

    >>> str(AuthError(ErrorCode.UNAUTHORIZED, "Authorization header is missing"))
    'Unauthorized: Authorization header is missing'
    """

    def __init__(
        self, error_code: ErrorCode, message: str, *, retry_after: int | None = None
    ) -> None:
        super().__init__(f"{error_code.value}: {message}")
        self.error_code = error_code
        self.message = message
        self.retry_after = retry_after
