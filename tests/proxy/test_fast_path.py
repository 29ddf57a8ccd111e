"""The proxy's fast path never passes a body its thorough validator refuses.

validating_proxy.fast_path lets jsonschema-rs say "valid" before
openapi-schema-validator is asked. For every body schema of the spec, the
spec's own examples are mutated by hypothesis (values replaced by edge
cases and random JSON, keys dropped and added); whenever the fast validator
says "valid", the thorough one must find nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crm_contract
from validating_proxy.contract import load_contract
from validating_proxy.fast_path import FastThenThorough, fast_validator


def body_validators() -> Iterator[tuple[str, FastThenThorough, list[Any]]]:
    """(name, validator, the spec's examples for it) for each body of each operation."""
    spec = crm_contract.document()
    contract = load_contract()
    for (method, path), operation in contract.operations.items():
        raw = spec["paths"][path][method.lower()]
        request = crm_contract.resolve_ref(spec, raw["requestBody"])["content"]["application/json"]
        validator = operation.request_body
        assert isinstance(validator, FastThenThorough)
        yield f"{operation.operation_id} request", validator, _examples(spec, request)
        for status, response in operation.responses.items():
            if response.body is None:
                continue
            content = crm_contract.resolve_ref(spec, raw["responses"][str(status)])["content"]
            assert isinstance(response.body, FastThenThorough)
            examples = _examples(spec, content["application/json"])
            yield f"{operation.operation_id} {status}", response.body, examples


def _examples(spec: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    found = [crm_contract.resolve_ref(spec, e)["value"] for e in media.get("examples", {}).values()]
    return found + ([media["example"]] if "example" in media else [])


VALIDATORS = list(body_validators())
EDGES: list[Any] = [
    None, True, False, 0, -1, 1.0, 0.5, -0.0, 2**31, -(2**31) - 1, 2**63, 10**30, "", " ",
    "\x1c", "\u3000", "\n", "a" * 201, "고", "😀", "CRMRC1260423081530123ABCDEFGHIJK\n",
    "CRMRC1260423081530123ABCDEFGHIJK", "2026-04-23T08:15:30Z", "2026-04-23t08:15:30z",
    "2026-04-23 08:15:30", "#00ff00", "#00FF0G", "DROPDOWN", "TEXT", "dropdown", "NOT_A_TYPE",
    [], [1], ["x", "x"], {}, {"label": "a"}, float("nan"), float("inf"),
    "CRMXX1260423081530123ABCDEFGHIJK", "CRMRC1260423081530123ABCDEFGHIJ!", "CRMRC126042308153012xABCDEFGHIJK",
    "a" * 33, "a" * 63, "a" * 64, "a" * 65, "a" * 100, "a" * 1001, "a" * 2000, "_a", "A" * 64,
    1, 100, 101, 999, 1000, 1001, 10_000, 2**31 - 1, -(2**31),
]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def pointers(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every location in ``value`` (the root too)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from pointers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from pointers(item, (*path, index))


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    value = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(pointers(value))))
        replacement = copy.deepcopy(draw(st.sampled_from(EDGES) | JSON))
        if not path:
            value = replacement
            continue
        parent = value
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[
                draw(st.sampled_from(["extra", "fieldType", "options", "permanent", "name"]))
            ] = replacement
        elif action == "add" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = replacement
    return value


@pytest.mark.parametrize(
    ("name", "validator", "examples"), VALIDATORS, ids=[v[0] for v in VALIDATORS]
)
def test_every_schema_has_a_fast_path_that_says_yes_to_its_examples(
    name: str, validator: FastThenThorough, examples: list[Any]
) -> None:
    assert validator.fast is not None, f"{name}: the translation did not cover this schema"
    assert examples, f"{name}: the spec has no example to start from"
    for example in examples:
        assert list(validator.thorough.iter_errors(example)) == []
        assert validator.fast.is_valid(example)


@pytest.mark.parametrize(
    ("name", "validator", "examples"), VALIDATORS, ids=[v[0] for v in VALIDATORS]
)
def test_the_fast_path_never_passes_what_the_thorough_one_refuses(
    name: str, validator: FastThenThorough, examples: list[Any]
) -> None:
    @settings(
        max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(st.sampled_from(examples).flatmap(mutated))
    def agree(body: Any) -> None:
        try:
            fast = validator.fast.is_valid(body)
        except (ValueError, OverflowError, TypeError):
            return  # the slow path is used
        if fast:
            assert list(validator.thorough.iter_errors(body)) == [], body

    agree()


@pytest.mark.parametrize(
    ("schema", "body"),
    [
        ({"type": "string", "pattern": "\\S"}, "\x1c"),  # Python's \S: U+001C is a space
        ({"type": "string", "format": "date-time"}, "2026-04-23 08:15:30"),
        ({"type": "integer", "format": "int32"}, 2**31),
        ({"type": "integer"}, 1.0),
        ({"type": "string", "enum": ["A"], "nullable": True}, "B"),
    ],
)
def test_what_rust_and_python_disagree_on_is_refused_both_ways(
    schema: dict[str, Any], body: Any
) -> None:
    fast = fast_validator(schema)
    assert fast is not None
    assert not fast.is_valid(body)
