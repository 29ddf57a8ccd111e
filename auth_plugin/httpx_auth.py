"""``HmacAuth``: sign every httpx request afresh, sync or async."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator

import httpx

from auth_plugin.credentials import Credentials
from auth_plugin.signing import new_date, new_salt, sign_request


class HmacAuth(httpx.Auth):
    """An :class:`httpx.Auth` that signs each request with a fresh date and salt.

    httpx runs the auth flow for every request a client sends, and the client
    factory re-sends retries through it, so no signature is sent twice (the
    API refuses a re-used one as ``DuplicatedSignature``). httpx follows
    redirects *inside* one auth flow, copying the header; to re-sign each
    redirect hop as well, also pass ``event_hooks=auth.event_hooks()`` (or
    ``auth.async_event_hooks()``), as :func:`auth_plugin.client.create_client`
    does. One instance serves both ``httpx.Client`` and ``httpx.AsyncClient``.

    >>> auth = HmacAuth("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
    >>> auth
    HmacAuth(api_key='NCSXXXXXXXXXXXXX', api_secret=<hidden>)
    >>> client = httpx.Client(base_url="https://api.solapi.com", auth=auth)
    """

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        date_factory: Callable[[], str] = new_date,
        salt_factory: Callable[[], str] = new_salt,
    ) -> None:
        self._credentials = Credentials(api_key, api_secret)
        self._date_factory = date_factory
        self._salt_factory = salt_factory

    @classmethod
    def from_env(cls) -> HmacAuth:
        """Build from ``SOLAPI_API_KEY`` and ``SOLAPI_API_SECRET``."""
        credentials = Credentials.from_env()
        return cls(credentials.api_key, credentials.api_secret)

    @property
    def api_key(self) -> str:
        return self._credentials.api_key

    def __repr__(self) -> str:
        return f"HmacAuth(api_key={self.api_key!r}, api_secret=<hidden>)"

    def authorization_header(self) -> str:
        """A freshly signed header value."""
        return sign_request(
            self._credentials.api_key,
            self._credentials.api_secret,
            date=self._date_factory(),
            salt=self._salt_factory(),
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization_header()
        yield request

    def event_hooks(self) -> dict[str, list[Callable[[httpx.Request], None]]]:
        """Request hooks for ``httpx.Client`` that re-sign every redirect hop."""
        return {"request": [self.resign]}

    def async_event_hooks(self) -> dict[str, list[Callable[[httpx.Request], Awaitable[None]]]]:
        """Request hooks for ``httpx.AsyncClient`` that re-sign every redirect hop."""

        async def resign(request: httpx.Request) -> None:
            self.resign(request)

        return {"request": [resign]}

    def resign(self, request: httpx.Request) -> None:
        """Replace the signature of a request about to be sent again (redirect or retry).

        httpx drops the header on a cross-origin redirect: it is never added back there.
        """
        if "Authorization" in request.headers:
            request.headers["Authorization"] = self.authorization_header()
