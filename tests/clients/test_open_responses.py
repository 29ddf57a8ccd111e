"""Responses are open: both generated packages read a response the API may send tomorrow.

Every object carries a field nobody knows yet, and the enums carry values
added later (a new fieldType, a new failure reason). Neither package may
raise, and each keeps the known fields typed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import crm_core_models
import pytest
from crm_core_client.models import BulkDeletionResult, EntityProperty
from pydantic import ValidationError

PROPERTY: dict[str, Any] = {
    "propertyId": "CRMPP1260423082100789zJfAuP6ndkE",
    "accountId": "12345678901234",
    "entityId": "CRMET1260423081530123XYZ11122233",
    "name": "서명",
    "fieldType": "SIGNATURE",
    "propertyGroupId": None,
    "options": [{"label": "A", "value": "A", "priority": 1, "color": "#FF0000", "icon": "star"}],
    "isMasked": False,
    "key": None,
    "createdBy": "NCSXXXXXXXXXXXXX",
    "dateCreated": "2026-04-23T08:21:00.789Z",
    "dateUpdated": "2026-04-23T08:21:00.789Z",
    "visibility": {"list": True},
}
RESULT: dict[str, Any] = {
    "permanent": False,
    "requestedCount": 2,
    "deletedCount": 1,
    "failedCount": 1,
    "deleted": [
        {
            "recordId": "CRMRC1260423081530123REC11122233",
            "entityId": "CRMET1260423081530123XYZ11122233",
            "entityName": "고객",
        }
    ],
    "failed": [
        {
            "recordId": "CRMRC1260423081530124REC11122234",
            "reason": "LOCKED_BY_IMPORT",
            "errorMessage": "가져오기 중인 레코드입니다.",
            "retryable": True,
        }
    ],
    "dateDeleted": "2026-04-23T08:20:00.000Z",
    "dateTrashExpires": "2026-05-07T08:20:00.000Z",
    "requestId": "abc",
}


def test_known_values_read_as_the_strings_the_spec_lists() -> None:
    # Open sets are plain strings with their known values in x-extensible-enum:
    # a known value reads as that string in both packages, nothing is coerced.
    known = copy.deepcopy(PROPERTY) | {"fieldType": "DROPDOWN"}
    assert EntityProperty.from_dict(known).field_type == "DROPDOWN"
    parsed = crm_core_models.EntityProperty.model_validate_json(json.dumps(known), strict=True)
    assert type(parsed.field_type) is str
    assert parsed.field_type == "DROPDOWN"


def test_attrs_client_reads_unknown_fields_and_values() -> None:
    prop = EntityProperty.from_dict(copy.deepcopy(PROPERTY))
    assert prop.field_type == "SIGNATURE"
    assert prop.additional_properties["visibility"] == {"list": True}
    assert prop.options[0].color == "#FF0000"
    assert prop.options[0].additional_properties == {"icon": "star"}
    result = BulkDeletionResult.from_dict(copy.deepcopy(RESULT))
    assert result.failed[0].reason == "LOCKED_BY_IMPORT"
    assert result.failed[0].additional_properties == {"retryable": True}
    assert result.deleted[0].additional_properties == {"entityName": "고객"}
    assert result.additional_properties == {"requestId": "abc"}


@pytest.mark.parametrize("strict", [False, True])
def test_pydantic_models_read_unknown_fields_and_values(strict: bool) -> None:

    prop = crm_core_models.EntityProperty.model_validate_json(json.dumps(PROPERTY), strict=strict)
    assert prop.field_type == "SIGNATURE"
    assert prop.options[0].label == "A"
    result = crm_core_models.BulkDeletionResult.model_validate_json(
        json.dumps(RESULT), strict=strict
    )
    assert result.failed[0].reason == "LOCKED_BY_IMPORT"
    assert result.deleted_count == 1


def test_requests_stay_closed() -> None:
    with pytest.raises(ValidationError) as raised:
        crm_core_models.BulkDeleteRecordsRequest.model_validate(
            {"recordIds": ["CRMRC1260423081530123REC11122233"], "extra": 1}
        )
    assert raised.value.errors()[0]["type"] == "extra_forbidden"
