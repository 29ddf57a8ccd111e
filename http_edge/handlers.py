"""What both servers (the mock, the validating proxy) answer at the HTTP edge, in the API's shape.

Every refusal is ``{"errorCode": ..., "errorMessage": ...}`` (:func:`error_response`);
bodies are read within a limit (:func:`read_body`); Starlette's own 404/405 and a
client that left are handled here, once for both servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import crm_contract
from http_edge.errors import ApiError
from http_edge.responses import error_body

#: The largest request body either server reads (PayloadTooLarge beyond it): the API's.
MAX_BODY_BYTES = crm_contract.max_request_body_bytes()
#: How long a request's body may take to arrive once its head has (RequestTimeout beyond it).
BODY_TIMEOUT_SECONDS = 10.0


def error_response(
    status: int, error_code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The API's error shape: every refusal of either server is built here.

    >>> error_response(404, "NotFound", "no such path").body
    b'{"errorCode":"NotFound","errorMessage":"no such path"}'
    """
    return Response(error_body(error_code, message), status, headers, media_type="application/json")


async def read_body(
    request: Request, limit: int = MAX_BODY_BYTES, *, timeout: float | None = None
) -> bytes:
    """The whole body, refused with 413 as soon as it passes ``limit`` bytes, and with 408
    when it has not all arrived ``timeout`` seconds (default :data:`BODY_TIMEOUT_SECONDS`)
    after the server started reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    seconds = BODY_TIMEOUT_SECONDS if timeout is None else timeout
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(
            408, "RequestTimeout", f"요청 본문이 {seconds:g}초 안에 도착하지 않았습니다."
        ) from None
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "PayloadTooLarge", f"요청 본문은 {limit}바이트를 넘을 수 없습니다.")


# --- exception handlers: every refusal in the API's error shape -----------------------


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.error_code, exc.message)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = f"{request.method} {request.url.path}는 지원하지 않는 메서드입니다."
        return error_response(405, "MethodNotAllowed", message, dict(exc.headers or {}))
    if exc.status_code == 404:
        return error_response(404, "NotFound", f"경로를 찾을 수 없습니다: {request.url.path}")
    return error_response(exc.status_code, "BadRequest", str(exc.detail))


class NoAnswer(Response):
    """A response that sends nothing: for a client that has gone away."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client left before its body arrived: nobody is left to answer."""
    return NoAnswer()


class AnswerFaults:
    """Answers an unhandled exception in the error shape and keeps the connection usable.

    Starlette's outermost middleware answers a fault through the ``Exception`` handler and then
    raises it again, and uvicorn closes the connection on an error raised by the app: a client
    that reuses the connection gets "Server disconnected without sending a response". Placed
    inside it (as a user middleware), this answers with ``handler`` and returns normally. A
    fault after the response has started cannot be answered: it is raised again.
    """

    def __init__(
        self, app: ASGIApp, handler: Callable[[Request, Exception], Awaitable[Response]]
    ) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as fault:
            if started:
                raise
            response = await self.handler(Request(scope, receive), fault)
            await response(scope, receive, send)
