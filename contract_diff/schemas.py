"""Rules for two versions of one (resolved) JSON schema, in a request or a response.

Each rule asks whether the new schema accepts less (narrower) or more
(wider) than the old one; :class:`~contract_diff.changes.Direction` turns
that into whom it breaks. A schema here has no ``$ref`` left
(:func:`contract_diff.documents.resolve`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contract_diff.changes import Change, Direction, Kind

Schema = dict[str, Any]

#: Upper bounds: lowering one narrows the schema.
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum")
#: Lower bounds: raising one narrows the schema.
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum")
DOCUMENTATION = ("description", "title", "example", "examples", "externalDocs", "deprecated")
COMBINERS = ("oneOf", "anyOf", "allOf")


def compare_schema(old: Schema, new: Schema, direction: Direction, where: str) -> list[Change]:
    """Every classified difference between ``old`` and ``new`` (empty: the same contract)."""
    old, new = _open_unions_as_types(old, new)
    changes: list[Change] = []

    def add(kind: Kind, rule: str, detail: str, at: str = where) -> None:
        changes.append(Change(kind, rule, at, detail))

    _compare_type(old, new, direction, add)
    _compare_nullable(old, new, direction, add)
    _compare_enum(old, new, direction, add)
    _compare_open_values(old, new, add)
    _compare_bounds(old, new, direction, add)
    _compare_pattern_and_format(old, new, direction, add)
    _compare_object(old, new, direction, where, add, changes)
    if "items" in old and "items" in new:
        changes += compare_schema(old["items"], new["items"], direction, f"{where}[]")
    for combiner in COMBINERS:
        changes += _compare_branches(old, new, combiner, direction, where)
    if any(old.get(key) != new.get(key) for key in DOCUMENTATION) and not changes:
        add(Kind.COMPATIBLE, "documentation-changed", "description or example changed")
    return changes


Add = Callable[..., None]


#: Values listed for an open set: documented, never enforced (Zalando's convention).
OPEN_VALUES = "x-extensible-enum"


def open_union_as_type(schema: Schema) -> Schema:
    """An ``anyOf``/``oneOf`` that admits every value of one type, written as that type.

    ``anyOf: [{enum: [A, B]}, {type: string}]`` (all strings, listing some)
    and ``type: string`` accept exactly the same values; the listed ones
    become the open list ``x-extensible-enum``. A union stays as it is when
    any branch is of another type, or none takes every value of its type.

    >>> open_union_as_type({"description": "d", "anyOf": [
    ...     {"type": "string", "enum": ["A"]}, {"type": "string"}]})
    {'description': 'd', 'type': 'string', 'x-extensible-enum': ['A']}
    >>> open_union_as_type({"anyOf": [{"type": "string"}, {"type": "integer"}]})["anyOf"][1]
    {'type': 'integer'}
    """
    for combiner in ("anyOf", "oneOf"):
        branches: list[Schema] = schema.get(combiner) or []
        types = {branch.get("type") for branch in branches}
        if len(types) != 1 or None in types:
            continue
        if any(not set(branch) - {"type", *DOCUMENTATION} for branch in branches):
            collapsed = {key: value for key, value in schema.items() if key != combiner}
            listed = [value for branch in branches for value in branch.get("enum", [])]
            return {**collapsed, "type": types.pop(), OPEN_VALUES: listed}
    return schema


def _open_unions_as_types(old: Schema, new: Schema) -> tuple[Schema, Schema]:
    """Both schemas with open unions written as types, unless only one side stays a union.

    A union on one side only (an open set closed, say) is compared branch by
    branch with the other side as written.
    """
    old_type, new_type = open_union_as_type(old), open_union_as_type(new)
    collapsed = old_type is not old or new_type is not new
    still_union = any(c in schema for schema in (old_type, new_type) for c in COMBINERS)
    if collapsed and still_union:
        return old, new
    return old_type, new_type


def _compare_open_values(old: Schema, new: Schema, add: Add) -> None:
    """Values listed for an open set: a change says more or less, and refuses nothing."""
    before, after = old.get(OPEN_VALUES) or [], new.get(OPEN_VALUES) or []
    open_note = "(open: any other value was and is allowed)"
    if removed := [value for value in before if value not in after]:
        add(Kind.COMPATIBLE, "enum-value-removed", f"value(s) removed: {removed} {open_note}")
    if added := [value for value in after if value not in before]:
        add(Kind.COMPATIBLE, "enum-value-added", f"value(s) added: {added} {open_note}")


def _compare_type(old: Schema, new: Schema, direction: Direction, add: Add) -> None:
    if old.get("type") != new.get("type"):
        add(Kind.BREAKING_CLIENT, "type-changed", f"type {old.get('type')} -> {new.get('type')}")


def _compare_nullable(old: Schema, new: Schema, direction: Direction, add: Add) -> None:
    was, now = bool(old.get("nullable")), bool(new.get("nullable"))
    if was and not now:
        add(direction.narrower(), "nullable-removed", "null no longer allowed")
    elif now and not was:
        add(direction.wider(), "nullable-added", "null now allowed")


def _compare_enum(old: Schema, new: Schema, direction: Direction, add: Add) -> None:
    before, after = old.get("enum"), new.get("enum")
    if before is None and after is None:
        return
    if before is None:
        add(direction.narrower(), "enum-added", f"limited to {after}")
        return
    if after is None:
        add(direction.wider(), "enum-removed", "no longer limited to a list")
        return
    removed = [value for value in before if value not in after]
    added = [value for value in after if value not in before]
    if removed:
        add(direction.narrower(), "enum-value-removed", f"value(s) removed: {removed}")
    if added:
        add(direction.wider(), "enum-value-added", f"value(s) added: {added}")


def _compare_bounds(old: Schema, new: Schema, direction: Direction, add: Add) -> None:
    for bound in UPPER_BOUNDS + LOWER_BOUNDS:
        before, after = old.get(bound), new.get(bound)
        if before == after:
            continue
        upper = bound in UPPER_BOUNDS
        if before is None:
            narrower = True
        elif after is None:
            narrower = False
        else:
            narrower = after < before if upper else after > before
        rule = f"{bound}-{'narrowed' if narrower else 'widened'}"
        kind = direction.narrower() if narrower else direction.wider()
        add(kind, rule, f"{bound} {before} -> {after}")
    for flag, bound in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        was, now = bool(old.get(flag)), bool(new.get(flag))
        if was != now and old.get(bound) == new.get(bound):
            kind = direction.narrower() if now else direction.wider()
            add(kind, f"{flag}-{'added' if now else 'removed'}", f"{flag} {was} -> {now}")
    if not old.get("uniqueItems") and new.get("uniqueItems"):
        add(direction.narrower(), "uniqueItems-added", "items must now be unique")
    elif old.get("uniqueItems") and not new.get("uniqueItems"):
        add(direction.wider(), "uniqueItems-removed", "items may now repeat")
    if old.get("multipleOf") != new.get("multipleOf"):
        add(direction.narrower(), "multipleOf-changed",
            f"multipleOf {old.get('multipleOf')} -> {new.get('multipleOf')}")  # fmt: skip


def _compare_pattern_and_format(old: Schema, new: Schema, direction: Direction, add: Add) -> None:
    before, after = old.get("pattern"), new.get("pattern")
    if before != after:
        # Whether one regular expression accepts a subset of another is not
        # decidable here: any new or changed pattern counts as narrower.
        if after is None:
            add(direction.wider(), "pattern-removed", f"pattern {before!r} removed")
        else:
            add(direction.narrower(), "pattern-changed", f"pattern {before!r} -> {after!r}")
    before_format, after_format = old.get("format"), new.get("format")
    if before_format == after_format:
        return
    if before_format is None:
        kind = Kind.COMPATIBLE if _within_format(new) else direction.narrower()
        add(kind, "format-added", f"format {after_format} added")
    elif after_format is None:
        kind = Kind.COMPATIBLE if _within_format(old) else direction.wider()
        add(kind, "format-removed", f"format {before_format} removed")
    else:
        add(Kind.BREAKING_CLIENT, "format-changed", f"format {before_format} -> {after_format}")


#: Integer formats and the range they allow.
INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _within_format(schema: Schema) -> bool:
    """An integer format whose range already holds the schema's bounds narrows nothing."""
    bounds = INTEGER_RANGES.get(schema.get("format", ""))
    if bounds is None or "minimum" not in schema or "maximum" not in schema:
        return False
    return bool(bounds[0] <= schema["minimum"] and schema["maximum"] <= bounds[1])


def _closed(schema: Schema) -> bool:
    return schema.get("additionalProperties") is False


def _compare_object(
    old: Schema, new: Schema, direction: Direction, where: str, add: Add, changes: list[Change]
) -> None:
    before: dict[str, Schema] = old.get("properties", {})
    after: dict[str, Schema] = new.get("properties", {})
    required_before, required_after = set(old.get("required", [])), set(new.get("required", []))
    for name in before.keys() - after.keys():
        if direction is Direction.REQUEST and not _closed(new):
            detail = "removed (now ignored, or refused by a stricter server)"
        else:
            detail = "removed"
        add(Kind.BREAKING_CLIENT, "property-removed", detail, f"{where}.{name}")
    for name in sorted(after.keys() - before.keys()):
        at = f"{where}.{name}"
        if direction is Direction.REQUEST:
            if name in required_after:
                add(Kind.BREAKING_CLIENT, "required-property-added", "new and required", at)
            else:
                add(Kind.COMPATIBLE, "optional-property-added", "new, optional", at)
        elif name in required_after:
            add(Kind.BREAKING_SERVER, "required-property-added", "new, always sent", at)
        elif _closed(old):
            add(Kind.BREAKING_CLIENT, "response-property-added",
                "new in a response that was closed (additionalProperties: false)", at)  # fmt: skip
        else:
            add(Kind.COMPATIBLE, "response-property-added", "new in the response", at)
    for name in sorted(before.keys() & after.keys()):
        at = f"{where}.{name}"
        if name in required_after - required_before:
            if direction is Direction.REQUEST:
                add(Kind.BREAKING_CLIENT, "property-became-required", "now required", at)
            else:
                add(Kind.BREAKING_SERVER, "property-became-required", "now always sent", at)
        elif name in required_before - required_after:
            if direction is Direction.REQUEST:
                add(Kind.COMPATIBLE, "property-became-optional", "now optional", at)
            else:
                add(Kind.BREAKING_CLIENT, "property-became-optional", "may now be absent", at)
        changes += compare_schema(before[name], after[name], direction, at)
    if not _closed(old) and _closed(new):
        add(direction.narrower(), "additionalProperties-closed", "no other properties allowed")
    elif _closed(old) and not _closed(new):
        add(Kind.COMPATIBLE, "additionalProperties-opened", "other properties allowed")


def _branch_key(branch: Schema, discriminator: str | None) -> tuple[str, ...] | None:
    """What identifies a ``oneOf`` branch across versions: its discriminator values or title."""
    if discriminator is not None:
        values = branch.get("properties", {}).get(discriminator, {}).get("enum")
        if values:
            return tuple(sorted(map(str, values)))
    title = branch.get("title")
    return (title,) if title else None


def _compare_branches(
    old: Schema, new: Schema, combiner: str, direction: Direction, where: str
) -> list[Change]:
    before: list[Schema] = old.get(combiner, [])
    after: list[Schema] = new.get(combiner, [])
    if not before and not after:
        return []
    discriminator = (new.get("discriminator") or old.get("discriminator") or {}).get("propertyName")
    pairs, removed, added = _match_branches(before, after, discriminator)
    changes: list[Change] = []
    for index_before, index_after in pairs:
        at = f"{where}.{combiner}[{index_before}]"
        changes += compare_schema(before[index_before], after[index_after], direction, at)
    narrower_when_removed = combiner != "allOf"  # allOf: fewer parts accept more
    for index in removed:
        kind = direction.narrower() if narrower_when_removed else direction.wider()
        changes.append(Change(kind, f"{combiner}-branch-removed", f"{where}.{combiner}[{index}]",
                              "branch removed"))  # fmt: skip
    for index in added:
        kind = direction.wider() if narrower_when_removed else direction.narrower()
        changes.append(Change(kind, f"{combiner}-branch-added", f"{where}.{combiner}[{index}]",
                              "branch added"))  # fmt: skip
    if combiner != "allOf" and _accepts_any_string(before) and _accepts_any_string(after):
        changes = [_open_enum(change) for change in changes]
    return changes


def _accepts_any_string(branches: list[Schema]) -> bool:
    limits = ("enum", "pattern", "format", "maxLength", "minLength")
    return any(b.get("type") == "string" and not any(k in b for k in limits) for b in branches)


def _open_enum(change: Change) -> Change:
    """An enum value added to or removed from a union that takes any string changes nothing."""
    if change.rule not in ("enum-value-added", "enum-value-removed"):
        return change
    detail = f"{change.detail} (open: any other string was and is allowed)"
    return Change(Kind.COMPATIBLE, change.rule, change.where, detail)


def _match_branches(
    before: list[Schema], after: list[Schema], discriminator: str | None
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs of (old, new) branch indexes, then unmatched old and unmatched new indexes."""
    keys_after = [_branch_key(branch, discriminator) for branch in after]
    free_after = list(range(len(after)))
    pairs: list[tuple[int, int]] = []
    unmatched: list[int] = []
    for index, branch in enumerate(before):
        key = _branch_key(branch, discriminator)
        candidates = [i for i in free_after if key is not None and keys_after[i] is not None]
        overlap = [i for i in candidates if set(key or ()) & set(keys_after[i] or ())]
        if overlap:
            best = max(overlap, key=lambda i: len(set(key or ()) & set(keys_after[i] or ())))
            pairs.append((index, best))
            free_after.remove(best)
        else:
            unmatched.append(index)
    # Branches without a key are paired in order.
    for index in list(unmatched):
        if _branch_key(before[index], discriminator) is None:
            keyless = [i for i in free_after if keys_after[i] is None]
            if keyless:
                pairs.append((index, keyless[0]))
                free_after.remove(keyless[0])
                unmatched.remove(index)
    return pairs, unmatched, free_after
