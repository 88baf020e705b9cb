"""What every benchmark script shares: arguments, statistics, the machine, a kernel.

Benchmarks print figures; they never assert a time. Each script runs on its own
(``python benchmarks/bench_update.py``) or from ``run_all.py``; ``--quick`` runs a
handful of repetitions so the test suite can check that a script still works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent


def parse_args(description: str) -> argparse.Namespace:
    """``--quick``: a smoke run with few repetitions, whose figures mean little."""
    return _parser(description).parse_args()


def parse_count(description: str, flag: str, what: str, full: int, quick: int) -> tuple[int, bool]:
    """``--quick`` and ``flag N`` (``what`` to repeat); returns (N, quick).

    N defaults to ``full``, or to ``quick`` in a smoke run.
    """
    parser = _parser(description)
    parser.add_argument(flag, type=int, dest="count", metavar="N", help=f"{what} (default {full})")
    args = parser.parse_args()
    return args.count or (quick if args.quick else full), args.quick


def _parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few repetitions only: checks the script works; the figures mean little",
    )
    return parser


def median_ms(seconds: Sequence[float]) -> float:
    return statistics.median(seconds) * 1000


def quartiles_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """First and third quartile, to show how noisy a median is."""
    if len(seconds) < 2:
        return (seconds[0] * 1000,) * 2
    q1, _, q3 = statistics.quantiles(seconds, n=4)
    return q1 * 1000, q3 * 1000


def describe_ms(seconds: Sequence[float]) -> str:
    """``median 4.2 ms (IQR 3.9–4.8, n=100)``."""
    q1, q3 = quartiles_ms(seconds)
    return f"median {median_ms(seconds):7.2f} ms  (IQR {q1:.2f}–{q3:.2f}, n={len(seconds)})"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def heading(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}", flush=True)


def machine() -> str:
    """``2 CPUs (Intel Xeon ...), Python 3.11.7, Linux``: where the figures came from."""
    model = "unknown CPU"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}{load}"
    )


def rss_mb() -> float:
    """This process's resident set size now (Linux); elsewhere its peak, an upper bound."""
    import resource  # Unix only, like this measurement

    statm = Path("/proc/self/statm")
    if statm.exists():
        pages = int(statm.read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


# --------------------------------------------------------------------- a real kernel


@contextmanager
def kernel() -> Iterator[Callable[[str], str]]:
    """A fresh IPython kernel; yields ``run(code) -> stdout`` and always shuts it down.

    Widgets in a kernel serialise every state change into a comm message, as they do
    for a user, so "in-kernel" figures are measured there rather than in a bare
    interpreter. The kernel's ``sys.path`` gets this directory, so scripts can import
    their own measuring functions into it.
    """
    from jupyter_client.manager import start_new_kernel

    # The kernel's own stderr carries only start-up warnings; errors come back as messages.
    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(REPO), stderr=subprocess.DEVNULL
    )
    try:

        def run(code: str) -> str:
            output: list[str] = []
            errors: list[str] = []

            def hook(message: dict[str, Any]) -> None:
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    output.append(content["text"])
                elif kind == "error":
                    errors.append("\n".join(content["traceback"]))

            reply = client.execute_interactive(code, output_hook=hook, timeout=3600)
            if reply["content"]["status"] != "ok" or errors:
                raise RuntimeError("the kernel failed:\n" + "\n".join(errors))
            return "".join(output)

        run(f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r})")
        yield run
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run_in_kernel(run: Callable[[str], str], call: str) -> Any:
    """Evaluate ``call`` (an expression returning JSON-able data) in the kernel."""
    marker = "@@RESULT@@"
    out = run(f"import json as _json\nprint({marker!r} + _json.dumps({call}))")
    for row in out.splitlines():
        if row.startswith(marker):
            return json.loads(row[len(marker) :])
    raise RuntimeError(f"no result from the kernel; it printed:\n{out}")
