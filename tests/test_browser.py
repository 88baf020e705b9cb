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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterServer,
    copy_notebook,
    require_browser,
    start_server,
)
from notebook_support import NOTEBOOK_DIR

from lstm_widget import breakdown

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

#: Console errors that are not ours, per frontend, each with the reason it is harmless.
KNOWN_NOISE: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "notebook": [
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

    def slider_handle(self, label: str) -> Any:
        row = self.panel.locator(".widget-hbox").filter(
            has=self.page.locator("label", has_text=re.compile(f"^{label}$"))
        )
        return row.locator(".noUi-handle").first

    def toggle(self, label: str, choice: str) -> Any:
        group = self.panel.locator(".widget-toggle-buttons").filter(
            has=self.page.locator("label", has_text=re.compile(f"^{label}$"))
        )
        return group.get_by_role("button", name=choice, exact=True)


@pytest.mark.parametrize("frontend", list(FRONTENDS))
def test_panel_follows_keyboard_and_mouse(
    server: JupyterServer, browser: Any, frontend: str
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
        view.toggle("framework", "PyTorch").click()
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
        view.toggle("cell", "GRU").click()
        settings["cell"] = "gru"
        shown = view.expect_redraw(shown, breakdown(**settings).total)
        view.screenshot("4-gru")
        assert units.input_value() == "20"

        # Mouse: drag the units slider to the right and let go; the entry follows and
        # the diagram ends on the released value.
        handle = view.slider_handle("units")
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y, steps=12)
        page.mouse.up()
        # The released value is the slider's; the entry passes through earlier steps
        # of the drag on its way there, so wait for it to arrive rather than read it.
        released = int(float(str(handle.get_attribute("aria-valuenow"))))
        assert released > 20
        page.wait_for_function(
            "([input, value]) => input.value === value",
            arg=[units.element_handle(), str(released)],
            timeout=REDRAW_TIMEOUT_MS,
        )
        settings["units"] = released
        view.expect_redraw(shown, breakdown(**settings).total)
        view.screenshot("5-dragged")
    except BaseException:
        view.screenshot("failure")
        raise
    finally:
        context.close()
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
