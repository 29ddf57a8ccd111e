"""Replaying recorded requests against the mock of ``openapi.yaml``: does the new mock refuse them?

The recorded requests the server accepted (2xx) are sent again, each re-signed
with the mock's demo OWNER key, to the mock built from the working tree's
``openapi.yaml`` (and its generated models: run ``nox -s generate`` first). A
request it now refuses as invalid (400 ``ValidationError``, 413, 415) is one the
changed contract breaks; other refusals (an entity the mock does not have) say
nothing about the contract and are not counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from auth_plugin import sign_request
from http_edge.serving import serve_in_thread
from mock_server import create_app
from mock_server.fixtures import DEMO_OWNER_KEY, DEMO_OWNER_SECRET
from traffic import Call

#: The answers that mean "the contract refuses this request".
CONTRACT_REFUSALS = {
    (400, "ValidationError"),
    (413, "PayloadTooLarge"),
    (415, "UnsupportedMediaType"),
}


@dataclass
class Replay:
    """Per operation and partner key: requests replayed, and those the mock now refuses."""

    replayed: Counter[tuple[str, str]] = field(default_factory=Counter)
    refused: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: The first refused request of each operation: (key id, the mock's errorMessage, body).
    examples: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @property
    def refused_calls(self) -> int:
        return sum(self.refused.values())


def replay(calls: Iterable[Call]) -> Replay:
    """Send every recorded, accepted JSON request again to a fresh mock of ``openapi.yaml``."""
    result = Replay()
    with serve_in_thread(create_app()) as url, httpx.Client(timeout=10) as client:
        for call in calls:
            if (
                call.operation is None or call.status is None or not 200 <= call.status < 300
                or call.request_body is None or call.method != "POST"
            ):  # fmt: skip
                continue
            key = call.key_id or "(no key)"
            result.replayed[(call.operation, key)] += 1
            body = json.dumps(call.request_body, ensure_ascii=False).encode()
            answer = client.post(
                url + call.path,
                content=body,
                headers={
                    "Authorization": sign_request(DEMO_OWNER_KEY, DEMO_OWNER_SECRET),
                    "Content-Type": "application/json",
                },
            )
            try:
                error = answer.json()
            except ValueError:
                continue
            code = error.get("errorCode") if isinstance(error, dict) else None
            if (answer.status_code, code) in CONTRACT_REFUSALS:
                result.refused[(call.operation, key)] += 1
                message = str(error.get("errorMessage", ""))[:200]
                result.examples.setdefault(call.operation, (key, message, body.decode()[:300]))
    return result
