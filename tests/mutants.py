"""Mutants that once survived or guard a subtle rule, applied one at a time: each must fail the suite.

Run: ``python -m tests.mutants`` (in the tests environment). Not part of the
suite: it edits source files (restoring them afterwards) and runs pytest on
the tests that must catch each mutant.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    mutated: str
    tests: tuple[str, ...]


MUTANTS = [
    Mutant(
        "replay/skew window 15 min 30 s",
        "hmac_verifier/replay_cache.py",
        "WINDOW = timedelta(minutes=15)",
        "WINDOW = timedelta(minutes=15, seconds=30)",
        ("tests/auth/test_verification.py",),
    ),
    Mutant(
        "replay cache forgets a bucket up to a second before its entries expire",
        "hmac_verifier/replay_cache.py",
        "while self.expiry_seconds and self.expiry_seconds[0] + 1 <= now:",
        "while self.expiry_seconds and self.expiry_seconds[0] < now:",
        ("tests/auth/test_verification.py",),
    ),
    Mutant(
        "one budget of live signatures shared by every key",
        "hmac_verifier/replay_cache.py",
        "signatures = self._keys.get(api_key)",
        "signatures = self._keys.get(api_key := '')",
        ("tests/auth/test_verification.py",),
    ),
    Mutant(
        "relations pointing to a deleted record not cascaded",
        "mock_server/store.py",
        "to_record_id   TEXT REFERENCES records ON DELETE CASCADE",
        "to_record_id   TEXT REFERENCES records ON DELETE SET NULL",
        ("tests/mock/test_permanent_delete_counts.py",),
    ),
    Mutant(
        "'id' not reserved",
        "mock_server/operations.py",
        '        "id",\n',
        "",
        ("tests/mock/test_mock_layers.py",),
    ),
    Mutant(
        "description dropped from the create response",
        "mock_server/operations.py",
        'rendered["description"] = new.description',
        "pass",
        ("tests/mock/test_create_echo.py",),
    ),
]


def caught(mutant: Mutant) -> bool:
    path = ROOT / mutant.path
    source = path.read_text(encoding="utf-8")
    if source.count(mutant.original) != 1:
        raise SystemExit(f"{mutant.name}: {mutant.original!r} is not in {mutant.path} once")
    path.write_text(source.replace(mutant.original, mutant.mutated), encoding="utf-8")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
            cwd=ROOT,
            capture_output=True,
            timeout=600,
        )
    finally:
        path.write_text(source, encoding="utf-8")
    return result.returncode != 0


def main() -> int:
    survivors = 0
    for mutant in MUTANTS:
        verdict = caught(mutant)
        survivors += not verdict
        print(f"{'caught  ' if verdict else 'SURVIVED'} {mutant.name}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
