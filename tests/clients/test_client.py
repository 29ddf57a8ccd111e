"""The generated client with the factory, sync and async, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from crm_core_client import Client
from crm_core_client.api.properties import create_property
from crm_core_client.api.records import bulk_delete_records
from crm_core_client.errors import UnexpectedStatus
from crm_core_client.models import (
    BulkDeleteRecordsRequest,
    BulkDeletionResult,
    CreateChoicePropertyRequest,
    CreateChoicePropertyRequestChoiceFieldType,
    CreateScalarPropertyRequest,
    CreateScalarPropertyRequestScalarFieldType,
    EntityProperty,
    ErrorBody,
    PropertyOptionInput,
)

from auth_plugin import parse_header
from auth_plugin.client import (
    CrmCoreAuthError,
    CrmCoreError,
    PropertyProbablyCreated,
    RetryPolicy,
    create_client,
    expect_success,
)
from auth_plugin.errors import AuthPluginError
from hmac_verifier import Verifier
from mock_server.fixtures import (
    DEMO_ENTITY_ID,
    DEMO_MEMBER_KEY,
    DEMO_MEMBER_SECRET,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
    DEMO_RECORD_ID,
)
from tests.live_mock import RunningMock


def text_property(name: str, entity_id: str = DEMO_ENTITY_ID) -> CreateScalarPropertyRequest:
    return CreateScalarPropertyRequest(
        entity_id=entity_id, name=name, field_type=CreateScalarPropertyRequestScalarFieldType.TEXT
    )


def test_bulk_delete_in_a_few_lines(mock: RunningMock) -> None:
    client = create_client(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, base_url=mock.url)
    result = bulk_delete_records.sync(
        client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
    )
    assert isinstance(result, BulkDeletionResult)
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
            field_type=CreateChoicePropertyRequestChoiceFieldType.DROPDOWN,
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


class Script:
    """A server for ``httpx.MockTransport``: answers (or raises) in order, records requests.

    A retry re-sends the same ``Request`` object, re-signed: what each attempt
    carried is copied when it arrives.
    """

    def __init__(self, *steps: httpx.Response | Exception) -> None:
        self.steps = list(steps)
        self.received: list[tuple[dict[str, str], bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append((dict(request.headers), request.read()))
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    def authorizations(self) -> list[str]:
        return [headers["authorization"] for headers, _ in self.received]


def scripted_client(script: Script, sleeps: list[float]) -> Client:
    policy = RetryPolicy(sleep=sleeps.append, sleep_jitter=lambda: 1.0)
    return create_client(
        DEMO_OWNER_KEY,
        DEMO_OWNER_SECRET,
        base_url="http://crm-core.test",
        retry=policy,
        transport=httpx.MockTransport(script),
    )


def reply(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


BUSY = {"errorCode": "TooManyRequests", "errorMessage": "slow down"}
UNAVAILABLE = {"errorCode": "ServiceUnavailable", "errorMessage": "busy"}
FAILURE = {"errorCode": "InternalServerError", "errorMessage": "서버 오류가 발생했습니다."}
DUPLICATED = {"errorCode": "DuplicatedName", "errorMessage": "이미 같은 이름의 속성이 있습니다: x"}
NOT_FOUND_RESULT: dict[str, object] = {
    "permanent": False, "requestedCount": 1, "deletedCount": 0, "failedCount": 1,
    "deleted": [], "dateDeleted": "2026-04-23T08:20:00.000Z", "dateTrashExpires": None,
    "failed": [{"recordId": DEMO_RECORD_ID, "reason": "NOT_FOUND", "errorMessage": "x"}],
}  # fmt: skip
CREATED: dict[str, object] = {
    "propertyId": "CRMPP1260423082100789zJfAuP6ndkE", "accountId": "1", "entityId": DEMO_ENTITY_ID,
    "name": "x", "fieldType": "TEXT", "propertyGroupId": None, "options": [], "isMasked": False,
    "key": None, "createdBy": DEMO_OWNER_KEY, "dateCreated": "2026-04-23T08:20:00.000Z",
    "dateUpdated": "2026-04-23T08:20:00.000Z",
}  # fmt: skip


def delete_one(client: Client) -> object:
    return bulk_delete_records.sync(
        client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
    )


def test_429_waits_exactly_retry_after_and_resends_with_a_fresh_signature() -> None:
    script = Script(reply(429, BUSY, {"Retry-After": "7"}), reply(200, NOT_FOUND_RESULT))
    sleeps: list[float] = []
    result = delete_one(scripted_client(script, sleeps))
    assert isinstance(result, BulkDeletionResult)
    assert sleeps == [7.0]
    headers = script.authorizations()
    assert len(headers) == 2
    assert parse_header(headers[0]).salt != parse_header(headers[1]).salt
    _verified(headers)


def test_without_retry_after_the_backoff_doubles() -> None:
    script = Script(*[reply(503, UNAVAILABLE)] * 3, reply(200, NOT_FOUND_RESULT))
    sleeps: list[float] = []
    delete_one(scripted_client(script, sleeps))
    assert sleeps == [0.5, 1.0, 2.0]  # backoff 0.5 s, jitter pinned to its top


def test_a_create_is_resent_after_a_timeout_and_a_409_then_means_probably_created() -> None:
    request = httpx.Request("POST", "http://crm-core.test")
    script = Script(httpx.ReadTimeout("no answer", request=request), reply(409, DUPLICATED))
    sleeps: list[float] = []
    with pytest.raises(PropertyProbablyCreated) as caught:
        create_property.sync(client=scripted_client(script, sleeps), body=text_property("x"))
    assert caught.value.error_code == "DuplicatedName"
    assert len(script.received) == 2
    assert script.received[0][1] == script.received[1][1]  # the same body, signed afresh
    _verified(script.authorizations())


def test_a_create_is_resent_after_a_503_and_its_success_returned() -> None:
    script = Script(reply(503, UNAVAILABLE), reply(201, CREATED))
    created = create_property.sync(client=scripted_client(script, []), body=text_property("x"))
    assert isinstance(created, EntityProperty)
    assert len(script.received) == 2


def test_a_409_without_an_unknown_attempt_before_is_a_plain_conflict() -> None:
    # A 429 was refused before being applied: the name existed before this call.
    script = Script(reply(429, BUSY), reply(409, DUPLICATED))
    with pytest.raises(CrmCoreError) as caught:
        create_property.sync(client=scripted_client(script, []), body=text_property("x"))
    assert type(caught.value) is CrmCoreError
    assert caught.value.error_code == "DuplicatedName"


def test_a_500_is_not_resent() -> None:
    script = Script(reply(500, FAILURE), reply(201, CREATED))
    with pytest.raises(CrmCoreError) as caught:
        create_property.sync(client=scripted_client(script, []), body=text_property("x"))
    assert caught.value.status_code == 500
    assert len(script.received) == 1


def test_a_connection_never_made_is_retried_without_marking_the_outcome_unknown() -> None:
    request = httpx.Request("POST", "http://crm-core.test")
    script = Script(httpx.ConnectError("refused", request=request), reply(409, DUPLICATED))
    with pytest.raises(CrmCoreError) as caught:
        create_property.sync(client=scripted_client(script, []), body=text_property("x"))
    assert type(caught.value) is CrmCoreError  # never sent: the 409 is a real conflict


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "InvalidAPIKey"), (401, "SignatureDoesNotMatch"), (403, "RequestTimeTooSkewed"),
     (403, "DuplicatedSignature"), (401, "Unauthorized")],
)  # fmt: skip
def test_auth_failures_are_classified_by_error_code_whatever_the_status(
    status: int, code: str
) -> None:
    script = Script(reply(status, {"errorCode": code, "errorMessage": "..."}))
    with pytest.raises(CrmCoreAuthError) as caught:
        create_property.sync(client=scripted_client(script, []), body=text_property("x"))
    assert (caught.value.status_code, caught.value.error_code) == (status, code)
    assert isinstance(caught.value, AuthPluginError)  # one base class for the library


def test_an_undocumented_success_status_is_the_generated_unexpected_status() -> None:
    script = Script(httpx.Response(204))
    with pytest.raises(UnexpectedStatus):
        delete_one(scripted_client(script, []))


def test_retries_are_bounded() -> None:
    script = Script(*[reply(429, BUSY)] * 10)
    sleeps: list[float] = []
    with pytest.raises(CrmCoreError) as caught:
        delete_one(scripted_client(script, sleeps))
    assert caught.value.error_code == "TooManyRequests"
    assert len(script.received) == RetryPolicy().max_retries + 1
    assert len(sleeps) == RetryPolicy().max_retries


def test_async_retries_use_the_async_sleep() -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    script = Script(reply(429, BUSY, {"Retry-After": "3"}), reply(200, NOT_FOUND_RESULT))
    client = create_client(
        DEMO_OWNER_KEY,
        DEMO_OWNER_SECRET,
        base_url="http://crm-core.test",
        retry=RetryPolicy(async_sleep=record),
        async_transport=httpx.MockTransport(script),
    )

    async def call() -> object:
        return await bulk_delete_records.asyncio(
            client=client, body=BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID])
        )

    assert isinstance(asyncio.run(call()), BulkDeletionResult)
    assert slept == [3.0]
    _verified(script.authorizations())
