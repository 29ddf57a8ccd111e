"""Forwarding to the one configured upstream: h11 framing on pooled asyncio connections.

A request goes out with the client's method, path, query, headers and body
as they came in; only what RFC 9110 says a proxy must not pass on is left
out (the hop-by-hop headers, and ``Host``, which names the upstream). The
answer comes back the same way: its status, headers and body bytes exactly
as the upstream sent them (compressed, if it compressed them), plus the body
decoded for the checks (:mod:`validating_proxy.decoding`, bounded). Every
request goes to the upstream's origin: the client can never choose another
host.

Why not httpx or aiohttp: the proxy forwards every request of a partner's
test run, and httpx's ``AsyncClient`` cost ~1.5-1.9 ms of CPU per request
(bench/README.md); aiohttp is fast, but hands a pooled connection's stray
bytes (sent after a complete answer) to the next request as its answer.
Here h11 does the framing and a connection is reused only after an exchange
that ended exactly at its last byte: anything the upstream sends beyond it,
or while the connection is idle, closes that connection.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import h11

from validating_proxy.decoding import BodyDecoder, DecodingRefused
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
#: The longest response head the proxy reads (the servers' own limit for requests).
MAX_HEAD_BYTES = 64 * 1024
#: Idle connections kept for reuse, and how long: below uvicorn's 5 s keep-alive,
#: so an idle connection is dropped here before the upstream closes it under a request.
MAX_IDLE_CONNECTIONS = 32
IDLE_SECONDS = 4.0
#: Methods whose request carries a body (a Content-Length, 0 for an empty one).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

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
    #: The body with its Content-Encoding undone, for the checks; None when it could not be.
    decoded: bytes | None
    #: Why the body could not be decoded (a violation of its own).
    decoding_refused: DecodingRefused | None = None


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


@dataclass(frozen=True)
class Origin:
    """Where the upstream is: scheme, host, port and the base path requests go under."""

    scheme: str
    host: str
    port: int
    base_path: bytes

    @property
    def host_header(self) -> bytes:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (host if self.port == default else f"{host}:{self.port}").encode("idna")

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_header.decode()}{self.base_path.decode()}"


def upstream_url(base_url: str) -> Origin:
    """``base_url`` as the proxy's upstream; ``ValueError`` saying why it cannot be one.

    >>> str(upstream_url("https://staging.example/base/"))
    'https://staging.example/base'
    >>> upstream_url("ftp://example.com")
    Traceback (most recent call last):
    ...
    ValueError: upstream must be an http:// or https:// URL with a host, got 'ftp://example.com'
    """
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError as error:
        raise ValueError(f"upstream {base_url!r} is not a URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"upstream must be an http:// or https:// URL with a host, got {base_url!r}"
        )
    if parts.query or parts.fragment or "?" in base_url or "#" in base_url:
        raise ValueError("upstream must not have a query or a fragment")
    if parts.username is not None or parts.password is not None:
        raise ValueError("upstream must not hold credentials (user:password@)")
    if not re.fullmatch(r"[\x21-\x7e]*", parts.path):
        raise ValueError("upstream's path must be printable ASCII (percent-encode the rest)")
    default = 443 if parts.scheme == "https" else 80
    return Origin(
        parts.scheme, parts.hostname, port or default, parts.path.rstrip("/").encode("ascii")
    )


class _Link(asyncio.Protocol):
    """One connection to the upstream, framed by h11; usable again only after a clean exchange."""

    def __init__(self) -> None:
        self.http = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.closed = False
        self.idle_since = 0.0
        self._wakeup: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if not self.busy:  # bytes while idle: the framing is lost, never reuse it
            self.close()
            return
        self.http.receive_data(data)
        self._wake()

    def eof_received(self) -> bool:
        if self.busy:
            self.http.receive_data(b"")
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def send(self, *events: h11.Event) -> None:
        assert self.transport is not None
        self.transport.write(b"".join(self.http.send(event) or b"" for event in events))

    async def next_event(self) -> h11.Event:
        while True:
            event = self.http.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:  # never, before start_next_cycle: h11 says the answer is over
                raise h11.RemoteProtocolError("no more events in this exchange")
            if self.closed:
                raise ConnectionResetError("the upstream closed the connection mid-answer")
            self._wakeup = asyncio.get_running_loop().create_future()
            await self._wakeup
            self._wakeup = None

    def reusable(self) -> bool:
        """Whether this exchange ended cleanly at the last byte, with nothing after it."""
        http = self.http
        if self.closed or http.our_state is not h11.DONE or http.their_state is not h11.DONE:
            return False
        return not http.trailing_data[0]


class Upstream:
    """The one server the proxy forwards to.

    ``timeout`` bounds a whole exchange (connect, send, wait, read);
    ``max_response_bytes`` the body the proxy will hold, compressed or decoded.

    >>> Upstream("http://127.0.0.1:8080/").base_url
    'http://127.0.0.1:8080'
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        max_response_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.origin = upstream_url(base_url)
        self.base_url = str(self.origin)
        self._host = self.origin.host_header  # built once, not per request (~1 us each)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._idle: list[_Link] = []
        self._ssl = ssl.create_default_context() if self.origin.scheme == "https" else None

    def __repr__(self) -> str:
        return f"Upstream({self.base_url!r}, timeout={self.timeout})"

    def target(self, raw_path: bytes, query: bytes) -> bytes:
        """The request target sent upstream for ``raw_path`` (kept percent-encoded, as sent).

        >>> Upstream("https://staging.example/base").target(b"/a%2Fb", b"x=1")
        b'/base/a%2Fb?x=1'
        """
        return self.origin.base_path + raw_path + (b"?" + query if query else b"")

    async def send(
        self, method: str, raw_path: bytes, query: bytes, headers: Headers, body: bytes
    ) -> UpstreamAnswer:
        """Forward one request; raise :class:`UpstreamFailure` when no usable answer comes."""
        outgoing = [(n, v) for n, v in forwarded_headers(headers) if n.lower() not in _RECOMPUTED]
        outgoing.insert(0, (b"Host", self._host))
        if body or method in _BODY_METHODS:
            outgoing.append((b"Content-Length", str(len(body)).encode()))
        request = h11.Request(method=method, target=self.target(raw_path, query), headers=outgoing)
        link: _Link | None = None
        try:
            async with asyncio.timeout(self.timeout):
                link = await self._link()
                answer = await self._exchange(link, request, body)
        except TimeoutError:
            raise UpstreamFailure(
                504,
                "GatewayTimeout",
                f"the upstream did not answer within {self.timeout:g} s",
                "upstream.timeout",
            ) from None
        except (OSError, h11.ProtocolError) as error:
            if isinstance(error, h11.RemoteProtocolError) and not (link and link.closed):
                # h11's own text may quote the upstream's bytes: not repeated here.
                raise UpstreamFailure(
                    502, "BadGateway", "the upstream's answer cannot be forwarded: not valid HTTP/1.1",
                    "upstream.unforwardable",
                ) from None  # fmt: skip
            raise UpstreamFailure(
                502,
                "BadGateway",
                f"the upstream could not be reached or broke the connection ({type(error).__name__})",
                "upstream.unreachable",
            ) from None
        finally:
            if link is not None:
                self._put_back(link)
        problem = unforwardable(answer.status, answer.headers)
        if problem is not None:
            raise UpstreamFailure(
                502, "BadGateway", f"the upstream's answer cannot be forwarded: {problem}",
                "upstream.unforwardable",
            )  # fmt: skip
        return answer

    async def _link(self) -> _Link:
        now = time.monotonic()
        while self._idle:
            link = self._idle.pop()
            if not link.closed and now - link.idle_since < IDLE_SECONDS:
                link.busy = True
                return link
            link.close()
        loop = asyncio.get_running_loop()
        _, link = await loop.create_connection(
            _Link,
            self.origin.host,
            self.origin.port,
            ssl=self._ssl,
            server_hostname=self.origin.host if self._ssl else None,
        )
        link.busy = True
        return link

    def _put_back(self, link: _Link) -> None:
        link.busy = False
        if link.reusable() and len(self._idle) < MAX_IDLE_CONNECTIONS:
            link.http.start_next_cycle()
            link.idle_since = time.monotonic()
            self._idle.append(link)
        else:
            link.close()

    async def _exchange(self, link: _Link, request: h11.Request, body: bytes) -> UpstreamAnswer:
        link.send(request, h11.Data(data=body), h11.EndOfMessage())
        while True:
            head = await link.next_event()
            if isinstance(head, h11.Response):
                break
            if not isinstance(head, h11.InformationalResponse):  # 1xx: wait for the answer
                raise h11.RemoteProtocolError(f"unexpected {type(head).__name__}")
        headers = forwarded_headers(head.headers.raw_items())
        encoding = next((v for n, v in headers if n.lower() == b"content-encoding"), None)
        refused: DecodingRefused | None = None
        decoder: BodyDecoder | None = None
        try:
            decoder = BodyDecoder(
                encoding.decode("latin-1") if encoding else None, max_bytes=self.max_response_bytes
            )
        except DecodingRefused as error:
            refused = error
        chunks: list[bytes] = []
        size = 0
        while not isinstance(event := await link.next_event(), h11.EndOfMessage):
            if not isinstance(event, h11.Data):
                raise h11.RemoteProtocolError(f"unexpected {type(event).__name__}")
            size += len(event.data)
            if size > self.max_response_bytes:
                link.close()
                raise UpstreamFailure(
                    502,
                    "BadGateway",
                    f"the upstream's response body is larger than {self.max_response_bytes} bytes",
                    "upstream.response-too-large",
                )
            chunks.append(event.data)
            if decoder is not None:
                try:
                    decoder.feed(event.data)
                except DecodingRefused as error:
                    refused, decoder = error, None
        decoded = None
        if decoder is not None:
            try:
                decoded = decoder.finish()
            except DecodingRefused as error:
                refused = error
        raw = b"".join(chunks)
        return UpstreamAnswer(head.status_code, headers, raw, decoded, refused)

    async def aclose(self) -> None:
        for link in self._idle:
            link.close()
        self._idle.clear()


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
