"""What a difference between two versions of the contract is: its kind, rule and place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Whom a change breaks.

    ``BREAKING_CLIENT``: a client written against the old contract may fail
    (its requests refused, or answers it does not expect).
    ``BREAKING_SERVER``: a server that kept the old contract would now break
    the new one (it may send what the new one forbids).
    ``COMPATIBLE``: neither.
    """

    BREAKING_CLIENT = "breaking for clients"
    BREAKING_SERVER = "breaking for the server"
    COMPATIBLE = "compatible"

    @property
    def breaking(self) -> bool:
        return self is not Kind.COMPATIBLE


class Direction(StrEnum):
    """Which way a schema's data travels: it decides who a narrower or wider schema breaks."""

    REQUEST = "request"
    RESPONSE = "response"

    def narrower(self) -> Kind:
        """A schema that accepts less: clients' requests are refused, or servers' answers."""
        return Kind.BREAKING_CLIENT if self is Direction.REQUEST else Kind.BREAKING_SERVER

    def wider(self) -> Kind:
        """A schema that accepts more: servers must take it, or clients may receive it."""
        return Kind.COMPATIBLE if self is Direction.REQUEST else Kind.BREAKING_CLIENT


@dataclass(frozen=True, order=True)
class Change:
    """One classified difference.

    >>> str(Change(Kind.BREAKING_CLIENT, "operation-removed", "DELETE /things", "removed"))
    'DELETE /things: removed [operation-removed]'
    """

    kind: Kind
    rule: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail} [{self.rule}]"
