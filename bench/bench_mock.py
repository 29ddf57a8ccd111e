"""Mock server throughput and latency, against Prism's mock of the same spec in the same run.

Run: ``nox -s bench -- mock``. Every request is signed afresh (the mock
refuses replays). Loads are bounded in count and stay on 127.0.0.1.

1. Sequential and 8-concurrent-client load, both operations, mock vs Prism
   (``npx @stoplight/prism-cli@5.16.0 mock``; skipped with a message when npx
   is missing). The load is autocannon (pinned, installed with npm into
   ``~/.cache/crm-core-bench``), signing every request in ``signed_load.js``.
2. Bulk delete of 100 and 1000 ids, soft and permanent, with 10 related rows
   per record (4 activities, 3 event summaries, 3 relations).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from auth_plugin import HmacAuth
from bench.bench_client import canned_server
from http_edge.serving import free_port, serve_process, wait_until_up
from mock_server.fixtures import DEMO_ENTITY_ID
from mock_server.spec import operation

KEY, SECRET = "NCSBENCHOWNERXXX", "bench-secret"
PRISM = "@stoplight/prism-cli@5.16.0"
AUTOCANNON = "autocannon@8.0.0"
LOAD_SCRIPT = Path(__file__).with_name("signed_load.js")
DELETE = operation("bulkDeleteRecords").path
CREATE = operation("createProperty").path
UNKNOWN_RECORD = "CRMRC1260423081530999NOPE0000000"


QUOTA_KEY, QUOTA_SECRET = "NCSBENCHSTARTERX", "bench-starter-secret"
QUOTA_ENTITY = "CRMET1260423081530123QUOTA000001"
QUOTA = 30


def bench_fixture_document(records: int) -> dict[str, Any]:
    return {
        "workspaces": [
            {
                "workspaceId": "bench-starter",
                "accountId": "2",
                "plan": "STARTER",
                "apiKeys": [{"apiKey": QUOTA_KEY, "apiSecret": QUOTA_SECRET, "role": "OWNER"}],
                "entities": [{"entityId": QUOTA_ENTITY, "name": "quota"}],
            },
            {
                "workspaceId": "bench",
                "accountId": "1",
                "plan": "ENTERPRISE",
                "apiKeys": [{"apiKey": KEY, "apiSecret": SECRET, "role": "OWNER"}],
                "entities": [
                    {
                        "entityId": DEMO_ENTITY_ID,
                        "generate": {
                            "count": records,
                            "activities": 4,
                            "eventSummaries": 3,
                            "relations": 3,
                        },
                    }
                ],
            },
        ]
    }


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float]
    statuses: dict[str, int]
    #: CPU time the server process spent on the load (user + system), where measured.
    server_cpu_seconds: float | None = None

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    @property
    def server_cpu_per_request_us(self) -> float | None:
        if self.server_cpu_seconds is None:
            return None
        return self.server_cpu_seconds / len(self.latencies_ms) * 1e6

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def __add__(self, other: LoadResult) -> LoadResult:
        statuses = dict(self.statuses)
        for status, count in other.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        cpu = None
        if self.server_cpu_seconds is not None and other.server_cpu_seconds is not None:
            cpu = self.server_cpu_seconds + other.server_cpu_seconds
        return LoadResult(
            self.seconds + other.seconds, self.latencies_ms + other.latencies_ms, statuses, cpu
        )

    def line(self, label: str) -> str:
        cpu = self.server_cpu_per_request_us
        return (
            f"{label:44} {self.throughput:7.0f} req/s  p50 {self.percentile(0.5):6.2f} ms"
            f"  p99 {self.percentile(0.99):6.2f} ms"
            + ("" if cpu is None else f"  server CPU {cpu:5.0f} us/req")
            + f"  statuses {dict(sorted(self.statuses.items()))}"
        )


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; None elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class LoadGenerator:
    """autocannon driven by ``signed_load.js``: each request signed afresh in Node.

    A native-speed generator in its own process: a Python one on these two
    cores saturated near 730 req/s and measured itself, not the servers.
    """

    node_modules: Path

    def run(
        self,
        url: str,
        operation: str,
        connections: int,
        amount: int | None,
        record_ids: list[str] | None = None,
        *,
        seconds: float | None = None,
    ) -> LoadResult:
        """``amount`` requests, or as many as fit in ``seconds``; with ``record_ids``,
        each request permanently deletes the next one."""
        config: dict[str, Any] = {
            "url": url,
            "path": DELETE if operation == "bulkDelete" else CREATE,
            "operation": operation,
            "connections": connections,
            "amount": amount,
            "duration": seconds,
            "apiKey": KEY,
            "apiSecret": SECRET,
            "entityId": DEMO_ENTITY_ID,
            # Unknown ids: the same work every time (lookup + per-id report), state unchanged.
            "recordId": UNKNOWN_RECORD,
        }
        if record_ids is not None:
            config |= {"recordIds": record_ids[:amount], "permanent": True}
        finished = subprocess.run(
            ["node", str(LOAD_SCRIPT), json.dumps(config)],
            env={**os.environ, "NODE_PATH": str(self.node_modules)},
            capture_output=True, text=True, check=False, timeout=600 + (seconds or 0),
        )  # fmt: skip
        if finished.returncode != 0:
            raise RuntimeError(f"signed_load.js failed: {finished.stderr.strip()[-2000:]}")
        report = json.loads(finished.stdout)
        if report["errors"] or report["timeouts"]:
            raise RuntimeError(f"load had transport errors: {report}")
        return LoadResult(report["seconds"], report["latencies"], report["statuses"])


def load_generator() -> LoadGenerator | None:
    """autocannon, installed once with npm into a cache directory outside the repository."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("load: node/npm not installed (nox -s bench installs them); load comparison skipped")
        return None
    prefix = Path.home() / ".cache" / "crm-core-bench" / AUTOCANNON.replace("@", "-")
    node_modules = prefix / "node_modules"
    if not (node_modules / "autocannon" / "package.json").exists():
        installed = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", AUTOCANNON],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if installed.returncode != 0:
            print(f"load: npm install {AUTOCANNON} failed; load comparison skipped")
            print(installed.stderr.strip()[-2000:])
            return None
    return LoadGenerator(node_modules)


@contextmanager
def mock_process(records: int, source: Path | None = None) -> Iterator[tuple[str, int]]:
    """The mock as a user runs it: its own process, so it does not share the load's GIL.

    ``source``: serve the mock of another checkout (``PYTHONPATH``); default this one.
    Yields its URL and process id."""
    with tempfile.TemporaryDirectory() as scratch:
        fixtures = Path(scratch) / "fixtures.yaml"
        fixtures.write_text(yaml.safe_dump(bench_fixture_document(records)), encoding="utf-8")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with serve_process(
            [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet",
             "--fixtures", str(fixtures)],
            url,
            cwd=source,
            env=None if source is None else {**os.environ, "PYTHONPATH": str(source)},
        ) as process:  # fmt: skip
            yield url, process.pid


@contextmanager
def prism(spec: str, *, package: str = PRISM, mode: str = "mock", upstream: str | None = None,
          seconds: float = 120) -> Iterator[str | None]:  # fmt: skip
    """Prism (``mock``, or ``proxy`` in front of ``upstream``) on 127.0.0.1; yields its URL,
    or None (said why) when it cannot run."""
    if shutil.which("npx") is None:
        print("prism: npx not installed; Prism comparison skipped")
        yield None
        return
    port = free_port()
    # A session of its own: npx starts Prism as a child, and both must go.
    process = subprocess.Popen(
        ["npx", "--yes", package, mode, "-h", "127.0.0.1", "-p", str(port), spec,
         *([upstream] if upstream else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        # Prism answers any path once up (404 or an answer): the port answering is enough.
        if not wait_until_up(url, seconds):
            print("prism: did not start; comparison skipped")
            yield None
            return
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


PRISM_NOTE = (
    "what the ratio compares: Prism's mock validates the request body and checks only that an\n"
    "  Authorization header is present (it answers 'garbage' with 200), then returns a fixed\n"
    "  example and keeps no state; the mock verifies the HMAC, refuses replays, checks roles\n"
    "  and changes SQLite. 'real deletes' has the mock delete one real record (10 related rows)\n"
    "  per request, permanently; Prism's answer is the same fixed example."
)
TARGET_RATIO = 2.0
TARGET_SEQUENTIAL_P99_MS = 5.0


def flag(ratio: float | None, result: LoadResult, sequential: bool) -> str:
    """'  <- below target: ...' where a row misses a target (reported, never asserted)."""
    misses = []
    if ratio is not None and ratio < TARGET_RATIO:
        misses.append(f"mock/prism {ratio:.2f}x < {TARGET_RATIO:.0f}x")
    if sequential and result.percentile(0.99) > TARGET_SEQUENTIAL_P99_MS:
        misses.append(f"p99 {result.percentile(0.99):.2f} ms > {TARGET_SEQUENTIAL_P99_MS:.0f} ms")
    return f"  <- below target: {', '.join(misses)}" if misses else ""


def compare_with_prism(spec: str) -> None:
    generator = load_generator()
    if generator is None:
        return
    loads = [
        ("bulkDeleteRecords sequential", "bulkDelete", 1, 5000),
        ("bulkDeleteRecords 8 clients", "bulkDelete", 8, 5000),
        ("createProperty sequential", "createProperty", 1, 5000),
        ("createProperty 8 clients", "createProperty", 8, 5000),
    ]
    print(f"load: {AUTOCANNON}, every request signed afresh; throughput from first request"
          " to last response, 5 rounds taking turns between the servers")  # fmt: skip
    print(PRISM_NOTE)
    # The load generator's own ceiling: the same load against a server that
    # does no work. Figures near it say more about the generator than the server.
    with canned_server() as canned_url:
        for label, operation, clients, amount in loads:
            ceiling = alternate_rounds(
                generator, {"canned": canned_url}, operation, clients, amount
            )
            print(ceiling["canned"].line(f"ceiling {label}"))
    ratios: list[float] = []
    real = REAL_DELETE_AMOUNT + WARM_UP
    with (
        mock_process(10) as (mock_url, _),
        mock_process(2 * real) as (deleting_url, _),
        prism(spec) as prism_url,
    ):
        for label, operation, clients, amount in loads:
            servers = {"mock": mock_url} | ({} if prism_url is None else {"prism": prism_url})
            ratios += report(generator, servers, label, operation, clients, amount)
        for clients in (1, 8):
            record_ids = all_record_ids(deleting_url)
            servers = {"mock": deleting_url} | ({} if prism_url is None else {"prism": prism_url})
            label = (
                f"bulkDeleteRecords real deletes {'sequential' if clients == 1 else '8 clients'}"
            )
            ratios += report(
                generator, servers, label, "bulkDelete", clients, REAL_DELETE_AMOUNT, record_ids
            )
    if ratios:
        print(f"lowest mock/prism throughput ratio: {min(ratios):.2f}x (target >= 2x);"
              " sequential p99 target <= 5 ms")  # fmt: skip


#: The loads that compare two servers (mock_revisions, proxy): label, operation, clients, requests.
LOADS = [
    ("bulkDeleteRecords sequential", "bulkDelete", 1, 5000),
    ("bulkDeleteRecords 8 clients", "bulkDelete", 8, 5000),
    ("createProperty sequential", "createProperty", 1, 5000),
    ("createProperty 8 clients", "createProperty", 8, 5000),
]

REAL_DELETE_AMOUNT = 2000
WARM_UP = 300


def report(
    generator: LoadGenerator,
    servers: dict[str, str],
    label: str,
    operation: str,
    clients: int,
    amount: int,
    record_ids: list[str] | None = None,
) -> list[float]:
    """Run one load on every server in turns, print its rows; return the mock/Prism ratio."""
    results = alternate_rounds(generator, servers, operation, clients, amount, record_ids)
    ratio = None
    if "prism" in results:
        ratio = results["mock"].throughput / results["prism"].throughput
    for name, result in results.items():
        print(
            result.line(f"{name:5} {label}") + flag(ratio, result, clients == 1) * (name == "mock")
        )
    if ratio is None:
        return []
    print(f"{'':44} mock/prism throughput {ratio:.2f}x (target >= 2x)")
    return [ratio]


def all_record_ids(url: str) -> list[str]:
    ids: list[str] = []
    while True:  # the admin API pages by at most 10,000
        page = httpx.get(f"{url}/_mock/records", params={"limit": 10_000, "offset": len(ids)})
        records = page.json()["records"]
        if not records:
            return ids
        ids += [r["recordId"] for r in records]


def alternate_rounds(
    generator: LoadGenerator,
    servers: dict[str, str],
    operation: str,
    clients: int,
    amount: int,
    record_ids: list[str] | None = None,
    rounds: int = 5,
    pids: dict[str, int] | None = None,
) -> dict[str, LoadResult]:
    """``amount`` requests per server, in rounds taking turns between the servers.

    This machine's speed drifts by ~15% within a minute: in turns, both
    servers meet the same drift, and the ratio measures the servers. With
    ``record_ids``, every request deletes a record never deleted before.
    With ``pids`` (server name -> process id), each result also carries the
    server's CPU time for its requests: unlike throughput, it leaves out the
    load generator, which shares the two cores.
    """
    pool = iter(record_ids or [])

    def next_ids(count: int) -> list[str] | None:
        return None if record_ids is None else [next(pool) for _ in range(count)]

    for name, url in servers.items():
        ids = next_ids(WARM_UP) if name == "mock" else None
        generator.run(url, operation, clients, WARM_UP, ids)
    totals: dict[str, LoadResult] = {}
    for _ in range(rounds):
        for name, url in servers.items():
            ids = next_ids(amount // rounds) if name == "mock" else None
            pid = (pids or {}).get(name)
            cpu_before = None if pid is None else process_cpu_seconds(pid)
            result = generator.run(url, operation, clients, amount // rounds, ids)
            cpu_after = None if pid is None else process_cpu_seconds(pid)
            if cpu_before is not None and cpu_after is not None:
                result.server_cpu_seconds = cpu_after - cpu_before
            totals[name] = totals[name] + result if name in totals else result
    return totals


def bulk_delete_timings(repeats: int = 15) -> None:
    """Median time of one bulk delete per size and kind, the mock in its own process.

    Bodies are encoded before the clock starts; one untimed round warms up.
    """
    sizes = (100, 1000)
    needed = (repeats + 1) * 2 * sum(sizes) + 10
    with (
        mock_process(needed) as (url, _),
        httpx.Client(base_url=url, auth=HmacAuth(KEY, SECRET), timeout=60) as client,
    ):
        ids = all_record_ids(url)
        related = httpx.get(f"{url}/_mock/records/{ids[0]}").json()
        print(
            f"bulk delete ({len(ids)} records, {related['activities']} activities, "
            f"{related['eventSummaries']} event summaries, {related['relations']} relations "
            f"touching each record; mock in its own process; median of {repeats} after a warm-up)"
        )
        pool = iter(ids)
        results: dict[tuple[int, bool], float] = {}
        for size in sizes:
            for permanent in (False, True):
                times = []
                for round_ in range(repeats + 1):
                    batch = [next(pool) for _ in range(size)]
                    body = json.dumps({"recordIds": batch, "permanent": permanent}).encode()
                    started = time.perf_counter()
                    response = client.post(
                        DELETE, content=body, headers={"Content-Type": "application/json"}
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.json().get("deletedCount") == size, response.text[:300]
                    if round_:  # round 0 warms up
                        times.append(elapsed)
                results[(size, permanent)] = statistics.median(times)
                target = "(target <= 100 ms)" if permanent else "(target <= 30 ms)"
                kind = "permanent" if permanent else "soft"
                print(
                    f"  {size:5} ids {kind:9}: median {results[(size, permanent)]:7.1f} ms"
                    f" {target if size == 1000 else ''}"
                )
        for permanent in (False, True):
            growth = results[(1000, permanent)] / results[(100, permanent)]
            kind = "permanent" if permanent else "soft"
            print(f"  {kind}: 1000 ids / 100 ids = {growth:.1f}x (linear would be <= 10x)")
        quota_timings(url)


def quota_timings(url: str) -> None:
    """createProperty on a Starter-plan entity: accepted up to the quota, then refused."""
    accepted: list[float] = []
    refused: list[float] = []
    with httpx.Client(base_url=url, auth=HmacAuth(QUOTA_KEY, QUOTA_SECRET), timeout=60) as client:
        for index in range(QUOTA + 10):
            body = json.dumps(
                {"entityId": QUOTA_ENTITY, "name": f"quota {index}", "fieldType": "TEXT"}
            ).encode()
            started = time.perf_counter()
            response = client.post(
                CREATE, content=body, headers={"Content-Type": "application/json"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            (accepted if response.status_code == 201 else refused).append(elapsed)
            if response.status_code != 201:
                assert response.json()["errorCode"] == "PlanQuotaExceeded", response.text
    print(
        f"createProperty on a Starter entity: {len(accepted)} accepted (median "
        f"{statistics.median(accepted):.2f} ms), {len(refused)} refused at the quota "
        f"(PlanQuotaExceeded, median {statistics.median(refused):.2f} ms)"
    )


if __name__ == "__main__":
    from crm_contract import spec_path

    bulk_delete_timings()
    compare_with_prism(str(spec_path()))
