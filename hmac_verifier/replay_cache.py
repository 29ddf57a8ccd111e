"""Which signatures the server has accepted, per API key: the replay check and its rate limit.

The server must refuse a signature it accepted within the window, so it
remembers every accepted one until its date leaves the window (after that
the skew check refuses it anyway). Memory grows with the accepted rate, so
each API key gets a budget of live signatures: a key that spends it is
refused with ``TooManyRequests`` and a ``retry_after`` until its oldest
signatures expire, and no other key is affected.

Layout (measured in ``bench/bench_auth.py``): per key, a bucket per expiry
second of 64-bit signature prefixes; the newest in a set, settled within a
second into sorted ``array('Q')`` runs of 8 bytes per signature. About
8.6 bytes per signature in all, plus a few hundred bytes per bucket (at most
1,801 buckets per key).
"""

from __future__ import annotations

import heapq
import math
import threading
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain

from auth_plugin.errors import AuthError, ErrorCode

#: The server refuses dates further than this from its clock, and remembers
#: accepted signatures this long.
WINDOW = timedelta(minutes=15)
#: Default budget of live signatures per API key: 6,666 requests per second
#: sustained over the window (the mock's full speed on 2 cores is ~5,200),
#: about 50 MiB for a key that spends it.
DEFAULT_MAX_PER_KEY = 6_000_000


#: Newest prefixes of one bucket kept in a set until they are settled into a
#: sorted run (every second, or at this many).
_NEW_LIMIT = 4096


class _Bucket:
    """The prefixes of one expiry second: a set of the newest, sorted runs of the rest.

    Runs merge like a binary counter (a run is merged into the one before
    it while that one is not larger), so a bucket of n prefixes has at most
    log2(n / 4096) + 1 runs and settling costs O(log n) per prefix, even
    when a client signs every request with the same date.
    """

    __slots__ = ("new", "runs")

    def __init__(self) -> None:
        self.new: set[int] | None = None
        self.runs: list[array[int]] = []

    def __len__(self) -> int:
        return len(self.new or ()) + sum(len(run) for run in self.runs)

    def __contains__(self, prefix: int) -> bool:
        if self.new is not None and prefix in self.new:
            return True
        for run in self.runs:
            position = bisect_left(run, prefix)
            if position < len(run) and run[position] == prefix:
                return True
        return False

    def add(self, prefix: int) -> None:
        if self.new is None:
            self.new = {prefix}
        else:
            self.new.add(prefix)
            if len(self.new) >= _NEW_LIMIT:
                self.settle()

    def settle(self) -> None:
        """Move the newest prefixes into the sorted runs (8 bytes each)."""
        if not self.new:
            return
        run = sorted(self.new)
        self.new = None
        while self.runs and len(self.runs[-1]) <= len(run):
            run = sorted(chain(self.runs.pop(), run))  # two sorted runs: a linear merge
        self.runs.append(array("Q", run))


@dataclass(slots=True)
class _KeySignatures:
    """One key's live signatures, bucketed by the second they expire in."""

    count: int = 0
    buckets: dict[int, _Bucket] = field(default_factory=dict)
    expiry_seconds: list[int] = field(default_factory=list)  # a heap of the buckets' keys
    unsettled: list[_Bucket] = field(default_factory=list)

    def drop_expired(self, now: float) -> None:
        # Bucket ``s`` holds expiries in [s, s + 1): once now >= s + 1 every
        # entry in it has expired, never earlier.
        while self.expiry_seconds and self.expiry_seconds[0] + 1 <= now:
            second = heapq.heappop(self.expiry_seconds)
            self.count -= len(self.buckets.pop(second))

    def retry_after(self, now: float) -> int:
        """Whole seconds until the oldest bucket expires (at least 1)."""
        return max(1, math.ceil(self.expiry_seconds[0] + 1 - now))

    def settle(self) -> None:
        for bucket in self.unsettled:
            bucket.settle()
        self.unsettled.clear()


class ReplayCache:
    """Signatures accepted within the window, per API key; thread-safe and bounded.

    Each entry expires when the date it was signed with leaves the window
    (``date + WINDOW``), and not before: an entry is never forgotten while
    a replay of it could pass the skew check. Only verified signatures are
    remembered, so a request refused before authentication succeeds takes
    no slot.

    Budget: at most ``max_per_key`` live signatures per API key. A key that
    has spent its budget is refused with ``TooManyRequests`` (its
    ``retry_after`` says when its oldest signatures expire); other keys are
    unaffected. The number of keys is the server's own configuration, so
    memory stays below about ``8.5 bytes x max_per_key`` per key in use
    (plus ~70 bytes for each signature of the last second, not yet settled).

    Signatures are compared by their first 64 bits within one key and one
    expiry second: a fresh signature matches a different live one with
    probability about 3e-16 at 5,000 requests per second, and below 4e-13
    with a whole default budget signed in one second.

    >>> from datetime import UTC
    >>> cache = ReplayCache(max_per_key=1)
    >>> now = datetime(2026, 4, 23, tzinfo=UTC)
    >>> cache.remember("NCSXXXXXXXXXXXXX", "ab" * 32, expires=now + WINDOW, now=now)
    >>> cache.remember("NCSXXXXXXXXXXXXX", "ab" * 32, expires=now + WINDOW, now=now)
    Traceback (most recent call last):
    ...
    auth_plugin.errors.AuthError: DuplicatedSignature: this signature has already been used
    >>> cache.remember("NCSXXXXXXXXXXXXX", "cd" * 32, expires=now + WINDOW, now=now)
    Traceback (most recent call last):
    ...
    auth_plugin.errors.AuthError: TooManyRequests: this API key has 1 live signatures, its budget; retry in 901 s
    """

    def __init__(self, max_per_key: int = DEFAULT_MAX_PER_KEY) -> None:
        if max_per_key < 1:
            raise ValueError("max_per_key must be at least 1")
        self.max_per_key = max_per_key
        self._keys: dict[str, _KeySignatures] = {}
        self._next_sweep = 0.0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return sum(signatures.count for signatures in self._keys.values())

    def __repr__(self) -> str:
        return f"ReplayCache(max_per_key={self.max_per_key}, live={len(self)})"

    def remember(self, api_key: str, signature: str, *, expires: datetime, now: datetime) -> None:
        """Record ``signature`` for ``api_key`` until ``expires``.

        Raises ``DuplicatedSignature`` if it is live already, ``TooManyRequests``
        (with ``retry_after``) if the key has spent its budget.
        """
        prefix = int(signature[:16], 16)
        second = math.floor(expires.timestamp())
        now_seconds = now.timestamp()
        with self._lock:
            signatures = self._keys.get(api_key)
            if signatures is None:
                signatures = self._keys[api_key] = _KeySignatures()
            signatures.drop_expired(now_seconds)
            bucket = signatures.buckets.get(second)
            if bucket is not None and prefix in bucket:
                raise AuthError(
                    ErrorCode.DUPLICATED_SIGNATURE, "this signature has already been used"
                )
            if signatures.count >= self.max_per_key:
                retry_after = signatures.retry_after(now_seconds)
                raise AuthError(
                    ErrorCode.TOO_MANY_REQUESTS,
                    f"this API key has {signatures.count} live signatures, its budget; "
                    f"retry in {retry_after} s",
                    retry_after=retry_after,
                )
            if bucket is None:
                bucket = signatures.buckets[second] = _Bucket()
                heapq.heappush(signatures.expiry_seconds, second)
            if bucket.new is None:
                signatures.unsettled.append(bucket)
            bucket.add(prefix)
            signatures.count += 1
            if now_seconds >= self._next_sweep:
                self._sweep(now_seconds)

    def _sweep(self, now: float) -> None:
        # Once a second: settle the newest signatures into 8-byte entries;
        # a key that went quiet does not keep its expired signatures, and a
        # key with none left costs nothing.
        for key in list(self._keys):
            signatures = self._keys[key]
            signatures.drop_expired(now)
            signatures.settle()
            if signatures.count == 0:
                del self._keys[key]
        self._next_sweep = now + 1
