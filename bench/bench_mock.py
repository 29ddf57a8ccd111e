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
from bench.bench_client import canned_server, wait_until_up
from mock_server import create_app
from mock_server.fixtures import DEMO_ENTITY_ID, parse_fixtures
from mock_server.serving import free_port, serve_in_thread
from mock_server.spec import operation

KEY, SECRET = "NCSBENCHOWNERXXX", "bench-secret"
PRISM = "@stoplight/prism-cli@5.16.0"
AUTOCANNON = "autocannon@8.0.0"
LOAD_SCRIPT = Path(__file__).with_name("signed_load.js")
DELETE = operation("bulkDeleteRecords").path
CREATE = operation("createProperty").path
UNKNOWN_RECORD = "CRMRC1260423081530999NOPE0000000"


def bench_fixture_document(records: int) -> dict[str, Any]:
    return {
        "workspaces": [
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
            }
        ]
    }


def bench_fixtures(records: int) -> Any:
    return parse_fixtures(bench_fixture_document(records), source="bench fixtures")


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float]
    statuses: dict[str, int]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def __add__(self, other: LoadResult) -> LoadResult:
        statuses = dict(self.statuses)
        for status, count in other.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        return LoadResult(
            self.seconds + other.seconds, self.latencies_ms + other.latencies_ms, statuses
        )

    def line(self, label: str) -> str:
        return (
            f"{label:44} {self.throughput:7.0f} req/s  p50 {self.percentile(0.5):6.2f} ms"
            f"  p99 {self.percentile(0.99):6.2f} ms  statuses {dict(sorted(self.statuses.items()))}"
        )


@dataclass(frozen=True)
class LoadGenerator:
    """autocannon driven by ``signed_load.js``: each request signed afresh in Node.

    A native-speed generator in its own process: a Python one on these two
    cores saturated near 730 req/s and measured itself, not the servers.
    """

    node_modules: Path

    def run(self, url: str, operation: str, connections: int, amount: int) -> LoadResult:
        config = {
            "url": url,
            "path": DELETE if operation == "bulkDelete" else CREATE,
            "operation": operation,
            "connections": connections,
            "amount": amount,
            "apiKey": KEY,
            "apiSecret": SECRET,
            "entityId": DEMO_ENTITY_ID,
            # Unknown ids: the same work every time (lookup + per-id report), state unchanged.
            "recordId": UNKNOWN_RECORD,
        }
        finished = subprocess.run(
            ["node", str(LOAD_SCRIPT), json.dumps(config)],
            env={**os.environ, "NODE_PATH": str(self.node_modules)},
            capture_output=True, text=True, check=False, timeout=600,
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
def mock_process(records: int) -> Iterator[str]:
    """The mock as a user runs it: its own process, so it does not share the load's GIL."""
    with tempfile.TemporaryDirectory() as scratch:
        fixtures = Path(scratch) / "fixtures.yaml"
        fixtures.write_text(yaml.safe_dump(bench_fixture_document(records)), encoding="utf-8")
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet",
             "--fixtures", str(fixtures)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            if not wait_until_up(url, 60):
                raise RuntimeError("the mock did not start")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def prism(spec: str) -> Iterator[str | None]:
    if shutil.which("npx") is None:
        print("prism: npx not installed; Prism comparison skipped")
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        ["npx", "--yes", PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), spec],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(url, 120):
            print("prism: did not start; comparison skipped")
            yield None
            return
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


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
    # The load generator's own ceiling: the same load against a server that
    # does no work. Figures near it say more about the generator than the server.
    with canned_server() as canned_url:
        for label, operation, clients, amount in loads[:2]:
            ceiling = alternate_rounds(
                generator, {"canned": canned_url}, operation, clients, amount
            )
            print(ceiling["canned"].line(f"ceiling {label}"))
    ratios: list[float] = []
    with mock_process(10) as mock_url, prism(spec) as prism_url:
        servers = (
            {"mock": mock_url} if prism_url is None else {"mock": mock_url, "prism": prism_url}
        )
        for label, operation, clients, amount in loads:
            results = alternate_rounds(generator, servers, operation, clients, amount)
            for name, result in results.items():
                print(result.line(f"{name:5} {label}"))
            if "prism" in results:
                ratios.append(results["mock"].throughput / results["prism"].throughput)
                print(f"{'':44} mock/prism throughput {ratios[-1]:.2f}x (target >= 2x)")
    if ratios:
        print(f"lowest mock/prism throughput ratio: {min(ratios):.2f}x (target >= 2x);"
              " sequential p99 target <= 5 ms")  # fmt: skip


def alternate_rounds(
    generator: LoadGenerator,
    servers: dict[str, str],
    operation: str,
    clients: int,
    amount: int,
    rounds: int = 5,
) -> dict[str, LoadResult]:
    """``amount`` requests per server, in rounds taking turns between the servers.

    This machine's speed drifts by ~15% within a minute: in turns, both
    servers meet the same drift, and the ratio measures the servers.
    """
    for url in servers.values():
        generator.run(url, operation, clients, 300)  # warm-up
    totals: dict[str, LoadResult] = {}
    for _ in range(rounds):
        for name, url in servers.items():
            result = generator.run(url, operation, clients, amount // rounds)
            totals[name] = totals[name] + result if name in totals else result
    return totals


def bulk_delete_timings(repeats: int = 5) -> None:
    sizes = (100, 1000)
    needed = repeats * 2 * sum(sizes) + 10
    app = create_app(fixtures=bench_fixtures(needed))
    with (
        serve_in_thread(app) as url,
        httpx.Client(base_url=url, auth=HmacAuth(KEY, SECRET), timeout=60) as client,
    ):
        ids: list[str] = []
        while len(ids) < needed:  # the admin API pages by at most 10,000
            page = httpx.get(f"{url}/_mock/records", params={"limit": 10_000, "offset": len(ids)})
            ids += [r["recordId"] for r in page.json()["records"]]
        related = httpx.get(f"{url}/_mock/records/{ids[0]}").json()
        print(
            f"bulk delete ({len(ids)} records, {related['activities']} activities, "
            f"{related['eventSummaries']} event summaries, {related['relations']} relations "
            "touching each record)"
        )
        cursor = 0
        results: dict[tuple[int, bool], float] = {}
        for size in sizes:
            for permanent in (False, True):
                times = []
                for _ in range(repeats):
                    batch, cursor = ids[cursor : cursor + size], cursor + size
                    started = time.perf_counter()
                    response = client.post(
                        DELETE, json={"recordIds": batch, "permanent": permanent}
                    )
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.json().get("deletedCount") == size, response.text[:300]
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


if __name__ == "__main__":
    from mock_server.spec import spec_path

    bulk_delete_timings()
    compare_with_prism(str(spec_path()))
