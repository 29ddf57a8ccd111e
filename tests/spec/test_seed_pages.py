"""The committed seed facts are what the original reference pages say.

Every other test reads ``tests/data/seed_facts.yaml``; this one proves the
copy faithful, so the pages are needed only here and in test_seed_samples.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.seed_pages import read_page, seed_facts

OPERATIONS = ["bulkDeleteRecords", "createProperty"]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_request_body_path_and_method_are_the_pages_curl_sample(operation_id: str) -> None:
    page = read_page(operation_id)
    request = seed_facts()["requests"][operation_id]
    body = re.search(r"^-d '(.*)'$", page, flags=re.MULTILINE)
    assert body, f"no curl body on the page of {operation_id}"
    assert json.loads(body.group(1)) == request["body"]
    call = re.search(r"^curl -X (\w+) 'https://api\.solapi\.com(/[^']*)'", page, re.MULTILINE)
    assert call, f"no curl call on the page of {operation_id}"
    assert (call.group(1), call.group(2)) == (request["method"], request["path"])
    assert page.splitlines()[1].startswith(request["path"])


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_sample_signs_with_the_committed_credentials(operation_id: str) -> None:
    page = read_page(operation_id)
    keys = set(re.findall(r"api_?key\s*=\s*['\"](\w+)['\"]", page, flags=re.IGNORECASE))
    secrets = set(re.findall(r"api_?secret\s*=\s*['\"](\w+)['\"]", page, flags=re.IGNORECASE))
    assert keys == {seed_facts()["apiKey"]}
    assert secrets == {seed_facts()["apiSecret"]}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_the_401_body_is_the_pages(operation_id: str) -> None:
    documented = re.search(r"\*\*401 응답\*\*: `(\{.*\})`", read_page(operation_id))
    assert documented
    assert json.loads(documented.group(1)) == seed_facts()["unauthorized"]
