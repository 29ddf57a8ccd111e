"""The mock at an earlier commit against the working tree, same load, rounds taking turns.

Run: ``BENCH_BASE=<git revision> nox -s bench -- mock_revisions`` (default base ``HEAD~1``).
The base is checked out with ``git worktree`` into a temporary folder and
served from there (``PYTHONPATH``); both mocks get the demo-sized bench
fixtures and the autocannon loads of ``bench -- mock``. Answers "is it
slower than before?" within one run, where the VM's drift hits both alike:
throughput, and each mock's CPU time per request (Linux), which leaves out
the load generator sharing the two cores.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.bench_mock import LOADS, alternate_rounds, load_generator, mock_process

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), revision],
                       cwd=ROOT, check=True)  # fmt: skip
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False
            )


def main() -> None:
    base = os.environ.get("BENCH_BASE", "HEAD~1")
    generator = load_generator()
    if generator is None:
        return
    with (
        worktree(base) as base_source,
        mock_process(10, base_source) as (before, before_pid),
        mock_process(10) as (after, after_pid),
    ):
        print(f"mock at {base} ('base') against the working tree ('now'), rounds taking turns")
        pids = {"base": before_pid, "now": after_pid}
        for label, operation, clients, amount in LOADS:
            results = alternate_rounds(
                generator, {"base": before, "now": after}, operation, clients, amount, pids=pids
            )
            for name in ("base", "now"):
                print(results[name].line(f"{label} {name}"))
            ratio = results["now"].throughput / results["base"].throughput
            line = f"{'':44} now/base: throughput {ratio:.2f}x"
            now_cpu = results["now"].server_cpu_per_request_us
            base_cpu = results["base"].server_cpu_per_request_us
            if now_cpu is not None and base_cpu is not None:
                line += f", server CPU per request {now_cpu / base_cpu:.2f}x"
            print(line)


if __name__ == "__main__":
    main()
