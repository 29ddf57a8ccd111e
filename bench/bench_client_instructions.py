"""Client-side instructions per call (callgrind): the same variants as bench_client.

Run: ``nox -s bench -- client_instructions`` (about three minutes on 2 cores; needs valgrind).
Wall-clock ratios on a shared VM drift with the host; instruction counts
barely do (two runs differ by under 0.5%: salts, the clock and the garbage
collector vary, the hash seed is fixed). Each variant
runs in its own process under callgrind, counting only inside the measured
calls: they are driven through ``itertools.starmap``, whose C function
``starmap_next`` toggles collection on and off, so start-up and warm-up are
not counted. The canned server runs outside valgrind.

What this does not show: between two network waits the CPU caches are cold,
and the same instructions take several times longer than in a hot loop; that
cost is what ``bench_client`` measures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.bench_client import ROOT, VARIANT_LABELS, canned_server, client_variants

VARIANTS = tuple(VARIANT_LABELS)
TOGGLE_FUNCTION = "starmap_next"


def run_calls(variant: str, calls: int, url: str) -> None:
    """Warm up, then make ``calls`` calls inside ``starmap_next`` (the counted part)."""
    call = client_variants(url)[variant]
    for _ in range(50):
        call()
    for _ in itertools.starmap(call, itertools.repeat((), calls)):
        pass


def count_instructions(variant: str, calls: int, url: str, scratch: Path) -> int:
    """Instructions per call of ``variant``, from callgrind's totals line."""
    out = scratch / f"callgrind.{variant}"
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--collect-atstart=no",
         f"--toggle-collect={TOGGLE_FUNCTION}", f"--callgrind-out-file={out}",
         sys.executable, "-m", "bench.bench_client_instructions",
         "--child", variant, str(calls), url],
        check=True, capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    for line in out.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1]) // calls
    raise RuntimeError(f"callgrind wrote no totals for {variant}")


def measure_instructions(calls: int = 200) -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: instruction counts skipped")
        return
    with (
        canned_server() as url,
        tempfile.TemporaryDirectory() as scratch,
        ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool,
    ):
        counted = pool.map(lambda v: count_instructions(v, calls, url, Path(scratch)), VARIANTS)
        counts = dict(zip(VARIANTS, counted, strict=True))
    if counts["bare"] == 0:
        print(f"callgrind counted nothing: this Python has no symbol {TOGGLE_FUNCTION}")
        return
    bare = counts["bare"]
    print(f"client-side instructions per call (callgrind, {calls} calls each, PYTHONHASHSEED=0)")
    for variant, label in VARIANT_LABELS.items():
        count = counts[variant]
        print(f"{label:45} {count:>10,d}  {count / bare:.3f}x  {count - bare:+,d}")
    print(f"auth + factory over the generated client alone: {counts['full'] - counts['plain']:+,d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "CALLS", "URL"))
    args = parser.parse_args()
    if args.child:
        variant, calls, url = args.child
        run_calls(variant, int(calls), url)
    else:
        measure_instructions()


if __name__ == "__main__":
    main()
