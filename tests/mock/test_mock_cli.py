"""`python -m mock_server` as a user runs it: clear errors, a banner with the real URL."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from auth_plugin import HmacAuth


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "is not a port number"),
        (["--fixtures", "/nonexistent.yaml"], "cannot read fixtures"),
        (["--api-key", "only-a-key"], "an API key is KEY:SECRET:ROLE"),
        (["--api-keys-file", "/nonexistent.keys"], "cannot read API keys"),
        (["--api-key", "K:S:ADMIN"], "role must be OWNER or MEMBER"),
        (["--db", "/no/such/dir/state.db"], "does not exist"),
        (["--signatures-per-key", "0"], "is not a positive whole number"),
        (["--signatures-per-key", "1e6"], "is not a positive whole number"),
    ],
)
def test_bad_arguments_are_clear_errors(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_fixture_file_names_the_place(tmp_path: Path) -> None:
    fixtures = tmp_path / "f.yaml"
    fixtures.write_text("workspaces:\n  - workspaceId: w\n    accountId: '1'\n    plan: GOLD\n")
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--fixtures", str(fixtures)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "workspaces[0].plan must be one of" in result.stderr


def test_banner_names_the_real_port_and_added_keys_work(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# added for this test\nNCSADDEDMEMBER01:added-secret:MEMBER\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", "0", "--quiet",
         "--api-keys-file", str(keys)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        # The secret came from a file: it is not in the process's command line.
        assert b"added-secret" not in Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.match(r"CRM Core mock server on (http://127\.0\.0\.1:(\d+))", first)
        assert match, first
        assert match.group(2) != "0"
        banner = "".join(process.stdout.readline() for _ in range(4))
        assert "NCSADDEDMEMBER01" in banner
        assert "added-secret" not in banner
        # The socket listens before the banner is printed: the first request is
        # queued until the app is ready, not refused.
        with httpx.Client(
            base_url=match.group(1), auth=HmacAuth("NCSADDEDMEMBER01", "added-secret"), timeout=30
        ) as api:
            response = api.post(
                "/crm-core/v1/records/bulk/delete",
                json={"recordIds": ["CRMRC1260423081530999NOPE0000000"]},
            )
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_errors_never_echo_a_secret_from_a_file(tmp_path: Path) -> None:
    fixtures = tmp_path / "f.yaml"
    fixtures.write_text(
        "workspaces:\n  - workspaceId: w\n    apiKeys:\n"
        "      - {apiKey: NCSKEY, apiSecret: very-secret-value: role: OWNER}\n"
    )
    keys = tmp_path / "keys"
    keys.write_text("NCSKEY:another-secret-value:ADMIN\n")
    for args in (["--fixtures", str(fixtures)], ["--api-keys-file", str(keys)]):
        result = subprocess.run(
            [sys.executable, "-m", "mock_server", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "secret-value" not in result.stderr + result.stdout
        assert "line" in result.stderr or "keys:1" in result.stderr
