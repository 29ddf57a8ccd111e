"""The proxy's report: one JSON line per violation, and counts per operation and check.

A line holds the time, the proxy's id for the exchange, the operation, the
method and path, the response status (when there was one), the check, the
JSON pointer into the body, what the contract expects and what was there.
It never holds a header's value: only the fields the checks produced, and
any secret the operator gave the proxy is blanked out of every line before
it is written, wherever it turned up.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from auth_plugin.signing import new_date as isoformat_ms
from validating_proxy.violation import Violation

#: The operation name for a request that matched no operation of the spec.
UNKNOWN_OPERATION = "(no operation)"
_REDACTED = "[secret]"
_MAX_PATH_CHARS = 200
_MAX_CLIENT_ID_CHARS = 100


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
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
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
        now = isoformat_ms(datetime.now(UTC))
        for violation in violations:
            counts[violation.check] += 1
            if self._file is not None:
                self._file.write(
                    self._redact(
                        json.dumps(self._line(now, exchange, violation, status), ensure_ascii=False)
                    )
                    + "\n"
                )

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
        return {
            "time": now,
            "requestId": exchange.request_id,
            "clientRequestId": (exchange.client_request_id or "")[:_MAX_CLIENT_ID_CHARS] or None,
            "operation": exchange.operation,
            "method": exchange.method,
            "path": exchange.path[:_MAX_PATH_CHARS],
            "status": status,
            "check": violation.check,
            "pointer": violation.pointer,
            "expected": violation.expected,
            "actual": violation.actual,
            "message": violation.message,
        }

    def _redact(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, _REDACTED)
        return line


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
