"""A tiny HTTP server on 127.0.0.1 that records what it receives.

Used where the test is about the client side (signing, retries), so that
the server's behaviour is scripted exactly.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Sent as is instead of ``body`` as JSON (then give Content-Type in ``headers``).
    raw_body: bytes | None = None
    #: Headers sent after ``headers``, repeated names kept.
    header_list: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    #: Every header line in order, repeated names kept.
    header_list: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class RecordingServer:
    url: str
    received: list[Received]
    script: list[Reply]


@contextmanager
def recording_server(script: list[Reply] | None = None) -> Iterator[RecordingServer]:
    """Serve ``script`` replies in order (then 200 ``{}``), recording each request."""
    received: list[Received] = []
    replies = list(script or [])
    lock = threading.Lock()
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                received.append(
                    Received(
                        self.command,
                        self.path,
                        dict(self.headers.items()),
                        body,
                        list(self.headers.items()),
                    )
                )
                reply = replies.pop(0) if replies else Reply()
            if reply.delay:
                release.wait(reply.delay)
            payload = json.dumps(reply.body).encode() if reply.raw_body is None else reply.raw_body
            self.send_response(reply.status)
            if reply.raw_body is None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in [*reply.headers.items(), *reply.header_list]:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield RecordingServer(f"http://127.0.0.1:{port}", received, replies)
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def exchange_raw(url: str, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` as it is to the server at ``url`` and read its bytes until it closes.

    For requests an HTTP client would not send (dot segments, an absolute target,
    a repeated header): end them with ``Connection: close``.
    """
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@dataclass
class RawUpstream:
    url: str
    #: What each request's answer is, as bytes on the wire, in order (then a 200 ``{}``);
    #: a pair's second part is sent 0.2 s after the first.
    script: list[bytes | tuple[bytes, bytes]]
    #: How many connections the upstream accepted.
    connections: list[int]


def http_answer(status: int, body: bytes, *headers: tuple[str, str]) -> bytes:
    """An HTTP/1.1 answer as bytes, with a Content-Length for ``body``."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@contextmanager
def raw_upstream() -> Iterator[RawUpstream]:
    """An HTTP/1.1 server that keeps connections open and writes scripted bytes as answers.

    For what a real server framework would never send: bytes after an
    answer, a body that is not what its headers say.
    """
    script: list[bytes | tuple[bytes, bytes]] = []
    connections: list[int] = []
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def serve(connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while not stopping.is_set():
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                buffer = buffer[length:]
                answer = script.pop(0) if script else http_answer(200, b"{}")
                if isinstance(answer, tuple):
                    connection.sendall(answer[0])
                    stopping.wait(0.2)
                    answer = answer[1]
                connection.sendall(answer)

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield RawUpstream(f"http://127.0.0.1:{listener.getsockname()[1]}", script, connections)
    finally:
        stopping.set()
        listener.close()
