"""``python -m hmac_verifier verify HEADER``: check a signed header offline, as the server would.

The key and the secret come from ``SOLAPI_API_KEY`` and ``SOLAPI_API_SECRET``;
the secret is never read from the command line, which other users see in ``ps``.
``python -m auth_plugin verify`` runs this too, for one release (CHANGELOG 2.0.0).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from auth_plugin.cli import add_verify_arguments
from auth_plugin.credentials import (
    API_KEY_ENV,
    API_SECRET_ENV,
    Credentials,
    MissingCredentialsError,
)
from auth_plugin.errors import AuthError, ErrorCode
from auth_plugin.header import AuthorizationHeader, parse_date, parse_header
from auth_plugin.signing import compute_signature
from hmac_verifier.replay_cache import ReplayCache
from hmac_verifier.verification import Verifier

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hmac_verifier",
        description="Check SOLAPI CRM Core signatures (HMAC-SHA256) offline, as the server would.",
        epilog=f"Credentials come from {API_KEY_ENV} and {API_SECRET_ENV}.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{verify}")
    verify = commands.add_parser(
        "verify",
        help="check a header value against the secret and say what is wrong",
        description=(
            "Check an Authorization header value offline against "
            f"${API_SECRET_ENV}, as the server would, and explain any refusal."
        ),
    )
    add_verify_arguments(verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_verify(args)


def run_verify(args: argparse.Namespace) -> int:
    """Run ``verify`` with parsed arguments (``header``, ``api_key``, ``now``)."""
    try:
        credentials = Credentials.from_env(api_key=args.api_key)
    except MissingCredentialsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return _verify(credentials, args.header, now_text=args.now)


def _verify(credentials: Credentials, header_text: str, *, now_text: str | None) -> int:
    value = header_text.strip()
    if value.lower().startswith("authorization:"):
        value = value.split(":", 1)[1].strip()
    try:
        now = parse_date(now_text) if now_text else datetime.now(UTC)
    except AuthError as error:
        print(f"error: --now: {error.message}", file=sys.stderr)
        return EXIT_USAGE

    def lookup(api_key: str) -> str | None:
        return credentials.api_secret if api_key == credentials.api_key else None

    verifier = Verifier(lookup, clock=lambda: now, replay_cache=ReplayCache(max_per_key=1))
    try:
        verified = verifier.verify(value)
    except AuthError as error:
        print(f"refused: {error.error_code.value}: {error.message}")
        hint = _hint(credentials, value, error)
        if hint:
            print(f"hint: {hint}")
        return EXIT_REFUSED
    skew = (now - verified.date).total_seconds()
    relation = "before" if skew >= 0 else "after"
    print(
        f"ok: signed by {verified.api_key} at {verified.date.isoformat()}, "
        f"{abs(skew):.0f} s {relation} the server's time"
    )
    return EXIT_OK


def _hint(credentials: Credentials, value: str, error: AuthError) -> str | None:
    """Name the usual mistake behind a refusal, when one fits."""
    if error.error_code is ErrorCode.INVALID_API_KEY:
        return f"the header's apiKey is not {API_KEY_ENV} ({credentials.api_key})"
    if error.error_code is not ErrorCode.SIGNATURE_DOES_NOT_MATCH:
        return None
    header = parse_header(value)
    return _signature_hint(credentials.api_secret, header)


def _signature_hint(secret: str, header: AuthorizationHeader) -> str:
    expected = compute_signature(secret, header.date, header.salt)
    given = header.signature
    if given.lower() == expected:
        return "the signature must be lowercase hex"
    if given == compute_signature(secret, header.salt, header.date):
        return "the signature was computed over salt + date; it must be date + salt"
    if (
        given
        == hmac.new(secret.encode(), (header.date + header.salt).encode(), hashlib.md5).hexdigest()
    ):
        return "the signature is HMAC-MD5; the HMAC-SHA256 scheme needs HMAC-SHA256"
    return (
        f"for date={header.date} and salt={header.salt} the signature should be {expected}; "
        "check the secret, and that the date in the header is the exact string you signed"
    )
