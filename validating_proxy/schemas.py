"""JSON Schema validators for the spec's bodies: openapi-schema-validator, one keyword made strict.

openapi-schema-validator 0.9 picks a ``oneOf`` branch by the discriminator's
value without looking at the value first: a list there raises ``TypeError``
(found by the contract run through the proxy), an empty string is reported
as a missing property, and a value outside the mapping is looked up as a
component name (``"fieldType": "ErrorBody"`` is checked against ErrorBody).
Here the discriminating property must be present, a string and a key of the
mapping, each reported at that property; then the mapped branch is checked.

Each schema is checked with every ``$ref`` inlined (:func:`inlined`): the
same rules, but the validator never looks a reference up (through
``referencing``, ~15% of the proxy's CPU per request; bench/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from jsonschema import validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from openapi_schema_validator import _keywords as oas_keywords

from crm_contract import resolve_ref
from validating_proxy.fast_path import FastThenThorough


def _discriminated_one_of(
    validator: Any, one_of: list[Mapping[str, Any]], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    discriminator = schema.get("discriminator")
    if not isinstance(discriminator, Mapping) or not isinstance(instance, dict):
        yield from oas_keywords.oneOf(validator, one_of, instance, schema)
        return
    mapping = discriminator.get("mapping")
    if not isinstance(mapping, Mapping):  # pragma: no cover - every discriminator here maps
        yield from oas_keywords.oneOf(validator, one_of, instance, schema)
        return
    name = discriminator["propertyName"]
    value = instance.get(name)
    if name not in instance:
        yield ValidationError(
            f"{name!r} is a required property",
            validator="required",
            validator_value=[name],
            instance=instance,
        )
    elif not isinstance(value, str):
        yield ValidationError(
            f"{value!r} is not of type 'string'",
            validator="type",
            validator_value="string",
            instance=value,
            path=[name],
        )
    elif value not in mapping:
        choices = sorted(mapping)
        yield ValidationError(
            f"{value!r} is not one of {choices}",
            validator="enum",
            validator_value=choices,
            instance=value,
            path=[name],
        )
    else:
        yield from validator.descend(instance, schema[_MAPPED][value])


_RequestValidator = validators.extend(OAS30WriteValidator, {"oneOf": _discriminated_one_of})  # type: ignore[no-untyped-call]
_ResponseValidator = validators.extend(OAS30ReadValidator, {"oneOf": _discriminated_one_of})  # type: ignore[no-untyped-call]


#: Where :func:`inlined` puts a discriminator's mapping, resolved: value -> schema.
_MAPPED = "x-proxy-mapped"


def inlined(spec: dict[str, Any], schema: Any) -> Any:
    """``schema`` with every ``$ref`` replaced by what it names (OpenAPI 3.0 ignores a
    ``$ref``'s siblings), and each discriminator's mapping resolved beside it.

    >>> from crm_contract import document
    >>> inlined(document(), {"$ref": "#/components/schemas/RecordId"})["maxLength"]
    32
    """
    if isinstance(schema, list):
        return [inlined(spec, item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    if "$ref" in schema:
        return inlined(
            spec, resolve_ref(spec, dict(schema))
        )  # the spec's schemas are not recursive
    result = {name: inlined(spec, value) for name, value in schema.items()}
    discriminator = schema.get("discriminator")
    mapping = discriminator.get("mapping") if isinstance(discriminator, Mapping) else None
    if isinstance(mapping, Mapping):
        result[_MAPPED] = {
            value: inlined(spec, {"$ref": target}) for value, target in mapping.items()
        }
    return result


class BodyValidator(Protocol):
    """What the checks ask of a body's validator."""

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]: ...


def request_validator(spec: dict[str, Any], schema: Mapping[str, Any]) -> BodyValidator:
    """A validator of request bodies (``readOnly`` fields refused) for ``schema`` of ``spec``."""
    whole = inlined(spec, schema)
    thorough: Validator = _RequestValidator(whole, format_checker=oas30_format_checker)
    return FastThenThorough(thorough, whole)


def response_validator(spec: dict[str, Any], schema: Mapping[str, Any]) -> BodyValidator:
    """A validator of response bodies (``writeOnly`` fields refused) for ``schema`` of ``spec``."""
    whole = inlined(spec, schema)
    thorough: Validator = _ResponseValidator(whole, format_checker=oas30_format_checker)
    return FastThenThorough(thorough, whole)
