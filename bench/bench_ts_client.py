"""The TypeScript client's per-call overhead, against a bare fetch with a precomputed header.

Run: ``nox -s bench -- ts_client``. Both call the same canned local server
(``bench.bench_client.canned_server``, in its own process, pinned apart where
there are two CPUs); the calls are interleaved in rounds and the medians
compared. Reported, not asserted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.bench_client import canned_server, pinned_apart
from generators.build_ts_package import stage

SCRIPT = Path(__file__).with_name("ts_client_overhead.mjs")


def main() -> None:
    if shutil.which("node") is None:
        print("ts_client: node not installed (nox -s bench installs it); skipped")
        return
    with tempfile.TemporaryDirectory() as scratch, pinned_apart() as server_cpu:
        staged = stage(Path(scratch))
        with canned_server(server_cpu) as url:
            finished = subprocess.run(
                ["node", str(SCRIPT), str(staged), url],
                capture_output=True, text=True, check=True, timeout=600,
            )  # fmt: skip
    figures = json.loads(finished.stdout)
    bare, typed = figures["bare_us"], figures["typed_us"]
    print(f"bare fetch, precomputed header:      {bare:7.1f} us per call")
    print(f"createCrmCoreClient (signed afresh): {typed:7.1f} us per call  "
          f"ratio {typed / bare:.2f}x, overhead {typed - bare:+.1f} us")  # fmt: skip


if __name__ == "__main__":
    main()
