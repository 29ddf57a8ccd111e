"""Where the documents to compare come from: a file, a git revision, a URL, the releases folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from contract_diff.report import Version

ROOT = Path(__file__).resolve().parent.parent
#: Snapshots of every released contract, ``openapi-<version>.yaml``: the default base.
RELEASES = ROOT / "releases"


class SourceError(Exception):
    """A document could not be read (the message says which and why)."""


def parse_document(text: str, where: str) -> dict[str, Any]:
    """JSON or YAML text as a mapping."""
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        raise SourceError(f"{where} is neither JSON nor YAML") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise SourceError(f"{where} is not an OpenAPI document (no paths)")
    return document


def load(source: str) -> dict[str, Any]:
    """A document from a file path, an ``http(s)://`` URL, or ``git-ref`` (its openapi.yaml)."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=30, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise SourceError(f"cannot fetch {source}: {error}") from None
        return parse_document(response.text, source)
    path = Path(source)
    if path.is_file():
        return parse_document(path.read_text(encoding="utf-8"), source)
    if source.startswith("-"):  # never an option to git
        raise SourceError(f"{source!r} is neither a file nor a git revision")
    shown = subprocess.run(  # noqa: S603 - a revision, checked above, in our own command
        ["git", "show", f"{source}:openapi.yaml"],  # noqa: S607 - git from PATH
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if shown.returncode != 0:
        raise SourceError(f"{source!r} is neither a file nor a git revision with openapi.yaml")
    return parse_document(shown.stdout, f"{source}:openapi.yaml")


def released_versions() -> list[tuple[Version, Path]]:
    """The committed release snapshots, oldest first."""
    found = []
    for path in RELEASES.glob("openapi-*.yaml"):
        try:
            found.append((Version.parse(path.stem.removeprefix("openapi-")), path))
        except ValueError:
            continue
    return sorted(found)


def last_release() -> Path:
    """The newest snapshot in ``releases/``."""
    releases = released_versions()
    if not releases:
        raise SourceError(f"no release snapshot in {RELEASES}: pass --base FILE_OR_GIT_REF")
    return releases[-1][1]
