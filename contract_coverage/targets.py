"""What there is to cover, per operation: every fact read from the contract model.

Dimensions (the names the report and ``--min-coverage`` use):

- ``statuses``: the documented statuses; ``errorCodes``: each status's
  documented codes (the examples' and the HmacAuth table's);
- ``requestProperties``: every field a request body can hold (``options[].label``);
- ``requestValues``: every value of a request enum (``fieldType=DROPDOWN``);
- ``constraints``: each length, count and pattern rule on both sides of its
  boundary (``recordIds maxItems=1000: at``, ``... beyond``), and each required
  field missing;
- ``branches``: each branch of a ``oneOf`` (by its discriminator's values);
- ``responseProperties``, ``responseValues``: the same for answers (the known
  values of the open enums, ``x-extensible-enum``, included);
- ``states``: the domain states the contract promises (:data:`DOMAIN_STATES`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import crm_contract
from traffic import Call

DIMENSIONS = (
    "statuses", "errorCodes", "requestProperties", "requestValues", "constraints", "branches",
    "responseProperties", "responseValues", "states",
)  # fmt: skip


@dataclass(frozen=True)
class SchemaFacts:
    """One body schema's paths, enum values, constraints and branches."""

    properties: list[str] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)
    #: Whether a path's values are an open set (x-extensible-enum): others may come.
    open_values: set[str] = field(default_factory=set)
    #: (path, rule, bound): "recordIds", "maxItems", 1000.
    constraints: list[tuple[str, str, Any]] = field(default_factory=list)
    #: path of a required field ("options[].value").
    required: list[str] = field(default_factory=list)
    #: (discriminator path, branch name, the values that select it).
    branches: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def schema_facts(schema: dict[str, Any] | None) -> SchemaFacts:
    """The facts of an inlined body schema.

    >>> facts = schema_facts(crm_contract.request_body_schema("bulkDeleteRecords"))
    >>> facts.properties
    ['recordIds', 'recordIds[]', 'permanent']
    >>> ("recordIds", "maxItems", 1000) in facts.constraints
    True
    """
    facts = SchemaFacts()
    if schema is not None:
        _walk(schema, "", facts)
    return facts


def _walk(schema: dict[str, Any], path: str, facts: SchemaFacts) -> None:
    def add(prop: str) -> None:
        if prop and prop not in facts.properties:
            facts.properties.append(prop)

    if "oneOf" in schema:
        discriminator = schema.get("discriminator", {})
        name = discriminator.get("propertyName")
        for index, branch in enumerate(schema["oneOf"]):
            selected = ()
            if name:
                selected = tuple(branch.get("properties", {}).get(name, {}).get("enum", ()))
            mapping = discriminator.get("mapping", {})
            title = (
                mapping[selected[0]].rsplit("/", 1)[-1]
                if selected and selected[0] in mapping
                else branch.get("title") or f"oneOf[{index}]"
            )
            facts.branches.append((_join(path, name or ""), str(title), selected))
            _walk(branch, path, facts)
        return
    for rule in ("minLength", "maxLength", "minItems", "maxItems", "pattern", "minimum", "maximum"):
        if rule in schema:
            entry = (path, rule, schema[rule])
            if entry not in facts.constraints:
                facts.constraints.append(entry)
    values = schema.get("enum") or schema.get("x-extensible-enum")
    if values:
        known = facts.values.setdefault(path, [])
        known += [value for value in values if value not in known]
        if "x-extensible-enum" in schema:
            facts.open_values.add(path)
    for name in schema.get("required", ()):
        required = _join(path, name)
        if required not in facts.required:
            facts.required.append(required)
    for name, sub in schema.get("properties", {}).items():
        add(_join(path, name))
        _walk(sub, _join(path, name), facts)
    if "items" in schema:
        add(f"{path}[]")
        _walk(schema["items"], f"{path}[]", facts)


@dataclass(frozen=True)
class DomainState:
    """A state the contract promises, and how a call shows it was reached."""

    name: str
    operation: str
    reached_by: Callable[[Call], bool]


def _soft(call: Call) -> bool:
    body = call.request_body if isinstance(call.request_body, dict) else {}
    return body.get("permanent") is not True


def _failed_reasons(call: Call) -> set[str]:
    body = call.response_body if isinstance(call.response_body, dict) else {}
    failed = body.get("failed")
    if not isinstance(failed, list):
        return set()
    return {str(item.get("reason")) for item in failed if isinstance(item, dict)}


def _deleted(call: Call) -> int:
    body = call.response_body if isinstance(call.response_body, dict) else {}
    count = body.get("deletedCount")
    return count if isinstance(count, int) else 0


def _error_code(call: Call) -> str | None:
    body = call.response_body if isinstance(call.response_body, dict) else {}
    code = body.get("errorCode")
    return code if isinstance(code, str) else None


def _called_by(role: str) -> Callable[[Call], bool]:
    return lambda call: call.key_role == role


def _role_states(operation_id: str) -> Iterator[DomainState]:
    lowest = crm_contract.roles()[0]
    for role in crm_contract.roles():
        yield DomainState(f"a {role} key's call", operation_id, _called_by(role))
    if crm_contract.operation(operation_id).required_role != lowest:
        yield DomainState(
            f"{lowest} refused (403 Forbidden)",
            operation_id,
            lambda c: c.status == 403 and _error_code(c) == "Forbidden",
        )


#: A retry of a bulk delete: the same request again, every id reported, nothing deleted twice.
RETRY_STATE = "a retry reported, nothing deleted twice"
#: A trashed record purged once its time in the trash is over: not found after its soft delete.
PURGE_STATE = "a trashed record purged (not found after its soft delete)"


def _never(call: Call) -> bool:
    return False


def _domain_states() -> list[DomainState]:
    delete, create = "bulkDeleteRecords", "createProperty"
    states = [
        DomainState("soft delete", delete, lambda c: c.status == 200 and _soft(c) and _deleted(c) > 0),
        DomainState("permanent delete", delete, lambda c: c.status == 200 and not _soft(c) and _deleted(c) > 0),
        DomainState("a record already in the trash", delete, lambda c: "ALREADY_IN_TRASH" in _failed_reasons(c)),
        DomainState("a record not found (or another workspace's)", delete, lambda c: "NOT_FOUND" in _failed_reasons(c)),
        DomainState("partial success (deleted and failed in one answer)", delete,
                    lambda c: c.status == 200 and _deleted(c) > 0 and bool(_failed_reasons(c))),
        DomainState("nothing deletable (200, deletedCount 0)", delete,
                    lambda c: c.status == 200 and _deleted(c) == 0 and bool(_failed_reasons(c))),
        DomainState("a property created", create, lambda c: c.status == 201),
        DomainState("a duplicate name refused (409)", create, lambda c: _error_code(c) == "DuplicatedName"),
        DomainState("the plan's quota reached (403)", create, lambda c: _error_code(c) == "PlanQuotaExceeded"),
        # Two calls each: measure.Sequences sees them (a call alone cannot show them).
        DomainState(RETRY_STATE, delete, _never),
        DomainState(PURGE_STATE, delete, _never),
    ]  # fmt: skip
    for operation_id in (delete, create):
        states += list(_role_states(operation_id))
    return states


#: The domain states of each operation, as the contract's prose promises them.
DOMAIN_STATES = _domain_states()


@dataclass(frozen=True)
class OperationTargets:
    """Everything there is to cover of one operation."""

    operation_id: str
    method: str
    path: str
    statuses: tuple[int, ...]
    error_codes: dict[int, frozenset[str]]
    request: SchemaFacts
    responses: dict[int, SchemaFacts]
    states: list[DomainState]


def targets() -> dict[str, OperationTargets]:
    """What there is to cover of each operation, by operationId.

    >>> sorted(targets())
    ['bulkDeleteRecords', 'createProperty']
    """
    result = {}
    for served in crm_contract.operations().values():
        op = served.operation_id
        result[op] = OperationTargets(
            operation_id=op,
            method=served.method,
            path=served.path,
            statuses=served.statuses,
            error_codes={
                status: crm_contract.error_codes(op, status)
                for status in served.statuses
                if status >= 400
            },
            request=schema_facts(crm_contract.request_body_schema(op)),
            responses={
                status: schema_facts(crm_contract.response_body_schema(op, status))
                for status in served.statuses
                if status < 400
            },
            states=[state for state in DOMAIN_STATES if state.operation == op],
        )
    return result
