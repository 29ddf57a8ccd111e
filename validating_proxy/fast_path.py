"""A quick "valid" for valid bodies: jsonschema-rs on the schema translated to Draft 4.

openapi-schema-validator (pure Python) takes ~100 us per body, about half
of the proxy's CPU per exchange (bench/README.md, "What the validating proxy
costs"). Nearly every body a proxy sees is valid, and jsonschema-rs (Rust)
says so in a few microseconds. So a body is first asked of the fast
validator; only when it says "invalid" (or cannot read the body) does
openapi-schema-validator run, and its errors are what the report shows. The
one thing that must never happen is the fast validator passing a body the
slow one refuses; that is why the translation is narrow:

* only the keywords listed in :data:`_SAME_IN_DRAFT_4` and a few translated
  ones are allowed; a schema with any other keyword gets no fast path (None);
* ``pattern`` and ``format: date-time`` are checked by Python callables, the
  same functions the slow validator calls (Rust's regex classes differ from
  Python's: ``\\S`` matches U+001C in Rust, not in Python);
* ``nullable`` becomes a ``null`` type (and a ``None`` in ``enum``);
  ``format: int32`` / ``int64`` become bounds, as openapi-schema-validator checks them;
* a discriminated ``oneOf`` keeps only ``oneOf``, and only when each branch
  requires the discriminating property and allows exactly the values the
  mapping sends to it (then "exactly one branch" and "the mapped branch" agree).

tests/proxy/test_fast_path.py checks the two validators against each other
on mutated bodies of every schema.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema_rs
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from openapi_schema_validator import oas30_format_checker

#: Keywords whose Draft 4 meaning is the slow validator's, copied as they are.
_SAME_IN_DRAFT_4 = frozenset(
    {
        "type", "enum", "required", "properties", "additionalProperties", "items",
        "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "minimum", "maximum",
        "oneOf",
    }
)  # fmt: skip
#: Keywords that do not change what is valid.
_ANNOTATIONS = frozenset({"description", "example", "title", "x-extensible-enum"})
#: Keywords translated here.
_TRANSLATED = frozenset({"nullable", "pattern", "format", "discriminator", "x-proxy-mapped"})
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class NoFastPath(ValueError):
    """The schema uses something the translation does not cover (the slow path is used)."""


class _Translation:
    """One schema's Draft 4 form and the Python format checks it calls."""

    def __init__(self) -> None:
        self.formats: dict[str, Callable[[str], bool]] = {}
        self._names = itertools.count()

    def python_check(self, check: Callable[[str], bool]) -> dict[str, str]:
        name = f"x-python-{next(self._names)}"
        self.formats[name] = check
        return {"format": name}

    def schema(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(schema) - _SAME_IN_DRAFT_4 - _ANNOTATIONS - _TRANSLATED
        if unknown:
            raise NoFastPath(f"keywords without a translation: {sorted(unknown)}")
        result: dict[str, Any] = {}
        checks: list[dict[str, Any]] = []
        for keyword, value in schema.items():
            if keyword in ("properties",):
                result[keyword] = {name: self.schema(sub) for name, sub in value.items()}
            elif keyword in ("items", "additionalProperties") and isinstance(value, Mapping):
                result[keyword] = self.schema(value)
            elif keyword == "oneOf":
                self._check_discriminator(schema)
                result[keyword] = [self.schema(branch) for branch in value]
            elif keyword in _SAME_IN_DRAFT_4:
                result[keyword] = value
            elif keyword == "pattern":
                # openapi-schema-validator: re.search, with Python's character classes.
                checks.append(self.python_check(_searcher(re.compile(value))))
            elif keyword == "format":
                self._format(schema, value, result, checks)
        if schema.get("nullable") is True:
            if "type" in result:
                result["type"] = [result["type"], "null"]
            if "enum" in result:
                result["enum"] = [*result["enum"], None]
        elif "nullable" in schema and schema["nullable"] is not False:
            raise NoFastPath("nullable must be true or false")
        if checks:
            result["allOf"] = checks
        return result

    def _format(
        self, schema: Mapping[str, Any], name: str, result: dict[str, Any], checks: list[Any]
    ) -> None:
        if name in _INTEGER_BOUNDS and schema.get("type") == "integer":
            low, high = _INTEGER_BOUNDS[name]
            result["minimum"] = max(low, schema.get("minimum", low))
            result["maximum"] = min(high, schema.get("maximum", high))
        elif name == "date-time" and schema.get("type") == "string":
            checks.append(
                self.python_check(lambda text: oas30_format_checker.conforms(text, "date-time"))
            )
        else:
            raise NoFastPath(f"format {name!r} on type {schema.get('type')!r}")

    @staticmethod
    def _check_discriminator(schema: Mapping[str, Any]) -> None:
        discriminator = schema.get("discriminator")
        if discriminator is None:
            return
        name = discriminator["propertyName"]
        mapped: Mapping[str, Any] = schema.get("x-proxy-mapped", {})
        for branch in schema["oneOf"]:
            values = {value for value, target in mapped.items() if target == branch}
            allowed = branch.get("properties", {}).get(name, {}).get("enum")
            if name not in branch.get("required", ()) or set(allowed or ()) != values:
                raise NoFastPath("a discriminated oneOf whose branches do not pin the value")


def _searcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: pattern.search(text) is not None


class FastThenThorough:
    """Validates with jsonschema-rs first; runs the thorough validator only on a "no".

    ``iter_errors`` is the thorough validator's interface, so the checks use
    either the same way.
    """

    def __init__(self, thorough: Validator, schema: Mapping[str, Any]) -> None:
        self.thorough = thorough
        self.fast: Any = fast_validator(schema)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self.fast is not None:
            try:
                if self.fast.is_valid(instance):
                    return iter(())
            except (ValueError, OverflowError, TypeError):
                pass  # e.g. a lone surrogate, which Rust's strings cannot hold: the slow path
        return self.thorough.iter_errors(instance)


def fast_validator(schema: Mapping[str, Any]) -> Any:
    """jsonschema-rs's validator of ``schema`` (OpenAPI 3.0, ``$ref``\\ s inlined), or None.

    >>> fast_validator({"type": "string", "nullable": True, "pattern": "^a"}).is_valid(None)
    True
    >>> fast_validator({"type": "string", "readOnly": True}) is None
    True
    """
    translation = _Translation()
    try:
        draft4 = translation.schema(schema)
    except NoFastPath:
        return None
    return jsonschema_rs.Draft4Validator(draft4, formats=translation.formats, validate_formats=True)
