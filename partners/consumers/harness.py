"""What every Python consumer shares: the signer, the plan it is given, its report.

The consumers themselves (one per generator) show how a partner calls that generator's code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from auth_plugin.signing import RequestSigner


def signed_header() -> str:
    """A fresh Authorization header (README, "Signing by hand"); key and secret from the env."""
    return RequestSigner(os.environ["SOLAPI_API_KEY"], os.environ["SOLAPI_API_SECRET"]).header()


#: The options of the DROPDOWN the consumers create.
OPTIONS: list[dict[str, Any]] = [
    {"label": "진행 중", "value": "IN_PROGRESS", "priority": 1},
    {"label": "계약완료", "value": "CLOSED_WON", "priority": 2},
]


@dataclass(frozen=True)
class Plan:
    """The ids and names this run may use, from the matrix (CRM_PARTNER_PLAN)."""

    baseUrl: str  # noqa: N815 - the plan's JSON names
    futureUrl: str  # noqa: N815
    entityId: str  # noqa: N815
    trashFirst: str  # noqa: N815
    soft: str
    unknown: str
    permanent: str
    dropdownName: str  # noqa: N815
    textName: str  # noqa: N815


def load_plan() -> Plan:
    return Plan(**json.loads(os.environ["CRM_PARTNER_PLAN"]))


def report(observations: dict[str, Any]) -> None:
    """What the consumer read, as typed values, printed for the matrix to check."""
    print(json.dumps(observations, ensure_ascii=False))


class Failure(Protocol):
    @property
    def record_id(self) -> str: ...
    @property
    def reason(self) -> str: ...


class Deletion(Protocol):
    """A bulk delete's answer as the clients with snake_case attributes type it."""

    @property
    def permanent(self) -> bool: ...
    @property
    def deleted_count(self) -> int: ...
    @property
    def failed(self) -> Sequence[Failure]: ...
    @property
    def date_trash_expires(self) -> object: ...


class Option(Protocol):
    @property
    def value(self) -> str: ...


class Created(Protocol):
    """A created property as the clients with snake_case attributes type it."""

    @property
    def property_id(self) -> str: ...
    @property
    def field_type(self) -> str: ...
    @property
    def options(self) -> Sequence[Option]: ...


def report_answers(
    *,
    trash_first: Deletion,
    soft: Deletion,
    permanent: Deletion,
    dropdown: Created,
    text: Created,
    conflict: dict[str, object],
    future_delete: Deletion,
    future_property: Created,
) -> None:
    """:func:`report` for clients whose models have snake_case attributes."""
    report({
        "trashFirst": {"deletedCount": trash_first.deleted_count},
        "soft": {
            "permanent": soft.permanent, "deletedCount": soft.deleted_count,
            "failed": [{"recordId": f.record_id, "reason": f.reason} for f in soft.failed],
        },
        "permanent": {
            "permanent": permanent.permanent, "deletedCount": permanent.deleted_count,
            "dateTrashExpires": permanent.date_trash_expires,
        },
        "dropdown": {
            "propertyId": dropdown.property_id, "fieldType": dropdown.field_type,
            "options": [option.value for option in dropdown.options],
        },
        "text": {"propertyId": text.property_id, "fieldType": text.field_type},
        "conflict": conflict,
        "futureDelete": {"reasons": [f.reason for f in future_delete.failed]},
        "futureProperty": {"fieldType": future_property.field_type},
    })  # fmt: skip
