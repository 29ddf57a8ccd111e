"""With ``--db``, an accepted signature stays refused across a SIGKILL and a second process.

In memory, a restart forgets everything (the records too), so nothing is
kept; with a database file, the accepted signatures are kept in it with the
rest of the state (README, "The mock server").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from auth_plugin import sign_request
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from mock_server.spec import operation
from tests.live_mock import free_port, mock_process
from tests.spec_tables import auth_statuses

DELETE = operation("bulkDeleteRecords").path
BODY = {"recordIds": ["CRMRC1260423081530999NOPE0000000"]}


def file_mock(db: Path) -> AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    return mock_process(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--db", str(db), "--quiet"],
        port,
    )


def send(url: str, header: str) -> httpx.Response:
    return httpx.post(f"{url}{DELETE}", json=BODY, headers={"Authorization": header}, timeout=10)


def is_replay_refusal(response: httpx.Response) -> bool:
    expected = (auth_statuses()["DuplicatedSignature"], "DuplicatedSignature")
    return (response.status_code, response.json()["errorCode"]) == expected


def test_a_replay_after_sigkill_and_restart_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    header = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
    with file_mock(db) as (url, process):
        assert send(url, header).status_code == 200
        os.kill(process.pid, signal.SIGKILL)
    with file_mock(db) as (url, _):
        assert is_replay_refusal(send(url, header))
        assert send(url, sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)).status_code == 200


def test_a_second_process_on_the_same_file_refuses_the_replay(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    header = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
    with file_mock(db) as (first, _), file_mock(db) as (second, _):
        assert send(first, header).status_code == 200
        assert is_replay_refusal(send(second, header))
