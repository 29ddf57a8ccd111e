"""The proxy's report: one JSON line per violation, and counts per operation and check.

A line holds the time, the proxy's id for the exchange, the operation, the
method and path, the response status the client got (when it got one from
the upstream), the check, the JSON pointer into the body, what the contract
expects and what was there. It never holds a header's value but the
client's own ``X-Request-Id`` (to find a test's lines): only the fields the
checks produced.

Bounds: each field is cut to its own length (:data:`FIELD_LIMITS`), and an
exchange writes at most :data:`MAX_LINES_PER_EXCHANGE` lines (then one
``report.truncated`` line with the count), so no line or run of lines grows
with the body. Secrets: every secret the operator gave the proxy is blanked
out of each field's whole value *before* it is cut, in each form it can take
there (as given, JSON-escaped, percent-encoded, base64): a cut never leaves a
prefix of one. Characters that split lines for some readers (U+2028, U+2029,
U+0085) and lone surrogates are written as ``\\u`` escapes: a line is
always one line of UTF-8.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from auth_plugin.signing import new_date as isoformat_ms
from traffic.record import json_line
from traffic.redaction import Redactor
from validating_proxy.violation import Violation

#: The operation name for a request that matched no operation of the spec.
UNKNOWN_OPERATION = "(no operation)"
#: The longest text each field of a line holds (the rest is cut, after redaction).
FIELD_LIMITS = {
    "clientRequestId": 100,
    "operation": 100,
    "method": 20,
    "path": 200,
    "check": 100,
    "pointer": 200,
    "expected": 200,
    "actual": 200,
    "message": 300,
}
#: Lines one exchange may write; its other violations are counted, not written.
MAX_LINES_PER_EXCHANGE = 50


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request through the proxy, as the report names it."""

    request_id: str
    operation: str
    method: str
    path: str
    #: The client's own ``X-Request-Id``, if it sent one: to find the line of a test's request.
    client_request_id: str | None = None


class Report:
    """Writes violations to ``path`` (JSON lines, appended) and counts them.

    >>> report = Report(None)
    >>> exchange = Exchange("1", "createProperty", "POST", "/crm-core/v1/properties")
    >>> report.record(exchange, [Violation("response.status", None, "201", "418", "?")], 418)
    >>> report.summary()["operations"]["createProperty"]["violations"]
    {'response.status': 1}
    """

    def __init__(self, path: Path | None, *, secrets: Iterable[str] = ()) -> None:
        self.path = path
        self._redactor = Redactor(secrets)
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)  # a line at a time
        self._requests: Counter[str] = Counter()
        self._violations: dict[str, Counter[str]] = {}
        self._upstream_failures = 0

    def __repr__(self) -> str:
        return f"Report(path={self.path!s}, violations={self.total_violations})"

    @property
    def total_violations(self) -> int:
        return sum(sum(counts.values()) for counts in self._violations.values())

    def record(
        self, exchange: Exchange, violations: Sequence[Violation], status: int | None
    ) -> None:
        """Count one exchange and write a line for each of its violations."""
        self._requests[exchange.operation] += 1
        if status is None:
            self._upstream_failures += 1
        counts = self._violations.setdefault(exchange.operation, Counter())
        if not violations:
            return
        for violation in violations:
            counts[violation.check] += 1
        if self._file is None:
            return
        now = isoformat_ms(datetime.now(UTC))
        written = violations[:MAX_LINES_PER_EXCHANGE]
        lines = [self._line(now, exchange, violation, status) for violation in written]
        if len(violations) > len(written):
            rest = len(violations) - len(written)
            cut = Violation(
                "report.truncated", None, f"at most {MAX_LINES_PER_EXCHANGE} lines per exchange",
                f"{rest} more", f"{rest} more violations of this exchange are counted, not written",
            )  # fmt: skip
            lines.append(self._line(now, exchange, cut, status))
        self._file.write("".join(json_line(line) + "\n" for line in lines))

    def summary(self) -> dict[str, Any]:
        """Counts per operation and check (``GET /_proxy/summary``, and printed on exit)."""
        return {
            "requests": sum(self._requests.values()),
            "violations": self.total_violations,
            "upstreamFailures": self._upstream_failures,
            "report": str(self.path) if self.path is not None else None,
            "operations": {
                operation: {
                    "requests": self._requests[operation],
                    "violations": dict(sorted(self._violations.get(operation, Counter()).items())),
                }
                for operation in sorted(self._requests)
            },
        }

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _line(
        self, now: str, exchange: Exchange, violation: Violation, status: int | None
    ) -> dict[str, Any]:
        fields = {
            "clientRequestId": exchange.client_request_id or None,
            "operation": exchange.operation,
            "method": exchange.method,
            "path": exchange.path,
            "check": violation.check,
            "pointer": violation.pointer,
            "expected": violation.expected,
            "actual": violation.actual,
            "message": violation.message,
        }
        line: dict[str, Any] = {"time": now, "requestId": exchange.request_id, "status": status}
        for name, value in fields.items():
            line[name] = (
                None if value is None else self._cut(self._redact(value), FIELD_LIMITS[name])
            )
        return {name: line[name] for name in _FIELD_ORDER}

    def _redact(self, value: str) -> str:
        return self._redactor.text(value)

    @staticmethod
    def _cut(value: str, limit: int) -> str:
        return value if len(value) <= limit else value[: limit - 3] + "..."


_FIELD_ORDER = (
    "time", "requestId", "clientRequestId", "operation", "method", "path", "status",
    "check", "pointer", "expected", "actual", "message",
)  # fmt: skip


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as the lines printed when the proxy stops.

    >>> print(format_summary({"requests": 2, "violations": 0, "upstreamFailures": 0,
    ...     "report": None, "operations": {"createProperty": {"requests": 2, "violations": {}}}}))
    contract proxy: 2 requests, 0 violations, 0 upstream failures
      createProperty: 2 requests, no violations
    """
    lines = [
        f"contract proxy: {summary['requests']} requests, {summary['violations']} violations, "
        f"{summary['upstreamFailures']} upstream failures"
    ]
    for operation, counts in summary["operations"].items():
        found = counts["violations"]
        detail = ", ".join(f"{check} x{n}" for check, n in found.items()) or "no violations"
        lines.append(f"  {operation}: {counts['requests']} requests, {detail}")
    if summary["report"] is not None and summary["violations"]:
        lines.append(f"  violations written to {summary['report']}")
    return "\n".join(lines)
