"""The one version of everything released: ``info.version`` of openapi.yaml.

>>> contract_version().count(".")
2
"""

from __future__ import annotations

from pathlib import Path

import yaml

SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"


def contract_version() -> str:
    """``info.version`` of openapi.yaml (the client packages, docs and release files take it)."""
    return str(yaml.safe_load(SPEC.read_text(encoding="utf-8"))["info"]["version"])
