"""The lecture notebook's panel, used like a person would, in headless chromium.

For each frontend (JupyterLab, Notebook 7 and Voila) the test opens a copy of
``notebooks/03_lecture_demo.ipynb``, runs it (Voila runs it by itself), and then works
the panel: types a new unit count into its entry box with the keyboard, clicks the
PyTorch framework button with the mouse, goes back to Keras with the keyboard
(Shift+Tab, Space), clicks GRU, and drags the units slider with the mouse. After
each step it waits for the diagram image to be replaced and reads the new total from
the page. Console errors fail the test unless they are known, explained noise
(:data:`KNOWN_NOISE`). Screenshots of every step land in
``artifacts/browser/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_support import audit
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterServer,
    copy_notebook,
    require_browser,
    start_server,
    thumb_centre,
)
from notebook_support import NOTEBOOK_DIR

from lstm_widget import breakdown
from lstm_widget._panel.look import LECTURE_CLASS, STILL_CAPTION
from lstm_widget.description import describe

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
NOTEBOOK = NOTEBOOK_DIR / "03_lecture_demo.ipynb"

#: Kernel start, first matplotlib import and the first drawing, on a busy 2-core box.
FIRST_DRAW_TIMEOUT_MS = 120_000
#: One redraw after a change.
REDRAW_TIMEOUT_MS = 30_000

#: Tall enough for the whole panel (controls, diagram, formula) in one screenshot.
VIEWPORT = {"width": 1280, "height": 1760}

#: The panel's preset in the lecture notebook.
START = dict(input_size=1, units=10, dense=1)

FRONTENDS = {
    "lab": "lab/tree/{name}",
    "notebook": "notebooks/{name}",
    "voila": "voila/render/{name}",
}

#: JupyterLab and Notebook 7 fetch even a disabled extension's code to read its plugins.
JUPYTERLITE_KERNEL_EXTENSION = (
    re.compile(
        r"^Error: Shared module @jupyterlite/services doesn't exist in shared scope default"
        r".*/@jupyterlite/pyodide-kernel-extension/static/remoteEntry\.",
        re.S,
    ),
    "The test environment holds jupyterlite-pyodide-kernel to build the JupyterLite site; "
    "its JupyterLab extension works only inside JupyterLite. The servers under test disable "
    "it (browser_support.PAGE_CONFIG), but its code is still fetched and fails to load.",
)

#: Console errors that are not ours, per frontend, each with the reason it is harmless.
KNOWN_NOISE: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "lab": [JUPYTERLITE_KERNEL_EXTENSION],
    "notebook": [
        JUPYTERLITE_KERNEL_EXTENSION,
        (
            re.compile(
                r"^TypeError: Cannot read properties of undefined \(reading 'schema'\)"
                r"\n\s+at \S+/static/notebook/notebook_core\."
            ),
            "Notebook 7's keyboard-shortcut plugin reads the settings schema of a plugin "
            "the page never registered; it happens on every notebook page, even for a "
            "notebook holding only `1 + 1`.",
        ),
    ],
    "voila": [
        (
            re.compile(
                r"^Failed to load resource: net::ERR_NAME_NOT_RESOLVED at "
                r"https://(cdn\.jsdelivr\.net/npm/@fortawesome/|cdnjs\.cloudflare\.com/ajax/libs/mathjax/)"
            ),
            "Voila's page template links Font Awesome and MathJax from public CDNs; the "
            "test machine has no internet. The panel uses neither (no icons, no maths).",
        ),
        (
            re.compile(r"shared module is not a function.*@jupyterlab/docregistry", re.S),
            "Voila 0.5 bundles JupyterLab 4.2 and tries to load Notebook 7's JupyterLab "
            "extension, which needs a newer JupyterLab; that extension adds nothing to a "
            "Voila page.",
        ),
    ],
}


@dataclass
class Console:
    """Errors the page reported: console.error calls and uncaught exceptions."""

    frontend: str
    messages: list[tuple[str, str]] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.messages.append(("console", f"{message.text} at {message.location['url']}"))

    def on_page_error(self, error: Any) -> None:
        self.messages.append(("pageerror", str(error.stack)))

    def real_errors(self) -> list[str]:
        noise = [pattern for pattern, _ in KNOWN_NOISE.get(self.frontend, [])]
        return [
            f"{kind}: {text}"
            for kind, text in self.messages
            if not any(pattern.search(text) for pattern in noise)
        ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[JupyterServer]:
    """A fresh server per frontend, as a first-time user has.

    On a server where JupyterLab has just been used, Notebook 7's page reports errors
    of its own (a file-browser command it lacks, a refused font) that it does not
    report on a fresh server; starting a server takes about two seconds.
    """
    require_browser()
    running = start_server(tmp_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class PanelPage:
    """One frontend's page with the lecture panel on it, and a user's moves."""

    def __init__(self, page: Any, frontend: str, shots: Path) -> None:
        self.page = page
        self.frontend = frontend
        self.shots = shots
        # The first panel on the page: the lecture notebook shows exactly one.
        self.panel = page.locator(".widget-vbox").filter(has=page.locator(".widget-image")).first
        self.image = self.panel.locator("img.widget-image").first

    def screenshot(self, step: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.frontend}-{step}.png"))

    def run_all(self, server: JupyterServer) -> None:
        """Run every cell from the menu, once the kernel is ready (not in Voila)."""
        if self.frontend == "voila":
            return
        server.wait_for_connected_kernel(FIRST_DRAW_TIMEOUT_MS / 1000)
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    def wait_for_panel(self) -> None:
        self.image.wait_for(state="visible", timeout=FIRST_DRAW_TIMEOUT_MS)
        self.page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=self.image.element_handle(),
            timeout=FIRST_DRAW_TIMEOUT_MS,
        )
        self.panel.scroll_into_view_if_needed()

    def total_text(self) -> str:
        """The summary line: the headline, then the weights' size at float32."""
        return str(self.panel.get_by_text(re.compile(r" at float32$")).first.inner_text())

    def image_source(self) -> str:
        return str(self.image.get_attribute("src"))

    def expect_image_name(self, name: str) -> None:
        """The live diagram's accessible name, as the browser computes it, is ``name``."""
        from playwright.sync_api import expect

        expect(self.image).to_have_accessible_name(name, timeout=REDRAW_TIMEOUT_MS)

    def expect_redraw(self, before: str, total: int) -> str:
        """Wait until the diagram is replaced and the page shows ``total``."""
        self.page.wait_for_function(
            # a new source, and the browser could decode it (an SVG it cannot parse
            # would leave naturalWidth at 0)
            "([img, old]) => img.getAttribute('src') !== old && img.complete"
            " && img.naturalWidth > 0",
            arg=[self.image.element_handle(), before],
            timeout=REDRAW_TIMEOUT_MS,
        )
        expected = f"(model with dense head: {total:,});"
        self.panel.get_by_text(expected).first.wait_for(timeout=REDRAW_TIMEOUT_MS)
        assert expected in self.total_text()
        return self.image_source()

    def entry(self, label: str) -> Any:
        row = self.panel.locator(".widget-text").filter(
            has=self.page.locator("label", has_text=re.compile(f"^{label}$"))
        )
        return row.locator("input").first

    def slider(self, setting: str) -> Any:
        """The slider of the setting's row, found by its accessible name, as a screen
        reader finds it: the setting's name, as the entry beside it is labelled."""
        return self.panel.get_by_role("slider", name=setting, exact=True)

    def units_entry_follows_slider(self, slider: Any) -> int:
        """The units the logarithmic units ``slider`` stands at, once the units entry
        shows them: the entry passes through earlier steps on its way there, so wait
        for it rather than read it. The track's position is a power of 2; what it
        tells a screen reader (aria-valuetext) is the width itself."""
        units = int(str(slider.get_attribute("aria-valuetext")))
        self.page.wait_for_function(
            "([input, value]) => input.value === value",
            arg=[self.entry("units").element_handle(), str(units)],
            timeout=REDRAW_TIMEOUT_MS,
        )
        return units

    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the dropdown labelled ``label``, as a mouse user would."""
        row = self.panel.locator(".widget-dropdown").filter(
            has=self.page.locator("label", has_text=re.compile(f"^{label}$"))
        )
        row.locator("select").select_option(label=option)

    def comparison(self, sentence: str) -> Any:
        """The line stating one difference of the comparison, once it shows."""
        line = self.panel.get_by_text(sentence, exact=True).first
        line.wait_for(timeout=REDRAW_TIMEOUT_MS)
        return line

    def toggle(self, choice: str) -> Any:
        """A framework, cell or theme button: their names differ across the groups."""
        return self.panel.get_by_role("button", name=choice, exact=True)


#: The texts of the SVG an <img> shows.
SVG_TEXTS = """async img => {
  const source = await (await fetch(img.src)).text();
  const svg = new DOMParser().parseFromString(source, 'image/svg+xml');
  return [...svg.querySelectorAll('text')].map(t => t.textContent);
}"""


def svg_texts(image: Any) -> list[str]:
    return list(image.evaluate(SVG_TEXTS))


@pytest.mark.parametrize("frontend", list(FRONTENDS))
def test_panel_follows_keyboard_and_mouse(
    server: JupyterServer, browser: Any, frontend: str, axe_source: str
) -> None:
    name = copy_notebook(NOTEBOOK, server)
    shots = ARTIFACTS
    shots.mkdir(parents=True, exist_ok=True)
    console = Console(frontend)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    view = PanelPage(page, frontend, shots)
    try:
        page.goto(server.url(FRONTENDS[frontend].format(name=name)))
        view.run_all(server)
        view.wait_for_panel()
        assert view.total_text().startswith(breakdown(**START).headline())
        # The seed model: the layer's own count first, the model's total beside it.
        assert "Keras LSTM: 480 parameters (model with dense head: 491)" in view.total_text()
        view.screenshot("1-start")
        shown = view.image_source()
        # The live image's accessible name is the diagram in words.
        view.expect_image_name(breakdown(**START).describe())
        found = audit(page, f"{frontend}-panel", axe_source)
        assert found.refused == [], found.report()

        # Keyboard: click into the units entry, replace its text, press Enter.
        units = view.entry("units")
        units.click()
        units.press("Control+a")
        units.type("20")
        units.press("Enter")
        settings = dict(START, units=20)
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        view.screenshot("2-units-20")

        # Mouse: the PyTorch framework button.
        view.toggle("PyTorch").click()
        settings["framework"] = "pytorch"
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        # 4·(20+400+2·20) + 21
        assert "PyTorch LSTM: 1,840 parameters (model with dense head: 1,861)" in view.total_text()
        view.screenshot("3-pytorch")

        # Keyboard: from the focused PyTorch button, Shift+Tab to Keras and press Space.
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Space")
        settings["framework"] = "keras"
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        # 4·(20+400+20) + 21
        assert "Keras LSTM: 1,760 parameters (model with dense head: 1,781)" in view.total_text()

        # Mouse: the GRU cell.
        view.toggle("GRU").click()
        settings["cell"] = "gru"
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        view.screenshot("4-gru")
        assert units.input_value() == "20"

        # Mouse: drag the units slider's thumb to the right and let go; the entry
        # follows and the diagram ends on the released value.
        slider = view.slider("units")
        x, y = thumb_centre(slider)
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y, steps=12)
        page.mouse.up()
        # The released value is the slider's.
        released = view.units_entry_follows_slider(slider)
        assert released > 20
        settings["units"] = released
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        view.screenshot("5-dragged")

        # Keyboard: Tab from the units entry to its slider, one step up with the arrow
        # key, which the notebook's own shortcuts (moving between cells) must not take.
        units.click()
        focus_by_keyboard(page, slider)
        page.keyboard.press("ArrowRight")
        stepped = view.units_entry_follows_slider(slider)
        assert stepped > released
        assert slider.evaluate("e => e === document.activeElement")
        settings["units"] = released = stepped
        shown = view.expect_redraw(shown, breakdown(**settings).total)

        # Compare with the Keras 2 layout: the diagram stays on the Keras 3 GRU (the
        # side with more weights), its second bias marked, and the sentence says why.
        view.choose("compare", "reset_after=False")
        view.comparison(
            f"Keras GRU with reset_after=False drops a second bias per gate: "
            f"3 × {released:,} = {3 * released:,}"
        )
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        view.screenshot("6-compare")

        # Growth: open its section with the mouse; the plot follows a typed value.
        view.panel.get_by_text("Growth", exact=True).click()
        plot = view.panel.locator("img.widget-image").nth(1)
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=plot.element_handle(),
            timeout=REDRAW_TIMEOUT_MS,
        )
        growing = f"units={released:,}: {breakdown(**settings).total:,}"
        assert any(text.endswith(growing) for text in svg_texts(plot))
        units.click()
        units.press("Control+a")
        units.type("30")
        units.press("Enter")
        settings["units"] = 30
        view.expect_redraw(shown, breakdown(**settings).total)
        page.wait_for_function(
            "([img, text]) => fetch(img.src).then(r => r.text()).then(s => s.includes(text))",
            arg=[plot.element_handle(), f"units=30: {breakdown(**settings).total:,}"],
            timeout=REDRAW_TIMEOUT_MS,
        )
        # Shown at its natural size in the lecture column, every text at lecture size.
        grown = plot.evaluate(MEASURE_DIAGRAM)
        assert grown["texts"] and grown["scale"] >= 4 / 3 - LAYOUT_UNIT, grown
        assert min(t["px"] for t in grown["texts"]) >= LECTURE_MIN_PX - LAYOUT_UNIT, grown
        view.screenshot("7-growth")

        # Predict, then reveal: the second panel hides every count until a guess.
        quiz = page.locator(f".{LECTURE_CLASS}").nth(1)
        quiz.scroll_into_view_if_needed()
        code = quiz.get_by_text("Sequential([Input(shape=(3, 1)), LSTM(10), Dense(1)])")
        code.wait_for()
        # The frontend's smaller code font would undercut the lecture size.
        assert code.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= LECTURE_MIN_PX
        assert quiz.get_by_text("Keras LSTM: ? parameters", exact=True).count() == 1
        hidden_image = quiz.locator("img.widget-image").first
        texts = svg_texts(hidden_image)
        assert "Keras LSTM: ? parameters" in texts and not any("480" in t for t in texts)
        before_guess = str(hidden_image.get_attribute("src"))
        guess = quiz.get_by_placeholder("your guess")
        guess.click()
        guess.type("120")
        guess.press("Enter")
        quiz.get_by_text(re.compile(r"^120 is not it\. Each unit reads all 10 previous")).wait_for(
            timeout=REDRAW_TIMEOUT_MS
        )
        page.wait_for_function(
            "([img, old]) => img.getAttribute('src') !== old && img.complete",
            arg=[hidden_image.element_handle(), before_guess],
            timeout=REDRAW_TIMEOUT_MS,
        )
        assert "Keras LSTM: 480 parameters" in svg_texts(hidden_image)
        view.screenshot("8-quiz")
        # Every state the page went through left its widgets in the DOM: the compare
        # line, the growth plot, the quiz's verdict.
        found = audit(page, f"{frontend}-panel-used", axe_source)
        assert found.refused == [], found.report()
    except BaseException:
        view.screenshot("failure")
        raise
    finally:
        context.close()
    assert console.real_errors() == [], "\n".join(console.real_errors())


#: Presses of Tab (or Shift+Tab) that may separate two controls of the panel.
TAB_LIMIT = 80


def focus_by_keyboard(page: Any, target: Any, key: str = "Tab") -> None:
    """Press ``key`` until ``target`` has the focus; fail if it never gets it."""
    for _ in range(TAB_LIMIT):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {target}")


def assert_focus_visible(page: Any, target: Any) -> None:
    """``target`` (focused) looks different from itself unfocused: its focus shows.

    The two looks are compared as pixels round the control, so whatever marks the
    focus counts (an outline, a ring, a changed border); the focus leaves and comes
    back by the keyboard, as a user's would.
    """
    box = target.bounding_box()
    pad = 4
    clip = {"x": box["x"] - pad, "y": box["y"] - pad,
            "width": box["width"] + 2 * pad, "height": box["height"] + 2 * pad}  # fmt: skip
    focused = page.screenshot(clip=clip)
    page.keyboard.press("Shift+Tab")
    away = page.screenshot(clip=clip)
    page.keyboard.press("Tab")
    assert target.evaluate("e => e === document.activeElement")
    assert focused != away, f"no visible focus on {target}"


def test_panel_works_from_the_keyboard_alone(server: JupyterServer, browser: Any) -> None:
    """Voila, the students' page: every step by the keyboard, the diagram and its
    accessible name following each, the focus visible on every control used."""
    name = copy_notebook(NOTEBOOK, server)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    console = Console("voila")
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    view = PanelPage(page, "voila", ARTIFACTS)
    settings = dict(START)

    def follows(shown: str) -> str:
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        view.expect_image_name(breakdown(**settings).describe())
        return shown

    try:
        page.goto(server.url(FRONTENDS["voila"].format(name=name)))
        view.wait_for_panel()
        shown = view.image_source()

        # Tab from the top of the page to the units entry, and type a value.
        units = view.entry("units")
        focus_by_keyboard(page, units)
        assert_focus_visible(page, units)
        page.keyboard.press("Control+a")
        page.keyboard.type("20")
        page.keyboard.press("Enter")
        settings["units"] = 20
        shown = follows(shown)

        # The arrow keys on the units slider: one step up the logarithmic track.
        slider = view.slider("units")
        focus_by_keyboard(page, slider)
        assert_focus_visible(page, slider)
        page.keyboard.press("ArrowRight")
        stepped = view.units_entry_follows_slider(slider)
        assert stepped > 20
        settings["units"] = stepped
        shown = follows(shown)

        # The framework and the cell: back up to their buttons, press Space.
        for setting, choice, button in (
            ("framework", "pytorch", "PyTorch"),
            ("cell", "gru", "GRU"),
        ):
            target = view.toggle(button)
            focus_by_keyboard(page, target, "Shift+Tab")
            assert_focus_visible(page, target)
            page.keyboard.press("Space")
            settings[setting] = choice
            shown = follows(shown)
        view.screenshot("keyboard-1-gru")

        # The quiz: check "predict first", answer in the guess box, press Check.
        quiz = view.panel.get_by_role("checkbox", name="predict first")
        focus_by_keyboard(page, quiz)
        assert_focus_visible(page, quiz)
        page.keyboard.press("Space")
        layer = breakdown(**settings)
        view.expect_image_name(describe(layer, hidden=True))
        guess = view.panel.get_by_placeholder("your guess")
        focus_by_keyboard(page, guess)
        assert_focus_visible(page, guess)
        page.keyboard.type(f"{layer.recurrent_total}")
        check = view.panel.get_by_role("button", name="Check", exact=True)
        focus_by_keyboard(page, check)
        assert_focus_visible(page, check)
        page.keyboard.press("Enter")
        view.panel.get_by_text(re.compile(r"^Right")).first.wait_for(timeout=REDRAW_TIMEOUT_MS)
        view.expect_image_name(layer.describe())
        view.screenshot("keyboard-2-quiz")
    except BaseException:
        view.screenshot("keyboard-failure")
        raise
    finally:
        context.close()
    assert console.real_errors() == [], "\n".join(console.real_errors())


#: A projector, and the same screen with the browser zoomed to 150 %: the page gets
#: 1280/1.5 x 720/1.5 CSS pixels, each 1.5 device pixels wide.
PROJECTOR = {"width": 1280, "height": 720}
ZOOM = 1.5

#: The smallest text, in CSS px, the lecture layout promises at 1280x720.
LECTURE_MIN_PX = 18
#: Chromium lays boxes out in 1/64 px: the lecture drawing's 784.909 px width shows as
#: 784.891 px, and its 13.5 pt (18 px) text measures 17.9996 px.
LAYOUT_UNIT = 1 / 64

#: How each arrangement under test is reached: the frontend's page, and whether
#: JupyterLab's presentation mode is on. JupyterLab is used as it opens, in its default
#: workspace with the file browser open: nobody closes it before a lecture.
ROOMS = {
    "lab": ("lab", False),
    "lab-presentation": ("lab", True),
    "notebook": ("notebook", False),
    "voila": ("voila", False),
    # The default arrangement in the same room, measured for comparison (docs/measurements.md).
    "lab-full-variant": ("lab", False),
}

#: Reads the diagram as displayed: the <img>'s SVG laid over it at the same place and
#: size, so each <text> reports the box it occupies on the screen, and its font size
#: times the scale at which the image is shown.
MEASURE_DIAGRAM = """async img => {
  const source = await (await fetch(img.src)).text();
  const svg = new DOMParser().parseFromString(source, 'image/svg+xml').documentElement;
  const viewBox = svg.getAttribute('viewBox').trim().split(/[\\s,]+/).map(Number);
  const shown = img.getBoundingClientRect();
  const overlay = document.createElement('div');
  overlay.style.cssText = `position:fixed;left:${shown.left}px;top:${shown.top}px;`
    + `width:${shown.width}px;height:${shown.height}px;visibility:hidden;`
    + 'pointer-events:none;margin:0;padding:0;border:0';
  const copy = document.importNode(svg, true);
  copy.setAttribute('width', `${shown.width}px`);
  copy.setAttribute('height', `${shown.height}px`);
  overlay.appendChild(copy);
  document.body.appendChild(overlay);
  const scale = shown.width / viewBox[2];
  const texts = [...copy.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {id: t.parentNode.getAttribute('id') || '', text: t.textContent,
            px: parseFloat(t.style.fontSize) * scale,
            box: [r.left, r.top, r.right, r.bottom]};
  });
  overlay.remove();
  return {scale, natural: [img.naturalWidth, img.naturalHeight],
          image: [shown.left, shown.top, shown.right, shown.bottom], texts};
}"""

#: The computed font size of the panel's HTML texts and controls, in CSS px.
MEASURE_HTML = """panel => {
  const size = e => parseFloat(getComputedStyle(e).fontSize);
  const sizes = sel => [...panel.querySelectorAll(sel)]
    .filter(e => e.offsetParent !== null && e.textContent.trim() !== '' || e.tagName === 'INPUT')
    .filter(e => e.offsetParent !== null).map(size);
  return {
    formula: sizes('.widget-html-content div'),
    controls: [...sizes('.widget-label'), ...sizes('input[type=number]'),
               ...sizes('.widget-toggle-button'), ...sizes('.widget-checkbox label'),
               ...sizes('select')],
  };
}"""


def _visible_area(page: Any, frontend: str) -> list[float]:
    """What the user sees of the page: the notebook area under the frontend's menus and
    toolbar, or Voila's whole viewport."""
    size = page.viewport_size
    if frontend != "voila":
        box = page.locator(".jp-NotebookPanel-notebook").first.bounding_box()
        return [box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]]
    return [0, 0, size["width"], size["height"]]


def _width(box: list[float]) -> float:
    return box[2] - box[0]


def _inside(box: list[float], area: list[float]) -> bool:
    left, top, right, bottom = box
    return left >= area[0] and top >= area[1] and right <= area[2] and bottom <= area[3]


def _lab_view_menu(page: Any, item: str) -> None:
    """View → Appearance → ``item`` (a toggle), from JupyterLab's menu bar."""
    page.get_by_role("menuitem", name="View", exact=True).click()
    page.locator(".lm-Menu-item", has_text="Appearance").first.hover()
    page.locator(".lm-Menu-item", has_text=item).first.click()


def _box(element: Any) -> list[float]:
    box = element.bounding_box()
    return [box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]]


def measure_room(view: PanelPage, frontend: str, changed: Any, image: Any) -> dict[str, Any]:
    """Where the changed control, the total and each gate card's count are, and how big
    the texts are."""
    page = view.page
    diagram = image.evaluate(MEASURE_DIAGRAM)
    html = view.panel.evaluate(MEASURE_HTML)
    texts = diagram["texts"]
    return {
        "area": _visible_area(page, frontend),
        "changed": _box(changed),
        "title": next(t for t in texts if t["id"] == "item.title"),
        # The model's total beside the layer's count, where there is a dense head.
        "aside": next((t for t in texts if t["id"] == "item.title.aside"), None),
        "cards": [t for t in texts if re.fullmatch(r"item\.card\.[^.]+\.total", t["id"])],
        "smallest_text_px": min(t["px"] for t in texts),
        "scale": diagram["scale"],
        "natural": diagram["natural"],
        "image": diagram["image"],
        "panel": _box(view.panel),
        "formula_px": min(html["formula"]),
        "controls_px": min(html["controls"]),
    }


@pytest.mark.parametrize("room", list(ROOMS))
def test_lecture_layout_keeps_the_answer_on_a_projector(
    server: JupyterServer, browser: Any, room: str
) -> None:
    """After a change, the control, the total and every gate's count are on screen."""
    from playwright.sync_api import expect

    frontend, presentation = ROOMS[room]
    name = copy_notebook(NOTEBOOK, server)
    lecture = room != "lab-full-variant"
    if not lecture:
        copy = server.root / name
        copy.write_text(copy.read_text().replace('variant=\\"lecture\\"', 'variant=\\"full\\"'))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    console = Console(frontend)
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    view = PanelPage(page, frontend, ARTIFACTS)
    try:
        page.goto(server.url(FRONTENDS[frontend].format(name=name)))
        if presentation:
            page.locator(".jp-Notebook").first.wait_for(timeout=FIRST_DRAW_TIMEOUT_MS)
            _lab_view_menu(page, "Presentation Mode")
            page.locator(".jp-mod-presentationMode").first.wait_for(state="attached")
        view.run_all(server)
        view.wait_for_panel()
        # No still beside a live panel: JupyterLab clears each one once its panel shows,
        # and Voila's page never gets one. The notebook has two panels, and on a busy
        # machine the second may still be starting, so wait for no still at all rather
        # than for one element to go.
        expect(page.get_by_text(STILL_CAPTION)).to_have_count(0, timeout=REDRAW_TIMEOUT_MS)
        if frontend == "voila":
            # The lecturer's notes stay out of the students' page.
            assert page.get_by_text("suggested sequence").count() == 0
            assert page.get_by_text("Before class").count() == 0
            # One summary line: no stale copy of it under the panel.
            assert page.get_by_text(re.compile(r" at float32$")).count() == 1
        view.panel.evaluate("panel => panel.scrollIntoView({block: 'start'})")
        shown = view.image_source()
        units = view.entry("units")
        units.click()
        units.press("Control+a")
        units.type("20")
        units.press("Enter")
        view.expect_redraw(shown, breakdown(**dict(START, units=20)).total)
        page.wait_for_timeout(300)  # the entry and slider settle after the image
        view.screenshot(f"lecture-{room}")
        at_100 = measure_room(view, frontend, units, view.image)
        if lecture:
            # The comparison's sentence joins the diagram without pushing the cards
            # off the projector.
            shown = view.image_source()
            view.choose("compare", "framework=pytorch")
            line = view.comparison("PyTorch LSTM adds a second bias per gate: 4 × 20 = 80")
            view.page.wait_for_function(
                "([img, old]) => img.getAttribute('src') !== old && img.complete",
                arg=[view.image.element_handle(), shown],
                timeout=REDRAW_TIMEOUT_MS,
            )
            view.screenshot(f"lecture-{room}-compare")
            compared = measure_room(view, frontend, units, view.image)
            compared["sentence"] = _box(line)
            compared["sentence_px"] = line.evaluate(
                "e => parseFloat(getComputedStyle(e).fontSize)"
            )
            shown = view.image_source()
            view.choose("compare", "nothing")
            view.expect_redraw(shown, breakdown(**dict(START, units=20)).total)

        # The browser zoomed to 150 %: fewer, larger CSS pixels.
        cdp = context.new_cdp_session(page)
        cdp.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": round(PROJECTOR["width"] / ZOOM),
                "height": round(PROJECTOR["height"] / ZOOM),
                "deviceScaleFactor": ZOOM,
                "mobile": False,
            },
        )
        page.wait_for_timeout(500)
        at_150 = measure_room(view, frontend, units, view.image)
        view.screenshot(f"lecture-{room}-zoom150")
    except BaseException:
        view.screenshot(f"lecture-{room}-failure")
        raise
    finally:
        context.close()
    figures = {"100%": at_100, "150%": at_150}
    if lecture:
        figures["compare"] = compared
    (ARTIFACTS / f"lecture-{room}.json").write_text(json.dumps(figures, indent=1))

    area = at_100["area"]
    assert _inside(at_100["changed"], area), figures
    assert len(at_100["cards"]) == 4, figures
    if not lecture:
        return  # the full arrangement's figures are for comparison only
    assert _inside(at_100["title"]["box"], area), figures
    # The layer's own count after the change, and the model's total beside it.
    assert "1,760" in at_100["title"]["text"] and "1,781" in at_100["aside"]["text"], figures
    assert _inside(at_100["aside"]["box"], area), figures
    assert len(at_100["cards"]) == 4 and all(_inside(c["box"], area) for c in at_100["cards"])
    assert at_100["smallest_text_px"] >= LECTURE_MIN_PX - LAYOUT_UNIT, figures
    assert at_100["formula_px"] >= LECTURE_MIN_PX and at_100["controls_px"] >= LECTURE_MIN_PX
    # Comparing: the sentence and every card on screen, the text at lecture size.
    assert _inside(compared["sentence"], area) and compared["sentence_px"] >= LECTURE_MIN_PX
    assert len(compared["cards"]) == 4 and all(_inside(c["box"], area) for c in compared["cards"])
    # Zoomed, the diagram keeps its lecture size where the panel is wide enough for it,
    # and is shrunk only to the panel's width where it is not, never cut off.
    assert at_150["image"][2] <= at_150["panel"][2], figures
    assert at_150["smallest_text_px"] >= LECTURE_MIN_PX - LAYOUT_UNIT or at_150["natural"][
        0
    ] > _width(at_150["panel"]), figures
    assert console.real_errors() == [], "\n".join(console.real_errors())


def test_a_missing_browser_skips_only_when_not_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import browser_support

    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(browser_support.REQUIRE_BROWSER, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium"):
        browser_support.require_browser()
    monkeypatch.setenv(browser_support.REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match="LSTM_WIDGET_REQUIRE_BROWSER is set"):
        browser_support.require_browser()
