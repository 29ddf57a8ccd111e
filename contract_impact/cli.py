"""``python -m contract_impact --traffic FILE...``: would the changed contract break recorded calls?

``nox -s impact -- --traffic FILE... [--base SOURCE] [--spec SOURCE]``: the
base defaults to the last release (as ``nox -s breaking``), the changed
contract to ``openapi.yaml``. Prints, per operation and partner key id, the
calls checked and those that would break, then each way they break with
the partners, the ``nox -s breaking`` change it comes from and a first
example (bodies as recorded: secrets already blanked). Exit 1 when any
recorded call would break and the major version did not go up; 2 for bad
input (a traffic line named by file and number).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import crm_contract
from contract_diff.report import Version
from contract_diff.sources import SourceError, last_release, load
from contract_impact.check import Impact, check_impact_files
from contract_impact.replay import replay
from traffic import Call, TrafficError, read_calls


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contract_impact",
        description="Check recorded calls against the changed contract: which partner calls "
        "would it break, and which change breaks them?",
    )
    parser.add_argument("--traffic", type=Path, nargs="+", required=True, metavar="FILE")
    parser.add_argument(
        "--base", metavar="SOURCE",
        help="the contract the calls kept (a file, a git revision or a URL; default: the last release)",
    )  # fmt: skip
    parser.add_argument(
        "--spec", metavar="SOURCE", help="the changed contract (default: openapi.yaml)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the result as JSON")
    parser.add_argument(
        "--replay", action="store_true",
        help="also send every recorded, accepted request again (re-signed with a test key) to the "
        "mock of openapi.yaml, and count those it now refuses as invalid (run nox -s generate first)",
    )  # fmt: skip
    return parser


@dataclass(frozen=True)
class RecordedNoLaterThan:
    """Refuses a call recorded against a contract newer than both checked (another contract)."""

    newest: Version

    def __call__(self, path: Path, number: int, call: Call) -> None:
        if call.contract is None:
            return
        try:
            recorded = Version.parse(call.contract)
        except ValueError:
            raise TrafficError(
                f"{path}:{number}: contract {call.contract[:20]!r} is not a version"
            ) from None
        if recorded > self.newest:
            raise TrafficError(
                f"{path}:{number}: recorded against contract {recorded}, newer than the one "
                f"checked ({self.newest}): compare with that contract, or record against this one"
            )


def summary(impact: Impact) -> dict[str, Any]:
    """The result as data (``--json``)."""
    return {
        "base": impact.base_version,
        "changed": impact.new_version,
        "checked": sum(impact.checked.values()),
        "wouldBreak": impact.breaking_calls,
        "outsideTheContract": impact.outside,
        "partners": [
            {
                "operation": op,
                "keyId": key,
                "checked": count,
                "wouldBreak": impact.broken[(op, key)],
            }
            for (op, key), count in sorted(impact.checked.items())
        ],
        "breaks": [
            {
                "operation": kind.first.operation,
                "side": kind.first.side,
                "pointer": kind.first.pointer,
                "rule": kind.first.rule,
                "calls": kind.calls,
                "partners": sorted(kind.partners),
                "change": kind.first.change,
                "example": kind.example,
            }
            for kind in impact.kinds.values()
        ],
    }


def report(impact: Impact) -> str:
    data = summary(impact)
    lines = [
        f"impact of {impact.base_version} -> {impact.new_version} on {data['checked']} recorded calls"
        f" ({impact.outside} outside the base contract)",
        "",
        "| operation | partner key | checked | would break |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row['operation']} | {row['keyId']} | {row['checked']} | {row['wouldBreak']} |"
        for row in data["partners"]
    ]
    if data["breaks"]:
        lines += ["", "How they would break (each with its first example):"]
        for row in data["breaks"]:
            where = f"{row['operation']} {row['side']} {row['pointer'] or '(whole)'}"
            lines.append(
                f"- {where}: {row['rule']} — {row['calls']} call(s), partners {', '.join(row['partners'])}"
            )
            lines.append(
                f"  from: {row['change'] or '(no single change of nox -s breaking: see its report)'}"
            )
            lines.append(f"  e.g. {row['example']}")
    breaking = [c for c in impact.changes if c.kind.breaking]
    if breaking and not data["breaks"]:
        lines += [
            "",
            f"nox -s breaking lists {len(breaking)} breaking change(s); no recorded call is affected:",
        ]
        lines += [f"- {change}" for change in breaking]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        base = load(args.base or str(last_release()))
        new = load(args.spec) if args.spec else crm_contract.document()
        newest = max(Version.parse(base["info"]["version"]), Version.parse(new["info"]["version"]))
        impact = check_impact_files(args.traffic, base, new, accept=RecordedNoLaterThan(newest))
        if impact.outside and not impact.checked:
            path, number, call = next(read_calls(args.traffic))
            raise TrafficError(
                f"{path}:{number}: none of the {impact.outside} recorded calls is for an operation "
                f"of the base contract (this one: {call.method} {call.path[:80]}): another API's traffic?"
            )
    except (TrafficError, SourceError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report(impact), end="")
    refused = 0
    if args.replay:
        if args.spec is not None:
            print(
                "error: --replay checks the mock of openapi.yaml: leave out --spec", file=sys.stderr
            )
            return 2
        replayed = replay(call for _, _, call in read_calls(args.traffic))
        refused = replayed.refused_calls
        print(
            f"replayed {sum(replayed.replayed.values())} recorded accepted requests against the mock "
            f"of openapi.yaml: {refused} refused as invalid"
        )
        for (op, key), count in sorted(replayed.refused.items()):
            print(f"- {op} {key}: {count} refused")
        for op, (key, message, body) in replayed.examples.items():
            print(f"  e.g. {op} ({key}): {message} — {body}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(summary(impact), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if not impact.breaking_calls and not refused:
        print(f"ok: no recorded call would break ({sum(impact.checked.values())} checked)")
        return 0
    if not impact.breaking_calls:
        print(
            f"error: the mock of openapi.yaml refuses {refused} recorded request(s) the base accepted"
        )
        return 0 if impact.major_bump else 1
    partners = sorted({key for (_, key), n in impact.broken.items() if n})
    verdict = (
        f"{impact.breaking_calls} recorded call(s) would break, partners: {', '.join(partners)}"
    )
    if impact.major_bump:
        print(f"allowed: {verdict} (the major version went up: tell them)")
        return 0
    print(f"error: {verdict}; the major version did not go up")
    return 1
