"""``python -m validating_proxy --upstream URL``: the validating proxy on 127.0.0.1.

``python -m mock_server proxy`` runs it too, for one release (CHANGELOG 2.0.0).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from http_edge.serving import listen, port_number
from validating_proxy.app import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TIMEOUT,
    create_proxy_app,
    uvicorn_options,
)
from validating_proxy.authorization import DEFAULT_REPLAY_BUDGET
from validating_proxy.forwarding import upstream_url
from validating_proxy.report import format_summary

DEFAULT_REPORT = Path("reports/proxy/violations.jsonl")


class SecretsFileError(ValueError):
    """A secrets file that cannot be read or has a bad line; the message never quotes a line."""


def read_secrets_file(path: Path) -> dict[str, str]:
    """``KEY:SECRET`` per line (a mock keys file's ``KEY:SECRET:ROLE`` lines work too).

    Blank lines and ``#`` comments are skipped.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise SecretsFileError(f"cannot read secrets file {path}: {reason}") from None
    secrets: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise SecretsFileError(f"{path}:{number}: expected KEY:SECRET (or KEY:SECRET:ROLE)")
        secrets[parts[0]] = parts[1]
    return secrets


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 < seconds <= 3600")
    return value


def _byte_count(text: str) -> int:
    if not text.isdigit() or not 1024 <= int(text) <= 1024**3:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a whole number of bytes from 1024 to 1 GiB"
        )
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000_000:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 1 to 100000000")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m validating_proxy",
        description="Forward requests unchanged to UPSTREAM and check requests and responses "
        "against openapi.yaml; each violation is one JSON line in the report.",
    )
    parser.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="the server to forward to (http:// or https://)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=port_number, default=8090, help="port (default 8090; 0 picks a free one)"
    )
    parser.add_argument(
        "--report", type=Path, default=DEFAULT_REPORT, metavar="FILE",
        help=f"JSON-lines file the violations are appended to (default {DEFAULT_REPORT})",
    )  # fmt: skip
    parser.add_argument(
        "--secrets-file", type=Path, metavar="FILE",
        help="KEY:SECRET per line: also check these keys' signatures (never needed)",
    )  # fmt: skip
    parser.add_argument(
        "--secret-from-env", action="store_true",
        help="also check the signatures of SOLAPI_API_KEY with SOLAPI_API_SECRET",
    )  # fmt: skip
    parser.add_argument(
        "--fail-on-violation", action="store_true",
        help="answer 502 instead of forwarding a response that breaks the contract, "
        "and exit 1 if any violation was recorded",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"longest wait for the upstream's whole answer (default {DEFAULT_TIMEOUT:g}; then 504)",
    )  # fmt: skip
    parser.add_argument(
        "--max-body-bytes", type=_byte_count, default=DEFAULT_MAX_BODY_BYTES, metavar="N",
        help=f"largest request body forwarded (default {DEFAULT_MAX_BODY_BYTES}; then 413); "
        "responses may be four times this",
    )  # fmt: skip
    parser.add_argument(
        "--replay-budget", type=_count, default=DEFAULT_REPLAY_BUDGET, metavar="N",
        help="signatures remembered per key with a secret inside the 15-minute window "
        f"(default {DEFAULT_REPLAY_BUDGET}); past it the key's requests get 429 until some expire",
    )  # fmt: skip
    parser.add_argument(
        "--traffic", type=Path, metavar="FILE",
        help="also append every exchange to FILE (crm-core-traffic JSON lines, secrets blanked): "
        "evidence for the coverage report and the impact check",
    )  # fmt: skip
    parser.add_argument(
        "--hash-key-ids", action="store_true",
        help="in the traffic file, write API key ids as sha256:<hex>",
    )  # fmt: skip
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing but errors and the summary"
    )
    return parser


def _secrets(args: argparse.Namespace) -> dict[str, str]:
    secrets = read_secrets_file(args.secrets_file) if args.secrets_file is not None else {}
    if args.secret_from_env:
        key, secret = os.environ.get("SOLAPI_API_KEY"), os.environ.get("SOLAPI_API_SECRET")
        if not key or not secret:
            raise SecretsFileError("--secret-from-env: set SOLAPI_API_KEY and SOLAPI_API_SECRET")
        secrets[key] = secret
    return secrets


def main(argv: Sequence[str] | None = None) -> int:
    """Run the proxy until interrupted; 1 with ``--fail-on-violation`` if anything was found."""
    args = build_parser().parse_args(argv)
    try:
        secrets = _secrets(args)
        upstream_url(args.upstream)  # refused before listening
    except (SecretsFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        listener = listen(args.host, args.port)
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        app = create_proxy_app(
            upstream=args.upstream,
            report_path=args.report,
            secrets=secrets,
            fail_on_violation=args.fail_on_violation,
            timeout=args.timeout,
            max_body_bytes=args.max_body_bytes,
            replay_budget=args.replay_budget,
            traffic_path=args.traffic,
            hash_key_ids=args.hash_key_ids,
        )
    except OSError as error:
        listener.close()
        where = error.filename or args.report
        print(f"error: cannot write {where}: {error.strerror}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        **uvicorn_options(app),
    )
    port = listener.getsockname()[1]
    if not args.quiet:
        checked = f"{len(secrets)} key(s)" if secrets else "none (no secrets given)"
        print(f"contract proxy on http://{args.host}:{port} -> {app.state.proxy.upstream.base_url}")
        print(f"report: {args.report}  signatures checked: {checked}  summary: /_proxy/summary")
        sys.stdout.flush()
    report = app.state.proxy.report
    # uvicorn shuts down gracefully on SIGINT and SIGTERM, then raises the
    # signal again: caught here, so that both end with the summary.
    signal.signal(signal.SIGTERM, _stopped)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        report.close()
    print(format_summary(report.summary()), flush=True)
    return 1 if args.fail_on_violation and report.total_violations else 0


class Stopped(Exception):
    """SIGTERM, once uvicorn has shut down."""


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped
