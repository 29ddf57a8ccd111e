"""``python -m contract_coverage TRAFFIC...``: the coverage report of recorded calls, merged.

Reads traffic files (the proxy's ``--traffic``, the contract run's
``reports/contract/traffic.jsonl``), writes ``coverage.json``, ``coverage.md``
and ``coverage.html`` into ``--out``, prints the Markdown summary, and exits 1
when a ``--min-coverage`` threshold is missed (2 for bad input).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from contract_coverage.measure import measure_files
from contract_coverage.reasons import unreachable_on_the_mock
from contract_coverage.render import html, markdown
from contract_coverage.report import build_report
from contract_coverage.targets import DIMENSIONS
from traffic import TrafficError


def threshold(text: str) -> tuple[str, float]:
    """``DIMENSION=PERCENT`` (``all`` for every dimension).

    >>> threshold("statuses=100")
    ('statuses', 100.0)
    """
    name, _, value = text.partition("=")
    if name not in (*DIMENSIONS, "all"):
        raise argparse.ArgumentTypeError(
            f"{name!r}: a dimension is one of {', '.join(DIMENSIONS)} or all"
        )
    try:
        percent = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give DIMENSION=PERCENT") from None
    if not 0 <= percent <= 100:
        raise argparse.ArgumentTypeError(f"{text!r}: a percent is 0 to 100")
    return name, percent


def missed(report: Mapping[str, Any], thresholds: Sequence[tuple[str, float]]) -> list[str]:
    """Each threshold the report misses, said in words."""
    problems = []
    for name, minimum in thresholds:
        for dimension in DIMENSIONS if name == "all" else (name,):
            percent = report["totals"][dimension]["percent"]
            if percent < minimum:
                problems.append(f"{dimension}: {percent:g}% < {minimum:g}%")
    return problems


def write_reports(report: dict[str, Any], out: Path) -> list[Path]:
    """coverage.json, coverage.md and coverage.html in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = {
        out / "coverage.json": json.dumps(report, ensure_ascii=False, indent=2) + "\n",
        out / "coverage.md": markdown(report),
        out / "coverage.html": html(report),
    }
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    return list(written)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contract_coverage",
        description="What recorded calls reached of openapi.yaml: statuses, errorCodes, fields, "
        "values, constraints, states; findings (what the contract does not declare) first.",
    )
    parser.add_argument("traffic", nargs="+", type=Path, help="traffic files (merged)")
    parser.add_argument("--out", type=Path, default=Path("reports/coverage"), metavar="DIR")
    parser.add_argument(
        "--mock", action="store_true",
        help="the calls were made against this project's mock: name, with the reason, "
        "what it cannot show (a 5xx, the auth codes under other statuses)",
    )  # fmt: skip
    parser.add_argument(
        "--min-coverage", type=threshold, action="append", default=[], metavar="DIMENSION=PERCENT",
        help="exit 1 below this percent of a dimension's reachable items (repeatable; 'all')",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        reasons = unreachable_on_the_mock() if args.mock else {}
        report = build_report(measure_files(args.traffic), reasons)
    except TrafficError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    paths = write_reports(report, args.out)
    print(markdown(report), end="")
    print("reports: " + ", ".join(str(p) for p in paths))
    problems = missed(report, args.min_coverage)
    for problem in problems:
        print(f"coverage below the threshold: {problem}", file=sys.stderr)
    return 1 if problems else 0
