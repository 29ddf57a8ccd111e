"""The contract run's requests as recorded calls (:mod:`traffic`), read from its HAR reports.

schemathesis writes every request and answer of a run into a HAR file
(``--report har``, ``Authorization`` filtered); each entry becomes one
:class:`traffic.Call` of source ``contract-run``. The run signs with one key,
so its id and role are the run's to give.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import crm_contract
from traffic import Call


def har_calls(har: Path, *, key_id: str | None, key_role: str | None) -> Iterator[Call]:
    """Each entry of a schemathesis HAR report as a call.

    ``key_id`` / ``key_role``: the key the run signed with (None when unknown).
    """
    operations = crm_contract.operations()
    entries: list[dict[str, Any]] = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    for entry in entries:
        request, response = entry["request"], entry.get("response") or {}
        path = urlsplit(request["url"]).path
        served = operations.get((request["method"].upper(), path))
        post = request.get("postData") or {}
        status = response.get("status")
        content = response.get("content") or {}
        yield Call.from_bytes(
            source="contract-run",
            operation=None if served is None else served.operation_id,
            method=request["method"].upper(),
            path=path,
            request=post.get("text", "").encode("utf-8"),
            request_content_type=post.get("mimeType"),
            status=status if isinstance(status, int) and 100 <= status <= 599 else None,
            response=content.get("text", "").encode("utf-8"),
            response_content_type=content.get("mimeType"),
            key_id=key_id,
            key_role=key_role,
            time=entry.get("startedDateTime"),
        )
