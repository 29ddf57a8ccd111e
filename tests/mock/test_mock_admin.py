"""The admin API (/_mock/): its index, its bounds, and errors that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from mock_server import create_app
from mock_server.clock import MockClock
from tests.live_mock import RunningMock, serve


def test_the_banners_path_lists_every_admin_route_and_operation(mock: RunningMock) -> None:
    index = httpx.get(f"{mock.url}/_mock/")
    assert index.status_code == 200
    listed = {(entry["method"], entry["path"]) for entry in index.json()["admin"]}
    assert ("POST", "/_mock/clock/advance") in listed
    assert ("GET", "/_mock/records") in listed
    for method, path in listed:
        if "{" not in path:  # every listed route answers (none is a stale entry)
            response = httpx.request(
                method, f"{mock.url}{path}", json={} if method == "POST" else None
            )
            assert response.status_code == 200, (method, path, response.text)
    operations = {entry["operationId"] for entry in index.json()["operations"]}
    assert operations == {"bulkDeleteRecords", "createProperty"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=9223372036854775808", "offset"),
        ("state=deleted", "state"),
    ],
)
def test_out_of_range_list_parameters_are_400(mock: RunningMock, query: str, field: str) -> None:
    response = httpx.get(f"{mock.url}/_mock/records?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "ValidationError"
    assert body["errorMessage"].startswith(f"{field}:")


def test_limit_bounds_are_inclusive(mock: RunningMock) -> None:
    assert httpx.get(f"{mock.url}/_mock/records?limit=1").json()["count"] == 1
    assert httpx.get(f"{mock.url}/_mock/records?limit=10000").json()["count"] > 3000


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"days":14,}', "BadRequest"),
        (b"{", "BadRequest"),
        # Nested deeper than the parser recurses, within the 64 KiB an admin body may have.
        (b"[" * 30_000 + b"]" * 30_000, "BadRequest"),
        (b"[14]", "ValidationError"),
        (b'{"days":"14"}', "ValidationError"),
        (b'{"days":true}', "ValidationError"),
        (b'{"days":-1}', "ValidationError"),
        (b'{"days":3000000}', "ValidationError"),
        (b'{"days":1e10}', "ValidationError"),
        (b'{"seconds":1e300}', "ValidationError"),
        (b'{"days":36500,"seconds":1}', "ValidationError"),
        (b'{"weeks":2}', "ValidationError"),
    ],
)
def test_a_refused_clock_advance_is_400_and_moves_nothing(
    mock: RunningMock, raw: bytes, code: str
) -> None:
    before = httpx.get(f"{mock.url}/_mock/clock").json()["now"]
    response = httpx.post(
        f"{mock.url}/_mock/clock/advance",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["errorCode"]) == (400, code)
    after = httpx.get(f"{mock.url}/_mock/clock").json()["now"]
    # Real time went on between the two reads; nothing was added to it.
    elapsed = datetime.fromisoformat(after) - datetime.fromisoformat(before)
    assert timedelta(0) <= elapsed < timedelta(seconds=30)
    assert httpx.get(f"{mock.url}/_mock/stats").status_code == 200


def test_the_largest_advance_is_accepted_and_the_server_keeps_working() -> None:
    clock = MockClock(start=datetime(2026, 4, 23, tzinfo=UTC), frozen=True)
    with serve(create_app(clock=clock)) as mock:
        response = httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 36_500})
        assert response.status_code == 200
        assert response.json()["now"].startswith("2126-03-30")
        assert httpx.get(f"{mock.url}/_mock/records?limit=1").status_code == 200


def test_reset_also_brings_the_data_clock_back() -> None:
    clock = MockClock(start=datetime(2026, 4, 23, tzinfo=UTC), frozen=True)
    with serve(create_app(clock=clock)) as mock:
        httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 14})
        reset = httpx.post(f"{mock.url}/_mock/reset").json()
        assert reset["now"] == "2026-04-23T00:00:00.000Z"
        assert httpx.get(f"{mock.url}/_mock/clock").json()["now"] == reset["now"]
    assert clock.now() - datetime(2026, 4, 23, tzinfo=UTC) == timedelta(0)


def test_many_small_clock_advances_cannot_carry_the_dates_out_of_range(mock: RunningMock) -> None:
    """Each advance under the per-request cap, in all past it: 400, the clock unchanged, no 500."""
    first = httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 36_000}, timeout=30)
    assert first.status_code == 200
    before = httpx.get(f"{mock.url}/_mock/clock").json()["now"]
    refused = None
    for _ in range(3_000):  # a year of dates past the limit, in 1-day steps, stops at once
        answer = httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 1}, timeout=30)
        if answer.status_code != 200:
            refused = answer
            break
    assert refused is not None
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "ValidationError"
    assert "POST /_mock/reset" in refused.json()["errorMessage"]
    # 500 one-day steps were taken (36,000 + 500 = the 36,500-day limit); the refused one
    # moved nothing.
    moved = datetime.fromisoformat(httpx.get(f"{mock.url}/_mock/clock").json()["now"]) - (
        datetime.fromisoformat(before)
    )
    assert timedelta(days=500) <= moved < timedelta(days=500, minutes=1)
    assert httpx.get(f"{mock.url}/_mock/stats").status_code == 200  # still serving, no 500
    assert httpx.post(f"{mock.url}/_mock/reset").status_code == 200
    assert httpx.post(f"{mock.url}/_mock/clock/advance", json={"days": 1}).status_code == 200


def test_an_admin_body_over_64_kib_is_refused_with_413(mock: RunningMock) -> None:
    before = httpx.get(f"{mock.url}/_mock/clock").json()["now"]
    padding = " " * (64 * 1024)
    refused = httpx.post(
        f"{mock.url}/_mock/clock/advance", content=f'{{"days": 1}}{padding}'.encode(), timeout=30
    )
    assert refused.status_code == 413
    assert refused.json()["errorCode"] == "PayloadTooLarge"
    assert httpx.get(f"{mock.url}/_mock/clock").json()["now"][:16] == before[:16]
    small = httpx.post(f"{mock.url}/_mock/clock/advance", content=b'{"days": 0}')
    assert small.status_code == 200
