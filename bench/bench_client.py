"""Per-call overhead of generated client + HmacAuth + factory vs a bare httpx post.

Run: ``nox -s bench -- client``. Both sides call the same local server on
127.0.0.1 in the same run, in alternating rounds; the server answers a fixed
bulk-delete response without checking signatures, so only client work differs.
Also times ``nox -s generate``'s generators (no environment creation).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from crm_core_client import Client
from crm_core_client.api.records import bulk_delete_records
from crm_core_client.models import BulkDeleteRecordsRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import crm_contract
from auth_plugin import sign_request
from auth_plugin.client import create_client
from http_edge.serving import free_port, wait_until_up
from mock_server.spec import operation

ROOT = Path(__file__).resolve().parent.parent
RECORD = "CRMRC1260423081530123REC11122233"
BULK_DELETE = operation("bulkDeleteRecords").path
#: The calls of :func:`client_variants`, as both client benchmarks print them.
VARIANT_LABELS = {
    "bare": "bare httpx.Client.post, precomputed header",
    "bare_parsed": "the same + response.json()",
    "plain": "generated client, precomputed header",
    "full": "generated client + HmacAuth + factory",
}
CANNED = json.dumps(
    {
        "permanent": False,
        "requestedCount": 1,
        "deletedCount": 1,
        "failedCount": 0,
        "deleted": [{"recordId": RECORD, "entityId": "CRMET1260423081530123XYZ11122233"}],
        "failed": [],
        "dateDeleted": "2026-04-23T08:20:00.000Z",
        "dateTrashExpires": "2026-05-07T08:20:00.000Z",
    }
).encode()


async def canned(request: Request) -> Response:
    await request.body()
    return Response(CANNED, media_type="application/json")


canned_app = Starlette(routes=[Route(BULK_DELETE, canned, methods=["POST"])])


def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


@contextmanager
def canned_server(cpu: int | None = None) -> Iterator[str]:
    """The canned server in its own process: it must not share the client's GIL.

    ``cpu``: pin the server to that CPU (Linux), so that it does not evict the
    client's caches between calls.
    """
    port = free_port()
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bench_client:canned_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--no-access-log"],
        cwd=ROOT, preexec_fn=pin,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(url, 10):
            raise RuntimeError("the canned server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def pinned_apart() -> Iterator[int | None]:
    """Run this process on one CPU and yield another for the server, where there are two.

    Unpinned, the scheduler moves both between the cores and each evicts the
    other's caches: figures drift by 30% between runs, overheads by more.
    """
    cpus = _cpus()
    if len(cpus) < 2:
        yield None
        return
    os.sched_setaffinity(0, {cpus[0]})
    try:
        yield cpus[1]
    finally:
        os.sched_setaffinity(0, set(cpus))


def client_variants(url: str) -> dict[str, Callable[[], object]]:
    """One bulk-delete call each way, against ``url``; the same calls in every benchmark.

    ``bare``: httpx post with a precomputed header; ``bare_parsed``: the same
    and ``response.json()``; ``plain``: the generated client alone, with a
    precomputed header; ``full``: the generated client built by
    ``create_client`` (HmacAuth, retries, typed errors).
    """
    bare_client = httpx.Client(base_url=url)
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
    payload = {"recordIds": [RECORD], "permanent": False}
    # The generated client alone (precomputed header, no auth, no factory):
    # separates the generator's own cost (typed parsing) from ours.
    plain = Client(base_url=url, headers={"Authorization": header})
    full = create_client("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", base_url=url)
    body = BulkDeleteRecordsRequest(record_ids=[RECORD])
    return {
        "bare": lambda: bare_client.post(
            BULK_DELETE, json=payload, headers={"Authorization": header}
        ),
        "bare_parsed": lambda: bare_client.post(
            BULK_DELETE, json=payload, headers={"Authorization": header}
        ).json(),
        "plain": lambda: bulk_delete_records.sync(client=plain, body=body),
        "full": lambda: bulk_delete_records.sync(client=full, body=body),
    }


def measure_overhead(calls: int = 4000) -> None:
    with pinned_apart() as server_cpu, canned_server(server_cpu) as url:
        where = (
            "unpinned" if server_cpu is None else f"client on one CPU, server on CPU {server_cpu}"
        )
        print(f"canned server on 127.0.0.1 ({where})")
        variants = client_variants(url)
        for warm in variants.values():
            for _ in range(200):
                warm()
        # Call by call in turn, medians of per-call latency: loopback timing
        # drifts by more than the effect measured, and alternation cancels drift.
        latencies: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(calls):
            for name, fn in variants.items():
                started = time.perf_counter()
                fn()
                latencies[name].append(time.perf_counter() - started)
        us = {name: statistics.median(times) * 1e6 for name, times in latencies.items()}
        notes = {
            "bare_parsed": "what a hand-written client also does",
            "plain": "the generated code alone",
            "full": "target <= 1.05x",
        }
        print(f"{calls} calls of each, interleaved; medians of per-call latency")
        print(f"{VARIANT_LABELS['bare']:45} {us['bare']:8.1f} us/call")
        for name, note in notes.items():
            print(
                f"{VARIANT_LABELS[name]:45} {us[name]:8.1f} us/call  "
                f"ratio {us[name] / us['bare']:.3f}x ({note})"
            )
        print(f"auth + factory over the generated code alone: {us['full'] - us['plain']:+.1f} us")
        print(
            f"generated client + HmacAuth + factory over bare post + json(): "
            f"{us['full'] / us['bare_parsed']:.3f}x; per call {us['full'] - us['bare_parsed']:+.1f} us"
        )


def measure_generate() -> None:
    """Wall time of both generators into a scratch directory (no venv creation)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        (out / "ruff.toml").write_text('line-length = 88\ntarget-version = "py311"\n')
        (out / "crm_core_models").mkdir()
        bin_dir = Path(sys.executable).parent
        started = time.perf_counter()
        subprocess.run(
            [str(bin_dir / "openapi-python-client"), "generate", "--path", str(crm_contract.spec_path()),
             "--meta", "none", "--output-path", str(out / "crm_core_client"),
             "--config", str(ROOT / "generators" / "openapi-python-client.yaml")],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(bin_dir / "datamodel-codegen"), "--input", str(crm_contract.spec_path()),
             "--output", str(out / "crm_core_models" / "__init__.py")],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        print(f"generators (openapi-python-client + datamodel-codegen): "
              f"{time.perf_counter() - started:.1f} s (target <= 10 s)")  # fmt: skip


if __name__ == "__main__":
    measure_overhead()
    measure_generate()
