"""Serve an ASGI app on 127.0.0.1 in a background thread (tests, benchmarks, the contract run)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.types import ASGIApp

from mock_server.protocol import BoundedHttpToolsProtocol


def wait_until_up(url: str, seconds: float) -> bool:
    """Whether a server at ``url`` answers any HTTP request within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return True
        except httpx.TransportError:
            time.sleep(0.05)
    return False


def free_port() -> int:
    """A port that is free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_in_thread(
    app: ASGIApp,
    *,
    start_timeout: float = 20.0,
    http: type[asyncio.Protocol] = BoundedHttpToolsProtocol,
) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 until the block ends; yield its base URL.

    >>> from mock_server import create_app
    >>> with serve_in_thread(create_app()) as url:
    ...     url.startswith("http://127.0.0.1:")
    True
    """
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="error",
            access_log=False,
            proxy_headers=False,
            http=http,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
