"""End to end in a browser: key press on the units slider -> new diagram loaded.

Starts its own ``jupyter lab`` (tests/browser_support.py: temporary root and
settings, random token) and a headless chromium driven by Playwright, opens a
notebook with two widgets and runs it:

* the panel, ``lstm_widget.panel(input_size=1, units=10, dense=1)``;
* the floor: an ``IntSlider`` and an ``Image`` whose observer only assigns bytes
  rendered in advance (the panel's own diagrams, so the browser decodes the same
  images). It measures everything that is not ours: the key event, the slider's
  message to the kernel, Jupyter's websocket, the image message back, decoding.

Timestamps come from the page (``performance.now()``): a capturing ``keydown``
listener, and a capturing ``load`` listener on the widget images, which fires once
the new image is decoded. Presses alternate between panel and floor, one at a time,
each waiting for its image, so both see the same load. Then a 30-step mouse drag on
each slider: the time from the button's release to the load of the image showing
the final value, and how many images the drag produced (fewer than steps: the
frontend sends a slider's latest value only once the kernel has finished the last).

Usage: ``python benchmarks/bench_browser.py [--quick] [--presses N]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as common
import nbformat

sys.path.insert(0, str(common.REPO / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS, JupyterServer, start_server

TARGET_RATIO = 1.2
TARGET_DRAG_MS = 250.0
DRAG_STEPS = 30
START_UNITS = 10
FIRST_DRAW_TIMEOUT_MS = 60_000
LOAD_TIMEOUT_MS = 30_000

PANEL_CELL = f"""\
import lstm_widget

panel = lstm_widget.panel(input_size=1, units={START_UNITS}, dense=1)
panel.add_class("bench-panel")
panel.sliders["units"].add_class("bench-units")
panel"""

FLOOR_CELL = """\
import ipywidgets as widgets
from lstm_widget import breakdown
from lstm_widget.diagram import Diagram

painter = Diagram()
rendered = {
    units: painter.render(breakdown(input_size=1, units=units, dense=1), "svg")
    for units in range(1, 301)
}
floor_image = widgets.Image(value=rendered[10], format=panel.image.format)
floor_slider = widgets.IntSlider(value=10, min=1, max=300, readout=False)
floor_slider.add_class("bench-units")


def show(change):
    floor_image.value = rendered[change["new"]]


floor_slider.observe(show, "value")
floor = widgets.VBox([floor_slider, floor_image])
floor.add_class("bench-floor")
floor"""

#: Page-side instrumentation: key and image-load times, and which value each image shows.
INSTRUMENT = """\
() => {
  const bench = (window.__bench = { keys: [], loads: [], releases: [] });
  document.addEventListener("keydown", () => bench.keys.push(performance.now()), true);
  document.addEventListener("mouseup", () => bench.releases.push(performance.now()), true);
  document.addEventListener("load", (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement)) return;
    const box = ["panel", "floor"].find((which) => img.closest(`.bench-${which}`));
    if (!box) return;
    const record = { which: box, t: performance.now(), units: null };
    bench.loads.push(record);
    fetch(img.src).then((r) => r.text()).then((svg) => {
      const match = svg.match(/units (\\d+)/);
      record.units = match ? Number(match[1]) : null;
    }).catch(() => {});
  }, true);
}"""


def notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(PANEL_CELL), nbformat.v4.new_code_cell(FLOOR_CELL)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


class Bench:
    """The notebook page, its two sliders, and the instrumentation's records."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.handles = {
            which: page.locator(f".bench-{which} .bench-units .noUi-handle").first
            for which in ("panel", "floor")
        }

    def loads(self, which: str) -> list[dict[str, Any]]:
        loads = self.page.evaluate("() => window.__bench.loads")
        return [load for load in loads if load["which"] == which]

    def wait_for_load(self, which: str, seen: int) -> None:
        self.page.wait_for_function(
            "([which, seen]) => window.__bench.loads.filter(l => l.which === which).length > seen",
            arg=[which, seen],
            timeout=LOAD_TIMEOUT_MS,
        )

    def press(self, which: str) -> float:
        """Press → on ``which`` slider; milliseconds until its next image loaded."""
        seen = len(self.loads(which))
        keys = self.page.evaluate("() => window.__bench.keys.length")
        self.handles[which].focus()
        self.page.keyboard.press("ArrowRight")
        self.wait_for_load(which, seen)
        key = self.page.evaluate(f"() => window.__bench.keys[{keys}]")
        return float(self.loads(which)[seen]["t"] - key)

    def slider_value(self, which: str) -> int:
        return int(str(self.handles[which].get_attribute("aria-valuenow")).split(".")[0])

    def drag(self, which: str) -> tuple[float, int, int]:
        """A 30-step mouse drag; (ms from release to final image, images, final value)."""
        handle = self.handles[which]
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        seen = len(self.loads(which))
        releases = self.page.evaluate("() => window.__bench.releases.length")
        mouse = self.page.mouse
        mouse.move(x, y)
        mouse.down()
        for step in range(1, DRAG_STEPS + 1):
            mouse.move(x + 2 * step, y)
            time.sleep(0.01)  # a hand moves at about 60-100 events per second
        mouse.up()
        final = self.slider_value(which)
        self.page.wait_for_function(
            "([which, seen, units]) => window.__bench.loads.slice(seen)"
            ".some(l => l.which === which && l.units === units)",
            arg=[which, seen, final],
            timeout=LOAD_TIMEOUT_MS,
        )
        time.sleep(0.5)  # let any stragglers arrive, to count them
        release = self.page.evaluate(f"() => window.__bench.releases[{releases}]")
        loads = self.loads(which)[seen:]
        shown = next(load for load in loads if load["units"] == final)
        return float(shown["t"] - release), len(loads), final


def run_all(page: Any, bench: Bench, attempts: int = 3) -> None:
    """Run every cell until both sliders show.

    On a busy machine JupyterLab sometimes drops a "Run All" that comes right after the
    kernel first reports idle; running the cells again is harmless here.
    """
    for attempt in range(1, attempts + 1):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            for which in ("panel", "floor"):
                bench.handles[which].wait_for(timeout=FIRST_DRAW_TIMEOUT_MS)
            return
        except Exception as error:  # playwright's TimeoutError
            if attempt == attempts:
                outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
                raise RuntimeError(
                    f"the notebook did not show both sliders:\n{outputs}"
                ) from error


def measure(server: JupyterServer, browser: Any, presses: int, drags: int) -> dict[str, Any]:
    notebook(server.root / "bench.ipynb")
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    try:
        page = context.new_page()
        page.goto(server.url("lab/tree/bench.ipynb"))
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            timeout=FIRST_DRAW_TIMEOUT_MS
        )
        page.evaluate(INSTRUMENT)
        bench = Bench(page)
        run_all(page, bench)
        for which in ("panel", "floor"):  # warm-up: first messages, first decode
            bench.press(which)
        latencies: dict[str, list[float]] = {"panel": [], "floor": []}
        for _ in range(presses):
            for which in ("panel", "floor"):
                latencies[which].append(bench.press(which))
                time.sleep(0.05)
        drag_results: dict[str, list[tuple[float, int, int]]] = {"panel": [], "floor": []}
        for _ in range(drags):
            for which in ("panel", "floor"):
                drag_results[which].append(bench.drag(which))
        return {"presses": latencies, "drags": drag_results}
    finally:
        context.close()


def main() -> None:
    presses, quick = common.parse_count(
        __doc__.splitlines()[0], "--presses", "key presses per slider", full=40, quick=3
    )
    drags = 1 if quick else 3
    if not CHROMIUM.exists():
        sys.exit(f"bench_browser needs chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lstm-widget-bench-") as base:
        server = start_server(Path(base))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                try:
                    result = measure(server, browser, presses, drags)
                finally:
                    browser.close()
        finally:
            server.stop()
    common.heading(
        f"End to end, JupyterLab + chromium: key press -> diagram loaded ({presses} each)"
    )
    seconds = {which: [ms / 1000 for ms in values] for which, values in result["presses"].items()}
    common.line("panel: units slider, one key press", common.describe_ms(seconds["panel"]))
    common.line(
        "floor: slider swapping in pre-rendered images", common.describe_ms(seconds["floor"])
    )
    ratio = statistics.median(seconds["panel"]) / statistics.median(seconds["floor"])
    common.line(
        f"target: panel <= {TARGET_RATIO:g}x the floor",
        f"{ratio:.2f}x: {common.verdict(ratio <= TARGET_RATIO)}",
    )
    for which, runs in result["drags"].items():
        for after, images, final in runs:
            common.line(
                f"{which}: {DRAG_STEPS}-step drag to units={final}",
                f"final diagram {after:6.1f} ms after release; {images} images loaded",
            )
    worst = max(after for after, _, _ in result["drags"]["panel"])
    common.line(
        f"target: final diagram <= {TARGET_DRAG_MS:g} ms after release",
        f"worst {worst:.1f} ms: {common.verdict(worst <= TARGET_DRAG_MS)}",
    )


if __name__ == "__main__":
    main()
