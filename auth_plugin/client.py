"""Build the generated ``crm_core_client.Client`` ready to use: auth, timeout, retries, errors.

>>> from auth_plugin.client import create_client, expect_success
>>> from crm_core_client.api.records import bulk_delete_records
>>> from crm_core_client.models import BulkDeleteRecordsRequest
>>> client = create_client("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
>>> # result = expect_success(bulk_delete_records.sync(client=client,
>>> #     body=BulkDeleteRecordsRequest(record_ids=["CRMRC1260423081530123REC11122233"])))
>>> # result.deleted_count, result.failed
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from crm_core_client import Client
from crm_core_client.models import ErrorBody

from auth_plugin.credentials import Credentials
from auth_plugin.errors import AuthPluginError, ErrorCode
from auth_plugin.httpx_auth import HmacAuth

DEFAULT_BASE_URL = "https://api.solapi.com"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
#: The errorCodes of a failed authentication: the API answers them with 400,
#: 401 or 403 depending on the source, so they are recognised by code.
AUTH_ERROR_CODES = frozenset(
    code.value for code in ErrorCode if code is not ErrorCode.TOO_MANY_REQUESTS
)
#: A create's 409 that, after an attempt whose outcome was unknown, means
#: that attempt most probably created the property.
ALREADY_CREATED_CODES = frozenset({"DuplicatedName", "DuplicatedKey"})
#: Set on a response when an earlier attempt of the same request may have
#: been applied (timeout or dropped connection after sending, 502/503/504).
EARLIER_ATTEMPT_UNKNOWN = "crm_core.earlier_attempt_unknown"


class CrmCoreError(AuthPluginError):
    """An error response of the CRM Core API.

    :meth:`from_response` returns the most specific subclass: an
    authentication failure is :class:`CrmCoreAuthError` whatever its status.

    >>> error = CrmCoreError(403, "Forbidden", "OWNER 권한이 필요합니다.")
    >>> error.status_code, error.error_code
    (403, 'Forbidden')
    """

    def __init__(self, status_code: int, error_code: str, error_message: str) -> None:
        super().__init__(f"{status_code} {error_code}: {error_message}")
        self.status_code = status_code
        self.error_code = error_code
        self.error_message = error_message

    @classmethod
    def from_response(cls, response: httpx.Response) -> CrmCoreError:
        try:
            body = response.json()
            code, message = str(body["errorCode"]), str(body["errorMessage"])
        except (ValueError, KeyError, TypeError):
            text = response.text[:200] or response.reason_phrase
            return CrmCoreError(response.status_code, "UnexpectedResponse", text)
        if code in AUTH_ERROR_CODES:
            return CrmCoreAuthError(response.status_code, code, message)
        if code in ALREADY_CREATED_CODES and response.extensions.get(EARLIER_ATTEMPT_UNKNOWN):
            return PropertyProbablyCreated(response.status_code, code, message)
        return CrmCoreError(response.status_code, code, message)


class CrmCoreAuthError(CrmCoreError):
    """Authentication failed (bad key, signature, date or replay), whatever the status.

    >>> isinstance(CrmCoreError.from_response(httpx.Response(
    ...     400, json={"errorCode": "InvalidAPIKey", "errorMessage": "..."})), CrmCoreAuthError)
    True
    """


class PropertyProbablyCreated(CrmCoreError):
    """A create was re-sent after an attempt with unknown outcome, and the name or key exists.

    The earlier attempt most probably created the property (the spec's
    advice): look it up by name or key instead of reporting a failure.
    """


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending a request again.

    Any request is re-sent after a 429 (refused before being applied) and
    after a failure to connect (never sent). When an attempt's outcome is
    unknown — 502, 503, 504, a timeout or a dropped connection after sending —
    it is re-sent too, as openapi.yaml advises for both operations (a bulk
    delete reports each id's outcome; a create cannot make a second property
    with one name). Never after a 500 or another 4xx. ``sleep`` and
    ``async_sleep`` are injectable for tests.
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 20.0
    resend_on_unknown_outcome: bool = True
    refused_statuses: frozenset[int] = frozenset({429})
    unknown_outcome_statuses: frozenset[int] = frozenset({502, 503, 504})
    sleep_jitter: Callable[[], float] = field(default=random.random, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds before attempt ``attempt + 1``; ``Retry-After`` wins when given."""
        if response is not None:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                return min(retry_after, self.max_backoff)
        exponential = self.backoff * (2**attempt)
        jitter = 0.5 + float(self.sleep_jitter()) / 2
        return float(min(exponential * jitter, self.max_backoff))


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


@dataclass
class _Attempts:
    """The retry decision for one request, shared by the sync and async loops."""

    policy: RetryPolicy
    made: int = 0
    outcome_unknown: bool = False

    def after_error(self, error: httpx.TransportError) -> float | None:
        """Seconds to wait before re-sending, or None to raise ``error``."""
        never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        if not never_sent and not self.policy.resend_on_unknown_outcome:
            return None
        return self._next(None, unknown=not never_sent)

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before re-sending, or None to return ``response``."""
        status = response.status_code
        if status in self.policy.refused_statuses:
            return self._next(response, unknown=False)
        if status in self.policy.unknown_outcome_statuses and self.policy.resend_on_unknown_outcome:
            return self._next(response, unknown=True)
        return None

    def _next(self, response: httpx.Response | None, *, unknown: bool) -> float | None:
        if self.made >= self.policy.max_retries:
            return None
        delay = self.policy.delay(self.made, response)
        self.made += 1
        self.outcome_unknown = self.outcome_unknown or unknown
        return delay

    def final(self, response: httpx.Response) -> httpx.Response:
        """``response``, marked when an earlier attempt may have been applied."""
        if self.outcome_unknown:
            response.extensions = {**response.extensions, EARLIER_ATTEMPT_UNKNOWN: True}
        return response


class RetryingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a transport; re-sends per :class:`RetryPolicy`, signing each attempt afresh."""

    def __init__(
        self,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
        auth: HmacAuth,
        policy: RetryPolicy,
    ) -> None:
        self._inner = inner
        self._auth = auth
        self._policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(self._inner, httpx.BaseTransport)
        attempts = _Attempts(self._policy)
        while True:
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as error:
                delay = attempts.after_error(error)
                if delay is None:
                    raise
            else:
                delay = attempts.after_response(response)
                if delay is None:
                    return attempts.final(response)
                response.read()
                response.close()
            self._policy.sleep(delay)
            self._auth.resign(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(self._inner, httpx.AsyncBaseTransport)
        attempts = _Attempts(self._policy)
        while True:
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as error:
                delay = attempts.after_error(error)
                if delay is None:
                    raise
            else:
                delay = attempts.after_response(response)
                if delay is None:
                    return attempts.final(response)
                await response.aread()
                await response.aclose()
            await self._policy.async_sleep(delay)
            self._auth.resign(request)

    def close(self) -> None:
        if isinstance(self._inner, httpx.BaseTransport):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            await self._inner.aclose()


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code >= 400:
        response.read()
        raise CrmCoreError.from_response(response)


async def _araise_for_error(response: httpx.Response) -> None:
    if response.status_code >= 400:
        await response.aread()
        raise CrmCoreError.from_response(response)


ModelT = TypeVar("ModelT")


def expect_success(result: ModelT | ErrorBody | None) -> ModelT:
    """Narrow what a generated ``sync`` / ``asyncio`` call returns to its success model.

    The generated functions are typed ``Model | ErrorBody | None`` because the spec
    documents error responses. A client from :func:`create_client` raises
    :class:`CrmCoreError` for those before the call returns, so only the model
    reaches this; anything else means the client was built another way.

    >>> from crm_core_client.models import DeletedRecord
    >>> expect_success(DeletedRecord(record_id="R", entity_id="E")).record_id
    'R'
    >>> expect_success(None)
    Traceback (most recent call last):
    ...
    TypeError: expected the operation's success model, got None: build the client with create_client(), which raises CrmCoreError for error responses
    """
    if result is None or isinstance(result, ErrorBody):
        got = "None" if result is None else f"ErrorBody({result.error_code})"
        raise TypeError(
            f"expected the operation's success model, got {got}: build the client with "
            "create_client(), which raises CrmCoreError for error responses"
        )
    return result


def create_client(
    api_key: str | None = None,
    api_secret: str | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
    async_transport: httpx.AsyncBaseTransport | None = None,
) -> Client:
    """The generated ``Client``, signed with HMAC, retrying safely, raising :class:`CrmCoreError`.

    Key and secret default to ``SOLAPI_API_KEY`` / ``SOLAPI_API_SECRET``. The
    same client serves the generated ``sync`` and ``asyncio`` functions.
    Every error response (4xx, 5xx) raises :class:`CrmCoreError` from a
    response hook, before the generated code sees it; the generated
    ``raise_on_unexpected_status`` is left for what the hook lets through, an
    undocumented success status (``crm_core_client.errors.UnexpectedStatus``).
    The client does not follow redirects (the API sends none), so no
    redirect hop needs re-signing.
    """
    if api_key is None or api_secret is None:
        credentials = Credentials.from_env(api_key=api_key)
        api_key, api_secret = credentials.api_key, credentials.api_secret
    auth = HmacAuth(api_key, api_secret)
    policy = retry or RetryPolicy()
    timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    return Client(
        base_url=base_url,
        timeout=timeout,
        raise_on_unexpected_status=True,
        httpx_args={
            "auth": auth,
            "transport": RetryingTransport(transport or httpx.HTTPTransport(), auth, policy),
            "event_hooks": {"response": [_raise_for_error]},
        },
    ).set_async_httpx_client(
        httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            auth=auth,
            transport=RetryingTransport(
                async_transport or httpx.AsyncHTTPTransport(), auth, policy
            ),
            event_hooks={"response": [_araise_for_error]},
        )
    )
