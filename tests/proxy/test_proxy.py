"""The validating proxy in front of the mock: real clients through it, zero violations.

Everything here goes over HTTP on 127.0.0.1: client -> proxy -> mock. The
mock keeps the contract, so whatever well-behaved client is put in front of
the proxy, it must report nothing; where a client breaks a rule on purpose,
the proxy reports exactly that rule, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_core_client import Client
from crm_core_client.api.properties import create_property
from crm_core_client.api.records import bulk_delete_records
from crm_core_client.models import (
    BulkDeleteRecordsRequest,
    CreateChoicePropertyRequest,
    CreateChoicePropertyRequestChoiceFieldType,
    CreateScalarPropertyRequest,
    CreateScalarPropertyRequestScalarFieldType,
    PropertyOptionInput,
)

from auth_plugin import sign_request
from auth_plugin.client import CrmCoreError, create_client, expect_success
from contract_runner import runner
from mock_server import create_app
from mock_server.fixtures import (
    DEMO_ENTITY_ID,
    DEMO_MEMBER_KEY,
    DEMO_MEMBER_SECRET,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
    DEMO_RECORD_ID,
    load_fixtures,
)
from publishing.code_samples import PRODUCTION, Language, render
from tests.live_mock import RunningMock, RunningProxy, serve, serve_proxy
from tests.publishing.test_code_samples import CASES, SPEC, STATUS_LINE, run_sample

SECOND_RECORD = "CRMRC1260423081530124REC11122234"
UNKNOWN_RECORD = "CRMRC1260423081530999NOPE0000000"


@pytest.fixture
def proxy(mock: RunningMock, tmp_path: Path) -> Iterator[RunningProxy]:
    """The proxy in front of a fresh demo mock, checking the demo keys' signatures too."""
    secrets = {DEMO_OWNER_KEY: DEMO_OWNER_SECRET, DEMO_MEMBER_KEY: DEMO_MEMBER_SECRET}
    with serve_proxy(mock.url, tmp_path / "violations.jsonl", secrets=secrets) as running:
        yield running


def assert_clean(proxy: RunningProxy, requests: int) -> None:
    summary = proxy.summary()
    assert summary["violations"] == 0, proxy.lines()
    assert summary["requests"] == requests
    assert proxy.lines() == []


def test_the_generated_client_through_the_proxy_keeps_the_contract(proxy: RunningProxy) -> None:
    owner = create_client(base_url=proxy.url, api_key=DEMO_OWNER_KEY, api_secret=DEMO_OWNER_SECRET)
    member = create_client(
        base_url=proxy.url, api_key=DEMO_MEMBER_KEY, api_secret=DEMO_MEMBER_SECRET
    )
    soft = BulkDeleteRecordsRequest(record_ids=[DEMO_RECORD_ID, UNKNOWN_RECORD])
    result = expect_success(bulk_delete_records.sync(client=member, body=soft))
    assert (result.deleted_count, result.failed_count) == (1, 1)
    again = expect_success(bulk_delete_records.sync(client=owner, body=soft))
    assert [failure.reason for failure in again.failed] == ["ALREADY_IN_TRASH", "NOT_FOUND"]
    permanent = BulkDeleteRecordsRequest(record_ids=[SECOND_RECORD], permanent=True)
    assert (
        expect_success(bulk_delete_records.sync(client=owner, body=permanent)).date_trash_expires
        is None
    )

    options = [PropertyOptionInput(label="진행 중", value="IN_PROGRESS", priority=1)]
    dropdown = CreateChoicePropertyRequest(
        entity_id=DEMO_ENTITY_ID,
        name="계약 상태",
        field_type=CreateChoicePropertyRequestChoiceFieldType.DROPDOWN,
        options=options,
    )
    assert expect_success(create_property.sync(client=owner, body=dropdown)).name == "계약 상태"
    phone = CreateScalarPropertyRequest(
        entity_id=DEMO_ENTITY_ID,
        name="휴대폰",
        field_type=CreateScalarPropertyRequestScalarFieldType.PHONE,
        is_masked=True,
        key="mobile",
    )
    assert expect_success(create_property.sync(client=owner, body=phone)).is_masked is True
    refusals: list[
        tuple[Client, CreateChoicePropertyRequest | CreateScalarPropertyRequest, str]
    ] = [
        (owner, dropdown, "DuplicatedName"),
        (member, phone, "Forbidden"),
        (
            owner,
            CreateScalarPropertyRequest(
                entity_id="CRMET1260423081530123XYZ11122299",
                name="x",
                field_type=CreateScalarPropertyRequestScalarFieldType.TEXT,
            ),
            "NotFound",
        ),
    ]
    for client, body, error_code in refusals:
        with pytest.raises(CrmCoreError) as raised:
            create_property.sync(client=client, body=body)
        assert raised.value.error_code == error_code
    assert_clean(proxy, requests=8)


#: One example per operation in each language (all of them run against the mock directly).
REFERENCE_CASES = [case for case in CASES if "-referencePage-" in str(case.id)]


@pytest.mark.parametrize(("path", "method", "body", "language"), REFERENCE_CASES)
def test_published_code_samples_through_the_proxy(
    proxy: RunningProxy,
    tmp_path: Path,
    path: str,
    method: str,
    body: dict[str, Any],
    language: Language,
) -> None:
    source = render(language, SPEC, path, method, body).replace(PRODUCTION, proxy.url)
    finished = run_sample(language, source, tmp_path)
    assert finished.returncode == 0, finished.stderr
    status = int(STATUS_LINE.findall(finished.stdout)[0])
    assert 200 <= status < 300, finished.stdout
    assert_clean(proxy, requests=1)


@pytest.mark.parametrize("operation_id", ["bulkDeleteRecords", "createProperty"])
@pytest.mark.parametrize("language", ["python", "curl", "node"])
def test_each_reference_page_sample_through_the_proxy(
    proxy: RunningProxy, tmp_path: Path, operation_id: str, language: str
) -> None:
    from tests.spec.test_seed_samples import run, sample  # reads ../shared/seeds (skips without it)

    output = run(language, sample(operation_id, language, proxy.url), tmp_path)
    assert "errorCode" not in output
    assert_clean(proxy, requests=1)


def test_deliberate_mistakes_are_reported_once_each(proxy: RunningProxy) -> None:
    def post(
        path: str, body: bytes, authorization: list[str], content_type: str = "application/json"
    ) -> int:
        headers = [
            ("Content-Type", content_type),
            *(("Authorization", value) for value in authorization),
        ]
        return httpx.post(proxy.url + path, content=body, headers=headers).status_code

    delete = "/crm-core/v1/records/bulk/delete"
    owner = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
    good = json.dumps({"recordIds": [DEMO_RECORD_ID]}).encode()
    assert post(delete, good, [owner]) == 200
    assert post(delete, good, [owner]) == 403  # replayed
    assert post(delete, good, [sign_request(DEMO_OWNER_KEY, "WRONG")]) == 403
    assert (
        post(delete, b'{"recordIds": []}', [sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)]) == 400
    )
    assert (
        post(delete, good, [sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)], "text/plain") == 415
    )
    assert (
        post(
            "/crm-core/v1/records/bulk/restore",
            good,
            [sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)],
        )
        == 404
    )
    lines = proxy.lines()
    assert [(line["check"], line["status"], line["pointer"]) for line in lines] == [
        ("request.authorization.replay", 403, None),
        ("request.authorization.signature", 403, None),
        ("request.body.schema", 400, "/recordIds"),
        ("request.content-type", 415, None),
        ("request.operation", 404, None),
    ]
    assert len({line["requestId"] for line in lines}) == 5
    assert {line["operation"] for line in lines} == {"bulkDeleteRecords", "(no operation)"}
    summary = proxy.summary()
    assert summary["operations"]["bulkDeleteRecords"] == {
        "requests": 5,
        "violations": {
            "request.authorization.replay": 1,
            "request.authorization.signature": 1,
            "request.body.schema": 1,
            "request.content-type": 1,
        },
    }


def test_a_contract_run_through_the_proxy_finds_no_response_violation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """schemathesis' positive and negative cases, through the proxy to the mock.

    Every answer of the mock must pass the proxy's response checks, and no
    request the proxy calls invalid may have been accepted by the mock.
    """
    fixtures = load_fixtures(runner.CONTRACT_FIXTURES)
    monkeypatch.setenv("SOLAPI_API_KEY", runner.CONTRACT_KEY)
    monkeypatch.setenv("SOLAPI_API_SECRET", runner.CONTRACT_SECRET)
    with (
        serve(create_app(fixtures=fixtures)) as mock,
        serve_proxy(mock.url, tmp_path / "violations.jsonl") as proxy,
    ):
        run = runner.execute(
            [
                "--url",
                proxy.url,
                "--entity-id",
                runner.CONTRACT_ENTITY,
                "--max-examples",
                "10",
                "--reports",
                str(tmp_path),
            ]
        )
        summary = proxy.summary()
    assert run.summary is not None
    assert run.code == 0, run.summary.line()
    assert (
        summary["requests"] >= 200
    )  # a case that cannot be sent (an unencodable header) never reaches it
    # The runner's malformed request (its check of the server's 400) is the proxy's own
    # refusal at the edge, and counts as one; a request breaking more than 50 rules ends
    # its lines with report.truncated; no response violation.
    found = {line["check"] for line in proxy.lines()}
    others = {check for check in found if not check.startswith("request.")}
    assert others <= {"proxy.bad-request", "report.truncated"}, [
        line for line in proxy.lines() if not line["check"].startswith("request.")
    ]
    request_checks = {line["check"] for line in proxy.lines()}
    assert "request.body.schema" in request_checks  # the negative cases were seen
