"""``Violation``: one way a request or a response breaks the contract."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The longest text a violation holds for a value: enough that the report can
#: blank a secret out of it whole before it cuts the value to its own limit.
MAX_HELD_CHARS = 16 * 1024


@dataclass(frozen=True, slots=True)
class Violation:
    """What was checked, where, what the contract expects and what was there.

    ``check`` is a stable dotted name (``request.body.schema``,
    ``response.status``, ...: the README lists them); ``pointer`` is a JSON
    pointer into the body, or None for a check that is not about the body.

    >>> Violation("response.status", None, "one of 200, 400", "418", "undocumented status").check
    'response.status'
    """

    check: str
    pointer: str | None
    expected: str
    actual: str
    message: str

    @property
    def side(self) -> str:
        """``request``, ``response`` or ``upstream``: the first part of :attr:`check`."""
        return self.check.split(".", 1)[0]


def json_pointer(path: Sequence[str | int]) -> str:
    """The JSON pointer (RFC 6901) of a path into a document.

    >>> json_pointer(["options", 0, "a/b~c"])
    '/options/0/a~1b~0c'
    >>> json_pointer([])
    ''
    """
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def shown(value: Any) -> str:
    """A value as compact JSON, cut to :data:`MAX_HELD_CHARS` characters.

    The report cuts it shorter, after it has blanked out the secrets.

    >>> shown({"a": [1, 2]})
    '{"a":[1,2]}'
    >>> len(shown("x" * 100_000))
    16384
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) > MAX_HELD_CHARS:
        text = text[: MAX_HELD_CHARS - 3] + "..."
    return text
