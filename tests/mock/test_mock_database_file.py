"""The ``--db`` file holds API secrets in plain text: only its owner may read it."""

from __future__ import annotations

import stat
from pathlib import Path

from mock_server.clock import MockClock
from mock_server.fixtures import default_fixtures
from mock_server.store import RecordStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_file_and_its_journal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store = RecordStore(path)
    store.load(default_fixtures(), MockClock().now())  # writes: the WAL and shared memory exist
    assert mode(path) == 0o600
    journal = [p for p in tmp_path.iterdir() if p.name.startswith("mock.db-")]
    assert journal, "WAL mode writes a -wal file"
    assert all(mode(p) == 0o600 for p in journal), {p.name: oct(mode(p)) for p in journal}


def test_an_existing_file_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "mine.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    RecordStore(path)
    assert mode(path) == 0o640
