"""The mock server over real HTTP on 127.0.0.1, for tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from mock_server.serving import free_port, serve_in_thread, wait_until_up
from mock_server.state import MockState

__all__ = ["RunningMock", "free_port", "mock_process", "serve"]


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


@contextmanager
def mock_process(command: list[str], port: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``command`` (a mock serving on ``port``); yield its URL and process once it answers.

    The process is killed when the block ends, whatever happened to it.
    """
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(url, 30):
            raise RuntimeError(f"the mock did not start: {command}")
        yield url, process
    finally:
        process.kill()
        process.wait()
