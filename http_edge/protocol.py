"""uvicorn's httptools protocol with limits on the request head, and one write per response.

Limits: uvicorn's httptools protocol buffers a request's header lines
without a bound and waits for them without a deadline: one 64 MiB header,
or a request that never finishes its head, costs memory and a connection
for as long as the client likes. This protocol refuses a head (request line
and headers) over ``MAX_HEAD_BYTES`` with 431 and closes a connection whose
head is not complete within ``HEAD_TIMEOUT`` seconds with 408 (counted from
the connection, or from the read that left a head incomplete), both in the
API's error shape; so is its refusal of a request its parser cannot read
(uvicorn answers those in plain text).

One write: uvicorn writes a response's head and its body with a call each,
and uvloop sends each at once, so every answer costs two system calls and
two TCP segments. The transport this protocol hands to uvicorn sends a
write together with the next one (``_PairedWrites``; what it saves is in
bench/README.md). Everything else is uvicorn's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from http_edge.responses import error_body

#: The most bytes a request line plus its headers may take (documented in the README).
MAX_HEAD_BYTES = 64 * 1024
#: Seconds a client has to send a request's whole head (documented in the README).
HEAD_TIMEOUT = 10.0
_END_OF_HEAD = b"\r\n\r\n"
_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` that bounds each request head's size and read time,
    refuses what its parser cannot read in the API's error shape, and writes each response once."""

    max_head_bytes = MAX_HEAD_BYTES
    head_timeout = HEAD_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bytes read since the current head began: exact while the head is
        # incomplete, an upper bound (body bytes too) in the read that ends it.
        self._head_bytes = 0
        self._in_head = True
        self._tail = b""  # the end of the last read, while a head is incomplete
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_PairedWrites(transport, self.loop))  # type: ignore[arg-type]
        self._start_head_timer()  # a client that connects and sends nothing is let go

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
            # Nearly every head arrives whole and small: one comparison decides.
            if self._head_bytes > self.max_head_bytes and self._head_too_large(data):
                self._refuse(
                    431,
                    "RequestHeaderFieldsTooLarge",
                    f"요청 줄과 헤더는 {self.max_head_bytes}바이트를 넘을 수 없습니다.",
                )
                return
        super().data_received(data)
        if self._in_head and self._head_bytes:
            # This read left a head incomplete: it gets its deadline now.
            self._tail = (self._tail + data)[-(len(_END_OF_HEAD) - 1) :]
            if self._head_timer is None:
                self._start_head_timer()

    def _head_too_large(self, data: bytes) -> bool:
        """Whether the head, up to its end if ``data`` has it, passes the limit."""
        before = self._head_bytes - len(data)  # earlier reads: all head
        seen = self._tail + data  # the end of the head may straddle two reads
        end = seen.find(_END_OF_HEAD)
        in_data = len(data) if end < 0 else end + len(_END_OF_HEAD) - len(self._tail)
        return before + in_data > self.max_head_bytes

    def on_header(self, name: bytes, value: bytes) -> None:
        # A chunked body's trailer fields come through here too, after the head: they are
        # never headers of the request (whether one counted would depend on how TCP split
        # the stream, and an Authorization trailer could stand in for the real header).
        if self._in_head:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._tail = b""
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # What arrives next is the head of the next request on this connection
        # (idle keep-alive connections are closed by uvicorn's own timeout).
        self._head_bytes, self._in_head = 0, True

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        if self._in_head and self._head_bytes == 0:
            self.transport.close()  # an idle connection: nothing was asked, nothing to answer
            return
        if self._in_head:
            message = f"요청 헤더가 {self.head_timeout:g}초 안에 도착하지 않았습니다."
            self._refuse(408, "RequestTimeout", message)

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to what its parser refuses (a garbage request line,
        # an unknown method, NUL or CR in a header, CL with TE, two or a
        # negative Content-Length) is plain text; the mock's is the error shape.
        self._refuse(400, "BadRequest", "요청이 올바른 HTTP 요청이 아닙니다.")

    def _refuse(self, status: int, error_code: str, message: str) -> None:
        self._stop_head_timer()
        body = error_body(error_code, message)
        reason = _REASONS[status]
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, reason, len(body), body)
        )
        self.transport.close()


#: Told of each refusal made at the edge: status, errorCode, message.
RefusalListener = Callable[[int, str, str], None]


def reporting_refusals(listener: RefusalListener) -> type[BoundedHttpToolsProtocol]:
    """:class:`BoundedHttpToolsProtocol` that also tells ``listener`` of each request it refuses
    (431, 408, 400): the validating proxy counts them as violations.

    >>> seen = []
    >>> protocol = reporting_refusals(lambda *refusal: seen.append(refusal))
    >>> issubclass(protocol, BoundedHttpToolsProtocol)
    True
    """

    class ReportingRefusals(BoundedHttpToolsProtocol):
        def _refuse(self, status: int, error_code: str, message: str) -> None:
            listener(status, error_code, message)
            super()._refuse(status, error_code, message)

    return ReportingRefusals


class _PairedWrites:
    """A connection's transport that sends each write together with the next one.

    A write is held until the next write, which sends both in one system
    call, or until the end of the event loop's current turn, whichever comes
    first: a response's head goes out with its body, and nothing waits for
    a later turn. Closing sends what is held first. Everything but writing
    is the wrapped transport's.
    """

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._held is None:
            self._held = data
            self._loop.call_soon(self._release)
        else:
            held, self._held = self._held, None
            self._transport.writelines((held, data))

    def _release(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def writelines(self, lines: Iterable[bytes]) -> None:
        self.write(b"".join(lines))

    def write_eof(self) -> None:
        self._release()
        self._transport.write_eof()

    def close(self) -> None:
        self._release()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
