"""What the validating proxy adds: the mock alone against the proxy in front of a twin mock.

Run: ``nox -s bench -- proxy``. Two mock processes with the same bench
fixtures; one is reached directly, the other through ``python -m
validating_proxy`` (its own process, no secrets given: the partner's usual
set-up). The autocannon loads of ``bench -- mock`` (every request signed
afresh), in rounds taking turns; reported: throughput, p50/p99 and the
latency the proxy adds at each. Nothing is asserted. On this 2-core machine
the load generator, the proxy and the mock share the cores, so the
through-proxy throughput includes the proxy's CPU taken from the mock.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.bench_mock import LOADS, alternate_rounds, load_generator, mock_process
from http_edge.serving import free_port, serve_process


@contextmanager
def proxy_process(upstream: str) -> Iterator[str]:
    """``python -m validating_proxy`` in front of ``upstream``; yields its URL."""
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with serve_process(
            [sys.executable, "-m", "validating_proxy", "--upstream", upstream,
             "--port", str(port), "--quiet", "--report", str(Path(scratch) / "violations.jsonl")],
            f"{url}/_proxy/summary",
        ):  # fmt: skip
            yield url


def main() -> None:
    generator = load_generator()
    if generator is None:
        return
    with (
        mock_process(10) as (alone, _),
        mock_process(10) as (behind, _),
        proxy_process(behind) as proxy,
    ):
        print(
            "the mock alone ('mock') against the proxy in front of a twin mock ('proxy'), rounds taking turns"
        )
        for label, operation, clients, amount in LOADS:
            results = alternate_rounds(
                generator, {"mock": alone, "proxy": proxy}, operation, clients, amount
            )
            for name in ("mock", "proxy"):
                print(results[name].line(f"{label} {name}"))
            mock, through = results["mock"], results["proxy"]
            added = [through.percentile(q) - mock.percentile(q) for q in (0.5, 0.99)]
            print(
                f"{'':44} proxy/mock throughput {through.throughput / mock.throughput:.2f}x;"
                f" added latency p50 {added[0]:+.2f} ms, p99 {added[1]:+.2f} ms"
            )
        summary = httpx.get(f"{proxy}/_proxy/summary", timeout=10).json()
        print(
            f"proxy summary after the loads: {summary['requests']} requests, {summary['violations']} violations"
        )


if __name__ == "__main__":
    main()
