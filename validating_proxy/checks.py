"""The checks of one exchange: the request as the client sent it, the response as the server gave it.

Pure: bytes and header values in, :class:`Violation`\\ s out. The rules come
from :class:`~validating_proxy.contract.Contract` (that is, from
openapi.yaml); JSON schemas are checked by openapi-schema-validator, the
header by :class:`~validating_proxy.authorization.AuthorizationChecker`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaError

from traffic.record import nesting_depth
from validating_proxy.authorization import AuthorizationChecker
from validating_proxy.contract import Contract, OperationContract, ResponseContract
from validating_proxy.schemas import BodyValidator
from validating_proxy.violation import MAX_HELD_CHARS, Violation, json_pointer, shown

#: Violations of a request that the contract says the server must refuse.
#: Skew and replay are not among them: they depend on the server's clock and
#: memory, which the proxy cannot see.
_MUST_BE_REFUSED = (
    "request.content-type",
    "request.body.",
    "request.authorization.missing",
    "request.authorization.multiple",
    "request.authorization.header",
    "request.authorization.salt",
    "request.authorization.date",
    "request.authorization.signature",
)
_LENGTH_RULES = frozenset({"maxItems", "minItems", "maxLength", "minLength"})
#: The deepest nesting of a body the proxy parses: Python's parser and the schema
#: checks recurse, and the spec's bodies are 3 levels deep.
MAX_DEPTH = 64
#: A \u escape of a high surrogate not followed by a low one, or a low one alone.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


@dataclass(frozen=True)
class RequestVerdict:
    """What the checks found in a request, and which operation it was for."""

    operation: OperationContract | None
    violations: tuple[Violation, ...]

    @property
    def must_be_refused(self) -> bool:
        """Whether the contract says the server must refuse this request."""
        return any(v.check.startswith(_MUST_BE_REFUSED) for v in self.violations)


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower-cased, without parameters.

    >>> media_type("Application/JSON; charset=utf-8")
    'application/json'
    """
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_request(
    contract: Contract,
    authorization: AuthorizationChecker,
    *,
    method: str,
    path: str,
    content_type: str | None,
    authorization_values: Sequence[str],
    body: bytes,
) -> RequestVerdict:
    """Check one request against the operation the spec serves at ``method path``:
    :func:`check_head`, then :func:`check_body`."""
    head = check_head(
        contract,
        authorization,
        method=method,
        path=path,
        content_type=content_type,
        authorization_values=authorization_values,
    )
    return check_body(head, body)


def check_head(
    contract: Contract,
    authorization: AuthorizationChecker,
    *,
    method: str,
    path: str,
    content_type: str | None,
    authorization_values: Sequence[str],
) -> RequestVerdict:
    """What a request's head breaks: its operation, its ``Authorization``, its media type.

    Raises :class:`~validating_proxy.authorization.ReplayBudgetSpent` for a key
    that has spent its replay budget (the proxy refuses that request).
    """
    operation = contract.find(method, path)
    if operation is None:
        methods = contract.methods_at(path)
        if not methods:
            expected = "one of the spec's paths: " + ", ".join(contract.paths())
            actual = f"{method} {path}"
            message = "the spec has no such path"
        else:
            expected = "one of " + ", ".join(methods)
            actual = method
            message = f"the spec has no {method} operation at {path}"
        return RequestVerdict(
            None, (Violation("request.operation", None, expected, actual, message),)
        )
    violations = list(authorization.check(authorization_values))
    violations += _media_type_violations(
        "request.content-type", operation.request_media_types, content_type, "request body"
    )
    return RequestVerdict(operation, tuple(violations))


def check_body(head: RequestVerdict, body: bytes) -> RequestVerdict:
    """``head`` (from :func:`check_head`) with what the request's body breaks added."""
    if head.operation is None:
        return head
    found = _body_violations("request.body", head.operation.request_body, body)[1]
    return RequestVerdict(head.operation, (*head.violations, *found))


def check_response(
    verdict: RequestVerdict,
    *,
    contract: Contract,
    status: int,
    content_type: str | None,
    headers: Mapping[str, str],
    body: bytes | None,
) -> list[Violation]:
    """Check the response the server gave to a request with ``verdict``.

    ``headers`` maps lower-cased names to values; ``body`` is None when it
    could not be decoded (not checked: the reason is a violation of its own). A response to a request
    for no operation of the spec is not checked (the request was reported).
    """
    operation = verdict.operation
    if operation is None:
        return []
    documented = operation.responses.get(status)
    if documented is None:
        return [
            Violation(
                "response.status",
                None,
                "one of " + ", ".join(str(code) for code in sorted(operation.responses)),
                str(status),
                f"{operation.operation_id} does not document status {status}",
            )
        ]
    violations = _header_violations(documented, headers)
    if documented.body is not None:
        violations += _media_type_violations(
            "response.content-type", documented.media_types, content_type, "response"
        )
    if documented.body is not None and body is not None:
        data, body_violations = _body_violations("response.body", documented.body, body)
        violations += body_violations
        if not body_violations and status >= 400:
            violations += _error_code_violations(contract, documented, data)
    if 200 <= status < 300 and verdict.must_be_refused:
        checks = sorted(
            {v.check for v in verdict.violations if v.check.startswith(_MUST_BE_REFUSED)}
        )
        violations.append(
            Violation(
                "response.accepted-invalid-request",
                None,
                "a 4xx refusal",
                str(status),
                "the server accepted a request the contract says it refuses: " + ", ".join(checks),
            )
        )
    return violations


# --- bodies ---------------------------------------------------------------------------


def duplicate_content_type(side: str, count: int) -> list[Violation]:
    """A message with ``count`` Content-Type headers: more than one is a violation of ``side``
    (``request`` or ``response``), since parsers disagree on which one counts.

    >>> [v.check for v in duplicate_content_type("response", 2)]
    ['response.duplicate-content-type']
    """
    if count <= 1:
        return []
    return [
        Violation(
            f"{side}.duplicate-content-type",
            None,
            "one Content-Type header",
            f"{count} headers",
            "Content-Type is given more than once (parsers disagree on which one counts)",
        )
    ]


def _media_type_violations(
    check: str, documented: frozenset[str], content_type: str | None, what: str
) -> list[Violation]:
    if media_type(content_type) in documented:
        return []
    actual = shown(content_type) if content_type is not None else "no Content-Type"
    message = f"the {what}'s media type is not the one the spec documents"
    return [Violation(check, None, " or ".join(sorted(documented)), actual, message)]


def _duplicate_keys(pointers: list[str]) -> Any:
    """An ``object_pairs_hook`` that notes every key given twice in one object."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                pointers.append(key)
            result[key] = value
        return result

    return hook


def _body_violations(
    check: str, validator: BodyValidator, body: bytes
) -> tuple[Any, list[Violation]]:
    """The body parsed (None if it is not JSON, or not JSON the proxy will read), and what it breaks."""
    may_be_deep = body.count(b"[") + body.count(b"{") > MAX_DEPTH
    if may_be_deep and (depth := nesting_depth(body)) > MAX_DEPTH:
        expected = f"JSON nested at most {MAX_DEPTH} levels deep"
        message = f"nested {depth} levels deep (the spec's bodies need 3)"
        return None, [Violation(f"{check}.too-deep", "", expected, f"{depth} levels", message)]
    duplicates: list[str] = []
    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=_duplicate_keys(duplicates))
    except (UnicodeDecodeError, ValueError) as error:
        actual = "an empty body" if not body.strip() else f"{error}"
        return None, [Violation(f"{check}.json", "", "a JSON document (UTF-8)", actual, "not JSON")]
    violations = []
    if b"\\u" in body and _LONE_SURROGATE.search(body):
        violations.append(
            Violation(
                f"{check}.json",
                None,
                "Unicode text (UTF-8)",
                "a \\u escape of half a surrogate pair",
                "a lone surrogate escape: not a character, no UTF-8 form (parsers disagree on it)",
            )
        )
    violations += [
        Violation(
            f"{check}.duplicate-key",
            None,
            "each key once per object",
            shown(key),
            f"key {key!r} appears twice in one object (parsers disagree on which one counts)",
        )
        for key in duplicates
    ]
    return data, violations + schema_violations(f"{check}.schema", validator.iter_errors(data))


def schema_violations(check: str, errors: Iterable[SchemaError]) -> list[Violation]:
    """One :class:`Violation` per broken rule, each with a JSON pointer to where it is broken."""
    violations: dict[tuple[str, str], Violation] = {}
    for error in errors:
        for violation in _describe(check, error):
            violations.setdefault((violation.pointer or "", violation.expected), violation)
    return sorted(violations.values(), key=lambda v: (v.pointer or "", v.expected))


def _describe(check: str, error: SchemaError) -> list[Violation]:
    path = list(error.absolute_path)
    rule = str(error.validator)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if rule == "required" and isinstance(instance, dict):
        return [
            Violation(
                check,
                json_pointer([*path, name]),
                "a value (required)",
                "missing",
                f"{name} is required",
            )
            for name in list(error.validator_value)  # type: ignore[arg-type]
            if name not in instance
        ]
    if rule == "additionalProperties" and isinstance(instance, dict):
        known = set(schema.get("properties", {}))
        return [
            Violation(
                check,
                json_pointer([*path, name]),
                "no such field (additionalProperties: false)",
                shown(instance[name]),
                f"{name} is not a field of this schema",
            )
            for name in instance
            if name not in known
        ]
    actual = (
        str(len(instance))
        if rule in _LENGTH_RULES and hasattr(instance, "__len__")
        else shown(instance)
    )
    return [
        Violation(
            check,
            json_pointer(path),
            f"{rule}: {_rule_value(error.validator_value)}",
            actual,
            error.message[:MAX_HELD_CHARS],
        )
    ]


def _rule_value(value: Any) -> str:
    return value if isinstance(value, str) else shown(value)


# --- headers and errorCodes -------------------------------------------------------------


def _header_violations(documented: ResponseContract, headers: Mapping[str, str]) -> list[Violation]:
    violations = []
    for name, (schema, required) in documented.headers.items():
        value = headers.get(name)
        if value is None:
            if required:
                violations.append(
                    Violation(
                        "response.header",
                        None,
                        f"{name}: present (required)",
                        "missing",
                        f"{name} is required",
                    )
                )
            continue
        if not _header_matches(schema, value):
            violations.append(
                Violation(
                    "response.header",
                    None,
                    f"{name}: {shown(schema)}",
                    shown(value),
                    f"the {name} header does not match its schema",
                )
            )
    return violations


def _header_matches(schema: Mapping[str, Any], value: str) -> bool:
    if schema.get("type") != "integer":
        return True  # every documented header of this spec is an integer
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        return False
    number = int(text)
    low, high = schema.get("minimum", number), schema.get("maximum", number)
    return bool(low <= number <= high)


def _error_code_violations(
    contract: Contract, documented: ResponseContract, body: Any
) -> list[Violation]:
    code = body.get("errorCode") if isinstance(body, dict) else None
    if not isinstance(code, str):
        return []  # the schema check has reported it
    if code not in contract.error_codes:
        return [
            Violation(
                "response.error-code.unknown",
                "/errorCode",
                "one of the spec's errorCodes: " + ", ".join(sorted(contract.error_codes)),
                shown(code),
                f"errorCode {code!r} is documented nowhere in the spec",
            )
        ]
    if code not in documented.error_codes:
        return [
            Violation(
                "response.error-code.status",
                "/errorCode",
                f"under {documented.status}: " + ", ".join(sorted(documented.error_codes)),
                shown(code),
                f"errorCode {code!r} is not documented for status {documented.status}",
            )
        ]
    return []
