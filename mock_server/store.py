"""``RecordStore``: the mock's state in SQLite (stdlib ``sqlite3``).

One connection, serialised by a lock: every operation is one transaction,
so concurrent bulk deletes never delete a record twice, and a process
killed mid-operation leaves all or none of it (SQLite's journal).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

import pydantic_core

import crm_contract
from mock_server.clock import isoformat_ms
from mock_server.fixtures import EntityFixture, Fixtures, WorkspaceFixture
from mock_server.ids import format_id, new_id

TRASH_RETENTION = timedelta(days=14)


class StoreError(Exception):
    """A change the stored state does not allow. The app says how the API answers it."""


class EntityNotFound(StoreError):
    def __init__(self, entity_id: str) -> None:
        super().__init__(entity_id)
        self.entity_id = entity_id


class PropertyQuotaExceeded(StoreError):
    def __init__(self, used: int, quota: int) -> None:
        super().__init__(f"{used}/{quota}")
        self.used, self.quota = used, quota


class DuplicateName(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class DuplicateKey(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


SCHEMA_TEMPLATE = """
CREATE TABLE IF NOT EXISTS workspaces (
    workspace_id   TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL,
    plan           TEXT NOT NULL,
    property_quota INTEGER            -- NULL: unlimited
);
CREATE TABLE IF NOT EXISTS api_keys (
    api_key      TEXT PRIMARY KEY,
    api_secret   TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ({roles})),
    workspace_id TEXT NOT NULL REFERENCES workspaces ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS entities (
    entity_id    TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    name         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS properties (
    property_id       TEXT PRIMARY KEY,
    entity_id         TEXT NOT NULL REFERENCES entities ON DELETE CASCADE,
    name              TEXT NOT NULL,
    description       TEXT,
    field_type        TEXT NOT NULL,
    property_group_id TEXT,
    options_json      TEXT NOT NULL,
    is_masked         INTEGER NOT NULL,
    key               TEXT,
    key_folded        TEXT,
    created_by        TEXT NOT NULL,
    date_created      TEXT NOT NULL,
    date_updated      TEXT NOT NULL,
    date_deleted      TEXT               -- deleted properties still count toward the quota
);
CREATE INDEX IF NOT EXISTS properties_entity ON properties (entity_id);
CREATE UNIQUE INDEX IF NOT EXISTS properties_live_name
    ON properties (entity_id, name) WHERE date_deleted IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS properties_live_key
    ON properties (entity_id, key_folded) WHERE date_deleted IS NULL AND key_folded IS NOT NULL;
CREATE TABLE IF NOT EXISTS records (
    record_id    TEXT PRIMARY KEY,
    entity_id    TEXT NOT NULL REFERENCES entities ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    date_created TEXT NOT NULL,
    date_deleted TEXT                    -- NOT NULL: in the trash since then
);
CREATE INDEX IF NOT EXISTS records_trash ON records (date_deleted) WHERE date_deleted IS NOT NULL;
CREATE TABLE IF NOT EXISTS activities (
    activity_id TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES records ON DELETE CASCADE,
    type        TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_record ON activities (record_id);
CREATE TABLE IF NOT EXISTS event_summaries (
    record_id     TEXT NOT NULL REFERENCES records ON DELETE CASCADE,
    event_name    TEXT NOT NULL,
    count         INTEGER NOT NULL,
    last_occurred TEXT NOT NULL,
    PRIMARY KEY (record_id, event_name)
);
CREATE TABLE IF NOT EXISTS relations (
    relation_id    TEXT PRIMARY KEY,
    from_record_id TEXT NOT NULL REFERENCES records ON DELETE CASCADE,
    to_record_id   TEXT REFERENCES records ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS relations_from ON relations (from_record_id);
CREATE INDEX IF NOT EXISTS relations_to ON relations (to_record_id);
-- Signatures accepted within the replay window: with a database file, a
-- restart or a second process on the same file still refuses a replay.
CREATE TABLE IF NOT EXISTS accepted_signatures (
    signature BLOB PRIMARY KEY,
    expires   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accepted_signatures_expiry ON accepted_signatures (expires);
"""
#: The tables; a key's role is one of the spec's (``info.x-roles``).
SCHEMA = SCHEMA_TEMPLATE.replace("{roles}", ", ".join(f"'{role}'" for role in crm_contract.roles()))


@dataclass(frozen=True)
class ApiKey:
    api_key: str
    role: str
    workspace_id: str
    account_id: str


class NotDeleted(StrEnum):
    """Why a record was not deleted (the values are the API's ``reason``)."""

    NOT_FOUND = "NOT_FOUND"
    ALREADY_IN_TRASH = "ALREADY_IN_TRASH"


@dataclass(frozen=True)
class DeletionOutcome:
    """What a bulk delete did, per id, in request order."""

    deleted: list[tuple[str, str]]  # (record_id, entity_id)
    failed: list[tuple[str, NotDeleted]]  # (record_id, why)
    date_deleted: str  # as stored: ISO 8601 UTC with milliseconds
    date_trash_expires: str | None  # when the trash lets go of them; None: permanent


@dataclass(frozen=True)
class NewProperty:
    """A property to create, as the validated request describes it."""

    entity_id: str
    name: str
    field_type: str
    description: str | None = None
    property_group_id: str | None = None
    options: list[dict[str, Any]] = field(default_factory=list)
    is_masked: bool = False
    key: str | None = None


@dataclass(frozen=True)
class StoredProperty:
    """A property as stored, with what the store derived (id, owner, dates)."""

    property_id: str
    account_id: str
    workspace_id: str
    created_by: str
    date_created: str  # as stored: ISO 8601 UTC with milliseconds
    spec: NewProperty


@dataclass(frozen=True)
class RecordView:
    """A record and how many related rows it has (for the admin API and tests)."""

    record_id: str
    entity_id: str
    workspace_id: str
    date_created: str
    date_deleted: str | None
    activities: int
    event_summaries: int
    relations: int


@dataclass(frozen=True)
class PropertyView:
    """A stored property, in brief (for the admin API)."""

    property_id: str
    entity_id: str
    name: str
    field_type: str
    options: list[dict[str, Any]]
    is_masked: bool
    key: str | None
    date_created: str


@dataclass(frozen=True)
class EntityView:
    """An entity with its plan's property quota and how much of it is used."""

    entity_id: str
    name: str
    workspace_id: str
    plan: str
    property_quota: int | None
    properties: int


class _Transaction:
    """``with``: the store's lock, then BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error).

    A class rather than a generator-based context manager: it runs on every
    request, and this is the cheaper of the two.
    """

    __slots__ = ("_before_commit", "_connection", "_lock")

    def __init__(
        self,
        lock: threading.RLock,
        connection: sqlite3.Connection,
        before_commit: Callable[[], None] | None,
    ) -> None:
        self._lock = lock
        self._connection = connection
        self._before_commit = before_commit

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._connection

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if kind is not None:
                self._connection.execute("ROLLBACK")
                return
            try:
                if self._before_commit is not None:
                    self._before_commit()
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")  # never leave a transaction open
                raise
        finally:
            self._lock.release()


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (0600): it holds API secrets.

    SQLite gives its WAL and shared-memory files the database file's mode. An existing file
    keeps the mode its owner gave it.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


class RecordStore:
    """All state of the mock: workspaces, keys, entities, properties, records."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            _create_private(Path(self.path))
        self._connection = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._connection.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.executescript(SCHEMA)
        # Every request looks its key up twice (verification, then role): keys
        # change only in load(), so a copy in memory answers without SQLite.
        self._secrets: dict[str, str] = {}
        #: Called inside every write transaction, just before COMMIT: crash tests
        #: pause here to kill the process with the changes made but not committed.
        self.before_commit: Callable[[], None] | None = None
        self._callers: dict[str, ApiKey] = {}
        self._refresh_keys()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._lock, self._connection, self.before_commit)

    # --- fixtures -----------------------------------------------------------

    def is_empty(self) -> bool:
        with self._lock:
            return self._connection.execute("SELECT 1 FROM workspaces LIMIT 1").fetchone() is None

    def load(self, fixtures: Fixtures, now: datetime) -> None:
        """Replace all state with ``fixtures``, in one transaction."""
        with self._transaction() as db:
            # ON DELETE CASCADE empties every other table.
            db.execute("DELETE FROM workspaces")
            for workspace in fixtures.workspaces:
                self._load_workspace(db, workspace, now)
        self._refresh_keys()

    def copy_from(self, other: RecordStore) -> None:
        """Replace all state with a copy of ``other``'s (SQLite's online backup).

        Loading the demo fixtures generates 3,000 records; a test suite loads
        them once and copies the result into each fresh store instead.
        """
        with other._lock, self._lock:
            other._connection.backup(self._connection)
        self._refresh_keys()

    def _load_workspace(self, db: sqlite3.Connection, ws: WorkspaceFixture, now: datetime) -> None:
        db.execute(
            "INSERT INTO workspaces VALUES (?, ?, ?, ?)",
            (ws.workspace_id, ws.account_id, ws.plan, ws.property_quota),
        )
        db.executemany(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?)",
            [(k.api_key, k.api_secret, k.role, ws.workspace_id) for k in ws.api_keys],
        )
        creator = ws.api_keys[0].api_key if ws.api_keys else "fixtures"
        for entity in ws.entities:
            db.execute(
                "INSERT INTO entities VALUES (?, ?, ?)",
                (entity.entity_id, ws.workspace_id, entity.name),
            )
            for prop in entity.properties:
                stamp = isoformat_ms(now)
                db.execute(
                    "INSERT INTO properties (property_id, entity_id, name, field_type, options_json,"
                    " is_masked, key, key_folded, created_by, date_created, date_updated)"
                    " VALUES (?, ?, ?, ?, '[]', 0, ?, ?, ?, ?, ?)",
                    (
                        new_id("CRMPP", now),
                        entity.entity_id,
                        prop.name,
                        prop.field_type,
                        prop.key,
                        prop.key.casefold() if prop.key else None,
                        creator,
                        stamp,
                        stamp,
                    ),
                )
            self._load_records(db, ws.workspace_id, entity, now)

    def _load_records(
        self, db: sqlite3.Connection, workspace_id: str, entity: EntityFixture, now: datetime
    ) -> None:
        rows: list[tuple[str, int, int, int]] = [
            (r.record_id, r.activities, r.event_summaries, r.relations) for r in entity.records
        ]
        if entity.generate is not None:
            gen = entity.generate
            base = now.replace(microsecond=0) - timedelta(days=30)
            prefix = entity.entity_id[-6:]
            for index in range(gen.count):
                created = base + timedelta(milliseconds=index)
                record_id = format_id("CRMRC", created, f"{prefix}{index:05d}"[-11:].rjust(11, "G"))
                rows.append((record_id, gen.activities, gen.event_summaries, gen.relations))
        stamp = isoformat_ms(now)
        db.executemany(
            "INSERT INTO records VALUES (?, ?, ?, ?, NULL)",
            [(rid, entity.entity_id, workspace_id, stamp) for rid, *_ in rows],
        )
        activities, events, relations = [], [], []
        for position, (record_id, n_act, n_evt, n_rel) in enumerate(rows):
            for i in range(n_act):
                activities.append(
                    (self._related_id("CRMAC", record_id, i), record_id, "NOTE", f"note {i}")
                )
            for i in range(n_evt):
                events.append((record_id, f"event_{i}", i + 1, stamp))
            for i in range(n_rel):
                target = rows[(position + i + 1) % len(rows)][0]
                relations.append((self._related_id("CRMRL", record_id, i), record_id, target))
        db.executemany("INSERT INTO activities VALUES (?, ?, ?, ?)", activities)
        db.executemany("INSERT INTO event_summaries VALUES (?, ?, ?, ?)", events)
        db.executemany("INSERT INTO relations VALUES (?, ?, ?)", relations)

    @staticmethod
    def _related_id(prefix: str, record_id: str, index: int) -> str:
        # Derived from the record id: deterministic, in the API's id format.
        digest = hashlib.sha256(record_id.encode()).hexdigest()[:8]
        return f"{prefix}1{record_id[6:21]}{digest}{index:03d}"

    # --- auth ---------------------------------------------------------------

    def _refresh_keys(self) -> None:
        with self._lock:
            rows = self._connection.execute(
                "SELECT k.api_key, k.role, k.workspace_id, w.account_id, k.api_secret"
                " FROM api_keys k JOIN workspaces w USING (workspace_id)"
            ).fetchall()
        # Replaced whole, never mutated: readers without the lock see old or new.
        self._callers = {row[0]: ApiKey(*row[:4]) for row in rows}
        self._secrets = {row[0]: str(row[4]) for row in rows}

    def secret_for(self, api_key: str) -> str | None:
        return self._secrets.get(api_key)

    def api_key(self, api_key: str) -> ApiKey | None:
        return self._callers.get(api_key)

    # --- records ------------------------------------------------------------

    def remember_signature(self, signature: bytes, *, expires: datetime, now: datetime) -> bool:
        """Record an accepted signature until ``expires``; False if it is live already."""
        with self._transaction() as db:
            db.execute("DELETE FROM accepted_signatures WHERE expires < ?", (isoformat_ms(now),))
            live = db.execute(
                "SELECT 1 FROM accepted_signatures WHERE signature = ?", (signature,)
            ).fetchone()
            if live is not None:
                return False
            db.execute(
                "INSERT INTO accepted_signatures VALUES (?, ?)", (signature, isoformat_ms(expires))
            )
        return True

    def purge_trash(self, now: datetime) -> int:
        """Permanently delete records that have been in the trash for 14 days."""
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM records WHERE date_deleted IS NOT NULL AND date_deleted <= ?",
                (_trash_cutoff(now),),
            )
            return cursor.rowcount

    def bulk_delete(
        self, workspace_id: str, record_ids: Sequence[str], *, permanent: bool, now: datetime
    ) -> DeletionOutcome:
        """Delete what can be deleted in one transaction; report the rest per id."""
        stamp = isoformat_ms(now)
        with self._transaction() as db:
            # Records past their 14 days in the trash are gone: not found here,
            # removed for good by the next purge_trash (before any view of state).
            placeholders = ",".join("?" * len(record_ids))
            found = {
                row[0]: (row[1], row[2])
                for row in db.execute(
                    "SELECT record_id, entity_id, date_deleted FROM records"  # noqa: S608
                    f" WHERE workspace_id = ? AND record_id IN ({placeholders})"
                    " AND (date_deleted IS NULL OR date_deleted > ?)",
                    (workspace_id, *record_ids, _trash_cutoff(now)),
                )
            }
            deleted: list[tuple[str, str]] = []
            failed: list[tuple[str, NotDeleted]] = []
            for record_id in record_ids:
                entry = found.get(record_id)
                if entry is None:
                    failed.append((record_id, NotDeleted.NOT_FOUND))
                elif entry[1] is not None and not permanent:
                    failed.append((record_id, NotDeleted.ALREADY_IN_TRASH))
                else:
                    deleted.append((record_id, entry[0]))
            ids = [record_id for record_id, _ in deleted]
            if ids:
                marks = ",".join("?" * len(ids))
                if permanent:
                    # ON DELETE CASCADE removes activities, event summaries, relations.
                    db.execute(f"DELETE FROM records WHERE record_id IN ({marks})", ids)  # noqa: S608
                else:
                    db.execute(
                        f"UPDATE records SET date_deleted = ? WHERE record_id IN ({marks})",  # noqa: S608
                        (stamp, *ids),
                    )
        expires = None if permanent else isoformat_ms(now + TRASH_RETENTION)
        return DeletionOutcome(deleted, failed, stamp, expires)

    # --- properties -----------------------------------------------------------

    def create_property(self, caller: ApiKey, new: NewProperty, *, now: datetime) -> StoredProperty:
        """Store ``new`` for ``caller``'s workspace, or raise a :class:`StoreError`."""
        with self._transaction() as db:
            self._check_can_create(db, caller.workspace_id, new)
            stored = StoredProperty(
                property_id=new_id("CRMPP", now),
                account_id=caller.account_id,
                workspace_id=caller.workspace_id,
                created_by=caller.api_key,
                date_created=isoformat_ms(now),
                spec=new,
            )
            self._insert_property(db, stored)
        return stored

    @staticmethod
    def _check_can_create(db: sqlite3.Connection, workspace_id: str, new: NewProperty) -> None:
        # One statement for every precondition: each round trip to SQLite
        # costs about as much as the checks themselves (bench/README.md).
        found = db.execute(
            "SELECT w.property_quota AS quota,"
            " CASE WHEN w.property_quota IS NULL THEN 0 ELSE"
            "  (SELECT count(*) FROM properties p WHERE p.entity_id = e.entity_id) END AS used,"
            " EXISTS (SELECT 1 FROM properties p WHERE p.entity_id = e.entity_id"
            "  AND p.name = ? AND p.date_deleted IS NULL) AS name_taken,"
            " EXISTS (SELECT 1 FROM properties p WHERE p.entity_id = e.entity_id"
            "  AND p.key_folded = ? AND p.date_deleted IS NULL) AS key_taken"
            " FROM entities e JOIN workspaces w USING (workspace_id)"
            " WHERE e.entity_id = ? AND e.workspace_id = ?",
            (new.name, _folded(new.key), new.entity_id, workspace_id),
        ).fetchone()
        if found is None:
            raise EntityNotFound(new.entity_id)
        if found["quota"] is not None and found["used"] >= found["quota"]:
            raise PropertyQuotaExceeded(found["used"], found["quota"])
        if found["name_taken"]:
            raise DuplicateName(new.name)
        if found["key_taken"] and new.key is not None:
            raise DuplicateKey(new.key)

    @staticmethod
    def _insert_property(db: sqlite3.Connection, stored: StoredProperty) -> None:
        new, stamp = stored.spec, stored.date_created
        db.execute(
            "INSERT INTO properties (property_id, entity_id, name, description, field_type,"
            " property_group_id, options_json, is_masked, key, key_folded, created_by,"
            " date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stored.property_id,
                new.entity_id,
                new.name,
                new.description,
                new.field_type,
                new.property_group_id,
                pydantic_core.to_json(new.options).decode(),
                int(new.is_masked),
                new.key,
                _folded(new.key),
                stored.created_by,
                stamp,
                stamp,
            ),
        )

    # --- admin views ----------------------------------------------------------

    def list_records(
        self,
        *,
        in_trash: bool | None,
        entity_id: str | None = None,
        record_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RecordView]:
        """Records with their related-row counts; ``in_trash=None`` for both states."""
        clauses = ["1 = 1"]
        if in_trash is not None:
            clauses.append("date_deleted IS NOT NULL" if in_trash else "date_deleted IS NULL")
        params: list[Any] = []
        if record_id:
            clauses.append("record_id = ?")
            params.append(record_id)
        if entity_id:
            clauses.append("entity_id = ?")
            params.append(entity_id)
        query = (
            "SELECT record_id, entity_id, workspace_id, date_created, date_deleted,"  # noqa: S608
            " (SELECT count(*) FROM activities a WHERE a.record_id = r.record_id),"
            " (SELECT count(*) FROM event_summaries s WHERE s.record_id = r.record_id),"
            " (SELECT count(*) FROM relations l WHERE l.from_record_id = r.record_id"
            "   OR l.to_record_id = r.record_id)"
            f" FROM records r WHERE {' AND '.join(clauses)}"
            " ORDER BY record_id LIMIT ? OFFSET ?"
        )
        with self._lock:
            rows = self._connection.execute(query, (*params, limit, offset)).fetchall()
        return [RecordView(*row) for row in rows]

    def get_record(self, record_id: str) -> RecordView | None:
        matches = self.list_records(in_trash=None, record_id=record_id, limit=1)
        return matches[0] if matches else None

    def list_properties(self, entity_id: str | None = None) -> list[PropertyView]:
        query = (
            "SELECT property_id, entity_id, name, field_type, options_json, is_masked, key,"
            " date_created FROM properties"
        )
        params: tuple[Any, ...] = ()
        if entity_id:
            query += " WHERE entity_id = ?"
            params = (entity_id,)
        with self._lock:
            rows = self._connection.execute(query + " ORDER BY date_created, property_id", params)
            return [
                PropertyView(r[0], r[1], r[2], r[3], json.loads(r[4]), bool(r[5]), r[6], r[7])
                for r in rows.fetchall()
            ]

    def list_entities(self, api_key: str | None = None) -> list[EntityView]:
        """Entities (of ``api_key``'s workspace, if given) with their property quota and use."""
        query = (
            "SELECT e.entity_id, e.name, e.workspace_id, w.plan, w.property_quota,"
            " (SELECT count(*) FROM properties p WHERE p.entity_id = e.entity_id)"
            " FROM entities e JOIN workspaces w USING (workspace_id)"
        )
        params: tuple[str, ...] = ()
        if api_key is not None:
            query += " JOIN api_keys k USING (workspace_id) WHERE k.api_key = ?"
            params = (api_key,)
        with self._lock:
            rows = self._connection.execute(query + " ORDER BY e.entity_id", params).fetchall()
        return [EntityView(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Row counts per table, for the admin API and integrity tests."""
        tables = ("records", "activities", "event_summaries", "relations", "properties")
        with self._lock:
            result = {
                t: self._connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in tables
            }
            result["trash"] = self._connection.execute(
                "SELECT count(*) FROM records WHERE date_deleted IS NOT NULL"
            ).fetchone()[0]
            result["orphans"] = sum(
                self._connection.execute(query).fetchone()[0]
                for query in (
                    "SELECT count(*) FROM activities WHERE record_id NOT IN (SELECT record_id FROM records)",
                    "SELECT count(*) FROM event_summaries WHERE record_id NOT IN (SELECT record_id FROM records)",
                    "SELECT count(*) FROM relations WHERE from_record_id NOT IN (SELECT record_id FROM records)"
                    # A relation always has a target: NULL means the target is gone.
                    " OR to_record_id IS NULL OR to_record_id NOT IN (SELECT record_id FROM records)",
                )
            )
        return result


def _trash_cutoff(now: datetime) -> str:
    """Records in the trash since this date or earlier have had their 14 days."""
    return isoformat_ms(now - TRASH_RETENTION)


def _folded(key: str | None) -> str | None:
    """Keys are unique case-insensitively."""
    return key.casefold() if key is not None else None
