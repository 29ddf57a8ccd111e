"""The reach phase: scripted calls for what generated cases cannot reach, against the mock only.

schemathesis signs every case with one OWNER key and sends schema-shaped
bodies, so some of what the contract promises never comes up: a MEMBER's
call and its 403, a record deleted twice, a record purged from the trash
(the mock's admin clock moved past its 14 days), a full quota, a replayed or
skewed signature, a body over the limit, a key over its signature budget.
This phase makes one call for each against the embedded mock (its fixtures
in ``contract_runner/fixtures.yaml`` hold the keys, records and quota it
needs) and returns them as recorded calls, so the coverage report counts
them with the run. What even this cannot reach against the mock is named,
with the reason, by :func:`contract_coverage.reasons.unreachable_on_the_mock`.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

import crm_contract
from auth_plugin.signing import new_date, sign_request
from contract_runner.common import BULK_DELETE, CREATE_PROPERTY
from http_edge.serving import serve_in_thread
from mock_server import create_app
from mock_server.fixtures import Fixtures
from traffic import Call


@dataclass(frozen=True)
class Key:
    api_key: str
    secret: str
    role: str


OWNER = Key("NCSCONTRACTOWNER", "contract-owner-secret", "OWNER")
MEMBER = Key("NCSCONTRACTMEMBR", "contract-member-secret", "MEMBER")
QUOTA_FULL = Key("NCSCONTRACTQUOTA", "contract-quota-secret", "OWNER")
UNKNOWN = Key("NCSNOSUCHKEY0000", "whatever-secret", "OWNER")
ENTITY = "CRMET1260423081530123XYZ11122233"
QUOTA_ENTITY = "CRMET1260423081530123QUOTAFULL01"
UNKNOWN_ENTITY = "CRMET1260423081530123NOSUCHENTIT"
RECORDS = [f"CRMRC1260423081530123REACH00000{n}" for n in (1, 2, 3, 4)]
#: Past the days a record stays in the trash (14): the mock's data clock is moved this far.
PAST_THE_TRASH = {"days": 15}
UNKNOWN_RECORD = "CRMRC1260423081530123NOSUCHRECRD"


class Reacher:
    """Makes the reach phase's calls against one mock and records each as a :class:`Call`."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url.rstrip("/")
        self.client = client
        self.calls: list[Call] = []
        self._names = iter(range(1, 10_000))

    def call(
        self,
        path: str,
        body: Any,
        key: Key | None,
        *,
        authorization: str | None = None,
        content: bytes | None = None,
        content_type: str = "application/json",
    ) -> Call:
        raw = content if content is not None else json.dumps(body).encode()
        headers = {"Content-Type": content_type}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif key is not None:
            headers["Authorization"] = sign_request(key.api_key, key.secret)
        answer = self.client.post(self.url + path, content=raw, headers=headers)
        return self.record(path, raw, content_type, key, answer.status_code, answer.content)

    def record(
        self, path: str, raw: bytes, content_type: str, key: Key | None, status: int, answer: bytes
    ) -> Call:
        served = next(op for op in crm_contract.operations().values() if op.path == path)
        call = Call.from_bytes(
            source="contract-run",
            operation=served.operation_id,
            method="POST",
            path=path,
            request=raw,
            request_content_type=content_type,
            status=status,
            response=answer,
            response_content_type="application/json",
            key_id=None if key is None else key.api_key,
            key_role=None if key is None else key.role,
            time=new_date(),
        )
        self.calls.append(call)
        return call

    def property_body(self, field_type: str, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "entityId": ENTITY,
            "name": f"reach {field_type} {next(self._names)}",
            "fieldType": field_type,
        }
        if field_type in ("DROPDOWN", "RADIO", "MULTI_CHECKBOX"):
            body["options"] = [
                {"label": "하나", "value": "one", "priority": 1},
                {"label": "둘", "value": "two", "priority": 2, "color": "#00ff00"},
            ]
        return body | extra


def reach(url: str, fixtures: Fixtures) -> list[Call]:
    """Every scripted call against the mock at ``url``, served with ``fixtures`` (the
    contract's); a second mock with the same fixtures shows the signature budget's 429."""
    delete, create = BULK_DELETE.path, CREATE_PROPERTY.path
    with httpx.Client(timeout=10) as client:
        run = Reacher(url, client)
        # bulkDeleteRecords: soft, again (already in the trash), permanent, a MEMBER's partial.
        run.call(delete, {"recordIds": [RECORDS[0]]}, OWNER)
        run.call(delete, {"recordIds": [RECORDS[0]]}, OWNER)
        run.call(delete, {"recordIds": [RECORDS[1]], "permanent": True}, OWNER)
        run.call(delete, {"recordIds": [RECORDS[2], UNKNOWN_RECORD]}, MEMBER)
        # createProperty: every field type (its options too), the longest name, a duplicate
        # name and key, an unknown entity, a MEMBER, a full quota.
        for field_type in sorted(crm_contract.field_types()):
            run.call(create, run.property_body(field_type), OWNER)
        run.call(create, run.property_body("TEXT", name="가" * 100), OWNER)
        keyed = run.property_body("TEXT", key="reachDuplicate")
        run.call(create, keyed, OWNER)
        run.call(create, keyed | {"name": "reach other name"}, OWNER)
        run.call(create, keyed, OWNER)
        run.call(create, run.property_body("TEXT", entityId=UNKNOWN_ENTITY), OWNER)
        run.call(create, run.property_body("TEXT"), MEMBER)
        run.call(create, run.property_body("TEXT", entityId=QUOTA_ENTITY), QUOTA_FULL)
        for path, body in (
            (delete, {"recordIds": [UNKNOWN_RECORD]}),
            (create, run.property_body("TEXT")),
        ):
            _refusals(run, path, body)
        # Last (it moves the data clock): a record trashed, its time in the trash over, gone.
        run.call(delete, {"recordIds": [RECORDS[3]]}, OWNER)
        client.post(f"{run.url}/_mock/clock/advance", json=PAST_THE_TRASH).raise_for_status()
        run.call(delete, {"recordIds": [RECORDS[3]]}, OWNER)
    run.calls += _over_budget(fixtures)
    return run.calls


def _refusals(run: Reacher, path: str, body: dict[str, Any]) -> None:
    """The edge's and the authentication's refusals of one operation."""
    limit = crm_contract.max_request_body_bytes()
    padded = json.dumps(body | {"padding": "x" * limit}).encode()
    run.call(path, body, OWNER, content=padded)
    run.call(path, body, OWNER, content_type="text/plain")
    run.call(path, body, None)  # no Authorization: Unauthorized
    run.call(path, body, UNKNOWN)  # InvalidAPIKey
    run.call(path, body, OWNER, authorization=sign_request(OWNER.api_key, "not-the-secret"))
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    run.call(path, body, OWNER, authorization=sign_request(OWNER.api_key, OWNER.secret, date=old))
    once = sign_request(OWNER.api_key, OWNER.secret)
    run.call(path, body, OWNER, authorization=once)
    run.call(path, body, OWNER, authorization=once)  # DuplicatedSignature
    run.record(path, *_malformed(run.url, path, OWNER))


def _malformed(url: str, path: str, key: Key) -> tuple[bytes, str, Key, int, bytes]:
    """A request the edge cannot parse (a header value with a NUL): 400 BadRequest."""
    parts = urlsplit(url)
    body = b"{}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Authorization: {sign_request(key.api_key, key.secret)}\r\nX-Bad: a\x00b\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 10) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    status = int(status_line.split()[1])
    return body, "application/json", key, status, rest.partition(b"\r\n\r\n")[2]


def _over_budget(fixtures: Fixtures) -> list[Call]:
    """A key over its budget of signatures in the window: 429, from a mock with a budget of 1."""
    with (
        serve_in_thread(create_app(fixtures=fixtures, signatures_per_key=1)) as url,
        httpx.Client(timeout=10) as client,
    ):
        run = Reacher(url, client)
        for path, body in (
            (BULK_DELETE.path, {"recordIds": [UNKNOWN_RECORD]}),
            (CREATE_PROPERTY.path, run.property_body("TEXT")),
        ):
            run.call(path, body, OWNER)
            run.call(path, body, OWNER)
            run.call(path, body, OWNER)
        return [call for call in run.calls if call.status == 429]
