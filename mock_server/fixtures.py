"""The fixture format: workspaces, their API keys, entities, properties and records.

A fixture file is YAML (or JSON, which is YAML)::

    workspaces:
      - workspaceId: demo                 # opaque
        accountId: "12345678901234"
        plan: STARTER                     # FREE | STARTER | PROFESSIONAL | ENTERPRISE
        propertyQuota: 30                 # optional; default from the plan
        apiKeys:
          - {apiKey: NCSXXXXXXXXXXXXX, apiSecret: YOUR_API_SECRET, role: OWNER}
        entities:
          - entityId: CRMET1260423081530123XYZ11122233
            name: 고객
            properties:                   # optional, already existing properties
              - {name: 이름, fieldType: TEXT, key: name}
            records:                      # explicit records
              - recordId: CRMRC1260423081530123REC11122233
                activities: 3            # how many related rows to create
                eventSummaries: 2
                relations: 2
            generate:                     # optional, many records with derived ids
              count: 3000
              activities: 1
              eventSummaries: 1
              relations: 0

``DEFAULT_FIXTURES`` is the demo set used when no file is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import crm_contract

ROLES = crm_contract.roles()
#: Properties per entity by plan. Starter and Professional are documented;
#: Design note: FREE 10 and ENTERPRISE unlimited (None) are our choice.
PLAN_PROPERTY_QUOTAS: dict[str, int | None] = {
    "FREE": 10,
    "STARTER": 30,
    "PROFESSIONAL": 100,
    "ENTERPRISE": None,
}


class FixtureError(ValueError):
    """A fixture file that does not follow the format; the message says where."""


@dataclass(frozen=True)
class ApiKeyFixture:
    api_key: str
    api_secret: str = field(repr=False)
    role: str


@dataclass(frozen=True)
class PropertyFixture:
    name: str
    field_type: str
    key: str | None = None


@dataclass(frozen=True)
class RecordFixture:
    record_id: str
    activities: int = 0
    event_summaries: int = 0
    relations: int = 0


@dataclass(frozen=True)
class GeneratedRecords:
    count: int
    activities: int = 0
    event_summaries: int = 0
    relations: int = 0


@dataclass(frozen=True)
class EntityFixture:
    entity_id: str
    name: str
    properties: tuple[PropertyFixture, ...] = ()
    records: tuple[RecordFixture, ...] = ()
    generate: GeneratedRecords | None = None


@dataclass(frozen=True)
class WorkspaceFixture:
    workspace_id: str
    account_id: str
    plan: str
    property_quota: int | None
    api_keys: tuple[ApiKeyFixture, ...]
    entities: tuple[EntityFixture, ...]


@dataclass(frozen=True)
class Fixtures:
    workspaces: tuple[WorkspaceFixture, ...]

    def with_api_keys(self, extra: list[ApiKeyFixture]) -> Fixtures:
        """Add keys to the first (default) workspace."""
        if not extra:
            return self
        first, *rest = self.workspaces
        known = {key.api_key for ws in self.workspaces for key in ws.api_keys}
        duplicates = [key.api_key for key in extra if key.api_key in known]
        if duplicates:
            raise FixtureError(f"API key {duplicates[0]} is already defined by the fixtures")
        updated = WorkspaceFixture(
            first.workspace_id,
            first.account_id,
            first.plan,
            first.property_quota,
            first.api_keys + tuple(extra),
            first.entities,
        )
        return Fixtures((updated, *rest))


def parse_api_key_option(text: str) -> ApiKeyFixture:
    """Parse ``KEY:SECRET:ROLE`` from the command line.

    >>> parse_api_key_option("NCSABCDEFGHIJKLM:s3cret:MEMBER").role
    'MEMBER'
    """
    parts = text.split(":")
    if len(parts) != 3 or not all(parts):
        raise FixtureError("an API key is KEY:SECRET:ROLE, e.g. NCSABCDEFGHIJKLM:secret:OWNER")
    key, secret, role = parts
    if role not in ROLES:
        raise FixtureError(f"an API key's role must be OWNER or MEMBER, got {role!r}")
    return ApiKeyFixture(key, secret, role)


def load_fixtures(path: Path) -> Fixtures:
    """Read and check a fixture file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FixtureError(f"cannot read fixtures {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        # Never the YAML error's own text: it quotes the offending line, which
        # may hold an apiSecret.
        raise FixtureError(f"fixtures {path} are not valid YAML{_position(error)}") from None
    return parse_fixtures(document, source=str(path))


def _position(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def read_api_keys_file(path: Path) -> list[ApiKeyFixture]:
    """``KEY:SECRET:ROLE`` per line (blank lines and ``#`` comments skipped).

    The way to give the mock keys without putting a secret in its command
    line, which every user of the machine can read in ``ps``.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise FixtureError(f"cannot read API keys {path}: {error.strerror}") from None
    keys = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text and not text.startswith("#"):
            try:
                keys.append(parse_api_key_option(text))
            except FixtureError as error:  # the message never quotes the line
                raise FixtureError(f"{path}:{number}: {error}") from None
    return keys


def parse_fixtures(document: Any, *, source: str = "fixtures") -> Fixtures:
    reader = _Reader(source)
    root = reader.mapping(document, "")
    workspaces = tuple(
        _workspace(reader, item, f"workspaces[{index}]")
        for index, item in enumerate(reader.sequence(root.get("workspaces"), "workspaces"))
    )
    if not workspaces:
        raise FixtureError(f"{source}: workspaces: at least one workspace is needed")
    _check_unique(source, "workspaceId", [ws.workspace_id for ws in workspaces])
    _check_unique(source, "apiKey", [k.api_key for ws in workspaces for k in ws.api_keys])
    _check_unique(source, "entityId", [e.entity_id for ws in workspaces for e in ws.entities])
    _check_unique(
        source,
        "recordId",
        [r.record_id for ws in workspaces for e in ws.entities for r in e.records],
    )
    return Fixtures(workspaces)


def _check_unique(source: str, name: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise FixtureError(f"{source}: {name} {value} appears twice")
        seen.add(value)


def _workspace(reader: _Reader, item: Any, where: str) -> WorkspaceFixture:
    data = reader.mapping(item, where)
    plan = reader.string(data, "plan", where, default="STARTER")
    if plan not in PLAN_PROPERTY_QUOTAS:
        raise FixtureError(
            f"{reader.source}: {where}.plan must be one of {sorted(PLAN_PROPERTY_QUOTAS)}"
        )
    quota = data.get("propertyQuota", PLAN_PROPERTY_QUOTAS[plan])
    if quota is not None and (not isinstance(quota, int) or isinstance(quota, bool) or quota < 0):
        raise FixtureError(f"{reader.source}: {where}.propertyQuota must be a whole number or null")
    keys = []
    for index, key_item in enumerate(reader.sequence(data.get("apiKeys"), f"{where}.apiKeys")):
        key_where = f"{where}.apiKeys[{index}]"
        key_data = reader.mapping(key_item, key_where)
        role = reader.string(key_data, "role", key_where)
        if role not in ROLES:
            raise FixtureError(f"{reader.source}: {key_where}.role must be OWNER or MEMBER")
        keys.append(
            ApiKeyFixture(
                reader.string(key_data, "apiKey", key_where),
                reader.string(key_data, "apiSecret", key_where),
                role,
            )
        )
    entities = tuple(
        _entity(reader, entity, f"{where}.entities[{index}]")
        for index, entity in enumerate(reader.sequence(data.get("entities"), f"{where}.entities"))
    )
    return WorkspaceFixture(
        reader.string(data, "workspaceId", where),
        reader.string(data, "accountId", where),
        plan,
        quota,
        tuple(keys),
        entities,
    )


def _entity(reader: _Reader, item: Any, where: str) -> EntityFixture:
    data = reader.mapping(item, where)
    properties = tuple(
        PropertyFixture(
            reader.string(reader.mapping(p, f"{where}.properties[{i}]"), "name", where),
            reader.string(reader.mapping(p, f"{where}.properties[{i}]"), "fieldType", where),
            p.get("key"),
        )
        for i, p in enumerate(reader.sequence(data.get("properties"), f"{where}.properties"))
    )
    records = tuple(
        RecordFixture(
            reader.string(reader.mapping(r, f"{where}.records[{i}]"), "recordId", where),
            reader.count(r, "activities", f"{where}.records[{i}]"),
            reader.count(r, "eventSummaries", f"{where}.records[{i}]"),
            reader.count(r, "relations", f"{where}.records[{i}]"),
        )
        for i, r in enumerate(reader.sequence(data.get("records"), f"{where}.records"))
    )
    generate = None
    if data.get("generate") is not None:
        gen = reader.mapping(data["generate"], f"{where}.generate")
        generate = GeneratedRecords(
            reader.count(gen, "count", f"{where}.generate"),
            reader.count(gen, "activities", f"{where}.generate"),
            reader.count(gen, "eventSummaries", f"{where}.generate"),
            reader.count(gen, "relations", f"{where}.generate"),
        )
    return EntityFixture(
        reader.string(data, "entityId", where),
        reader.string(data, "name", where, default=""),
        properties,
        records,
        generate,
    )


@dataclass(frozen=True)
class _Reader:
    source: str

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise FixtureError(f"{self.source}: {where or 'top level'} must be a mapping")
        return value

    def sequence(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise FixtureError(f"{self.source}: {where} must be a list")
        return value

    def string(
        self, data: Mapping[str, Any], name: str, where: str, default: str | None = None
    ) -> str:
        value = data.get(name, default)
        if not isinstance(value, str) or (default is None and not value):
            raise FixtureError(f"{self.source}: {where}.{name} must be a non-empty string")
        return value

    def count(self, data: Any, name: str, where: str) -> int:
        value = self.mapping(data, where).get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FixtureError(f"{self.source}: {where}.{name} must be a whole number >= 0")
        return value


DEMO_OWNER_KEY, DEMO_OWNER_SECRET = "NCSXXXXXXXXXXXXX", "YOUR_API_SECRET"
DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET = "NCSMEMBERXXXXXXX", "YOUR_MEMBER_SECRET"
DEMO_ENTITY_ID = "CRMET1260423081530123XYZ11122233"
DEMO_RECORD_ID = "CRMRC1260423081530123REC11122233"
OTHER_KEY, OTHER_SECRET = "NCSOTHERWSXXXXXX", "OTHER_WORKSPACE_SECRET"

DEFAULT_FIXTURES: dict[str, Any] = {
    "workspaces": [
        {
            "workspaceId": "CRMWS1260101000000000DEMOWS00001",
            "accountId": "12345678901234",
            "plan": "STARTER",
            "apiKeys": [
                {"apiKey": DEMO_OWNER_KEY, "apiSecret": DEMO_OWNER_SECRET, "role": "OWNER"},
                {"apiKey": DEMO_MEMBER_KEY, "apiSecret": DEMO_MEMBER_SECRET, "role": "MEMBER"},
            ],
            "entities": [
                {
                    "entityId": DEMO_ENTITY_ID,
                    "name": "고객",
                    "properties": [
                        {"name": "이름", "fieldType": "TEXT", "key": "name"},
                        {"name": "이메일", "fieldType": "EMAIL", "key": "email"},
                    ],
                    "records": [
                        {
                            "recordId": DEMO_RECORD_ID,
                            "activities": 3,
                            "eventSummaries": 2,
                            "relations": 2,
                        },
                        {"recordId": "CRMRC1260423081530124REC11122234", "activities": 1},
                    ],
                    "generate": {"count": 3000, "activities": 1, "eventSummaries": 1},
                },
                {"entityId": "CRMET1260423081530124DEAL1112223", "name": "거래"},
            ],
        },
        {
            "workspaceId": "CRMWS1260101000000001OTHERWS0001",
            "accountId": "99999999999999",
            "plan": "PROFESSIONAL",
            "apiKeys": [{"apiKey": OTHER_KEY, "apiSecret": OTHER_SECRET, "role": "OWNER"}],
            "entities": [
                {
                    "entityId": "CRMET1260423081530125OTHERENT001",
                    "name": "Other workspace's customers",
                    "records": [{"recordId": "CRMRC1260423081530125OTHERREC001", "activities": 1}],
                }
            ],
        },
    ]
}


def default_fixtures() -> Fixtures:
    return parse_fixtures(DEFAULT_FIXTURES, source="default fixtures")
