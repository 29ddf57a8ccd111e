"""The admin API (``/_mock/``): look at and steer the mock's state. Not in openapi.yaml.

No authentication: the mock serves on loopback for tests and local use.
Bad input is a 400 in the API's error shape and changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from http_edge.errors import ApiError
from http_edge.handlers import read_body
from http_edge.responses import JSONResponse
from mock_server.clock import isoformat_ms
from mock_server.state import MockState
from mock_server.store import EntityView, PropertyView, RecordView

#: Bounds of the admin API's numbers: beyond them a request is refused with 400
#: and changes nothing (a clock 3 million days ahead breaks every date).
MAX_LIST_LIMIT = 10_000
MAX_OFFSET = 2**31 - 1
MAX_CLOCK_ADVANCE = timedelta(days=36_500)
#: An admin request's body (a clock advance is a few bytes): larger is 413 PayloadTooLarge.
MAX_ADMIN_BODY_BYTES = 64 * 1024


def as_json(view: RecordView | PropertyView | EntityView) -> dict[str, Any]:
    """A store view as the admin API shows it: the same fields, in camelCase.

    >>> from mock_server.store import EntityView
    >>> as_json(EntityView("E", "고객", "W", "STARTER", 30, 2))["propertyQuota"]
    30
    """
    return {_camel(name): value for name, value in dataclasses.asdict(view).items()}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "ValidationError", f"{name}: 정수여야 합니다: {raw!r} (type)") from None
    if not low <= value <= high:
        raise ApiError(
            400, "ValidationError", f"{name}: {low} 이상 {high} 이하여야 합니다: {value} (range)"
        )
    return value


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await read_body(request, MAX_ADMIN_BODY_BYTES)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to parse
        raise ApiError(400, "BadRequest", "요청 본문이 올바른 JSON이 아닙니다.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "ValidationError", "body: JSON 객체여야 합니다 (type)")
    return body


async def admin_index(request: Request) -> Response:
    """What the admin API offers (the mock's banner points here)."""
    return JSONResponse(
        {
            "admin": [
                {"method": method, "path": path, "description": description}
                for path, _, method, description in ADMIN_ROUTES
            ],
            "operations": [
                {"method": op.method, "path": op.path, "operationId": op.operation_id}
                for op in request.app.state.mock.operations.values()
            ],
        }
    )


async def admin_reset(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    mock.reset()
    return JSONResponse(
        {"reset": True, "now": isoformat_ms(mock.clock.now()), "counts": mock.store.counts()}
    )


async def admin_records(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    state = request.query_params.get("state", "active")
    if state not in ("active", "trash", "all"):
        raise ApiError(400, "ValidationError", f"state: active, trash 또는 all: {state!r} (enum)")
    limit = _query_int(request, "limit", 100, 1, MAX_LIST_LIMIT)
    offset = _query_int(request, "offset", 0, 0, MAX_OFFSET)
    mock.purge()
    in_trash = {"active": False, "trash": True, "all": None}[state]
    records = mock.store.list_records(
        in_trash=in_trash,
        entity_id=request.query_params.get("entityId"),
        limit=limit,
        offset=offset,
    )
    return JSONResponse({"records": [as_json(r) for r in records], "count": len(records)})


async def admin_trash(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    mock.purge()
    records = mock.store.list_records(in_trash=True, limit=MAX_LIST_LIMIT)
    return JSONResponse({"records": [as_json(r) for r in records], "count": len(records)})


async def admin_record(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    mock.purge()
    record = mock.store.get_record(request.path_params["record_id"])
    if record is None:
        raise ApiError(404, "NotFound", "레코드를 찾을 수 없습니다.")
    return JSONResponse(as_json(record))


async def admin_properties(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    properties = mock.store.list_properties(request.query_params.get("entityId"))
    listed = [as_json(p) for p in properties]
    return JSONResponse({"properties": listed, "count": len(listed)})


async def admin_entities(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    entities = mock.store.list_entities(request.query_params.get("apiKey"))
    return JSONResponse({"entities": [as_json(e) for e in entities], "count": len(entities)})


async def admin_stats(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    mock.purge()
    return JSONResponse(mock.store.counts())


async def admin_clock(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    return JSONResponse({"now": isoformat_ms(mock.clock.now())})


def _clock_advance(body: dict[str, Any]) -> timedelta:
    """``{"seconds": n}`` and/or ``{"days": n}``: finite, >= 0, in all at most 100 years."""
    usage = '{"seconds": n} 또는 {"days": n}'
    unknown = sorted(set(body) - {"seconds", "days"})
    if unknown:
        raise ApiError(400, "ValidationError", f"{unknown[0]}: 허용되지 않는 필드입니다; {usage}")
    seconds = 0.0
    for name, unit in (("seconds", 1), ("days", 86_400)):
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(400, "ValidationError", f"{name}: 숫자여야 합니다 (type); {usage}")
        if not 0 <= value <= MAX_CLOCK_ADVANCE.total_seconds() / unit:
            raise ApiError(
                400,
                "ValidationError",
                f"{name}: 0 이상, 합계 {MAX_CLOCK_ADVANCE.days}일 이하여야 합니다 (range)",
            )
        seconds += value * unit
    if seconds > MAX_CLOCK_ADVANCE.total_seconds():
        raise ApiError(
            400, "ValidationError", f"합계 {MAX_CLOCK_ADVANCE.days}일 이하여야 합니다 (range)"
        )
    return timedelta(seconds=seconds)


async def admin_clock_advance(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    delta = _clock_advance(await _json_object(request))
    try:
        now = mock.clock.advance(delta, limit=MAX_CLOCK_ADVANCE)
    except OverflowError:
        raise ApiError(
            400,
            "ValidationError",
            f"시계는 처음부터 합계 {MAX_CLOCK_ADVANCE.days}일까지만 앞당길 수 있습니다 (range); "
            "POST /_mock/reset으로 되돌리세요",
        ) from None
    return JSONResponse({"now": isoformat_ms(now), "purged": mock.purge()})


ADMIN_ROUTES = [
    ("/_mock/", admin_index, "GET", "this list"),
    ("/_mock/reset", admin_reset, "POST", "reload the fixtures; the data clock back to real time"),
    (
        "/_mock/records",
        admin_records,
        "GET",
        "records: ?state=active|trash|all&entityId=&limit=1..10000&offset=",
    ),
    ("/_mock/records/{record_id}", admin_record, "GET", "one record, active or in the trash"),
    ("/_mock/trash", admin_trash, "GET", "the trash"),
    ("/_mock/properties", admin_properties, "GET", "properties: ?entityId="),
    (
        "/_mock/entities",
        admin_entities,
        "GET",
        "entities with their property quota and use: ?apiKey= (that key's workspace)",
    ),
    ("/_mock/stats", admin_stats, "GET", "row counts"),
    ("/_mock/clock", admin_clock, "GET", "the data clock"),
    (
        "/_mock/clock/advance",
        admin_clock_advance,
        "POST",
        'advance the data clock: {"days": n} or {"seconds": n}; purges expired trash',
    ),
]
