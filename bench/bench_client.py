"""Per-call overhead of generated client + HmacAuth + factory vs a bare httpx post.

Run: ``nox -s bench -- client``. Both sides call the same local server on
127.0.0.1 in the same run, in alternating rounds; the server answers a fixed
bulk-delete response without checking signatures, so only client work differs.
Also times ``nox -s generate``'s generators (no environment creation).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from crm_core_client.api.records import bulk_delete_records
from crm_core_client.models import BulkDeleteRecordsRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth_plugin import sign_request
from auth_plugin.client import create_client
from mock_server.serving import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
RECORD = "CRMRC1260423081530123REC11122233"
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


def per_call(seconds: float, calls: int) -> float:
    return seconds / calls * 1e6


def measure_overhead(rounds: int = 7, calls: int = 300) -> None:
    app = Starlette(routes=[Route("/crm-core/v1/records/bulk/delete", canned, methods=["POST"])])
    with serve_in_thread(app) as url:
        bare_client = httpx.Client(base_url=url)
        header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
        payload = {"recordIds": [RECORD], "permanent": False}
        client = create_client("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", base_url=url)
        body = BulkDeleteRecordsRequest(record_ids=[RECORD])

        def bare() -> None:
            bare_client.post(
                "/crm-core/v1/records/bulk/delete", json=payload, headers={"Authorization": header}
            )

        def generated() -> None:
            bulk_delete_records.sync(client=client, body=body)

        for warm in (bare, generated):
            for _ in range(100):
                warm()
        bare_times: list[float] = []
        generated_times: list[float] = []
        for _ in range(rounds):
            for fn, sink in ((bare, bare_times), (generated, generated_times)):
                started = time.perf_counter()
                for _ in range(calls):
                    fn()
                sink.append(per_call(time.perf_counter() - started, calls))
        bare_us, generated_us = statistics.median(bare_times), statistics.median(generated_times)
        print(f"bare httpx.Client.post, precomputed header: {bare_us:8.1f} us/call")
        print(
            f"generated client + HmacAuth + factory:     {generated_us:8.1f} us/call  "
            f"ratio {generated_us / bare_us:.3f}x (target <= 1.05x)"
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
            [str(bin_dir / "openapi-python-client"), "generate", "--path", str(ROOT / "openapi.yaml"),
             "--meta", "none", "--output-path", str(out / "crm_core_client"),
             "--config", str(ROOT / "generators" / "openapi-python-client.yaml")],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(bin_dir / "datamodel-codegen"), "--input", str(ROOT / "openapi.yaml"),
             "--output", str(out / "crm_core_models" / "__init__.py")],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        print(f"generators (openapi-python-client + datamodel-codegen): "
              f"{time.perf_counter() - started:.1f} s (target <= 10 s)")  # fmt: skip


if __name__ == "__main__":
    measure_overhead()
    measure_generate()
