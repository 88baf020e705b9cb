"""Every benchmark, one after the other, in one run: ``python benchmarks/run_all.py``.

Each script runs in its own process (so one's imports and caches do not flatter
another), and its figures are printed as they come. ``--quick`` passes on to every
script: a smoke run whose figures mean little. A script that fails is reported and
the others still run; the exit status says whether all of them worked.
"""

from __future__ import annotations

import subprocess
import sys
import time

import _common as common

SCRIPTS = (
    "bench_load",
    "bench_scale",
    "bench_diagram",
    "bench_update",
    "bench_memory",
    "bench_growth",
    "bench_report",
    "bench_browser",
    "bench_marimo",
)


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    print(f"Machine: {common.machine()}", flush=True)
    failed = []
    for name in SCRIPTS:
        start = time.monotonic()
        command = [sys.executable, str(common.BENCHMARKS / f"{name}.py")]
        done = subprocess.run(command + (["--quick"] if args.quick else []), check=False)
        print(f"  ({name} took {time.monotonic() - start:.0f} s)", flush=True)
        if done.returncode:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
