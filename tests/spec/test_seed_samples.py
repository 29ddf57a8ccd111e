"""The reference pages' own code samples, run against the mock with only the base URL changed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_server.fixtures import DEMO_ENTITY_ID, DEMO_RECORD_ID
from tests.environment import require_tool
from tests.live_mock import RunningMock
from tests.seed_pages import read_page


def sample(operation_id: str, language: str, base_url: str) -> str:
    """Cut one sample out of a page and point it at ``base_url``."""
    text = read_page(operation_id)
    starts = {
        "node": text.index("const crypto"),
        "python": text.index("import hmac"),
        "curl": text.index('API_KEY="'),
    }
    order = sorted(starts.values())
    begin = starts[language]
    following = [position for position in order if position > begin]
    end = following[0] if following else text.index("\n", text.index("curl -X POST")) + 1
    if language == "curl":
        end = text.index("'\n", text.index("-d '", begin)) + 1
    code = text[begin:end].replace("https://api.solapi.com", base_url)
    if language == "node":
        # The page lost the template literal's backticks; restore them.
        code = re.sub(r"const authHeader = (HMAC-SHA256 .*);", r"const authHeader = `\1`;", code)
        code = f"(async () => {{\n{code}\nconsole.log(JSON.stringify({{status: response.status, data}}));\n}})();"
    if language == "python":
        code += "\nprint(response.status_code)\n"
    return code


def run(language: str, code: str, tmp_path: Path) -> str:
    if language == "python":
        command = [sys.executable, "-c", code]
    elif language == "node":
        command = [require_tool("node", "the Node sample cannot run"), "-e", code]
    else:
        for tool in ("bash", "curl", "openssl"):
            require_tool(tool, "the curl sample cannot run")
        script = tmp_path / "sample.sh"
        script.write_text(code, encoding="utf-8")
        command = ["bash", str(script)]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("language", ["python", "curl", "node"])
def test_bulk_delete_sample_moves_the_seed_record_to_the_trash(
    mock: RunningMock, language: str, tmp_path: Path
) -> None:
    output = run(language, sample("bulkDeleteRecords", language, mock.url), tmp_path)
    if language == "curl":
        assert '"deletedCount":1' in output
    record = httpx.get(f"{mock.url}/_mock/records/{DEMO_RECORD_ID}").json()
    assert record["dateDeleted"] is not None
    assert record["activities"] == 3  # kept for a restore


@pytest.mark.parametrize("language", ["python", "curl", "node"])
def test_create_property_sample_creates_the_dropdown(
    mock: RunningMock, language: str, tmp_path: Path
) -> None:
    output = run(language, sample("createProperty", language, mock.url), tmp_path)
    if language == "python":
        assert output.strip().endswith("201")
    properties = httpx.get(f"{mock.url}/_mock/properties?entityId={DEMO_ENTITY_ID}").json()
    created = [p for p in properties["properties"] if p["name"] == "계약 상태"]
    assert len(created) == 1
    assert created[0]["fieldType"] == "DROPDOWN"
    assert [o["value"] for o in created[0]["options"]] == ["IN_PROGRESS", "CLOSED_WON"]
