"""The "Generate a client" section of the published reference (and of the README).

Rendered from ``templates/generate-a-client.md.j2`` with the generators' pinned
versions, read from the files that pin them: ``partners/package-lock.json``
(npm), ``partners/requirements.txt`` and the dev extra of ``pyproject.toml``
(PyPI). The commands in it are the ones ``nox -s partners`` runs
(``tests/publishing/test_docs_bundle.py`` holds the two to each other).

>>> section().splitlines()[0]
'## Generate a client'
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
PARTNERS = ROOT / "partners"
_PIN = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.-]+)(\[[^\]]*\])?==(?P<version>[^\s;#]+)")


def pinned_versions() -> dict[str, str]:
    """Every pinned tool's version by package name (npm and PyPI).

    >>> pinned_versions()["orval"].count(".")
    2
    """
    lock = json.loads((PARTNERS / "package-lock.json").read_text(encoding="utf-8"))
    versions = {
        name.removeprefix("node_modules/"): package["version"]
        for name, package in lock["packages"].items()
        if name.startswith("node_modules/")
        and "/node_modules/" not in name.removeprefix("node_modules/")
    }
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = (PARTNERS / "requirements.txt").read_text(encoding="utf-8").splitlines()
    for line in [*pyproject["project"]["optional-dependencies"]["dev"], *requirements]:
        if pinned := _PIN.match(line):
            versions[pinned["name"]] = pinned["version"]
    return versions


def section() -> str:
    """The section's Markdown, versions filled in."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Markdown, not HTML
        keep_trailing_newline=True,
    )
    return environment.get_template("generate-a-client.md.j2").render(versions=pinned_versions())
