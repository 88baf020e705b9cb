"""The marimo front end: its controls and view, a real marimo run, and chromium on it.

The controls and the view are checked in this process against the panel (the same
sentence for the same invalid values, the same counts); ``marimo export html`` runs
the lecture notebook and the package's rich outputs in a real marimo kernel; and
``marimo run`` serves the notebook to headless chromium, offline, where typing into
the units entry redraws the diagram.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path
from typing import Any

import marimo as mo
import pytest
from axe_support import MARIMO_OURS, audit
from browser_support import require_browser
from marimo_support import FIRST_VIEW_TIMEOUT_MS, VIEW_IMAGE, MarimoPage, marimo_page
from notebook_support import NOTEBOOK_DIR

import lstm_widget
import lstm_widget.marimo as lstm_marimo
from lstm_widget import SettingsError, breakdown
from lstm_widget.controls import NUMBERS, every_highlight_option, framework_choices

NOTEBOOK = NOTEBOOK_DIR / "lecture_marimo.py"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "marimo"
#: The lecture notebook's preset.
START = dict(units=10, input_size=1, dense=1)
SEED = "Keras LSTM: 480 parameters (model with dense head: 491)"
AT_20 = "Keras LSTM: 1,760 parameters (model with dense head: 1,781)"


def values_of(c: Any, **changes: Any) -> dict[str, Any]:
    """The controls' values with ``changes``, as marimo hands them to the view."""
    return {**c.value, **changes}


def text_of(html: str) -> str:
    """What a reader sees of ``html``: its text, entities resolved."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def svg_of(html: str) -> str:
    """The SVG the view's <img> carries."""
    match = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert match, html[:500]
    return base64.b64decode(match.group(1)).decode()


# ------------------------------------------------------------------ in this process


def test_controls_start_at_the_preset_and_view_shows_its_counts() -> None:
    c = lstm_marimo.controls(**START)
    assert isinstance(c, mo.ui.batch)
    value = c.value
    assert value["units"] == 10 and value["input_size"] == 1 and value["dense"] == 1
    assert value["framework"] == "keras" and value["cell"] == "lstm"
    html = lstm_marimo.view(c).text
    assert f'alt="{SEED}. Block diagram of ' in html
    svg = svg_of(html)
    assert "480" in svg and "491" in svg
    per_unit = breakdown(**START).per_unit[0].text()
    assert f"Layer 1: {per_unit}" in html  # the per-unit reading
    assert c.live.error is None


def test_controls_are_built_from_the_panels_definitions() -> None:
    c = lstm_marimo.controls(**START)
    panel = lstm_widget.panel(**START)
    try:
        assert set(c.value) == {*panel.controls, "widths", "highlight", "theme"}
        for name, (low, high) in NUMBERS.items():
            assert (c[name].start, c[name].stop) == (low, high)
        assert list(c["framework"].options.values()) == [k for _, k in framework_choices()]
        assert list(c["highlight"].options.values()) == [v for _, v in every_highlight_option()]
    finally:
        panel.close()


@pytest.mark.parametrize(
    "changes",
    [
        {"framework": "pytorch", "proj_size": 10},  # proj_size must stay below units
        {"units": 0},
        {"cell": "rnn", "framework": "cudnn"},
        {"cell": "convlstm", "kernel": "3, x"},
        {"widths": "32, x"},
    ],
    ids=lambda changes: ",".join(f"{k}={v}" for k, v in changes.items()),
)
def test_invalid_values_get_the_panels_sentence(changes: dict[str, Any]) -> None:
    c = lstm_marimo.controls(**START)
    html = c.live.html(values_of(c, **changes))
    panel = lstm_widget.panel(**START)
    try:
        with panel.hold_trait_notifications():
            for name, value in changes.items():
                control = panel.widths if name == "widths" else panel.controls[name]
                control.value = value
        panel.update()
        assert panel.error is not None
        assert c.live.error == panel.error
    finally:
        panel.close()
    assert 'role="alert"' in html and text_of(html).count(panel.error) == 1
    assert "not counted" not in html  # notes are about counted settings only
    # The last valid drawing stays, as in the panel.
    assert f'alt="{SEED}. Block diagram of ' in html


def test_an_option_the_layer_lacks_is_not_counted_and_says_so() -> None:
    c = lstm_marimo.controls(**START)
    html = c.live.html(values_of(c, proj_size=5, peepholes=True))
    assert c.live.error is None
    assert c.live.result.total == breakdown(**START).total
    assert "proj_size=5 does not apply to the Keras LSTM and is not counted." in html
    assert "peepholes=True does not apply to the Keras LSTM and is not counted." in html
    onnx = c.live.html(values_of(c, framework="onnx", peepholes=True))
    assert c.live.result.settings.peepholes is True and "peepholes=True" not in onnx


def test_a_highlight_the_layer_lacks_lights_nothing() -> None:
    c = lstm_marimo.controls(**START, highlight="f")
    assert c.value["highlight"] == "f"
    gru = c.live.html(values_of(c, cell="gru"))
    assert c.live.error is None and "forget gate" not in gru
    plain = lstm_marimo.controls(**START).live.html(values_of(c, cell="gru", highlight=""))
    assert svg_of(gru) == svg_of(plain)


def test_theme_and_lecture_variant() -> None:
    c = lstm_marimo.controls(**START, theme="high-contrast", variant="lecture")
    assert c.value["theme"] == "high-contrast" and c.variant == "lecture"
    html = lstm_marimo.view(c).text
    dark = lstm_widget.style.THEMES["high-contrast"]
    assert f"background:{dark.background}" in html
    assert "font-size:18px" in html and "max-width:none" in html
    assert (
        svg_of(html)
        == lstm_widget.render(
            breakdown(**START), "svg", theme="high-contrast", variant="lecture"
        ).decode()
    )


def test_bad_presets_raise_one_sentence() -> None:
    with pytest.raises(SettingsError, match="theme must be one of"):
        lstm_marimo.controls(theme="dark")
    with pytest.raises(SettingsError, match="highlight must be one of"):
        lstm_marimo.controls(highlight="peephole")
    with pytest.raises(SettingsError, match="variant"):
        lstm_marimo.controls(variant="poster")
    with pytest.raises(SettingsError, match="view\\(\\) shows"):
        lstm_marimo.view(mo.ui.slider(1, 3))


def test_a_copy_marimo_nests_keeps_the_view() -> None:
    c = lstm_marimo.controls(**START, variant="lecture", theme="high-contrast")
    (copy,) = mo.ui.array([c]).elements  # marimo nests a clone of each element
    assert copy is not c and isinstance(copy, lstm_marimo.Controls)
    assert copy.variant == "lecture" and copy.value == c.value
    assert f'alt="{SEED}. Block diagram of ' in lstm_marimo.view(copy).text


def test_reached_as_an_attribute_of_the_package() -> None:
    assert lstm_widget.marimo is lstm_marimo


# ------------------------------------------------------------------ a real marimo run

#: The package's rich outputs, each the last expression of a cell.
DISPLAY_NOTEBOOK = """
import marimo

app = marimo.App()


@app.cell
def _():
    import torch

    import lstm_widget

    return lstm_widget, torch


@app.cell
def _(lstm_widget):
    lstm_widget.breakdown(units=10, input_size=1, dense=1)
    return


@app.cell
def _(lstm_widget, torch):
    lstm_widget.explain(torch.nn.Sequential(torch.nn.LSTM(1, 10)))
    return


@app.cell
def _(lstm_widget):
    lstm_widget.growth(lstm_widget.breakdown(units=10, input_size=1, dense=1))
    return
"""


def export_html(notebook: Path, out: Path) -> list[list[dict[str, Any]]]:
    """Run ``notebook`` with ``marimo export html``; each cell's outputs, in order."""
    done = subprocess.run(
        [sys.executable, "-m", "marimo", "-q", "export", "html", str(notebook), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    page = out.read_text(encoding="utf-8")
    start = page.index('"session": ') + len('"session": ')
    session, _ = json.JSONDecoder().raw_decode(page, start)
    return [cell["outputs"] for cell in session["cells"]]


def only_output(outputs: list[dict[str, Any]]) -> tuple[str, Any]:
    assert len(outputs) == 1, outputs
    ((mime, data),) = outputs[0]["data"].items()
    return mime, data


def copied(notebook: Path, folder: Path) -> Path:
    """``notebook`` copied into ``folder``: marimo writes its session beside the notebook
    it runs (``__marimo__/``), which must not land in the repository."""
    copy = folder / notebook.name
    shutil.copy(notebook, copy)
    return copy


def test_the_notebook_passes_marimo_check(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "marimo", "check", "--strict", str(copied(NOTEBOOK, tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_export_html_of_the_notebook_holds_the_diagram_and_counts(tmp_path: Path) -> None:
    cells = export_html(copied(NOTEBOOK, tmp_path), tmp_path / "lecture.html")
    views = [
        data
        for outputs in cells
        for output in outputs
        for mime, data in output["data"].items()
        if mime == "text/html" and "lstm-widget-marimo-view" in data
    ]
    assert len(views) == 1
    assert f'alt="{SEED}. Block diagram of ' in views[0]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg_of(views[0]))
    assert any("480" in t for t in texts) and any("491" in t for t in texts)
    assert "total: 480 + 11 = 491" in text_of(views[0])


def test_rich_outputs_display_in_marimo(tmp_path: Path) -> None:
    notebook = tmp_path / "display.py"
    notebook.write_text(DISPLAY_NOTEBOOK, encoding="utf-8")
    _, shown_breakdown, shown_report, shown_growth = export_html(notebook, tmp_path / "d.html")
    # A Breakdown: its HTML (marimo's _mime_), the diagram inside, then the table.
    mime, html = only_output(shown_breakdown)
    assert mime == "text/html"
    assert f'alt="{SEED}. Block diagram of ' in html and "<table" in html
    # A model report: its HTML, strip first.
    mime, html = only_output(shown_report)
    assert mime == "text/html"
    assert '<div class="lstm-widget-model"' in html and "520" in html
    assert 'alt="Strip. ' in html and "<table" in html
    # The growth plot: marimo renders the Figure itself, as a PNG (a bundle as JSON).
    mime, bundle = only_output(shown_growth)
    assert mime == "application/vnd.marimo+mimebundle"
    assert json.loads(bundle)["image/png"].startswith("data:image/png;base64,")


# ------------------------------------------------------------------ chromium

#: The editor's button that runs every cell not yet run.
RUN_ALL = "[data-testid=chrome-controls-bottom-right] [data-testid=run-button]"


@pytest.mark.browser
def test_the_notebook_runs_in_marimo_edit(tmp_path: Path, axe_source: str) -> None:
    """The editor opens the notebook with its cells not yet run; run them all, as a
    person would, and the view works as in the app; offline too."""
    require_browser()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with marimo_page(NOTEBOOK, tmp_path, {"width": 1280, "height": 900}, "edit") as page:
        view = MarimoPage(page)
        run_all = page.locator(
            "[data-testid=chrome-controls-bottom-right] [data-testid=run-button]"
        )
        # A click before the page's kernel connection is up is lost; a person clicks
        # again when nothing happens.
        for _ in range(FIRST_VIEW_TIMEOUT_MS // 10_000):
            run_all.click(timeout=FIRST_VIEW_TIMEOUT_MS)
            with contextlib.suppress(PlaywrightTimeout):
                page.locator(VIEW_IMAGE).first.wait_for(state="attached", timeout=10_000)
                break
        view.wait_for_view()
        assert view.headline() == SEED
        assert view.type_number("units", 20, AT_20) > 0
        found = audit(page, "marimo-edit", axe_source, MARIMO_OURS)
        record = page.offline
    assert found.refused == [], found.report()
    assert record.blocked == [], record.blocked
    assert record.errors == [], record.errors


@pytest.mark.browser
def test_the_app_redraws_in_chromium_offline(tmp_path: Path, axe_source: str) -> None:
    require_browser()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with marimo_page(NOTEBOOK, tmp_path, {"width": 1280, "height": 720}) as page:
        view = MarimoPage(page)
        try:
            view.wait_for_view()
            assert view.headline() == SEED
            audits = [audit(page, "marimo-app", axe_source, MARIMO_OURS)]
            elapsed = view.type_number("units", 20, AT_20)
            print(f"units 10 -> 20: new diagram decoded {elapsed:.0f} ms after Enter")
            page.screenshot(path=str(ARTIFACTS / "units-20.png"))
            # Lecture variant: the drawing at its natural size, the texts at 18 px.
            image = page.locator(VIEW_IMAGE).first
            sizes = image.evaluate(
                "img => [img.getBoundingClientRect().width, img.naturalWidth,"
                " parseFloat(getComputedStyle(img.closest('.lstm-widget-marimo-view'))"
                ".fontSize)]"
            )
            assert abs(sizes[0] - sizes[1]) < 1 and sizes[2] == 18, sizes
            # High contrast: the view on the theme's background, the SVG too.
            before = str(image.get_attribute("src"))
            view.choose("high contrast")
            page.wait_for_function(
                "([selector, old]) => { const i = document.querySelector(selector);"
                " return i && i.src !== old }",
                arg=[VIEW_IMAGE, before],
                timeout=30_000,
            )
            dark = lstm_widget.style.THEMES["high-contrast"]
            background = page.locator(".lstm-widget-marimo-view").first.evaluate(
                "e => getComputedStyle(e).backgroundColor"
            )
            assert background == "rgb({}, {}, {})".format(
                *(int(dark.background[i : i + 2], 16) for i in (1, 3, 5))
            )
            assert view.headline() == AT_20
            page.screenshot(path=str(ARTIFACTS / "high-contrast.png"))
            audits.append(audit(page, "marimo-app-high-contrast", axe_source, MARIMO_OURS))
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / "failure.png"))
            raise
        record = page.offline
    for found in audits:
        assert found.refused == [], found.report()
    assert record.blocked == [], record.blocked
    assert record.errors == [], record.errors
