"""The spec's operations as the mock serves them: each with the generated model of its body.

Everything else about the contract comes from :mod:`crm_contract`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import crm_core_models
from pydantic import TypeAdapter

import crm_contract

#: Each role's rank (``info.x-roles``); "MEMBER" in x-required-role means MEMBER or higher.
ROLE_RANK = {role: crm_contract.role_rank(role) for role in crm_contract.roles()}


@dataclass(frozen=True)
class Operation(crm_contract.Operation):
    """One operation of the spec, as the mock serves it: the contract's, with its body model."""

    #: Validates the body: a generated model, or a type alias (the oneOf body).
    body: TypeAdapter[Any]
    #: The 403 ``Forbidden`` message for a role below ``required_role`` (the spec's example).
    forbidden_message: str


@cache
def operations() -> dict[tuple[str, str], Operation]:
    """Every operation keyed by (METHOD, path), with the generated model that validates its body."""
    return {
        key: Operation(
            **{field.name: getattr(served, field.name) for field in fields(served)},
            body=TypeAdapter(getattr(crm_core_models, served.request_schema)),
            forbidden_message=crm_contract.example_message(served.operation_id, 403, "Forbidden"),
        )
        for key, served in crm_contract.operations().items()
    }


def operation(operation_id: str) -> Operation:
    """The operation with ``operation_id``.

    >>> operation("createProperty").path
    '/crm-core/v1/properties'
    """
    for candidate in operations().values():
        if candidate.operation_id == operation_id:
            return candidate
    raise KeyError(f"openapi.yaml has no operation {operation_id!r}")
