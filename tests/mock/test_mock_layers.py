"""The mock's layers apart: storage speaks in domain errors, the app maps them to the API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette import responses

from auth_plugin import sign_request
from http_edge.responses import JSONResponse
from mock_server.app import operation_routes
from mock_server.fixtures import (
    DEMO_ENTITY_ID,
    DEMO_MEMBER_KEY,
    DEMO_MEMBER_SECRET,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
    default_fixtures,
)
from mock_server.operations import api_error_for
from mock_server.spec import operation, operations
from mock_server.store import (
    DuplicateKey,
    DuplicateName,
    EntityNotFound,
    NewProperty,
    PropertyQuotaExceeded,
    RecordStore,
)
from tests.live_mock import RunningMock

NOW = datetime(2026, 4, 23, 8, 20, tzinfo=UTC)


@pytest.fixture
def store() -> RecordStore:
    store = RecordStore()
    store.load(default_fixtures(), NOW)
    return store


def test_an_operation_without_a_handler_stops_the_app_from_being_built() -> None:
    unknown = replace(operation("createProperty"), operation_id="archiveRecords")
    with pytest.raises(RuntimeError, match="archiveRecords"):
        operation_routes({**operations(), ("POST", "/x"): unknown})


@pytest.mark.parametrize(
    ("change", "error", "status", "code"),
    [
        ({"entity_id": "CRMET1260423081530123XYZ11122299"}, EntityNotFound, 404, "NotFound"),
        ({"name": "이름"}, DuplicateName, 409, "DuplicatedName"),
        ({"key": "EMAIL"}, DuplicateKey, 409, "DuplicatedKey"),
    ],
)
def test_the_store_refuses_with_domain_errors_the_app_maps(
    store: RecordStore, change: dict[str, Any], error: type[Exception], status: int, code: str
) -> None:
    caller = store.api_key(DEMO_OWNER_KEY)
    assert caller is not None
    new = replace(NewProperty(DEMO_ENTITY_ID, "새 속성", "TEXT"), **change)
    with pytest.raises(error) as raised:
        store.create_property(caller, new, now=NOW)
    mapped = api_error_for(raised.value)  # type: ignore[arg-type]
    assert (mapped.status, mapped.error_code) == (status, code)


def test_the_quota_is_a_domain_error_with_its_numbers(store: RecordStore) -> None:
    caller = store.api_key(DEMO_OWNER_KEY)
    assert caller is not None
    for index in range(28):  # the demo entity has 2 of its 30
        store.create_property(caller, NewProperty(DEMO_ENTITY_ID, f"p{index}", "TEXT"), now=NOW)
    with pytest.raises(PropertyQuotaExceeded) as raised:
        store.create_property(caller, NewProperty(DEMO_ENTITY_ID, "one more", "TEXT"), now=NOW)
    assert (raised.value.used, raised.value.quota) == (30, 30)
    assert api_error_for(raised.value).message == "개체당 최대 속성 수: 30/30"


def test_two_authorization_headers_are_refused(mock: RunningMock) -> None:
    member = sign_request(DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET)
    owner = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
    response = httpx.post(
        f"{mock.url}{operation('createProperty').path}",
        json={"entityId": DEMO_ENTITY_ID, "name": "두 헤더", "fieldType": "TEXT"},
        headers=[("Authorization", member), ("Authorization", owner)],
    )
    assert (response.status_code, response.json()["errorCode"]) == (401, "Unauthorized")
    assert "more than one Authorization header" in response.json()["errorMessage"]
    created = httpx.get(f"{mock.url}/_mock/properties?entityId={DEMO_ENTITY_ID}").json()
    assert "두 헤더" not in {p["name"] for p in created["properties"]}


def test_a_copied_store_is_independent_of_its_source(store: RecordStore) -> None:
    copy = RecordStore()
    copy.copy_from(store)
    assert copy.counts() == store.counts()
    assert copy.secret_for(DEMO_OWNER_KEY) == DEMO_OWNER_SECRET  # keys refreshed too
    owner = copy.api_key(DEMO_OWNER_KEY)
    assert owner is not None
    outcome = copy.bulk_delete(
        owner.workspace_id, ["CRMRC1260423081530123REC11122233"], permanent=True, now=NOW
    )
    assert len(outcome.deleted) == 1
    assert copy.counts()["records"] == store.counts()["records"] - 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"recordIds": ["CRMRC1260423081530123REC11122233"], "permanent": false, "permanent": true}',
        b'{"recordIds": ["CRMRC1260423081530123REC11122233"], "recordIds": ["CRMRC1260423081530124REC11122234"]}',
    ],
)
def test_a_key_twice_in_a_body_is_refused_and_nothing_is_deleted(
    mock: RunningMock, raw: bytes
) -> None:
    response = httpx.post(
        f"{mock.url}{operation('bulkDeleteRecords').path}",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "Authorization": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET),
        },
    )
    assert (response.status_code, response.json()["errorCode"]) == (400, "ValidationError")
    assert "duplicateKey" in response.json()["errorMessage"]
    assert httpx.get(f"{mock.url}/_mock/trash").json()["count"] == 0


#: openapi.yaml's PropertyKeyName design note, written out (not imported from the mock).
RESERVED = ["id", "recordId", "entityId", "createdBy", "dateCreated", "dateUpdated", "dateDeleted"]


def test_the_reserved_keys_are_the_specs() -> None:
    from tests.spec_tables import spec

    text = spec()["components"]["schemas"]["PropertyKeyName"]["description"]
    assert all(f"`{key}`" in text for key in RESERVED)


@pytest.mark.parametrize("key", [v for k in RESERVED for v in (k, k.upper(), k.swapcase())])
def test_every_reserved_key_is_refused_in_any_case(mock: RunningMock, key: str) -> None:
    response = httpx.post(
        f"{mock.url}{operation('createProperty').path}",
        json={"entityId": DEMO_ENTITY_ID, "name": f"예약 {key}", "fieldType": "TEXT", "key": key},
        headers={"Authorization": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)},
    )
    assert (response.status_code, response.json()["errorCode"]) == (400, "ValidationError")
    assert "(reserved)" in response.json()["errorMessage"]


def test_keys_conflict_whatever_their_case(mock: RunningMock) -> None:
    def create(name: str, key: str) -> httpx.Response:
        return httpx.post(
            f"{mock.url}{operation('createProperty').path}",
            json={"entityId": DEMO_ENTITY_ID, "name": name, "fieldType": "TEXT", "key": key},
            headers={"Authorization": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)},
        )

    assert create("등급", "customerGrade").status_code == 201
    conflict = create("등급 2", "CUSTOMERgrade")
    assert (conflict.status_code, conflict.json()["errorCode"]) == (409, "DuplicatedKey")


@pytest.mark.parametrize(
    "payload",
    [
        {"errorCode": "NotFound", "errorMessage": "레코드를 찾을 수 없습니다."},
        {"deleted": [], "failed": [{"recordId": "a", "reason": "NOT_FOUND"}], "count": 0},
        {"none": None, "yes": True, "no": False, "big": 2**53 + 1, "negative": -7},
        {"escapes": 'quote " backslash \\ slash / newline \n tab \t nul \x00 del \x7f'},
        {"beyond": "\u2028 \ud55c \U0001f600", "nested": [[{"k": ["v"]}]], "": ""},
    ],
)
def test_the_mock_renders_json_byte_for_byte_as_starlette_does(payload: Any) -> None:
    assert JSONResponse(payload).body == responses.JSONResponse(payload).body
