"""Limits on a request's head: size (431) and read time (408), in the API's error shape."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import httpx

from auth_plugin import sign_request
from mock_server import create_app
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from mock_server.protocol import MAX_HEAD_BYTES, BoundedHttpToolsProtocol
from mock_server.serving import serve_in_thread
from mock_server.spec import operation

DELETE = operation("bulkDeleteRecords").path


class QuickTimeout(BoundedHttpToolsProtocol):
    head_timeout = 0.5


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str]]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_huge_header_is_refused_with_431_and_the_server_goes_on() -> None:
    with serve_in_thread(create_app()) as url:
        sock = connect(url)
        sock.sendall(f"POST {DELETE} HTTP/1.1\r\nHost: x\r\nX-Big: ".encode())
        try:
            for _ in range(1024):  # up to 64 MiB, as the attack did; the server stops it early
                sock.sendall(b"a" * 65536)
        except OSError:
            pass  # the server answered and closed while we were still sending
        status, body = read_response(sock)
        sock.close()
        assert (status, body["errorCode"]) == (431, "RequestHeaderFieldsTooLarge")
        assert httpx.get(f"{url}/_mock/clock", timeout=5).status_code == 200


def test_a_head_just_under_the_limit_is_served() -> None:
    with serve_in_thread(create_app()) as url:
        filler = "a" * (MAX_HEAD_BYTES - 1000)
        response = httpx.post(
            f"{url}{DELETE}",
            json={"recordIds": ["CRMRC1260423081530999NOPE0000000"]},
            headers={
                "Authorization": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET),
                "X-Filler": filler,
            },
        )
        assert response.status_code == 200


def test_a_large_body_is_not_counted_as_head() -> None:
    with serve_in_thread(create_app()) as url:
        ids = [f"CRMRC1260423081530999{i:011d}" for i in range(1000)]
        response = httpx.post(
            f"{url}{DELETE}",
            content=json.dumps({"recordIds": ids, "padding": "x" * 500_000}),
            headers={
                "Authorization": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET),
                "Content-Type": "application/json",
            },
        )
        # The app saw it (a 400 for the unknown field), not the head limit.
        assert (response.status_code, response.json()["errorCode"]) == (400, "ValidationError")


def test_an_unfinished_head_is_answered_408_after_the_timeout() -> None:
    with serve_in_thread(create_app(), http=QuickTimeout) as url:
        sock = connect(url)
        started = time.monotonic()
        sock.sendall(f"POST {DELETE} HTTP/1.1\r\nHost: x\r\n".encode())  # and nothing more
        status, body = read_response(sock)
        elapsed = time.monotonic() - started
        sock.close()
        assert (status, body["errorCode"]) == (408, "RequestTimeout")
        assert 0.4 <= elapsed < 5


def test_a_silent_connection_is_closed_after_the_timeout() -> None:
    with serve_in_thread(create_app(), http=QuickTimeout) as url:
        sock = connect(url)
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed without a word: nothing was asked
        assert time.monotonic() - started < 5
        sock.close()
