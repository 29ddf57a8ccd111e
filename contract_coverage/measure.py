"""Counting what recorded calls reached of each operation's targets.

Each item of each dimension counts the calls that reached it, per source
(``contract-run``, ``proxy``, ...). What the contract does not declare but a
call showed is a *finding*: an undocumented status or errorCode, a value of
an enum the contract does not list (for an open enum, exactly what partners
need to hear about), a call to no operation of the contract.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract_coverage.targets import (
    DIMENSIONS,
    PURGE_STATE,
    RETRY_STATE,
    OperationTargets,
    SchemaFacts,
    targets,
)
from traffic import Call, read_calls
from traffic.reader import read_range, split


class Sequences:
    """The domain states two calls show: a retried bulk delete, a trashed record later purged.

    Remembers, per source and key, recent bulk-delete requests and the ids they soft-deleted,
    at most :data:`MEMORY` of each (the oldest forgotten first). Calls measured by different
    processes (:func:`measure_files`) are not compared with each other.
    """

    MEMORY = 100_000

    def __init__(self) -> None:
        # Oldest first; popping the oldest is O(1) in an OrderedDict (a plain dict's first key
        # is found past every slot deleted before it). Requests and ids are kept by their hash
        # (64 bits: a false match is as likely as two equal random numbers).
        self._requests: OrderedDict[int, None] = OrderedDict()
        self._trashed: OrderedDict[int, None] = OrderedDict()

    def see(self, call: Call) -> list[str]:
        """The sequence states ``call`` completes (and remember what it may start)."""
        if call.operation != "bulkDeleteRecords" or call.status != 200:
            return []
        request, answer = call.request_body, call.response_body
        if not isinstance(request, dict) or not isinstance(answer, dict):
            return []
        who = (call.source, call.key_id or "")
        found = []
        ids = request.get("recordIds")
        try:
            signature = hash(
                (who, tuple(ids) if isinstance(ids, list) else ids, request.get("permanent"))
            )
        except (
            TypeError
        ):  # ids that are not strings (a list in a list): not a retry anyone can make
            return []
        if signature in self._requests and answer.get("deletedCount") == 0 and answer.get("failed"):
            found.append(RETRY_STATE)
        self._remember(self._requests, signature)
        trashed, salt = self._trashed, hash(who)
        for item in _items(answer, "failed"):
            if (
                item.get("reason") == "NOT_FOUND"
                and hash(str(item.get("recordId"))) ^ salt in trashed
            ):
                found.append(PURGE_STATE)
                break
        permanent = request.get("permanent") is True
        for item in _items(answer, "deleted"):
            place = hash(str(item.get("recordId"))) ^ salt
            if permanent:
                trashed.pop(place, None)
            elif place not in trashed:
                trashed[place] = None
                if len(trashed) > self.MEMORY:
                    trashed.popitem(last=False)
        return found

    def _remember(self, memory: OrderedDict[int, None], key: int) -> None:
        memory[key] = None
        memory.move_to_end(key)  # now the newest
        if len(memory) > self.MEMORY:
            memory.popitem(last=False)


def _items(answer: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = answer.get(name)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


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
    #: The response items' counters by (status, path) and (status, path, value): the same
    #: Counter objects as in ``items``, found without building the item's name per call.
    response_paths: dict[tuple[int, str], Counter[str]] = field(default_factory=dict)
    response_values: dict[tuple[int, str, Any], Counter[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        properties, values = self.items["responseProperties"], self.items["responseValues"]
        for status, facts in self.targets.responses.items():
            for path in facts.properties:
                self.response_paths[(status, path)] = properties[f"{status}: {path}"]
            for path, known in facts.values.items():
                for value in known:
                    self.response_values[(status, path, value)] = values[
                        f"{status}: {path}={value}"
                    ]


@dataclass
class Coverage:
    """What a set of calls reached, and what they showed beyond the contract."""

    operations: dict[str, OperationCoverage]
    findings: dict[tuple[str, str | None, str, str], Finding]
    calls: Counter[str] = field(default_factory=Counter)
    #: The contract run's own calls to no operation (schemathesis' checks of unsupported methods).
    probes: Counter[str] = field(default_factory=Counter)
    sequences: Sequences = field(default_factory=lambda: Sequences())

    def find(self, kind: str, operation: str | None, detail: str, value: str, source: str) -> None:
        key = (kind, operation, detail, value)
        finding = self.findings.get(key)
        if finding is None:
            finding = self.findings[key] = Finding(kind, operation, detail, value)
        finding.sources[source] += 1


def _side(rule: str) -> tuple[str, str]:
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
        for side in _side(rule)
    ] + [f"{path} missing" for path in request.required]
    names["branches"] = [title for _, title, _ in request.branches]
    for status, facts in op.responses.items():
        names["responseProperties"] += [f"{status}: {p}" for p in facts.properties]
        names["responseValues"] += [
            f"{status}: {p}={v}" for p, values in facts.values.items() for v in values
        ]
    names["states"] = [state.name for state in op.states]
    return names


def by_path(value: Any) -> dict[str, list[Any]]:
    """Every value in a JSON document by its schema path (``options[].label``; the root at "").

    One pass, without recursion (a body is at most 64 levels deep, but may hold
    1000 items).

    >>> by_path({"options": [{"label": "a"}, {"label": "b"}]})["options[].label"]
    ['a', 'b']
    """
    found: dict[str, list[Any]] = {}
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        found.setdefault(path, []).append(item)
        if isinstance(item, dict):
            prefix = f"{path}." if path else ""
            stack.extend((prefix + str(key), child) for key, child in item.items())
        elif isinstance(item, list):
            inner = f"{path}[]"
            stack.extend((inner, child) for child in reversed(item))
    return found


def _size(value: Any, rule: str) -> float | None:
    if rule in ("maxItems", "minItems"):
        return len(value) if isinstance(value, list) else None
    if rule in ("maxLength", "minLength"):
        return len(value) if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _constraint_sides(facts: SchemaFacts, found: dict[str, list[Any]]) -> Iterator[str]:
    """The sides of each bound the values at its path reached (each side once)."""
    for path, rule, bound in facts.constraints:
        values = found.get(path)
        if not values:
            continue
        inside, outside = _side(rule)
        if rule == "pattern":
            search = _compiled(bound).search
            hits = [search(value) is not None for value in values if isinstance(value, str)]
            if True in hits:
                yield f"{path} {rule}={bound}: {inside}"
            if False in hits:
                yield f"{path} {rule}={bound}: {outside}"
            continue
        sizes = {size for value in values if (size := _size(value, rule)) is not None}
        if not sizes:
            continue
        if bound in sizes:
            yield f"{path} {rule}={bound}: {inside}"
        if (max(sizes) > bound) if rule.startswith("max") else (min(sizes) < bound):
            yield f"{path} {rule}={bound}: {outside}"
    for required in facts.required:
        parent, _, name = required.rpartition(".")
        for obj in found.get(parent, ()):
            if isinstance(obj, dict) and name not in obj:
                yield f"{required} missing"
                break


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


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

    request = by_path(call.request_body) if call.request_body is not None else {}
    for path, values in request.items():
        if not path:
            continue
        hit("requestProperties", path)
        if path in goal.request.values:
            for value in values:
                if isinstance(value, str | int | bool):
                    hit("requestValues", f"{path}={value}")
    for name in _constraint_sides(goal.request, request):
        hit("constraints", name)
    for path, title, selected in goal.request.branches:
        if any(value in selected for value in request.get(path, ()) if isinstance(value, str)):
            hit("branches", title)
    for state in goal.states:
        if state.reached_by(call):
            hit("states", state.name)
    for name in coverage.sequences.see(call):
        hit("states", name)
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
    paths, values_of = op.response_paths, op.response_values
    for path, values in (by_path(body) if body is not None else {}).items():
        counts = paths.get((status, path))
        if counts is not None:
            counts[source] += 1
        known = facts.values.get(path)
        if known is None:
            continue
        for value in values:
            if not isinstance(value, str | int | bool):
                continue
            if value in known:
                values_of[(status, path, value)][source] += 1
            else:
                kind = "unknown-open-value" if path in facts.open_values else "unknown-enum-value"
                coverage.find(kind, goal.operation_id, f"a {path} the contract does not list",
                              str(value)[:100], source)  # fmt: skip


#: Below this many bytes of traffic, one process measures it all (starting workers costs more).
PARALLEL_FLOOR_BYTES = 8 * 1024 * 1024


def measure_files(paths: Sequence[Path], *, workers: int | None = None) -> Coverage:
    """What the calls of traffic files reached, measured by ``workers`` processes (default: one
    per core) when there is enough to share: each reads and measures a range of whole lines,
    and their counts are added up. A bad line raises :class:`traffic.TrafficError` naming it.
    """
    workers = workers or os.cpu_count() or 1
    total = sum(path.stat().st_size for path in paths if path.is_file())
    methods = multiprocessing.get_all_start_methods()
    if workers <= 1 or total < PARALLEL_FLOOR_BYTES or "fork" not in methods:
        return measure(call for _, _, call in read_calls(paths))
    ranges = [(path, start, end) for path in paths for start, end in split(path, workers)]
    context = multiprocessing.get_context("fork")  # the workers share the parent's targets
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        parts = list(pool.map(_measure_range, ranges))
    coverage = measure([])
    for part in parts:
        _add(coverage, part)
    return coverage


@dataclass
class _Counts:
    """A worker's counts: a :class:`Coverage` without its targets (which hold functions)."""

    items: dict[str, dict[str, dict[str, Counter[str]]]]
    operation_calls: dict[str, Counter[str]]
    calls: Counter[str]
    probes: Counter[str]
    findings: list[Finding]


def _measure_range(task: tuple[Path, int, int]) -> _Counts:
    path, start, end = task
    coverage = measure(call for _, _, call in read_range(path, start, end))
    return _Counts(
        items={op: measured.items for op, measured in coverage.operations.items()},
        operation_calls={op: measured.calls for op, measured in coverage.operations.items()},
        calls=coverage.calls,
        probes=coverage.probes,
        findings=list(coverage.findings.values()),
    )


def _add(coverage: Coverage, part: _Counts) -> None:
    coverage.calls.update(part.calls)
    coverage.probes.update(part.probes)
    for op, dimensions in part.items.items():
        measured = coverage.operations[op]
        measured.calls.update(part.operation_calls[op])
        for dimension, items in dimensions.items():
            for name, sources in items.items():
                measured.items[dimension][name].update(sources)
    for finding in part.findings:
        key = (finding.kind, finding.operation, finding.detail, finding.value)
        mine = coverage.findings.setdefault(
            key, Finding(finding.kind, finding.operation, finding.detail, finding.value)
        )
        mine.sources.update(finding.sources)
