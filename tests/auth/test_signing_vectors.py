"""Fixed vectors checked against the seeds' own algorithms, at test time.

The curl sample signs with ``openssl dgst -sha256 -hmac``; the Node sample
with ``crypto.createHmac('sha256', secret)``. Each vector is signed by our
code and by the seed's tool, and both must agree.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

import pytest

from auth_plugin import RequestSigner, compute_signature, parse_header, sign_request
from auth_plugin.header import parse_date
from auth_plugin.signing import new_date, new_salt
from tests.environment import require_tool

SECRET = "YOUR_API_SECRET"
VECTORS = [
    ("2026-04-23T08:15:30.123Z", "0123456789abcdef0123456789abcdef"),  # Node toISOString()
    ("2026-04-23T08:15:30Z", "f3a9c2b1d4e5f6a7b8c9d0e1f2a3b4c5"),  # the Python sample
    ("2026-04-23T17:15:30.123+09:00", "AbCdEfGhIjKlMnOpQrStUvWxYz012345"),  # Node SDK
    ("2026-04-23T17:15:30+09:00", "abcdefabcdef"),  # offset, 12-character salt
]


def openssl_signature(secret: str, date: str, salt: str) -> str:
    # The curl sample: echo -n "${DATE}${SALT}" | openssl dgst -sha256 -hmac "${API_SECRET}"
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret],
        input=(date + salt).encode(),
        capture_output=True,
        check=True,
    )
    return result.stdout.decode().split()[-1]


def node_signature(secret: str, date: str, salt: str) -> str:
    script = (
        "const crypto = require('crypto');"
        "const [secret, date, salt] = process.argv.slice(1);"
        "process.stdout.write(crypto.createHmac('sha256', secret).update(date + salt).digest('hex'));"
    )
    result = subprocess.run(
        ["node", "-e", script, secret, date, salt], capture_output=True, check=True, text=True
    )
    return result.stdout


@pytest.mark.parametrize(("date", "salt"), VECTORS)
def test_matches_openssl_pipeline_of_curl_sample(date: str, salt: str) -> None:
    require_tool("openssl", "the curl sample's signer is unavailable")
    assert compute_signature(SECRET, date, salt) == openssl_signature(SECRET, date, salt)


@pytest.mark.parametrize(("date", "salt"), VECTORS)
def test_matches_node_crypto_of_node_sample(date: str, salt: str) -> None:
    require_tool("node", "the Node sample's signer is unavailable")
    assert compute_signature(SECRET, date, salt) == node_signature(SECRET, date, salt)


@pytest.mark.parametrize(("date", "salt"), VECTORS)
def test_header_carries_the_parts_in_the_documented_layout(date: str, salt: str) -> None:
    value = sign_request("NCSXXXXXXXXXXXXX", SECRET, date=date, salt=salt)
    signature = compute_signature(SECRET, date, salt)
    assert value == (
        f"HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date={date}, salt={salt}, signature={signature}"
    )
    assert parse_header(value).signature == signature
    assert signature == signature.lower()
    assert len(signature) == 64


def test_defaults_are_fresh_utc_dates_and_32_hex_salts() -> None:
    first = parse_header(sign_request("NCSXXXXXXXXXXXXX", SECRET))
    second = parse_header(sign_request("NCSXXXXXXXXXXXXX", SECRET))
    assert first.salt != second.salt
    assert len(first.salt) == 32
    int(first.salt, 16)
    assert first.date.endswith("Z")
    assert len(first.date) == len("2026-04-23T08:15:30.123Z")


def test_current_date_is_the_clock_in_utc_to_the_millisecond() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    date = new_date()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", date)
    assert before <= parse_date(date) <= after


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 4, 23, 8, 15, 30, 999_999, tzinfo=UTC), "2026-04-23T08:15:30.999Z"),
        (datetime(2026, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC), "2026-12-31T23:59:59.999Z"),
        (datetime.fromisoformat("2026-04-23T17:15:30.5+09:00"), "2026-04-23T08:15:30.500Z"),
    ],
)
def test_the_signer_takes_its_date_from_the_injected_clock(moment: datetime, expected: str) -> None:
    signer = RequestSigner("NCSXXXXXXXXXXXXX", SECRET, clock=lambda: moment)
    header = parse_header(signer.header())
    assert header.date == expected
    assert header.signature == compute_signature(SECRET, expected, header.salt)


def test_salts_are_unique_hex() -> None:
    salts = {new_salt() for _ in range(10_000)}
    assert len(salts) == 10_000
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in salts)


def test_signer_matches_the_one_off_function() -> None:
    signer = RequestSigner("NCSXXXXXXXXXXXXX", SECRET)
    for date, salt in VECTORS:
        assert signer.header(date=date, salt=salt) == sign_request(
            "NCSXXXXXXXXXXXXX", SECRET, date=date, salt=salt
        )
