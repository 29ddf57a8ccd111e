"""``nox -s breaking`` and ``nox -s drift`` as users run them (the module's CLI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

import crm_contract
from contract_diff.cli import main
from contract_diff.report import Version
from contract_diff.sources import last_release, released_versions

DRIFT = Path(__file__).resolve().parents[1] / "data" / "drift"


def write_spec(path: Path, version: str, *, permanent_required: bool) -> Path:
    spec = crm_contract.document()
    spec["info"]["version"] = version
    if permanent_required:
        spec["components"]["schemas"]["BulkDeleteRecordsRequest"]["required"].append("permanent")
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_field_made_required_fails_without_a_major_bump_and_passes_with_one(
    tmp_path: Path,
) -> None:
    base = write_spec(tmp_path / "base.yaml", "1.0.0", permanent_required=False)
    minor = write_spec(tmp_path / "minor.yaml", "1.1.0", permanent_required=True)
    major = write_spec(tmp_path / "major.yaml", "2.0.0", permanent_required=True)
    command = [sys.executable, "-m", "contract_diff", "breaking", "--base", str(base), "--spec"]
    refused = subprocess.run([*command, str(minor)], capture_output=True, text=True, check=False)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "#### Breaking for clients" in refused.stdout
    assert ".permanent`: now required (property-became-required)" in refused.stdout
    assert "needs a major version (2.0.0)" in refused.stdout
    allowed = subprocess.run([*command, str(major)], capture_output=True, text=True, check=False)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert ".permanent`: now required" in allowed.stdout


def test_a_changed_contract_needs_a_new_version_and_an_unchanged_one_passes(tmp_path: Path) -> None:
    base = write_spec(tmp_path / "base.yaml", "1.0.0", permanent_required=False)
    same = write_spec(tmp_path / "same.yaml", "1.0.0", permanent_required=False)
    assert main(["breaking", "--base", str(base), "--spec", str(same)]) == 0
    spec = yaml.safe_load(same.read_text())
    spec["paths"]["/crm-core/v1/properties"]["post"]["summary"] = "Create a property"
    same.write_text(yaml.safe_dump(spec, allow_unicode=True))
    assert main(["breaking", "--base", str(base), "--spec", str(same)]) == 1


def test_the_default_base_is_the_newest_release_snapshot_and_head_keeps_to_it() -> None:
    versions = [version for version, _ in released_versions()]
    assert versions
    assert last_release() == released_versions()[-1][1]
    assert versions[-1] <= Version.parse(crm_contract.document()["info"]["version"])
    assert main(["breaking"]) == 0  # the committed contract passes its own gate


def test_unreadable_sources_are_clear_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("{ not: [valid")
    for args in (["breaking", "--base", "no-such-ref-or-file"], ["drift", str(garbage)]):
        finished = subprocess.run(
            [sys.executable, "-m", "contract_diff", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert finished.returncode == 2
        assert finished.stderr.startswith("error: ")
        assert "Traceback" not in finished.stderr


def test_drift_against_a_vendor_document_that_agrees() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "contract_diff", "drift", str(DRIFT / "vendor-agrees.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout
    assert "no drift" in finished.stdout


def test_drift_reports_each_disagreement_once() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "contract_diff", "drift", str(DRIFT / "vendor-differs.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert finished.returncode == 1
    lines = [line for line in finished.stdout.splitlines() if line.startswith("- ")]
    expected = [
        "recordIds`: maxItems 100 -> 1000 (maxItems-widened)",
        "oneOf[0].name`: maxLength 50 -> 100 (maxLength-widened)",
        "oneOf[1].name`: maxLength 50 -> 100 (maxLength-widened)",
        # key: absent from the vendor's answer; ours always sends it, though not as
        # required (a nullable field; see openapi.yaml's EntityProperty.key).
        "response 201 (application/json).key`: new in the response (response-property-added)",
        "oneOf[1].fieldType`: value(s) removed: ['FILE'] (enum-value-removed)",
        "properties response 422`: no longer documented (response-status-removed)",
        "delete response 413`: newly documented (error-status-added)",
    ]
    assert len(lines) == len(expected), finished.stdout
    for text in expected:
        assert sum(text in line for line in lines) == 1, text
    # The vendor's other operations (the trash, entities) are not ours to compare.
    assert "trash" not in finished.stdout
    assert "entities" not in finished.stdout
