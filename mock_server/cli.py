"""``python -m mock_server``: serve the stateful mock on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from hmac_verifier import DEFAULT_MAX_PER_KEY
from http_edge.protocol import BoundedHttpToolsProtocol
from http_edge.serving import listen, port_number
from mock_server.app import create_app
from mock_server.fixtures import (
    DEFAULT_FIXTURES,
    ApiKeyFixture,
    FixtureError,
    default_fixtures,
    load_fixtures,
    parse_api_key_option,
    read_api_keys_file,
)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mock_server",
        description="A stateful mock of the SOLAPI CRM Core API (both operations of openapi.yaml). "
        "`python -m validating_proxy --help`: the validating proxy.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, default=8080, help="port (default 8080; 0 picks a free one)"
    )
    parser.add_argument("--db", type=Path, help="SQLite file that keeps state across restarts")
    parser.add_argument("--fixtures", type=Path, help="fixture file (YAML/JSON); default: demo set")
    parser.add_argument(
        "--reset", action="store_true", help="reload the fixtures into --db even if it has data"
    )
    parser.add_argument(
        "--api-keys-file",
        type=Path,
        metavar="FILE",
        help="add the API keys in FILE (KEY:SECRET:ROLE per line; role OWNER or MEMBER) "
        "to the first workspace; keeps secrets out of the command line",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY:SECRET:ROLE",
        help="add one API key; the secret is visible to every user in the process list, "
        "prefer --api-keys-file",
    )
    parser.add_argument(
        "--signatures-per-key",
        type=_positive,
        default=DEFAULT_MAX_PER_KEY,
        metavar="N",
        help="signed requests one API key may make within 15 minutes "
        f"(default {DEFAULT_MAX_PER_KEY:,}, ~8.5 bytes of memory each); "
        "beyond it: 429 with Retry-After",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the mock (the validating proxy is ``python -m validating_proxy``)."""
    args = build_parser().parse_args(argv)
    try:
        fixtures = load_fixtures(args.fixtures) if args.fixtures else default_fixtures()
        added = [parse_api_key_option(k) for k in args.api_key]
        if args.api_keys_file is not None:
            added += read_api_keys_file(args.api_keys_file)
        fixtures = fixtures.with_api_keys(added)
    except FixtureError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.db is not None and not args.db.parent.exists():
        print(f"error: --db: directory {args.db.parent} does not exist", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
    )
    try:
        listener = listen(args.host, args.port)
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    app = create_app(
        db_path=args.db or ":memory:",
        fixtures=fixtures,
        reset=args.reset or None,
        signatures_per_key=args.signatures_per_key,
    )
    # Never behind a proxy: X-Forwarded-* must not rewrite the client address,
    # and skipping uvicorn's proxy layer saves a little on every request.
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        http=BoundedHttpToolsProtocol,  # head size and read-time limits
    )
    _print_banner(args, listener.getsockname()[1], added, demo=args.fixtures is None)
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def _print_banner(
    args: argparse.Namespace, port: int, added: list[ApiKeyFixture], *, demo: bool
) -> None:
    print(f"CRM Core mock server on http://{args.host}:{port}  (admin API: /_mock/)")
    print(f"state: {args.db or 'in memory'}")
    if demo:
        # The demo credentials are the public placeholders of SOLAPI's own samples.
        for key in DEFAULT_FIXTURES["workspaces"][0]["apiKeys"]:
            print(
                f"demo {key['role']:6} SOLAPI_API_KEY={key['apiKey']} SOLAPI_API_SECRET={key['apiSecret']}"
            )
    for key in added:
        print(f"added  {key.role:6} SOLAPI_API_KEY={key.api_key} (secret as given)")
    sys.stdout.flush()
