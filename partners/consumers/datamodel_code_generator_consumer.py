"""datamodel-code-generator gives pydantic models only: httpx sends the requests (a request
hook signs each one afresh) and the models build the bodies and read the answers."""

from __future__ import annotations

from typing import Any

import httpx
from crm_models import (
    BulkDeleteRecordsRequest,
    BulkDeletionResult,
    CreateChoicePropertyRequest,
    CreateScalarPropertyRequest,
    EntityProperty,
    ErrorBody,
)
from harness import OPTIONS, Plan, load_plan, report, signed_header
from pydantic import BaseModel

DELETE = "/crm-core/v1/records/bulk/delete"
CREATE = "/crm-core/v1/properties"


def sign(request: httpx.Request) -> None:
    request.headers["Authorization"] = signed_header()


def signed_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, event_hooks={"request": [sign]}, timeout=30)


def post(client: httpx.Client, path: str, body: BaseModel) -> httpx.Response:
    # by_alias: the wire names; exclude_unset: an optional field left out stays out.
    content = body.model_dump_json(by_alias=True, exclude_unset=True)
    return client.post(path, content=content, headers={"Content-Type": "application/json"})


def delete(client: httpx.Client, body: dict[str, Any]) -> BulkDeletionResult:
    answer = post(client, DELETE, BulkDeleteRecordsRequest.model_validate(body))
    answer.raise_for_status()
    return BulkDeletionResult.model_validate_json(answer.content)


def create(client: httpx.Client, body: BaseModel) -> EntityProperty:
    answer = post(client, CREATE, body)
    answer.raise_for_status()
    return EntityProperty.model_validate_json(answer.content)


def wire(model: BaseModel) -> dict[str, Any]:
    """A model as JSON values (ids may be root models or plain strings, by the file generated from)."""
    return model.model_dump(mode="json", by_alias=True)


def text_body(plan: Plan) -> CreateScalarPropertyRequest:
    return CreateScalarPropertyRequest.model_validate(
        {"entityId": plan.entityId, "name": plan.textName, "fieldType": "TEXT"}
    )


def main() -> None:
    plan = load_plan()
    client = signed_client(plan.baseUrl)
    trash_first = delete(client, {"recordIds": [plan.trashFirst]})
    soft = delete(client, {"recordIds": [plan.trashFirst, plan.soft, plan.unknown]})
    permanent = delete(client, {"recordIds": [plan.permanent], "permanent": True})
    dropdown = create(client, CreateChoicePropertyRequest.model_validate({
        "entityId": plan.entityId, "name": plan.dropdownName, "fieldType": "DROPDOWN",
        "options": OPTIONS,
    }))  # fmt: skip
    text = create(client, text_body(plan))
    refused = post(client, CREATE, text_body(plan))
    error = ErrorBody.model_validate_json(refused.content)
    future = signed_client(plan.futureUrl)
    future_delete = delete(future, {"recordIds": [plan.soft]})
    future_property = create(future, text_body(plan))
    report({
        "trashFirst": {"deletedCount": trash_first.deletedCount},
        "soft": {
            "permanent": soft.permanent, "deletedCount": soft.deletedCount,
            "failed": [{"recordId": wire(f)["recordId"], "reason": f.reason} for f in soft.failed],
        },
        "permanent": {
            "permanent": permanent.permanent, "deletedCount": permanent.deletedCount,
            "dateTrashExpires": permanent.dateTrashExpires,
        },
        "dropdown": {
            "propertyId": wire(dropdown)["propertyId"], "fieldType": dropdown.fieldType,
            "options": [option.value for option in dropdown.options],
        },
        "text": {"propertyId": wire(text)["propertyId"], "fieldType": text.fieldType},
        "conflict": {"status": refused.status_code, "errorCode": error.errorCode},
        "futureDelete": {"reasons": [f.reason for f in future_delete.failed]},
        "futureProperty": {"fieldType": future_property.fieldType},
    })  # fmt: skip


if __name__ == "__main__":
    main()
