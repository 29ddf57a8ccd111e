"""The mock's HTTP protocol: limits on a request's head (431 for its size, 408 for its read
time, in the API's error shape), and one write per response."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.server import ServerState

from auth_plugin import sign_request
from http_edge.handlers import error_response
from http_edge.protocol import MAX_HEAD_BYTES, BoundedHttpToolsProtocol
from http_edge.serving import serve_in_thread
from mock_server import create_app
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
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


def head_of(size: int, method: str = "GET", path: str = "/_mock/clock", extra: str = "") -> bytes:
    """A request head of exactly ``size`` bytes (the filler header takes up the rest)."""
    start = f"{method} {path} HTTP/1.1\r\nHost: x\r\n{extra}X-Filler: "
    filler = size - len(start) - len("\r\n\r\n")
    head = f"{start}{'a' * filler}\r\n\r\n".encode()
    assert len(head) == size
    return head


def send_in_reads(sock: socket.socket, *pieces: bytes) -> None:
    """Each piece in a read of its own on the server (a pause between them)."""
    for index, piece in enumerate(pieces):
        if index:
            time.sleep(0.05)
        sock.sendall(piece)


ADVANCE_BODY = b'{"seconds": 0}'
ADVANCE_HEADERS = (
    f"Content-Type: application/json\r\nContent-Length: {len(ADVANCE_BODY)}\r\n"
    "Connection: close\r\n"
)


@pytest.mark.parametrize("last_reads", [1, 4], ids=["last byte", "last four bytes one by one"])
def test_a_head_at_the_limit_whose_end_straddles_reads_is_served(last_reads: int) -> None:
    # The last read holds the head's last byte and the body: only the byte counts.
    with serve_in_thread(create_app()) as url:
        sock = connect(url)
        head = head_of(MAX_HEAD_BYTES, "POST", "/_mock/clock/advance", ADVANCE_HEADERS)
        split = len(head) - last_reads
        pieces = [
            head[:1000],
            head[1000:split],
            *(head[i : i + 1] for i in range(split, len(head))),
        ]
        pieces[-1] += ADVANCE_BODY
        send_in_reads(sock, *pieces)
        status, body = read_response(sock)
        sock.close()
        assert status == 200
        assert "now" in body


def test_one_byte_over_the_limit_is_refused_even_when_the_end_straddles_two_reads() -> None:
    with serve_in_thread(create_app()) as url:
        sock = connect(url)
        head = head_of(MAX_HEAD_BYTES + 1)
        send_in_reads(sock, head[:-1], head[-1:])
        status, body = read_response(sock)
        sock.close()
        assert (status, body["errorCode"]) == (431, "RequestHeaderFieldsTooLarge")


def test_a_head_at_the_limit_arriving_with_its_body_is_served_and_one_over_is_not() -> None:
    answers = []
    with serve_in_thread(create_app()) as url:
        for size in (MAX_HEAD_BYTES, MAX_HEAD_BYTES + 1):
            sock = connect(url)
            head = head_of(size, "POST", "/_mock/clock/advance", ADVANCE_HEADERS)
            sock.sendall(head + ADVANCE_BODY)
            answers.append(read_response(sock)[0])
            sock.close()
    assert answers == [200, 431]


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"HELLO\r\n\r\n", id="garbage request line"),
        pytest.param(b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", id="unknown method"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", id="NUL in a header"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", id="CR in a header"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            id="Content-Length with Transfer-Encoding",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            id="two Content-Lengths",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", id="negative length"
        ),
    ],
)
def test_a_request_that_is_not_http_is_refused_in_the_error_shape(
    live_mock: str, request_bytes: bytes
) -> None:
    sock = connect(live_mock)
    sock.sendall(request_bytes)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["errorCode"] == "BadRequest"
    assert httpx.get(f"{live_mock}/_mock/clock", timeout=5).status_code == 200


@pytest.fixture(scope="module")
def live_mock() -> Iterator[str]:
    with serve_in_thread(create_app()) as url:
        yield url


# --- one write per response ------------------------------------------------------------


class RecordingTransport(asyncio.Transport):
    """The far end of a connection: every call the protocol makes to send or close."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bytes]] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.calls.append(("writelines", b"".join(bytes(data) for data in list_of_data)))

    def close(self) -> None:
        self.calls.append(("close", b""))

    def is_closing(self) -> bool:
        return ("close", b"") in self.calls

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def exchange(app: ASGIApp, request: bytes, settle: float = 0.3) -> list[tuple[str, bytes]]:
    """Feed ``request`` to the mock's protocol serving ``app``; what it sent, call by call."""

    async def scenario() -> list[tuple[str, bytes]]:
        config = uvicorn.Config(app, log_level="error", lifespan="off")
        protocol = BoundedHttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
        transport = RecordingTransport()
        protocol.connection_made(transport)
        protocol.data_received(request)
        await asyncio.sleep(settle)
        protocol.connection_lost(None)
        return transport.calls

    return asyncio.run(scenario())


def test_a_response_goes_out_in_one_call_head_and_body_together() -> None:
    calls = exchange(create_app(), b"GET /_mock/clock HTTP/1.1\r\nHost: x\r\n\r\n")
    sends = [call for call in calls if call[0] != "close"]
    assert len(sends) == 1, calls
    kind, data = sends[0]
    head, _, body = data.partition(b"\r\n\r\n")
    assert kind == "writelines"
    assert head.startswith(b"HTTP/1.1 200 ")
    assert "now" in json.loads(body)


def test_a_head_whose_body_comes_later_is_not_held_back() -> None:
    async def slow_body(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.1)  # the loop turns several times before the body
        await send({"type": "http.response.body", "body": b"late"})

    calls = exchange(slow_body, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    sends = [data for kind, data in calls if kind != "close"]
    assert sends[0].startswith(b"HTTP/1.1 200 ")
    assert sends[0].endswith(b"\r\n\r\n")
    assert b"late" in b"".join(sends[1:])


def test_a_refusal_is_sent_before_the_connection_closes() -> None:
    calls = exchange(create_app(), head_of(MAX_HEAD_BYTES + 1), settle=0.05)
    assert [kind for kind, _ in calls][-1] == "close"
    sent = b"".join(data for kind, data in calls if kind != "close")
    assert sent.startswith(b"HTTP/1.1 431 ")
    assert json.loads(sent.partition(b"\r\n\r\n")[2])["errorCode"] == "RequestHeaderFieldsTooLarge"


def test_the_protocols_refusal_and_the_apps_error_have_the_same_bytes(live_mock: str) -> None:
    """One error shape at the edge: a refusal before the app is rendered as the app renders one."""
    sock = connect(live_mock)
    sock.sendall(b"GARBAGE\r\n\r\n")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    body = data.partition(b"\r\n\r\n")[2]
    message = json.loads(body)["errorMessage"]
    assert body == error_response(400, "BadRequest", message).body
    assert "\\u" not in body.decode()  # UTF-8, as every answer of the app


# --- a fault keeps the connection ------------------------------------------------------


def read_one_response(sock: socket.socket) -> tuple[int, bytes, bytes]:
    """One response off a kept-alive connection: status, head, body (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(
        line.split(b":", 1)[1] for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ))  # fmt: skip
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        body += chunk
    return int(head.split()[1]), head, body


def test_a_fault_is_answered_500_and_the_connection_serves_the_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client reusing its connection after a 500 gets its next answer, not a closed socket."""
    from mock_server import operations

    def broken(*args: Any) -> Any:
        raise RuntimeError("a fault inside the mock")

    monkeypatch.setitem(operations.HANDLERS, "bulkDeleteRecords", broken)
    body = b'{"recordIds": ["CRMRC1260423081530123REC11122233"]}'
    with serve_in_thread(create_app()) as url:
        sock = connect(url)
        try:
            for expected in (500, 500, 200):
                if expected == 500:
                    header = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
                    request = (
                        f"POST {DELETE} HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                    ).encode() + body
                else:
                    request = b"GET /_mock/clock HTTP/1.1\r\nHost: x\r\n\r\n"
                sock.sendall(request)
                status, head, answer = read_one_response(sock)
                assert status == expected
                assert b"connection: close" not in head.lower()
                if status == 500:
                    assert json.loads(answer)["errorCode"] == "InternalServerError"
        finally:
            sock.close()


# --- trailers and slow bodies ------------------------------------------------------------


async def echo_header_names(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body first, then answers with the header names it was given."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    names = json.dumps(sorted(name.decode() for name, _ in scope["headers"])).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(names)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": names})


def test_a_chunked_bodys_trailer_never_becomes_a_header() -> None:
    """The trailer arrives after the head (a separate write): it must not join the headers."""
    with serve_in_thread(echo_header_names) as url:
        sock = connect(url)
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
        )
        time.sleep(0.2)
        sock.sendall(b"0\r\nAuthorization: HMAC-SHA256 sneaky\r\nX-Trailer: yes\r\n\r\n")
        status, _, body = read_one_response(sock)
        sock.close()
    assert status == 200
    names = json.loads(body)
    assert "authorization" not in names
    assert "x-trailer" not in names
    assert "transfer-encoding" in names


def test_a_body_that_stops_arriving_is_answered_408(monkeypatch: pytest.MonkeyPatch) -> None:
    from http_edge import handlers

    monkeypatch.setattr(handlers, "BODY_TIMEOUT_SECONDS", 0.5)
    header = sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET)
    with serve_in_thread(create_app()) as url:
        sock = connect(url)
        sock.sendall(
            f"POST {DELETE} HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n"
            'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"recordIds"'.encode()
        )
        started = time.monotonic()
        status, _, body = read_one_response(sock)
        waited = time.monotonic() - started
        sock.close()
        assert httpx.get(f"{url}/_mock/clock", timeout=5).status_code == 200  # still serving
    assert status == 408
    assert json.loads(body)["errorCode"] == "RequestTimeout"
    assert waited < 5
