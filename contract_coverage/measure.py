"""Counting what recorded calls reached of each operation's targets.

Each item of each dimension counts the calls that reached it, per source
(``contract-run``, ``proxy``, ...). What the contract does not declare but a
call showed is a *finding*: an undocumented status or errorCode, a value of
an enum the contract does not list (for an open enum, exactly what partners
need to hear about), a call to no operation of the contract.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from contract_coverage.targets import DIMENSIONS, OperationTargets, SchemaFacts, targets
from traffic import Call

#: The source whose calls to no operation are its own probes, not findings.
PROBING_SOURCE = "contract-run"


@dataclass
class Finding:
    """Something a call showed that the contract does not declare."""

    kind: str
    operation: str | None
    detail: str
    value: str
    sources: Counter[str] = field(default_factory=Counter)


@dataclass
class OperationCoverage:
    """Per dimension, each item's count per source (0 calls: an empty Counter)."""

    targets: OperationTargets
    items: dict[str, dict[str, Counter[str]]]
    calls: Counter[str] = field(default_factory=Counter)


@dataclass
class Coverage:
    """What a set of calls reached, and what they showed beyond the contract."""

    operations: dict[str, OperationCoverage]
    findings: dict[tuple[str, str | None, str, str], Finding]
    calls: Counter[str] = field(default_factory=Counter)
    #: The contract run's own calls to no operation (schemathesis' checks of unsupported methods).
    probes: Counter[str] = field(default_factory=Counter)

    def find(self, kind: str, operation: str | None, detail: str, value: str, source: str) -> None:
        key = (kind, operation, detail, value)
        finding = self.findings.get(key)
        if finding is None:
            finding = self.findings[key] = Finding(kind, operation, detail, value)
        finding.sources[source] += 1


def _side(facts: SchemaFacts, rule: str) -> tuple[str, str]:
    return {
        "maxItems": ("at", "beyond"), "maxLength": ("at", "beyond"), "maximum": ("at", "beyond"),
        "minItems": ("at", "below"), "minLength": ("at", "below"), "minimum": ("at", "below"),
        "pattern": ("matching", "not matching"),
    }[rule]  # fmt: skip


def item_names(op: OperationTargets) -> dict[str, list[str]]:
    """Every item of every dimension of ``op``, in the contract's order."""
    names: dict[str, list[str]] = {dimension: [] for dimension in DIMENSIONS}
    names["statuses"] = [str(status) for status in op.statuses]
    names["errorCodes"] = [
        f"{status} {code}" for status, codes in op.error_codes.items() for code in sorted(codes)
    ]
    request = op.request
    names["requestProperties"] = list(request.properties)
    names["requestValues"] = [f"{p}={v}" for p, values in request.values.items() for v in values]
    names["constraints"] = [
        f"{path} {rule}={bound}: {side}"
        for path, rule, bound in request.constraints
        for side in _side(request, rule)
    ] + [f"{path} missing" for path in request.required]
    names["branches"] = [title for _, title, _ in request.branches]
    for status, facts in op.responses.items():
        names["responseProperties"] += [f"{status}: {p}" for p in facts.properties]
        names["responseValues"] += [
            f"{status}: {p}={v}" for p, values in facts.values.items() for v in values
        ]
    names["states"] = [state.name for state in op.states]
    return names


def _nodes(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (schema path, value) in a JSON value: ``options[].label``."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, item
            yield from _nodes(item, child)
    elif isinstance(value, list):
        for item in value:
            yield f"{path}[]", item
            yield from _nodes(item, f"{path}[]")


def _objects(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        yield path, value
    for child, item in _nodes(value, path):
        if isinstance(item, dict):
            yield child, item


def _size(value: Any, rule: str) -> float | None:
    if rule in ("maxItems", "minItems"):
        return len(value) if isinstance(value, list) else None
    if rule in ("maxLength", "minLength"):
        return len(value) if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _constraint_sides(facts: SchemaFacts, body: Any, nodes: list[tuple[str, Any]]) -> Iterator[str]:
    by_path: dict[str, list[Any]] = {}
    for path, value in nodes:
        by_path.setdefault(path, []).append(value)
    if body is not None:
        by_path.setdefault("", []).append(body)
    for path, rule, bound in facts.constraints:
        inside, outside = _side(facts, rule)
        for value in by_path.get(path, ()):
            if rule == "pattern":
                if isinstance(value, str):
                    side = inside if re.search(bound, value) else outside
                    yield f"{path} {rule}={bound}: {side}"
                continue
            size = _size(value, rule)
            if size is None:
                continue
            if size == bound:
                yield f"{path} {rule}={bound}: {inside}"
            elif (size > bound) if rule.startswith("max") else (size < bound):
                yield f"{path} {rule}={bound}: {outside}"
    for required in facts.required:
        parent, _, name = required.rpartition(".")
        for path, obj in _objects(body):
            if path == parent and name not in obj:
                yield f"{required} missing"


def measure(calls: Iterable[Call], goals: dict[str, OperationTargets] | None = None) -> Coverage:
    """What ``calls`` reached of ``goals`` (default: the contract's :func:`targets`)."""
    goals = goals or targets()
    coverage = Coverage(
        operations={
            op: OperationCoverage(
                goal, {d: {n: Counter() for n in names} for d, names in item_names(goal).items()}
            )
            for op, goal in goals.items()
        },
        findings={},
    )
    for call in calls:
        coverage.calls[call.source] += 1
        op = coverage.operations.get(call.operation or "")
        if op is None and call.source == PROBING_SOURCE:
            coverage.probes[call.source] += 1
            continue
        if op is None:
            coverage.find("no-operation", None, "a call to no operation of the contract",
                          f"{call.method} {call.path[:100]}", call.source)  # fmt: skip
            continue
        _measure_call(coverage, op, call)
    return coverage


def _measure_call(coverage: Coverage, op: OperationCoverage, call: Call) -> None:
    source, goal, items = call.source, op.targets, op.items
    op.calls[source] += 1

    def hit(dimension: str, name: str) -> None:
        counts = items[dimension].get(name)
        if counts is not None:
            counts[source] += 1

    request_nodes = list(_nodes(call.request_body))
    for path, value in request_nodes:
        hit("requestProperties", path)
        if path in goal.request.values and isinstance(value, str | int | bool):
            hit("requestValues", f"{path}={value}")
    for name in set(_constraint_sides(goal.request, call.request_body, request_nodes)):
        hit("constraints", name)
    for path, title, selected in goal.request.branches:
        value = dict(request_nodes).get(path)
        if value in selected:
            hit("branches", title)
    for state in goal.states:
        if state.reached_by(call):
            hit("states", state.name)
    status = call.status
    if status is None:
        return
    if status not in goal.statuses:
        coverage.find("undeclared-status", goal.operation_id,
                      "a status the operation does not document", str(status), source)  # fmt: skip
        return
    hit("statuses", str(status))
    body = call.response_body
    if status >= 400:
        code = body.get("errorCode") if isinstance(body, dict) else None
        if isinstance(code, str):
            if code in goal.error_codes.get(status, ()):
                hit("errorCodes", f"{status} {code}")
            else:
                coverage.find("undocumented-error-code", goal.operation_id,
                              f"an errorCode status {status} does not document", code[:100], source)  # fmt: skip
        return
    facts = goal.responses.get(status)
    if facts is None:
        return
    for path, value in _nodes(body):
        hit("responseProperties", f"{status}: {path}")
        known = facts.values.get(path)
        if known is not None and isinstance(value, str | int | bool):
            if value in known:
                hit("responseValues", f"{status}: {path}={value}")
            else:
                kind = "unknown-open-value" if path in facts.open_values else "unknown-enum-value"
                coverage.find(kind, goal.operation_id, f"a {path} the contract does not list",
                              str(value)[:100], source)  # fmt: skip
