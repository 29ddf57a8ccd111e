"""The generated client with the factory, sync and async, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time

import pytest
from crm_core_client import Client
from crm_core_client.api.properties import create_property
from crm_core_client.api.records import bulk_delete_records
from crm_core_client.models import (
    BulkDeleteRecordsRequest,
    BulkDeleteRecordsResult,
    ChoiceFieldType,
    CreateChoicePropertyRequest,
    CreateScalarPropertyRequest,
    EntityProperty,
    ErrorBody,
    PropertyOptionInput,
    ScalarFieldType,
)

from auth_plugin import Verifier, parse_header
from auth_plugin.client import (
    CrmCoreAuthError,
    CrmCoreError,
    PropertyProbablyCreated,
    RetryPolicy,
    create_client,
    expect_success,
)
from mock_server.fixtures import (
    DEMO_ENTITY_ID,
    DEMO_MEMBER_KEY,
    DEMO_MEMBER_SECRET,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
    DEMO_RECORD_ID,
)
from tests.live_mock import RunningMock
from tests.recording_server import Reply, recording_server

FAST = RetryPolicy(backoff=0.01, max_backoff=0.05)


def text_property(name: str, entity_id: str = DEMO_ENTITY_ID) -> CreateScalarPropertyRequest:
    return CreateScalarPropertyRequest(
        entity_id=entity_id, name=name, field_type=ScalarFieldType.TEXT
    )


def test_bulk_delete_in_a_few_lines(mock: RunningMock) -> None:
    client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=mock.url)
    result = bulk_delete_records.sync(
        client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
    )
    assert isinstance(result, BulkDeleteRecordsResult)
    assert result.deleted_count == 1
    assert result.deleted[0].entity_id == DEMO_ENTITY_ID


def test_expect_success_refuses_what_a_plain_client_returns_for_errors(mock: RunningMock) -> None:
    # A generated Client without the factory returns the ErrorBody model for a 401.
    plain = Client(base_url=mock.url)
    returned = bulk_delete_records.sync(
        client=plain, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
    )
    assert isinstance(returned, ErrorBody)
    with pytest.raises(TypeError, match=r"got ErrorBody\(Unauthorized\): build the client"):
        expect_success(returned)


def test_create_property_sync_and_async(mock: RunningMock) -> None:
    client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=mock.url)
    created = create_property.sync(
        client=client,
        body=CreateChoicePropertyRequest(
            entity_id=DEMO_ENTITY_ID,
            name="계약 상태",
            field_type=ChoiceFieldType.DROPDOWN,
            options=[PropertyOptionInput(label="진행 중", value="IN_PROGRESS", priority=1)],
        ),
    )
    assert isinstance(created, EntityProperty)
    assert created.property_id.startswith("CRMPP1")

    async def create_async() -> EntityProperty | object:
        return await create_property.asyncio(
            client=client,
            body=text_property("메모"),
        )

    result = asyncio.run(create_async())
    assert isinstance(result, EntityProperty)
    assert result.is_masked is False


@pytest.mark.parametrize(
    ("key", "secret", "body", "status", "code"),
    [
        (DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET, None, 403, "Forbidden"),
        (DEMO_OWNER_KEY, "wrong", None, 403, "SignatureDoesNotMatch"),
        ("NCSNOTAKEYXXXXXX", DEMO_OWNER_SECRET, None, 400, "InvalidAPIKey"),
        (DEMO_OWNER_KEY, DEMO_OWNER_SECRET, "missing-entity", 404, "NotFound"),
        (DEMO_OWNER_KEY, DEMO_OWNER_SECRET, "duplicate", 409, "DuplicatedName"),
    ],
)
def test_error_responses_raise_one_typed_error(
    mock: RunningMock, key: str, secret: str, body: str | None, status: int, code: str
) -> None:
    client = create_client(key, secret, base_url=mock.url)
    entity = "CRMET1260423081530123XYZ11122299" if body == "missing-entity" else DEMO_ENTITY_ID
    name = "이름" if body == "duplicate" else "새 속성"
    with pytest.raises(CrmCoreError) as caught:
        create_property.sync(
            client=client,
            body=text_property(name, entity),
        )
    assert (caught.value.status_code, caught.value.error_code) == (status, code)
    assert caught.value.error_message
    assert secret not in str(caught.value)
    # Authentication failures are one class whatever status they came with.
    auth_codes = {"SignatureDoesNotMatch", "InvalidAPIKey"}
    assert isinstance(caught.value, CrmCoreAuthError) == (code in auth_codes)


def test_async_errors_raise_too(mock: RunningMock) -> None:
    client = create_client(DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET, base_url=mock.url)

    async def call() -> None:
        await create_property.asyncio(
            client=client,
            body=text_property("x"),
        )

    with pytest.raises(CrmCoreError) as caught:
        asyncio.run(call())
    assert caught.value.error_code == "Forbidden"


def _verified(headers: list[str]) -> None:
    verifier = Verifier({DEMO_OWNER_KEY: DEMO_OWNER_SECRET}.get)
    for header in headers:
        verifier.verify(header)


def test_429_is_retried_after_retry_after_with_a_fresh_signature() -> None:
    busy = {"errorCode": "TooManyRequests", "errorMessage": "slow down"}
    ok = {
        "permanent": False, "requestedCount": 1, "deletedCount": 0, "failedCount": 1,
        "deleted": [], "dateDeleted": "2026-04-23T08:20:00.000Z", "dateTrashExpires": None,
        "failed": [{"recordId": DEMO_RECORD_ID, "reason": "NOT_FOUND", "errorMessage": "x"}],
    }  # fmt: skip
    script = [Reply(429, busy, {"Retry-After": "1"}), Reply(200, ok)]
    with recording_server(script) as server:
        client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, retry=FAST)
        started = time.monotonic()
        result = bulk_delete_records.sync(
            client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
        )
        elapsed = time.monotonic() - started
    assert isinstance(result, BulkDeleteRecordsResult)
    headers = [r.headers["Authorization"] for r in server.received]
    assert len(headers) == 2
    assert parse_header(headers[0]).salt != parse_header(headers[1]).salt
    _verified(headers)
    assert elapsed >= 0.04  # waited (Retry-After 1 s, capped by the test policy at 0.05 s)


CREATED: dict[str, object] = {
    "propertyId": "CRMPP1260423082100789zJfAuP6ndkE", "accountId": "1", "entityId": DEMO_ENTITY_ID,
    "name": "x", "fieldType": "TEXT", "propertyGroupId": None, "options": [], "isMasked": False,
    "key": None, "createdBy": DEMO_OWNER_KEY, "dateCreated": "2026-04-23T08:20:00.000Z",
    "dateUpdated": "2026-04-23T08:20:00.000Z",
}  # fmt: skip
DUPLICATED = {"errorCode": "DuplicatedName", "errorMessage": "이미 같은 이름의 속성이 있습니다: x"}


def test_a_create_is_resent_after_a_timeout_and_a_409_then_means_probably_created() -> None:
    script = [Reply(201, CREATED, delay=2.0), Reply(409, DUPLICATED)]
    with recording_server(script) as server:
        client = create_client(
            DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, timeout=0.3, retry=FAST
        )
        with pytest.raises(PropertyProbablyCreated) as caught:
            create_property.sync(client=client, body=text_property("x"))
    assert caught.value.error_code == "DuplicatedName"
    assert len(server.received) == 2
    assert server.received[0].body == server.received[1].body  # the same body, signed afresh
    _verified([r.headers["Authorization"] for r in server.received])


def test_a_create_is_resent_after_a_503_and_its_success_returned() -> None:
    unavailable = {"errorCode": "ServiceUnavailable", "errorMessage": "busy"}
    with recording_server([Reply(503, unavailable), Reply(201, CREATED)]) as server:
        client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, retry=FAST)
        created = create_property.sync(client=client, body=text_property("x"))
    assert isinstance(created, EntityProperty)
    assert len(server.received) == 2


def test_a_409_without_an_unknown_attempt_before_is_a_plain_conflict() -> None:
    busy = {"errorCode": "TooManyRequests", "errorMessage": "slow down"}
    # A 429 was refused before being applied: the name existed before this call.
    with recording_server([Reply(429, busy), Reply(409, DUPLICATED)]) as server:
        client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, retry=FAST)
        with pytest.raises(CrmCoreError) as caught:
            create_property.sync(client=client, body=text_property("x"))
    assert type(caught.value) is CrmCoreError
    assert caught.value.error_code == "DuplicatedName"


def test_a_create_is_not_resent_after_a_500() -> None:
    failure = {"errorCode": "InternalServerError", "errorMessage": "서버 오류가 발생했습니다."}
    with recording_server([Reply(500, failure), Reply(201, CREATED)]) as server:
        client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, retry=FAST)
        with pytest.raises(CrmCoreError) as caught:
            create_property.sync(client=client, body=text_property("x"))
    assert caught.value.status_code == 500
    assert len(server.received) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "InvalidAPIKey"), (401, "SignatureDoesNotMatch"), (403, "RequestTimeTooSkewed"),
     (403, "DuplicatedSignature"), (401, "Unauthorized")],
)  # fmt: skip
def test_auth_failures_are_classified_by_error_code_whatever_the_status(
    status: int, code: str
) -> None:
    with recording_server([Reply(status, {"errorCode": code, "errorMessage": "..."})]) as server:
        client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, retry=FAST)
        with pytest.raises(CrmCoreAuthError) as caught:
            create_property.sync(client=client, body=text_property("x"))
    assert (caught.value.status_code, caught.value.error_code) == (status, code)


def test_a_bulk_delete_is_resent_after_a_timeout_and_a_503() -> None:
    unavailable = {"errorCode": "ServiceUnavailable", "errorMessage": "busy"}
    script = [Reply(200, {}, delay=2.0), Reply(503, unavailable), Reply(500, unavailable)]
    with recording_server(script) as server:
        client = create_client(
            DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, timeout=0.3, retry=FAST
        )
        with pytest.raises(CrmCoreError) as caught:
            bulk_delete_records.sync(
                client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
            )
    assert caught.value.status_code == 500  # 500 is not retried: the error surfaces
    assert len(server.received) == 3
    _verified([r.headers["Authorization"] for r in server.received])


def test_retries_are_bounded() -> None:
    busy = {"errorCode": "TooManyRequests", "errorMessage": "slow down"}
    with recording_server([Reply(429, busy)] * 10) as server:
        client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=server.url, retry=FAST)
        with pytest.raises(CrmCoreError) as caught:
            bulk_delete_records.sync(
                client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
            )
    assert caught.value.error_code == "TooManyRequests"
    assert len(server.received) == FAST.max_retries + 1
