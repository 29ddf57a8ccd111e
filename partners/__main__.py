"""``python -m partners``: the partner-generator matrix (see :mod:`partners.matrix`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import PackageNotFoundError
from pathlib import Path

import crm_contract
from npm_tools import NpmToolsError, ensure_installed
from partners.generators import GENERATORS, PARTNERS_DIR, installed_version
from partners.matrix import ROOT, STEPS, SpecFile, run_matrix, servers, table
from publishing import build_docs
from publishing.client_guide import pinned_versions


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 16:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of cells from 1 to 16")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m partners",
        description="Run each partner generator on each published spec file: generate, build, "
        "call the mock. Exit 1 if any cell fails.",
    )
    parser.add_argument(
        "--generator",
        action="append",
        default=[],
        metavar="NAME",
        help="only generators whose name contains NAME (repeatable)",
    )
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="NAME",
        help="only published files whose name contains NAME (repeatable)",
    )
    parser.add_argument(
        "--spec",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="run on FILE (repeatable) instead of the published files, e.g. an "
        "older release: releases/openapi-1.0.0.yaml",
    )
    parser.add_argument("--jobs", type=_jobs, default=2, help="cells at a time, 1-16 (default 2)")
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "build" / "partners",
        help="where the cells are generated (default build/partners)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=ROOT / "reports" / "partners" / "matrix.json",
        help="the outcomes as JSON (default reports/partners/matrix.json)",
    )
    return parser  # fmt: skip


def published_files(work: Path) -> list[SpecFile]:
    """The files partners get: the contract itself and the published folder's two
    (written by :func:`publishing.build_docs.build` into ``work/docs``)."""
    docs = work / "docs"
    return [
        SpecFile("openapi.yaml", crm_contract.spec_path()),
        SpecFile("docs/openapi.with-refs.yaml", docs / "openapi.with-refs.yaml"),
        SpecFile("docs/openapi.json", docs / "openapi.json", dereferenced=True),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    generators = [
        g for g in GENERATORS if not args.generator or any(n in g.name for n in args.generator)
    ]
    if not generators:
        print(f"error: no generator matches {args.generator}", file=sys.stderr)
        return 2
    missing = [path for path in args.spec if not path.is_file()]
    if missing:
        print(f"error: no such spec file: {missing[0]}", file=sys.stderr)
        return 2
    if args.spec:
        # A file without any $ref is read as the dereferenced one (model names differ there).
        specs = [
            SpecFile(path.name, path.resolve(), "$ref" not in path.read_text(encoding="utf-8"))
            for path in args.spec
        ]
    else:
        specs = published_files(args.work)
    specs = [s for s in specs if not args.file or any(n in s.name for n in args.file)]
    if not specs:
        print(f"error: no published file matches {args.file}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        ensure_installed(PARTNERS_DIR)
        versions = {generator.name: installed_version(generator) for generator in generators}
    except (NpmToolsError, PackageNotFoundError, OSError, ValueError) as error:
        # A generator that cannot be installed is a failure, never a skipped cell.
        print(f"error: a partner generator is missing: {error}", file=sys.stderr)
        return 2
    pinned = pinned_versions()
    for generator in generators:
        if versions[generator.name] != pinned[generator.package]:
            print(f"error: {generator.name} {versions[generator.name]} is installed, but "
                  f"{pinned[generator.package]} is pinned (the guide names that one)",
                  file=sys.stderr)  # fmt: skip
            return 2
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.spec:
        build_docs.build(args.work / "docs")
    with servers() as environment:
        environment = replace(environment, work=args.work, mypy_cache=args.work / ".mypy_cache")
        outcomes = run_matrix(generators, specs, environment, jobs=args.jobs)
    print(table(outcomes, versions))
    for outcome in outcomes:
        if not outcome.passed:
            print(f"\n{outcome.generator.name} x {outcome.spec.name}: {outcome.detail}")
    failed = sum(not outcome.passed for outcome in outcomes)
    wall = time.monotonic() - started
    print(f"\npartners: {len(outcomes) - failed} of {len(outcomes)} cells passed "
          f"({len(generators)} generators x {len(specs)} files) in {wall:.0f} s")  # fmt: skip
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps({
        "seconds": round(wall, 1),
        "cells": [{
            "generator": o.generator.name, "version": versions[o.generator.name],
            "file": o.spec.name, **{step: o.steps[step] for step in STEPS},
            "seconds": round(o.seconds, 1), "detail": o.detail,
        } for o in outcomes],
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
