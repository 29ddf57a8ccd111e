"""The mock server's rules, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.types import Message

from auth_plugin import HmacAuth, sign_request
from mock_server import create_app
from mock_server.clock import MockClock
from mock_server.fixtures import (
    DEMO_ENTITY_ID,
    DEMO_MEMBER_KEY,
    DEMO_MEMBER_SECRET,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
    DEMO_RECORD_ID,
    default_fixtures,
    parse_fixtures,
)
from mock_server.spec import operation
from tests.live_mock import RunningMock, serve

DELETE = operation("bulkDeleteRecords").path
CREATE = operation("createProperty").path
OTHER_WORKSPACE_RECORD = "CRMRC1260423081530125OTHERREC001"
UNKNOWN_RECORD = "CRMRC1260423081530999NOPE0000000"


def client(
    mock: RunningMock, key: str = DEMO_OWNER_KEY, secret: str = DEMO_OWNER_SECRET
) -> httpx.Client:
    return httpx.Client(base_url=mock.url, auth=HmacAuth(key, secret), timeout=30)


def admin(mock: RunningMock, path: str) -> Any:
    return httpx.get(f"{mock.url}/_mock{path}", timeout=30).json()


def generated_ids(mock: RunningMock, count: int) -> list[str]:
    records = admin(mock, f"/records?entityId={DEMO_ENTITY_ID}&limit={count + 2}&offset=2")[
        "records"
    ]
    return [r["recordId"] for r in records][:count]


def prop(**overrides: Any) -> dict[str, Any]:
    return {"entityId": DEMO_ENTITY_ID, "name": "메모", "fieldType": "TEXT", **overrides}


# --- bulk delete ------------------------------------------------------------------


def test_soft_delete_moves_to_trash_and_keeps_related_rows(mock: RunningMock) -> None:
    before = admin(mock, f"/records/{DEMO_RECORD_ID}")
    with client(mock) as api:
        response = api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID, UNKNOWN_RECORD]})
    assert response.status_code == 200
    body = response.json()
    assert body["permanent"] is False
    assert (body["requestedCount"], body["deletedCount"], body["failedCount"]) == (2, 1, 1)
    assert body["deleted"] == [{"recordId": DEMO_RECORD_ID, "entityId": DEMO_ENTITY_ID}]
    assert body["failed"][0]["recordId"] == UNKNOWN_RECORD
    assert body["failed"][0]["reason"] == "NOT_FOUND"
    deleted_at = datetime.fromisoformat(body["dateDeleted"])
    assert datetime.fromisoformat(body["dateTrashExpires"]) - deleted_at == timedelta(days=14)
    after = admin(mock, f"/records/{DEMO_RECORD_ID}")
    assert after["dateDeleted"] == body["dateDeleted"]
    for related in ("activities", "eventSummaries", "relations"):
        assert after[related] == before[related] > 0


def test_soft_delete_of_a_trashed_record_is_reported(mock: RunningMock) -> None:
    with client(mock) as api:
        api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]})
        body = api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]}).json()
    assert body["deletedCount"] == 0
    assert body["failed"][0]["reason"] == "ALREADY_IN_TRASH"


def test_permanent_delete_removes_records_and_related_rows(mock: RunningMock) -> None:
    stats = admin(mock, "/stats")
    with client(mock, DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET) as api:  # MEMBER may delete
        body = api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID], "permanent": True}).json()
    assert body["permanent"] is True
    assert body["dateTrashExpires"] is None
    assert body["deletedCount"] == 1
    assert httpx.get(f"{mock.url}/_mock/records/{DEMO_RECORD_ID}").status_code == 404
    after = admin(mock, "/stats")
    assert after["records"] == stats["records"] - 1
    assert after["activities"] == stats["activities"] - 3
    assert after["event_summaries"] == stats["event_summaries"] - 2
    assert after["relations"] < stats["relations"]
    assert after["orphans"] == 0


def test_permanent_delete_empties_a_trashed_record(mock: RunningMock) -> None:
    with client(mock) as api:
        api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]})
        body = api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID], "permanent": True}).json()
    assert body["deletedCount"] == 1
    assert admin(mock, "/trash")["count"] == 0


def test_records_of_other_workspaces_are_invisible(mock: RunningMock) -> None:
    with client(mock) as api:
        body = api.post(
            DELETE, json={"recordIds": [OTHER_WORKSPACE_RECORD], "permanent": True}
        ).json()
    assert body["failed"] == [
        {
            "recordId": OTHER_WORKSPACE_RECORD,
            "reason": "NOT_FOUND",
            "errorMessage": "레코드를 찾을 수 없습니다.",
        }
    ]
    assert admin(mock, f"/records/{OTHER_WORKSPACE_RECORD}")["dateDeleted"] is None


def test_a_thousand_ids_in_one_request(mock: RunningMock) -> None:
    ids = generated_ids(mock, 1000)
    with client(mock) as api:
        body = api.post(DELETE, json={"recordIds": ids, "permanent": True}).json()
    assert body["deletedCount"] == 1000
    assert [item["recordId"] for item in body["deleted"]] == ids


def test_trash_is_purged_after_fourteen_days() -> None:
    clock = MockClock(start=datetime(2026, 4, 23, tzinfo=UTC), frozen=True)
    with serve(create_app(clock=clock)) as mock, client(mock) as api:
        api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]})
        advanced = httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 13}).json()
        assert advanced["purged"] == 0
        assert admin(mock, "/trash")["count"] == 1
        advanced = httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 1}).json()
        assert advanced["purged"] == 1
        assert admin(mock, "/trash")["count"] == 0
        assert admin(mock, "/stats")["orphans"] == 0
        # Signatures are still judged by the real clock after the data clock moved.
        assert api.post(DELETE, json={"recordIds": [UNKNOWN_RECORD]}).status_code == 200


def test_a_record_past_its_fourteen_days_in_the_trash_is_gone_without_a_purge() -> None:
    clock = MockClock(start=datetime(2026, 4, 23, tzinfo=UTC), frozen=True)
    with serve(create_app(clock=clock)) as mock, client(mock) as api:
        api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]})
        clock.advance(timedelta(days=14) - timedelta(milliseconds=1))  # not the admin API's purge
        still = api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]}).json()
        assert still["failed"][0]["reason"] == "ALREADY_IN_TRASH"
        clock.advance(timedelta(milliseconds=1))
        for permanent in (False, True):
            body = api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID], "permanent": permanent})
            assert body.json()["failed"][0]["reason"] == "NOT_FOUND"
        stats = admin(mock, "/stats")  # what the admin API shows is purged first
        assert (stats["trash"], stats["orphans"]) == (0, 0)
        assert admin(mock, f"/records/{DEMO_RECORD_ID}") == {
            "errorCode": "NotFound",
            "errorMessage": "레코드를 찾을 수 없습니다.",
        }


# --- create property ----------------------------------------------------------------


def test_create_property_returns_the_property_object(mock: RunningMock) -> None:
    with client(mock) as api:
        response = api.post(
            CREATE, json=prop(fieldType="PHONE", isMasked=True, key="mobile", description="d")
        )
    assert response.status_code == 201
    body = response.json()
    assert body["propertyId"].startswith("CRMPP1")
    assert len(body["propertyId"]) == 32
    assert body["isMasked"] is True
    assert body["key"] == "mobile"
    assert body["options"] == []
    assert body["propertyGroupId"] is None
    assert body["createdBy"] == DEMO_OWNER_KEY
    assert body["dateCreated"].endswith("Z")
    names = [p["name"] for p in admin(mock, f"/properties?entityId={DEMO_ENTITY_ID}")["properties"]]
    assert "메모" in names


def test_is_masked_defaults_to_false_and_description_is_omitted(mock: RunningMock) -> None:
    with client(mock) as api:
        body = api.post(CREATE, json=prop()).json()
    assert body["isMasked"] is False
    assert "description" not in body


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        (prop(fieldType="DROPDOWN"), 400, "ValidationError", "options"),
        (prop(fieldType="DROPDOWN", options=[]), 400, "ValidationError", "options"),
        (
            prop(options=[{"label": "a", "value": "a", "priority": 1}]),
            400,
            "ValidationError",
            "options",
        ),
        (prop(key="1abc"), 400, "ValidationError", "key"),
        (prop(key="recordId"), 400, "ValidationError", "reserved"),
        (prop(isMasked=0), 400, "ValidationError", "isMasked"),
        (prop(fieldType="RICH_TEXT"), 400, "ValidationError", "fieldType"),
        (prop(color="#fff"), 400, "ValidationError", "color"),
        (prop(entityId="CRMET1260423081530123XYZ11122299"), 404, "NotFound", "개체"),
        (prop(entityId="CRMET1260423081530125OTHERENT001"), 404, "NotFound", "개체"),
    ],
)
def test_create_property_refusals(
    mock: RunningMock, body: dict[str, Any], status: int, code: str, words: str
) -> None:
    with client(mock) as api:
        response = api.post(CREATE, json=body)
    assert (response.status_code, response.json()["errorCode"]) == (status, code)
    assert words in response.json()["errorMessage"]


def test_duplicate_name_and_key_conflict(mock: RunningMock) -> None:
    with client(mock) as api:
        assert api.post(CREATE, json=prop(key="memo")).status_code == 201
        name = api.post(CREATE, json=prop(name="메모")).json()
        key = api.post(CREATE, json=prop(name="다른", key="MEMO")).json()
    assert name["errorCode"] == "DuplicatedName"
    assert key["errorCode"] == "DuplicatedKey"


def test_member_cannot_create_a_property(mock: RunningMock) -> None:
    with client(mock, DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET) as api:
        response = api.post(CREATE, json=prop())
    assert response.status_code == 403
    assert response.json() == {"errorCode": "Forbidden", "errorMessage": "OWNER 권한이 필요합니다."}


def test_plan_quota_of_thirty_per_entity(mock: RunningMock) -> None:
    with client(mock) as api:
        statuses = [api.post(CREATE, json=prop(name=f"p{i}")).status_code for i in range(28)]
        refused = api.post(CREATE, json=prop(name="one too many"))
    assert statuses == [201] * 28  # the demo entity starts with 2 properties
    assert refused.status_code == 403
    assert refused.json() == {
        "errorCode": "PlanQuotaExceeded",
        "errorMessage": "개체당 최대 속성 수: 30/30",
    }


def test_quota_is_configurable_in_fixtures() -> None:
    document = {
        "workspaces": [
            {
                "workspaceId": "w",
                "accountId": "1",
                "plan": "STARTER",
                "propertyQuota": 1,
                "apiKeys": [
                    {"apiKey": DEMO_OWNER_KEY, "apiSecret": DEMO_OWNER_SECRET, "role": "OWNER"}
                ],
                "entities": [{"entityId": DEMO_ENTITY_ID}],
            }
        ]
    }
    with serve(create_app(fixtures=parse_fixtures(document))) as mock, client(mock) as api:
        assert api.post(CREATE, json=prop()).status_code == 201
        assert (
            api.post(CREATE, json=prop(name="2")).json()["errorMessage"]
            == "개체당 최대 속성 수: 1/1"
        )


# --- auth, transport-level errors -----------------------------------------------------


def test_auth_failures_use_the_documented_codes(mock: RunningMock) -> None:
    body = {"recordIds": [UNKNOWN_RECORD]}
    with httpx.Client(base_url=mock.url) as raw:
        missing = raw.post(DELETE, json=body)
        assert missing.status_code == 401
        assert missing.json() == {"errorCode": "Unauthorized", "errorMessage": "권한이 없습니다."}
        header = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
        assert raw.post(DELETE, json=body, headers={"Authorization": header}).status_code == 200
        replay = raw.post(DELETE, json=body, headers={"Authorization": header})
        assert replay.json()["errorCode"] == "DuplicatedSignature"
        old = datetime.now(UTC) - timedelta(minutes=16)
        stale = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, date=old.isoformat())
        assert (
            raw.post(DELETE, json=body, headers={"Authorization": stale}).json()["errorCode"]
            == "RequestTimeTooSkewed"
        )
        wrong = sign_request(DEMO_OWNER_KEY, "not-the-secret")
        assert (
            raw.post(DELETE, json=body, headers={"Authorization": wrong}).json()["errorCode"]
            == "SignatureDoesNotMatch"
        )
        unknown = sign_request("NCSUNKNOWNXXXXXX", DEMO_OWNER_SECRET)
        assert (
            raw.post(DELETE, json=body, headers={"Authorization": unknown}).json()["errorCode"]
            == "InvalidAPIKey"
        )


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "BadRequest"),
        (b"", {"Content-Type": "application/json"}, 400, "BadRequest"),
        (b'{"recordIds": []}', {"Content-Type": "text/plain"}, 415, "UnsupportedMediaType"),
        (
            b"[" + b'"x",' * 300_000 + b'"x"]',
            {"Content-Type": "application/json"},
            413,
            "PayloadTooLarge",
        ),
    ],
)
def test_malformed_requests_get_clear_4xx(
    mock: RunningMock, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    with client(mock) as api:
        response = api.post(DELETE, content=content, headers=headers)
    assert (response.status_code, response.json()["errorCode"]) == (status, code)


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(mock: RunningMock) -> None:
    # No Content-Length to refuse up front: the limit must hold while streaming.
    def chunks() -> Iterator[bytes]:
        yield b'{"recordIds": ['
        for _ in range(40):
            yield b'"x",' * 8192  # 32 KiB
        yield b'"x"]}'

    with client(mock) as api:
        response = api.post(DELETE, content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert (response.status_code, response.json()["errorCode"]) == (413, "PayloadTooLarge")


def test_a_client_gone_before_its_body_gets_no_answer_and_changes_nothing() -> None:
    app = create_app()
    before = app.state.mock.store.counts()
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        messages.append(message)

    header = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET).encode()
    scope = {
        "type": "http", "method": "POST", "path": DELETE, "raw_path": DELETE.encode(),
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "asgi": {"version": "3.0"}, "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        "headers": [(b"content-type", b"application/json"), (b"authorization", header)],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert messages == []
    assert app.state.mock.store.counts() == before


def test_unknown_path_and_method(mock: RunningMock) -> None:
    assert httpx.get(f"{mock.url}/crm-core/v1/nothing").json()["errorCode"] == "NotFound"
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = httpx.request(method, f"{mock.url}{DELETE}")
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.json()["errorCode"] == "MethodNotAllowed"
    # Only the operations' exact paths: no redirect for a trailing slash.
    slash = httpx.post(f"{mock.url}{CREATE}/", json={})
    assert (slash.status_code, slash.json()["errorCode"]) == (404, "NotFound")


def test_state_survives_a_restart_with_a_database_file(tmp_path: Any) -> None:
    db = tmp_path / "state.sqlite"
    with serve(create_app(db_path=db)) as mock, client(mock) as api:
        api.post(DELETE, json={"recordIds": [DEMO_RECORD_ID]})
        api.post(CREATE, json=prop(name="kept"))
    with serve(create_app(db_path=db)) as mock:
        assert admin(mock, f"/records/{DEMO_RECORD_ID}")["dateDeleted"] is not None
        assert "kept" in [p["name"] for p in admin(mock, "/properties")["properties"]]
        httpx.post(f"{mock.url}/_mock/reset")
        assert admin(mock, f"/records/{DEMO_RECORD_ID}")["dateDeleted"] is None


def test_request_log_has_no_secrets(mock: RunningMock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="mock_server")
    with client(mock) as api:
        api.post(DELETE, json={"recordIds": [UNKNOWN_RECORD]})
        api.post(CREATE, json=prop(fieldType="NOPE"))
    lines = [r.getMessage() for r in caplog.records if r.name == "mock_server"]
    assert any(line.startswith(f"POST {DELETE} 200 -") for line in lines)
    assert any(line.startswith(f"POST {CREATE} 400 ValidationError") for line in lines)
    assert DEMO_OWNER_SECRET not in caplog.text
    assert "signature=" not in caplog.text


def test_default_fixtures_parse() -> None:
    fixtures = default_fixtures()
    assert fixtures.workspaces[0].api_keys[0].api_key == DEMO_OWNER_KEY
