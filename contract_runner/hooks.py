"""schemathesis hooks for the contract run (loaded through SCHEMATHESIS_HOOKS).

- Auth: every case is signed afresh (``refresh_interval=None``); the default
  caches one date and salt for 300 s, which the server refuses as a replay.
- Positive createProperty cases target the run's entity and get a unique
  name and key, so that valid data is expected to succeed (201) rather than
  collide (409) or name an unknown entity (404).
- In a read-only run (``CRM_CORE_CONTRACT_READ_ONLY=1``: a non-local server
  without ``--allow-writes``) bulk deletes are never permanent.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis import AuthContext, Case, GenerationMode, HookContext

from auth_plugin import HmacAuth
from contract_runner.common import BULK_DELETE, CREATE_PROPERTY, ENTITY_ID_ENV, READ_ONLY_ENV

_auth = HmacAuth.from_env()
_entity_id = os.environ.get(ENTITY_ID_ENV, "")
_read_only = os.environ.get(READ_ONLY_ENV) == "1"
_counter = itertools.count(1)
# Differs per run, so a second run against the same server (a live one, or a
# mock with --db) does not reuse the names and keys of the first.
_run_token = secrets.token_hex(3)


@schemathesis.auth(refresh_interval=None)
class HmacSignature:
    """Signs each case with a fresh date and salt."""

    def get(self, case: Case[Any], ctx: AuthContext) -> str:
        return _auth.authorization_header()

    def set(self, case: Case[Any], data: str, ctx: AuthContext) -> None:
        case.headers["Authorization"] = data


def _unique(value: str, limit: int, separator: str) -> str:
    suffix = f"{separator}{_run_token}{next(_counter):x}"
    return value[: limit - len(suffix)] + suffix


def _is_positive(case: Case[Any]) -> bool:
    return case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE


BeforeCall = Callable[..., None]


def before_call_of(operation_id: str) -> Callable[[BeforeCall], BeforeCall]:
    """Register a ``before_call`` hook for one operation (schemathesis' ``apply_to`` filter)."""
    register: Any = schemathesis.hook("before_call")
    decorator: Callable[[BeforeCall], BeforeCall] = register.apply_to(operation_id=operation_id)
    return decorator


@before_call_of(BULK_DELETE.operation_id)
def soft_deletes_only_when_read_only(ctx: HookContext, case: Case[Any], **kwargs: Any) -> None:
    if _read_only and isinstance(case.body, dict) and case.body.get("permanent") is True:
        case.body["permanent"] = False


@before_call_of(CREATE_PROPERTY.operation_id)
def creates_target_the_runs_entity_with_unique_names(
    ctx: HookContext, case: Case[Any], **kwargs: Any
) -> None:
    body = case.body
    if not isinstance(body, dict) or not _is_positive(case):
        return
    if _entity_id:
        body["entityId"] = _entity_id
    name, key = body.get("name"), body.get("key")
    if isinstance(name, str):
        body["name"] = _unique(name, 100, "#")
    if isinstance(key, str):
        body["key"] = _unique(key, 63, "_")
