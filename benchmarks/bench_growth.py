"""The growth plot: its redraw alone, and a panel update with it closed and open.

Measures, in this interpreter (no kernel):

* a :class:`GrowthPlot` redrawn in place, then its SVG, as the panel redraws it (the
  counting of its 40 points included);
* a units step in a panel whose growth section is closed (the plot is then never
  drawn, so this is the panel's own update) and open.

Usage: ``python benchmarks/bench_growth.py [--quick]``
"""

from __future__ import annotations

import time

import _common as common

#: A redraw of the growth plot this quick keeps a drag in the open section live.
TARGET_MS = 100


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    import lstm_widget
    from lstm_widget.growth_plot import GrowthPlot
    from lstm_widget.painting import save_figure
    from lstm_widget.style import DEFAULT_DPI, LIGHT

    reps = 3 if args.quick else 40
    print(common.machine())

    common.heading("GrowthPlot: redraw in place, then SVG")
    plot = GrowthPlot(LIGHT)
    plot.update(lstm_widget.breakdown(units=10, dense=1), "units")  # built once, as shown
    seconds = []
    for k in range(reps):
        b = lstm_widget.breakdown(units=11 + k % 80, dense=1)
        start = time.perf_counter()
        fig = plot.update(b, "units")
        save_figure(fig, "svg", DEFAULT_DPI, LIGHT)
        seconds.append(time.perf_counter() - start)
    common.line("growth redraw, units axis", common.describe_ms(seconds))
    redraw = common.median_ms(seconds)

    common.heading("panel: one units step")
    figures = {}
    for state, index in (("closed", None), ("open", 0)):
        p = lstm_widget.panel(units=10, dense=1)
        p.growth_section.selected_index = index
        steps = []
        for k in range(reps):
            start = time.perf_counter()
            p.controls["units"].value = 11 + k % 80
            steps.append(time.perf_counter() - start)
        p.close()
        figures[state] = common.median_ms(steps)
        common.line(f"panel update, growth section {state}", common.describe_ms(steps))

    common.line(
        f"target: growth redraw median <= {TARGET_MS} ms",
        f"{redraw:.1f} ms  {common.verdict(redraw <= TARGET_MS)}",
    )
    common.line(
        "open / closed panel update (medians)", f"{figures['open'] / figures['closed']:.1f}x"
    )


if __name__ == "__main__":
    main()
