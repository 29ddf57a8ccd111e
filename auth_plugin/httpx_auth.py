"""``HmacAuth``: sign every httpx request afresh, sync or async."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator

import httpx

from auth_plugin.credentials import Credentials
from auth_plugin.signing import RequestSigner

_SIGNED_BY_AUTH_FLOW = "crm_core_hmac_signed_request"


class HmacAuth(httpx.Auth):
    """An :class:`httpx.Auth` that signs each request with a fresh date and salt.

    httpx runs the auth flow for every request a client sends, and the client
    factory re-sends retries through it, so no signature is sent twice (the
    API refuses a re-used one as ``DuplicatedSignature``). httpx follows
    redirects *inside* one auth flow, copying the header; a client that
    follows redirects re-signs each hop when also given
    ``event_hooks=auth.event_hooks()`` (or ``auth.async_event_hooks()``).
    :func:`auth_plugin.client.create_client` follows none (the API sends
    none). One instance serves both ``httpx.Client`` and ``httpx.AsyncClient``.

    >>> auth = HmacAuth("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
    >>> auth
    HmacAuth(api_key='NCSXXXXXXXXXXXXX', api_secret=<hidden>)
    >>> client = httpx.Client(base_url="https://api.solapi.com", auth=auth)
    """

    def __init__(self, api_key: str, api_secret: str) -> None:
        credentials = Credentials(api_key, api_secret)  # refuses empty values
        self._signer = RequestSigner(credentials.api_key, credentials.api_secret)

    @classmethod
    def from_env(cls) -> HmacAuth:
        """Build from ``SOLAPI_API_KEY`` and ``SOLAPI_API_SECRET``."""
        credentials = Credentials.from_env()
        return cls(credentials.api_key, credentials.api_secret)

    @property
    def api_key(self) -> str:
        return self._signer.api_key

    def __repr__(self) -> str:
        # Never raises, even on a half-built object (repr runs in tracebacks).
        signer = getattr(self, "_signer", None)
        key = repr(signer.api_key) if signer is not None else "<unset>"
        return f"HmacAuth(api_key={key}, api_secret=<hidden>)"

    def authorization_header(self) -> str:
        """A freshly signed header value."""
        return self._signer.header()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization_header()
        # Redirect hops are new Request objects that share these extensions:
        # the hop hook re-signs those, and leaves this freshly signed one alone.
        request.extensions[_SIGNED_BY_AUTH_FLOW] = request
        yield request

    def event_hooks(self) -> dict[str, list[Callable[[httpx.Request], None]]]:
        """Request hooks for ``httpx.Client`` that re-sign every redirect hop."""
        return {"request": [self._resign_redirect_hop]}

    def async_event_hooks(self) -> dict[str, list[Callable[[httpx.Request], Awaitable[None]]]]:
        """Request hooks for ``httpx.AsyncClient`` that re-sign every redirect hop."""

        async def resign_redirect_hop(request: httpx.Request) -> None:
            self._resign_redirect_hop(request)

        return {"request": [resign_redirect_hop]}

    def resign(self, request: httpx.Request) -> None:
        """Replace the signature of a request about to be sent again (redirect or retry).

        httpx drops the header on a cross-origin redirect: it is never added back there.
        """
        if "Authorization" in request.headers:
            request.headers["Authorization"] = self.authorization_header()

    def _resign_redirect_hop(self, request: httpx.Request) -> None:
        if request.extensions.get(_SIGNED_BY_AUTH_FLOW) is not request:
            self.resign(request)
