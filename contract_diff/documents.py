"""Two versions of an OpenAPI 3.0 document, compared operation by operation.

``resolve`` inlines every ``$ref`` (jsonref), so a change inside a
``$ref``'d component is found at each place that uses it, with that place's
direction (a component in a request and in a response breaks different
parties).
"""

from __future__ import annotations

import copy
from typing import Any

import jsonref

from contract_diff.changes import Change, Direction, Kind
from contract_diff.schemas import compare_schema

Document = dict[str, Any]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def resolve(document: Document) -> Document:
    """``document`` with every internal ``$ref`` replaced by a copy of its target.

    >>> resolve({"a": {"$ref": "#/b"}, "b": {"type": "string"}})["a"]
    {'type': 'string'}
    """
    resolved: Document = jsonref.replace_refs(
        copy.deepcopy(document), proxies=False, lazy_load=False, merge_props=True
    )
    return resolved


def operations(document: Document) -> dict[str, Document]:
    """Operations by ``METHOD /path``."""
    return {
        f"{method.upper()} {path}": item[method]
        for path, item in document.get("paths", {}).items()
        for method in HTTP_METHODS
        if method in item
    }


def compare_documents(
    old: Document, new: Document, *, only: set[str] | None = None
) -> list[Change]:
    """Every classified change from ``old`` to ``new`` (both resolved), sorted.

    ``only`` limits the comparison to those operations (``METHOD /path``).
    """
    before, after = operations(old), operations(new)
    names = set(before) | set(after)
    if only is not None:
        names &= only
    changes: list[Change] = []
    for name in sorted(names - set(after)):
        changes.append(Change(Kind.BREAKING_CLIENT, "operation-removed", name, "removed"))
    for name in sorted(names - set(before)):
        changes.append(Change(Kind.COMPATIBLE, "operation-added", name, "added"))
    for name in sorted(names & set(before) & set(after)):
        changes += compare_operation(old, new, name, before[name], after[name])
    if only is None:
        changes += compare_schema_names(old, new)
    return sorted(changes)


def compare_schema_names(old: Document, new: Document) -> list[Change]:
    """Schemas of ``components`` removed or added: the names generated clients give their types.

    A removed (or renamed) component removes the class or type that code
    generators named after it, so code that imports it breaks even where
    the wire format is unchanged.

    >>> [str(c) for c in compare_schema_names(
    ...     {"components": {"schemas": {"A": {}}}}, {"components": {"schemas": {"B": {}}}})]
    ['#/components/schemas/A: removed: generated clients lose the type named after it \
[schema-component-removed]', '#/components/schemas/B: added [schema-component-added]']
    """

    def names(document: Document) -> set[str]:
        return set(document.get("components", {}).get("schemas", {}))

    before, after = names(old), names(new)
    detail = "removed: generated clients lose the type named after it"
    return [
        Change(Kind.BREAKING_CLIENT, "schema-component-removed", f"#/components/schemas/{name}",
               detail)
        for name in sorted(before - after)
    ] + [
        Change(Kind.COMPATIBLE, "schema-component-added", f"#/components/schemas/{name}", "added")
        for name in sorted(after - before)
    ]  # fmt: skip


def _security(document: Document, operation: Document) -> Any:
    requirements: list[dict[str, Any]] = operation.get("security", document.get("security")) or []
    schemes = document.get("components", {}).get("securitySchemes", {})
    used = sorted({name for requirement in requirements for name in requirement})
    return requirements, {name: _without_docs(schemes.get(name, {})) for name in used}


def _without_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_docs(v) for k, v in node.items() if k not in ("description",)}
    return node


def compare_operation(
    old: Document, new: Document, name: str, before: Document, after: Document
) -> list[Change]:
    """The changes of one operation: security, parameters, request body, responses."""
    changes: list[Change] = []
    if _security(old, before) != _security(new, after):
        changes.append(Change(Kind.BREAKING_CLIENT, "security-changed", name,
                              "authentication requirements changed"))  # fmt: skip
    changes += _compare_parameters(name, before, after)
    changes += _compare_request_body(name, before, after)
    changes += _compare_responses(name, before, after)
    for key in ("summary", "description"):
        if before.get(key) != after.get(key):
            changes.append(Change(Kind.COMPATIBLE, "documentation-changed", name, f"{key} changed"))
    return changes


def _compare_parameters(name: str, before: Document, after: Document) -> list[Change]:
    def by_key(operation: Document) -> dict[tuple[str, str], Document]:
        return {(p["in"], p["name"]): p for p in operation.get("parameters", [])}

    old, new = by_key(before), by_key(after)
    changes: list[Change] = []
    for key in sorted(old.keys() - new.keys()):
        changes.append(Change(Kind.BREAKING_CLIENT, "parameter-removed",
                              f"{name} {key[0]} parameter {key[1]}", "removed"))  # fmt: skip
    for key in sorted(new.keys() - old.keys()):
        required = bool(new[key].get("required"))
        kind = Kind.BREAKING_CLIENT if required else Kind.COMPATIBLE
        changes.append(Change(kind, f"{'required' if required else 'optional'}-parameter-added",
                              f"{name} {key[0]} parameter {key[1]}", "added"))  # fmt: skip
    for key in sorted(old.keys() & new.keys()):
        at = f"{name} {key[0]} parameter {key[1]}"
        if new[key].get("required") and not old[key].get("required"):
            changes.append(
                Change(Kind.BREAKING_CLIENT, "parameter-became-required", at, "now required")
            )
        changes += compare_schema(
            old[key].get("schema", {}), new[key].get("schema", {}), Direction.REQUEST, at
        )
    return changes


def _media(body: Document | None) -> dict[str, Document]:
    return {} if body is None else dict(body.get("content", {}))


def _compare_content(
    where: str, old: Document | None, new: Document | None, direction: Direction
) -> list[Change]:
    """A body's media types and, for each one both have, its schema."""
    old_media, new_media = _media(old), _media(new)
    added_kind = Kind.COMPATIBLE if direction is Direction.REQUEST else Kind.BREAKING_CLIENT
    changes = [
        Change(Kind.BREAKING_CLIENT, f"{direction}-media-type-removed", where, media)
        for media in sorted(old_media.keys() - new_media.keys())
    ]
    changes += [
        Change(added_kind, f"{direction}-media-type-added", where, media)
        for media in sorted(new_media.keys() - old_media.keys())
    ]
    for media in sorted(old_media.keys() & new_media.keys()):
        changes += compare_schema(
            old_media[media].get("schema", {}), new_media[media].get("schema", {}),
            direction, f"{where} ({media})",
        )  # fmt: skip
    return changes


def _compare_request_body(name: str, before: Document, after: Document) -> list[Change]:
    old, new = before.get("requestBody"), after.get("requestBody")
    changes: list[Change] = []
    where = f"{name} request body"
    if new is not None and new.get("required") and not (old or {}).get("required"):
        changes.append(Change(Kind.BREAKING_CLIENT, "request-body-became-required", where,
                              "now required"))  # fmt: skip
    return changes + _compare_content(where, old, new, Direction.REQUEST)


def _compare_responses(name: str, before: Document, after: Document) -> list[Change]:
    old, new = before.get("responses", {}), after.get("responses", {})
    changes: list[Change] = []
    for status in sorted(old.keys() - new.keys()):
        changes.append(Change(Kind.BREAKING_CLIENT, "response-status-removed",
                              f"{name} response {status}", "no longer documented"))  # fmt: skip
    for status in sorted(new.keys() - old.keys()):
        success = status.startswith("2")
        kind = Kind.BREAKING_CLIENT if success else Kind.COMPATIBLE
        changes.append(Change(kind, f"{'success' if success else 'error'}-status-added",
                              f"{name} response {status}", "newly documented"))  # fmt: skip
    for status in sorted(old.keys() & new.keys()):
        where = f"{name} response {status}"
        changes += _compare_content(where, old[status], new[status], Direction.RESPONSE)
    return changes
