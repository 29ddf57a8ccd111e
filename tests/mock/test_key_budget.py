"""Each API key has its own budget of signed requests per replay window (issue 13, item 1).

A key that spends it gets 429 with ``Retry-After``; another key is not
affected; requests refused before authentication succeeds take no slot.
The mock runs as its CLI does (``--signatures-per-key``), on 127.0.0.1.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

import crm_contract
from auth_plugin import sign_request
from auth_plugin.signing import new_date
from crm_contract import operation
from mock_server.fixtures import (
    DEMO_MEMBER_KEY,
    DEMO_MEMBER_SECRET,
    DEMO_OWNER_KEY,
    DEMO_OWNER_SECRET,
)
from tests.live_mock import free_port, mock_process

DELETE = operation("bulkDeleteRecords").path
BODY = {"recordIds": ["CRMRC1260423081530999NOPE0000000"]}
BUDGET = 4


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet",
               "--signatures-per-key", str(BUDGET)]  # fmt: skip
    with mock_process(command, port) as (base_url, _):
        yield base_url


def post(
    url: str, authorization: str | None, content_type: str = "application/json"
) -> httpx.Response:
    headers = {"content-type": content_type}
    if authorization is not None:
        headers["authorization"] = authorization
    return httpx.post(f"{url}{DELETE}", json=BODY, headers=headers, timeout=10)


def test_a_key_over_its_budget_gets_429_with_retry_after_and_no_other_key_does(url: str) -> None:
    an_hour_ago = new_date(datetime.now(UTC) - timedelta(hours=1))
    refused_before_authentication = [
        post(url, None),
        post(url, "Bearer not-a-signature"),
        post(url, sign_request(DEMO_OWNER_KEY, "WRONG SECRET")),
        post(url, sign_request("NCSUNKNOWNKEYXXX", DEMO_OWNER_SECRET)),
        post(url, sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, date=an_hour_ago)),
    ] * 3
    assert {r.status_code for r in refused_before_authentication} <= {400, 401, 403}

    # An authenticated request refused afterwards (415) still spends a slot:
    # its signature is used.
    unsupported = post(url, sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET), "text/plain")
    assert unsupported.status_code == 415
    for _ in range(BUDGET - 1):
        assert post(url, sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)).status_code == 200

    over = post(url, sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET))
    assert over.status_code == 429
    assert over.json()["errorCode"] == "TooManyRequests"
    assert set(over.json()) == {"errorCode", "errorMessage"}
    header_schema = crm_contract.document()["components"]["headers"]["RetryAfter"]["schema"]
    retry_after = over.headers["retry-after"]
    assert header_schema["type"] == "integer"
    assert retry_after.isdigit()
    # The oldest of this key's signatures was made seconds ago: it expires
    # in just under the 15-minute window.
    assert 880 <= int(retry_after) <= 901

    for _ in range(BUDGET):
        assert post(url, sign_request(DEMO_MEMBER_KEY, DEMO_MEMBER_SECRET)).status_code == 200
