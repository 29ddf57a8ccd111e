"""The generated pydantic models as a partner uses them: both spellings in, wire names out."""

from __future__ import annotations

import httpx
import pytest
from crm_core_models import BulkDeleteRecordsRequest, CreatePropertyRequest, PropertyOptionInput
from pydantic import TypeAdapter, ValidationError

from auth_plugin import HmacAuth
from mock_server.fixtures import DEMO_RECORD_ID
from tests.live_mock import RunningMock

RECORD = "CRMRC1260423081530123REC11122233"


def test_python_names_and_wire_names_are_both_accepted() -> None:
    by_name = BulkDeleteRecordsRequest(record_ids=[RECORD], permanent=True)
    by_alias = BulkDeleteRecordsRequest.model_validate({"recordIds": [RECORD], "permanent": True})
    assert by_name == by_alias
    assert by_name.record_ids == [RECORD]


def test_ids_are_plain_strings_even_inside_lists() -> None:
    request = BulkDeleteRecordsRequest(record_ids=[RECORD])
    assert type(request.record_ids[0]) is str


def test_id_patterns_still_hold_inside_lists() -> None:
    with pytest.raises(ValidationError) as raised:
        BulkDeleteRecordsRequest(record_ids=["CRMET1260423081530123XYZ11122233"])
    assert raised.value.errors()[0]["type"] == "string_pattern_mismatch"


def test_dumping_by_alias_gives_the_wire_body() -> None:
    # An absent `permanent` stays absent (the server reads it as false): no default in the spec.
    request = BulkDeleteRecordsRequest(record_ids=[RECORD])
    assert request.model_dump(by_alias=True) == {"recordIds": [RECORD]}
    permanent = BulkDeleteRecordsRequest(record_ids=[RECORD], permanent=True)
    assert permanent.model_dump(by_alias=True) == {"recordIds": [RECORD], "permanent": True}


def test_the_one_of_body_is_a_type_alias_read_with_a_type_adapter() -> None:
    adapter: TypeAdapter[object] = TypeAdapter(CreatePropertyRequest)
    body = {
        "entityId": "CRMET1260423081530123XYZ11122233",
        "name": "상태",
        "fieldType": "RADIO",
        "options": [{"label": "A", "value": "A", "priority": 1}],
    }
    parsed = adapter.validate_python(body)
    assert type(parsed).__name__ == "CreateChoicePropertyRequest"
    assert parsed == adapter.validate_python(
        {
            "entity_id": body["entityId"],
            "name": "상태",
            "field_type": "RADIO",
            "options": [PropertyOptionInput(label="A", value="A", priority=1)],
        }
    )
    assert adapter.dump_python(parsed, by_alias=True, exclude_unset=True) == body


def test_the_mock_refuses_python_names_on_the_wire(mock: RunningMock) -> None:
    with httpx.Client(
        base_url=mock.url, auth=HmacAuth("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
    ) as api:
        response = api.post(
            "/crm-core/v1/records/bulk/delete", json={"record_ids": [DEMO_RECORD_ID]}
        )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ValidationError"
    assert "record_ids" in response.json()["errorMessage"]
