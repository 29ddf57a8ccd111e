"""Concurrency and crash safety of the mock's state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from auth_plugin import HmacAuth
from mock_server.fixtures import (
    DEMO_ENTITY_ID,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
    default_fixtures,
)
from mock_server.spec import operation
from mock_server.store import DeletionOutcome, RecordStore
from tests.live_mock import RunningMock, free_port, mock_process

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
    # Per mode, an id is deleted at most once; the only legitimate second
    # deletion is a permanent one emptying a record another client trashed.
    soft = Counter(i["recordId"] for r in results if not r["permanent"] for i in r["deleted"])
    hard = Counter(i["recordId"] for r in results if r["permanent"] for i in r["deleted"])
    union = set().union(*map(set, batches))
    assert set(soft) | set(hard) == union
    assert max(soft.values()) == 1
    assert max(hard.values()) == 1
    for result in results:
        assert result["deletedCount"] + result["failedCount"] == result["requestedCount"]
        assert result["deletedCount"] == len(result["deleted"])
        assert {f["reason"] for f in result["failed"]} <= {"ALREADY_IN_TRASH", "NOT_FOUND"}
    stats = httpx.get(f"{mock.url}/_mock/stats").json()
    assert stats["orphans"] == 0
    assert not (set(entity_records(mock.url, 5000)) & union)


#: The mock in its own process, as a user runs it, with a pause inside every
#: write transaction once ``armed`` exists: it writes ``marker`` and sleeps, so
#: that a SIGKILL lands after the changes and before COMMIT.
PAUSING_MOCK = """
import pathlib, sys, time
import uvicorn
from mock_server import create_app
db, port, armed, marker = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
app = create_app(db_path=db)
def pause():
    if armed.exists():
        marker.write_text("inside the transaction")
        time.sleep(60)
app.state.mock.store.before_commit = pause
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


def pausing_mock(tmp_path: Path) -> AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    return mock_process(
        [sys.executable, "-c", PAUSING_MOCK, str(tmp_path / "state.sqlite"), str(port),
         str(tmp_path / "armed"), str(tmp_path / "marker")],
        port,
    )  # fmt: skip


def surviving(db: Path, ids: list[str]) -> int:
    store = RecordStore(db)  # what a restart opens
    try:
        present = {r.record_id for r in store.list_records(in_trash=None, limit=100_000)}
        assert store.counts()["orphans"] == 0
        return len(set(ids) & present)
    finally:
        store.close()


def send_permanent_delete(url: str, ids: list[str]) -> httpx.Response | None:
    try:
        with httpx.Client(auth=HmacAuth(DEMO_OWNER_KEY, DEMO_OWNER_SECRET), timeout=90) as api:
            return api.post(f"{url}{DELETE}", json={"recordIds": ids, "permanent": True})
    except httpx.TransportError:
        return None  # the server died mid-request


def test_sigkill_inside_the_transaction_leaves_nothing_deleted(tmp_path: Path) -> None:
    with pausing_mock(tmp_path) as (url, process):
        ids = entity_records(url, 1000)
        assert len(ids) == 1000
        (tmp_path / "armed").touch()
        sender = threading.Thread(target=send_permanent_delete, args=(url, ids))
        sender.start()
        deadline = time.monotonic() + 30
        while not (tmp_path / "marker").exists():  # the DELETE ran; COMMIT has not
            assert time.monotonic() < deadline, "the delete never reached its commit"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        sender.join()
    assert surviving(tmp_path / "state.sqlite", ids) == 1000


def test_sigkill_after_the_answer_keeps_everything_deleted(tmp_path: Path) -> None:
    with pausing_mock(tmp_path) as (url, process):
        ids = entity_records(url, 1000)
        response = send_permanent_delete(url, ids)
        assert response is not None
        assert response.json()["deletedCount"] == 1000
        os.kill(process.pid, signal.SIGKILL)
    assert not (tmp_path / "marker").exists()  # never paused: not armed
    assert surviving(tmp_path / "state.sqlite", ids) == 0


def test_the_stores_lock_serialises_threads_on_one_connection() -> None:
    store = RecordStore()
    store.load(default_fixtures(), datetime.now(UTC))
    caller = store.api_key(DEMO_OWNER_KEY)
    assert caller is not None
    ids = [
        r.record_id for r in store.list_records(in_trash=False, entity_id=DEMO_ENTITY_ID, limit=800)
    ]
    barrier = threading.Barrier(8)
    outcomes: list[DeletionOutcome] = []

    def worker(index: int) -> None:
        barrier.wait()
        batch = ids[50 * index : 50 * index + 400]  # heavy overlap
        outcomes.append(
            store.bulk_delete(caller.workspace_id, batch, permanent=False, now=datetime.now(UTC))
        )

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deleted = Counter(record_id for o in outcomes for record_id, _ in o.deleted)
    assert set(deleted) == set(ids[: 50 * 7 + 400])
    assert max(deleted.values()) == 1  # never trashed twice
    assert store.counts()["trash"] == len(deleted)


def test_two_connections_on_one_file_never_delete_a_record_twice(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    first, second = RecordStore(db), RecordStore(db)
    first.load(default_fixtures(), datetime.now(UTC))
    caller = first.api_key(DEMO_OWNER_KEY)
    assert caller is not None
    ids = [
        r.record_id for r in first.list_records(in_trash=False, entity_id=DEMO_ENTITY_ID, limit=600)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[DeletionOutcome] = []

    def worker(store: RecordStore) -> None:
        barrier.wait()
        for start in range(0, 600, 100):  # many small transactions, interleaved
            outcomes.append(
                store.bulk_delete(
                    caller.workspace_id,
                    ids[start : start + 150],
                    permanent=False,
                    now=datetime.now(UTC),
                )
            )

    threads = [threading.Thread(target=worker, args=(store,)) for store in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deleted = Counter(record_id for o in outcomes for record_id, _ in o.deleted)
    assert set(deleted) == set(ids)
    assert max(deleted.values()) == 1
    first.close()
    second.close()
