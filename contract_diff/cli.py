"""``python -m contract_diff breaking|drift``: the release gate and the upstream comparison.

``breaking [--base FILE_OR_GIT_REF] [--spec FILE]``: every change from the
base (default: the newest snapshot in ``releases/``) to ``openapi.yaml``,
classified, as a changelog-ready list. Exit 1 when a change is breaking and
the major part of ``info.version`` did not go up (or the contract changed
and the version did not), 0 otherwise, 2 when a document cannot be read.

``drift FILE_OR_URL [--spec FILE]``: where SOLAPI's own document disagrees
with ours on our operations (paths, fields, constraints, statuses), read
as "from the vendor's contract to ours". Exit 1 when they disagree.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import crm_contract
from contract_diff.documents import compare_documents, operations, resolve
from contract_diff.report import DRIFT_HEADINGS, Version, markdown, verdict
from contract_diff.sources import SourceError, last_release, load


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contract_diff", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    breaking = commands.add_parser("breaking", help="classify changes since the last release")
    breaking.add_argument("--base", help="file, URL or git revision (default: releases/ newest)")
    breaking.add_argument(
        "--spec", help="the new contract (default: openapi.yaml, through crm_contract)"
    )
    drift = commands.add_parser("drift", help="compare our operations with SOLAPI's document")
    drift.add_argument("vendor", help="file or URL of SOLAPI's OpenAPI document")
    drift.add_argument("--spec", help="our contract (default: openapi.yaml, through crm_contract)")
    return parser


def with_server_prefix(document: dict[str, Any]) -> dict[str, Any]:
    """Paths with the first server's path in front (``/crm-core/v1`` + ``/properties``).

    >>> with_server_prefix({"servers": [{"url": "https://x/api/v1/"}], "paths": {"/a": {}}})["paths"]
    {'/api/v1/a': {}}
    """
    servers = document.get("servers") or [{"url": "/"}]
    prefix = urlparse(servers[0].get("url", "/")).path.rstrip("/")
    if not prefix:
        return document
    paths = {prefix + path: item for path, item in document.get("paths", {}).items()}
    return {**document, "paths": paths}


def ours(spec_source: str | None) -> tuple[dict[str, Any], str]:
    """Our contract: ``spec_source`` when given, else the contract model's document; and its name."""
    if spec_source is None:
        return crm_contract.document(), str(crm_contract.spec_path())
    return load(spec_source), spec_source


def run_breaking(base_source: str | None, spec_source: str | None) -> int:
    base_path = base_source or str(last_release())
    base = load(base_path)
    new, _ = ours(spec_source)
    changes = compare_documents(resolve(base), resolve(new))
    base_version = Version.parse(base["info"]["version"])
    new_version = Version.parse(new["info"]["version"])
    print(markdown(changes, f"Contract changes {base_version} -> {new_version}"))
    allowed, reason = verdict(changes, base_version, new_version)
    print(f"{'ok' if allowed else 'error'}: {reason} (base: {base_path})")
    return 0 if allowed else 1


def run_drift(vendor_source: str, spec_source: str | None) -> int:
    document, name = ours(spec_source)
    contract = resolve(with_server_prefix(document))
    vendor = resolve(with_server_prefix(load(vendor_source)))
    changes = compare_documents(vendor, contract, only=set(operations(contract)))
    title = f"Our operations, from {vendor_source} to {name}"
    print(markdown(changes, title, DRIFT_HEADINGS))
    if changes:
        print(f"drift: {len(changes)} difference(s) on our {len(operations(contract))} operations")
        return 1
    print("no drift: the vendor's document agrees with ours on our operations")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "breaking":
            return run_breaking(args.base, args.spec)
        return run_drift(args.vendor, args.spec)
    except (SourceError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
