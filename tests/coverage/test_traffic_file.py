"""Traffic files read back: anything that is not ours is refused with the file and the line."""

from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import Path

import pytest

from contract_coverage.cli import main
from traffic import Call, TrafficError, TrafficWriter, read_calls
from traffic.reader import MAX_LINE_BYTES

GOOD = Call(source="proxy", operation="createProperty", method="POST",
            path="/crm-core/v1/properties", status=201, request_body={"name": "x"})  # fmt: skip


def written(tmp_path: Path, *extra: str, newline: bool = True) -> Path:
    path = tmp_path / "calls.jsonl"
    with TrafficWriter(path) as writer:
        writer.write(GOOD)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(extra) + ("\n" if newline and extra else ""))
    return path


def test_a_call_survives_the_round_trip(tmp_path: Path) -> None:
    [(_, number, call)] = list(read_calls([written(tmp_path)]))
    assert number == 1
    assert call.request_body == {"name": "x"}
    assert call.status == 201
    assert call.contract is not None  # the writer stamps the contract's version


def good_line(**changes: object) -> str:
    data = GOOD.to_json() | changes
    return json.dumps(data)


@pytest.mark.parametrize(
    ("line", "newline", "message"),
    [
        pytest.param('{"format": "crm-core-traffic", "vers', False, ":2: cut short", id="truncated"),
        pytest.param("<html>", True, ":2: not JSON", id="not-json"),
        pytest.param("[1, 2]", True, ":2: not a JSON object", id="not-an-object"),
        pytest.param(json.dumps({"log": {"entries": []}}), True, ":2: not a crm-core-traffic line", id="a-har-file"),
        pytest.param(good_line(version=2), True, ":2: format version 2 is not 1 (written by a newer", id="newer"),
        pytest.param(good_line(method=7), True, ":2: method must be a string", id="wrong-type"),
        pytest.param(good_line(response={"status": 999}), True, ":2: response.status must be", id="bad-status"),
        pytest.param(good_line(request=None), True, ":2: request must be an object", id="no-request"),
    ],
)  # fmt: skip
def test_a_bad_line_is_named_with_its_file_and_number(
    tmp_path: Path, line: str, newline: bool, message: str
) -> None:
    path = written(tmp_path, line, newline=newline)
    with pytest.raises(TrafficError) as error:
        list(read_calls([path]))
    assert str(error.value).startswith(f"{path}{message}")


def test_a_line_past_the_limit_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = written(tmp_path, "x" * (MAX_LINE_BYTES + 10))
    with pytest.raises(TrafficError, match=":2: a line longer than"):
        list(read_calls([path]))


def test_the_coverage_command_says_what_is_wrong_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written(tmp_path, "<html>")
    assert main([str(path), "--out", str(tmp_path / "out")]) == 2
    assert f"error: {path}:2: not JSON" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_threshold_missed_fails_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written(tmp_path)
    assert main([str(path), "--out", str(tmp_path / "out"), "--min-coverage", "statuses=90"]) == 1
    assert "coverage below the threshold: statuses:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(path), "--min-coverage", "colours=90"])


def test_shared_among_processes_the_counts_and_errors_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measuring = importlib.import_module(
        "contract_coverage.measure"
    )  # the package exports a function of that name
    from contract_coverage.report import build_report

    path = tmp_path / "many.jsonl"
    with TrafficWriter(path) as writer:
        for number in range(300):
            writer.write(GOOD if number % 3 else dataclasses.replace(GOOD, status=418))
    monkeypatch.setattr(measuring, "PARALLEL_FLOOR_BYTES", 0)
    together = build_report(measuring.measure_files([path], workers=1))
    shared = build_report(measuring.measure_files([path], workers=2))
    assert shared == together
    assert together["calls"] == {"proxy": 300}
    with path.open("a", encoding="utf-8") as handle:
        handle.write("<html>\n")
    with pytest.raises(TrafficError, match=":301: not JSON"):
        measuring.measure_files([path], workers=2)


@pytest.mark.parametrize(
    "body", ['{"n": 100000000000000000000000000000}', '{"n": NaN}', '{"s": "\\ud800"}'],
    ids=["past-64-bits", "nan", "lone-surrogate"],
)  # fmt: skip
def test_what_json_reads_the_reader_reads_too(tmp_path: Path, body: str) -> None:
    line = good_line().replace('"body": {"name": "x"}', f'"body": {body}')
    assert line != good_line()
    path = tmp_path / "odd.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    [(_, _, call)] = list(read_calls([path]))
    assert json.dumps(call.request_body) == json.dumps(json.loads(body))
