"""Mock server throughput and latency, against Prism's mock of the same spec in the same run.

Run: ``nox -s bench -- mock``. Every request is signed afresh (the mock
refuses replays). Loads are bounded in count and stay on 127.0.0.1.

1. Sequential and 8-concurrent-client load, both operations, mock vs Prism
   (``npx @stoplight/prism-cli@5.16.0 mock``; skipped with a message when npx
   is missing).
2. Bulk delete of 100 and 1000 ids, soft and permanent, with 10 related rows
   per record (4 activities, 3 event summaries, 3 relations).
"""

from __future__ import annotations

import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from auth_plugin import HmacAuth
from bench.bench_client import canned_server
from mock_server import create_app
from mock_server.fixtures import DEMO_ENTITY_ID, parse_fixtures
from mock_server.serving import free_port, serve_in_thread

KEY, SECRET = "NCSBENCHOWNERXXX", "bench-secret"
PRISM = "@stoplight/prism-cli@5.16.0"
DELETE = "/crm-core/v1/records/bulk/delete"
CREATE = "/crm-core/v1/properties"
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
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self, label: str) -> str:
        return (
            f"{label:44} {self.throughput:7.0f} req/s  p50 {statistics.median(self.latencies_ms):6.2f} ms"
            f"  p99 {self.percentile(0.99):6.2f} ms  statuses {dict(sorted(self.statuses.items()))}"
        )


def run_load(
    url: str,
    make_request: Callable[[int], tuple[str, dict[str, Any]]],
    clients: int,
    per_client: int,
) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = itertools.count()
    barrier = threading.Barrier(clients + 1)

    def client_loop() -> None:
        local: list[float] = []
        local_status: dict[int, int] = {}
        with httpx.Client(base_url=url, auth=HmacAuth(KEY, SECRET), timeout=30) as client:
            barrier.wait()
            for _ in range(per_client):
                path, body = make_request(next(counter))
                started = time.perf_counter()
                response = client.post(path, json=body)
                local.append((time.perf_counter() - started) * 1000)
                local_status[response.status_code] = local_status.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(local)
            for status, count in local_status.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return LoadResult(clients * per_client, time.perf_counter() - started, latencies, statuses)


def delete_request(_: int) -> tuple[str, dict[str, Any]]:
    # Unknown ids: the same work every time (lookup + per-id report), state unchanged.
    return DELETE, {"recordIds": [UNKNOWN_RECORD]}


_names = itertools.count()


def create_request(_: int) -> tuple[str, dict[str, Any]]:
    # One counter for the whole run: warm-up and measured loads never repeat a name.
    return CREATE, {
        "entityId": DEMO_ENTITY_ID,
        "name": f"bench {next(_names)}",
        "fieldType": "TEXT",
    }


def _wait_until_up(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.post(f"{url}{DELETE}", json={}, timeout=1)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


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
            if not _wait_until_up(url, 60):
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
        if not _wait_until_up(url, 120):
            print("prism: did not start; comparison skipped")
            yield None
            return
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def compare_with_prism(spec: str) -> None:
    loads = [
        ("bulkDeleteRecords sequential", delete_request, 1, 1500),
        ("bulkDeleteRecords 8 clients", delete_request, 8, 250),
        ("createProperty sequential", create_request, 1, 1500),
        ("createProperty 8 clients", create_request, 8, 250),
    ]
    # The load generator's own ceiling: the same load against a server that
    # does no work. Figures near it say more about the generator than the server.
    with canned_server() as canned_url:
        for label, make, clients, per_client in loads[:2]:
            run_load(canned_url, make, clients, 50)
            print(run_load(canned_url, make, clients, per_client).line(f"ceiling {label}"))
    with mock_process(10) as mock_url, prism(spec) as prism_url:
        for label, make, clients, per_client in loads:
            run_load(mock_url, make, clients, 50)  # warm-up
            mock = run_load(mock_url, make, clients, per_client)
            print(mock.line(f"mock  {label}"))
            if prism_url is not None:
                run_load(prism_url, make, clients, 50)
                other = run_load(prism_url, make, clients, per_client)
                print(other.line(f"prism {label}"))
                print(f"{'':44} mock/prism throughput {mock.throughput / other.throughput:.2f}x")


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
