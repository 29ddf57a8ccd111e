"""The layers of ARCHITECTURE.md hold, and import-linter would catch a module that broke one.

``nox -s lint`` runs ``lint-imports`` on the tree; here it also runs on a copy of
the packages with one deliberate violation each, and must fail naming the contract.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "crm_contract", "auth_plugin", "hmac_verifier", "http_edge", "validating_proxy", "mock_server", "contract_runner", "npm_tools", "publishing",
    "contract_diff", "generators", "partners", "tests", "bench",
)  # fmt: skip
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "generated")])}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The project's Python packages and import contracts, copied."""
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "*.json", "*.db")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package, ignore=ignore)
    shutil.copytree(ROOT / "generated", copy / "generated", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_tree_keeps_every_contract() -> None:
    finished = lint_imports(ROOT)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "0 broken" in finished.stdout


LAYERS = "The pipeline's layers: each imports only the layers below it"


@pytest.mark.parametrize(
    ("module", "statement", "contracts"),
    [
        ("mock_server/_violation.py", "import publishing.build_docs", {LAYERS}),
        ("validating_proxy/_violation.py", "from mock_server import store", {LAYERS}),
        ("mock_server/_violation.py", "import validating_proxy.report", {LAYERS}),
        ("contract_diff/_violation.py", "from mock_server import spec",
         {"The contract model, the contract diff and the npm tools import nothing of ours"}),
        ("auth_plugin/_violation.py", "import mock_server.store",
         {LAYERS, "The auth plugin imports no server, runner or tool"}),
        ("crm_contract/_violation.py", "import mock_server.spec",
         {"The contract model, the contract diff and the npm tools import nothing of ours"}),
        ("auth_plugin/_violation.py", "import crm_contract",
         {"The auth plugin imports no server, runner or tool"}),
        ("generated/crm_core_models/_violation.py", "import auth_plugin",
         {"Generated code never imports hand-written code"}),
        ("publishing/_violation.py", "import tests.live_mock",
         {"Nothing shipped or run imports the tests or benchmarks"}),
    ],
)  # fmt: skip
def test_a_deliberate_violation_breaks_its_contracts(
    tree: Path, module: str, statement: str, contracts: set[str]
) -> None:
    (tree / module).write_text(f"{statement}\n", encoding="utf-8")
    finished = lint_imports(tree)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    # "NAME BROKEN", or "NAME BROKEN (1 ignored import)" where the contract lists an exception.
    broken = {
        match[1] for match in re.finditer(r"^(.+) BROKEN(?: \(.*\))?$", finished.stdout, re.M)
    }
    assert broken == contracts, finished.stdout
