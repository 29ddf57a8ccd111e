"""``python -m auth_plugin sign``: a fresh signed header; ``verify``, an alias for one release.

The key and the secret come from ``SOLAPI_API_KEY`` and ``SOLAPI_API_SECRET``;
the secret is never read from the command line, which other users see in ``ps``.
Checking a header offline is the server side's: ``python -m hmac_verifier verify``;
``python -m auth_plugin verify`` still runs it where that package is installed (the
project, not the partner client wheel), until the next major version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from auth_plugin.credentials import (
    API_KEY_ENV,
    API_SECRET_ENV,
    Credentials,
    MissingCredentialsError,
)
from auth_plugin.errors import AuthError
from auth_plugin.header import check_salt, parse_date
from auth_plugin.signing import sign_request

EXIT_OK = 0
EXIT_USAGE = 2


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``verify`` command's arguments, here and in ``python -m hmac_verifier verify``."""
    parser.add_argument("header", help="the header value (with or without 'Authorization: ')")
    parser.add_argument("--api-key", help=f"the expected API key (default: ${API_KEY_ENV})")
    parser.add_argument(
        "--now",
        help="judge the date against this time (ISO 8601) instead of the current time",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m auth_plugin",
        description="Sign SOLAPI CRM Core requests (HMAC-SHA256) or check a signature offline.",
        epilog=f"Credentials come from {API_KEY_ENV} and {API_SECRET_ENV}.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{sign,verify}")

    sign = commands.add_parser(
        "sign",
        help="print a fresh Authorization header value",
        description=(
            "Print an Authorization header value (without the 'Authorization:' prefix), e.g. "
            'curl -H "Authorization: $(python -m auth_plugin sign)" ...'
        ),
    )
    sign.add_argument("--api-key", help=f"the API key (default: ${API_KEY_ENV})")
    sign.add_argument("--date", help="sign with this date instead of now (reproduce a signature)")
    sign.add_argument("--salt", help="sign with this salt instead of a random one")

    verify = commands.add_parser(
        "verify",
        help="check a header value offline (alias of python -m hmac_verifier verify)",
        description=(
            "Check an Authorization header value offline against "
            f"${API_SECRET_ENV}, as the server would, and explain any refusal. An alias of "
            "python -m hmac_verifier verify, kept until the next major version."
        ),
    )
    # Defined here, on the client side, so that the client wheel (which has no hmac_verifier)
    # still parses them and says where verify lives; hmac_verifier's command reuses them.
    add_verify_arguments(verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "verify":
        return _verify_alias(args)
    try:
        credentials = Credentials.from_env(api_key=args.api_key)
    except MissingCredentialsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return _sign(credentials, date=args.date, salt=args.salt)


def _verify_alias(args: argparse.Namespace) -> int:
    """``verify``, run by the server side's command where it is installed."""
    try:
        # The one import of the server side here: the alias hands the command over, for one
        # release ([tool.importlinter] lists it as the exception).
        from hmac_verifier.cli import run_verify
    except ImportError:
        print(
            "error: verify is the server side's check (python -m hmac_verifier verify), which "
            "this installation does not have: the client wheel carries signing only. Install "
            "the project (solapi-crm-core-contract) to check a header offline.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_verify(args)


def _sign(credentials: Credentials, *, date: str | None, salt: str | None) -> int:
    try:
        if date is not None:
            parse_date(date)
        if salt is not None:
            check_salt(salt)
    except AuthError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    print(sign_request(credentials.api_key, credentials.api_secret, date=date, salt=salt))
    return EXIT_OK
