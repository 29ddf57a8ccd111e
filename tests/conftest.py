from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server import create_app
from tests.live_mock import RunningMock, serve

# Loaded by schemathesis only (it reads credentials at import), never by pytest.
collect_ignore = ["contract/hooks.py"]


@pytest.fixture
def mock() -> Iterator[RunningMock]:
    """A fresh mock with the demo fixtures, over real HTTP on 127.0.0.1."""
    with serve(create_app()) as running:
        yield running
