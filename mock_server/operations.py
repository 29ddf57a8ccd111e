"""The API's rules for its two operations: a validated body in, the response body out.

Storage reports what it cannot do as :class:`~mock_server.store.StoreError`;
this module says how the API answers each (status, errorCode, message) and
renders what was stored in the API's JSON. A handler exists for every
operation of openapi.yaml (``HANDLERS``, checked when the app is built).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from http_edge.errors import ApiError
from mock_server.store import (
    ApiKey,
    DuplicateKey,
    DuplicateName,
    EntityNotFound,
    NewProperty,
    NotDeleted,
    PropertyQuotaExceeded,
    RecordStore,
    StoredProperty,
    StoreError,
)

#: Design note of openapi.yaml (PropertyKeyName): compared case-insensitively.
RESERVED_KEYS = frozenset(
    key.casefold()
    for key in (
        "id",
        "recordId",
        "entityId",
        "createdBy",
        "dateCreated",
        "dateUpdated",
        "dateDeleted",
    )
)
NOT_DELETED_MESSAGES = {
    NotDeleted.NOT_FOUND: "레코드를 찾을 수 없습니다.",
    NotDeleted.ALREADY_IN_TRASH: "이미 휴지통에 있는 레코드입니다.",
}

Handler = Callable[[RecordStore, ApiKey, dict[str, Any], datetime], dict[str, Any]]


def bulk_delete_records(
    store: RecordStore, caller: ApiKey, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Soft or permanent delete; every id reported once, in request order."""
    permanent = bool(body.get("permanent", False))
    outcome = store.bulk_delete(
        caller.workspace_id, body["recordIds"], permanent=permanent, now=now
    )
    return {
        "permanent": permanent,
        "requestedCount": len(body["recordIds"]),
        "deletedCount": len(outcome.deleted),
        "failedCount": len(outcome.failed),
        "deleted": [{"recordId": r, "entityId": e} for r, e in outcome.deleted],
        "failed": [
            {"recordId": r, "reason": why.value, "errorMessage": NOT_DELETED_MESSAGES[why]}
            for r, why in outcome.failed
        ],
        "dateDeleted": outcome.date_deleted,
        "dateTrashExpires": outcome.date_trash_expires,
    }


def create_property(
    store: RecordStore, caller: ApiKey, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Check the rules JSON Schema cannot say, store the property, render it."""
    key = body.get("key")
    if key is not None and key.casefold() in RESERVED_KEYS:
        raise ApiError(
            400, "ValidationError", f"key: {key!r}는 예약어라 사용할 수 없습니다 (reserved)."
        )
    new = NewProperty(
        entity_id=body["entityId"],
        name=body["name"],
        field_type=body["fieldType"],
        description=body.get("description"),
        property_group_id=body.get("propertyGroupId"),
        options=body.get("options", []),
        is_masked=body.get("isMasked", False),
        key=key,
    )
    try:
        stored = store.create_property(caller, new, now=now)
    except StoreError as error:
        raise api_error_for(error) from None
    return render_property(stored)


def api_error_for(error: StoreError) -> ApiError:
    """How the API answers what the store refused."""
    match error:
        case EntityNotFound(entity_id=entity_id):
            return ApiError(404, "NotFound", f"개체를 찾을 수 없습니다: {entity_id}")
        case PropertyQuotaExceeded(used=used, quota=quota):
            return ApiError(403, "PlanQuotaExceeded", f"개체당 최대 속성 수: {used}/{quota}")
        case DuplicateName(name=name):
            return ApiError(409, "DuplicatedName", f"이미 같은 이름의 속성이 있습니다: {name}")
        case DuplicateKey(key=key):
            return ApiError(409, "DuplicatedKey", f"이미 같은 key의 속성이 있습니다: {key}")
    raise TypeError(f"no API answer for {type(error).__name__}")  # pragma: no cover


def render_property(stored: StoredProperty) -> dict[str, Any]:
    """The ``EntityProperty`` JSON; ``description`` only when set."""
    new, stamp = stored.spec, stored.date_created
    rendered: dict[str, Any] = {
        "propertyId": stored.property_id,
        "accountId": stored.account_id,
        "workspaceId": stored.workspace_id,
        "entityId": new.entity_id,
        "name": new.name,
        "fieldType": new.field_type,
        "propertyGroupId": new.property_group_id,
        "options": new.options,
        "isMasked": new.is_masked,
        "key": new.key,
        "createdBy": stored.created_by,
        "dateCreated": stamp,
        "dateUpdated": stamp,
    }
    if new.description is not None:
        rendered["description"] = new.description
    return rendered


HANDLERS: dict[str, Handler] = {
    "bulkDeleteRecords": bulk_delete_records,
    "createProperty": create_property,
}
