"""Request-body validation through the generated pydantic models, in strict mode."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from crm_contract import field_types
from http_edge.errors import ApiError
from mock_server.spec import Operation


def validate_body(operation: Operation, raw: bytes) -> dict[str, Any]:
    """Parse and validate ``raw`` as the operation's body; return it as plain JSON data.

    Strict mode: ``0`` is not ``false``, ``"1"`` is not ``1``. Only the wire
    names count (``recordIds``; the models' Python names such as
    ``record_ids`` are refused as unknown fields). Malformed JSON is
    ``BadRequest``; every rule broken is ``ValidationError`` naming the
    field and the rule.
    """
    try:
        parsed = operation.body.validate_json(raw, strict=True, by_alias=True, by_name=False)
    except ValidationError as error:
        details = error.errors(include_url=False)
        if details and details[0]["type"] == "json_invalid":
            raise ApiError(400, "BadRequest", "요청 본문이 올바른 JSON이 아닙니다.") from None
        raise ApiError(400, "ValidationError", describe_errors(details)) from None
    _refuse_duplicate_keys(raw)
    data: Any = operation.body.dump_python(parsed, mode="json", by_alias=True)
    if not isinstance(data, dict):  # pragma: no cover - every body schema is an object
        raise ApiError(400, "ValidationError", "body: must be a JSON object (type)")
    for field in operation.unique_item_fields:
        values = data.get(field) or []
        seen: set[Any] = set()
        for index, value in enumerate(values):
            if value in seen:
                raise ApiError(
                    400,
                    "ValidationError",
                    f"{field}[{index}]: 중복된 값입니다: {value} (uniqueItems)",
                )
            seen.add(value)
    return dict(data)


def _refuse_duplicate_pairs(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ApiError(
                    400, "ValidationError", f"{key}: 같은 키가 두 번 있습니다 (duplicateKey)"
                )
            seen.add(key)
    return pairs  # only the check matters: the parsed value is thrown away


_DUPLICATE_KEY_CHECKER = json.JSONDecoder(object_pairs_hook=_refuse_duplicate_pairs)


def _refuse_duplicate_keys(raw: bytes) -> None:
    """A key twice in one object is refused: JSON parsers disagree on which one wins.

    (pydantic keeps the last, some proxies the first: ``{"permanent": false,
    "permanent": true}`` must not mean different things to them.) Runs on
    bodies pydantic has already parsed, so ``raw`` is valid UTF-8 JSON.
    """
    _DUPLICATE_KEY_CHECKER.decode(raw.decode("utf-8", "replace"))


def describe_errors(details: list[ErrorDetails]) -> str:
    """One line per broken rule: ``field: message (rule)``; at most three."""
    lines = [describe_error(detail) for detail in details[:3]]
    if len(details) > 3:
        lines.append(f"... and {len(details) - 3} more")
    return "; ".join(lines)


def describe_error(detail: ErrorDetails) -> str:
    location = list(detail["loc"])
    context = ""
    # A discriminated union puts the chosen tag first in the location.
    if location and location[0] in field_types():
        context = f" (fieldType {location.pop(0)})"
    path = _format_location(location) or "body"
    rule = detail["type"]
    if rule == "extra_forbidden":
        message = "허용되지 않는 필드입니다"
        if location == ["options"]:
            message = "options는 DROPDOWN, RADIO, MULTI_CHECKBOX에서만 쓸 수 있습니다"
    elif rule == "missing":
        message = "필수 필드입니다"
    elif rule == "union_tag_invalid":
        expected = detail.get("ctx", {}).get("expected_tags", "")
        path = "fieldType"
        message = f"다음 중 하나여야 합니다: {expected}"
    elif rule == "union_tag_not_found":
        path = "fieldType"
        message = "필수 필드입니다"
        rule = "missing"
    else:
        message = detail["msg"]
    return f"{path}{context}: {message} ({rule})"


def _format_location(location: list[int | str]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
