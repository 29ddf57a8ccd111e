"""The request path, normalised once: what is checked is what is forwarded.

A path with dot segments (``/crm-core/v1/x/../properties``) names another
path than it spells. Servers resolve them (RFC 3986, section 5.2.4) before
routing, so the proxy must too, or it checks one operation while the
upstream runs another. The raw, percent-encoded path is normalised here;
the checks read its decoded form, and the upstream gets the normalised raw
bytes. Two paths are refused instead: one that climbs above the root (it
would reach above the upstream's base path), and one whose dot segments only
appear once ``%2F`` is decoded (servers disagree on whether that is a slash).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

_DOTS = {b".": b".", b"%2e": b".", b"..": b"..", b".%2e": b"..", b"%2e.": b"..", b"%2e%2e": b".."}


class PathRefused(ValueError):
    """A path the proxy will not forward; the message says why, without the path."""


@dataclass(frozen=True)
class RequestPath:
    """A request's path: ``raw`` as forwarded (percent-encoded), ``text`` as checked and reported."""

    raw: bytes
    text: str
    #: Whether the client's path had dot segments (a violation: the spec's paths have none).
    had_dot_segments: bool


def normalised(raw_path: bytes) -> RequestPath:
    """``raw_path`` with its dot segments resolved.

    >>> normalised(b"/crm-core/v1/records/%2E%2E/properties")
    RequestPath(raw=b'/crm-core/v1/properties', text='/crm-core/v1/properties', had_dot_segments=True)
    >>> normalised(b"/a/%EA%B3%A0").text
    '/a/고'
    >>> normalised(b"/../etc")
    Traceback (most recent call last):
    ...
    validating_proxy.paths.PathRefused: the path climbs above the root with '..'
    """
    if not raw_path.startswith(b"/"):
        raise PathRefused("the path must start with '/'")
    segments = raw_path.split(b"/")[1:]
    kept: list[bytes] = []
    dotted = False
    for position, segment in enumerate(segments):
        dots = _DOTS.get(segment.lower())
        if dots is None:
            kept.append(segment)
            continue
        dotted = True
        if dots == b"..":
            if not kept:
                raise PathRefused("the path climbs above the root with '..'")
            kept.pop()
        if position == len(segments) - 1:
            kept.append(b"")  # "/a/b/.." is "/a/": the trailing slash stays
    raw = b"/" + b"/".join(kept)
    decoded = unquote_to_bytes(raw)
    if any(part in (b".", b"..") for part in decoded.split(b"/")):
        raise PathRefused("a dot segment appears once '%2F' is decoded")
    return RequestPath(raw, decoded.decode("utf-8", "replace"), dotted)
