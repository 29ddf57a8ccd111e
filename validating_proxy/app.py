"""The proxy as an ASGI app: every path forwarded to the upstream, ``/_proxy/`` its own.

For each request: read the body (bounded), check the request, forward it,
check the answer, record the violations, and return the upstream's answer
unchanged. With ``fail_on_violation`` an answer that breaks the contract is
replaced by a 502 that names the broken checks. The proxy's own answers
(upstream unreachable or slow, a body over the proxy's limit, a violation
under ``fail_on_violation``) are in the API's error shape.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth_plugin.signing import utc_now
from http_edge.errors import ApiError
from http_edge.handlers import (
    AnswerFaults,
    api_error,
    client_gone,
    error_response,
    http_exception,
    read_body,
)
from validating_proxy.authorization import AuthorizationChecker
from validating_proxy.checks import check_request, check_response
from validating_proxy.contract import Contract, load_contract
from validating_proxy.forwarding import Upstream, UpstreamAnswer, UpstreamFailure
from validating_proxy.report import UNKNOWN_OPERATION, Exchange, Report
from validating_proxy.violation import Violation

#: The proxy's own paths; never forwarded.
PROXY_PREFIX = "/_proxy/"
#: Twice the API's 1 MiB: a body the API refuses with 413 still reaches it.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0


#: uvicorn options the proxy must run with: the upstream's Server and Date
#: headers go back unchanged, so uvicorn must add none of its own.
class UvicornOptions(TypedDict):
    server_header: bool
    date_header: bool


UVICORN_OPTIONS: UvicornOptions = {"server_header": False, "date_header": False}
#: Every method is forwarded (and checked: the spec's are POST only).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


@dataclass
class ProxyState:
    """What the proxy's requests share."""

    contract: Contract
    upstream: Upstream
    authorization: AuthorizationChecker
    report: Report
    fail_on_violation: bool
    max_body_bytes: int
    request_ids: Callable[[], str]


def _request_ids() -> Callable[[], str]:
    prefix = os.urandom(4).hex()
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter):06d}"


async def summary(request: Request) -> Response:
    """``GET /_proxy/summary``: counts per operation and check so far."""
    state: ProxyState = request.app.state.proxy
    return JSONResponse(state.report.summary())


async def not_a_proxy_path(request: Request) -> Response:
    return error_response(
        404, "NotFound", f"the proxy has no {request.url.path}; see /_proxy/summary"
    )


async def forward(request: Request) -> Response:
    """Check, forward, check, record; answer with the upstream's response."""
    state: ProxyState = request.app.state.proxy
    if request.method == "CONNECT":
        return error_response(
            405, "MethodNotAllowed", "the proxy forwards to its upstream only: no CONNECT"
        )
    try:
        body = await read_body(request, state.max_body_bytes)
    except ApiError:
        raise ApiError(
            413,
            "PayloadTooLarge",
            f"the proxy forwards bodies of at most {state.max_body_bytes} bytes (--max-body-bytes)",
        ) from None
    path = request.url.path
    verdict = check_request(
        state.contract,
        state.authorization,
        method=request.method,
        path=path,
        content_type=request.headers.get("content-type"),
        authorization_values=request.headers.getlist("authorization"),
        body=body,
    )
    operation = verdict.operation.operation_id if verdict.operation else UNKNOWN_OPERATION
    exchange = Exchange(
        state.request_ids(), operation, request.method, path, request.headers.get("x-request-id")
    )
    raw_path: bytes = request.scope.get("raw_path") or path.encode()
    try:
        answer = await state.upstream.send(
            request.method,
            raw_path.split(b"?", 1)[0],
            request.scope.get("query_string", b""),
            request.headers.raw,
            body,
        )
    except UpstreamFailure as failure:
        state.report.record(exchange, [*verdict.violations, failure.violation], None)
        return error_response(
            failure.status,
            failure.error_code,
            f"{failure.message} (proxy request {exchange.request_id})",
        )
    # latin-1 maps every byte to one character: a check never fails to decode a header.
    headers = {
        name.lower().decode("latin-1"): value.decode("latin-1") for name, value in answer.headers
    }
    found = check_response(
        verdict,
        contract=state.contract,
        status=answer.status,
        content_type=headers.get("content-type"),
        headers=headers,
        body=answer.decoded,
    )
    refused = answer.decoding_refused
    if refused is not None and verdict.operation is not None:
        found.append(Violation(refused.check, None, refused.expected, "", refused.message))
    state.report.record(exchange, [*verdict.violations, *found], answer.status)
    if found and state.fail_on_violation:
        checks = ", ".join(f"{v.check} at {v.pointer}" if v.pointer else v.check for v in found)
        return error_response(
            502,
            "ContractViolation",
            f"the upstream's {answer.status} response breaks openapi.yaml: {checks} "
            f"(proxy request {exchange.request_id}; details in the proxy's report)",
        )
    response = Response(answer.raw, status_code=answer.status)
    response.raw_headers = _response_headers(request.method, answer)
    return response


def _response_headers(method: str, answer: UpstreamAnswer) -> list[tuple[bytes, bytes]]:
    """The upstream's headers, with a Content-Length for the bytes forwarded where one belongs.

    A HEAD answer keeps the upstream's (it describes a body not sent); 1xx,
    204 and 304 answers have none.
    """
    if method == "HEAD":
        return [(name.lower(), value) for name, value in answer.headers]
    kept = [
        (name.lower(), value) for name, value in answer.headers if name.lower() != b"content-length"
    ]
    if answer.status < 200 or answer.status in (204, 304):
        return kept
    return [*kept, (b"content-length", str(len(answer.raw)).encode())]


async def proxy_fault(request: Request, exc: Exception) -> Response:
    return error_response(
        500, "ProxyError", f"the proxy failed on this request ({type(exc).__name__})"
    )


def create_proxy_app(
    *,
    upstream: str,
    report_path: Path | None = None,
    secrets: Mapping[str, str] | None = None,
    fail_on_violation: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    clock: Callable[[], datetime] = utc_now,
    forwarder: Upstream | None = None,
) -> Starlette:
    """The validating proxy in front of ``upstream``, as an ASGI app.

    ``secrets`` (API key -> secret) lets it check those keys' signatures;
    ``report_path`` receives one JSON line per violation; ``clock`` judges
    signature dates; ``forwarder`` replaces the :class:`Upstream` built
    from ``upstream`` (a test's, to make forwarding fail).

    >>> app = create_proxy_app(upstream="http://127.0.0.1:8080", secrets={"KEY": "s"})
    >>> app.state.proxy.upstream.base_url
    'http://127.0.0.1:8080'
    """
    state = ProxyState(
        contract=load_contract(),
        upstream=forwarder
        or Upstream(upstream, timeout=timeout, max_response_bytes=4 * max_body_bytes),
        authorization=AuthorizationChecker(secrets, clock=clock),
        report=Report(report_path, secrets=(secrets or {}).values()),
        fail_on_violation=fail_on_violation,
        max_body_bytes=max_body_bytes,
        request_ids=_request_ids(),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.upstream.aclose()

    app = Starlette(
        routes=[
            Route(PROXY_PREFIX + "summary", summary, methods=["GET"]),
            Route(PROXY_PREFIX + "{rest:path}", not_a_proxy_path, methods=METHODS),
            Route("/{rest:path}", forward, methods=METHODS),
        ],
        exception_handlers={
            ApiError: api_error,
            ClientDisconnect: client_gone,
            HTTPException: http_exception,
            Exception: proxy_fault,
        },
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.add_middleware(AnswerFaults, handler=proxy_fault)
    app.state.proxy = state
    return app
