"""``python -m validating_proxy``: the process a partner runs, its exit status and its summary."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from auth_plugin import sign_request
from http_edge.serving import free_port, wait_until_up
from mock_server.fixtures import DEMO_RECORD_ID
from tests.recording_server import Reply, recording_server
from validating_proxy.cli import main

KEY = "NCSPROXYCLIKEY01"
SECRET = "proxy-cli-secret-51e0b2"
DELETE = "/crm-core/v1/records/bulk/delete"


def start(arguments: list[str], port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "validating_proxy", "--port", str(port), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if not wait_until_up(f"http://127.0.0.1:{port}/_proxy/summary", 30):
        process.kill()
        raise RuntimeError(process.communicate()[1])
    return process


def stop(process: subprocess.Popen[str], how: signal.Signals) -> tuple[int, str, str]:
    process.send_signal(how)
    stdout, stderr = process.communicate(timeout=30)
    return process.returncode, stdout, stderr


def post(port: int) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}{DELETE}",
        json={"recordIds": [DEMO_RECORD_ID]},
        headers={"Authorization": sign_request(KEY, SECRET)},
    )


@pytest.mark.parametrize(
    ("fail_on_violation", "how"), [(False, signal.SIGINT), (True, signal.SIGTERM)]
)
def test_the_proxy_process_reports_and_exits(
    tmp_path: Path, fail_on_violation: bool, how: signal.Signals
) -> None:
    secrets = tmp_path / "secrets"
    secrets.write_text(f"# proxy secrets\n{KEY}:{SECRET}\n", encoding="utf-8")
    report = tmp_path / "out" / "violations.jsonl"
    traffic = tmp_path / "out" / "calls.jsonl"
    port = free_port()
    with recording_server(
        [Reply(418, {"errorCode": "Teapot", "errorMessage": SECRET})]
    ) as upstream:
        flags = ["--fail-on-violation"] if fail_on_violation else []
        arguments = [
            "--upstream",
            upstream.url,
            "--report",
            str(report),
            "--secrets-file",
            str(secrets),
            "--traffic",
            str(traffic),
            "--hash-key-ids",
            *flags,
        ]
        process = start(arguments, port)
        try:
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            answer = post(port)
            summary = httpx.get(f"http://127.0.0.1:{port}/_proxy/summary").json()
        finally:
            code, stdout, stderr = stop(process, how)
    assert SECRET.encode() not in cmdline
    assert answer.status_code == (502 if fail_on_violation else 418)
    assert summary["operations"]["bulkDeleteRecords"]["violations"] == {"response.status": 1}
    assert code == (1 if fail_on_violation else 0), stderr
    assert f"-> {upstream.url}" in stdout
    assert "signatures checked: 1 key(s)" in stdout
    assert "1 requests, 1 violations" in stdout
    assert "bulkDeleteRecords: 1 requests, response.status x1" in stdout
    [line] = [json.loads(text) for text in report.read_text(encoding="utf-8").splitlines()]
    assert line["check"] == "response.status"
    [call] = [json.loads(text) for text in traffic.read_text(encoding="utf-8").splitlines()]
    assert (call["operation"], call["response"]["status"]) == ("bulkDeleteRecords", 418)
    assert call["keyId"].startswith("sha256:")
    for output in (stdout, stderr, report.read_text(encoding="utf-8"), traffic.read_text("utf-8")):
        assert SECRET not in output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--upstream", "ftp://127.0.0.1/"], "upstream must be an http:// or https:// URL"),
        (["--upstream", "http://127.0.0.1:9?x=1"], "upstream must not have a query"),
        (["--upstream", "http://[::1"], "is not a URL"),
        (
            ["--upstream", "http://127.0.0.1:9", "--secret-from-env"],
            "set SOLAPI_API_KEY and SOLAPI_API_SECRET",
        ),
        (["--upstream", "http://127.0.0.1:9", "--timeout", "0"], "give 0 < seconds <= 3600"),
        (["--upstream", "http://127.0.0.1:9", "--max-body-bytes", "12"], "from 1024 to 1 GiB"),
        (["--upstream", "http://127.0.0.1:9", "--replay-budget", "0"], "a whole number from 1"),
        ([], "the following arguments are required: --upstream"),
    ],
)
def test_bad_arguments_are_a_clear_message(
    arguments: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOLAPI_API_KEY", raising=False)
    monkeypatch.delenv("SOLAPI_API_SECRET", raising=False)
    try:
        code = main(arguments)
    except SystemExit as exit_:  # argparse's own refusals
        code = int(str(exit_.code))
    assert code == 2
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error


def test_a_bad_secrets_line_is_reported_without_quoting_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = tmp_path / "secrets"
    secrets.write_text(f"{KEY}:{SECRET}\n{KEY}{SECRET}\n", encoding="utf-8")
    assert main(["--upstream", "http://127.0.0.1:9", "--secrets-file", str(secrets)]) == 2
    printed = capsys.readouterr()
    assert f"{secrets}:2: expected KEY:SECRET" in printed.err
    assert SECRET not in printed.err + printed.out


def test_the_mock_cli_still_serves_without_a_subcommand() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "mock_server", "--help"], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0
    assert "--fixtures" in finished.stdout
    assert "validating_proxy --help" in finished.stdout


def test_python_m_mock_server_proxy_still_runs_the_proxy_for_one_release() -> None:
    """The old name (before the proxy was its own package) hands over to validating_proxy."""
    finished = subprocess.run(
        [sys.executable, "-m", "mock_server", "proxy", "--help"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert finished.returncode == 0
    assert finished.stdout.startswith("usage: python -m validating_proxy ")
    assert "--upstream URL" in finished.stdout
