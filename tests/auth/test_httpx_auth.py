"""HmacAuth with real httpx clients against a local server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import httpx
import requests

from auth_plugin import HmacAuth, parse_header
from auth_plugin.requests_auth import HmacRequestsAuth
from hmac_verifier import Verifier
from tests.recording_server import Reply, recording_server

KEY, SECRET = "NCSXXXXXXXXXXXXX", "YOUR_API_SECRET"


def verify_all(headers: list[str]) -> None:
    verifier = Verifier({KEY: SECRET}.get)
    for header in headers:
        verifier.verify(header)  # raises on a bad or replayed signature


def test_three_requests_carry_three_salts() -> None:
    with (
        recording_server() as server,
        httpx.Client(base_url=server.url, auth=HmacAuth(KEY, SECRET)) as client,
    ):
        for _ in range(3):
            client.post("/crm-core/v1/records/bulk/delete", json={"recordIds": []})
    headers = [r.headers["Authorization"] for r in server.received]
    assert len({parse_header(h).salt for h in headers}) == 3
    verify_all(headers)


def test_async_client_signs_each_request() -> None:
    async def run(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, auth=HmacAuth(KEY, SECRET)) as client:
            await asyncio.gather(*(client.post("/x", json={}) for _ in range(3)))

    with recording_server() as server:
        asyncio.run(run(server.url))
    headers = [r.headers["Authorization"] for r in server.received]
    assert len({parse_header(h).salt for h in headers}) == 3
    verify_all(headers)


def test_resent_request_is_signed_afresh() -> None:
    with (
        recording_server() as server,
        httpx.Client(base_url=server.url, auth=HmacAuth(KEY, SECRET)) as client,
    ):
        request = client.build_request("POST", "/crm-core/v1/properties", json={})
        client.send(request)
        client.send(request)  # what a retry loop does
    first, second = (r.headers["Authorization"] for r in server.received)
    assert parse_header(first).signature != parse_header(second).signature
    verify_all([first, second])


def test_redirect_is_signed_afresh_with_the_event_hooks() -> None:
    script = [Reply(status=307, headers={"Location": "/crm-core/v1/properties"})]
    auth = HmacAuth(KEY, SECRET)
    with (
        recording_server(script) as server,
        httpx.Client(
            base_url=server.url, auth=auth, event_hooks=auth.event_hooks(), follow_redirects=True
        ) as client,
    ):
        client.post("/old", json={})
    assert [r.path for r in server.received] == ["/old", "/crm-core/v1/properties"]
    headers = [r.headers["Authorization"] for r in server.received]
    assert parse_header(headers[0]).salt != parse_header(headers[1]).salt
    verify_all(headers)


def test_requests_variant_signs_each_request() -> None:
    with recording_server() as server:
        session = requests.Session()
        session.auth = HmacRequestsAuth(KEY, SECRET)
        for _ in range(2):
            session.post(f"{server.url}/crm-core/v1/records/bulk/delete", json={}, timeout=5)
    headers = [r.headers["Authorization"] for r in server.received]
    assert len({parse_header(h).salt for h in headers}) == 2
    verify_all(headers)
