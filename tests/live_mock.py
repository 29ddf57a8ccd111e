"""The mock server over real HTTP on 127.0.0.1, for tests."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from http_edge.serving import free_port, serve_in_thread, serve_process
from mock_server.state import MockState
from validating_proxy import create_proxy_app
from validating_proxy.app import uvicorn_options

__all__ = ["RunningMock", "RunningProxy", "free_port", "mock_process", "serve", "serve_proxy"]


@dataclass
class RunningMock:
    url: str
    app: Starlette

    @property
    def state(self) -> MockState:
        mock: MockState = self.app.state.mock
        return mock


@contextmanager
def serve(app: Starlette) -> Iterator[RunningMock]:
    """Serve ``app`` on 127.0.0.1 until the block ends."""
    with serve_in_thread(app) as url:
        yield RunningMock(url, app)


@dataclass
class RunningProxy:
    url: str
    app: Starlette
    report_path: Path

    def report_text(self) -> str:
        """The report so far.

        An exchange's lines are written just after its answer has gone: one
        round trip to the proxy first, so that every answer received so far
        has its lines written (once the proxy has stopped, they all are).
        """
        with contextlib.suppress(httpx.ConnectError):
            self.summary()
        if not self.report_path.exists():
            return ""
        return self.report_path.read_text(encoding="utf-8")

    def lines(self) -> list[dict[str, Any]]:
        """The report's lines so far, parsed."""
        text = self.report_text()
        # JSON lines end with "\n" only: a value may hold U+2028 or U+0085, which
        # str.splitlines() would also split at.
        return [json.loads(line) for line in text.split("\n") if line]

    def summary(self) -> dict[str, Any]:
        """``GET /_proxy/summary``."""
        answer: dict[str, Any] = httpx.get(f"{self.url}/_proxy/summary", timeout=10).json()
        return answer


@contextmanager
def serve_proxy(upstream: str, report_path: Path, **options: Any) -> Iterator[RunningProxy]:
    """The validating proxy in front of ``upstream`` on 127.0.0.1 until the block ends."""
    app = create_proxy_app(upstream=upstream, report_path=report_path, **options)
    try:
        with serve_in_thread(app, **uvicorn_options(app)) as url:
            yield RunningProxy(url, app, report_path)
    finally:
        app.state.proxy.report.close()


@contextmanager
def mock_process(command: list[str], port: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``command`` (a mock serving on ``port``); yield its URL and process once it answers."""
    url = f"http://127.0.0.1:{port}"
    with serve_process(command, url, timeout=30) as process:
        yield url, process
