"""The mock server over real HTTP on 127.0.0.1, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from mock_server.serving import free_port, serve_in_thread
from mock_server.state import MockState

__all__ = ["RunningMock", "free_port", "serve"]


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
