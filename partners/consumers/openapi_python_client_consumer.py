"""openapi-python-client: the generated ``Client`` wraps httpx, and an httpx request hook signs
every request afresh (or pass ``auth_plugin.httpx_auth.HmacAuth`` as ``httpx_args["auth"]``).
``sync`` returns the body parsed by status; ``sync_detailed`` also gives the status, and a
refusal's ``parsed`` is the generated ``ErrorBody``. From the dereferenced ``openapi.json`` the
models are named after their operation too (``openapi_python_client_names_dereferenced.py``)."""

from __future__ import annotations

import httpx
from harness import OPTIONS, Plan, load_plan, report_answers, signed_header

# The model names differ by the file generated from (names.py is one of
# openapi_python_client_names*.py, chosen by the matrix).
from names import (
    BulkDeleteRecordsRequest,
    BulkDeletionResult,
    CreateChoicePropertyRequest,
    CreateChoicePropertyRequestChoiceFieldType,
    CreateScalarPropertyRequest,
    CreateScalarPropertyRequestScalarFieldType,
    EntityProperty,
    ErrorBody,
    PropertyOptionInput,
)
from solapi_crm_core_api_client import Client
from solapi_crm_core_api_client.api.properties import create_property
from solapi_crm_core_api_client.api.records import bulk_delete_records


def sign(request: httpx.Request) -> None:
    request.headers["Authorization"] = signed_header()


def signed_client(base_url: str) -> Client:
    return Client(base_url=base_url, httpx_args={"event_hooks": {"request": [sign]}})


def delete(client: Client, ids: list[str], *, permanent: bool = False) -> BulkDeletionResult:
    body = BulkDeleteRecordsRequest(record_ids=ids, permanent=permanent)
    result = bulk_delete_records.sync(client=client, body=body)
    assert isinstance(result, BulkDeletionResult), result
    return result


def create(
    client: Client, body: CreateChoicePropertyRequest | CreateScalarPropertyRequest
) -> EntityProperty:
    result = create_property.sync(client=client, body=body)
    assert isinstance(result, EntityProperty), result
    return result


def text_body(plan: Plan) -> CreateScalarPropertyRequest:
    return CreateScalarPropertyRequest(
        entity_id=plan.entityId, name=plan.textName,
        field_type=CreateScalarPropertyRequestScalarFieldType.TEXT,
    )  # fmt: skip


def main() -> None:
    plan = load_plan()
    client = signed_client(plan.baseUrl)
    trash_first = delete(client, [plan.trashFirst])
    soft = delete(client, [plan.trashFirst, plan.soft, plan.unknown])
    permanent = delete(client, [plan.permanent], permanent=True)
    dropdown = create(client, CreateChoicePropertyRequest(
        entity_id=plan.entityId, name=plan.dropdownName,
        field_type=CreateChoicePropertyRequestChoiceFieldType.DROPDOWN,
        options=[PropertyOptionInput.from_dict(option) for option in OPTIONS],
    ))  # fmt: skip
    text = create(client, text_body(plan))
    refused = create_property.sync_detailed(client=client, body=text_body(plan))
    error = refused.parsed if isinstance(refused.parsed, ErrorBody) else None
    future = signed_client(plan.futureUrl)
    future_delete = delete(future, [plan.soft])
    future_property = create(future, text_body(plan))
    report_answers(
        trash_first=trash_first,
        soft=soft,
        permanent=permanent,
        dropdown=dropdown,
        text=text,
        conflict={
            "status": int(refused.status_code),
            "errorCode": error.error_code if error else "",
        },
        future_delete=future_delete,
        future_property=future_property,
    )


if __name__ == "__main__":
    main()
