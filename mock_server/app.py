"""The ASGI app: the spec's operations at their real paths, plus the ``/_mock/`` admin API.

Built on Starlette: one ``Route`` per operation of openapi.yaml, served by
the handler of its operationId (``mock_server.operations.HANDLERS``; an
operation without a handler stops the app from being built), and exception
handlers that turn every refusal into the API's error shape.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import crm_contract
from auth_plugin import AuthError, ErrorCode
from auth_plugin.signing import Clock, utc_now
from hmac_verifier import DEFAULT_MAX_PER_KEY, ReplayCache, Verifier
from http_edge.errors import ApiError
from http_edge.handlers import (
    AnswerFaults,
    api_error,
    client_gone,
    error_response,
    http_exception,
    read_body,
)
from http_edge.responses import JSONResponse
from mock_server.admin import ADMIN_ROUTES
from mock_server.clock import MockClock
from mock_server.fixtures import Fixtures, default_fixtures
from mock_server.operations import HANDLERS, Handler
from mock_server.replay import PersistentReplayCache
from mock_server.spec import ROLE_RANK, Operation
from mock_server.state import MockState
from mock_server.store import ApiKey, RecordStore
from mock_server.validation import validate_body

logger = logging.getLogger("mock_server")

#: Each authentication failure's status and message, as openapi.yaml documents them: the
#: HmacAuth table's "status here" (401 only for a missing or malformed header, 400 for an
#: unknown key, 403 for the rest) and the examples' messages (TooManyRequests: 429).
AUTH_STATUS = {code: crm_contract.error_catalogue()[code.value].status for code in ErrorCode}
AUTH_MESSAGES = {code: crm_contract.error_catalogue()[code.value].message for code in ErrorCode}


# --- serving an operation ---------------------------------------------------------


def authenticate(mock: MockState, request: Request) -> ApiKey:
    """The caller of a correctly signed request; raises :class:`AuthError` otherwise."""
    headers = request.headers.getlist("authorization")
    if len(headers) > 1:
        # A proxy keeping the first and a server keeping the last would disagree.
        raise AuthError(ErrorCode.UNAUTHORIZED, "more than one Authorization header")
    verified = mock.verifier.verify(headers[0] if headers else None)
    caller = mock.store.api_key(verified.api_key)
    if caller is None:  # the key was removed between verification and now
        raise AuthError(ErrorCode.INVALID_API_KEY, "unknown API key")
    return caller


def authorize(caller: ApiKey, operation: Operation) -> None:
    if ROLE_RANK[caller.role] < ROLE_RANK[operation.required_role]:
        raise ApiError(403, "Forbidden", operation.forbidden_message)


def check_content_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "UnsupportedMediaType", "Content-Type은 application/json이어야 합니다.")


def operation_endpoint(
    operation: Operation, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate, authorise, validate, then let ``handler`` apply the call."""

    async def endpoint(request: Request) -> Response:
        mock: MockState = request.app.state.mock
        caller = authenticate(mock, request)
        authorize(caller, operation)
        check_content_type(request)
        body = validate_body(operation, await read_body(request))
        payload = handler(mock.store, caller, body, mock.clock.now())
        return JSONResponse(payload, status_code=operation.success_status)

    return endpoint


def operation_routes(operations: dict[tuple[str, str], Operation]) -> list[Route]:
    """A route per operation of the spec; every operation must have a handler."""
    missing = sorted(
        op.operation_id for op in operations.values() if op.operation_id not in HANDLERS
    )
    if missing:
        raise RuntimeError(f"openapi.yaml has operations the mock cannot serve: {missing}")
    return [
        Route(op.path, operation_endpoint(op, HANDLERS[op.operation_id]), methods=[op.method])
        for op in operations.values()
    ]


# --- exception handlers: every refusal in the API's error shape -----------------------


async def auth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    message = AUTH_MESSAGES[exc.error_code]
    if "authorization" in request.headers:  # no header: the reference pages' body verbatim
        message = f"{message} ({exc.message})"
    headers = None if exc.retry_after is None else {"Retry-After": str(exc.retry_after)}
    return error_response(AUTH_STATUS[exc.error_code], exc.error_code.value, message, headers)


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


def create_app(
    *,
    db_path: Path | str = ":memory:",
    fixtures: Fixtures | None = None,
    clock: MockClock | None = None,
    auth_clock: Clock = utc_now,
    signatures_per_key: int = DEFAULT_MAX_PER_KEY,
    reset: bool | None = None,
) -> Starlette:
    """Build the mock as an ASGI app (uvicorn, schemathesis, httpx ``ASGITransport``).

    ``clock`` dates the stored data and drives the trash purge (the admin API
    advances it); ``auth_clock`` judges signature dates. A file database
    keeps its state across restarts: it is loaded from the fixtures only when
    empty, unless ``reset`` is true; it also keeps the signatures accepted in
    the replay window, so a replay is refused after a restart and by a second
    process on the same file. ``signatures_per_key`` is each API key's budget
    of signed requests within the replay window (beyond it: 429 with
    ``Retry-After``; see :class:`~auth_plugin.ReplayCache`).

    >>> app = create_app()
    >>> app.state.mock.store.counts()["records"] > 3000
    True
    """
    store = RecordStore(db_path)
    replay_cache = (
        ReplayCache(signatures_per_key)
        if str(db_path) == ":memory:"
        else PersistentReplayCache(store, signatures_per_key)
    )
    mock = MockState(
        store=store,
        fixtures=fixtures or default_fixtures(),
        clock=clock or MockClock(),
        verifier=Verifier(store.secret_for, clock=auth_clock, replay_cache=replay_cache),
    )
    if reset or (reset is None and store.is_empty()):
        mock.reset()
    admin = [Route(path, endpoint, methods=[method]) for path, endpoint, method, _ in ADMIN_ROUTES]
    app = Starlette(
        routes=[*operation_routes(mock.operations), *admin],
        exception_handlers={
            ApiError: api_error,
            AuthError: auth_error,
            ClientDisconnect: client_gone,
            HTTPException: http_exception,
            Exception: server_error,
        },
    )
    # Only the operations' exact paths exist: no 307 to add or drop a trailing slash.
    app.router.redirect_slashes = False
    # Inside the request log (added later, so outside it): a fault is answered and logged.
    app.add_middleware(AnswerFaults, handler=server_error)
    app.add_middleware(RequestLogMiddleware)
    app.state.mock = mock
    return app
