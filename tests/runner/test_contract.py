"""The contract run in the test suite: a bounded schemathesis run, and a negative suite.

The bounded run uses the same runner as `nox -s contract`; the deep run is
`nox -s contract -- --deep`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from auth_plugin import HmacAuth, sign_request
from contract_runner import runner
from contract_runner.common import BULK_DELETE, CREATE_PROPERTY
from mock_server import create_app
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET, load_fixtures
from tests.live_mock import RunningMock, serve
from tests.recording_server import Reply, recording_server
from tests.spec_tables import auth_statuses

DEMO_DEAL_ENTITY_ID = "CRMET1260423081530124DEAL1112223"
KEY, SECRET = runner.CONTRACT_KEY, runner.CONTRACT_SECRET
ENTITY = runner.CONTRACT_ENTITY
DELETE = BULK_DELETE.path
CREATE = CREATE_PROPERTY.path


def test_bounded_contract_run_has_no_failures(tmp_path: Path) -> None:
    run = runner.execute(["--max-examples", "25", "--reports", str(tmp_path)])
    assert run.summary is not None
    assert run.code == 0, run.summary.line()
    assert run.summary.cases >= 200
    assert run.summary.failed == 0
    assert not run.summary.failures_by_check
    assert (tmp_path / "junit.xml").exists()
    har = (tmp_path / "requests.har.json").read_text(encoding="utf-8")
    assert SECRET not in har
    assert "signature=" not in har  # Authorization values are filtered
    # The coverage report (issue 29): every declared status and documented errorCode of both
    # operations reached, and each one the mock cannot show named with its reason.
    report = json.loads((tmp_path / "coverage.json").read_text(encoding="utf-8"))
    assert report["findings"] == []
    for op in (BULK_DELETE.operation_id, CREATE_PROPERTY.operation_id):
        for dimension in ("statuses", "errorCodes", "states", "requestValues", "branches"):
            block = report["operations"][op]["dimensions"][dimension]
            for row in block["items"]:
                assert row["seen"] or row.get("unreachable"), (op, dimension, row["item"])
            assert block["covered"] == block["reachable"], (op, dimension)
    unreachable = {
        row["item"]
        for op in report["operations"].values()
        for row in op["dimensions"]["statuses"]["items"]
        if "unreachable" in row
    }
    assert unreachable == {"500"}
    assert (tmp_path / "coverage.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    traffic = (tmp_path / "traffic.jsonl").read_text(encoding="utf-8")
    assert SECRET not in traffic
    assert "contract-member-secret" not in traffic


JUNIT_WITH_FAILURES = """<?xml version="1.0" encoding="utf-8"?>
<testsuites errors="1" failures="2" skipped="0" tests="2" time="1.0">
  <testsuite name="schemathesis" errors="1" failures="2" skipped="0" tests="2" time="1.0">
    <testcase name="POST /crm-core/v1/records/bulk/delete" time="0.5">
      <failure type="failure" message="ST101, ST202">1. Test Case ID: a</failure>
      <failure type="failure" message="ST202">2. Test Case ID: b</failure>
    </testcase>
    <testcase name="POST /crm-core/v1/properties" time="0.5">
      <error type="error" message="Network error">connection refused</error>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_failures_per_check_are_read_from_the_junit_report(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT_WITH_FAILURES, encoding="utf-8")
    failed, by_check = runner.read_junit(report)
    assert failed == 3
    assert by_check == {"ST202": 2, "ST101": 1, "error": 1}
    chunk = runner.Chunk(0, 1, 10, "fuzzing", tmp_path)
    result = runner.ChunkResult(chunk, 1, 40, failed, by_check, 1.0, "")
    summary = runner.summarize([result, result], 2.5)
    assert summary.line() == (
        "contract summary: 80 cases, 6 failed in 2 run(s); "
        "failures by check: ST101: 2, ST202: 4, error: 2; wall time 2.5 s"
    )


def test_a_local_run_without_entity_id_finds_the_entity_through_the_admin_api(
    contract_mock: RunningMock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOLAPI_API_KEY", KEY)
    monkeypatch.setenv("SOLAPI_API_SECRET", SECRET)
    run = runner.execute(
        ["--url", contract_mock.url, "--max-examples", "5", "--reports", str(tmp_path)]
    )
    output = capsys.readouterr().out
    assert f"entity: {ENTITY} (고객, no quota; from /_mock/entities)" in output
    assert run.summary is not None
    assert (run.code, run.summary.failed) == (0, 0), output[-3000:]


def test_a_nearly_full_entity_is_announced_with_its_quota(
    mock: RunningMock, capsys: pytest.CaptureFixture[str]
) -> None:
    # The demo workspace (Starter plan, 30 per entity): the emptier entity wins.
    entity = runner.discover_entity(mock.url, DEMO_OWNER_KEY)
    assert entity == runner.EntityChoice(DEMO_DEAL_ENTITY_ID, "거래", 30, 0)
    text = "\n".join(runner.describe_entity(entity))
    assert "0/30 properties" in text
    assert "room for 30 more properties only" in text
    assert DEMO_OWNER_SECRET not in text


def test_without_entity_id_or_admin_api_the_run_explains_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAPI_API_KEY", KEY)
    monkeypatch.setenv("SOLAPI_API_SECRET", SECRET)
    with recording_server([Reply(404, {"errorCode": "NotFound"})]) as server:
        code = runner.main(["--url", server.url, "--reports", str(tmp_path)])
        paths = [request.path for request in server.received]
    assert code == 2
    assert "--entity-id CRMET" in capsys.readouterr().err
    assert paths == [f"/_mock/entities?apiKey={KEY}"]  # the probe only: no case was sent


@pytest.fixture
def contract_mock() -> Iterator[RunningMock]:
    with serve(create_app(fixtures=load_fixtures(runner.CONTRACT_FIXTURES))) as running:
        yield running


# (path, body, status, errorCode, where the message starts and which rule it names)
REFUSED = [
    (DELETE, {"recordIds": [f"CRMRC1260423081530123{i:011d}" for i in range(1001)]}, 400, "ValidationError", ("recordIds:", "(too_long)")),
    (DELETE, {"recordIds": []}, 400, "ValidationError", ("recordIds:", "(too_short)")),
    (DELETE, {"recordIds": ["CRMRC1260423081530123REC11122233"] * 2}, 400, "ValidationError", ("recordIds[1]:", "(uniqueItems)")),
    (DELETE, {"recordIds": ["CRMRC1260423081530123REC11122233"], "permanent": "yes"}, 400, "ValidationError", ("permanent:", "(bool_type)")),
    (DELETE, {"recordIds": ["CRMRC1260423081530123REC11122233"], "extra": 1}, 400, "ValidationError", ("extra:", "(extra_forbidden)")),
    (CREATE, {"entityId": ENTITY, "name": "x", "fieldType": "TEXT", "options": [{"label": "a", "value": "a", "priority": 1}]}, 400, "ValidationError", ("options (fieldType TEXT):", "(extra_forbidden)")),
    (CREATE, {"entityId": ENTITY, "name": "x", "fieldType": "DROPDOWN"}, 400, "ValidationError", ("options (fieldType DROPDOWN):", "(missing)")),
    (CREATE, {"entityId": ENTITY, "name": "x", "fieldType": "RADIO", "options": []}, 400, "ValidationError", ("options (fieldType RADIO):", "(too_short)")),
    (CREATE, {"entityId": ENTITY, "name": "x", "fieldType": "TEXT", "isMasked": 0}, 400, "ValidationError", ("isMasked (fieldType TEXT):", "(bool_type)")),
    (CREATE, {"entityId": ENTITY, "name": "x", "fieldType": "TEXT", "key": "a-b"}, 400, "ValidationError", ("key (fieldType TEXT):", "(string_pattern_mismatch)")),
    (CREATE, {"entityId": ENTITY, "name": "x", "fieldType": "TEXT", "key": "a" * 64}, 400, "ValidationError", ("key (fieldType TEXT):", "(string_too_long)")),
    (CREATE, {"entityId": "CRMET1260423081530123XYZ11122299", "name": "x", "fieldType": "TEXT"}, 404, "NotFound", ("개체를 찾을 수 없습니다: CRMET1260423081530123XYZ11122299", "")),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "status", "code", "rule"), REFUSED)
def test_what_the_api_refuses_the_mock_refuses_for_the_right_rule(
    contract_mock: RunningMock,
    path: str,
    body: object,
    status: int,
    code: str,
    rule: tuple[str, str],
) -> None:
    with httpx.Client(base_url=contract_mock.url, auth=HmacAuth(KEY, SECRET)) as api:
        response = api.post(path, json=body)
    assert (response.status_code, response.json()["errorCode"]) == (status, code)
    message = response.json()["errorMessage"]
    where, which = rule
    assert message.startswith(where), message
    assert message.endswith(which), message


def test_member_creating_a_property_is_forbidden() -> None:
    # The demo fixtures have a MEMBER key; the contract fixtures only an OWNER.
    with (
        serve(create_app()) as demo,
        httpx.Client(
            base_url=demo.url, auth=HmacAuth("NCSMEMBERXXXXXXX", "YOUR_MEMBER_SECRET")
        ) as api,
    ):
        response = api.post(CREATE, json={"entityId": ENTITY, "name": "x", "fieldType": "TEXT"})
    assert (response.status_code, response.json()["errorCode"]) == (403, "Forbidden")


@pytest.mark.parametrize(
    ("make_header", "code"),
    [
        (lambda: None, "Unauthorized"),
        (lambda: "Bearer token", "Unauthorized"),
        (lambda: sign_request(KEY, SECRET, date=(datetime.now(UTC) - timedelta(minutes=16)).isoformat()), "RequestTimeTooSkewed"),
        (lambda: sign_request(KEY, SECRET, date=(datetime.now(UTC) + timedelta(minutes=16)).isoformat()), "RequestTimeTooSkewed"),
        (lambda: sign_request(KEY, "wrong"), "SignatureDoesNotMatch"),
        (lambda: sign_request("NCSNOTAKEYXXXXXX", SECRET), "InvalidAPIKey"),
        (lambda: sign_request(KEY, SECRET, salt="short"), "Unauthorized"),
    ],
)  # fmt: skip
def test_auth_refusals(
    contract_mock: RunningMock, make_header: Callable[[], str | None], code: str
) -> None:
    header = make_header()
    headers = {"Authorization": header} if header else {}
    response = httpx.post(
        f"{contract_mock.url}{DELETE}",
        json={"recordIds": [ENTITY.replace("CRMET", "CRMRC")]},
        headers=headers,
    )
    expected = auth_statuses()[code]  # the spec's table, not the mock's own mapping
    assert (response.status_code, response.json()["errorCode"]) == (expected, code)


def test_replayed_signature_is_refused(contract_mock: RunningMock) -> None:
    header = sign_request(KEY, SECRET)
    body = {"recordIds": ["CRMRC1260423081530999NOPE0000000"]}
    first = httpx.post(f"{contract_mock.url}{DELETE}", json=body, headers={"Authorization": header})
    second = httpx.post(
        f"{contract_mock.url}{DELETE}", json=body, headers={"Authorization": header}
    )
    assert first.status_code == 200
    duplicated = (auth_statuses()["DuplicatedSignature"], "DuplicatedSignature")
    assert (second.status_code, second.json()["errorCode"]) == duplicated


LIVE_URL = os.environ.get("CRM_CORE_LIVE_URL")


@pytest.mark.live
@pytest.mark.skipif(
    not (LIVE_URL and os.environ.get("SOLAPI_API_KEY") and os.environ.get("SOLAPI_API_SECRET")),
    reason="live server not configured: set CRM_CORE_LIVE_URL, SOLAPI_API_KEY, SOLAPI_API_SECRET",
)
def test_live_server_honours_the_contract(tmp_path: Path) -> None:
    assert LIVE_URL is not None
    code = runner.main(["--url", LIVE_URL, "--max-examples", "25", "--reports", str(tmp_path)])
    assert code == 0
