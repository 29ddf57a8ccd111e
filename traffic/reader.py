"""Reading traffic files back: every line checked, every problem named by file and line.

Nothing in a traffic file is executed or trusted: a line is JSON that must be
an object of this format and version, with fields of the right types, within
:data:`MAX_LINE_BYTES`; anything else stops the read with a
:class:`TrafficError` that names the file, the line and what is wrong.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from traffic.record import FORMAT, FORMAT_VERSION, Call

#: The longest line read (a call holds at most two bodies of the API's 1 MiB, escaped).
MAX_LINE_BYTES = 8 * 1024 * 1024
_STRING_OR_NULL = ("contract", "time", "operation", "keyId", "keyRole")


class TrafficError(ValueError):
    """A traffic file that cannot be read; the message names the file and the line."""


def read_calls(paths: Iterable[Path]) -> Iterator[tuple[Path, int, Call]]:
    """Each call of each file, with where it came from, in file order.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.jsonl"
    >>> _ = path.write_text('{"format": "something-else"}\\n')
    >>> try:
    ...     next(read_calls([path]))
    ... except TrafficError as error:
    ...     print(str(error).split("bad.jsonl")[1])
    :1: not a crm-core-traffic line (format 'something-else')
    """
    for path in paths:
        yield from _read_file(path)


def split(path: Path, parts: int) -> list[tuple[int, int]]:
    """``path`` cut into up to ``parts`` byte ranges ``[start, end)``, each of whole lines.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "lines"
    >>> _ = path.write_bytes(b"a\\nbb\\nccc\\n")
    >>> split(path, 2)
    [(0, 5), (5, 9)]
    """
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as error:
        raise TrafficError(f"{path}: cannot read: {error.strerror}") from None
    cuts = [0]
    with handle:
        for part in range(1, parts):
            handle.seek(max(cuts[-1], size * part // parts))
            if handle.tell() > 0:
                handle.readline(MAX_LINE_BYTES + 1)  # to the start of the next line
            cut = handle.tell()
            if cut >= size:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(size)
    return [(start, end) for start, end in itertools.pairwise(cuts) if end > start]


def read_range(path: Path, start: int, end: int) -> Iterator[tuple[Path, int, Call]]:
    """The calls of the lines that start in ``[start, end)`` (from :func:`split`), numbered
    as in the whole file."""
    return _read_file(path, start, end)


def _read_file(
    path: Path, start: int = 0, end: int | None = None
) -> Iterator[tuple[Path, int, Call]]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise TrafficError(f"{path}: cannot read: {error.strerror}") from None
    with handle:
        number = 0
        if start:
            # Lines before the range, counted at C speed for the line numbers of errors.
            remaining = start
            while remaining:
                chunk = handle.read(min(remaining, 1 << 20))
                number += chunk.count(b"\n")
                remaining -= len(chunk)
        while end is None or handle.tell() < end:
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES:
                raise TrafficError(f"{path}:{number}: a line longer than {MAX_LINE_BYTES} bytes")
            if not line.strip():
                continue
            complete = line.endswith(b"\n")
            try:
                data = _parsed(line)
            except (UnicodeDecodeError, ValueError, RecursionError):
                reason = "cut short (the file ends inside it)" if not complete else "not JSON"
                raise TrafficError(f"{path}:{number}: {reason}") from None
            yield path, number, parse_call(data, f"{path}:{number}")


#: Every digit as a 9, every other byte as a space: a run of 19 digits is then a plain
#: substring search (a regular expression retries inside every run of digits).
_DIGITS = bytes.maketrans(bytes(range(256)), bytes(57 if 48 <= b <= 57 else 32 for b in range(256)))
_LONG_DIGITS = b"9" * 19


def _parsed(line: bytes) -> Any:
    """One line's JSON, as ``json.loads`` reads it.

    orjson parses a line about 1.5x as fast (``bench -- coverage``). Where it
    would differ, ``json`` reads the line: where orjson refuses it (NaN, a lone
    surrogate escape) and where a number may pass 64 bits (19 digits in a row:
    orjson reads such an integer as a float), so what is read is always what
    ``json`` reads.
    """
    if _LONG_DIGITS not in line.translate(_DIGITS):
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line)  # bytes: decoded as UTF-8 by the parser itself


def parse_call(data: Any, where: str) -> Call:
    """``data`` (one line's JSON) as a :class:`Call`; :class:`TrafficError` naming ``where``."""
    if not isinstance(data, dict):
        raise TrafficError(f"{where}: not a JSON object")
    if data.get("format") != FORMAT:
        raise TrafficError(
            f"{where}: not a {FORMAT} line (format {str(data.get('format'))[:40]!r})"
        )
    version = data.get("version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        hint = " (written by a newer version of this tool)" if newer else ""
        raise TrafficError(
            f"{where}: format version {str(version)[:20]} is not {FORMAT_VERSION}{hint}"
        )
    for name in ("source", "method", "path"):
        if not isinstance(data.get(name), str):
            raise TrafficError(f"{where}: {name} must be a string")
    for name in _STRING_OR_NULL:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise TrafficError(f"{where}: {name} must be a string or null")
    if not isinstance(data.get("request"), dict):
        raise TrafficError(f"{where}: request must be an object")
    response = data.get("response")
    if response is not None:
        status = response.get("status") if isinstance(response, dict) else None
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise TrafficError(f"{where}: response.status must be a status code (100-599)")
    return Call.from_json(data)
