"""Server-side verification of ``Authorization`` headers, as CRM Core does it."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_plugin.errors import AuthError, ErrorCode
from auth_plugin.header import AuthorizationHeader, check_salt, parse_date, parse_header
from auth_plugin.signing import Clock, keyed_hmac, keyed_signature, utc_now
from hmac_verifier.replay_cache import WINDOW, ReplayCache

_MAX_KEYED = 1024

SecretLookup = Callable[[str], str | None]


def signature_matches(keyed: hmac.HMAC, header: AuthorizationHeader) -> bool:
    """Whether ``header``'s signature is the HMAC-SHA256 of its date + salt under ``keyed``
    (compared in constant time; the server's check, also the validating proxy's).

    >>> from auth_plugin.signing import sign_request
    >>> header = parse_header(sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET"))
    >>> signature_matches(keyed_hmac("YOUR_API_SECRET"), header)
    True
    """
    expected = keyed_signature(keyed, header.date, header.salt)
    return hmac.compare_digest(expected.encode(), header.signature.encode("utf-8", "replace"))


def outside_window(signed_at: datetime, now: datetime, window: timedelta = WINDOW) -> bool:
    """Whether a date is further from ``now`` than the window allows (RequestTimeTooSkewed).

    >>> from datetime import UTC
    >>> outside_window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 16, tzinfo=UTC))
    True
    """
    return abs(now - signed_at) > window


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """What a successful verification tells the server."""

    api_key: str
    date: datetime


class Verifier:
    """Accepts or refuses ``Authorization`` header values.

    ``lookup_secret`` maps an API key to its secret (``None`` for an unknown
    key); ``clock`` is the server's clock. Checks run in the order the API
    reports them: header syntax, salt and date (``Unauthorized``), key
    (``InvalidAPIKey``), signature (``SignatureDoesNotMatch``), skew
    (``RequestTimeTooSkewed``), replay (``DuplicatedSignature``), the key's
    budget of live signatures (``TooManyRequests``, see :class:`ReplayCache`).

    >>> from datetime import UTC
    >>> verifier = Verifier({"NCSXXXXXXXXXXXXX": "YOUR_API_SECRET"}.get,
    ...                     clock=lambda: datetime(2026, 4, 23, 8, 20, tzinfo=UTC))
    >>> from auth_plugin.signing import sign_request
    >>> header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET",
    ...                       date="2026-04-23T08:15:30Z", salt="0123456789abcdef")
    >>> verifier.verify(header).api_key
    'NCSXXXXXXXXXXXXX'
    """

    def __init__(
        self,
        lookup_secret: SecretLookup,
        *,
        clock: Clock = utc_now,
        replay_cache: ReplayCache | None = None,
        window: timedelta = WINDOW,
    ) -> None:
        self._lookup_secret = lookup_secret
        self._clock = clock
        self._replay_cache = replay_cache if replay_cache is not None else ReplayCache()
        self._window = window
        self._keyed: dict[str, hmac.HMAC] = {}

    def __repr__(self) -> str:
        return f"Verifier(window={self._window}, replay_cache={len(self._replay_cache)} entries)"

    def _keyed_for(self, secret: str) -> hmac.HMAC:
        # Keying is most of a signature's cost: keep one keyed HMAC per secret
        # and copy it. Bounded: a server has few secrets.
        keyed = self._keyed.get(secret)
        if keyed is None:
            if len(self._keyed) >= _MAX_KEYED:
                self._keyed.clear()
            keyed = self._keyed[secret] = keyed_hmac(secret)
        return keyed

    def verify(self, header_value: str | None) -> VerifiedRequest:
        """Verify one header value; raise :class:`AuthError` to refuse it."""
        header = parse_header(header_value)
        check_salt(header.salt)
        signed_at = parse_date(header.date)
        secret = self._lookup_secret(header.api_key)
        if secret is None:
            raise AuthError(ErrorCode.INVALID_API_KEY, "unknown API key")
        if not signature_matches(self._keyed_for(secret), header):
            raise AuthError(
                ErrorCode.SIGNATURE_DOES_NOT_MATCH,
                "signature is not the lowercase hex HMAC-SHA256 of date + salt",
            )
        now = self._clock()
        if outside_window(signed_at, now, self._window):
            raise AuthError(
                ErrorCode.REQUEST_TIME_TOO_SKEWED,
                f"date is more than {int(self._window.total_seconds() // 60)} minutes "
                "from the server's clock",
            )
        self._replay_cache.remember(
            header.api_key, header.signature, expires=signed_at + self._window, now=now
        )
        return VerifiedRequest(api_key=header.api_key, date=signed_at)
