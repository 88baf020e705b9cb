"""Model reports: HTML render time and size as a model grows, and the load cost.

``explain(model).html()`` for PyTorch models of repeated (LSTM, Linear, LayerNorm)
blocks at several sizes, for 100 identical ``nn.LSTM`` layers and for a model of
1,200 modules; then ``import lstm_widget`` in a fresh interpreter that has already
imported IPython, as a kernel has, against ``import matplotlib.pyplot`` there.

Usage: ``python benchmarks/bench_report.py [--quick] [--repeat N]``
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from functools import partial
from typing import Any

import _common as common
from bench_load import probe

#: Targets: 100 identical LSTM layers' HTML, a 1,200-module model's, the import.
IDENTICAL_MS, IDENTICAL_KB = 300.0, 300.0
LONG_MS = 1000.0
IMPORT_MS = 30.0
IDENTICAL_LAYERS = 100
LONG_MODULES = 1200
#: Blocks of (LSTM, Linear, LayerNorm), three modules each, for the growth table.
GROWTH_BLOCKS = (10, 100, 400)
QUICK_BLOCKS = (10, 40)
WIDTH = 16


def blocks(count: int) -> Any:
    """``count`` repeated (LSTM, Linear, LayerNorm) blocks in one ``nn.Sequential``."""
    from torch import nn

    return nn.Sequential(
        *(
            module
            for _ in range(count)
            for module in (
                nn.LSTM(WIDTH, WIDTH, batch_first=True),
                nn.Linear(WIDTH, WIDTH),
                nn.LayerNorm(WIDTH),
            )
        )
    )


def identical(count: int) -> Any:
    """``count`` identical ``nn.LSTM`` layers, each its own module."""
    from torch import nn

    return nn.Sequential(*(nn.LSTM(WIDTH, WIDTH) for _ in range(count)))


def html_figures(model: Any, repeat: int) -> tuple[list[float], int]:
    """Seconds each ``html()`` of a new ``explain(model)`` took, and the HTML's bytes.

    A new report each time (its reading untimed): a report keeps the rows it made, so
    a second ``html()`` of the same report would not pay for them.
    """
    from lstm_widget import explain

    seconds = []
    html = ""
    for _ in range(repeat):
        report = explain(model)
        start = time.perf_counter()
        html = report.html()
        seconds.append(time.perf_counter() - start)
    return seconds, len(html.encode())


def where_the_time_goes(model: Any, repeat: int) -> dict[str, list[float]]:
    """Seconds a new report's rows, its strip's PNG and its diagrams' ``<img>`` tags
    took, each on its own: the parts of ``html()`` that grow with the model or draw."""
    from lstm_widget import explain
    from lstm_widget.display import image_html, report_strip

    def diagrams(report: Any) -> list[str]:
        distinct = {item.breakdown.settings: item.breakdown for item in report.items}
        return [image_html(b) for b in distinct.values()]

    parts: dict[str, list[float]] = {"rows": [], "strip": [], "diagrams": []}
    for _ in range(repeat):
        report = explain(model)
        steps = {
            "rows": report.rows,
            "strip": partial(report_strip, report, "png"),
            "diagrams": partial(diagrams, report),
        }
        for label, step in steps.items():
            begin = time.perf_counter()
            step()
            parts[label].append(time.perf_counter() - begin)
    return parts


def modules(model: Any) -> int:
    return sum(1 for _ in model.modules()) - 1  # the Sequential itself left out


def main() -> None:
    repeat, quick = common.parse_count(
        __doc__.splitlines()[0], "--repeat", "renders (and processes) per case", full=5, quick=1
    )
    print(common.machine())
    html_figures(blocks(1), 1)  # loads matplotlib and its fonts, paid once a session
    common.heading("Model report HTML: (LSTM, Linear, LayerNorm) blocks")
    growth = []
    for count in QUICK_BLOCKS if quick else GROWTH_BLOCKS:
        model = blocks(count)
        seconds, size = html_figures(model, repeat)
        growth.append((modules(model), statistics.median(seconds), size))
        common.line(
            f"{modules(model):,} modules",
            f"{common.describe_ms(seconds)}; {size / 1000:,.1f} KB",
        )
    (small, small_s, small_b), (large, large_s, large_b) = growth[0], growth[-1]
    common.line(
        f"growth from {small:,} to {large:,} modules ({large / small:.0f}x)",
        f"time {large_s / small_s:.1f}x, size {large_b / small_b:.1f}x",
    )

    common.heading("Targets")
    seconds, size = html_figures(identical(IDENTICAL_LAYERS), repeat)
    ms, kb = common.median_ms(seconds), size / 1000
    common.line(f"{IDENTICAL_LAYERS} identical nn.LSTM layers", f"{common.describe_ms(seconds)}")
    for label, part in where_the_time_goes(identical(IDENTICAL_LAYERS), repeat).items():
        common.line(f"  of which {label}", common.describe_ms(part))
    common.line(
        f"target: {IDENTICAL_LAYERS} identical LSTMs <= {IDENTICAL_MS:g} ms, "
        f"<= {IDENTICAL_KB:g} KB",
        f"{ms:.1f} ms, {kb:,.1f} KB: {common.verdict(ms <= IDENTICAL_MS and kb <= IDENTICAL_KB)}",
    )
    long_model = blocks(LONG_MODULES // 3)
    seconds, size = html_figures(long_model, repeat)
    ms = common.median_ms(seconds)
    common.line(f"{modules(long_model):,} modules", f"{common.describe_ms(seconds)}")
    common.line(
        f"target: {modules(long_model):,} modules <= {LONG_MS:g} ms",
        f"{ms:.1f} ms, {size / 1000:,.1f} KB: {common.verdict(ms <= LONG_MS)}",
    )

    setup = "import IPython"
    cases = {"import lstm_widget": "import lstm_widget", "import matplotlib.pyplot": ""}
    cases["import matplotlib.pyplot"] = "import matplotlib.pyplot"
    times: dict[str, list[float]] = {label: [] for label in cases}
    with tempfile.TemporaryDirectory(prefix="lstm-widget-pycache-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for statement in cases.values():
            probe(setup, statement, env)  # writes the bytecode caches
        for _ in range(max(repeat, 3) * 4):  # interleaved: both see the same load
            for label, statement in cases.items():
                times[label].append(probe(setup, statement, env)["seconds"])
    common.heading("Load cost after import IPython, fresh interpreters")
    for label in cases:
        common.line(f"{label} after IPython", common.describe_ms(times[label]))
    ms = common.median_ms(times["import lstm_widget"])
    ratio = statistics.median(times["import lstm_widget"]) / statistics.median(
        times["import matplotlib.pyplot"]
    )
    common.line(
        f"target: import lstm_widget after IPython <= {IMPORT_MS:g} ms",
        f"{ms:.1f} ms, {ratio:.2f}x of pyplot's import: {common.verdict(ms <= IMPORT_MS)}",
    )
    print(f"\n{common.machine()}")  # the load again: it changes over a run on a shared machine


if __name__ == "__main__":
    main()
