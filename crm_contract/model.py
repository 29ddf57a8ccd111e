"""``openapi.yaml`` parsed once; every answer derived from it, nothing retyped."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]

#: A row of the HmacAuth table: | `errorCode` | meaning | status here | what the sources say |
_AUTH_TABLE_ROW = re.compile(r"^\| `([A-Za-z]+)` \| [^|]* \| (\d{3}) \|", re.MULTILINE)


def spec_path() -> Path:
    """openapi.yaml: packaged beside this module in a wheel, at the repository's root otherwise."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "openapi.yaml", here.parent / "openapi.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("openapi.yaml not found beside crm_contract or at the project root")


@cache
def _parsed() -> Document:
    parsed: Document = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    return parsed


def document() -> Document:
    """The whole spec as data: a fresh copy each call, so that a caller may change it freely.

    >>> document()["openapi"]
    '3.0.3'
    """
    return copy.deepcopy(_parsed())


def version() -> str:
    """``info.version``: the version of the contract and of everything built from it.

    >>> version().count(".")
    2
    """
    return str(_parsed()["info"]["version"])


def roles() -> tuple[str, ...]:
    """The workspace roles, from the lowest rank to the highest (``info.x-roles``).

    >>> roles()
    ('MEMBER', 'OWNER')
    """
    return tuple(str(role) for role in _parsed()["info"]["x-roles"])


def role_rank(role: str) -> int:
    """How high ``role`` ranks (0 the lowest); ``KeyError`` for a role the spec does not list.

    >>> role_rank("OWNER") > role_rank("MEMBER")
    True
    """
    ranked = roles()
    if role not in ranked:
        raise KeyError(f"{role!r} is not one of the spec's roles {ranked}")
    return ranked.index(role)


def max_request_body_bytes() -> int:
    """The largest request body the API reads (``info.x-max-request-body-bytes``).

    >>> max_request_body_bytes()
    1048576
    """
    return int(_parsed()["info"]["x-max-request-body-bytes"])


def resolve_ref(spec: Document, node: Document) -> Document:
    """``node``, or what its ``$ref`` (a local ``#/...`` pointer, followed to the end) names.

    >>> resolve_ref(document(), {"$ref": "#/components/schemas/RecordId"})["maxLength"]
    32
    """
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def inline_refs(spec: Document, schema: Any) -> Any:
    """``schema`` with every ``$ref`` replaced by what it names (OpenAPI 3.0 ignores a
    ``$ref``'s siblings); the spec's schemas are not recursive.

    >>> inline_refs(document(), {"items": {"$ref": "#/components/schemas/RecordId"}})["items"]["maxLength"]
    32
    """
    if isinstance(schema, list):
        return [inline_refs(spec, item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return inline_refs(spec, resolve_ref(spec, schema))
    return {name: inline_refs(spec, value) for name, value in schema.items()}


def request_body_schema(operation_id: str) -> Document:
    """The operation's JSON request body schema, ``$ref``\\ s inlined.

    >>> request_body_schema("bulkDeleteRecords")["properties"]["recordIds"]["maxItems"]
    1000
    """
    spec = _parsed()
    served = operation(operation_id)
    body = resolve_ref(spec, spec["paths"][served.path][served.method.lower()]["requestBody"])
    inlined: Document = inline_refs(spec, body["content"]["application/json"]["schema"])
    return inlined


def response_body_schema(operation_id: str, status: int) -> Document | None:
    """The JSON body schema of one documented status, ``$ref``\\ s inlined (None: no body).

    >>> response_body_schema("createProperty", 201)["properties"]["fieldType"]["type"]
    'string'
    """
    spec = _parsed()
    served = operation(operation_id)
    answer = resolve_ref(
        spec, spec["paths"][served.path][served.method.lower()]["responses"][str(status)]
    )
    media = answer.get("content", {}).get("application/json")
    if media is None:
        return None
    inlined: Document = inline_refs(spec, media["schema"])
    return inlined


@dataclass(frozen=True)
class Operation:
    """One operation of the spec."""

    operation_id: str
    method: str
    path: str
    #: ``x-required-role``: this role or higher.
    required_role: str
    #: The request body's component schema (``BulkDeleteRecordsRequest``).
    request_schema: str
    #: The request body's properties that must hold distinct items (``uniqueItems``).
    unique_item_fields: tuple[str, ...]
    success_status: int
    #: Every documented status, in order.
    statuses: tuple[int, ...]


def _unique_item_fields(spec: Document, schema: Document) -> tuple[str, ...]:
    return tuple(
        name
        for name, prop in schema.get("properties", {}).items()
        if resolve_ref(spec, prop).get("uniqueItems")
    )


@cache
def operations() -> dict[tuple[str, str], Operation]:
    """Every operation, keyed by (METHOD, path).

    >>> sorted(operations())[0]
    ('POST', '/crm-core/v1/properties')
    """
    spec = _parsed()
    result: dict[tuple[str, str], Operation] = {}
    for path, item in spec["paths"].items():
        for method, raw in item.items():
            body_ref = raw["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = resolve_ref(spec, {"$ref": body_ref})
            statuses = tuple(sorted(int(code) for code in raw["responses"]))
            result[(method.upper(), path)] = Operation(
                operation_id=raw["operationId"],
                method=method.upper(),
                path=path,
                required_role=raw["x-required-role"],
                request_schema=body_ref.rsplit("/", 1)[1],
                unique_item_fields=_unique_item_fields(spec, schema),
                success_status=min(code for code in statuses if 200 <= code < 300),
                statuses=statuses,
            )
    return result


def operation(operation_id: str) -> Operation:
    """The operation with ``operation_id`` (``KeyError`` when the spec has none).

    >>> operation("createProperty").success_status
    201
    """
    for candidate in operations().values():
        if candidate.operation_id == operation_id:
            return candidate
    raise KeyError(f"openapi.yaml has no operation {operation_id!r}")


@cache
def auth_failures() -> dict[str, int]:
    """The authentication failures' errorCodes and their status here (the ``HmacAuth`` table).

    >>> auth_failures()["Unauthorized"], auth_failures()["SignatureDoesNotMatch"]
    (401, 403)
    """
    description = _parsed()["components"]["securitySchemes"]["HmacAuth"]["description"]
    table = {code: int(status) for code, status in _AUTH_TABLE_ROW.findall(description)}
    if not table:
        raise ValueError("openapi.yaml: the HmacAuth description has no table of failures")
    return table


def auth_failure_statuses() -> frozenset[int]:
    """The statuses an authentication failure comes with here (a client must expect each code
    under any of them, as the HmacAuth table says).

    >>> sorted(auth_failure_statuses())
    [400, 401, 403]
    """
    return frozenset(auth_failures().values())


def error_codes(operation_id: str, status: int) -> frozenset[str]:
    """The errorCodes ``status`` of the operation documents: its examples' codes, plus the
    authentication failures' under the statuses they come with.

    >>> sorted(error_codes("createProperty", 409))
    ['DuplicatedKey', 'DuplicatedName']
    """
    spec = _parsed()
    served = operation(operation_id)
    answer = resolve_ref(
        spec, spec["paths"][served.path][served.method.lower()]["responses"][str(status)]
    )
    codes = {
        example["value"]["errorCode"]
        for media in answer.get("content", {}).values()
        for example in media.get("examples", {}).values()
        if isinstance(example.get("value"), dict) and "errorCode" in example["value"]
    }
    if status in auth_failure_statuses():
        codes |= set(auth_failures())
    return frozenset(codes)


def example_message(operation_id: str, status: int, error_code: str) -> str:
    """The ``errorMessage`` of the operation's example for ``error_code`` under ``status``.

    >>> example_message("createProperty", 403, "Forbidden")
    'OWNER 권한이 필요합니다.'
    """
    spec = _parsed()
    served = operation(operation_id)
    answer = resolve_ref(
        spec, spec["paths"][served.path][served.method.lower()]["responses"][str(status)]
    )
    for media in answer.get("content", {}).values():
        for example in media.get("examples", {}).values():
            value = example.get("value")
            if isinstance(value, dict) and value.get("errorCode") == error_code:
                return str(value["errorMessage"])
    raise KeyError(f"{operation_id} documents no {error_code} example under {status}")


@cache
def field_types() -> frozenset[str]:
    """Every ``fieldType`` a property is created with: the create body's discriminator values.

    >>> sorted(field_types())[:3]
    ['CHECKBOX', 'DATE', 'DATETIME']
    """
    create_body = _parsed()["components"]["schemas"]["CreatePropertyRequest"]
    return frozenset(create_body["discriminator"]["mapping"])


@dataclass(frozen=True)
class DocumentedError:
    """An errorCode as the spec's examples show it: the status it comes with, its message."""

    status: int
    message: str


@cache
def error_catalogue() -> dict[str, DocumentedError]:
    """Every errorCode the response examples show, with its status and (first) message.

    >>> error_catalogue()["DuplicatedSignature"]
    DocumentedError(status=403, message='이미 사용된 서명입니다.')
    """
    spec = _parsed()
    catalogue: dict[str, DocumentedError] = {}
    for item in spec["paths"].values():
        for raw in item.values():
            for status, answer in sorted(raw["responses"].items()):
                for media in resolve_ref(spec, answer).get("content", {}).values():
                    for example in media.get("examples", {}).values():
                        value = example.get("value")
                        if isinstance(value, dict) and "errorCode" in value:
                            catalogue.setdefault(
                                value["errorCode"],
                                DocumentedError(int(status), value["errorMessage"]),
                            )
    return catalogue
