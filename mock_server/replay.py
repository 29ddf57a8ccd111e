"""A replay cache that also remembers accepted signatures in the mock's database file.

In memory (the default), a restart forgets every signature, and every other
piece of state with it. With ``--db``, state survives a restart and can be
shared by a second process on the same file: so must the accepted
signatures, or a header accepted before a SIGKILL would be accepted again.
"""

from __future__ import annotations

from datetime import datetime

from auth_plugin import AuthError, ErrorCode
from hmac_verifier import DEFAULT_MAX_PER_KEY, ReplayCache
from mock_server.store import RecordStore


class PersistentReplayCache(ReplayCache):
    """:class:`ReplayCache` in memory first, then the store's ``accepted_signatures`` table."""

    def __init__(self, store: RecordStore, max_per_key: int = DEFAULT_MAX_PER_KEY) -> None:
        super().__init__(max_per_key)
        self._store = store

    def remember(self, api_key: str, signature: str, *, expires: datetime, now: datetime) -> None:
        super().remember(api_key, signature, expires=expires, now=now)
        if not self._store.remember_signature(bytes.fromhex(signature), expires=expires, now=now):
            raise AuthError(ErrorCode.DUPLICATED_SIGNATURE, "this signature has already been used")
