"""The contract run: schemathesis against the embedded mock, or a live server.

``nox -s contract`` runs this module. Without ``--url`` it starts the mock on
127.0.0.1 with ``tests/contract/fixtures.yaml`` and its own credentials; with
``--url`` it tests that server using ``SOLAPI_API_KEY`` / ``SOLAPI_API_SECRET``.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from mock_server import create_app
from mock_server.fixtures import load_fixtures
from mock_server.serving import serve_in_thread

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SPEC = ROOT / "openapi.yaml"
CONTRACT_FIXTURES = HERE / "fixtures.yaml"
CONTRACT_KEY, CONTRACT_SECRET = "NCSCONTRACTOWNER", "contract-owner-secret"
CONTRACT_ENTITY = "CRMET1260423081530123XYZ11122233"
DEFAULT_SEED = 20260423
PHASES = "examples,coverage,fuzzing,stateful"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nox -s contract --",
        description="Prove that a server honours openapi.yaml (schemathesis, every check).",
    )
    parser.add_argument("--url", help="a live server's base URL; default: the embedded mock")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generation seed")
    parser.add_argument(
        "--max-examples", type=int, default=None, help="cases per operation and phase"
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        help="a deep run: 1300 examples per operation and mode (>= 5,000 cases)",
    )
    parser.add_argument(
        "--allow-writes",
        metavar="WORKSPACE",
        help="live mode: allow creating properties and permanent deletes in this workspace",
    )
    parser.add_argument(
        "--entity-id", help="live mode: the entity that positive createProperty cases target"
    )
    parser.add_argument("--reports", type=Path, default=ROOT / "reports" / "contract")
    return parser


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def embedded_mock() -> Iterator[str]:
    """Serve the mock with the contract fixtures on 127.0.0.1; yield its URL."""
    with serve_in_thread(create_app(fixtures=load_fixtures(CONTRACT_FIXTURES))) as url:
        yield url


def schemathesis_command(url: str, args: argparse.Namespace, *, exclude_create: bool) -> list[str]:
    executable = (
        shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    )
    examples = args.max_examples or (1300 if args.deep else 100)
    command = [
        executable,
        "--no-color",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        str(SPEC),
        "--url",
        url,
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--seed",
        str(args.seed),
        "--max-examples",
        str(examples),
        "--workers",
        "1",
        "--report",
        "junit,har",
        "--report-junit-path",
        str(args.reports / "junit.xml"),
        "--report-har-path",
        str(args.reports / "requests.har.json"),
        "--suppress-health-check",
        "too_slow",
    ]
    if exclude_create:
        command += ["--exclude-operation-id", "createProperty"]
    return command


def run_streaming(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command``, echoing its output live; return (exit code, output)."""
    lines: list[str] = []
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            lines.append(line)
    return process.returncode, "".join(lines)


def summarize(output: str, junit: Path, seconds: float) -> None:
    """One summary line: cases, failures per check, wall time."""
    match = re.search(r"(\d+) generated, (\d+) passed(?:, (\d+) failed)?", output)
    generated = int(match.group(1)) if match else 0
    failed_cases = int(match.group(3) or 0) if match else 0
    per_check: dict[str, int] = {}
    if junit.exists():
        root = ET.parse(junit).getroot()
        for problem in [*root.iter("failure"), *root.iter("error")]:
            text = problem.get("message") or problem.text or ""
            for check in re.findall(r"^\s*-\s*(.+)$", text, flags=re.MULTILINE) or ["error"]:
                per_check[check.strip()] = per_check.get(check.strip(), 0) + 1
    checks = ", ".join(f"{name}: {count}" for name, count in sorted(per_check.items())) or "none"
    print(
        f"contract summary: {generated} cases, {failed_cases} failed; "
        f"failures by check: {checks}; wall time {seconds:.1f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = "tests.contract.hooks"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    args.reports.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.url is None:
        env.update(
            SOLAPI_API_KEY=CONTRACT_KEY,
            SOLAPI_API_SECRET=CONTRACT_SECRET,
            CRM_CORE_CONTRACT_ENTITY_ID=CONTRACT_ENTITY,
        )
        print(f"contract: embedded mock, seed {args.seed}")
        with embedded_mock() as url:
            code, output = run_streaming(schemathesis_command(url, args, exclude_create=False), env)
    else:
        if not env.get("SOLAPI_API_KEY") or not env.get("SOLAPI_API_SECRET"):
            print("error: set SOLAPI_API_KEY and SOLAPI_API_SECRET for a live run", file=sys.stderr)
            return 2
        local = is_local(args.url)
        writes = local or args.allow_writes is not None
        env["CRM_CORE_CONTRACT_LIVE"] = "0" if writes else "1"
        if args.entity_id:
            env["CRM_CORE_CONTRACT_ENTITY_ID"] = args.entity_id
        print(f"contract: live server {args.url}, seed {args.seed}")
        if writes:
            print(
                f"  will send: bulk deletes (soft and permanent), property creates "
                f"({'local server' if local else 'workspace ' + str(args.allow_writes)})"
            )
        else:
            print("  will send: soft bulk deletes of generated (mostly unknown) ids only")
            print(
                "  will NOT send: permanent deletes, property creates (pass --allow-writes WORKSPACE)"
            )
        code, output = run_streaming(
            schemathesis_command(args.url, args, exclude_create=not writes), env
        )
    summarize(output, args.reports / "junit.xml", time.perf_counter() - started)
    print(f"reports: {args.reports}/junit.xml, {args.reports}/requests.har.json (secrets filtered)")
    return code


if __name__ == "__main__":
    sys.exit(main())
