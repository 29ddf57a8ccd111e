"""What the mock reads from ``openapi.yaml``: operations, their roles and body models."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import crm_core_models
import yaml
from pydantic import TypeAdapter

#: Roles in rank order; "MEMBER" in x-required-role means MEMBER or higher.
ROLE_RANK = {"MEMBER": 1, "OWNER": 2}


def spec_path() -> Path:
    """openapi.yaml: packaged beside the module in a wheel, at the repo root otherwise."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "openapi.yaml", here.parent / "openapi.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("openapi.yaml not found beside mock_server or at the project root")


def load_spec() -> dict[str, Any]:
    """openapi.yaml as data: a fresh copy each call, so a caller may change it freely."""
    return copy.deepcopy(_parsed_spec())


@cache
def _parsed_spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    return document


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, as the mock serves it."""

    operation_id: str
    method: str
    path: str
    required_role: str
    #: Validates the body: a generated model, or a type alias (the oneOf body).
    body: TypeAdapter[Any]
    unique_item_fields: tuple[str, ...]
    success_status: int


def resolve_ref(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its ``$ref`` (a local ``#/...`` pointer, followed to the end) names.

    >>> resolve_ref(load_spec(), {"$ref": "#/components/schemas/RecordId"})["maxLength"]
    32
    """
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _unique_item_fields(spec: dict[str, Any], schema: dict[str, Any]) -> tuple[str, ...]:
    # datamodel-code-generator drops uniqueItems (a list field cannot say it),
    # so the mock checks it from the spec itself.
    fields = []
    for name, prop in schema.get("properties", {}).items():
        if resolve_ref(spec, prop).get("uniqueItems"):
            fields.append(name)
    return tuple(fields)


@cache
def operations() -> dict[tuple[str, str], Operation]:
    """Every operation keyed by (METHOD, path)."""
    spec = load_spec()
    result: dict[tuple[str, str], Operation] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            model_name = body_ref.rsplit("/", 1)[1]
            body_type = getattr(crm_core_models, model_name)
            schema = resolve_ref(spec, {"$ref": body_ref})
            success = min(int(code) for code in operation["responses"] if code.startswith("2"))
            result[(method.upper(), path)] = Operation(
                operation_id=operation["operationId"],
                method=method.upper(),
                path=path,
                required_role=operation["x-required-role"],
                body=TypeAdapter(body_type),
                unique_item_fields=_unique_item_fields(spec, schema),
                success_status=success,
            )
    return result


def operation(operation_id: str) -> Operation:
    """The operation with ``operation_id``.

    >>> operation("createProperty").path
    '/crm-core/v1/properties'
    """
    for candidate in operations().values():
        if candidate.operation_id == operation_id:
            return candidate
    raise KeyError(f"openapi.yaml has no operation {operation_id!r}")


@cache
def field_types() -> frozenset[str]:
    """Every ``fieldType`` a property is created with: the create body's discriminator values.

    >>> sorted(field_types())[:3]
    ['CHECKBOX', 'DATE', 'DATETIME']
    """
    create_body = load_spec()["components"]["schemas"]["CreatePropertyRequest"]
    return frozenset(create_body["discriminator"]["mapping"])
