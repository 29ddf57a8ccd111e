"""openapi-generator ``python``: the Configuration's ``refresh_api_key_hook`` runs before every
request, so it puts a freshly signed header in place of the API key. A refusal raises the
generated ``ApiException`` (``ConflictException`` for 409) with the error body in ``.data``.
Under mypy (without pydantic's plugin) the models take their fields by wire name (``recordIds``)."""

from __future__ import annotations

from crm_client import (
    ApiClient,
    ApiException,
    BulkDeleteRecordsRequest,
    Configuration,
    CreateChoicePropertyRequest,
    CreatePropertyRequest,
    CreateScalarPropertyRequest,
    PropertiesApi,
    PropertyOptionInput,
    RecordsApi,
)
from harness import OPTIONS, Plan, load_plan, report_answers, signed_header

# The error body's model name differs by the file generated from (names.py is one of
# openapi_generator_python_names*.py, chosen by the matrix).
from names import ErrorBody


def sign(configuration: Configuration) -> None:
    configuration.api_key["HmacAuth"] = signed_header()


def apis(host: str) -> tuple[RecordsApi, PropertiesApi]:
    # The scheme must have an entry for the client to ask for it; the hook fills it per request.
    configuration = Configuration(host=host, api_key={"HmacAuth": ""})
    # The generated Configuration declares the hook as None (no annotation): mypy needs telling.
    configuration.refresh_api_key_hook = sign  # type: ignore[assignment]
    client = ApiClient(configuration)
    return RecordsApi(client), PropertiesApi(client)


def text_body(plan: Plan) -> CreatePropertyRequest:
    return CreatePropertyRequest(
        CreateScalarPropertyRequest(entityId=plan.entityId, name=plan.textName, fieldType="TEXT")
    )


def main() -> None:
    plan = load_plan()
    records, properties = apis(plan.baseUrl)
    trash_first = records.bulk_delete_records(BulkDeleteRecordsRequest(recordIds=[plan.trashFirst]))
    soft = records.bulk_delete_records(
        BulkDeleteRecordsRequest(recordIds=[plan.trashFirst, plan.soft, plan.unknown])
    )
    permanent = records.bulk_delete_records(
        BulkDeleteRecordsRequest(recordIds=[plan.permanent], permanent=True)
    )
    dropdown = properties.create_property(
        CreatePropertyRequest(
            CreateChoicePropertyRequest(
                entityId=plan.entityId, name=plan.dropdownName, fieldType="DROPDOWN",
                options=[PropertyOptionInput(**option) for option in OPTIONS],
            )
        )
    )  # fmt: skip
    text = properties.create_property(text_body(plan))
    conflict: dict[str, object] = {"status": 0, "errorCode": ""}
    try:
        properties.create_property(text_body(plan))
    except ApiException as refused:
        body = refused.data if isinstance(refused.data, ErrorBody) else None
        conflict = {"status": refused.status, "errorCode": body.error_code if body else ""}
    future_records, future_properties = apis(plan.futureUrl)
    future_delete = future_records.bulk_delete_records(
        BulkDeleteRecordsRequest(recordIds=[plan.soft])
    )
    future_property = future_properties.create_property(text_body(plan))
    report_answers(
        trash_first=trash_first,
        soft=soft,
        permanent=permanent,
        dropdown=dropdown,
        text=text,
        conflict=conflict,
        future_delete=future_delete,
        future_property=future_property,
    )


if __name__ == "__main__":
    main()
