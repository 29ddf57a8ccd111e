"""One recorded call, and its JSON line (``crm-core-traffic``, version 1).

A line is a JSON object::

    {"format": "crm-core-traffic", "version": 1, "contract": "2.1.0",
     "time": "2026-12-06T10:00:00.000Z", "source": "proxy",
     "operation": "createProperty", "method": "POST", "path": "/crm-core/v1/properties",
     "keyId": "NCSXXXXXXXXXXXXX", "keyRole": null,
     "request": {"contentType": "application/json", "body": {...}},
     "response": {"status": 201, "contentType": "application/json", "body": {...}}}

``operation`` is null for a call that matched no operation of the spec;
``response`` is null when no answer came from the server. A body is the
parsed JSON, or null when it was not JSON (``bodyNote`` says why: not JSON,
too large, ...). ``keyId`` may be ``sha256:<hex>`` when the writer hashes
key ids; ``keyRole`` is known only where the writer knows the key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import crm_contract

#: What the ``format`` field of every line says, and the version this code reads and writes.
FORMAT = "crm-core-traffic"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Call:
    """One exchange as recorded.

    >>> Call(source="proxy", operation=None, method="GET", path="/x").to_json()["response"] is None
    True
    """

    source: str
    operation: str | None
    method: str
    path: str
    status: int | None = None
    request_body: Any = None
    request_content_type: str | None = None
    request_note: str | None = None
    response_body: Any = None
    response_content_type: str | None = None
    response_note: str | None = None
    key_id: str | None = None
    key_role: str | None = None
    time: str | None = None
    contract: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The call as its line's object."""
        request: dict[str, Any] = {
            "contentType": self.request_content_type,
            "body": self.request_body,
        }
        if self.request_note:
            request["bodyNote"] = self.request_note
        response: dict[str, Any] | None = None
        if self.status is not None:
            response = {
                "status": self.status,
                "contentType": self.response_content_type,
                "body": self.response_body,
            }
            if self.response_note:
                response["bodyNote"] = self.response_note
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "contract": self.contract,
            "time": self.time,
            "source": self.source,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "keyId": self.key_id,
            "keyRole": self.key_role,
            "request": request,
            "response": response,
        }

    def to_line(self) -> str:
        """The call as one line of JSON (no newline)."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_bytes(
        cls,
        *,
        source: str,
        operation: str | None,
        method: str,
        path: str,
        request: bytes,
        request_content_type: str | None,
        status: int | None = None,
        response: bytes | None = None,
        response_content_type: str | None = None,
        response_note: str | None = None,
        request_limit: int | None = None,
        response_limit: int | None = None,
        key_id: str | None = None,
        key_role: str | None = None,
        time: str | None = None,
    ) -> Call:
        """A call from the bytes that travelled: each body parsed (:func:`body_from_bytes`)
        within its limit (default: the API's request limit, four times that for answers).
        ``response_note`` says why there is no ``response`` body to parse.

        >>> Call.from_bytes(source="proxy", operation=None, method="POST", path="/x",
        ...                 request=b'{"a": 1}', request_content_type="application/json",
        ...                 status=500, response=b"<html>").response_note
        'not JSON'
        """
        limit = crm_contract.max_request_body_bytes()
        request_body, request_note = body_from_bytes(request, request_limit or limit)
        response_body = None
        if response is not None:
            response_body, response_note = body_from_bytes(response, response_limit or 4 * limit)
        return cls(
            source=source,
            operation=operation,
            method=method,
            path=path,
            status=status,
            request_body=request_body,
            request_content_type=request_content_type,
            request_note=request_note,
            response_body=response_body,
            response_content_type=response_content_type,
            response_note=response_note,
            key_id=key_id,
            key_role=key_role,
            time=time,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        """The call a line's object describes (checked by :mod:`traffic.reader` first)."""
        request = data.get("request") or {}
        response = data.get("response")
        return cls(
            source=data["source"],
            operation=data.get("operation"),
            method=data["method"],
            path=data["path"],
            status=None if response is None else response["status"],
            request_body=request.get("body"),
            request_content_type=request.get("contentType"),
            request_note=request.get("bodyNote"),
            response_body=None if response is None else response.get("body"),
            response_content_type=None if response is None else response.get("contentType"),
            response_note=None if response is None else response.get("bodyNote"),
            key_id=data.get("keyId"),
            key_role=data.get("keyRole"),
            time=data.get("time"),
            contract=data.get("contract"),
        )


#: What some readers take for a line break, and what UTF-8 cannot encode.
_UNSAFE_CHARACTERS = re.compile("[\\u0085\\u2028\\u2029\\ud800-\\udfff]")


def json_line(value: Any) -> str:
    """``value`` as JSON on one line of valid UTF-8, whatever its strings hold.

    U+2028, U+2029, U+0085 (line breaks to ``str.splitlines``) and lone
    surrogates (no UTF-8 form) are written as ``\\u`` escapes.

    >>> json_line({"a": "x\\u2028y"})
    '{"a": "x\\\\u2028y"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return _UNSAFE_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


#: The deepest body a record keeps parsed (the spec's bodies are 3 levels deep).
MAX_BODY_DEPTH = 64


def body_from_bytes(raw: bytes, limit: int) -> tuple[Any, str | None]:
    """A body as recorded: its JSON value, or None and a note saying why not.

    >>> body_from_bytes(b'{"a": 1}', 100)
    ({'a': 1}, None)
    >>> body_from_bytes(b"<html>", 100)
    (None, 'not JSON')
    >>> body_from_bytes(b"[1]" * 100, 100)
    (None, 'larger than 100 bytes')
    """
    if not raw:
        return None, "empty"
    if len(raw) > limit:
        return None, f"larger than {limit} bytes"
    if raw.count(b"[") + raw.count(b"{") > MAX_BODY_DEPTH and nesting_depth(raw) > MAX_BODY_DEPTH:
        return None, f"nested deeper than {MAX_BODY_DEPTH} levels"
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "not JSON"


#: A JSON string, escapes included: its brackets are not nesting.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(body: bytes) -> int:
    """How deeply ``body``'s arrays and objects nest (brackets in strings do not count).

    At C speed but for one step per bracket: strings are cut out by a regular
    expression and every other byte but the brackets dropped before counting.

    >>> nesting_depth(b'{"a": [1, {"b": "[[[["}]}')
    3
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)
