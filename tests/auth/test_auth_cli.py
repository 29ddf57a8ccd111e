"""`python -m auth_plugin sign|verify` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hmac_verifier import Verifier

KEY, SECRET = "NCSXXXXXXXXXXXXX", "YOUR_API_SECRET"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOLAPI_")}
    base.update({"SOLAPI_API_KEY": KEY, "SOLAPI_API_SECRET": SECRET} if env is None else env)
    return subprocess.run(
        [sys.executable, "-m", "auth_plugin", *args],
        capture_output=True,
        text=True,
        env=base,
        timeout=60,
    )


def test_sign_prints_the_bare_header_value_that_verifies() -> None:
    result = run_cli("sign")
    assert result.returncode == 0, result.stderr
    value = result.stdout.strip()
    assert value.startswith("HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=")
    assert "Authorization" not in value
    assert SECRET not in result.stdout + result.stderr
    assert Verifier({KEY: SECRET}.get).verify(value).api_key == KEY


def test_sign_reproduces_a_given_signature() -> None:
    result = run_cli("sign", "--date", "2026-04-23T08:15:30Z", "--salt", "0123456789abcdef")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(
        "signature=65285c19bc3daf476300058219cfa89d74b585adfd0ca8f86ef88c4561458031"
    )


def test_api_key_flag_overrides_the_environment() -> None:
    result = run_cli("sign", "--api-key", "NCSOTHERXXXXXXXX")
    assert result.returncode == 0, result.stderr
    assert "apiKey=NCSOTHERXXXXXXXX," in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SOLAPI_API_KEY": KEY}, "set SOLAPI_API_SECRET"),
        ({"SOLAPI_API_SECRET": SECRET}, "set SOLAPI_API_KEY"),
        ({}, "set SOLAPI_API_KEY and SOLAPI_API_SECRET"),
    ],
)
def test_missing_credentials_are_a_clear_error(env: dict[str, str], message: str) -> None:
    result = run_cli("sign", env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--salt", "short"], "salt must be 12 to 64 characters"),
        (["--date", "yesterday"], "is not ISO 8601"),
    ],
)
def test_bad_sign_arguments_are_a_clear_error(args: list[str], message: str) -> None:
    result = run_cli("sign", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_verify_accepts_a_good_header() -> None:
    value = run_cli("sign").stdout.strip()
    result = run_cli("verify", f"Authorization: {value}")
    assert result.returncode == 0
    assert result.stdout.startswith("ok: signed by NCSXXXXXXXXXXXXX")


@pytest.mark.parametrize(
    ("header", "code", "hint"),
    [
        (
            "HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=2026-04-23T08:15:30Z, "
            "salt=0123456789abcdef, signature="
            "65285C19BC3DAF476300058219CFA89D74B585ADFD0CA8F86EF88C4561458031",
            "SignatureDoesNotMatch",
            "must be lowercase hex",
        ),
        (
            "HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=2026-04-23T08:15:30Z, "
            "salt=0123456789abcdef, signature=" + "0" * 64,
            "SignatureDoesNotMatch",
            "the signature should be 65285c19",
        ),
        (
            "HMAC-SHA256 apiKey=NCSWRONGXXXXXXXX, date=2026-04-23T08:15:30Z, "
            "salt=0123456789abcdef, signature=" + "0" * 64,
            "InvalidAPIKey",
            "is not SOLAPI_API_KEY",
        ),
        ("Bearer abc", "Unauthorized", None),
    ],
)
def test_verify_says_exactly_what_is_wrong(header: str, code: str, hint: str | None) -> None:
    result = run_cli("verify", header, "--now", "2026-04-23T08:16:00Z")
    assert result.returncode == 1
    assert f"refused: {code}" in result.stdout
    if hint:
        assert hint in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_verify_reports_skew() -> None:
    value = run_cli("sign", "--date", "2026-04-23T08:15:30Z", "--salt", "0123456789abcdef")
    result = run_cli("verify", value.stdout.strip(), "--now", "2026-04-23T08:31:31Z")
    assert result.returncode == 1
    assert "refused: RequestTimeTooSkewed" in result.stdout


@pytest.mark.parametrize("command", ["sign", "verify"])
def test_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "usage: python -m auth_plugin" in result.stdout
