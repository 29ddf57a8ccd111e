"""Appending recorded calls to a traffic file, secrets blanked, one write per line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

import crm_contract
from traffic.record import Call, json_line
from traffic.redaction import Redactor


class TrafficWriter:
    """Appends :class:`Call`\\ s to ``path`` as JSON lines.

    Every string of a call (path and bodies, keys included) passes through
    ``redactor`` first; with ``hash_key_ids`` a key id is written as
    ``sha256:<hex>`` (the same key always the same value, so calls still
    group by partner). The file is created 0600: it holds real traffic.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "calls.jsonl"
    >>> with TrafficWriter(path, redactor=Redactor(["hunter2-secret"])) as writer:
    ...     writer.write(Call(source="proxy", operation=None, method="GET",
    ...                       path="/x/hunter2-secret", key_id="NCSKEY"))
    >>> '"/x/[secret]"' in path.read_text()
    True
    """

    def __init__(
        self, path: Path, *, redactor: Redactor | None = None, hash_key_ids: bool = False
    ) -> None:
        self.path = path
        self._redactor = redactor or Redactor(())
        self._hash_key_ids = hash_key_ids
        self._contract = crm_contract.version()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        self._file: IO[str] | None = path.open("a", encoding="utf-8")
        self.written = 0

    def __repr__(self) -> str:
        return f"TrafficWriter(path={self.path!s}, written={self.written})"

    def __enter__(self) -> TrafficWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, call: Call) -> None:
        """Append ``call`` (its ``contract`` is this contract's version)."""
        if self._file is None:
            raise ValueError("the traffic file is closed")
        data = call.to_json()
        data["contract"] = self._contract
        data["keyId"] = self.key_id(call.key_id)
        line = json_line(self._redactor.value(data)) + "\n"
        self._file.write(line)
        self._file.flush()  # one line at a time: a reader never sees half a call
        self.written += 1

    def key_id(self, key: str | None) -> str | None:
        """``key`` as written: as is, or hashed (``sha256:`` and 64 hex digits)."""
        if key is None or not self._hash_key_ids:
            return key
        return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
