"""What the validating proxy adds, against Stoplight Prism's own proxy in the same run.

Run: ``nox -s bench -- proxy``. Three mock processes with the same bench
fixtures: one reached directly ('mock'), one through ``python -m
validating_proxy`` ('proxy', no secrets given: the partner's usual set-up,
every check on), one through ``prism proxy`` ('prism', npm
``@stoplight/prism-cli`` 5.14.2, which validates requests and responses the
same way and logs what it finds). The autocannon loads of ``bench -- mock``
(every request signed afresh), in rounds taking turns; reported: throughput,
p50/p99, the latency each proxy adds, and our proxy's CPU per request.

Goals (issue 28): through our proxy at least 0.5x the mock's direct
throughput at 1 and 8 connections, at most 1 ms added p50 at 1 connection,
and more than Prism's proxy carries. Nothing is asserted: on this 2-core
machine the load generator, the proxy and the mock share the cores, so the
through-proxy throughput includes the proxy's CPU taken from the mock.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

from bench.bench_mock import (
    LOADS,
    LoadResult,
    alternate_rounds,
    load_generator,
    mock_process,
    prism,
)
from crm_contract import spec_path
from http_edge.serving import free_port, serve_process

PRISM = "@stoplight/prism-cli@5.14.2"
THROUGHPUT_GOAL = 0.5
ADDED_P50_GOAL_MS = 1.0


@contextmanager
def proxy_process(upstream: str) -> Iterator[tuple[str, int]]:
    """``python -m validating_proxy`` in front of ``upstream``; yields its URL and pid."""
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with serve_process(
            [sys.executable, "-m", "validating_proxy", "--upstream", upstream,
             "--port", str(port), "--quiet", "--report", str(Path(scratch) / "violations.jsonl")],
            f"{url}/_proxy/summary",
        ) as process:  # fmt: skip
            yield url, process.pid


def prism_proxy(upstream: str) -> AbstractContextManager[str | None]:
    """``prism proxy`` of the spec in front of ``upstream``; None (said why) if it cannot run."""
    return prism(str(spec_path()), package=PRISM, mode="proxy", upstream=upstream, seconds=180)


def verdict(mock: LoadResult, ours: LoadResult, prism: LoadResult | None, sequential: bool) -> str:
    ratio = ours.throughput / mock.throughput
    added = ours.percentile(0.5) - mock.percentile(0.5)
    misses = []
    if ratio < THROUGHPUT_GOAL:
        misses.append(f"proxy/mock {ratio:.2f}x < {THROUGHPUT_GOAL}x")
    if sequential and added > ADDED_P50_GOAL_MS:
        misses.append(f"added p50 {added:.2f} ms > {ADDED_P50_GOAL_MS} ms")
    if prism is not None and ours.throughput <= prism.throughput:
        misses.append("not faster than Prism's proxy")
    return "goals met" if not misses else "MISSED: " + "; ".join(misses)


def main() -> None:
    generator = load_generator()
    if generator is None:
        return
    with (
        mock_process(10) as (alone, _),
        mock_process(10) as (behind, _),
        mock_process(10) as (behind_prism, _),
        proxy_process(behind) as (proxy, proxy_pid),
        prism_proxy(behind_prism) as prism,
    ):
        servers = {"mock": alone, "proxy": proxy} | ({} if prism is None else {"prism": prism})
        print(
            "the mock alone ('mock'), our proxy in front of a twin mock ('proxy') and Prism's\n"
            "proxy in front of a third ('prism'), rounds taking turns; server CPU is our proxy's"
        )
        for label, operation, clients, amount in LOADS:
            results = alternate_rounds(
                generator, servers, operation, clients, amount, pids={"proxy": proxy_pid}
            )
            for name in servers:
                print(results[name].line(f"{label} {name}"))
            mock, through = results["mock"], results["proxy"]
            for name in servers.keys() - {"mock"}:
                result = results[name]
                added = [result.percentile(q) - mock.percentile(q) for q in (0.5, 0.99)]
                print(
                    f"{'':44} {name}/mock throughput {result.throughput / mock.throughput:.2f}x;"
                    f" added latency p50 {added[0]:+.2f} ms, p99 {added[1]:+.2f} ms"
                )
            if "prism" in results:
                print(
                    f"{'':44} proxy/prism throughput {through.throughput / results['prism'].throughput:.2f}x"
                )
            print(f"{'':44} {verdict(mock, through, results.get('prism'), clients == 1)}")
        summary = httpx.get(f"{proxy}/_proxy/summary", timeout=10).json()
        print(
            f"proxy summary after the loads: {summary['requests']} requests, {summary['violations']} violations"
        )


if __name__ == "__main__":
    main()
