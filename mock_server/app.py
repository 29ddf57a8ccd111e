"""The ASGI app: both CRM Core operations at their real paths, plus ``/_mock/`` admin."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pydantic_core
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth_plugin import AuthError, ErrorCode, ReplayCache, Verifier
from auth_plugin.verification import Clock, utc_now
from mock_server.clock import MockClock, isoformat_ms
from mock_server.errors import ApiError
from mock_server.fixtures import Fixtures, default_fixtures
from mock_server.spec import ROLE_RANK, Operation, operations
from mock_server.store import TRASH_RETENTION, RecordStore
from mock_server.validation import validate_body

MAX_BODY_BYTES = 1024 * 1024
logger = logging.getLogger("mock_server")

#: The most strongly sourced status of each authentication failure (the
#: table in openapi.yaml's HmacAuth): 401 only for a missing or malformed
#: header (the reference pages), 400 for an unknown key (observed), 403 for
#: the rest (SOLAPI's older docs).
AUTH_STATUS = {
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.INVALID_API_KEY: 400,
    ErrorCode.SIGNATURE_DOES_NOT_MATCH: 403,
    ErrorCode.REQUEST_TIME_TOO_SKEWED: 403,
    ErrorCode.DUPLICATED_SIGNATURE: 403,
    ErrorCode.TOO_MANY_REQUESTS: 429,
}
AUTH_MESSAGES = {
    ErrorCode.UNAUTHORIZED: "권한이 없습니다.",
    ErrorCode.INVALID_API_KEY: "유효하지 않은 API 키입니다.",
    ErrorCode.SIGNATURE_DOES_NOT_MATCH: "서명이 일치하지 않습니다.",
    ErrorCode.REQUEST_TIME_TOO_SKEWED: "요청 시각이 서버 시각과 15분 이상 차이 납니다.",
    ErrorCode.DUPLICATED_SIGNATURE: "이미 사용된 서명입니다.",
    ErrorCode.TOO_MANY_REQUESTS: "요청이 너무 많습니다. 잠시 후 다시 시도하세요.",
}


def error_body(error_code: str, message: str) -> dict[str, Any]:
    """The API's error shape."""
    return {"errorCode": error_code, "errorMessage": message}


def error_response(
    status: int, error_code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(error_code, message), status_code=status, headers=headers)


def method_not_allowed_message(method: str, path: str) -> str:
    return f"{method} {path}는 지원하지 않는 메서드입니다."


@dataclass
class MockState:
    """Everything the handlers share; reachable as ``app.state.mock``."""

    store: RecordStore
    fixtures: Fixtures
    clock: MockClock
    verifier: Verifier
    operations: dict[tuple[str, str], Operation] = field(default_factory=operations)

    def reset(self) -> None:
        """Reload the fixtures; the data clock goes back to real time first."""
        self.clock.rewind()
        self.store.load(self.fixtures, self.clock.now())

    def purge(self) -> int:
        """Drop trash older than 14 days by the data clock, before showing state."""
        return self.store.purge_trash(self.clock.now())


@dataclass(slots=True)
class OperationRequest:
    """What serving an operation reads of a request: three headers and the body."""

    authorization: str | None
    content_type: str
    content_length: str | None
    receive: Receive

    @classmethod
    def from_scope(cls, scope: Scope, receive: Receive) -> OperationRequest:
        authorization = content_length = None
        content_type = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value.decode("latin-1")
        return cls(authorization, content_type, content_length, receive)

    async def body(self) -> bytes:
        """The whole body, refused with 413 as soon as it passes ``MAX_BODY_BYTES``."""
        too_large = ApiError(
            413, "PayloadTooLarge", f"요청 본문은 {MAX_BODY_BYTES}바이트를 넘을 수 없습니다."
        )
        declared = self.content_length
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class ClientDisconnected(Exception):
    """The client went away before its body arrived: nobody is left to answer."""


def _check_content_type(request: OperationRequest) -> None:
    media_type = request.content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "UnsupportedMediaType", "Content-Type은 application/json이어야 합니다.")


async def serve_operation(
    mock: MockState, operation: Operation, request: OperationRequest
) -> tuple[int, dict[str, Any]]:
    """Authenticate, authorise, validate and apply one call; return status and JSON body."""
    try:
        verified = mock.verifier.verify(request.authorization)
    except AuthError as error:
        message = AUTH_MESSAGES[error.error_code]
        if request.authorization:  # no header: the seeds' body verbatim
            message = f"{message} ({error.message})"
        return AUTH_STATUS[error.error_code], error_body(error.error_code.value, message)
    caller = mock.store.api_key(verified.api_key)
    if caller is None:  # the key was removed between verification and now
        return AUTH_STATUS[ErrorCode.INVALID_API_KEY], error_body(
            ErrorCode.INVALID_API_KEY.value, AUTH_MESSAGES[ErrorCode.INVALID_API_KEY]
        )
    if ROLE_RANK[caller.role] < ROLE_RANK[operation.required_role]:
        needed = "OWNER" if operation.required_role == "OWNER" else "MEMBER 이상"
        return 403, error_body("Forbidden", f"{needed} 권한이 필요합니다.")
    try:
        _check_content_type(request)
        body = validate_body(operation, await request.body())
        now = mock.clock.now()
        if operation.operation_id == "bulkDeleteRecords":
            payload = _bulk_delete(mock, caller.workspace_id, body, now)
        else:
            payload = mock.store.create_property(caller, body, now=now)
    except ApiError as error:
        return error.status, error_body(error.error_code, error.message)
    return operation.success_status, payload


def _bulk_delete(
    mock: MockState, workspace_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    permanent = bool(body.get("permanent", False))
    outcome = mock.store.bulk_delete(workspace_id, body["recordIds"], permanent=permanent, now=now)
    return {
        "permanent": permanent,
        "requestedCount": len(body["recordIds"]),
        "deletedCount": len(outcome.deleted),
        "failedCount": len(outcome.failed),
        "deleted": outcome.deleted,
        "failed": outcome.failed,
        "dateDeleted": isoformat_ms(outcome.date_deleted),
        "dateTrashExpires": None
        if permanent
        else isoformat_ms(outcome.date_deleted + TRASH_RETENTION),
    }


# --- admin API (/_mock/), not part of openapi.yaml -------------------------------

#: Bounds of the admin API's numbers: beyond them a request is refused with 400
#: and changes nothing (a clock 3 million days ahead breaks every date).
MAX_LIST_LIMIT = 10_000
MAX_OFFSET = 2**31 - 1
MAX_CLOCK_ADVANCE = timedelta(days=36_500)


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
    raw = await request.body()
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
    return JSONResponse({"records": records, "count": len(records)})


async def admin_trash(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    mock.purge()
    records = mock.store.list_records(in_trash=True, limit=MAX_LIST_LIMIT)
    return JSONResponse({"records": records, "count": len(records)})


async def admin_record(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    mock.purge()
    record = mock.store.get_record(request.path_params["record_id"])
    if record is None:
        raise ApiError(404, "NotFound", "레코드를 찾을 수 없습니다.")
    return JSONResponse(record)


async def admin_properties(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    properties = mock.store.list_properties(request.query_params.get("entityId"))
    return JSONResponse({"properties": properties, "count": len(properties)})


async def admin_entities(request: Request) -> Response:
    mock: MockState = request.app.state.mock
    entities = mock.store.list_entities(request.query_params.get("apiKey"))
    return JSONResponse({"entities": entities, "count": len(entities)})


async def admin_stats(request: Request) -> Response:
    mock: MockState = request.app.state.mock
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
    now = mock.clock.advance(delta)
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


# --- errors for what no route serves -------------------------------------------


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(
            405,
            "MethodNotAllowed",
            method_not_allowed_message(request.method, request.url.path),
            headers=dict(exc.headers or {}),
        )
    if exc.status_code == 404:
        return error_response(404, "NotFound", f"경로를 찾을 수 없습니다: {request.url.path}")
    return error_response(exc.status_code, "BadRequest", str(exc.detail))


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.error_code, exc.message)


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "InternalServerError", "서버 오류가 발생했습니다.")


class RequestLogMiddleware:
    """One line per request: method, path, status, errorCode, milliseconds. No headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Quiet (--quiet): nothing to log, so nothing to measure or wrap.
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        error_code = "-"

        async def capture(message: Message) -> None:
            nonlocal status, error_code
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status >= 400 and error_code == "-":
                try:
                    error_code = str(json.loads(message.get("body", b""))["errorCode"])
                except (ValueError, KeyError, TypeError):
                    error_code = "?"
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            logger.info(
                "%s %s %d %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                error_code,
                (time.perf_counter() - started) * 1000,
            )


class OperationRouter:
    """Serves the spec's operations at their paths; everything else goes on to Starlette.

    Plain ASGI, without Starlette's request and response objects: these two
    operations are the hot path, and the objects cost a fifth of a request's
    instructions. A known path with another method is a 405 with ``Allow``.
    Unexpected errors still reach Starlette's ``ServerErrorMiddleware`` (a
    500 in the error shape) outside this one.
    """

    def __init__(self, app: ASGIApp, mock: MockState) -> None:
        self.app = app
        self.mock = mock
        self._by_path: dict[str, dict[str, Operation]] = {}
        for (method, path), operation in mock.operations.items():
            self._by_path.setdefault(path, {})[method] = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        at_path = self._by_path.get(scope["path"]) if scope["type"] == "http" else None
        if at_path is None:
            await self.app(scope, receive, send)
            return
        operation = at_path.get(scope["method"])
        headers: list[tuple[bytes, bytes]] = []
        if operation is None:
            status = 405
            message = method_not_allowed_message(scope["method"], scope["path"])
            payload = error_body("MethodNotAllowed", message)
            headers.append((b"allow", ", ".join(sorted(at_path)).encode("latin-1")))
        else:
            request = OperationRequest.from_scope(scope, receive)
            try:
                status, payload = await serve_operation(self.mock, operation, request)
            except ClientDisconnected:
                return
        content = pydantic_core.to_json(payload)
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode("latin-1")),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def create_app(
    *,
    db_path: Path | str = ":memory:",
    fixtures: Fixtures | None = None,
    clock: MockClock | None = None,
    auth_clock: Clock = utc_now,
    replay_cache: ReplayCache | None = None,
    reset: bool | None = None,
) -> Starlette:
    """Build the mock as an ASGI app (uvicorn, schemathesis, httpx ``ASGITransport``).

    ``clock`` dates the stored data and drives the trash purge (the admin API
    advances it); ``auth_clock`` judges signature dates. A file database
    keeps its state across restarts: it is loaded from the fixtures only when
    empty, unless ``reset`` is true.

    >>> app = create_app()
    >>> app.state.mock.store.counts()["records"] > 3000
    True
    """
    store = RecordStore(db_path)
    mock = MockState(
        store=store,
        fixtures=fixtures or default_fixtures(),
        clock=clock or MockClock(),
        verifier=Verifier(store.secret_for, clock=auth_clock, replay_cache=replay_cache),
    )
    if reset or (reset is None and store.is_empty()):
        mock.reset()
    routes = [Route(path, endpoint, methods=[method]) for path, endpoint, method, _ in ADMIN_ROUTES]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_exception,
            Exception: server_error,
        },
    )
    # Last added runs first: the log line covers both routers.
    app.add_middleware(OperationRouter, mock=mock)
    app.add_middleware(RequestLogMiddleware)
    app.state.mock = mock
    return app
