"""The partner-generator matrix's own parts: what it expects a client to read, the future server.

The matrix itself (every generator generating, building and calling) is ``nox -s partners``,
which CI runs after the test suite; these tests keep its checks honest.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

import crm_contract
from http_edge.serving import serve_in_thread
from partners.__main__ import main as partners_main
from partners.future_server import (
    FUTURE_FIELD_TYPE,
    FUTURE_REASON,
    create_future_app,
    future_deletion,
    future_property,
)
from partners.generators import GENERATORS
from partners.matrix import Plan, check_observations, expected_observations, table
from publishing.client_guide import pinned_versions

PLAN = Plan(
    base_url="http://127.0.0.1:1", future_url="http://127.0.0.1:2",
    entity_id="CRMET1260423081530123PRT11122233",
    trash_first="CRMRC1260423081530123REC11122233", soft="CRMRC1260423081530124REC11122234",
    permanent="CRMRC1260423081530125REC11122235", dropdown_name="계약 상태 0", text_name="메모 0",
)  # fmt: skip


def observed() -> dict[str, Any]:
    """What a working consumer prints: the expectations, plus the created ids."""
    observations = copy.deepcopy(expected_observations(PLAN))
    observations["dropdown"]["propertyId"] = "CRMPP1260423082000456AbCdEfGh123"
    observations["text"]["propertyId"] = "CRMPP1260423082100789zJfAuP6ndkE"
    return observations


def test_a_consumer_that_read_everything_passes() -> None:
    assert check_observations(observed(), PLAN) == []


@pytest.mark.parametrize(
    ("call", "key", "value"),
    [
        ("soft", "failed", [{"recordId": PLAN.unknown, "reason": "NOT_FOUND"}]),
        ("permanent", "dateTrashExpires", "2026-05-07T08:20:00.000Z"),
        ("conflict", "errorCode", ""),
        ("futureDelete", "reasons", []),
        ("futureProperty", "fieldType", "TEXT"),
        ("dropdown", "propertyId", "not-an-id"),
    ],
)
def test_each_wrong_reading_is_named(call: str, key: str, value: Any) -> None:
    observations = observed()
    observations[call][key] = value
    problems = check_observations(observations, PLAN)
    assert len(problems) == 1
    assert problems[0].startswith(f"{call}.{key}")


def test_a_consumer_that_printed_nothing_for_a_call_fails() -> None:
    observations = observed()
    del observations["futureProperty"]
    assert check_observations(observations, PLAN) == [
        f"futureProperty.fieldType: expected {FUTURE_FIELD_TYPE!r}, read None"
    ]


def _response_schema(operation_path: str, status: str) -> dict[str, Any]:
    spec = crm_contract.document()
    answer = spec["paths"][operation_path]["post"]["responses"][status]
    return {**answer["content"]["application/json"]["schema"], "components": spec["components"]}


def test_the_future_answers_keep_the_open_contract_with_values_it_does_not_list() -> None:
    """A client that fails on them breaks the contract's promise, not the server's."""
    deletion, created = future_deletion(), future_property()
    schema = _response_schema("/crm-core/v1/records/bulk/delete", "200")
    assert list(OAS30Validator(schema).iter_errors(deletion)) == []
    schema = _response_schema("/crm-core/v1/properties", "201")
    assert list(OAS30Validator(schema).iter_errors(created)) == []
    assert deletion["failed"][0]["reason"] == FUTURE_REASON
    assert created["fieldType"] == FUTURE_FIELD_TYPE
    assert {"requestId"} <= deletion.keys()
    assert {"visibility"} <= created.keys()


def test_the_future_server_answers_both_operations_over_http() -> None:
    with serve_in_thread(create_future_app()) as url:
        deleted = httpx.post(f"{url}/crm-core/v1/records/bulk/delete", json={}, timeout=10)
        created = httpx.post(f"{url}/crm-core/v1/properties", json={}, timeout=10)
    assert (deleted.status_code, created.status_code) == (200, 201)
    assert deleted.json()["failed"][0]["reason"] == FUTURE_REASON
    assert created.json()["fieldType"] == FUTURE_FIELD_TYPE


def test_the_table_has_a_row_per_cell_and_names_each_generator_once_per_file() -> None:
    from partners.matrix import Outcome, SpecFile

    specs = [SpecFile("a.yaml", Path("a.yaml")), SpecFile("b.json", Path("b.json"), True)]
    outcomes = [Outcome(generator, spec) for generator in GENERATORS for spec in specs]
    versions = {generator.name: "1" for generator in GENERATORS}
    rows = table(outcomes, versions).splitlines()[2:]
    assert len(rows) == len(GENERATORS) * 2
    assert all(row.count("| - |") == 2 for row in rows)  # generate -, build -, calls -


def test_every_generator_has_its_consumer_and_a_pinned_version() -> None:
    from partners.generators import CONSUMERS

    pinned = pinned_versions()  # package-lock.json, partners/requirements.txt, the dev extra
    for generator in GENERATORS:
        assert (CONSUMERS / generator.consumer).is_file(), generator.name
        for module in generator.names or ():
            assert (CONSUMERS / module).is_file(), module
        assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", pinned[generator.package]), generator.name


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--generator", "no-such-generator"], "error: no generator matches"),
        (["--file", "no-such-file"], "error: no published file matches"),
        (["--spec", "no/such/openapi.yaml"], "error: no such spec file: no/such/openapi.yaml"),
    ],
)
def test_arguments_that_select_nothing_are_refused_before_any_work(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert partners_main([*arguments, "--work", str(tmp_path / "work")]) == 2
    assert capsys.readouterr().err.startswith(message)
    assert not (tmp_path / "work").exists()  # nothing generated, nothing installed


@pytest.mark.parametrize("jobs", ["0", "17", "-1", "two"])
def test_a_job_count_out_of_range_is_a_usage_error(
    jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        partners_main(["--jobs", jobs])
    assert exited.value.code == 2
    assert "is not a number of cells from 1 to 16" in capsys.readouterr().err
