"""What the impact check costs (issue 30): 100,000 recorded calls against a changed contract.

Run: ``nox -s bench -- impact``. The calls are written by the bench (nothing
large is committed): both operations, seven partners, the shapes of
``bench -- coverage``. Two changes of the record id pattern (:data:`CHANGES`):
one a few calls break, one about half break. Goal: at most 10 s on this
machine's two cores; baseline in the same run: reading the same file with
``json.loads`` alone. Nothing is asserted.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from pathlib import Path

import crm_contract
from bench.bench_coverage import recorded_calls
from contract_impact.check import check_impact_files
from traffic import TrafficWriter

CALLS = 100_000


#: Two changes to the record id pattern: one that a few recorded ids break (those ending in
#: "00"), one that about half of them break (the worst case: every broken call is read whole).
CHANGES = {
    "a few calls break": "^CRMRC1[0-9]{15}[A-Za-z0-9]{9}(?!00)[A-Za-z0-9]{2}$",
    "about half the calls break": "^CRMRC1[0-9]{15}[A-Za-z0-9]{10}[0-4]$",
}


def main() -> None:
    base = crm_contract.document()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "calls.jsonl"
        with TrafficWriter(path) as writer:
            for call in recorded_calls(CALLS):
                writer.write(call)
        started = time.perf_counter()
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                json.loads(line)
        floor = time.perf_counter() - started
        for label, pattern in CHANGES.items():
            new = copy.deepcopy(base)
            new["info"]["version"] = "2.2.0"
            new["components"]["schemas"]["RecordId"]["pattern"] = pattern
            started = time.perf_counter()
            impact = check_impact_files([path], base, new)
            seconds = time.perf_counter() - started
            print(
                f"{CALLS:,} recorded calls, {label} ({impact.breaking_calls:,}): {seconds:.2f} s "
                f"({seconds / floor:.1f}x json.loads alone, {floor:.2f} s); "
                f"goal <= 10 s: {'met' if seconds <= 10 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
