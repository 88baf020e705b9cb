"""The marimo front end: a view's redraw in the kernel, and a typed value to a new
diagram in chromium, on the live SVG fast path and on the public ``savefig`` path.

In the kernel: ``LiveView.html`` (what ``lstm_widget.marimo.view`` returns) for a walk
of unit counts never seen before, so the image cache never answers; the two paths
alternate value by value so both see the same load. In the browser: the lecture
notebook under ``marimo run`` on 127.0.0.1, offline, in headless chromium; units are
typed into the entry beside the slider and Enter pressed, and the time runs from the
key going down to the new diagram decoded in the page. The same notebook with the
fast path turned off gives the public path's figure. Prints figures, never asserts.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import _common as common

sys.path.insert(0, str(common.REPO / "tests"))
from marimo_support import MarimoPage, marimo_page

import lstm_widget
from lstm_widget import _live_svg, breakdown
from lstm_widget.marimo import LiveView

NOTEBOOK = common.REPO / "notebooks" / "lecture_marimo.py"
START = dict(units=10, input_size=1, dense=1)
#: Turns the fast path off in the notebook's first cell, before any painter exists.
#: The floor: the same controls, and a view cell that only looks up HTML rendered in
#: advance for each value the walk types, so what remains is marimo's own round trip
#: (the value to the kernel, the cell run, the output to the page) and the browser's.
FLOOR = """
import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    import lstm_widget
    from lstm_widget.controls import shown
    from lstm_widget.counting import SETTING_NAMES
    from lstm_widget.marimo import LiveView

    # The controls' starting values (marimo lets no cell read an element it made).
    start = lstm_widget.breakdown(units=10, input_size=1, dense=1)
    values = {{name: shown(getattr(start.settings, name)) for name in SETTING_NAMES}}
    values.update(widths="", highlight="", theme="light")
    live = LiveView(start, "lecture")
    rendered = {{u: live.html({{**values, "units": u}}) for u in range(10, {top})}}
    return lstm_widget, mo, rendered


@app.cell
def _(lstm_widget):
    c = lstm_widget.marimo.controls(units=10, input_size=1, dense=1, variant="lecture")
    c
    return (c,)


@app.cell
def _(c, mo, rendered):
    mo.Html(rendered[c.value["units"]])
    return
"""
PUBLIC_PATH = (
    "import lstm_widget\n    import lstm_widget._live_svg\n\n"
    "    lstm_widget._live_svg.enabled = False\n"
)


def in_kernel(count: int) -> dict[str, list[float]]:
    """Seconds per view redraw, each path with its own painter, units 11, 12, ..."""
    views = {}
    for path, enabled in (("fast", True), ("public", False)):
        _live_svg.enabled = enabled
        view = LiveView(breakdown(**START), "lecture")
        base = lstm_widget.marimo.controls(**START, variant="lecture").value
        view.html(base)  # the first drawing builds the figure
        views[path] = (view, base)
    _live_svg.enabled = True
    times: dict[str, list[float]] = {"fast": [], "public": []}
    for step in range(count):
        for path, (view, base) in views.items():
            values = {**base, "units": 11 + step}
            start = time.perf_counter()
            view.html(values)
            times[path].append(time.perf_counter() - start)
            assert view.error is None
    return times


def in_browser(notebook: Path, base: Path, count: int) -> list[float]:
    """Milliseconds from Enter to the new diagram, typing units 11, 12, ... in turn."""
    with marimo_page(notebook, base, {"width": 1280, "height": 720}) as page:
        view = MarimoPage(page)
        view.wait_for_view()
        times = []
        for step in range(count + 1):
            units = 11 + step
            headline = breakdown(**{**START, "units": units}).headline()
            elapsed = view.type_number("units", units, headline)
            if step:  # the first change warms the kernel's painter up
                times.append(elapsed / 1000)
            page.wait_for_timeout(300)  # a person's pace
        assert page.offline.blocked == [], page.offline.blocked
        return times


def main() -> None:
    count, quick = common.parse_count(__doc__.splitlines()[0], "--changes", "changes", 40, 3)
    print(f"Machine: {common.machine()}")
    common.heading("marimo view redraw in the kernel (LiveView.html, lecture variant)")
    kernel = in_kernel(count)
    common.line("view, live SVG fast path", common.describe_ms(kernel["fast"]))
    common.line("view, public savefig path", common.describe_ms(kernel["public"]))
    ratio = common.median_ms(kernel["public"]) / common.median_ms(kernel["fast"])
    common.line("public path / fast path (medians)", f"{ratio:.1f}x")

    common.heading("marimo run + chromium: Enter in the units entry -> new diagram decoded")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for path in ("fast", "public", "floor"):
            (folder / path).mkdir()
        source = NOTEBOOK.read_text(encoding="utf-8")
        assert source.count("import lstm_widget\n") == 1
        public = folder / "public.py"  # the notebook with the fast path turned off
        public.write_text(source.replace("import lstm_widget\n", PUBLIC_PATH), encoding="utf-8")
        floor = folder / "floor.py"
        floor.write_text(FLOOR.format(top=12 + count + 1), encoding="utf-8")
        browser = {
            "fast": in_browser(NOTEBOOK, folder / "fast", count),
            "public": in_browser(public, folder / "public", count),
            "floor": in_browser(floor, folder / "floor", count),
        }
    common.line("live SVG fast path", common.describe_ms(browser["fast"]))
    common.line("public savefig path", common.describe_ms(browser["public"]))
    common.line("floor: the same view rendered in advance", common.describe_ms(browser["floor"]))
    ratio = common.median_ms(browser["public"]) / common.median_ms(browser["fast"])
    common.line("public path / fast path (medians)", f"{ratio:.2f}x")
    floor_ratio = common.median_ms(browser["fast"]) / common.median_ms(browser["floor"])
    common.line("fast path / floor (medians)", f"{floor_ratio:.2f}x")
    if quick:
        print("  (--quick: a smoke run; the figures mean little)")


if __name__ == "__main__":
    main()
