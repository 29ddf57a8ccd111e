"""The contract model reads the spec once, and what the code retypes from it agrees with it."""

from __future__ import annotations

import re

import pytest

import crm_contract
from auth_plugin import ErrorCode
from mock_server.app import AUTH_MESSAGES, AUTH_STATUS


def test_the_auth_table_and_the_examples_give_each_failure_the_same_status() -> None:
    catalogue = crm_contract.error_catalogue()
    table = crm_contract.auth_failures()
    assert len(table) == 5
    for code, status in table.items():
        assert catalogue[code].status == status, code


def test_the_auth_plugins_error_codes_are_the_specs() -> None:
    """auth_plugin ships without the spec (the client wheel), so its enum is checked here."""
    assert {code.value for code in ErrorCode} == set(crm_contract.auth_failures()) | {
        "TooManyRequests"
    }
    assert crm_contract.error_catalogue()["TooManyRequests"].status == 429


def test_the_mock_answers_each_auth_failure_as_documented() -> None:
    catalogue = crm_contract.error_catalogue()
    for code in ErrorCode:
        assert AUTH_STATUS[code] == catalogue[code.value].status
        assert AUTH_MESSAGES[code] == catalogue[code.value].message


def test_the_error_body_lists_every_documented_error_code() -> None:
    description = crm_contract.document()["components"]["schemas"]["ErrorBody"]["properties"][
        "errorCode"
    ]["description"]
    listed = set(re.findall(r"`([A-Za-z]+)`", description))
    assert listed == set(crm_contract.error_catalogue())


def test_operations_carry_every_documented_status_and_the_document_is_a_fresh_copy() -> None:
    spec = crm_contract.document()
    for (method, path), served in crm_contract.operations().items():
        responses = spec["paths"][path][method.lower()]["responses"]
        assert served.statuses == tuple(sorted(int(code) for code in responses))
        assert served.success_status in served.statuses
    spec["info"]["version"] = "0.0.0"
    assert crm_contract.document()["info"]["version"] == crm_contract.version() != "0.0.0"


def test_error_codes_per_status_add_the_auth_failures_where_they_come() -> None:
    auth = set(crm_contract.auth_failures())
    assert auth <= crm_contract.error_codes("bulkDeleteRecords", 403)
    assert "Forbidden" in crm_contract.error_codes("bulkDeleteRecords", 403)
    assert crm_contract.error_codes("createProperty", 409) == {"DuplicatedName", "DuplicatedKey"}
    assert not auth & crm_contract.error_codes("createProperty", 409)


def test_the_roles_are_those_operations_require_in_the_order_the_prose_gives() -> None:
    assert {op.required_role for op in crm_contract.operations().values()} <= set(
        crm_contract.roles()
    )
    assert "OWNER ranks above MEMBER" in crm_contract.document()["info"]["description"]
    assert crm_contract.role_rank("OWNER") > crm_contract.role_rank("MEMBER")
    with pytest.raises(KeyError):
        crm_contract.role_rank("ADMIN")


def test_the_body_limit_is_the_one_the_413_example_states() -> None:
    limit = crm_contract.max_request_body_bytes()
    message = crm_contract.error_catalogue()["PayloadTooLarge"].message
    assert str(limit) in message
    assert limit == 1024 * 1024  # "1 MiB" in the 413's design note


def test_the_mock_refuses_a_low_role_with_the_operations_own_example_message() -> None:
    for served in crm_contract.operations().values():
        if served.required_role == crm_contract.roles()[0]:
            continue
        message = crm_contract.example_message(served.operation_id, 403, "Forbidden")
        assert served.required_role in message
