"""Checks of a request's ``Authorization`` header, with or without the API secret.

The grammar, the salt and the date are checked with the same functions the
mock's verifier uses (:mod:`auth_plugin.header`), the window and the
signature with the verifier's own (:func:`hmac_verifier.outside_window`,
:func:`hmac_verifier.signature_matches`), against the proxy's clock; a signature seen
before within the window is a replay. The signature itself is checked only
for API keys whose secret the operator gave the proxy. No violation carries
the header's value, the signature or a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from auth_plugin.errors import AuthError, ErrorCode
from auth_plugin.header import SCHEME, check_salt, parse_date, parse_header
from auth_plugin.signing import keyed_hmac
from hmac_verifier import WINDOW, ReplayCache, outside_window, signature_matches
from validating_proxy.violation import Violation

#: Live signatures kept per key with a secret: 1,000 requests per second
#: sustained over the 15-minute window, about 8 MiB per key that spends it.
DEFAULT_REPLAY_BUDGET = 900_000
GRAMMAR = f"{SCHEME} apiKey=<key>, date=<date>, salt=<salt>, signature=<signature>"
#: What HmacAuth says a signature is: the lowercase hex of an HMAC-SHA256.
_SIGNATURE_FORM = re.compile(r"[0-9a-f]{64}")


class ReplayBudgetSpent(Exception):
    """A key has as many live signatures as the proxy keeps for one key: the request is
    refused (429) until its oldest leave the window, ``retry_after`` seconds from now."""

    def __init__(self, api_key: str, retry_after: int) -> None:
        super().__init__(f"{api_key} has spent its replay budget; retry in {retry_after} s")
        self.api_key = api_key
        self.retry_after = retry_after


class AuthorizationChecker:
    """Checks ``Authorization`` headers; remembers verified signatures to spot replays.

    ``secrets`` maps API keys to secrets the operator supplied (optional);
    ``clock`` is the proxy's clock. Only a signature verified with its key's
    secret is remembered: a key the proxy holds no secret for keeps no state
    (anyone can make up keys), and each key with a secret keeps at most
    ``replay_budget`` live signatures, none forgotten inside its window; past
    that, :meth:`check` raises :class:`ReplayBudgetSpent`.

    >>> from datetime import UTC
    >>> from auth_plugin.signing import sign_request
    >>> checker = AuthorizationChecker({"NCSXXXXXXXXXXXXX": "YOUR_API_SECRET"},
    ...                                clock=lambda: datetime(2026, 4, 23, 8, 20, tzinfo=UTC))
    >>> header = sign_request("NCSXXXXXXXXXXXXX", "WRONG_SECRET",
    ...                       date="2026-04-23T08:15:30Z", salt="0123456789abcdef")
    >>> [v.check for v in checker.check([header])]
    ['request.authorization.signature']
    >>> [v.check for v in checker.check([])]
    ['request.authorization.missing']
    """

    def __init__(
        self,
        secrets: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], datetime],
        replay_budget: int = DEFAULT_REPLAY_BUDGET,
    ) -> None:
        self._keyed = {key: keyed_hmac(secret) for key, secret in (secrets or {}).items()}
        self._clock = clock
        self.replay_budget = replay_budget
        self._seen = ReplayCache(max_per_key=replay_budget)

    def __repr__(self) -> str:
        return f"AuthorizationChecker(keys with a secret={len(self._keyed)})"

    @property
    def remembered(self) -> int:
        """How many signatures are kept for the replay check now."""
        return len(self._seen)

    def check(self, values: Sequence[str]) -> list[Violation]:
        """The violations of a request whose ``Authorization`` headers are ``values``."""
        if not values:
            return [_violation("missing", GRAMMAR, "no Authorization header", "header missing")]
        if len(values) > 1:
            return [
                _violation(
                    "multiple",
                    "exactly one Authorization header",
                    f"{len(values)} headers",
                    "more than one Authorization header (servers and proxies disagree on which counts)",
                )
            ]
        try:
            header = parse_header(values[0])
        except AuthError as error:
            actual = _without_values(error.message)
            return [_violation("header", GRAMMAR, actual, "malformed Authorization header")]
        problems = []
        try:
            check_salt(header.salt)
        except AuthError as error:
            actual = _without_values(error.message)
            problems.append(
                _violation("salt", "12 to 64 visible ASCII characters", actual, "bad salt")
            )
        try:
            signed_at = parse_date(header.date)
        except AuthError as error:
            actual = _without_values(error.message)
            problems.append(_violation("date", "ISO 8601 with a time zone", actual, "bad date"))
            return problems
        now = self._clock()
        skew = abs((now - signed_at).total_seconds())
        if outside_window(signed_at, now):
            problems.append(
                _violation(
                    "skew",
                    f"within {int(WINDOW.total_seconds() // 60)} minutes of the proxy's clock",
                    f"{skew:.0f} seconds off",
                    "the date is outside the server's window (RequestTimeTooSkewed)",
                )
            )
        keyed = self._keyed.get(header.api_key)
        if _SIGNATURE_FORM.fullmatch(header.signature) is None:
            problems.append(
                _violation(
                    "signature",
                    "64 lowercase hex characters (HMAC-SHA256)",
                    f"{len(header.signature)} characters, not all lowercase hex",
                    "the signature is not a lowercase hex HMAC-SHA256",
                )
            )
        elif keyed is not None and not signature_matches(keyed, header):
            problems.append(
                _violation(
                    "signature",
                    f"HMAC-SHA256 of date + salt keyed by the secret given for {header.api_key}",
                    "a different signature",
                    "the signature does not match the secret given to the proxy",
                )
            )
        if not problems and keyed is not None:
            try:
                self._seen.remember(
                    header.api_key, header.signature, expires=signed_at + WINDOW, now=now
                )
            except AuthError as error:
                if error.error_code is ErrorCode.TOO_MANY_REQUESTS:
                    raise ReplayBudgetSpent(header.api_key, error.retry_after or 1) from None
                if error.error_code is ErrorCode.DUPLICATED_SIGNATURE:
                    problems.append(
                        _violation(
                            "replay",
                            "a signature used once (sign every request and retry afresh)",
                            "a signature sent before within the window",
                            "replayed signature (DuplicatedSignature)",
                        )
                    )
        return problems


def api_key_of(values: Sequence[str]) -> str | None:
    """The API key a request's one ``Authorization`` header names (None if it names none).

    >>> api_key_of(["HMAC-SHA256 apiKey=NCSKEY, date=x, salt=y, signature=z"])
    'NCSKEY'
    >>> api_key_of([]) is None
    True
    """
    if len(values) != 1:
        return None
    try:
        return parse_header(values[0]).api_key
    except AuthError:
        return None


#: A value the header parser quoted in its message (``ascii()`` of a part of the header).
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')


def _without_values(message: str) -> str:
    """The parser's message with every part of the header it quoted left out: a malformed
    header may hold a signature or a secret pasted in by mistake.

    >>> _without_values("malformed field 'signature=0123abcd': expected name=value")
    'malformed field (value not shown): expected name=value'
    """
    return _QUOTED.sub("(value not shown)", message)


def _violation(rule: str, expected: str, actual: str, message: str) -> Violation:
    return Violation(f"request.authorization.{rule}", None, expected, actual, message)
