"""schemathesis hooks for the contract run (loaded through SCHEMATHESIS_HOOKS).

- Auth: every case is signed afresh (``refresh_interval=None``); the default
  caches one date and salt for 300 s, which the server refuses as a replay.
- Positive createProperty cases target the run's entity and get a unique
  name and key, so that valid data is expected to succeed (201) rather than
  collide (409) or name an unknown entity (404).
- Against a non-local server, bulk deletes are never permanent.
"""

from __future__ import annotations

import itertools
import os
import secrets
from typing import Any

import schemathesis
from schemathesis import GenerationMode

from auth_plugin import HmacAuth

_auth = HmacAuth.from_env()
_entity_id = os.environ.get("CRM_CORE_CONTRACT_ENTITY_ID", "")
_live = os.environ.get("CRM_CORE_CONTRACT_LIVE") == "1"
_counter = itertools.count(1)
# Differs per run, so a second run against the same server (a live one, or a
# mock with --db) does not reuse the names and keys of the first.
_run_token = secrets.token_hex(3)


@schemathesis.auth(refresh_interval=None)
class HmacSignature:
    """Signs each case with a fresh date and salt."""

    def get(self, case: Any, ctx: Any) -> str:
        return _auth.authorization_header()

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


def _unique(value: str, limit: int, separator: str) -> str:
    suffix = f"{separator}{_run_token}{next(_counter):x}"
    return value[: limit - len(suffix)] + suffix


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    operation_id = case.operation.definition.raw.get("operationId")
    if _live and operation_id == "bulkDeleteRecords" and body.get("permanent") is True:
        body["permanent"] = False
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if operation_id == "createProperty" and positive:
        if _entity_id:
            body["entityId"] = _entity_id
        if isinstance(body.get("name"), str):
            body["name"] = _unique(body["name"], 100, "#")
        if isinstance(body.get("key"), str):
            body["key"] = _unique(body["key"], 63, "_")
