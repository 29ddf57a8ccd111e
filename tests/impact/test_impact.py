"""The impact check on the committed corpus: which recorded partner calls each change breaks.

``tests/data/impact/staging.jsonl`` holds three partners' calls (and one
negative case the contract already refused). Three changes to the contract:
a ``pattern`` that breaks two partners' calls, another ``pattern`` change that
breaks none, and an enum value removed that no partner sends. ``nox -s
breaking`` calls all three breaking and cannot say whom they hit; the impact
check names exactly the calls and partners.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import crm_contract
from contract_diff.documents import compare_documents, resolve
from contract_impact import check_impact
from contract_impact.cli import main
from traffic import TrafficWriter, read_calls
from validating_proxy.contract import build_contract

CORPUS = Path(__file__).resolve().parents[1] / "data" / "impact" / "staging.jsonl"
A, B, C = "NCSPARTNERA00001", "NCSPARTNERB00001", "NCSPARTNERC00001"


def calls() -> list[Any]:
    return [call for _, _, call in read_calls([CORPUS])]


def changed(edit: str) -> dict[str, Any]:
    """The contract with one change, as 2.2.0 (a minor version)."""
    document = copy.deepcopy(crm_contract.document())
    document["info"]["version"] = "2.2.0"
    schemas = document["components"]["schemas"]
    if edit == "lowercase-keys":
        schemas["PropertyKeyName"]["pattern"] = "^[a-z][a-z0-9_]{0,62}$"
    elif edit == "record-id-pattern":
        schemas["RecordId"]["pattern"] = "^CRMRC[0-9]{16}[A-Za-z0-9]{11}$"
    elif edit == "no-url-type":
        scalar = schemas["CreateScalarPropertyRequest"]["properties"]["fieldType"]
        scalar["enum"].remove("URL")
        mapping = schemas["CreatePropertyRequest"]["discriminator"]["mapping"]
        del mapping["URL"]
    return document


def test_the_corpus_keeps_the_base_contract_but_for_its_negative_case() -> None:
    contract = build_contract(crm_contract.document())
    refused = []
    for call in calls():
        operation = contract.find(call.method, call.path)
        assert operation is not None
        if list(operation.request_body.iter_errors(call.request_body)):
            refused.append(call.request_body.get("key"))
        answer = operation.responses[call.status].body
        assert answer is not None
        assert list(answer.iter_errors(call.response_body)) == [], call.response_body
    assert refused == ["1bad"]


def test_a_pattern_change_names_exactly_the_calls_and_partners_it_breaks() -> None:
    impact = check_impact(calls(), crm_contract.document(), changed("lowercase-keys"))
    assert impact.breaking_calls == 2
    assert {key for (_, key), n in impact.broken.items() if n} == {A, C}
    [kind] = impact.kinds.values()
    assert (kind.first.operation, kind.first.side, kind.first.pointer) == (
        "createProperty",
        "request",
        "/key",
    )
    assert kind.calls == 2
    assert kind.partners == {A, C}
    assert "pattern-changed" in kind.first.change  # tied to nox -s breaking's change
    assert "oneOf[1].key" in kind.first.change  # the TEXT body's own branch
    assert "customerName" in kind.example
    # B's lowercase key, the calls without a key, and the negative case "1bad" are not victims.
    assert impact.broken[("createProperty", B)] == 0


@pytest.mark.parametrize("edit", ["record-id-pattern", "no-url-type"])
def test_a_rule_breaking_change_no_recorded_call_meets_breaks_nobody(edit: str) -> None:
    base, new = crm_contract.document(), changed(edit)
    changes = compare_documents(resolve(base), resolve(new))
    # What the rules alone say: breaking for clients (they cannot tell whom it hits) ...
    assert any(change.kind.breaking for change in changes)
    # ... and what the recorded calls say: nobody.
    impact = check_impact(calls(), base, new)
    assert impact.breaking_calls == 0
    assert sum(impact.checked.values()) == 7


def test_the_command_exits_1_unless_the_major_version_went_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "changed.yaml"
    spec.write_text(yaml.safe_dump(changed("lowercase-keys"), allow_unicode=True), encoding="utf-8")
    base = str(crm_contract.spec_path())
    result = tmp_path / "impact.json"
    code = main(
        ["--traffic", str(CORPUS), "--base", base, "--spec", str(spec), "--json", str(result)]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert f"partners: {A}, {C}" in out
    assert "createProperty request /key" in out
    assert json.loads(result.read_text(encoding="utf-8"))["wouldBreak"] == 2
    major = changed("lowercase-keys") | {
        "info": {**changed("lowercase-keys")["info"], "version": "3.0.0"}
    }
    spec.write_text(yaml.safe_dump(major, allow_unicode=True), encoding="utf-8")
    assert main(["--traffic", str(CORPUS), "--base", base, "--spec", str(spec)]) == 0
    assert "allowed: 2 recorded call(s) would break" in capsys.readouterr().out
    unchanged = tmp_path / "same.yaml"
    unchanged.write_text(
        yaml.safe_dump(changed("record-id-pattern"), allow_unicode=True), encoding="utf-8"
    )
    assert main(["--traffic", str(CORPUS), "--base", base, "--spec", str(unchanged)]) == 0
    out = capsys.readouterr().out
    assert "no recorded call is affected" in out
    assert "ok: no recorded call would break (7 checked)" in out


def test_bad_traffic_is_named_by_its_line_and_nothing_in_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:3]) + "\n" + lines[3][:50], encoding="utf-8")
    assert main(["--traffic", str(cut)]) == 2
    assert f"{cut}:4: cut short" in capsys.readouterr().err
    newer = tmp_path / "newer.jsonl"
    newer.write_text(
        lines[0].replace('"contract": "2.1.0"', '"contract": "9.0.0"') + "\n", encoding="utf-8"
    )
    assert main(["--traffic", str(newer)]) == 2
    assert "newer than the one checked" in capsys.readouterr().err
    other = tmp_path / "other-api.jsonl"
    other.write_text(
        lines[0].replace("/crm-core/v1/properties", "/messages/v4/send") + "\n", encoding="utf-8"
    )
    assert main(["--traffic", str(other)]) == 2
    assert f"{other}:1: none of the 1 recorded calls is for an operation" in capsys.readouterr().err
    har = tmp_path / "requests.har.json"
    har.write_text(
        json.dumps({"log": {"entries": [{"request": {"url": "$(rm -rf /)"}}]}}), encoding="utf-8"
    )
    assert main(["--traffic", str(har)]) == 2
    assert f"{har}:1: not a crm-core-traffic line" in capsys.readouterr().err


def test_replay_sends_accepted_requests_to_the_mock_and_counts_what_it_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from contract_impact.replay import replay

    recorded = calls()
    assert replay(recorded).refused_calls == 0  # the mock of openapi.yaml takes them all
    # A request the server accepted that the contract (and so the mock) refuses: a key
    # starting with a digit, as if the server had kept an older, looser rule.
    odd = dataclasses.replace(
        recorded[0], request_body={**recorded[0].request_body, "key": "9lives"}
    )
    result = replay([*recorded, odd])
    assert result.refused == {("createProperty", A): 1}
    assert "9lives" in result.examples["createProperty"][2]
    lines = tmp_path / "odd.jsonl"
    with TrafficWriter(lines) as writer:
        writer.write(odd)
    base = str(crm_contract.spec_path())
    assert main(["--traffic", str(lines), "--base", base, "--replay"]) == 1
    assert "1 refused as invalid" in capsys.readouterr().out


def test_ways_of_breaking_worked_out_once_are_the_same_as_worked_out_each_time() -> None:
    from bench.bench_coverage import recorded_calls
    from contract_impact.check import _schema_path, _violations

    base = crm_contract.document()
    new = copy.deepcopy(base)
    new["info"]["version"] = "2.2.0"
    new["components"]["schemas"]["RecordId"]["pattern"] = "^CRMRC1[0-9]{15}[A-Za-z0-9]{10}[0-4]$"
    sample = recorded_calls(600)
    impact = check_impact(sample, base, new)
    before, after = build_contract(base), build_contract(new)
    expected: dict[tuple[str, str, str, str], int] = {}
    for call in sample:
        old, changed_op = before.find(call.method, call.path), after.find(call.method, call.path)
        assert old is not None
        assert changed_op is not None
        name = old.operation_id
        found = set()
        if not _violations(old.request_body, call.request_body, "request"):
            found |= {
                (name, "request", _schema_path(pointer), rule)
                for pointer, rule in _violations(
                    changed_op.request_body, call.request_body, "request"
                )
            }
        status = call.status or 0
        was, now = old.responses.get(status), changed_op.responses.get(status)
        was_body = None if was is None else was.body
        now_body = None if now is None else now.body
        kept = was_body is not None and not _violations(was_body, call.response_body, "response")
        if kept and now_body is not None:
            found |= {
                (name, "response", _schema_path(pointer), rule)
                for pointer, rule in _violations(now_body, call.response_body, "response")
            }
        for kind in found:
            expected[kind] = expected.get(kind, 0) + 1
    assert {kind: entry.calls for kind, entry in impact.kinds.items()} == expected
    assert impact.breaking_calls > 100
