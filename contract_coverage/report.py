"""The coverage report as data: the JSON document every format is rendered from.

Format ``crm-core-coverage``, version 1 (documented in the README, "Contract
coverage"). Items a source cannot reach carry their ``reason``; a
dimension's ``percent`` counts the items that can be reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import crm_contract
from contract_coverage.measure import Coverage
from contract_coverage.targets import DIMENSIONS

FORMAT = "crm-core-coverage"
FORMAT_VERSION = 1
#: Findings, most important first.
FINDING_ORDER = ("undeclared-status", "unknown-open-value", "unknown-enum-value",
                 "undocumented-error-code", "no-operation")  # fmt: skip
#: The Test Coverage Criteria for RESTful Web APIs (Martin-Lopez et al.), as this report reads them.
TCL = (
    (1, "operations", ("calls",)),
    (2, "content types", ("calls",)),
    (3, "parameters", ("requestProperties",)),
    (4, "status classes", ("statusClasses",)),
    (5, "parameter values", ("requestValues", "branches")),
    (6, "status codes", ("statuses",)),
    (7, "response properties", ("responseProperties",)),
)


def _percent(covered: int, total: int) -> float:
    return 100.0 if total == 0 else round(100.0 * covered / total, 1)


def build_report(
    coverage: Coverage, reasons: Mapping[tuple[str, str, str], str] | None = None
) -> dict[str, Any]:
    """The report of ``coverage``; ``reasons`` names items a source cannot reach, and why."""
    reasons = reasons or {}
    operations: dict[str, Any] = {}
    totals = {d: {"covered": 0, "reachable": 0, "total": 0} for d in DIMENSIONS}
    for op, measured in coverage.operations.items():
        dimensions: dict[str, Any] = {}
        for dimension, items in measured.items.items():
            rows = []
            for name, sources in items.items():
                row: dict[str, Any] = {"item": name, "seen": sum(sources.values())}
                if sources:
                    row["sources"] = dict(sorted(sources.items()))
                reason = reasons.get((op, dimension, name))
                if reason and not sources:
                    row["unreachable"] = reason
                rows.append(row)
            covered = sum(1 for row in rows if row["seen"])
            reachable = sum(1 for row in rows if row["seen"] or "unreachable" not in row)
            dimensions[dimension] = {
                "covered": covered,
                "reachable": reachable,
                "total": len(rows),
                "percent": _percent(covered, reachable),
                "items": rows,
            }
            for key, value in (
                ("covered", covered),
                ("reachable", reachable),
                ("total", len(rows)),
            ):
                totals[dimension][key] += value
        statuses = [row for row in dimensions["statuses"]["items"] if "unreachable" not in row]
        classes = {row["item"][0] + "xx" for row in statuses}
        seen_classes = {row["item"][0] + "xx" for row in statuses if row["seen"]}
        operations[op] = {
            "method": measured.targets.method,
            "path": measured.targets.path,
            "calls": dict(sorted(measured.calls.items())),
            "statusClasses": {"covered": len(seen_classes), "total": len(classes)},
            "dimensions": dimensions,
        }
    findings = sorted(
        coverage.findings.values(),
        key=lambda f: (FINDING_ORDER.index(f.kind), f.operation or "", f.value),
    )
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "contract": crm_contract.version(),
        "calls": dict(sorted(coverage.calls.items())),
        "probes": dict(sorted(coverage.probes.items())),
        "findings": [
            {
                "kind": f.kind,
                "operation": f.operation,
                "detail": f.detail,
                "value": f.value,
                "seen": sum(f.sources.values()),
                "sources": dict(sorted(f.sources.items())),
            }
            for f in findings
        ],
        "totals": {
            d: {**counts, "percent": _percent(counts["covered"], counts["reachable"])}
            for d, counts in totals.items()
        },
        "tcl": _tcl(operations),
        "operations": operations,
    }


def _tcl(operations: dict[str, Any]) -> dict[str, Any]:
    """The highest TCL every operation reaches (0: its path was called)."""
    levels = []
    for level, name, parts in TCL:
        met = True
        for op in operations.values():
            for part in parts:
                if part == "calls":
                    met = met and bool(op["calls"])
                elif part == "statusClasses":
                    met = met and op["statusClasses"]["covered"] == op["statusClasses"]["total"]
                else:
                    dimension = op["dimensions"][part]
                    met = met and dimension["covered"] == dimension["reachable"]
        levels.append({"level": level, "name": name, "met": met})
    reached = 0 if all(op["calls"] for op in operations.values()) else -1
    for level, _, _ in TCL:
        if not next(entry["met"] for entry in levels if entry["level"] == level):
            break
        reached = level
    return {"reached": reached, "levels": levels}
