"""Forwarding to the one configured upstream over httpx, bounded in size and time.

A request goes out with the client's method, path, query, headers and body
as they came in; only what RFC 9110 says a proxy must not pass on is left
out (the hop-by-hop headers, and ``Host``, which names the upstream). The
answer comes back the same way: its status, headers and body bytes exactly
as the upstream sent them (compressed, if it compressed them), plus the body
decoded for the checks. Every request goes to the upstream's origin: the
client can never choose another host.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from validating_proxy.violation import Violation

#: Hop-by-hop headers (RFC 9110, section 7.6.1), never forwarded either way.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
#: Recomputed for the bytes actually sent (the same bytes, so the same value).
_RECOMPUTED = frozenset({b"host", b"content-length"})

#: Header lines as bytes, as they travel: no decoding, so any byte survives both ways.
Headers = Sequence[tuple[bytes, bytes]]


class UpstreamFailure(Exception):
    """The upstream gave no usable answer; the client gets ``status`` in the error shape."""

    def __init__(self, status: int, error_code: str, message: str, check: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.violation = Violation(check, None, "an answer from the upstream", message, message)


@dataclass(frozen=True)
class UpstreamAnswer:
    status: int
    #: The upstream's headers as sent, less the hop-by-hop ones.
    headers: list[tuple[bytes, bytes]]
    #: The body exactly as sent (still compressed if it was).
    raw: bytes
    #: The body with its Content-Encoding undone, for the checks.
    decoded: bytes


def forwarded_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """``headers`` less the hop-by-hop ones and those named by ``Connection``.

    >>> forwarded_headers([(b"Connection", b"x-a"), (b"X-A", b"1"), (b"Accept", b"*/*"), (b"TE", b"gzip")])
    [(b'Accept', b'*/*')]
    """
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    dropped = HOP_BY_HOP | named
    return [(name, value) for name, value in headers if name.lower() not in dropped]


def upstream_url(base_url: str) -> httpx.URL:
    """``base_url`` as the proxy's upstream; ``ValueError`` saying why it cannot be one.

    >>> upstream_url("ftp://example.com")
    Traceback (most recent call last):
    ...
    ValueError: upstream must be an http:// or https:// URL with a host, got 'ftp://example.com'
    """
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as error:
        raise ValueError(f"upstream {base_url!r} is not a URL: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            f"upstream must be an http:// or https:// URL with a host, got {base_url!r}"
        )
    if url.query or url.fragment:
        raise ValueError("upstream must not have a query or a fragment")
    return url


class Upstream:
    """The one server the proxy forwards to.

    ``timeout`` bounds a whole exchange (connect, send, wait, read);
    ``max_response_bytes`` the body the proxy will hold.

    >>> Upstream("http://127.0.0.1:8080/").base_url
    'http://127.0.0.1:8080'
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        max_response_bytes: int = 8 * 1024 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url = upstream_url(base_url)
        self._url = url
        self.base_url = str(url).rstrip("/")
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        # No default headers, no redirects, no cookies, no proxy from the environment:
        # what goes out is what came in.
        self._client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
        )

    def __repr__(self) -> str:
        return f"Upstream({self.base_url!r}, timeout={self.timeout})"

    def url_for(self, raw_path: bytes, query: bytes) -> httpx.URL:
        """The upstream URL of a request for ``raw_path`` (kept percent-encoded, as sent).

        >>> str(Upstream("https://staging.example/base").url_for(b"/a%2Fb", b"x=1"))
        'https://staging.example/base/a%2Fb?x=1'
        """
        prefix = self._url.raw_path.split(b"?", 1)[0].rstrip(b"/")
        target = prefix + raw_path + (b"?" + query if query else b"")
        return self._url.copy_with(raw_path=target)

    async def send(
        self, method: str, raw_path: bytes, query: bytes, headers: Headers, body: bytes
    ) -> UpstreamAnswer:
        """Forward one request; raise :class:`UpstreamFailure` when no usable answer comes."""
        outgoing = [(n, v) for n, v in forwarded_headers(headers) if n.lower() not in _RECOMPUTED]
        # Built directly, not with client.build_request: that would add the
        # client's default headers (User-Agent, Accept, Accept-Encoding).
        request = httpx.Request(
            method, self.url_for(raw_path, query), headers=outgoing, content=body
        )
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(request)
        except (TimeoutError, httpx.TimeoutException):
            raise UpstreamFailure(
                504,
                "GatewayTimeout",
                f"the upstream did not answer within {self.timeout:g} s",
                "upstream.timeout",
            ) from None
        except httpx.TransportError as error:
            raise UpstreamFailure(
                502,
                "BadGateway",
                f"the upstream could not be reached or broke the connection ({type(error).__name__})",
                "upstream.unreachable",
            ) from None

    async def _exchange(self, request: httpx.Request) -> UpstreamAnswer:
        response = await self._client.send(request, stream=True)
        try:
            chunks = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise UpstreamFailure(
                        502,
                        "BadGateway",
                        f"the upstream's response body is larger than {self.max_response_bytes} bytes",
                        "upstream.response-too-large",
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        raw = b"".join(chunks)
        headers = forwarded_headers(response.headers.raw)
        problem = unforwardable(response.status_code, headers)
        if problem is not None:
            raise UpstreamFailure(
                502, "BadGateway", f"the upstream's answer cannot be forwarded: {problem}",
                "upstream.unforwardable",
            )  # fmt: skip
        return UpstreamAnswer(response.status_code, headers, raw, _decoded(headers, raw))

    async def aclose(self) -> None:
        await self._client.aclose()


#: An HTTP field name (RFC 9110 token) and what a field value may not hold (controls but HTAB).
_FIELD_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_FIELD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def unforwardable(status: int, headers: Headers) -> str | None:
    """Why an answer cannot be sent on to the client (None: it can), named without any value.

    >>> unforwardable(999, [])
    'status 999 is not 100-599'
    >>> unforwardable(200, [(b"X-Note", b"a\x01b")])
    'a control character in the value of X-Note'
    >>> unforwardable(200, [(b"X-Note", b"ok")]) is None
    True
    """
    if not 100 <= status <= 599:
        return f"status {status} is not 100-599"
    for name, value in headers:
        shown = name.decode("latin-1")[:40]
        if _FIELD_NAME.fullmatch(name) is None:
            return f"a header name that is not a token ({shown!r})"
        if _BAD_FIELD_VALUE.search(value):
            return f"a control character in the value of {shown}"
    return None


def _decoded(headers: list[tuple[bytes, bytes]], raw: bytes) -> bytes:
    """``raw`` with its Content-Encoding undone by httpx's own decoders (raw if it cannot be)."""
    if not any(name.lower() == b"content-encoding" for name, _ in headers):
        return raw
    try:
        return httpx.Response(200, headers=headers, content=raw).read()
    except httpx.DecodingError:
        return raw
