"""Scale of the numbers: breakdown and drawing at units = 10**6 cost what units = 10 does.

Counts are exact Python ints and the diagram shows each count once, so the size of
the numbers should not matter; only the structure (layers, directions) may. Each
stage is timed for a 10-layer stack of 10 units and of a million units (the target
compares these two: same structure, numbers 10**5 times larger) and, for reference,
for one layer of 10 units. Cases are interleaved so they share the machine's load.

Usage: ``python benchmarks/bench_scale.py [--quick] [--repeat N]``
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import _common as common
from matplotlib.text import Text

from lstm_widget import breakdown
from lstm_widget.diagram import draw, render
from lstm_widget.layout import layout

#: Above this ratio the bigger numbers count as slower (medians of noisy timings).
NOISE = 1.10

CASES: dict[str, dict[str, Any]] = {
    "units=10, 1 layer": dict(units=10, input_size=1, dense=1),
    "units=10, 10 layers": dict(units=10, input_size=1, dense=1, layers=10),
    "units=10**6, 10 layers": dict(units=10**6, input_size=10**6, dense=10**6, layers=10),
}
SMALL, BIG = "units=10, 10 layers", "units=10**6, 10 layers"

STAGES: dict[str, Callable[[dict[str, Any]], object]] = {
    "breakdown()": lambda s: breakdown(**s),
    "layout()": lambda s: layout(breakdown(**s)),
    "draw(): Figure and artists": lambda s: draw(s),
    "render() SVG, fresh figure": lambda s: render(s, "svg"),
    "render() PNG, fresh figure": lambda s: render(s, "png"),
}
#: Repetitions per stage: counting and layout are quick, drawing is not.
REPEAT = {"breakdown()": 20, "layout()": 10, "draw(): Figure and artists": 2}


def characters_drawn(settings: dict[str, Any]) -> int:
    """How many characters the diagram's labels hold."""
    return sum(len(text.get_text()) for text in draw(settings).findobj(Text))


def main() -> None:
    rounds, _ = common.parse_count(
        __doc__.splitlines()[0], "--repeat", "rounds per stage", full=30, quick=2
    )
    for settings in CASES.values():  # first calls pay for imports and font caches
        for stage in STAGES.values():
            stage(settings)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for stage_name, stage in STAGES.items():
            inner = REPEAT.get(stage_name, 1)
            for case, settings in CASES.items():
                start = time.perf_counter()
                for _ in range(inner):
                    stage(settings)
                times.setdefault((stage_name, case), []).append(
                    (time.perf_counter() - start) / inner
                )
    common.heading(f"Scale of the numbers ({rounds} rounds per stage)")
    for stage_name in STAGES:
        for case in CASES:
            common.line(f"{stage_name:<28} {case}", common.describe_ms(times[stage_name, case]))
        ratio = common.median_ms(times[stage_name, BIG]) / common.median_ms(
            times[stage_name, SMALL]
        )
        common.line(
            f"target: {stage_name} 10**6 no slower than 10 units",
            f"{ratio:.2f}x: {common.verdict(ratio <= NOISE)}",
        )
    # Rasterising costs per glyph (matplotlib renders each one with FreeType), and
    # exact counts at 10**6 have more digits: show how much of the PNG ratio that is.
    drawn = {case: characters_drawn(CASES[case]) for case in (SMALL, BIG)}
    png = {case: common.median_ms(times["render() PNG, fresh figure", case]) for case in drawn}
    common.line(
        "characters drawn, units=10 vs 10**6 (10 layers)",
        f"{drawn[SMALL]:,} vs {drawn[BIG]:,}: {drawn[BIG] / drawn[SMALL]:.2f}x",
    )
    per_character = (png[BIG] / drawn[BIG]) / (png[SMALL] / drawn[SMALL])
    common.line("PNG render time per character drawn, 10**6 vs 10", f"{per_character:.2f}x")


if __name__ == "__main__":
    main()
