"""The HMAC-SHA256 signing core: pure functions, no I/O.

The CRM Core API authenticates every request with::

    Authorization: HMAC-SHA256 apiKey=<key>, date=<date>, salt=<salt>, signature=<signature>

where ``signature`` is the lowercase hex HMAC-SHA256 of ``date + salt`` keyed
by the API secret. The URL and the body are not signed. The header's grammar
(render, parse, check) is :mod:`auth_plugin.header`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from auth_plugin.header import render_header

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def new_date(now: datetime | None = None) -> str:
    """``now`` (default: the current time) as the Node sample sends it: UTC, milliseconds, ``Z``.

    >>> new_date(datetime(2026, 4, 23, 8, 15, 30, 123456, tzinfo=UTC))
    '2026-04-23T08:15:30.123Z'
    >>> len(new_date())
    24
    """
    moment = (now or utc_now()).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def new_salt() -> str:
    """32 random hex characters (16 bytes from ``secrets``), as the reference samples use."""
    return secrets.token_hex(16)


def keyed_hmac(api_secret: str) -> hmac.HMAC:
    """An HMAC-SHA256 keyed with ``api_secret``, to ``copy()`` once per message.

    >>> mac = keyed_hmac("YOUR_API_SECRET").copy()
    >>> mac.update(b"2026-04-23T08:15:30Z0123456789abcdef")
    >>> mac.hexdigest()[:16]
    '65285c19bc3daf47'
    """
    return hmac.new(api_secret.encode("utf-8"), digestmod="sha256")


def keyed_signature(keyed: hmac.HMAC, date: str, salt: str) -> str:
    """Lowercase hex HMAC of ``date + salt`` with a :func:`keyed_hmac`, left unchanged.

    >>> keyed_signature(keyed_hmac("YOUR_API_SECRET"), "2026-04-23T08:15:30Z", "0123456789abcdef")[:16]
    '65285c19bc3daf47'
    """
    mac = keyed.copy()
    mac.update((date + salt).encode("utf-8"))
    return mac.hexdigest()


def compute_signature(api_secret: str, date: str, salt: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``date + salt`` keyed by ``api_secret``.

    >>> compute_signature("YOUR_API_SECRET", "2026-04-23T08:15:30Z", "0123456789abcdef")[:16]
    '65285c19bc3daf47'
    """
    return keyed_signature(keyed_hmac(api_secret), date, salt)


class RequestSigner:
    """Signs many requests with one key, as httpx's ``BasicAuth`` builds its header once.

    The keyed HMAC is set up once and copied per signature (keying is most of
    a signature's cost); the date comes from ``clock``, injectable as
    botocore's signer does.

    >>> from datetime import datetime, UTC
    >>> signer = RequestSigner("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET",
    ...                        clock=lambda: datetime(2026, 4, 23, 8, 15, 30, tzinfo=UTC))
    >>> signer.header(salt="0123456789abcdef")[:66]
    'HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=2026-04-23T08:15:30.000Z'
    >>> signer
    RequestSigner(api_key='NCSXXXXXXXXXXXXX', api_secret=<hidden>)
    """

    __slots__ = ("_clock", "_keyed", "api_key")

    def __init__(self, api_key: str, api_secret: str, *, clock: Clock = utc_now) -> None:
        self.api_key = api_key
        self._keyed = keyed_hmac(api_secret)
        self._clock = clock

    def __repr__(self) -> str:
        return f"RequestSigner(api_key={self.api_key!r}, api_secret=<hidden>)"

    def header(self, *, date: str | None = None, salt: str | None = None) -> str:
        """A header value; a fresh date (from the clock) and salt unless given."""
        date = new_date(self._clock()) if date is None else date
        salt = new_salt() if salt is None else salt
        return render_header(self.api_key, date, salt, keyed_signature(self._keyed, date, salt))


def sign_request(
    api_key: str,
    api_secret: str,
    *,
    date: str | None = None,
    salt: str | None = None,
) -> str:
    """Build an ``Authorization`` header value; fresh date and salt by default.

    >>> sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET",
    ...              date="2026-04-23T08:15:30Z", salt="0123456789abcdef")[:62]
    'HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=2026-04-23T08:15:30Z'
    """
    return RequestSigner(api_key, api_secret).header(date=date, salt=salt)
