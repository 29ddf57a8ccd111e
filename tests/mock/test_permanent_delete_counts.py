"""A permanent delete removes exactly the record's own rows and every relation touching it.

The fixture has relations in both directions (A -> B, B -> C, C -> A);
the counts after deleting B are derived from the fixture and read with
SQL on the database file, not through the mock's own admin API.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from auth_plugin import HmacAuth
from mock_server import create_app
from mock_server.fixtures import parse_fixtures
from mock_server.spec import operation
from tests.live_mock import serve

KEY, SECRET = "NCSRINGOWNERXXXX", "ring-secret"
A, B, C = (f"CRMRC1260423081530123RING00000{n}0" for n in (1, 2, 3))
RECORDS = {  # record -> (activities, event summaries); one relation each, to the next
    A: (2, 1),
    B: (3, 2),
    C: (1, 1),
}
FIXTURES = {
    "workspaces": [
        {
            "workspaceId": "ring",
            "accountId": "1",
            "plan": "ENTERPRISE",
            "apiKeys": [{"apiKey": KEY, "apiSecret": SECRET, "role": "OWNER"}],
            "entities": [
                {
                    "entityId": "CRMET1260423081530123RING0000000",
                    "name": "ring",
                    "records": [
                        {"recordId": r, "activities": a, "eventSummaries": e, "relations": 1}
                        for r, (a, e) in RECORDS.items()
                    ],
                }
            ],
        }
    ]
}


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("records", "activities", "event_summaries", "relations")
        }


def relation_pairs(db: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        return set(connection.execute("SELECT from_record_id, to_record_id FROM relations"))


def test_permanent_delete_removes_own_rows_and_relations_in_both_directions(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ring.sqlite"
    app = create_app(db_path=db, fixtures=parse_fixtures(FIXTURES, source="ring"))
    assert relation_pairs(db) == {(A, B), (B, C), (C, A)}
    before = table_counts(db)
    assert before == {"records": 3, "activities": 6, "event_summaries": 4, "relations": 3}
    with serve(app) as mock, httpx.Client(base_url=mock.url, auth=HmacAuth(KEY, SECRET)) as api:
        response = api.post(
            operation("bulkDeleteRecords").path, json={"recordIds": [B], "permanent": True}
        )
    assert response.status_code == 200
    assert response.json()["deletedCount"] == 1
    activities, events = RECORDS[B]
    assert table_counts(db) == {
        "records": 2,
        "activities": 6 - activities,
        "event_summaries": 4 - events,
        "relations": 1,  # A -> B (to it) and B -> C (from it) are gone
    }
    assert relation_pairs(db) == {(C, A)}


def test_a_soft_delete_keeps_every_related_row(tmp_path: Path) -> None:
    db = tmp_path / "ring.sqlite"
    app = create_app(db_path=db, fixtures=parse_fixtures(FIXTURES, source="ring"))
    before = table_counts(db)
    with serve(app) as mock, httpx.Client(base_url=mock.url, auth=HmacAuth(KEY, SECRET)) as api:
        assert api.post(operation("bulkDeleteRecords").path, json={"recordIds": [B]}).is_success
    assert table_counts(db) == before
