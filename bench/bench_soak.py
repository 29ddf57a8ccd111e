"""Soak: signed load at the mock's full speed from 8 clients for 10 minutes (issue 13, item 1).

Run: ``nox -s bench -- soak`` (``SOAK_SECONDS`` shortens it). The mock runs
as a user runs it (its own process, in-memory state, default budget of
signatures per key); autocannon sends bulk deletes of an unknown id (the same
work every time), each signed afresh, over 8 connections with one API key.

Reports throughput, every status (any 429 here is unexpected: the load stays
below the key's default budget of 6,000,000 signatures per 15 minutes), and the
mock's resident memory before, during (every 30 s) and after the load: its
growth is the replay cache holding every signature of the window.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from bench.bench_mock import load_generator, mock_process

CLIENTS = 8
DEFAULT_SECONDS = 600


def resident_mib(pid: int) -> float:
    """The process's resident set size (Linux ``/proc``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", DEFAULT_SECONDS))
    generator = load_generator()
    if generator is None:
        sys.exit("soak: autocannon is needed (nox -s bench installs node)")
    with mock_process(records=100) as (url, pid):
        generator.run(url, "bulkDelete", CLIENTS, 2_000)  # warm-up
        samples = [(0.0, resident_mib(pid))]
        started = time.monotonic()
        done = threading.Event()

        def sample_memory() -> None:
            while not done.wait(30):
                samples.append((time.monotonic() - started, resident_mib(pid)))

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        result = generator.run(url, "bulkDelete", CLIENTS, None, seconds=seconds)
        done.set()
        sampler.join()
        samples.append((time.monotonic() - started, resident_mib(pid)))

    requests = len(result.latencies_ms)
    unexpected = {status: n for status, n in result.statuses.items() if status != "200"}
    print(f"soak: {seconds:.0f} s, {CLIENTS} clients, one API key, bulk delete of an unknown id")
    print(result.line("signed load"))
    print(f"requests: {requests:,}; not 200: {unexpected or 'none'}; 429: "
          f"{result.statuses.get('429', 0)}")  # fmt: skip
    print("mock RSS (MiB) at s: " + ", ".join(f"{t:.0f}: {mib:.1f}" for t, mib in samples))
    growth = samples[-1][1] - samples[0][1]
    print(
        f"RSS growth {growth:.1f} MiB for {requests:,} live signatures "
        f"({growth * 2**20 / max(requests, 1):.1f} B per signature, whole process)"
    )


if __name__ == "__main__":
    main()
