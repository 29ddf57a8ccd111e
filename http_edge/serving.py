"""Serving on 127.0.0.1: the CLIs' listening socket, and an ASGI app in a background thread
(tests, benchmarks, the contract run)."""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from http_edge.protocol import BoundedHttpToolsProtocol


def listen(host: str, port: int) -> socket.socket:
    """A bound socket for uvicorn; bound here so that the banner names the real port.

    >>> sock = listen("127.0.0.1", 0)
    >>> sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    True
    >>> sock.close()
    """
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, small responses wait for
    # Nagle + delayed ACK (44 ms per request, measured).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((host, port))
        # Listening before the banner: a client that connects at once is queued
        # until the app is ready, not refused.
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


def port_number(text: str) -> int:
    """``text`` as a TCP port, for argparse (0 picks a free one)."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


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
    server_header: bool = True,
    date_header: bool = True,
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
            server_header=server_header,
            date_header=date_header,
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


@contextmanager
def serve_process(
    command: list[str],
    probe_url: str,
    *,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (a server of ours) until the block ends, once ``probe_url`` answers.

    The one way the tests and benchmarks start a server in a process of its own and wait for
    it: its output is discarded; it is stopped (SIGTERM, then SIGKILL after 10 s) whatever
    happened in the block, and ``RuntimeError`` names the command if it never answers.
    """
    # Our own servers' command lines, made by the caller (tests, benchmarks).
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    try:
        if not wait_until_up(probe_url, timeout):
            raise RuntimeError(
                f"{' '.join(command)} did not answer at {probe_url} in {timeout:g} s"
            )
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
