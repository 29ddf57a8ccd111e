"""A tiny HTTP server on 127.0.0.1 that records what it receives.

Used where the test is about the client side (signing, retries), so that
the server's behaviour is scripted exactly.
"""

from __future__ import annotations

import json
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
