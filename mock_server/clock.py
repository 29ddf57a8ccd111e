"""The mock's data clock: real time plus an offset that the admin API can advance."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from auth_plugin.signing import new_date


class MockClock:
    """A clock for dates stored by the mock (creation, deletion, trash purge).

    Signatures are judged by a separate clock (the real one by default):
    advancing this clock by 14 days must not make every client's date skewed.

    >>> clock = MockClock(start=datetime(2026, 4, 23, tzinfo=UTC), frozen=True)
    >>> clock.advance(timedelta(days=14)).isoformat()
    '2026-05-07T00:00:00+00:00'
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        real = datetime.now(UTC)
        self._origin = start or real
        self._start_shift = self._origin - real  # running: real time + this, + the offset
        self._offset = timedelta(0)

    def now(self) -> datetime:
        # No lock: _offset is replaced whole, never changed in place.
        if self._frozen:
            return self._origin + self._offset
        return datetime.now(UTC) + self._start_shift + self._offset

    def rewind(self) -> datetime:
        """Undo every advance (the admin API's reset); return the time now."""
        with self._lock:
            self._offset = timedelta(0)
        return self.now()

    def advance(self, delta: timedelta, *, limit: timedelta | None = None) -> datetime:
        """Move the clock forward (never backward) and return the new time.

        ``limit`` bounds the whole offset since the start (or the last rewind): an advance
        past it raises ``OverflowError`` and changes nothing, so that many small advances
        cannot carry the dates out of what a ``datetime`` holds.

        >>> clock = MockClock(start=datetime(2026, 4, 23, tzinfo=UTC), frozen=True)
        >>> clock.advance(timedelta(days=2), limit=timedelta(days=3)).day
        25
        >>> clock.advance(timedelta(days=2), limit=timedelta(days=3))
        Traceback (most recent call last):
        OverflowError: the clock would move 4 days, 0:00:00 past its start (at most 3 days, 0:00:00)
        """
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            offset = self._offset + delta
            if limit is not None and offset > limit:
                raise OverflowError(
                    f"the clock would move {offset} past its start (at most {limit})"
                )
            self._offset = offset
        return self.now()


def isoformat_ms(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``, as the API writes dates.

    >>> isoformat_ms(datetime(2026, 4, 23, 8, 15, 30, 123456, tzinfo=UTC))
    '2026-04-23T08:15:30.123Z'
    """
    return new_date(moment)
