"""End to end in a browser: key press on the units slider -> new diagram loaded.

Starts its own ``jupyter lab`` (tests/browser_support.py: temporary root and
settings, random token) and a headless chromium driven by Playwright, opens a
notebook with two widgets and runs it:

* the panel, ``lstm_widget.panel(input_size=1, units=10, dense=1)``;
* the floor: the panel's slider (a ``Track``) and an ``Image`` whose observer only
  assigns bytes rendered in advance (the panel's own diagrams, so the browser decodes
  the same images). It measures everything that is not ours: the key event, the slider's
  message to the kernel, Jupyter's websocket, the image message back, decoding.

Timestamps come from the page (``performance.now()``): a capturing ``keydown``
listener, a capturing ``load`` listener on the widget images, which fires once the
new image is decoded, and the arrival of every kernel message on the websocket.
Each press waits for its image. Presses come in blocks on one slider, the blocks
alternating between panel and floor so both see the same machine load; the first
presses of a block are not counted, as they follow the other widget's traffic.

Presses run at two paces, because the websocket itself is bimodal. Jupyter's server
writes to it with Nagle's algorithm on, so after the kernel's "busy" status the next
message waits until the browser acknowledges that status, and a browser that has
just sent data acknowledges late (a delayed ACK, about 40 ms). With presses back to
back, 50 ms apart, the page shows every other reply held that way, panel and floor
alike, so the median of either lands in whichever mode has one press more: their
ratio then tells which, not how fast the panel is. The script prints each mode
apart for those presses. Paced like a person tapping a key, a press every 0.4 s,
the connection settles in between and almost no reply is held: the target is
measured there.

Then a 30-step mouse drag on each slider: the time from the button's release to the
load of the image showing the final value, and how many images the drag produced
(fewer than steps: the frontend sends a slider's latest value only once the kernel
has finished the last).

Usage: ``python benchmarks/bench_browser.py [--quick] [--presses N]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _common as common
import nbformat

sys.path.insert(0, str(common.REPO / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS, JupyterServer, start_server, thumb_centre

TARGET_RATIO = 1.2
TARGET_DRAG_MS = 250.0
DRAG_STEPS = 30
START_UNITS = 10
#: Pace name -> seconds from one image's load to the next key press.
PACES = {"paced": 0.4, "back to back": 0.05}
TARGET_PACE = "paced"
#: Presses per block on one slider, and how many of them open it uncounted.
COUNTED_PER_BLOCK, UNCOUNTED_PER_BLOCK = 8, 2
#: A reply held for the browser's acknowledgement arrives this long after "busy";
#: an unheld one arrives within a few milliseconds.
HELD_AFTER_BUSY_MS = 25.0
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
from lstm_widget._panel.track import Track
from lstm_widget.diagram import Diagram

painter = Diagram()
rendered = {
    units: painter.render(breakdown(input_size=1, units=units, dense=1), "svg")
    for units in range(1, 401)
}
floor_image = widgets.Image(value=rendered[10], format=panel.image.format)
floor_slider = Track(value=10, min=1, max=400, description="units")
floor_slider.add_class("bench-units")


def show(change):
    floor_image.value = rendered[change["new"]]


floor_slider.observe(show, "value")
floor = widgets.VBox([floor_slider, floor_image])
floor.add_class("bench-floor")
floor"""

#: Installed before the page loads, so it sees the kernel's websocket being opened:
#: the arrival time of every message, and whether it is a "busy" status.
WEBSOCKET_LOG = """\
(() => {
  const arrivals = (window.__arrivals = []);
  const decoder = new TextDecoder();
  const Native = window.WebSocket;
  class LoggedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        // A status message is a few hundred bytes; only small frames are decoded, so
        // logging an image costs nothing measurable.
        const size = typeof event.data === "string" ? event.data.length : event.data.byteLength;
        const text = size > 4096 ? "" :
          typeof event.data === "string" ? event.data : decoder.decode(event.data);
        arrivals.push({ t: performance.now(), busy: /"execution_state":\\s*"busy"/.test(text) });
      });
    }
  }
  window.WebSocket = LoggedWebSocket;
})();"""

#: Page-side instrumentation: key and image-load times, and which value each image shows.
INSTRUMENT = """\
() => {
  const bench = (window.__bench = { keys: [], loads: [], releases: [] });
  // On the window, as the key is captured: the slider stops its keys there, before
  // they reach the document (lstm_widget/_panel/track.py).
  window.addEventListener("keydown", () => bench.keys.push(performance.now()), true);
  document.addEventListener("mouseup", () => bench.releases.push(performance.now()), true);
  document.addEventListener("load", (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement)) return;
    const box = ["panel", "floor"].find((which) => img.closest(`.bench-${which}`));
    if (!box) return;
    const record = { which: box, t: performance.now(), units: null };
    bench.loads.push(record);
    fetch(img.src).then((r) => r.text()).then((svg) => {
      // "10 units" or "1 unit", as the picture's text alternative says it.
      const match = svg.match(/(\\d+) units?\\b/);
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
            which: page.locator(f".bench-{which} .bench-units input[type=range]").first
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

    def press(self, which: str) -> tuple[float, bool]:
        """Press → on ``which`` slider: (ms until its next image loaded, reply held?).

        Held: the first message after the kernel's "busy" status came more than
        :data:`HELD_AFTER_BUSY_MS` after it (the kernel sends both within a millisecond).
        """
        seen = len(self.loads(which))
        keys = self.page.evaluate("() => window.__bench.keys.length")
        self.handles[which].focus()
        self.page.keyboard.press("ArrowRight")
        self.wait_for_load(which, seen)
        key = self.page.evaluate(f"() => window.__bench.keys[{keys}]")
        arrivals = self.page.evaluate("(key) => window.__arrivals.filter((a) => a.t > key)", key)
        busy = next((i for i, arrival in enumerate(arrivals) if arrival["busy"]), None)
        if busy is None or busy + 1 == len(arrivals):
            raise RuntimeError(
                f"{which}: the page logged no kernel status and reply for this key press; "
                "is the websocket logger installed before JupyterLab connects?"
            )
        held = arrivals[busy + 1]["t"] - arrivals[busy]["t"] > HELD_AFTER_BUSY_MS
        return float(self.loads(which)[seen]["t"] - key), held

    def slider_value(self, which: str) -> int:
        return int(self.handles[which].input_value())

    def drag(self, which: str) -> tuple[float, int, int]:
        """A 30-step mouse drag; (ms from release to final image, images, final value)."""
        handle = self.handles[which]
        handle.scroll_into_view_if_needed()
        x, y = thumb_centre(handle)
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


@dataclass
class Presses:
    """One slider's counted presses at one pace."""

    milliseconds: list[float] = field(default_factory=list)
    held: list[bool] = field(default_factory=list)

    def mode(self, held: bool) -> list[float]:
        """The presses whose reply the websocket held (or did not)."""
        return [ms for ms, h in zip(self.milliseconds, self.held, strict=True) if h == held]


def press_in_blocks(bench: Bench, presses: int, gap: float) -> dict[str, Presses]:
    """``presses`` counted presses per slider, ``gap`` seconds after each load."""
    results = {"panel": Presses(), "floor": Presses()}
    while len(results["floor"].milliseconds) < presses:
        counted = min(COUNTED_PER_BLOCK, presses - len(results["floor"].milliseconds))
        for which, result in results.items():
            for index in range(UNCOUNTED_PER_BLOCK + counted):
                milliseconds, held = bench.press(which)
                if index >= UNCOUNTED_PER_BLOCK:
                    result.milliseconds.append(milliseconds)
                    result.held.append(held)
                time.sleep(gap)
    return results


def measure(server: JupyterServer, browser: Any, presses: int, drags: int) -> dict[str, Any]:
    notebook(server.root / "bench.ipynb")
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    try:
        context.add_init_script(WEBSOCKET_LOG)
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
        paces = {pace: press_in_blocks(bench, presses, gap) for pace, gap in PACES.items()}
        drag_results: dict[str, list[tuple[float, int, int]]] = {"panel": [], "floor": []}
        for _ in range(drags):
            for which in ("panel", "floor"):
                drag_results[which].append(bench.drag(which))
        return {"paces": paces, "drags": drag_results}
    finally:
        context.close()


def ratio_line(label: str, panel: list[float], floor: list[float]) -> None:
    """Both medians and their ratio, or why there is none."""
    if not panel or not floor:
        common.line(label, "no such presses for both sliders")
        return
    ratio = statistics.median(panel) / statistics.median(floor)
    common.line(
        label,
        f"{statistics.median(panel):.1f} / {statistics.median(floor):.1f} ms = {ratio:.2f}x",
    )


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
    for pace, results in result["paces"].items():
        panel, floor = results["panel"], results["floor"]
        seconds = {which: [ms / 1000 for ms in r.milliseconds] for which, r in results.items()}
        common.line(f"{pace}: panel, units slider", common.describe_ms(seconds["panel"]))
        common.line(f"{pace}: floor, pre-rendered images", common.describe_ms(seconds["floor"]))
        common.line(
            f"{pace}: replies the websocket held for an ACK",
            f"panel {sum(panel.held)} of {presses}, floor {sum(floor.held)} of {presses}",
        )
        if pace == TARGET_PACE:
            ratio = statistics.median(panel.milliseconds) / statistics.median(floor.milliseconds)
            common.line(
                f"target ({pace}): panel <= {TARGET_RATIO:g}x the floor",
                f"{ratio:.2f}x: {common.verdict(ratio <= TARGET_RATIO)}",
            )
        else:
            ratio_line(
                f"{pace}: replies not held, panel / floor", panel.mode(False), floor.mode(False)
            )
            ratio_line(f"{pace}: replies held, panel / floor", panel.mode(True), floor.mode(True))
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
