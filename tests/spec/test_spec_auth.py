"""The security scheme as a partner reads it: the worked example and the auth-failure statuses."""

from __future__ import annotations

import pytest

from auth_plugin import ErrorCode, compute_signature, sign_request
from auth_plugin.header import parse_date
from hmac_verifier import Verifier
from mock_server.app import AUTH_STATUS
from tests.spec_tables import auth_statuses, spec, worked_example

AUTH_CODES = {code.value for code in ErrorCode if code is not ErrorCode.TOO_MANY_REQUESTS}


def test_the_worked_example_is_what_the_signer_produces() -> None:
    example = worked_example()
    assert example["signed"] == example["date"] + example["salt"]
    header = sign_request(
        example["key"], example["secret"], date=example["date"], salt=example["salt"]
    )
    assert header == example["header"]
    signature = compute_signature(example["secret"], example["date"], example["salt"])
    assert example["header"].endswith(f"signature={signature}")


def test_the_worked_example_verifies_at_its_own_date() -> None:
    example = worked_example()
    verifier = Verifier(
        {example["key"]: example["secret"]}.get, clock=lambda: parse_date(example["date"])
    )
    assert verifier.verify(example["header"]).api_key == example["key"]


@pytest.mark.parametrize("scheme", ["hmac-sha256", "Hmac-Sha256", "HMAC-SHA256"])
def test_the_scheme_name_is_matched_case_insensitively(scheme: str) -> None:
    example = worked_example()
    header = example["header"].replace("HMAC-SHA256", scheme, 1)
    verifier = Verifier(
        {example["key"]: example["secret"]}.get,
        clock=lambda: parse_date(example["date"]),
    )
    assert verifier.verify(header).api_key == example["key"]


def test_the_table_lists_every_auth_failure_and_the_mock_answers_it() -> None:
    table = auth_statuses()
    assert set(table) == AUTH_CODES
    assert {
        code.value: status for code, status in AUTH_STATUS.items() if code.value in table
    } == table


@pytest.mark.parametrize("code", sorted(AUTH_CODES))
def test_each_auth_failure_is_documented_under_its_status_for_every_operation(code: str) -> None:
    status = str(auth_statuses()[code])
    responses = spec()["components"]["responses"]
    for path, item in spec()["paths"].items():
        for operation in item.values():
            documented = operation["responses"][status]
            response = responses[documented["$ref"].rsplit("/", 1)[1]]
            examples = response["content"]["application/json"]["examples"]
            codes = {example["value"]["errorCode"] for example in examples.values()}
            assert code in codes, f"{path} {status}: no {code} example"
