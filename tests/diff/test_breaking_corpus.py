"""The breaking-change engine classifies every labelled pair of the corpus exactly.

``tests/data/breaking/corpus.yaml``: each case is the base spec and the spec
a JSON Patch makes of it, with every change the engine must report (kind,
rule, count) and nothing more.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml
from openapi_spec_validator import validate

from contract_diff.documents import compare_documents, resolve

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "breaking"
BASE = yaml.safe_load((CORPUS_DIR / "base.yaml").read_text(encoding="utf-8"))
CASES = yaml.safe_load((CORPUS_DIR / "corpus.yaml").read_text(encoding="utf-8"))


def expected(case: dict[str, Any]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for kind, rule, *times in case["expect"]:
        counts[(kind, rule)] += times[0] if times else 1
    return counts


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    assert len(CASES) >= 30
    kinds = {kind for case in CASES for kind, *_ in case["expect"]}
    assert kinds == {"breaking for clients", "breaking for the server", "compatible"}
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_pair_is_classified_exactly(case: dict[str, Any]) -> None:
    changed = jsonpatch.apply_patch(copy.deepcopy(BASE), case["patch"])
    validate(changed)  # every changed spec is valid OpenAPI 3.0: a real pair, not a broken file
    changes = compare_documents(resolve(BASE), resolve(changed))
    found = Counter((change.kind.value, change.rule) for change in changes)
    assert found == expected(case), "\n".join(str(c) for c in changes)
