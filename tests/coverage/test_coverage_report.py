"""The coverage report from recorded calls: what it counts, what it finds, in every format.

The calls are written with the traffic writer the proxy uses, as a partner's
staging traffic would be: an undeclared status, a fieldType the open enum
does not list, an errorCode the status does not document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from contract_coverage import measure
from contract_coverage.cli import main
from contract_coverage.measure import item_names
from contract_coverage.render import html, markdown
from contract_coverage.report import build_report
from contract_coverage.targets import targets
from mock_server.fixtures import DEMO_ENTITY_ID, DEMO_RECORD_ID
from tests.spec_tables import response_example
from traffic import Call, Redactor, TrafficWriter

DELETE = "/crm-core/v1/records/bulk/delete"
CREATE = "/crm-core/v1/properties"
CREATED = response_example("createProperty", 201, "dropdown")
DELETED = response_example("bulkDeleteRecords", 200, "softDelete")


def call(operation: str, status: int, request: Any, response: Any, **extra: Any) -> Call:
    path = DELETE if operation == "bulkDeleteRecords" else CREATE
    return Call(source="proxy", operation=operation, method="POST", path=path, status=status,
                request_body=request, response_body=response, **extra)  # fmt: skip


STAGING = [
    call("createProperty", 201, {"entityId": DEMO_ENTITY_ID, "name": "x", "fieldType": "TEXT"},
         {**CREATED, "fieldType": "RATING"}, key_id="NCSPARTNERKEY001"),
    call("bulkDeleteRecords", 418, {"recordIds": [DEMO_RECORD_ID]}, {"errorCode": "Teapot", "errorMessage": "x"}),
    call("bulkDeleteRecords", 409, {"recordIds": [DEMO_RECORD_ID]}, {"errorCode": "Conflict", "errorMessage": "x"}),
    call("bulkDeleteRecords", 400, {"recordIds": [DEMO_RECORD_ID]}, {"errorCode": "Nope", "errorMessage": "x"}),
    call("bulkDeleteRecords", 200, {"recordIds": [DEMO_RECORD_ID]},
         {**DELETED, "failed": [{"recordId": DEMO_RECORD_ID, "reason": "LOCKED", "errorMessage": "x"}]}),
]  # fmt: skip


@pytest.fixture
def staging_traffic(tmp_path: Path) -> Path:
    path = tmp_path / "staging.jsonl"
    with TrafficWriter(path, redactor=Redactor(["partner-secret"])) as writer:
        for recorded in STAGING:
            writer.write(recorded)
    return path


def test_undeclared_statuses_and_unknown_values_are_findings_in_every_format(
    staging_traffic: Path, tmp_path: Path
) -> None:
    code = main([str(staging_traffic), "--out", str(tmp_path / "out")])
    assert code == 0
    report = json.loads((tmp_path / "out" / "coverage.json").read_text(encoding="utf-8"))
    found = [(f["kind"], f["operation"], f["value"]) for f in report["findings"]]
    # Undeclared statuses first, then the values open enums do not list.
    assert found[:2] == [
        ("undeclared-status", "bulkDeleteRecords", "409"),
        ("undeclared-status", "bulkDeleteRecords", "418"),
    ]
    assert ("unknown-open-value", "createProperty", "RATING") in found
    assert ("unknown-open-value", "bulkDeleteRecords", "LOCKED") in found
    assert ("undocumented-error-code", "bulkDeleteRecords", "Nope") in found
    summary = (tmp_path / "out" / "coverage.md").read_text(encoding="utf-8")
    page = (tmp_path / "out" / "coverage.html").read_text(encoding="utf-8")
    for text in (summary, page):
        for value in ("418", "409", "RATING", "LOCKED", "Nope"):
            assert value in text
    assert summary.index("undeclared-status") < summary.index("unknown-open-value")


def test_items_are_counted_per_source_and_merge_across_files(
    staging_traffic: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run.jsonl"
    with TrafficWriter(run) as writer:
        writer.write(
            Call(source="contract-run", operation="bulkDeleteRecords", method="POST", path=DELETE,
                 status=200, request_body={"recordIds": [DEMO_RECORD_ID]}, response_body=DELETED)
        )  # fmt: skip
    assert main([str(staging_traffic), str(run), "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "coverage.json").read_text(encoding="utf-8"))
    assert report["calls"] == {"contract-run": 1, "proxy": 5}
    statuses = report["operations"]["bulkDeleteRecords"]["dimensions"]["statuses"]["items"]
    assert next(row for row in statuses if row["item"] == "200")["sources"] == {
        "contract-run": 1,
        "proxy": 1,
    }


def test_constraints_are_measured_on_both_sides_of_the_bound() -> None:
    over = [f"CRMRC1260423081530123REC{n:08d}" for n in range(1001)]
    calls = [
        call("bulkDeleteRecords", 400, {"recordIds": over}, {"errorCode": "ValidationError", "errorMessage": "x"}),
        call("bulkDeleteRecords", 400, {"recordIds": []}, {"errorCode": "ValidationError", "errorMessage": "x"}),
        call("bulkDeleteRecords", 400, {"permanent": True}, {"errorCode": "ValidationError", "errorMessage": "x"}),
        call("bulkDeleteRecords", 400, {"recordIds": ["short"]}, {"errorCode": "ValidationError", "errorMessage": "x"}),
    ]  # fmt: skip
    items = measure(calls).operations["bulkDeleteRecords"].items["constraints"]
    seen = {name for name, sources in items.items() if sources}
    assert "recordIds maxItems=1000: beyond" in seen
    assert "recordIds maxItems=1000: at" not in seen
    assert "recordIds minItems=1: below" in seen
    assert "recordIds missing" in seen
    assert any(re.match(r"recordIds\[\] pattern=.*: not matching", name) for name in seen)
    assert any(re.match(r"recordIds\[\] minLength=32: below", name) for name in seen)


def test_every_dimension_lists_what_the_contract_declares() -> None:
    names = item_names(targets()["createProperty"])
    assert "409" in names["statuses"]
    assert "409 DuplicatedName" in names["errorCodes"]
    assert "options[].label" in names["requestProperties"]
    assert "fieldType=DROPDOWN" in names["requestValues"]
    assert {"CreateChoicePropertyRequest", "CreateScalarPropertyRequest"} <= set(names["branches"])
    assert "201: fieldType=TEXT" in names["responseValues"]
    assert "a MEMBER key's call" in names["states"]


def test_no_calls_cover_nothing_and_the_page_is_offline() -> None:
    report = build_report(measure([]))
    assert all(total["covered"] == 0 for total in report["totals"].values())
    assert report["tcl"]["reached"] == -1
    page = html(report)
    assert "default-src 'none'" in page
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "None: every call kept" in markdown(report)


def test_the_html_page_passes_the_docs_page_browser_checks(
    staging_traffic: Path, tmp_path: Path
) -> None:
    from tests.browser import open_page

    assert main([str(staging_traffic), "--out", str(tmp_path)]) == 0
    with open_page(tmp_path / "coverage.html", "contract coverage", "the coverage page") as watch:
        page = watch.page
        assert page.locator("tr.finding").count() == len(build_report(measure(STAGING))["findings"])
        assert page.get_by_text("RATING").first.is_visible()
        page.get_by_text("statuses:").first.click()  # a folded section opens
        assert page.locator("details[open]").count() == 1
        assert watch.outside_requests == []
        assert watch.console_errors == []


def test_states_of_two_calls_a_retry_and_a_purge() -> None:
    from contract_coverage.targets import PURGE_STATE, RETRY_STATE

    record = DEMO_RECORD_ID
    deleted = {**DELETED, "deletedCount": 1, "failedCount": 0, "failed": [],
               "deleted": [{"recordId": record, "entityId": DEMO_ENTITY_ID}]}  # fmt: skip
    again = {**DELETED, "deletedCount": 0, "failedCount": 1, "deleted": [],
             "failed": [{"recordId": record, "reason": "ALREADY_IN_TRASH", "errorMessage": "x"}]}  # fmt: skip
    gone = {**again, "failed": [{"recordId": record, "reason": "NOT_FOUND", "errorMessage": "x"}]}
    soft = {"recordIds": [record]}

    def states(*calls: Call) -> set[str]:
        items = measure(list(calls)).operations["bulkDeleteRecords"].items["states"]
        return {name for name, sources in items.items() if sources}

    first = call("bulkDeleteRecords", 200, soft, deleted, key_id="K1")
    assert RETRY_STATE in states(first, call("bulkDeleteRecords", 200, soft, again, key_id="K1"))
    # Another partner's same request is no retry of the first's.
    assert RETRY_STATE not in states(
        first, call("bulkDeleteRecords", 200, soft, again, key_id="K2")
    )
    later = call(
        "bulkDeleteRecords", 200, {"recordIds": [record], "permanent": False}, gone, key_id="K1"
    )
    assert PURGE_STATE in states(first, later)
    permanent = call("bulkDeleteRecords", 200, {"recordIds": [record], "permanent": True},
                     {**deleted, "permanent": True}, key_id="K1")  # fmt: skip
    assert PURGE_STATE not in states(first, permanent, later)  # gone for good, not purged
