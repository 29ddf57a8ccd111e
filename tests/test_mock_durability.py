"""Concurrency and crash safety of the mock's state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth_plugin import HmacAuth
from mock_server.fixtures import DEMO_ENTITY_ID, DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from mock_server.spec import operation
from mock_server.store import RecordStore
from tests.live_mock import RunningMock, free_port

DELETE = operation("bulkDeleteRecords").path


def entity_records(url: str, count: int) -> list[str]:
    records = httpx.get(
        f"{url}/_mock/records", params={"entityId": DEMO_ENTITY_ID, "limit": count}, timeout=30
    ).json()["records"]
    return [r["recordId"] for r in records]


def test_eight_clients_deleting_overlapping_sets(mock: RunningMock) -> None:
    ids = entity_records(mock.url, 1200)
    # Client i takes a window of 400 ids starting at 100*i: neighbours overlap by 300.
    batches = [ids[100 * i : 100 * i + 400] for i in range(8)]
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(8)
    auth = HmacAuth(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)

    def worker(batch: list[str], permanent: bool) -> None:
        with httpx.Client(base_url=mock.url, auth=auth, timeout=60) as api:
            barrier.wait()
            response = api.post(DELETE, json={"recordIds": batch, "permanent": permanent})
            assert response.status_code == 200
            results.append(response.json())

    threads = [
        threading.Thread(target=worker, args=(batch, i % 2 == 0)) for i, batch in enumerate(batches)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    deleted = Counter(item["recordId"] for r in results for item in r["deleted"])
    # Every id of the union deleted exactly once, or (soft, then permanent) twice:
    # a permanent delete may empty a record another client had just trashed.
    union = set().union(*map(set, batches))
    assert set(deleted) == union
    assert all(count in (1, 2) for count in deleted.values())
    for result in results:
        assert result["deletedCount"] + result["failedCount"] == result["requestedCount"]
        assert result["deletedCount"] == len(result["deleted"])
        assert {f["reason"] for f in result["failed"]} <= {"ALREADY_IN_TRASH", "NOT_FOUND"}
    stats = httpx.get(f"{mock.url}/_mock/stats").json()
    assert stats["orphans"] == 0
    assert not (set(entity_records(mock.url, 5000)) & union)


def start_file_mock(db: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--db", str(db), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_mock/clock", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("file-backed mock did not start")


@pytest.mark.parametrize("kill_after", [0.0, 0.005, 0.02, 0.05])
def test_sigkill_during_permanent_delete_leaves_all_or_nothing(
    tmp_path: Path, kill_after: float
) -> None:
    db = tmp_path / "state.sqlite"
    port = free_port()
    process = start_file_mock(db, port)
    url = f"http://127.0.0.1:{port}"
    try:
        ids = entity_records(url, 1000)
        assert len(ids) == 1000

        def send() -> None:
            try:
                with httpx.Client(
                    auth=HmacAuth(DEMO_OWNER_KEY, DEMO_OWNER_SECRET), timeout=10
                ) as api:
                    api.post(f"{url}{DELETE}", json={"recordIds": ids, "permanent": True})
            except httpx.TransportError:
                pass  # the server died mid-request: expected

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(kill_after)
        os.kill(process.pid, signal.SIGKILL)
        sender.join()
    finally:
        process.kill()
        process.wait()
    store = RecordStore(db)  # what a restart opens
    try:
        present = {r.record_id for r in store.list_records(in_trash=None, limit=100_000)}
        survivors = len(set(ids) & present)
        assert survivors in (0, 1000), f"{survivors} of 1000 records survived"
        assert store.counts()["orphans"] == 0
    finally:
        store.close()
