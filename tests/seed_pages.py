"""The original reference pages: where they are, and what the tests know without them.

The pages live outside the repository (``../shared/seeds`` by default, or
wherever ``CRM_CORE_SEEDS`` points). Tests that read them skip with the
reason when they are absent, except under ``CI=true``, where an absent
folder fails: CI always has the pages, so a skip there would hide a broken
path. Facts the other tests need are in ``tests/data/seed_facts.yaml``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.environment import unavailable

ROOT = Path(__file__).resolve().parent.parent
SEEDS_ENV = "CRM_CORE_SEEDS"
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
FACTS_PATH = Path(__file__).resolve().parent / "data" / "seed_facts.yaml"


def seeds_dir() -> Path:
    """The folder of the reference pages: ``$CRM_CORE_SEEDS`` or ``../shared/seeds``."""
    configured = os.environ.get(SEEDS_ENV)
    return Path(configured) if configured else DEFAULT_SEEDS


@cache
def seed_facts() -> dict[str, Any]:
    """The committed facts: page names, credentials, request bodies, the 401 body."""
    facts: dict[str, Any] = yaml.safe_load(FACTS_PATH.read_text(encoding="utf-8"))
    return facts


def read_page(operation_id: str) -> str:
    """The text of the page of ``operation_id``; skips (fails under CI) when absent."""
    page = seeds_dir() / str(seed_facts()["pages"][operation_id])
    if not page.is_file():
        reason = (
            f"reference page {page} not found: set {SEEDS_ENV} to the folder of the "
            "original reference pages (default ../shared/seeds beside the repository)"
        )
        unavailable(reason)
    return page.read_text(encoding="utf-8")
