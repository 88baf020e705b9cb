"""Load cost: ``import lstm_widget`` and ``%load_ext lstm_widget`` in fresh interpreters.

Each repetition is a new ``python`` process that times one statement with
``time.perf_counter`` around it (interpreter start-up excluded, it is paid anyway) and
reports which heavy packages the statement pulled in. ``%load_ext`` runs in an
IPython shell created beforehand, as in a kernel. ``import matplotlib.pyplot`` is
timed the same way for comparison.

Installed packages carry byte-compiled files (pip writes them), so the probes run with
bytecode caching on, into a temporary ``PYTHONPYCACHEPREFIX`` (the source tree stays
clean even where ``PYTHONDONTWRITEBYTECODE`` is set), after one untimed run that
writes the caches.

Usage: ``python benchmarks/bench_load.py [--quick] [--repeat N]``
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

import _common as common

TARGET_MS = 30.0
HEAVY = ("matplotlib", "ipywidgets", "torch", "keras", "numpy")

#: (label, setup run untimed, statement timed)
CASES = {
    "import lstm_widget": ("", "import lstm_widget"),
    "%load_ext lstm_widget": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()",
        "shell.run_line_magic('load_ext', 'lstm_widget')",
    ),
    "import matplotlib.pyplot": ("", "import matplotlib.pyplot"),
}

_PROBE = """\
import json, sys, time
{setup}
before = set(sys.modules)
start = time.perf_counter()
{statement}
seconds = time.perf_counter() - start
heavy = sorted(h for h in {heavy!r} if h in sys.modules and h not in before)
print(json.dumps({{"seconds": seconds, "heavy": heavy}}))
"""


def probe(setup: str, statement: str, env: dict[str, str]) -> dict[str, Any]:
    code = _PROBE.format(setup=setup, statement=statement, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=common.REPO,
        env=env,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    repeat, _ = common.parse_count(
        __doc__.splitlines()[0], "--repeat", "processes per case", full=40, quick=3
    )
    times: dict[str, list[float]] = {label: [] for label in CASES}
    heavy: dict[str, set[str]] = {label: set() for label in CASES}
    with tempfile.TemporaryDirectory(prefix="lstm-widget-pycache-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for setup, statement in CASES.values():
            probe(setup, statement, env)  # writes the bytecode caches
        for _ in range(repeat):  # interleaved, so every case sees the same machine load
            for label, (setup, statement) in CASES.items():
                result = probe(setup, statement, env)
                times[label].append(result["seconds"])
                heavy[label].update(result["heavy"])
    common.heading(f"Load cost in fresh interpreters ({repeat} processes per case)")
    for label in CASES:
        pulled = ", ".join(sorted(heavy[label])) or "none of " + "/".join(HEAVY)
        common.line(label, f"{common.describe_ms(times[label])}; imports {pulled}")
    pyplot = statistics.median(times["import matplotlib.pyplot"])
    for label in ("import lstm_widget", "%load_ext lstm_widget"):
        ms = common.median_ms(times[label])
        clean = "matplotlib" not in heavy[label]
        common.line(
            f"target: {label} <= {TARGET_MS:g} ms, no matplotlib",
            f"{ms:.1f} ms, {ms / 1000 / pyplot:.2f}x of pyplot's import: "
            f"{common.verdict(ms <= TARGET_MS and clean)}",
        )


if __name__ == "__main__":
    main()
