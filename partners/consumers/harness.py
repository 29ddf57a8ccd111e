"""What every Python consumer shares: the signer, the plan it is given, its report.

The consumers themselves (one per generator) show how a partner calls that generator's code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

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
