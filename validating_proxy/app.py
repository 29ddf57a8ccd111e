"""The proxy as an ASGI app: every path forwarded to the upstream, ``/_proxy/`` its own.

For each request: read the body (bounded), check the request, forward it,
check the answer, record the violations, and return the upstream's answer
unchanged. With ``fail_on_violation`` an answer that breaks the contract is
replaced by a 502 that names the broken checks. The proxy's own answers
(upstream unreachable or slow, a body over the proxy's limit, a violation
under ``fail_on_violation``) are in the API's error shape.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import crm_contract
from auth_plugin.signing import new_date as isoformat_ms
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
from http_edge.protocol import reporting_refusals
from traffic import Call, Redactor, TrafficWriter
from validating_proxy.authorization import (
    DEFAULT_REPLAY_BUDGET,
    AuthorizationChecker,
    ReplayBudgetSpent,
    api_key_of,
)
from validating_proxy.checks import (
    RequestVerdict,
    check_body,
    check_head,
    check_response,
    duplicate_content_type,
)
from validating_proxy.contract import Contract, load_contract
from validating_proxy.forwarding import Upstream, UpstreamAnswer, UpstreamFailure
from validating_proxy.paths import PathRefused, normalised
from validating_proxy.report import UNKNOWN_OPERATION, Exchange, Report
from validating_proxy.violation import Violation

#: The proxy's own paths; never forwarded.
PROXY_PREFIX = "/_proxy/"
#: Twice the API's 1 MiB: a body the API refuses with 413 still reaches it.
DEFAULT_MAX_BODY_BYTES = 2 * crm_contract.max_request_body_bytes()
DEFAULT_TIMEOUT = 30.0


class UvicornOptions(TypedDict):
    server_header: bool
    date_header: bool
    http: type[asyncio.Protocol]


def uvicorn_options(app: Starlette) -> UvicornOptions:
    """The uvicorn options the proxy ``app`` must run with.

    The upstream's Server and Date headers go back unchanged, so uvicorn adds
    none of its own; the protocol bounds each request's head (shared with the
    mock) and reports each request it refuses there to the proxy's report.
    """
    state: ProxyState = app.state.proxy
    return {
        "server_header": False,
        "date_header": False,
        "http": reporting_refusals(state.edge_refusal),
    }


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
    #: Every exchange that reached the upstream, when ``--traffic`` is given.
    traffic: TrafficWriter | None = None

    def record_call(
        self,
        request: Request,
        exchange: Exchange,
        body: bytes,
        answer: UpstreamAnswer | None,
    ) -> None:
        """One line of the traffic file for an exchange that reached the upstream."""
        if self.traffic is None:
            return
        response_type = None
        if answer is not None:
            response_type = next(
                (v.decode("latin-1") for n, v in answer.headers if n.lower() == b"content-type"),
                None,
            )
        self.traffic.write(
            Call.from_bytes(
                source="proxy",
                operation=None if exchange.operation == UNKNOWN_OPERATION else exchange.operation,
                method=exchange.method,
                path=exchange.path,
                request=body,
                request_content_type=request.headers.get("content-type"),
                status=None if answer is None else answer.status,
                response=None if answer is None else answer.decoded,
                response_content_type=response_type,
                response_note="not decodable" if answer and answer.decoded is None else None,
                request_limit=self.max_body_bytes,
                response_limit=4 * self.max_body_bytes,
                key_id=api_key_of(request.headers.getlist("authorization")),
                time=isoformat_ms(datetime.now(UTC)),
            )
        )

    def edge_refusal(self, status: int, error_code: str, message: str) -> None:
        """Record a request the HTTP edge refused before the app saw it (431, 408, 400)."""
        exchange = Exchange(self.request_ids(), UNKNOWN_OPERATION, "", "")
        check = _EDGE_CHECKS.get(status, "proxy.refused")
        self.report.record(exchange, [Violation(check, None, "", str(status), message)], status)


#: The violation each refusal at the HTTP edge is reported as.
_EDGE_CHECKS = {400: "proxy.bad-request", 408: "proxy.head-timeout", 431: "proxy.head-too-large"}


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
    method = request.method
    raw_path: bytes = (request.scope.get("raw_path") or request.url.path.encode()).split(b"?", 1)[0]
    try:
        path = normalised(raw_path)
    except PathRefused as refused:
        exchange = _exchange(state, request, UNKNOWN_OPERATION, request.url.path)
        return _refuse(state, exchange, 400, "InvalidPath", str(refused), "proxy.path")
    operation = state.contract.find(method, path.text)
    exchange = _exchange(
        state, request, operation.operation_id if operation else UNKNOWN_OPERATION, path.text
    )
    request.state.exchange = exchange  # for the fault handler's report line
    if method == "CONNECT":
        message = "the proxy forwards to its upstream only: no CONNECT"
        return _refuse(state, exchange, 405, "MethodNotAllowed", message, "proxy.method")
    try:
        body = await read_body(request, state.max_body_bytes)
    except ApiError as error:
        if error.status == 413:
            message = f"the proxy forwards bodies of at most {state.max_body_bytes} bytes (--max-body-bytes)"
            return _refuse(state, exchange, 413, "PayloadTooLarge", message, "proxy.body-too-large")
        message = f"the request's body did not all arrive in time ({error.message})"
        return _refuse(
            state, exchange, error.status, error.error_code, message, "proxy.body-timeout"
        )
    try:
        head = check_head(
            state.contract,
            state.authorization,
            method=method,
            path=path.text,
            content_type=request.headers.get("content-type"),
            authorization_values=request.headers.getlist("authorization"),
        )
    except ReplayBudgetSpent as spent:
        message = (
            f"this API key has {state.authorization.replay_budget} signatures inside the "
            f"15-minute window, all the proxy keeps for one key; retry in {spent.retry_after} s"
        )
        return _refuse(
            state, exchange, 429, "TooManyRequests", message, "proxy.replay-budget",
            headers={"Retry-After": str(spent.retry_after)},
        )  # fmt: skip
    # The request goes out first and its body is checked while the upstream works on it
    # (the task writes the request in its first step): bench/README.md, "overlap".
    sending = asyncio.create_task(
        state.upstream.send(
            method, path.raw, request.scope.get("query_string", b""), request.headers.raw, body
        )
    )
    await asyncio.sleep(0)
    try:
        verdict = check_body(head, body)
    except BaseException:
        sending.cancel()
        raise
    problems = [*verdict.violations, *([_DOT_SEGMENTS] if path.had_dot_segments else [])]
    if verdict.operation is not None:
        content_types = len(request.headers.getlist("content-type"))
        problems += duplicate_content_type("request", content_types)
    try:
        answer = await sending
    except UpstreamFailure as failure:
        state.report.record(exchange, [*problems, failure.violation], None)
        state.record_call(request, exchange, body, None)
        return error_response(
            failure.status,
            failure.error_code,
            f"{failure.message} (proxy request {exchange.request_id})",
        )
    if state.fail_on_violation:
        found = _response_violations(state, verdict, answer)
        state.report.record(exchange, [*problems, *found], answer.status)
        state.record_call(request, exchange, body, answer)
        if found:
            checks = ", ".join(f"{v.check} at {v.pointer}" if v.pointer else v.check for v in found)
            return error_response(
                502,
                "ContractViolation",
                f"the upstream's {answer.status} response breaks openapi.yaml: {checks} "
                f"(proxy request {exchange.request_id}; details in the proxy's report)",
            )
        background = None
    else:
        # Nothing hangs on the verdict: the answer goes back first, then it is checked.
        background = BackgroundTask(
            _check_and_record, state, request, exchange, verdict, problems, body, answer
        )
    response = Response(answer.raw, status_code=answer.status, background=background)
    response.raw_headers = _response_headers(method, answer)
    return response


def _response_violations(
    state: ProxyState, verdict: RequestVerdict, answer: UpstreamAnswer
) -> list[Violation]:
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
    if verdict.operation is not None:
        count = sum(1 for name, _ in answer.headers if name.lower() == b"content-type")
        found += duplicate_content_type("response", count)
    undecodable = answer.decoding_refused
    if undecodable is not None and verdict.operation is not None:
        found.append(
            Violation(undecodable.check, None, undecodable.expected, "", undecodable.message)
        )
    return found


async def _check_and_record(
    state: ProxyState,
    request: Request,
    exchange: Exchange,
    verdict: RequestVerdict,
    problems: list[Violation],
    body: bytes,
    answer: UpstreamAnswer,
) -> None:
    """Check an answer already forwarded, and record the exchange; a fault here is reported
    (the client has its answer: nothing can be sent any more)."""
    # First let the answer's bytes go (http_edge holds a write until the loop's next turn).
    await asyncio.sleep(0)
    try:
        found = _response_violations(state, verdict, answer)
    except Exception as fault:
        message = f"the proxy failed checking this answer ({type(fault).__name__})"
        found = [Violation("proxy.fault", None, "", "", message)]
    state.report.record(exchange, [*problems, *found], answer.status)
    state.record_call(request, exchange, body, answer)


_DOT_SEGMENTS = Violation(
    "request.path.dot-segments",
    None,
    "a path without '.' or '..' segments",
    "dot segments",
    "the path has dot segments: checked and forwarded as resolved",
)


def _exchange(state: ProxyState, request: Request, operation: str, path: str) -> Exchange:
    return Exchange(
        state.request_ids(), operation, request.method, path, request.headers.get("x-request-id")
    )


def _refuse(
    state: ProxyState,
    exchange: Exchange,
    status: int,
    error_code: str,
    message: str,
    check: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """The proxy's own refusal: in the error shape, and a violation in the report (it counts
    under ``--fail-on-violation``)."""
    state.report.record(exchange, [Violation(check, None, "", str(status), message)], status)
    text = f"{message} (proxy request {exchange.request_id})"
    return error_response(status, error_code, text, headers)


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
    """A fault of the proxy's own: a 500 in the error shape, and a line in the report."""
    state: ProxyState = request.app.state.proxy
    exchange = getattr(request.state, "exchange", None) or _exchange(
        state, request, UNKNOWN_OPERATION, request.url.path
    )
    message = f"the proxy failed on this request ({type(exc).__name__})"
    return _refuse(state, exchange, 500, "ProxyError", message, "proxy.fault")


def create_proxy_app(
    *,
    upstream: str,
    report_path: Path | None = None,
    secrets: Mapping[str, str] | None = None,
    fail_on_violation: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    clock: Callable[[], datetime] = utc_now,
    replay_budget: int = DEFAULT_REPLAY_BUDGET,
    traffic_path: Path | None = None,
    hash_key_ids: bool = False,
    forwarder: Upstream | None = None,
) -> Starlette:
    """The validating proxy in front of ``upstream``, as an ASGI app.

    ``secrets`` (API key -> secret) lets it check those keys' signatures
    and spot their replays (``replay_budget`` live signatures per key);
    ``report_path`` receives one JSON line per violation, ``traffic_path``
    one per exchange (:mod:`traffic`; key ids hashed with ``hash_key_ids``); ``clock`` judges
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
        authorization=AuthorizationChecker(secrets, clock=clock, replay_budget=replay_budget),
        report=Report(report_path, secrets=(secrets or {}).values()),
        fail_on_violation=fail_on_violation,
        max_body_bytes=max_body_bytes,
        request_ids=_request_ids(),
        traffic=None
        if traffic_path is None
        else TrafficWriter(
            traffic_path, redactor=Redactor((secrets or {}).values()), hash_key_ids=hash_key_ids
        ),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.upstream.aclose()
        if state.traffic is not None:
            state.traffic.close()

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
