"""The diagram alone: layout, fresh renders, and the reusable painter's update paths.

Measures, in this interpreter (no kernel, no widgets):

* ``layout()``, the pure geometry step;
* ``render()`` from scratch, per format (what ``lstm-params --save`` and a bare
  result in a notebook cost);
* ``Diagram.render`` on its four paths: a text swap (a count keeps its number of
  digits; SVG only), a re-render with the same artists moved (digits changed), a
  re-render after a structure change (another cell: shared items keep their
  artists, the others are made anew), and a cache hit;
* resident memory over many renders, to show it stays flat.

Usage: ``python benchmarks/bench_diagram.py [--quick]``
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import _common as common

SEED: dict[str, Any] = {"units": 10, "input_size": 1, "dense": 1}
BIG: dict[str, Any] = dict(
    framework="pytorch", units=999, input_size=999, layers=7, bidirectional=True,
    proj_size=500, dense=999,
)  # fmt: skip


def timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    seconds = []
    for call in calls:
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return seconds


def walk(diagram: Any, fmt: str, sources: Sequence[dict[str, Any]]) -> list[float]:
    """Seconds each ``diagram.render(source, fmt)`` took, in order."""
    seconds = []
    for source in sources:
        start = time.perf_counter()
        diagram.render(source, fmt)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    from lstm_widget import breakdown
    from lstm_widget.diagram import Diagram, render
    from lstm_widget.layout import layout

    reps = 3 if args.quick else 30
    print(common.machine())

    common.heading("layout() (pure geometry)")
    for name, source in (("seed", SEED), ("7-layer bidirectional PyTorch", BIG)):
        b = breakdown(**source)
        common.line(name, common.describe_ms(timed([lambda b=b: layout(b)] * reps * 10)))

    common.heading("render() from scratch: a new Figure each time")
    for fmt in ("svg", "png", "pdf"):
        calls = [lambda fmt=fmt: render(SEED, fmt)] * reps
        common.line(f"seed, {fmt}", common.describe_ms(timed(calls)))

    common.heading("Diagram.render: one figure, reused")
    for fmt in ("svg", "png"):
        d = Diagram(cache_size=0)
        d.render(SEED, fmt)
        # 11..99 keeps every count's number of digits → the text-swap path for SVG.
        same_digits = [{**SEED, "units": 11 + k % 80} for k in range(reps)]
        seconds = walk(d, fmt, same_digits)
        path = "text swap" if fmt == "svg" else "artists updated"
        common.line(f"{fmt}: count keeps its digits ({path})", common.describe_ms(seconds))
        digits = [{**SEED, "units": (10, 100, 1000)[k % 3]} for k in range(reps)]
        seconds = walk(d, fmt, digits)
        common.line(f"{fmt}: digits change (artists moved)", common.describe_ms(seconds))
        cells = [{**SEED, "cell": ("lstm", "gru")[k % 2]} for k in range(reps)]
        seconds = walk(d, fmt, cells)
        common.line(f"{fmt}: structure changes (some artists new)", common.describe_ms(seconds))
    d = Diagram()
    d.render(SEED, "svg")
    common.line("cache hit", common.describe_ms(timed([lambda: d.render(SEED, "svg")] * reps)))

    common.heading("memory over many renders (one Diagram, cache off)")
    renders = 60 if args.quick else 2000
    d = Diagram(cache_size=0)
    sources = [
        {**SEED, "cell": ("lstm", "lstm", "gru")[k % 3], "units": 1 + k % 300}
        for k in range(renders)
    ]
    for source in sources[: renders // 10]:
        d.render(source, "svg")
    gc.collect()
    start = common.rss_mb()
    for source in sources[renders // 10 :]:
        d.render(source, "svg")
    gc.collect()
    common.line(
        f"RSS after {renders // 10} warm-up renders, then after {renders}",
        f"{start:.1f} MB → {common.rss_mb():.1f} MB",
    )


if __name__ == "__main__":
    main()
