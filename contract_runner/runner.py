"""The contract run: schemathesis against the embedded mock, or a live server.

``nox -s contract`` (``python -m contract_runner``) runs it. Without ``--url`` it
starts the mock on 127.0.0.1 with ``contract_runner/fixtures.yaml`` and its own credentials; with
``--url`` it tests that server using ``SOLAPI_API_KEY`` / ``SOLAPI_API_SECRET``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx

import crm_contract
from contract_coverage.cli import missed, threshold, write_reports
from contract_coverage.measure import measure
from contract_coverage.reasons import unreachable_on_the_mock, unreachable_read_only
from contract_coverage.render import markdown
from contract_coverage.report import build_report
from contract_runner.common import CREATE_PROPERTY, ENTITY_ID_ENV, READ_ONLY_ENV
from contract_runner.reach import reach
from contract_runner.recorded import har_calls
from http_edge.serving import serve_in_thread
from mock_server import create_app
from mock_server.fixtures import Fixtures, load_fixtures
from traffic import Redactor, TrafficWriter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = crm_contract.spec_path()
CONTRACT_FIXTURES = HERE / "fixtures.yaml"
CONTRACT_KEY, CONTRACT_SECRET = "NCSCONTRACTOWNER", "contract-owner-secret"
CONTRACT_ENTITY = "CRMET1260423081530123XYZ11122233"
DEFAULT_SEED = 20260423
PHASES = "examples,coverage,fuzzing,stateful"
DEEP_CHUNKS = 50
DEEP_CHUNK_EXAMPLES = 50
DEEP_PARALLEL = 2
#: Below this many free property slots, a default run will likely fill the quota.
LOW_PROPERTY_ROOM = 200


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nox -s contract --",
        description="Prove that a server honours openapi.yaml (schemathesis, every check).",
    )
    parser.add_argument("--url", help="a live server's base URL; default: the embedded mock")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generation seed")
    parser.add_argument(
        "--max-examples", type=int, default=None, help="examples per operation (per run)"
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        help=f"a deep run: {DEEP_CHUNKS} runs of {DEEP_CHUNK_EXAMPLES} examples, "
        "seeds SEED..SEED+N-1 (>= 5,000 cases)",
    )
    parser.add_argument(
        "--chunks", type=int, default=DEEP_CHUNKS, help="with --deep: how many runs"
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
    parser.add_argument(
        "--min-coverage", type=threshold, action="append", default=[], metavar="DIMENSION=PERCENT",
        help="fail the run below this coverage of a dimension's reachable items (repeatable; "
        "'all'); the report is written either way",
    )  # fmt: skip
    return parser


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class EntityChoice:
    """The entity positive createProperty cases target, and its room under the quota."""

    entity_id: str
    name: str
    quota: int | None
    used: int

    @property
    def room(self) -> int | None:
        return None if self.quota is None else max(0, self.quota - self.used)


def discover_entity(url: str, api_key: str) -> EntityChoice | None:
    """The key's entity with the most room, from the mock's admin API; None elsewhere.

    Only our mock answers ``GET /_mock/entities``; a real server has no such
    route, and then the caller must name an entity with ``--entity-id``.
    """
    try:
        response = httpx.get(
            f"{url.rstrip('/')}/_mock/entities", params={"apiKey": api_key}, timeout=5
        )
        entities: list[dict[str, Any]] = response.json()["entities"]
        choices = [
            EntityChoice(e["entityId"], e["name"], e["propertyQuota"], e["properties"])
            for e in entities
        ]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    if response.status_code != 200 or not choices:
        return None
    return max(choices, key=lambda c: float("inf") if c.room is None else c.room)


NO_ENTITY = """\
error: property creates need an entity of your key's workspace.
  Positive createProperty cases sent to an unknown entity get 404, which
  schemathesis reports as ST202 (schema-valid request rejected).
  Pass --entity-id CRMET... (an entity your key may add properties to); this
  server has no mock admin API (GET /_mock/entities) to find one. Without
  --allow-writes, a non-local run sends no property creates at all."""


def describe_entity(entity: EntityChoice) -> list[str]:
    """What the run will target, and a warning when the plan quota is nearly full."""
    quota = "no quota" if entity.quota is None else f"{entity.used}/{entity.quota} properties"
    lines = [f"  entity: {entity.entity_id} ({entity.name}, {quota}; from /_mock/entities)"]
    if entity.room is not None and entity.room < LOW_PROPERTY_ROOM:
        lines.append(
            f"  warning: room for {entity.room} more properties only: creates past the plan's "
            "quota get 403 PlanQuotaExceeded (ST202). Reset the mock (POST /_mock/reset), "
            "serve it with --fixtures contract_runner/fixtures.yaml (no quota), or lower "
            "--max-examples."
        )
    return lines


@contextmanager
def embedded_mock(fixtures: Fixtures | None = None) -> Iterator[str]:
    """Serve the mock with the contract fixtures on 127.0.0.1; yield its URL."""
    with serve_in_thread(create_app(fixtures=fixtures or load_fixtures(CONTRACT_FIXTURES))) as url:
        yield url


@dataclass(frozen=True)
class Chunk:
    """One schemathesis process: a seed, a budget, the phases it runs."""

    index: int
    seed: int
    max_examples: int
    phases: str
    reports: Path


@dataclass(frozen=True)
class ChunkResult:
    """What one schemathesis process did, read from its JUnit and HAR reports."""

    chunk: Chunk
    code: int
    #: Requests sent (the HAR report's entries).
    cases: int
    #: Failing scenarios (JUnit failures and errors); at least 1 when the process failed.
    failed: int
    #: Failing scenarios per check code (``ST202``), from the JUnit report.
    failures_by_check: Counter[str]
    seconds: float
    output: str


def read_junit(path: Path) -> tuple[int, Counter[str]]:
    """(scenarios with a failure or error, failing scenarios per check code).

    schemathesis writes one ``<failure message="ST202, ST101">`` per failing
    scenario, its ``message`` listing the check codes that failed in it.
    """
    if not path.is_file():
        return 0, Counter()
    root = ElementTree.parse(path).getroot()  # noqa: S314 - the JUnit file this run had schemathesis write
    per_check: Counter[str] = Counter()
    scenarios = 0
    for outcome in [*root.iter("failure"), *root.iter("error")]:
        scenarios += 1
        codes = [code.strip() for code in (outcome.get("message") or "").split(",")]
        per_check.update(code if code.startswith("ST") else "error" for code in codes if code)
    return scenarios, per_check


def count_cases(har_path: Path) -> int:
    """Requests schemathesis sent: the entries of its HAR report."""
    if not har_path.is_file():
        return 0
    entries: list[object] = json.loads(har_path.read_text(encoding="utf-8"))["log"]["entries"]
    return len(entries)


def plan_chunks(args: argparse.Namespace) -> list[Chunk]:
    """The default run is one process; ``--deep`` is many small fixed-seed processes.

    Why chunks: schemathesis steers fuzzing with ``hypothesis.target()``, and
    Hypothesis's Pareto optimiser then re-shrinks large bodies (1000-id
    arrays) at a cost that grows faster than the budget (HypothesisWorks/
    hypothesis#2985, #3176): 250 examples cost 4.4x the time of 100. Chunks of
    50 keep the cost per case flat; each has its own seed, so cases differ.
    """
    if not args.deep:
        examples = args.max_examples or 100
        return [Chunk(0, args.seed, examples, PHASES, args.reports)]
    examples = args.max_examples or DEEP_CHUNK_EXAMPLES
    return [
        Chunk(
            index,
            args.seed + index,
            examples,
            PHASES if index == 0 else "fuzzing",
            args.reports / f"chunk-{index:02d}",
        )
        for index in range(args.chunks)
    ]


def schemathesis_command(url: str, chunk: Chunk, *, exclude_create: bool) -> list[str]:
    executable = (
        shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    )
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
        chunk.phases,
        "--seed",
        str(chunk.seed),
        "--max-examples",
        str(chunk.max_examples),
        "--workers",
        "1",
        "--report",
        "junit,har",
        "--report-junit-path",
        str(chunk.reports / "junit.xml"),
        "--report-har-path",
        str(chunk.reports / "requests.har.json"),
        "--suppress-health-check",
        "too_slow",
    ]
    if exclude_create:
        command += ["--exclude-operation-id", CREATE_PROPERTY.operation_id]
    return command


def run_chunk(
    url: str, chunk: Chunk, env: dict[str, str], *, exclude_create: bool, stream: bool
) -> ChunkResult:
    """Run one schemathesis process; echo its output live when ``stream``."""
    chunk.reports.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        schemathesis_command(url, chunk, exclude_create=exclude_create),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if stream:
                sys.stdout.write(line)
            lines.append(line)
    failed, by_check = read_junit(chunk.reports / "junit.xml")
    return ChunkResult(
        chunk,
        process.returncode,
        count_cases(chunk.reports / "requests.har.json"),
        max(failed, int(process.returncode != 0)),
        by_check,
        time.perf_counter() - started,
        "".join(lines),
    )


def run_chunks(
    url: str, chunks: list[Chunk], env: dict[str, str], *, exclude_create: bool
) -> list[ChunkResult]:
    if len(chunks) == 1:
        return [run_chunk(url, chunks[0], env, exclude_create=exclude_create, stream=True)]
    results: list[ChunkResult] = []
    # Two at a time: the machine's two cores; each process is single-threaded.
    with ThreadPoolExecutor(max_workers=DEEP_PARALLEL) as pool:
        futures = [
            pool.submit(run_chunk, url, chunk, env, exclude_create=exclude_create, stream=False)
            for chunk in chunks
        ]
        for future in futures:
            result = future.result()
            results.append(result)
            chunk = result.chunk
            print(
                f"chunk {chunk.index + 1:2}/{len(chunks)} seed {chunk.seed} [{chunk.phases}]: "
                f"{result.cases} cases, {result.failed} failed, {result.seconds:.1f} s",
                flush=True,
            )
            if result.code != 0:
                failures = result.output.find("FAILURES")
                print(result.output[failures:] if failures >= 0 else result.output[-3000:])
    return results


@dataclass(frozen=True)
class ContractSummary:
    """The whole run: what the tests and the closing line read."""

    runs: int
    cases: int
    failed: int
    failures_by_check: Counter[str]
    seconds: float

    def line(self) -> str:
        checks = ", ".join(f"{c}: {n}" for c, n in sorted(self.failures_by_check.items()))
        return (
            f"contract summary: {self.cases} cases, {self.failed} failed in {self.runs} run(s); "
            f"failures by check: {checks or 'none'}; wall time {self.seconds:.1f} s"
        )


def summarize(results: list[ChunkResult], seconds: float) -> ContractSummary:
    """Add up the runs."""
    by_check: Counter[str] = Counter()
    for result in results:
        by_check.update(result.failures_by_check)
    return ContractSummary(
        runs=len(results),
        cases=sum(r.cases for r in results),
        failed=sum(r.failed for r in results),
        failures_by_check=by_check,
        seconds=seconds,
    )


@dataclass(frozen=True)
class ContractRun:
    """How the run ended: its exit code, and its summary when any case was run."""

    code: int
    summary: ContractSummary | None


def main(argv: Sequence[str] | None = None) -> int:
    return execute(argv).code


def execute(argv: Sequence[str] | None = None) -> ContractRun:
    """Parse ``argv``, run the contract, print the summary line; return the outcome."""
    args = build_parser().parse_args(argv)
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = "contract_runner.hooks"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    chunks = plan_chunks(args)
    started = time.perf_counter()
    if args.url is None:
        env.update(
            SOLAPI_API_KEY=CONTRACT_KEY,
            SOLAPI_API_SECRET=CONTRACT_SECRET,
            **{ENTITY_ID_ENV: CONTRACT_ENTITY},
        )
        print(f"contract: embedded mock, seed {args.seed}, {len(chunks)} run(s)", flush=True)
        fixtures = load_fixtures(CONTRACT_FIXTURES)
        with embedded_mock(fixtures) as url:
            results = run_chunks(url, chunks, env, exclude_create=False)
            reach_started = time.perf_counter()
            reached = reach(url, fixtures)
        print(
            f"reach phase: {len(reached)} scripted calls in "
            f"{time.perf_counter() - reach_started:.2f} s (contract_runner/reach.py)"
        )
        key, role, reasons = CONTRACT_KEY, "OWNER", unreachable_on_the_mock()
    else:
        if not env.get("SOLAPI_API_KEY") or not env.get("SOLAPI_API_SECRET"):
            print("error: set SOLAPI_API_KEY and SOLAPI_API_SECRET for a live run", file=sys.stderr)
            return ContractRun(2, None)
        local = is_local(args.url)
        writes = local or args.allow_writes is not None
        env[READ_ONLY_ENV] = "0" if writes else "1"
        print(f"contract: live server {args.url}, seed {args.seed}, {len(chunks)} run(s)")
        if args.entity_id:
            env[ENTITY_ID_ENV] = args.entity_id
        elif writes:
            entity = discover_entity(args.url, env["SOLAPI_API_KEY"])
            if entity is None:
                print(NO_ENTITY, file=sys.stderr)
                return ContractRun(2, None)
            env[ENTITY_ID_ENV] = entity.entity_id
            print("\n".join(describe_entity(entity)))
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
        results = run_chunks(args.url, chunks, env, exclude_create=not writes)
        reached, key, role = [], env["SOLAPI_API_KEY"], None
        reasons = {} if writes else unreachable_read_only()
    summary = summarize(results, time.perf_counter() - started)
    print(summary.line())
    coverage_started = time.perf_counter()
    calls = [
        call
        for result in results
        for call in har_calls(result.chunk.reports / "requests.har.json", key_id=key, key_role=role)
    ] + reached
    (args.reports / "traffic.jsonl").unlink(missing_ok=True)  # this run's calls only
    with TrafficWriter(
        args.reports / "traffic.jsonl",
        redactor=Redactor([env["SOLAPI_API_SECRET"]]),
        hash_key_ids=args.url is not None,
    ) as writer:
        for call in calls:
            writer.write(call)
    report = build_report(measure(calls), reasons)
    write_reports(report, args.reports)
    print(markdown(report, uncovered_limit=20), end="")
    print(
        f"coverage: {time.perf_counter() - coverage_started:.2f} s to record and measure {len(calls)} calls"
    )
    print(
        f"reports: {args.reports}/ (JUnit and HAR, Authorization filtered; traffic.jsonl; "
        "coverage.json, coverage.md, coverage.html)"
    )
    code = max(r.code for r in results)
    problems = missed(report, args.min_coverage)
    for problem in problems:
        print(f"coverage below the threshold: {problem}", file=sys.stderr)
    return ContractRun(max(code, 1 if problems else 0), summary)


if __name__ == "__main__":
    sys.exit(main())
