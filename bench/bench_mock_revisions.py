"""The mock at an earlier commit against the working tree, same load, rounds taking turns.

Run: ``BENCH_BASE=<git revision> nox -s bench -- mock_revisions`` (default base ``HEAD~1``).
The base is checked out with ``git worktree`` into a temporary folder and
served from there (``PYTHONPATH``); both mocks get the demo-sized bench
fixtures and the autocannon loads of ``bench -- mock``. Answers "is it
slower than before?" within one run, where the VM's drift hits both alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from bench.bench_mock import alternate_rounds, bench_fixture_document, load_generator
from mock_server.serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
LOADS = [
    ("bulkDeleteRecords sequential", "bulkDelete", 1, 5000),
    ("bulkDeleteRecords 8 clients", "bulkDelete", 8, 5000),
    ("createProperty sequential", "createProperty", 1, 5000),
    ("createProperty 8 clients", "createProperty", 8, 5000),
]


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


@contextmanager
def mock_from(source: Path, fixtures: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet", "--fixtures", str(fixtures)],
        cwd=source, env={**os.environ, "PYTHONPATH": str(source)}, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(url, 60):
            raise RuntimeError(f"the mock of {source} did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    base = os.environ.get("BENCH_BASE", "HEAD~1")
    generator = load_generator()
    if generator is None:
        return
    with tempfile.TemporaryDirectory() as scratch, worktree(base) as base_source:
        fixtures = Path(scratch) / "fixtures.yaml"
        fixtures.write_text(yaml.safe_dump(bench_fixture_document(10)), encoding="utf-8")
        with mock_from(base_source, fixtures) as before, mock_from(ROOT, fixtures) as after:
            print(f"mock at {base} ('base') against the working tree ('now'), rounds taking turns")
            for label, operation, clients, amount in LOADS:
                results = alternate_rounds(
                    generator, {"base": before, "now": after}, operation, clients, amount
                )
                for name in ("base", "now"):
                    print(results[name].line(f"{label} {name}"))
                ratio = results["now"].throughput / results["base"].throughput
                print(f"{'':44} now/base {ratio:.2f}x")


if __name__ == "__main__":
    main()
