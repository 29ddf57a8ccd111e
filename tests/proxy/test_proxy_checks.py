"""The validating proxy's pure layer: what it reads from openapi.yaml, and each check on its own."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import crm_contract
from auth_plugin import ErrorCode
from auth_plugin.signing import sign_request
from mock_server.fixtures import DEMO_ENTITY_ID, DEMO_OWNER_KEY, DEMO_OWNER_SECRET, DEMO_RECORD_ID
from tests.spec_tables import response_example
from validating_proxy.authorization import AuthorizationChecker, ReplayBudgetSpent
from validating_proxy.checks import RequestVerdict, check_request, check_response
from validating_proxy.contract import load_contract

NOW = datetime(2026, 4, 23, 8, 20, tzinfo=UTC)
DELETE = "/crm-core/v1/records/bulk/delete"
CREATE = "/crm-core/v1/properties"
CONTRACT = load_contract()


def header(
    date: str = "2026-04-23T08:15:30Z",
    salt: str = "0123456789abcdef",
    secret: str = DEMO_OWNER_SECRET,
) -> str:
    return sign_request(DEMO_OWNER_KEY, secret, date=date, salt=salt)


def checker(secrets: dict[str, str] | None = None) -> AuthorizationChecker:
    return AuthorizationChecker(secrets, clock=lambda: NOW)


def request(
    path: str = DELETE,
    body: object = None,
    *,
    raw: bytes | None = None,
    method: str = "POST",
    content_type: str | None = "application/json",
    authorization: list[str] | None = None,
    auth: AuthorizationChecker | None = None,
) -> RequestVerdict:
    if raw is None:
        raw = json.dumps({"recordIds": [DEMO_RECORD_ID]} if body is None else body).encode()
    return check_request(
        CONTRACT,
        auth or checker(),
        method=method,
        path=path,
        content_type=content_type,
        authorization_values=[header()] if authorization is None else authorization,
        body=raw,
    )


def found(verdict: RequestVerdict) -> list[tuple[str, str | None]]:
    return [(v.check, v.pointer) for v in verdict.violations]


# --- what the contract says -----------------------------------------------------------


def test_every_operation_of_the_spec_is_read() -> None:
    spec = crm_contract.document()
    expected = {
        (m.upper(), p): op["operationId"]
        for p, item in spec["paths"].items()
        for m, op in item.items()
    }
    assert {key: op.operation_id for key, op in CONTRACT.operations.items()} == expected
    for (method, path), operation in CONTRACT.operations.items():
        statuses = {int(code) for code in spec["paths"][path][method.lower()]["responses"]}
        assert set(operation.responses) == statuses


def test_the_error_codes_are_those_the_error_body_lists() -> None:
    description = crm_contract.document()["components"]["schemas"]["ErrorBody"]["properties"][
        "errorCode"
    ]["description"]
    listed = set(re.findall(r"`([A-Za-z]+)`", description))
    assert len(listed) == 16
    assert listed == CONTRACT.error_codes


def test_the_auth_table_holds_the_authentication_error_codes() -> None:
    expected = {code.value for code in ErrorCode} - {ErrorCode.TOO_MANY_REQUESTS.value}
    assert expected == CONTRACT.auth_error_codes


def test_error_codes_per_status_are_the_examples_plus_auth_failures() -> None:
    create = CONTRACT.find("POST", CREATE)
    assert create is not None
    assert create.responses[409].error_codes == {"DuplicatedName", "DuplicatedKey"}
    assert create.responses[404].error_codes == {"NotFound"}
    assert create.responses[429].error_codes == {"TooManyRequests"}
    assert create.responses[201].error_codes == frozenset()
    for status in crm_contract.auth_failure_statuses():
        assert CONTRACT.auth_error_codes <= create.responses[status].error_codes
    assert "PlanQuotaExceeded" in create.responses[403].error_codes
    delete = CONTRACT.find("POST", DELETE)
    assert delete is not None
    assert "PlanQuotaExceeded" not in delete.responses[403].error_codes
    assert delete.responses[429].headers["retry-after"][0]["type"] == "integer"


# --- requests -------------------------------------------------------------------------


def test_a_valid_request_has_no_violations() -> None:
    assert found(request()) == []
    body = {
        "entityId": DEMO_ENTITY_ID,
        "name": "상태",
        "fieldType": "RADIO",
        "options": [{"label": "a", "value": "A", "priority": 1}],
    }
    assert found(request(CREATE, body)) == []


@pytest.mark.parametrize(
    ("method", "path", "actual"),
    [
        ("POST", "/crm-core/v1/records", "POST /crm-core/v1/records"),
        ("GET", DELETE, "GET"),
        ("POST", DELETE + "/", f"POST {DELETE}/"),
    ],
)
def test_an_unknown_operation_is_one_violation(method: str, path: str, actual: str) -> None:
    verdict = request(path, method=method)
    assert verdict.operation is None
    assert [(v.check, v.actual) for v in verdict.violations] == [("request.operation", actual)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"recordIds": []}, [("request.body.schema", "/recordIds", "minItems: 1")]),
        (
            {"recordIds": [DEMO_RECORD_ID] * 2},
            [("request.body.schema", "/recordIds", "uniqueItems: true")],
        ),
        (
            {"recordIds": [DEMO_RECORD_ID], "permanent": 0},
            [("request.body.schema", "/permanent", "type: boolean")],
        ),
        (
            {"recordIds": [DEMO_RECORD_ID], "force": True},
            [("request.body.schema", "/force", "no such field (additionalProperties: false)")],
        ),
        ({}, [("request.body.schema", "/recordIds", "a value (required)")]),
        (
            {
                "entityId": DEMO_ENTITY_ID,
                "name": "x",
                "fieldType": "DROPDOWN",
                "options": [{"label": "a", "value": "A", "priority": "1"}],
            },
            [("request.body.schema", "/options/0/priority", "type: integer")],
        ),
        (
            {"entityId": DEMO_ENTITY_ID, "name": "x", "fieldType": "TEXT", "options": []},
            [("request.body.schema", "/options", "no such field (additionalProperties: false)")],
        ),
        (
            {"entityId": DEMO_ENTITY_ID, "name": "x", "fieldType": "RADIO"},
            [("request.body.schema", "/options", "a value (required)")],
        ),
        (
            {"entityId": DEMO_ENTITY_ID, "name": "x"},
            [("request.body.schema", "/fieldType", "a value (required)")],
        ),
    ],
)
def test_each_broken_rule_is_one_violation_at_its_pointer(
    body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    path = CREATE if "entityId" in body else DELETE
    verdict = request(path, body)
    assert [(v.check, v.pointer, v.expected) for v in verdict.violations] == expected
    assert verdict.must_be_refused


def test_an_unknown_field_type_names_the_choices() -> None:
    verdict = request(CREATE, {"entityId": DEMO_ENTITY_ID, "name": "x", "fieldType": "COLOR"})
    [violation] = verdict.violations
    assert (violation.check, violation.pointer, violation.actual) == (
        "request.body.schema",
        "/fieldType",
        '"COLOR"',
    )
    assert "DROPDOWN" in violation.expected
    assert "TEXT" in violation.expected


def test_several_broken_rules_each_have_a_line() -> None:
    verdict = request(DELETE, {"recordIds": ["short"], "permanent": "yes"})
    assert sorted(found(verdict)) == [
        ("request.body.schema", "/permanent"),
        ("request.body.schema", "/recordIds/0"),
        ("request.body.schema", "/recordIds/0"),
    ]
    assert {
        v.expected.split(":")[0] for v in verdict.violations if v.pointer == "/recordIds/0"
    } == {"minLength", "pattern"}


def test_not_json_duplicate_keys_and_media_type() -> None:
    assert found(request(raw=b"{not json")) == [("request.body.json", "")]
    assert found(request(raw=b"")) == [("request.body.json", "")]
    assert found(request(raw=b'\xff{"a":1}')) == [("request.body.json", "")]
    duplicated = (
        f'{{"recordIds": ["{DEMO_RECORD_ID}"], "permanent": false, "permanent": true}}'
    ).encode()
    assert found(request(raw=duplicated)) == [("request.body.duplicate-key", None)]
    assert found(request(content_type="text/plain")) == [("request.content-type", None)]
    assert found(request(content_type=None)) == [("request.content-type", None)]
    assert found(request(content_type="application/json; charset=utf-8")) == []


# --- Authorization --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ([], "missing"),
        ([header(), header(salt="another-salt-123")], "multiple"),
        (["Bearer abc"], "header"),
        (["HMAC-SHA256 apiKey=K, date=D, salt=S"], "header"),
        ([header(salt="short")], "salt"),
        ([header(date="2026-04-23T08:15:30")], "date"),
        ([header(date="2026-04-23T07:50:00Z")], "skew"),
        ([header(date="2026-04-23T08:40:00+00:00")], "skew"),
        (
            [
                "HMAC-SHA256 apiKey=K, date=2026-04-23T08:15:30Z, salt=0123456789abcdef, signature=XYZ"
            ],
            "signature",
        ),
        ([header().upper().replace("HMAC-SHA256 APIKEY", "HMAC-SHA256 apiKey")], "header"),
    ],
)
def test_each_authorization_rule(values: list[str], rule: str) -> None:
    assert found(request(authorization=values)) == [(f"request.authorization.{rule}", None)]


def test_the_signature_is_checked_only_with_the_secret() -> None:
    wrong = header(secret="NOT_THE_SECRET")
    assert found(request(authorization=[wrong])) == []
    with_secret = checker({DEMO_OWNER_KEY: DEMO_OWNER_SECRET})
    assert found(request(authorization=[wrong], auth=with_secret)) == [
        ("request.authorization.signature", None)
    ]
    assert found(request(authorization=[header()], auth=with_secret)) == []
    assert (
        found(request(authorization=[header(date="2026-04-23T17:15:30+09:00")], auth=with_secret))
        == []
    )


def test_a_replayed_signature_is_reported_once_per_replay() -> None:
    auth = checker({DEMO_OWNER_KEY: DEMO_OWNER_SECRET})
    value = header()
    assert found(request(authorization=[value], auth=auth)) == []
    assert found(request(authorization=[value], auth=auth)) == [
        ("request.authorization.replay", None)
    ]
    assert found(request(authorization=[value], auth=auth)) == [
        ("request.authorization.replay", None)
    ]
    assert found(request(authorization=[header(salt="fedcba9876543210")], auth=auth)) == []


def test_skew_and_replay_do_not_mean_the_server_must_refuse() -> None:
    assert not request(authorization=[header(date="2026-04-23T07:50:00Z")]).must_be_refused
    assert request(authorization=[]).must_be_refused


def test_no_violation_holds_the_header_or_the_signature() -> None:
    value = header(secret="NOT_THE_SECRET", salt="x" * 100)
    signature = value.rsplit("=", 1)[1]
    verdict = request(authorization=[value], auth=checker({DEMO_OWNER_KEY: DEMO_OWNER_SECRET}))
    assert verdict.violations
    text = json.dumps([v.__repr__() for v in verdict.violations])
    assert signature not in text
    assert DEMO_OWNER_SECRET not in text


# --- responses ------------------------------------------------------------------------

DELETED = response_example("bulkDeleteRecords", 200, "softDelete")


def respond(
    status: int,
    body: object,
    *,
    verdict: RequestVerdict | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> list[tuple[str, str | None]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    violations = check_response(
        verdict or request(),
        contract=CONTRACT,
        status=status,
        content_type=content_type,
        headers=headers or {},
        body=raw,
    )
    return [(v.check, v.pointer) for v in violations]


def test_documented_responses_have_no_violations() -> None:
    assert respond(200, DELETED) == []
    assert (
        respond(
            200,
            {
                **DELETED,
                "newField": 1,
                "failed": [
                    {"recordId": DEMO_RECORD_ID, "reason": "NEW_REASON", "errorMessage": "?"}
                ],
            },
        )
        == []
    )
    assert respond(403, {"errorCode": "Forbidden", "errorMessage": "x"}) == []
    assert respond(401, {"errorCode": "InvalidAPIKey", "errorMessage": "x"}) == []
    assert (
        respond(
            429,
            {"errorCode": "TooManyRequests", "errorMessage": "x"},
            headers={"retry-after": "30"},
        )
        == []
    )


def test_response_violations() -> None:
    assert respond(418, {}) == [("response.status", None)]
    assert respond(201, {}) == [("response.status", None)]
    missing = {k: v for k, v in DELETED.items() if k != "deletedCount"}
    assert respond(200, missing) == [("response.body.schema", "/deletedCount")]
    assert respond(200, {**DELETED, "deletedCount": "1"}) == [
        ("response.body.schema", "/deletedCount")
    ]
    assert respond(200, {**DELETED, "dateDeleted": "yesterday"}) == [
        ("response.body.schema", "/dateDeleted")
    ]
    assert respond(200, b"<html>") == [("response.body.json", "")]
    assert respond(200, DELETED, content_type="text/html") == [("response.content-type", None)]
    assert respond(400, {"errorCode": "Oops", "errorMessage": "x"}) == [
        ("response.error-code.unknown", "/errorCode")
    ]
    assert respond(400, {"errorCode": "DuplicatedName", "errorMessage": "x"}) == [
        ("response.error-code.status", "/errorCode")
    ]
    assert respond(400, {"errorMessage": "x"}) == [("response.body.schema", "/errorCode")]
    assert respond(
        429, {"errorCode": "TooManyRequests", "errorMessage": "x"}, headers={"retry-after": "soon"}
    ) == [("response.header", None)]
    assert respond(
        429, {"errorCode": "TooManyRequests", "errorMessage": "x"}, headers={"retry-after": "-1"}
    ) == [("response.header", None)]


def test_a_success_for_a_request_that_must_be_refused() -> None:
    invalid = request(DELETE, {"recordIds": []})
    assert respond(200, DELETED, verdict=invalid) == [("response.accepted-invalid-request", None)]
    assert (
        respond(400, {"errorCode": "ValidationError", "errorMessage": "x"}, verdict=invalid) == []
    )
    skewed = request(authorization=[header(date=(NOW - timedelta(minutes=20)).isoformat())])
    assert respond(200, DELETED, verdict=skewed) == []


def test_a_response_to_no_operation_is_not_checked() -> None:
    assert respond(404, b"plain text", verdict=request("/nowhere")) == []


def test_a_key_without_a_secret_keeps_no_state() -> None:
    """Anyone can make up API keys: remembering their signatures would let a client grow the
    proxy's memory without bound (issue 28). Only verified signatures are kept."""
    auth = checker({DEMO_OWNER_KEY: DEMO_OWNER_SECRET})
    for number in range(200):
        made_up = sign_request(f"NCSMADEUP{number:07d}", "x", date="2026-04-23T08:15:30Z")
        assert found(request(authorization=[made_up], auth=auth)) == []
    assert auth.remembered == 0
    assert found(request(authorization=[header()], auth=auth)) == []
    assert auth.remembered == 1


def test_a_key_past_its_replay_budget_is_refused_and_nothing_is_forgotten() -> None:
    auth = AuthorizationChecker(
        {DEMO_OWNER_KEY: DEMO_OWNER_SECRET}, clock=lambda: NOW, replay_budget=2
    )
    first, second = header(salt="a" * 16), header(salt="b" * 16)
    assert found(request(authorization=[first], auth=auth)) == []
    assert found(request(authorization=[second], auth=auth)) == []
    with pytest.raises(ReplayBudgetSpent) as spent:
        request(authorization=[header(salt="c" * 16)], auth=auth)
    assert 1 <= spent.value.retry_after <= 15 * 60 + 1
    # Both remembered signatures are still refused as replays at the bound.
    assert found(request(authorization=[first], auth=auth)) == [
        ("request.authorization.replay", None)
    ]
