"""Assemble and build the partner client wheel (generated client + models + auth plugin).

Usage: ``python -m generators.build_client_wheel OUTDIR`` (what ``nox -s build`` runs).
Needs the ``build`` package; prints the wheel's path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import crm_contract

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "generators" / "client-wheel.pyproject.toml"
PACKAGES = {
    "crm_core_client": ROOT / "generated" / "crm_core_client",
    "crm_core_models": ROOT / "generated" / "crm_core_models",
    "auth_plugin": ROOT / "auth_plugin",
}
# The partner wheel carries what authenticates and calls; the CLI stays in the dev package too.
README = """# solapi-crm-core-client

Typed client for the SOLAPI CRM Core API, generated from its OpenAPI contract.

```python
from auth_plugin.client import create_client
from crm_core_client.api.records import bulk_delete_records
from crm_core_client.models import BulkDeleteRecordsRequest

client = create_client()  # SOLAPI_API_KEY / SOLAPI_API_SECRET
result = bulk_delete_records.sync(client=client, body=BulkDeleteRecordsRequest(record_ids=["CRMRC..."]))
```
"""


def build_client_wheel(outdir: Path) -> Path:
    """Build the wheel into ``outdir`` and return its path."""
    return build_client(outdir, ["--wheel"])[-1]


def build_client_release(outdir: Path) -> list[Path]:
    """The sdist and the wheel built from it, without build isolation (so the pinned
    hatchling of the dev environment builds them: the same bytes every time, given
    ``SOURCE_DATE_EPOCH``)."""
    return build_client(outdir, ["--sdist", "--wheel", "--no-isolation"])


def build_client(outdir: Path, options: list[str]) -> list[Path]:
    """Run ``python -m build`` with ``options`` on the staged package; return what it made."""
    version = crm_contract.version()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as staging_name:
        staging = Path(staging_name) / "solapi-crm-core-client"
        staging.mkdir()
        text = TEMPLATE.read_text(encoding="utf-8").replace("{version}", str(version))
        (staging / "pyproject.toml").write_text(text, encoding="utf-8")
        (staging / "README.md").write_text(README, encoding="utf-8")
        for name, source in PACKAGES.items():
            shutil.copytree(source, staging / name, ignore=shutil.ignore_patterns("__pycache__"))
        for stale in outdir.glob(f"solapi_crm_core_client-{version}[-.]*"):
            stale.unlink()  # an earlier build of this version: replaced, never mixed in
        before = set(outdir.iterdir())
        subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "build", *options, "--outdir", str(outdir), str(staging)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return sorted(set(outdir.iterdir()) - before)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m generators.build_client_wheel OUTDIR")
    print(build_client_wheel(Path(sys.argv[1])))
