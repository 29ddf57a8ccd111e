"""Undoing a response's ``Content-Encoding`` for the checks, streamed and bounded.

The bytes forwarded are always the upstream's own; only the checks read the
decoded body. A small compressed body can inflate without limit (a 1 MB gzip
of zeros is 1 GB), so the decoder inflates chunk by chunk as the body
arrives and stops at two limits: the inflated size, and (past the first MiB)
the ratio of inflated to compressed bytes. A body it cannot or will not
decode is not checked; the reason becomes a violation instead.
"""

from __future__ import annotations

import zlib

#: Past this many inflated bytes the ratio limit applies too (small bodies
#: may compress very well: a padded ``{}`` is fine).
RATIO_FLOOR_BYTES = 1024 * 1024
#: The largest inflated/compressed ratio of a body larger than the floor.
#: JSON of this API compresses 5-30x; 100x is a bomb.
MAX_RATIO = 100


class DecodingRefused(Exception):
    """The body cannot be decoded for the checks; ``check`` names the violation."""

    def __init__(self, check: str, expected: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.expected = expected
        self.message = message


def _decompressor(encoding: str) -> zlib._Decompress | None:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":  # RFC 9110: the zlib format (some servers send raw deflate)
        return zlib.decompressobj(zlib.MAX_WBITS)
    return None


class BodyDecoder:
    """Feeds a body's chunks through its ``Content-Encoding``, at most ``max_bytes`` inflated.

    >>> import gzip
    >>> decoder = BodyDecoder("gzip", max_bytes=1000)
    >>> decoder.feed(gzip.compress(b'{"a": 1}'))
    >>> decoder.finish()
    b'{"a": 1}'
    >>> bomb = BodyDecoder("gzip", max_bytes=1000)
    >>> bomb.feed(gzip.compress(b"0" * 10_000))
    Traceback (most recent call last):
    ...
    validating_proxy.decoding.DecodingRefused: the gzip body inflates past 1000 bytes
    """

    def __init__(self, content_encoding: str | None, *, max_bytes: int) -> None:
        self.encoding = (content_encoding or "identity").strip().lower()
        self.max_bytes = max_bytes
        self._chunks: list[bytes] = []
        self._inflated = 0
        self._compressed = 0
        self._decompressor = None
        if self.encoding not in ("", "identity"):
            self._decompressor = _decompressor(self.encoding)
            if self._decompressor is None:
                raise DecodingRefused(
                    "response.content-encoding",
                    "identity, gzip or deflate",
                    f"the proxy cannot decode Content-Encoding {self.encoding[:40]!r} "
                    "to check the body",
                )

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk as received; raise :class:`DecodingRefused` past a limit."""
        self._compressed += len(chunk)
        if self._decompressor is None:
            self._chunks.append(chunk)
            return
        decompressor = self._decompressor
        data = chunk
        while data:
            if decompressor.eof:
                raise self._bad("data after the end of the compressed stream")
            try:
                # At most one byte past the limit per call: never more in memory.
                out = decompressor.decompress(data, self.max_bytes - self._inflated + 1)
            except zlib.error:
                if self.encoding == "deflate" and self._compressed == len(chunk):
                    # The first chunk is not zlib: raw deflate, as some servers send it.
                    self._compressed = 0
                    self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                    self.encoding = "deflate (raw)"
                    self.feed(chunk)
                    return
                raise self._bad("not a valid compressed stream") from None
            self._inflated += len(out)
            if self._inflated > self.max_bytes:
                raise DecodingRefused(
                    "response.body.inflated-too-large",
                    f"at most {self.max_bytes} bytes once decoded",
                    f"the {self.encoding} body inflates past {self.max_bytes} bytes",
                )
            if self._inflated > RATIO_FLOOR_BYTES and self._inflated > MAX_RATIO * self._compressed:
                raise DecodingRefused(
                    "response.body.inflated-too-large",
                    f"a compression ratio of at most {MAX_RATIO}:1",
                    f"the {self.encoding} body inflates more than {MAX_RATIO} times",
                )
            self._chunks.append(out)
            data = decompressor.unconsumed_tail

    def finish(self) -> bytes:
        """The whole decoded body; raise :class:`DecodingRefused` if the stream is cut short."""
        if self._decompressor is not None:
            if not self._decompressor.eof:
                raise self._bad("the compressed stream ends early")
            if self._decompressor.unused_data:
                raise self._bad("data after the end of the compressed stream")
        return b"".join(self._chunks)

    def _bad(self, why: str) -> DecodingRefused:
        return DecodingRefused(
            "response.body.encoding",
            f"a body in its Content-Encoding ({self.encoding})",
            f"the body is labelled {self.encoding} but is not: {why}",
        )
