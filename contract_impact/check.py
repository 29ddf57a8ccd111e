"""Checking recorded calls against a base contract and a changed one."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import crm_contract
from contract_diff.changes import Change
from contract_diff.documents import compare_documents, resolve
from traffic import Call, read_calls
from traffic.reader import read_range, split
from validating_proxy.checks import schema_violations
from validating_proxy.contract import Contract, OperationContract, build_contract

#: The longest excerpt of a body shown as an example (bodies are already redacted).
EXAMPLE_CHARS = 300


@dataclass(frozen=True)
class Break:
    """One way one recorded call would break under the changed contract."""

    operation: str
    key_id: str
    side: str  # "request" (the change refuses it) or "response" (clients reject it)
    pointer: str
    rule: str
    #: The ``nox -s breaking`` change it comes from ("" when none can be named).
    change: str


@dataclass
class BreakKind:
    """Every call that breaks one rule at one place: how many, whose, and the first of them."""

    first: Break
    example: str
    calls: int = 0
    partners: set[str] = field(default_factory=set)


@dataclass
class Impact:
    """Per operation and per partner key id: calls checked and broken; each kind's first example."""

    base_version: str
    new_version: str
    changes: list[Change]
    checked: Counter[tuple[str, str]] = field(default_factory=Counter)
    broken: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (operation, side, schema path, rule) -> the calls that break it that way.
    kinds: dict[tuple[str, str, str, str], BreakKind] = field(default_factory=dict)
    outside: int = 0

    @property
    def breaking_calls(self) -> int:
        return sum(self.broken.values())

    @property
    def major_bump(self) -> bool:
        return int(self.new_version.split(".")[0]) > int(self.base_version.split(".")[0])


def _schema_path(pointer: str) -> str:
    """A data pointer as a schema path: ``/options/0/label`` -> ``options[].label``.

    >>> _schema_path("/recordIds/3")
    'recordIds[]'
    """
    path = ""
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        path = f"{path}[]" if part.isdigit() else (f"{path}.{part}" if path else part)
    return path


def _change_for(
    changes: Sequence[Change],
    operation: OperationContract | None,
    name: str,
    side: str,
    pointer: str,
    branch: int | None = None,
) -> str:
    """The change whose place is where this break is: its schema path, in the body's own
    ``oneOf`` branch (``branch``, from its discriminator) when the change names one."""
    where = f"{operation.method} {operation.path}" if operation else name
    wanted = _schema_path(pointer)
    place = "request body" if side == "request" else "response"
    best = fallback = ""
    for change in changes:
        if not change.kind.breaking or not change.where.startswith(where):
            continue
        if place not in change.where and change.where != where:
            continue
        inner = change.where.split(")", 1)[-1].lstrip(".")
        tail = re.sub(r"oneOf\[\d+\]\.?", "", inner)
        if tail == wanted or (wanted.startswith(tail) and tail):
            named = re.match(r"oneOf\[(\d+)\]", inner)
            if named is None or branch is None or int(named.group(1)) == branch:
                return str(change)
            best = best or str(change)  # the same field changed in another branch
        elif not fallback and not tail:
            fallback = str(change)
    return best or fallback


def branches(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, int]]]:
    """Per ``METHOD /path``, the request body's discriminator and which ``oneOf`` branch each
    of its values selects (from the mapping).

    >>> import crm_contract
    >>> prop, chosen = branches(crm_contract.document())["POST /crm-core/v1/properties"]
    >>> prop, chosen["DROPDOWN"], chosen["TEXT"]
    ('fieldType', 0, 1)
    """
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = crm_contract.resolve_ref(document, operation.get("requestBody", {}))
            schema = body.get("content", {}).get("application/json", {}).get("schema", {})
            schema = crm_contract.resolve_ref(document, schema)
            discriminator = schema.get("discriminator")
            if not discriminator or "oneOf" not in schema:
                continue
            refs = [branch.get("$ref") for branch in schema["oneOf"]]
            chosen = {
                value: refs.index(target)
                for value, target in discriminator.get("mapping", {}).items()
                if target in refs
            }
            found[f"{method.upper()} {path}"] = (discriminator["propertyName"], chosen)
    return found


#: The most errors read of one body: a call breaks at the first; more only name more ways
#: (a 1000-id request breaking one rule a thousand times breaks it one way).
MAX_ERRORS_PER_BODY = 10
#: How many distinct ways of breaking are remembered (beyond, each is worked out afresh).
MAX_EXPLAINED = 10_000


def _violations(validator: Any, body: Any, check: str) -> list[tuple[str, str]]:
    errors = itertools.islice(validator.iter_errors(body), MAX_ERRORS_PER_BODY)
    return [(v.pointer or "", v.expected) for v in schema_violations(check, errors)]


class Explainer:
    """Names how a body breaks a changed schema, working each distinct way out once.

    openapi-schema-validator names the rule the report shows, but reads the
    whole body (~170 us); jsonschema-rs lists the failing places and keywords in
    a few. Bodies that fail at the same schema paths with the same keywords
    break the same way: the first is explained by openapi-schema-validator, the
    rest reuse its answer (``bench -- impact``: half of 100,000 calls breaking).
    """

    def __init__(self) -> None:
        self._known: dict[
            tuple[int, frozenset[tuple[str, tuple[Any, ...]]]], list[tuple[str, str]]
        ] = {}

    def violations(self, validator: Any, body: Any, check: str) -> list[tuple[str, str]]:
        fast = getattr(validator, "fast", None)
        if fast is None:
            return _violations(validator, body, check)
        try:
            errors = list(itertools.islice(fast.iter_errors(body), MAX_ERRORS_PER_BODY))
        except (ValueError, OverflowError, TypeError):  # a body Rust cannot read: the slow path
            return _violations(validator, body, check)
        if not errors:
            return []
        ways = frozenset(
            (_schema_path("/" + "/".join(str(p) for p in e.instance_path)), tuple(e.schema_path))
            for e in errors
        )
        key = (id(validator), ways)
        known = self._known.get(key)
        if known is None:
            known = _violations(validator, body, check)
            if len(self._known) < MAX_EXPLAINED:
                self._known[key] = known
        return known


def check_impact(calls: Iterable[Call], base: dict[str, Any], new: dict[str, Any]) -> Impact:
    """What ``calls`` tell about the change from ``base`` to ``new`` (both OpenAPI documents).

    A call breaks when the base contract accepted its request (or allowed its
    answer) and the new one does not; a call the base already refused is a
    negative case, not a victim of the change.
    """
    before, after = build_contract(base), build_contract(new)
    changes = compare_documents(resolve(base), resolve(new))
    chosen = branches(new)
    impact = Impact(str(base["info"]["version"]), str(new["info"]["version"]), changes)
    explainer = Explainer()
    for call in calls:
        old_op = before.find(call.method, call.path)
        if old_op is None:
            impact.outside += 1
            continue
        key = call.key_id or "(no key)"
        impact.checked[(old_op.operation_id, key)] += 1
        breaks = list(_breaks(call, old_op, after, changes, explainer, chosen))
        if breaks:
            impact.broken[(old_op.operation_id, key)] += 1
        seen: set[tuple[str, str, str, str]] = set()
        for broken in breaks:
            kind = (broken.operation, broken.side, _schema_path(broken.pointer), broken.rule)
            if kind in seen:  # a call counts once per way it breaks
                continue
            seen.add(kind)
            entry = impact.kinds.get(kind)
            if entry is None:
                entry = impact.kinds[kind] = BreakKind(broken, _example(call, broken.side))
            entry.calls += 1
            entry.partners.add(key)
    return impact


def _breaks(
    call: Call,
    old_op: OperationContract,
    after: Contract,
    changes: Sequence[Change],
    explainer: Explainer,
    chosen: dict[str, tuple[str, dict[str, int]]],
) -> Iterable[Break]:
    name = old_op.operation_id
    branch = None
    if f"{old_op.method} {old_op.path}" in chosen and isinstance(call.request_body, dict):
        prop, by_value = chosen[f"{old_op.method} {old_op.path}"]
        value = call.request_body.get(prop)
        branch = by_value.get(value) if isinstance(value, str) else None
    key = call.key_id or "(no key)"
    new_op = after.find(call.method, call.path)
    if new_op is None:
        where = f"{old_op.method} {old_op.path}"
        change = next((str(c) for c in changes if c.where == where), "")
        yield Break(name, key, "request", "", "operation removed", change)
        return
    if call.request_body is not None and not _violations(
        old_op.request_body, call.request_body, "request"
    ):
        for pointer, rule in explainer.violations(
            new_op.request_body, call.request_body, "request"
        ):
            yield Break(
                name,
                key,
                "request",
                pointer,
                rule,
                _change_for(changes, new_op, name, "request", pointer, branch),
            )
    if call.status is None or call.response_body is None:
        return
    old_answer = old_op.responses.get(call.status)
    if old_answer is None or old_answer.body is None:
        return
    if _violations(old_answer.body, call.response_body, "response"):
        return  # the server already broke the base contract: the proxy's business, not the change's
    new_answer = new_op.responses.get(call.status)
    if new_answer is None:
        change = _change_for(changes, new_op, name, "response", "")
        yield Break(name, key, "response", "", f"status {call.status} no longer documented", change)
        return
    if new_answer.body is None:
        return
    for pointer, rule in explainer.violations(new_answer.body, call.response_body, "response"):
        yield Break(
            name,
            key,
            "response",
            pointer,
            rule,
            _change_for(changes, new_op, name, "response", pointer),
        )


def _example(call: Call, side: str) -> str:
    body = call.request_body if side == "request" else call.response_body
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 3] + "..."


#: Below this many bytes of traffic, one process checks it all (starting workers costs more).
PARALLEL_FLOOR_BYTES = 8 * 1024 * 1024


def check_impact_files(
    paths: Sequence[Path],
    base: dict[str, Any],
    new: dict[str, Any],
    *,
    workers: int | None = None,
    accept: Callable[[Path, int, Call], None] | None = None,
) -> Impact:
    """:func:`check_impact` over traffic files, by one process per core when there is enough
    to share (each a range of whole lines; counts added up, each kind's example the first in
    file order). ``accept`` sees every call first and may raise to refuse the file."""
    workers = workers or os.cpu_count() or 1
    total = sum(path.stat().st_size for path in paths if path.is_file())
    if (
        workers <= 1
        or total < PARALLEL_FLOOR_BYTES
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return check_impact(_accepted(read_calls(paths), accept), base, new)
    ranges = [(path, start, end) for path in paths for start, end in split(path, workers)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        parts = list(pool.map(_check_range, ranges, [(base, new, accept)] * len(ranges)))
    merged = parts[0]
    for part in parts[1:]:
        merged.checked.update(part.checked)
        merged.broken.update(part.broken)
        merged.outside += part.outside
        for key, kind in part.kinds.items():
            mine = merged.kinds.setdefault(key, BreakKind(kind.first, kind.example))
            mine.calls += kind.calls
            mine.partners |= kind.partners
    return merged


def _accepted(
    calls: Iterable[tuple[Path, int, Call]], accept: Callable[[Path, int, Call], None] | None
) -> Iterator[Call]:
    for path, number, call in calls:
        if accept is not None:
            accept(path, number, call)
        yield call


def _check_range(
    task: tuple[Path, int, int],
    documents: tuple[dict[str, Any], dict[str, Any], Callable[[Path, int, Call], None] | None],
) -> Impact:
    path, start, end = task
    base, new, accept = documents
    return check_impact(_accepted(read_range(path, start, end), accept), base, new)
