"""The client wheel: built, installed in a fresh venv, the README example run against the mock."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import httpx

from generators.build_client_wheel import build_client_wheel
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from tests.live_mock import RunningMock
from tests.readme import runnable_blocks

README_BASE_URL = 'base_url="http://127.0.0.1:8080"'
SECOND_DEMO_RECORD_ID = "CRMRC1260423081530124REC11122234"


def readme_example() -> str:
    """The README's client example: its first Python block that creates a client."""
    examples = [block.code for block in runnable_blocks("python") if "create_client(" in block.code]
    assert examples, "README has no client example"
    assert README_BASE_URL in examples[0]
    return examples[0]


def test_readme_example_is_at_most_six_lines() -> None:
    lines = [line for line in readme_example().splitlines() if line.strip()]
    assert len(lines) <= 6


def test_wheel_installs_and_runs_the_readme_example(mock: RunningMock, tmp_path: Path) -> None:
    wheel = build_client_wheel(tmp_path / "dist")
    names = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for required in (
        "crm_core_client/py.typed",
        "crm_core_models/py.typed",
        "auth_plugin/py.typed",
    ):
        assert required in names
    assert "mock_server" not in names
    # Signing only: the server's side (verifier, replay memory) stays out of partners' installs.
    assert "hmac_verifier" not in names
    assert "verification" not in names
    assert "replay_cache" not in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=300,
    )
    # Only the base URL changes: the README's mock port for this test's mock.
    example = readme_example().replace(README_BASE_URL, f"base_url={mock.url!r}")
    script = tmp_path / "example.py"
    script.write_text(example, encoding="utf-8")
    result = subprocess.run(
        [str(python), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the repo: imports must come from the wheel
        env={"SOLAPI_API_KEY": DEMO_OWNER_KEY, "SOLAPI_API_SECRET": DEMO_OWNER_SECRET},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deleted: 1"  # deleted_count, read as a typed attribute
    record = httpx.get(f"{mock.url}/_mock/records/{SECOND_DEMO_RECORD_ID}").json()
    assert record["dateDeleted"] is not None

    # python -m auth_plugin sign works from the wheel; verify says where it lives, no traceback.
    keys = {"SOLAPI_API_KEY": DEMO_OWNER_KEY, "SOLAPI_API_SECRET": DEMO_OWNER_SECRET}
    signed = subprocess.run(
        [str(python), "-m", "auth_plugin", "sign"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=keys,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.startswith(f"HMAC-SHA256 apiKey={DEMO_OWNER_KEY}, date=")
    verify = subprocess.run(
        [str(python), "-m", "auth_plugin", "verify", signed.stdout.strip()],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=keys,
    )  # fmt: skip
    assert verify.returncode == 2
    assert "python -m hmac_verifier verify" in verify.stderr
    assert "Traceback" not in verify.stderr
    assert DEMO_OWNER_SECRET not in verify.stderr + verify.stdout

    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--python-executable", str(python), str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )  # fmt: skip
    assert typed.returncode == 0, typed.stdout
