"""Memory: 10,000 panel updates in a kernel; RSS growth and figures left behind.

Inside a fresh IPython kernel, one panel takes a seeded session of changes: mostly
slider steps with a jump (typed number, new cell or framework, a check box) every
tenth change, revisiting settings as a lecture does, so every path runs: in-place
relabelling, full redraws, rebuilt artists and cache hits. The resident set size is
read before the panel exists, after a warm-up that fills the caches, and every
tenth of the run; growth is counted from the end of the warm-up.

Changes are paced, one every few milliseconds, still several times faster than a
drag (a browser sends at most one per frame, and ipywidgets keeps one message per
slider in flight). Unpaced, a loop inside the kernel sends its widget messages
faster than this script's client reads them, and the queue of unsent messages,
not the panel, is what grows (about 10 MB over this run; flat when paced). Afterwards:
whether pyplot was ever imported, figures registered with pyplot's manager, and
live ``Figure`` objects found by the garbage collector, with the panel alive and
after panel.close() and dropping it.

Usage: ``python benchmarks/bench_memory.py [--quick] [--updates N]``
"""

from __future__ import annotations

import gc
import random
import sys
import time
from typing import Any

import _common as common
from bench_update import CHOICES, NUMBERS, START

TARGET_MB = 10.0
WARM_UP = 500
#: Seconds between changes: lets the kernel send one change's messages before the next.
PACE = 0.004


def live_figures() -> int:
    from matplotlib.figure import Figure

    gc.collect()
    return sum(isinstance(o, Figure) for o in gc.get_objects())


def session(count: int, seed: int = 10) -> list[tuple[str, Any]]:
    """Slider steps on the numbers, and every tenth change a jump of any control."""
    rng = random.Random(seed)
    state = dict(START)
    out: list[tuple[str, Any]] = []
    for index in range(count):
        if index % 10 == 9:
            name = rng.choice(list(CHOICES))
            value = rng.choice(CHOICES[name])
        else:
            name = rng.choice(NUMBERS)
            value = min(
                max(state[name] + rng.choice((-1, 1)), CHOICES[name][0]), CHOICES[name][-1]
            )
        state[name] = value
        out.append((name, value))
    return out


def measure(updates: int) -> dict[str, Any]:
    import lstm_widget

    before_panel = common.rss_mb()
    panel = lstm_widget.panel(**START)
    changes = session(WARM_UP + updates)
    for name, value in changes[:WARM_UP]:
        panel.controls[name].value = value
        time.sleep(PACE)
    gc.collect()
    after_warm_up = common.rss_mb()
    samples = []
    errors = 0
    for index, (name, value) in enumerate(changes[WARM_UP:], start=1):
        panel.controls[name].value = value
        time.sleep(PACE)
        errors += panel.error is not None
        if index % max(1, updates // 10) == 0:
            samples.append(common.rss_mb())
    gc.collect()
    end = common.rss_mb()
    figures_with_panel = live_figures()
    panel.close()  # the whole widget tree, and the painters' figures
    del panel
    figures_after = live_figures()
    from matplotlib._pylab_helpers import Gcf  # pyplot's registry; importing it is harmless

    return {
        "before_panel": before_panel,
        "after_warm_up": after_warm_up,
        "end": end,
        "samples": samples,
        "errors": errors,
        "pyplot_imported": "matplotlib.pyplot" in sys.modules,
        "registered": Gcf.get_num_fig_managers(),
        "figures_with_panel": figures_with_panel,
        "figures_after": figures_after,
    }


def main() -> None:
    updates, _ = common.parse_count(
        __doc__.splitlines()[0], "--updates", "panel updates", full=10_000, quick=200
    )
    with common.kernel() as run:
        r = common.run_in_kernel(run, f"__import__('bench_memory').measure({updates})")
    growth = r["end"] - r["after_warm_up"]
    common.heading(f"Memory: {updates:,} panel updates in a kernel (after {WARM_UP} warm-up)")
    common.line("RSS before the panel", f"{r['before_panel']:.1f} MB")
    common.line(
        f"RSS after creating it and {WARM_UP} warm-up updates", f"{r['after_warm_up']:.1f} MB"
    )
    common.line("RSS every tenth of the run", " ".join(f"{v:.1f}" for v in r["samples"]) + " MB")
    common.line(f"RSS after {updates:,} more updates", f"{r['end']:.1f} MB")
    common.line("updates that showed an error (there should be none)", str(r["errors"]))
    common.line("matplotlib.pyplot imported", str(r["pyplot_imported"]))
    common.line("figures registered with pyplot (Gcf)", str(r["registered"]))
    common.line("live Figure objects with the panel open", str(r["figures_with_panel"]))
    common.line("live Figure objects after panel.close()", str(r["figures_after"]))
    clean = not r["pyplot_imported"] and r["registered"] == 0 and r["figures_after"] == 0
    common.line(
        f"target: growth < {TARGET_MB:g} MB, no figure left",
        f"{growth:+.1f} MB: {common.verdict(growth < TARGET_MB and clean)}",
    )


if __name__ == "__main__":
    main()
