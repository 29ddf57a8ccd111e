"""The ``Authorization`` header's grammar: render it, parse it, check its date and salt.

::

    Authorization: HMAC-SHA256 apiKey=<key>, date=<date>, salt=<salt>, signature=<signature>

Pure functions, no I/O. Every refusal is an :class:`AuthError` with errorCode
``Unauthorized`` and a message that names what is wrong (never a secret).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from auth_plugin.errors import AuthError, ErrorCode

SCHEME = "HMAC-SHA256"
SALT_MIN_LENGTH = 12
SALT_MAX_LENGTH = 64
FIELDS = ("apiKey", "date", "salt", "signature")

# The date forms real clients send: Node's toISOString() (Z with milliseconds),
# the Python sample (Z, no fraction) and the Node SDK (local time + offset).
_DATE_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})"
)
# A header value: the scheme, one space, then comma-separated name=value pairs.
_FIELD_PATTERN = re.compile(r"\s*([A-Za-z]+)=([^,\s]*)\s*")
_SALT_CHARACTERS = re.compile(r"[!-+\--~]+")  # visible ASCII except ','


@dataclass(frozen=True, slots=True)
class AuthorizationHeader:
    """The four parts of an ``Authorization`` header value.

    None of them is secret: the signature is a one-way function of the
    secret, and it is accepted by the server once only.
    """

    api_key: str
    date: str
    salt: str
    signature: str

    def to_header_value(self) -> str:
        """Render as the exact header value the API expects.

        >>> AuthorizationHeader("KEY", "2026-04-23T08:15:30Z", "abc", "00").to_header_value()
        'HMAC-SHA256 apiKey=KEY, date=2026-04-23T08:15:30Z, salt=abc, signature=00'
        """
        return render_header(self.api_key, self.date, self.salt, self.signature)


def render_header(api_key: str, date: str, salt: str, signature: str) -> str:
    """The header value for these four parts, in the layout the API documents."""
    return f"{SCHEME} apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


def parse_header(value: str | None) -> AuthorizationHeader:
    """Parse a header value strictly into its four parts.

    Raises :class:`AuthError` with errorCode ``Unauthorized`` and a message
    that names what is wrong, for every malformed value.

    >>> parse_header("HMAC-SHA256 apiKey=K, date=D, salt=S, signature=X").salt
    'S'
    """
    if value is None or not value.strip():
        raise AuthError(ErrorCode.UNAUTHORIZED, "Authorization header is missing")
    scheme, _, rest = value.strip().partition(" ")
    # Schemes are case-insensitive (RFC 9110, section 11.1); openapi.yaml says so.
    if scheme.upper() != SCHEME:
        if scheme.upper() == "HMAC-MD5":
            raise AuthError(ErrorCode.UNAUTHORIZED, "HMAC-MD5 is not supported; use HMAC-SHA256")
        raise AuthError(
            ErrorCode.UNAUTHORIZED,
            f"Authorization scheme must be {SCHEME}, got {_quote(scheme)}",
        )
    if not rest.strip():
        raise AuthError(ErrorCode.UNAUTHORIZED, f"{SCHEME} header has no fields")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        match = _FIELD_PATTERN.fullmatch(part)
        if match is None:
            raise AuthError(
                ErrorCode.UNAUTHORIZED,
                f"malformed field {_quote(part.strip())}: expected name=value",
            )
        name, field_value = match.groups()
        if name not in FIELDS:
            raise AuthError(ErrorCode.UNAUTHORIZED, f"unknown field {_quote(name)}")
        if name in fields:
            raise AuthError(ErrorCode.UNAUTHORIZED, f"field {name} appears twice")
        if not field_value:
            raise AuthError(ErrorCode.UNAUTHORIZED, f"field {name} is empty")
        fields[name] = field_value
    missing = [name for name in FIELDS if name not in fields]
    if missing:
        raise AuthError(ErrorCode.UNAUTHORIZED, f"missing field(s): {', '.join(missing)}")
    return AuthorizationHeader(
        api_key=fields["apiKey"],
        date=fields["date"],
        salt=fields["salt"],
        signature=fields["signature"],
    )


def parse_date(date: str) -> datetime:
    """Parse a header date into an aware datetime, or raise ``Unauthorized``.

    >>> parse_date("2026-04-23T17:15:30+09:00").isoformat()
    '2026-04-23T17:15:30+09:00'
    """
    if _DATE_PATTERN.fullmatch(date) is None:
        raise AuthError(
            ErrorCode.UNAUTHORIZED,
            f"date {_quote(date)} is not ISO 8601 with a time zone "
            "(e.g. 2026-04-23T08:15:30.123Z or 2026-04-23T17:15:30+09:00)",
        )
    try:
        return datetime.fromisoformat(date)
    except ValueError:
        raise AuthError(
            ErrorCode.UNAUTHORIZED, f"date {_quote(date)} is not a valid time"
        ) from None


def check_salt(salt: str) -> None:
    """Refuse a salt that is too short, too long or not visible ASCII."""
    if not SALT_MIN_LENGTH <= len(salt) <= SALT_MAX_LENGTH:
        raise AuthError(
            ErrorCode.UNAUTHORIZED,
            f"salt must be {SALT_MIN_LENGTH} to {SALT_MAX_LENGTH} characters, got {len(salt)}",
        )
    if _SALT_CHARACTERS.fullmatch(salt) is None:
        raise AuthError(ErrorCode.UNAUTHORIZED, "salt must be visible ASCII characters")


def _quote(text: str, limit: int = 40) -> str:
    """Quote untrusted input for a message, shortened and printable."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return ascii(shown)
