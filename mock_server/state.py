"""``MockState``: what the handlers share, reachable as ``app.state.mock``."""

from __future__ import annotations

from dataclasses import dataclass, field

from hmac_verifier import Verifier
from mock_server.clock import MockClock
from mock_server.fixtures import Fixtures
from mock_server.spec import Operation, operations
from mock_server.store import RecordStore


@dataclass
class MockState:
    """The store, its fixtures, the data clock, the verifier and the spec's operations."""

    store: RecordStore
    fixtures: Fixtures
    clock: MockClock
    verifier: Verifier
    operations: dict[tuple[str, str], Operation] = field(default_factory=operations)

    def reset(self) -> None:
        """Reload the fixtures; the data clock goes back to real time first."""
        self.clock.rewind()
        self.store.load(self.fixtures, self.clock.now())

    def purge(self) -> int:
        """Drop trash older than 14 days by the data clock, before showing state."""
        return self.store.purge_trash(self.clock.now())
