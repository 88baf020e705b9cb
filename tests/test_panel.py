"""The live panel, driven by setting control values in code (no browser needed)."""

from __future__ import annotations

import base64
import itertools
import json
import re
import subprocess
import sys
import textwrap
from html import escape
from pathlib import Path
from typing import Any

import pytest
from test_diagram import assert_same_drawing

import lstm_widget
from lstm_widget import SettingsError, breakdown
from lstm_widget.counting import SETTING_NAMES
from lstm_widget.report import text_table
from lstm_widget.style import HIGH_CONTRAST, LIGHT

#: The notebooks folder (read as text here: the oldest test environment has no nbformat).
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture
def panel() -> Any:
    return lstm_widget.panel(units=10, input_size=1, dense=1)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The widgets whose messages go to the frontend, in the order they are sent."""
    import ipywidgets

    widgets_sent: list[Any] = []
    send = ipywidgets.Widget._send

    def spy(widget: Any, msg: dict[str, Any], buffers: Any = None) -> None:
        widgets_sent.append(widget)
        send(widget, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", spy)
    return widgets_sent


def test_a_control_for_every_setting_preset_from_the_arguments() -> None:
    p = lstm_widget.panel(framework="pytorch", cell="gru", units=64, input_size=32, layers=2)
    assert set(p.controls) == set(SETTING_NAMES)
    assert p.controls["units"].value == 64
    assert p.controls["cell"].value == "gru"
    assert p.result == breakdown(
        framework="pytorch", cell="gru", units=64, input_size=32, layers=2
    )
    assert p.error is None


def test_where_widgets_cannot_run_the_output_is_what_the_panel_shows(panel: Any) -> None:
    panel.controls["units"].value = 20
    # What display() publishes for the panel (it shows a still beside it in a kernel:
    # test_a_still_for_static_viewers_is_cleared_once_a_frontend_shows_the_panel).
    data = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data  # the live panel first
    assert data["text/plain"] == text_table(panel.result)
    html = data["text/html"]
    # A PNG, as in every static output: an SVG data URI is not shown everywhere.
    assert data["image/png"].startswith(b"\x89PNG")
    assert base64.b64encode(data["image/png"]).decode() in html
    assert panel.formula.value in html and panel.explanation.value in html
    # The alt text, for the settings shown now.
    assert "Keras LSTM: 1,760 parameters (model with dense head: 1,781)" in html


def test_changing_a_control_updates_result_formula_and_image(panel: Any) -> None:
    image, formula = panel.image.value, panel.formula.value
    assert panel.image.format == "svg+xml" and b"<svg" in bytes(image[:1000])
    assert formula
    panel.controls["units"].value = 20
    assert panel.result == breakdown(units=20, input_size=1, dense=1)
    assert "20" in panel.formula.value and panel.formula.value != formula
    assert panel.image.value != image
    assert f"{panel.result.total:,}" in panel.formula.value
    assert panel.result.per_unit[0].text().split(";")[0] in panel.explanation.value
    for name, value in [
        ("cell", "gru"),
        ("framework", "pytorch"),
        ("layers", 3),
        ("bidirectional", True),
        ("bias", False),
        ("dense", 0),
        ("input_size", 7),
    ]:
        before = panel.image.value
        panel.controls[name].value = value
        assert getattr(panel.result.settings, name) == value
        assert panel.image.value != before, name
    assert panel.result == breakdown(
        framework="pytorch", cell="gru", units=20, input_size=7, layers=3, bidirectional=True,
        bias=False,
    )  # fmt: skip


def test_settings_are_counted_once_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    from lstm_widget import _panel

    counted: list[Any] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted.append(result := breakdown(*args, **kwargs))
        return result

    monkeypatch.setattr(_panel, "breakdown", counting)
    p = lstm_widget.panel(units=10, input_size=1, dense=1)
    assert counted == [p.result]  # creating the panel counts once
    p.theme.value = "high-contrast"
    p.highlight.value = "recurrent"
    assert len(counted) == 1  # styling leaves the count alone
    p.controls["units"].value = 11
    assert counted[1:] == [p.result] == [breakdown(units=11, input_size=1, dense=1)]


def test_slider_and_typed_entry_stay_linked(panel: Any) -> None:
    slider, entry = panel.sliders["units"], panel.controls["units"]
    slider.value = 33
    assert entry.value == 33 and panel.result.settings.units == 33
    entry.value = 12
    assert slider.value == 12
    entry.value = 250_000  # past the slider's end: the slider stretches to follow
    assert slider.max >= 250_000 and slider.value == 250_000
    assert panel.result.settings.units == 250_000
    slider.value = 200_000  # a drag keeps the range it started with
    assert slider.max >= 250_000 and entry.value == 200_000
    entry.value = 20  # typed back: the slider drags over its own range again
    assert slider.value == 20 and slider.max == 1024
    entry.value = 0  # refused: the slider keeps its place, the entry its typed value
    assert panel.error and slider.value == 20 and entry.value == 0


def test_lecture_width_sliders_are_logarithmic_and_stay_linked() -> None:
    """On a linear 1-1,024 track, 10 -> 20 units was 1 % of it (3 px of 300)."""
    import math

    p = lstm_widget.panel(units=10, input_size=1, dense=1, variant="lecture")
    slider, entry = p.sliders["units"], p.controls["units"]

    def top() -> float:  # a log slider's max is a power of 2
        return float(2**slider.max)

    slider.value = 33.4  # a log slider's positions are fractions; the entry takes whole units
    assert entry.value == 33 and p.result.settings.units == 33
    entry.value = 12
    assert slider.value == 12
    entry.value = 250_000  # past the slider's end: the slider stretches to follow
    assert top() >= 250_000 and slider.value == 250_000
    slider.value = 200_000  # a drag keeps the range it started with
    assert top() >= 250_000 and entry.value == 200_000
    entry.value = 20  # typed back: the slider drags over its own range again
    assert slider.value == 20 and top() == 1024
    # An arrow key from the typed 20 moves to the next step of the track, 2**4.5.
    slider.value = 2**4.5
    assert entry.value == 23 and p.result.settings.units == 23
    for name in ("units", "input_size"):
        track = p.sliders[name]
        assert 2**track.min == 1

        def place(value: int, track: Any = track) -> float:
            """Where ``value`` sits along the track, from 0 to 1."""
            return (math.log2(value) - track.min) / (track.max - track.min)

        assert place(20) - place(10) >= 0.1
        # An arrow key moves one step: from 10 up, every press changes the width.
        first, last = math.ceil(math.log2(10) / track.step), round(track.max / track.step)
        widths = [round(2 ** (k * track.step)) for k in range(first, last + 1)]
        assert all(b > a for a, b in itertools.pairwise(widths))
    layers, layer_slider = p.controls["layers"], p.sliders["layers"]
    layer_slider.value = 3  # a count's slider is linear
    assert layers.value == 3 and p.result.settings.layers == 3


def test_a_slider_step_sends_the_new_diagram_before_the_other_updates(
    panel: Any, sent: list[Any]
) -> None:
    panel.sliders["units"].value = 11
    ours = [widget for widget in sent if widget is not panel.sliders["units"]]
    assert ours[0] is panel.image
    assert panel.controls["units"] in ours  # the entry still follows, just later
    assert panel.controls["units"].value == 11


def test_a_typed_value_sends_the_new_diagram_before_the_slider_and_draws_once(
    panel: Any, sent: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lstm_widget import diagram

    rendered: list[int] = []
    render = diagram.Diagram.render

    def counted(painter: Any, source: Any, *args: Any, **kwargs: Any) -> bytes:
        rendered.append(source.settings.units)
        return render(painter, source, *args, **kwargs)

    monkeypatch.setattr(diagram.Diagram, "render", counted)
    slider = panel.sliders["units"]
    for typed in (13, 2_000):  # within the slider's range, and past its end
        sent.clear()
        panel.controls["units"].value = typed
        assert slider in sent and sent.index(panel.image) < sent.index(slider), typed
        assert slider.value == typed
    assert rendered == [13, 2_000]


def test_invalid_combination_shows_the_message_and_recovers() -> None:
    p = lstm_widget.panel(framework="pytorch", units=10, input_size=4)
    valid = p.result
    p.controls["proj_size"].value = 10
    assert p.error is not None and "proj_size=10" in p.error
    assert "proj_size=10" in p.message.value
    assert p.result == valid  # the last valid drawing stays up
    p.controls["proj_size"].value = 5
    assert p.error is None and p.message.value == ""
    assert p.result == breakdown(framework="pytorch", units=10, input_size=4, proj_size=5)
    p.controls["units"].value = 0
    assert p.error == "units must be an integer from 1 to 1,000,000,000,000, not 0."
    p.controls["units"].value = 6
    assert (
        p.error is None
        and p.result.total
        == breakdown(framework="pytorch", units=6, input_size=4, proj_size=5).total
    )


def test_options_are_disabled_where_they_do_not_apply(panel: Any) -> None:
    def enabled() -> set[str]:
        return {
            name
            for name in ("proj_size", "reset_after", "peepholes")
            if not panel.controls[name].disabled
        }

    expectations = {
        ("keras", "lstm"): set(),
        ("keras", "gru"): {"reset_after"},
        ("pytorch", "lstm"): {"proj_size"},
        ("pytorch", "gru"): set(),
        ("onnx", "lstm"): {"peepholes"},
        ("onnx", "rnn"): set(),
        ("tf1", "lstm"): {"proj_size", "peepholes"},
        ("flax", "gru"): set(),
    }
    for (framework, cell), expected in expectations.items():
        panel.controls["framework"].value = framework
        panel.controls["cell"].value = cell
        assert enabled() == expected, (framework, cell)
        assert panel.sliders["proj_size"].disabled == ("proj_size" not in expected)
        assert panel.error is None


def test_a_disabled_option_shows_what_is_counted_and_comes_back(panel: Any) -> None:
    panel.controls["framework"].value = "pytorch"
    panel.controls["units"].value = 16
    panel.controls["proj_size"].value = 4
    panel.controls["framework"].value = "keras"
    assert panel.controls["proj_size"].value == 0  # shown as counted, not silently ignored
    assert panel.result.settings.proj_size == 0
    assert panel.error is None
    panel.controls["framework"].value = "pytorch"
    assert panel.controls["proj_size"].value == 4
    assert panel.result.settings.proj_size == 4


def test_biases_that_cannot_be_dropped_stay_on_and_come_back_off(panel: Any) -> None:
    panel.controls["bias"].value = False
    panel.controls["framework"].value = "cudnn"  # cuDNN layers always have their biases
    assert panel.controls["bias"].disabled and panel.controls["bias"].value is True
    assert panel.error is None and panel.result.settings.bias is True
    panel.controls["framework"].value = "keras"
    assert not panel.controls["bias"].disabled and panel.controls["bias"].value is False
    assert panel.result.settings.bias is False


def test_a_cell_the_convention_lacks_is_one_sentence_and_the_panel_recovers(panel: Any) -> None:
    panel.controls["cell"].value = "rnn"
    panel.controls["framework"].value = "cudnn"
    assert panel.error == (
        "framework='cudnn' has no rnn cell; it has lstm (CuDNNLSTM), gru (CuDNNGRU)."
    )
    panel.controls["cell"].value = "gru"
    assert panel.error is None
    assert panel.result.settings.describe_layer() == "Keras 2 CuDNNGRU"


def test_setting_a_disabled_option_in_code_is_reported(panel: Any) -> None:
    panel.controls["peepholes"].value = True  # a Keras LSTM has none
    assert panel.error is not None and "peepholes" in panel.error
    panel.controls["framework"].value = "onnx"  # now it applies: the value set is kept
    assert panel.error is None
    assert panel.result.settings.peepholes is True


def test_a_conv_lstm_gets_a_kernel_entry_filters_and_its_one_framework(panel: Any) -> None:
    """The cell comes from the registry; its kernel entry applies only to it."""
    kernel = panel.controls["kernel"]
    assert kernel.disabled and kernel.value == ""
    assert ("ConvLSTM", "convlstm") in panel.controls["cell"].options
    panel.controls["cell"].value = "convlstm"
    assert not kernel.disabled and kernel.value == "3, 3"  # the common kernel, to start
    assert panel.controls["units"].description == "units (filters)"
    assert panel.controls["input_size"].description == "input_size (channels)"
    panel.controls["units"].value = 16
    assert panel.error is None and panel.result.total - panel.result.dense_total == 9_856
    assert "each filter:" in panel.explanation.value
    kernel.value = "3"
    assert panel.result.settings.kernel == (3,)
    assert panel.result.headline().startswith("Keras ConvLSTM1D (16 filters, kernel 3)")
    kernel.value = "3, x"
    assert panel.error == "kernel must be sizes separated by commas such as 3, 3, not '3, x'."
    kernel.value = "3, 3"
    panel.controls["framework"].value = "pytorch"
    assert panel.error == (
        "cell='convlstm' (ConvLSTM) exists only in Keras, not in PyTorch; use framework='keras'."
    )
    panel.controls["framework"].value = "keras"
    assert panel.error is None and panel.result.settings.kernel == (3, 3)
    panel.controls["cell"].value = "lstm"  # the kernel is parked, and comes back
    assert kernel.disabled and kernel.value == "" and panel.result.settings.kernel == ()
    assert panel.controls["units"].description == "units"
    panel.controls["cell"].value = "convlstm"
    assert kernel.value == "3, 3" and panel.error is None


def test_per_unit_reading_names_the_layers_it_covers(panel: Any) -> None:
    panel.controls["layers"].value = 4
    first, above = panel.result.per_unit[0], panel.result.per_unit[1]
    assert f"Layer 1: {first.text()}" in panel.explanation.value
    assert f"Each of layers 2–4: {above.text()}" in panel.explanation.value


def test_typed_widths_per_layer_set_the_stack(panel: Any) -> None:
    panel.widths.value = "32, 18"
    assert panel.error is None
    assert panel.controls["layers"].value == 2, "the list sets the number of layers"
    assert panel.result == breakdown(units=(32, 18), input_size=1, dense=1)
    assert panel.result.settings.input_size == 1
    assert "Layer 2: " in panel.explanation.value and "× 18 units" in panel.explanation.value
    assert "32 × 18" in panel.formula.value  # layer 2's input weights
    # The layers slider cuts the list or repeats its last width.
    panel.sliders["layers"].value = 4
    assert panel.widths.value == "32, 18, 18, 18"
    assert panel.result.settings.units == (32, 18, 18, 18)
    panel.controls["layers"].value = 1
    assert panel.widths.value == "32" and panel.result.settings.units == 32
    # The units slider sets every layer, so it clears the list.
    panel.widths.value = "64, 8"
    panel.sliders["units"].value = 20
    assert panel.widths.value == ""
    assert panel.result.settings.widths == (20, 20)
    assert panel.error is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("32,,18", "Units per layer: expected whole numbers separated by commas, such as "
         "32,18, not '32,,18'."),
        ("32, 0", "units of layer 2 must be an integer from 1 to 1,000,000,000,000, not 0."),
        ("1,000", "Units per layer: '1,000' could be one width or one per layer: write one "
         "width with _ (such as 1_024), and layers with a space after each comma (1, 24)."),
    ],
)  # fmt: skip
def test_bad_widths_are_one_sentence_and_the_panel_recovers(
    panel: Any, text: str, message: str
) -> None:
    shown = panel.result
    panel.widths.value = text
    assert panel.error == message and escape(message) in panel.message.value
    assert panel.result == shown, "the last valid stack stays on screen"
    panel.widths.value = "12, 6"
    assert panel.error is None and panel.result.settings.units == (12, 6)


@pytest.mark.parametrize("variant", ["full", "lecture"])
def test_a_panel_preset_to_different_widths_shows_them(variant: str) -> None:
    p = lstm_widget.panel(units=(32, 18), input_size=3, variant=variant)
    try:
        assert p.widths.value == "32, 18" and p.controls["layers"].value == 2
        assert p.result.total == 8_280 and p.error is None
        row = next(box for box in _boxes(p) if p.controls["units"] in box.children)
        assert p.widths in row.children, "the list sits with the units it replaces"
        p.sliders["units"].value = 16  # logarithmic in the lecture column: any width
        assert p.widths.value == "" and p.error is None
        assert p.result.settings.widths == (p.controls["units"].value,) * 2
    finally:
        p.close()


def _boxes(root: Any) -> list[Any]:
    """Every box widget inside ``root``."""
    found, pending = [], [root]
    while pending:
        widget = pending.pop()
        children = getattr(widget, "children", ())
        if children:
            found.append(widget)
            pending.extend(children)
    return found


def test_highlight_lights_up_diagram_and_formula(panel: Any) -> None:
    assert panel.highlight.label == "nothing"  # shown in the box, not a blank
    plain_image, plain_formula = panel.image.value, panel.formula.value
    assert "underline" not in plain_formula
    panel.highlight.value = "recurrent"
    assert panel.image.value != plain_image
    assert "text-decoration:underline" in panel.formula.value
    recurrent_colour = LIGHT.roles["recurrent"]
    assert f"color:{recurrent_colour};font-weight:bold" in panel.formula.value
    panel.highlight.value = "f"
    assert "forget gate (f)" in panel.formula.value
    assert panel.image.value not in (plain_image,)
    panel.highlight.value = ""  # the "nothing" option
    assert panel.image.value == plain_image


def test_highlight_choices_follow_the_layer(panel: Any) -> None:
    values = {value for _, value in panel.highlight.options}
    assert {"input", "recurrent", "bias", "dense", "f", "i", "candidate", "o"} <= values
    assert "projection" not in values and "c" not in values
    panel.highlight.value = "f"
    panel.controls["cell"].value = "gru"
    values = {value for _, value in panel.highlight.options}
    assert {"z", "r", "candidate", "second_bias"} <= values and "f" not in values
    assert panel.highlight.label == "nothing"  # the forget gate is gone with the LSTM


def test_the_highlight_survives_a_switch_to_a_layer_with_the_same_gate(panel: Any) -> None:
    panel.highlight.value = "candidate"
    for name, value in (("framework", "pytorch"), ("framework", "onnx"), ("cell", "gru")):
        panel.controls[name].value = value
        assert panel.highlight.value == "candidate", (name, value)
        assert panel.highlight.label == "candidate"
        assert panel.error is None
        # The diagram shows it too: the same picture as highlighting it directly.
        expected = lstm_widget.render(panel.result, "svg", highlight="candidate")
        assert_same_drawing(bytes(panel.image.value), expected, (name, value))
    assert "candidate, layer 1:" in panel.formula.value
    panel.controls["cell"].value = "rnn"  # one tanh block: no candidate to keep
    assert panel.highlight.value == ""
    panel.controls["cell"].value = "lstm"
    assert panel.highlight.value == ""  # a highlight dropped stays dropped
    panel.highlight.value = "second_bias"
    panel.controls["framework"].value = "keras"  # one bias per gate
    assert panel.highlight.value == ""
    panel.highlight.value = "recurrent"
    panel.controls["cell"].value = "gru"
    assert panel.highlight.value == "recurrent"  # every layer has recurrent weights


@pytest.mark.parametrize("letter", ["c", "g"])
def test_a_frameworks_gate_letter_presets_the_highlight(letter: str) -> None:
    shown = lstm_widget.panel(framework="pytorch", highlight=letter)
    assert shown.highlight.value == "candidate" and shown.highlight.label == "candidate"
    assert bytes(shown.image.value) == lstm_widget.render(
        shown.result, "svg", highlight="candidate"
    )
    shown.close()


def test_the_highlight_selector_offers_what_the_diagram_accepts(panel: Any) -> None:
    for changes in (
        {},
        {"framework": "pytorch", "proj_size": 2},
        {"framework": "onnx", "peepholes": True},
    ):
        for name, value in changes.items():
            panel.controls[name].value = value
        labels = dict((value, label) for label, value in panel.highlight.options)
        assert list(labels) == ["", *panel.result.highlights.choices]
    assert labels["peephole"] == "peepholes" and labels["f"] == "forget gate (f)"
    assert labels["candidate"] == "candidate"
    assert labels[""] == "nothing" and "projection" not in labels  # ONNX has none


def test_theme_toggle_redraws_in_the_other_palette(panel: Any) -> None:
    light = panel.image.value
    panel.theme.value = "high-contrast"
    assert panel.image.value != light
    assert "background:#000000" in panel.formula.value
    panel.theme.value = "light"
    assert panel.image.value == light


def test_table_is_built_when_opened(panel: Any) -> None:
    from lstm_widget.report import html_table

    assert panel.table.value == ""
    panel.table_section.selected_index = 0
    assert html_table(panel.result) in panel.table.value
    panel.controls["units"].value = 11
    assert html_table(panel.result) in panel.table.value
    panel.theme.value = "high-contrast"
    assert html_table(panel.result, HIGH_CONTRAST) in panel.table.value
    assert "background:#000000" in panel.table.value


def test_a_drawing_error_is_shown_and_the_panel_keeps_working(
    panel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lstm_widget import diagram

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the painter broke")

    monkeypatch.setattr(diagram.Diagram, "render", broken)
    panel.controls["units"].value = 17
    assert panel.error is not None and "RuntimeError: the painter broke" in panel.error
    assert "Traceback" in panel.message.value  # the details are there, not swallowed
    monkeypatch.undo()
    panel.controls["units"].value = 18
    assert panel.error is None
    assert panel.result.settings.units == 18


def test_bad_presets_raise_one_sentence() -> None:
    with pytest.raises(SettingsError, match=r"^cell must be one of"):
        lstm_widget.panel(cell="lstmm")
    with pytest.raises(SettingsError, match=r"^theme must be one of"):
        lstm_widget.panel(theme="dark")
    with pytest.raises(SettingsError, match=r"^highlight must be one of") as raised:
        lstm_widget.panel(highlight="peephole")
    with pytest.raises(SettingsError) as drawn:
        lstm_widget.render({}, highlight="peephole")
    assert str(raised.value) == str(drawn.value)  # one rule, one sentence


def test_importing_the_package_stays_light_and_the_panel_never_uses_pyplot() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        import lstm_widget
        heavy = [m for m in ("matplotlib", "ipywidgets", "torch", "keras") if m in sys.modules]
        p = lstm_widget.panel(units=5)
        for units in range(1, 40):
            p.controls["units"].value = units
        p.theme.value = "high-contrast"
        from matplotlib import _pylab_helpers
        print(json.dumps({
            "heavy_on_import": heavy,
            "pyplot": "matplotlib.pyplot" in sys.modules,
            "figures": _pylab_helpers.Gcf.get_num_fig_managers(),
            "error": p.error,
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts == {"heavy_on_import": [], "pyplot": False, "figures": 0, "error": None}


def test_memory_stays_bounded_over_thousands_of_updates() -> None:
    """Distinct settings keep filling the painters' image caches; they must evict."""
    script = textwrap.dedent(
        """
        import gc, json, resource
        import lstm_widget
        p = lstm_widget.panel(units=5, input_size=3)
        units, cell = p.controls["units"], p.controls["cell"]
        def peak_kib():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for value in range(1, 300):  # warm up: painters, fonts, caches fill
            units.value = value
        for name in ("gru", "rnn", "lstm"):
            cell.value = name
        gc.collect()
        start = peak_kib()
        for step in range(3000):
            units.value = 1 + step % 2000
            if step % 150 == 0:
                cell.value = ("gru", "rnn", "lstm")[step // 150 % 3]
        gc.collect()
        print(json.dumps({"grown_kib": peak_kib() - start, "error": p.error}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["error"] is None
    assert facts["grown_kib"] < 20 * 1024


def test_close_closes_every_widget_and_frees_the_figures() -> None:
    script = textwrap.dedent(
        """
        import gc, json
        from matplotlib.figure import Figure
        import lstm_widget
        p = lstm_widget.panel(units=10, input_size=1, dense=1)
        p.controls["units"].value = 12
        widgets = [p]
        for widget in widgets:
            widgets.extend(getattr(widget, "children", ()))
        p.close()
        del p
        gc.collect()
        figures = sum(isinstance(o, Figure) for o in gc.get_objects())
        open_widgets = sum(w.comm is not None for w in widgets)
        print(json.dumps({"figures": figures, "open": open_widgets, "widgets": len(widgets)}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["widgets"] > 20
    assert (facts["figures"], facts["open"]) == (0, 0)


class Kernel:
    """A real IPython kernel, sent execute requests as JupyterLab sends them."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3")

    def run(self, code: str, cell_id: str | None = None) -> str:
        """Run ``code`` as the cell ``cell_id`` (JupyterLab's ``metadata.cellId``)."""
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        metadata = {"cellId": cell_id} if cell_id else {}
        return self._send("execute_request", content, metadata)

    def change(self, model_id: str, value: object, name: str = "value") -> None:
        """What a frontend sends when a widget's state changes there (a user's input)."""
        state = {"method": "update", "state": {name: value}, "buffer_paths": []}
        self._send("comm_msg", {"comm_id": model_id, "data": state}, {})

    def _send(self, kind: str, content: dict[str, Any], metadata: dict[str, Any]) -> str:
        """Send a request; what it printed. Everything it published is in ``published``."""
        message = self.client.session.msg(kind, content, metadata=metadata)
        self.client.shell_channel.send(message)
        printed = []
        self.published: list[dict[str, Any]] = []
        while True:
            reply = self.client.get_iopub_msg(timeout=120)
            if reply["parent_header"].get("msg_id") != message["header"]["msg_id"]:
                continue
            self.published.append(reply)
            if reply["msg_type"] == "stream":
                printed.append(reply["content"]["text"])
            elif reply["msg_type"] == "error":
                raise AssertionError("\n".join(reply["content"]["traceback"]))
            elif reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                return "".join(printed)

    def restart(self) -> None:
        self.manager.restart_kernel(now=True)
        self.client.wait_for_ready(timeout=120)

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


#: Widget models and live matplotlib Figures in the kernel, as JSON.
COUNT_LIVE = """
import gc, json
from ipywidgets.widgets.widget import _instances
from matplotlib.figure import Figure
gc.collect()
print(json.dumps([len(_instances), sum(isinstance(o, Figure) for o in gc.get_objects())]))
"""

PANEL_CELL = """
demo = lstm_widget.panel(input_size=1, units=10, dense=1, variant="lecture")
demo
"""


@pytest.fixture
def kernel() -> Any:
    running = Kernel()
    try:
        running.run("import lstm_widget")
        yield running
    finally:
        running.stop()


def test_rerunning_a_cell_releases_its_earlier_panels(kernel: Kernel) -> None:
    def one_round() -> list[int]:
        kernel.run(PANEL_CELL, cell_id="panel")
        kernel.run('demo.theme.value = "high-contrast"', cell_id="theme")  # a second painter
        kernel.run('gru = lstm_widget.panel(cell="gru")', cell_id="gru")
        kernel.run("a = lstm_widget.panel(); b = lstm_widget.panel()", cell_id="two")
        assert kernel.run("print(a.comm is not None, b.comm is not None)") == "True True\n"
        return [int(n) for n in kernel.run(COUNT_LIVE).strip()[1:-1].split(",")]

    first = one_round()
    assert first[0] > 4 * 50 and first[1] == 5  # four panels, demo with both themes
    for _ in range(5):
        assert one_round() == first  # widget models and Figures stay flat

    # A frontend that names no cell: the cell's source stands in for it.
    counts = [kernel.run(COUNT_LIVE) for _ in range(3) if not kernel.run(PANEL_CELL)]
    assert counts[1] == counts[2]
    # Closing by hand still works, and a closed panel is not closed again by a re-run.
    kernel.run("demo.close()")
    kernel.run(PANEL_CELL, cell_id="panel")
    assert kernel.run("print(demo.result.total)") == "491\n"


def test_an_ipykernel_shell_shows_widgets_and_names_the_running_cell(kernel: Kernel) -> None:
    ask = (
        "from lstm_widget import _frontend\n"
        "print(_frontend.has_widget_frontend(get_ipython()), _frontend.running_cell()[0])"
    )
    assert kernel.run(ask, cell_id="ask") == "True id:ask\n"
    assert kernel.run(ask) == f"True source:{ask}\n"


def test_after_a_kernel_restart_running_the_cell_again_gives_a_working_panel(
    kernel: Kernel,
) -> None:
    kernel.run(PANEL_CELL, cell_id="panel")
    old_entry = kernel.run('print(demo.controls["units"].model_id)').strip()
    kernel.restart()
    # The old panel's widgets went with the kernel: the page's views of them look
    # alive but nothing answers them, which is what the hint under a panel says.
    kernel.run("import lstm_widget")
    kernel.run(PANEL_CELL, cell_id="panel")
    assert kernel.run("print(demo.hint.value)").count("run this cell again") == 1
    entry = kernel.run('print(demo.controls["units"].model_id)').strip()
    assert entry != old_entry
    kernel.change(entry, 20)  # the user types 20 into the new panel's units entry
    assert kernel.run("print(demo.result.total, demo.error)") == "1781 None\n"


def test_the_lecture_script_quotes_what_the_panel_shows() -> None:
    """Each number the lecturer's script reads out is the one the panel shows then."""
    notes = " ".join((NOTEBOOK_DIR / "03_lecture_notes.md").read_text().split())
    assert 'variant="lecture"' in (NOTEBOOK_DIR / "03_lecture_demo.ipynb").read_text().replace(
        '\\"', '"'
    )
    p = lstm_widget.panel(input_size=1, units=10, dense=1, variant="lecture")

    def layer() -> int:
        return sum(p.result.layer_totals)

    def gate_card() -> int:  # one gate of layer 1, over all its units
        return sum(g.count for g in p.result.groups if g.gate == "f" and g.layer == 0)

    steps: list[tuple[dict[str, Any], str]] = [
        ({}, "Then type 480: confirmed"),
        ({}, "491: the model with its dense head"),
        ({}, "10 units × (1 input + 10 recurrent + 1 bias) = 120"),
        ({"units": 20}, "20 × (1 + 20 + 1) = 440"),
        ({}, "the layer is 1,760"),
        ({"units": 40}, "the layer is 6,720"),
        ({"input_size": 100}, "*input_size*: 22,560"),
        ({"units": 10, "input_size": 1, "compare": "framework=pytorch"}, "(520 against 480)"),
        ({"compare": "framework=onnx"}, "the same 40"),
        ({"compare": "", "framework": "keras", "cell": "gru"}, "Keras 3's 390"),
        ({"reset_after": False}, "Keras 2's 360"),
        (
            {"reset_after": True, "cell": "lstm", "layers": 2, "compare": "bidirectional=True"},
            "(800 + 400 + 40) = 1,720",
        ),
        ({"compare": ""}, "480 + 840 = 1,320"),
    ]
    for changes, phrase in steps:
        assert phrase in notes, phrase
        for name, value in changes.items():
            control = p.compare if name == "compare" else p.controls[name]
            control.value = value
        assert p.error is None
        # The figure quoted last in the phrase is what the panel shows at this step:
        # the layer, the model, a gate card, or, comparing, a difference or the other side.
        shown = {"layer": layer(), "total": p.result.total, "card": gate_card()}
        if p.compared is not None:
            shown["other"] = p.compared.after.total
            shown.update({c.what: abs(c.delta) for c in p.compared.changes})
        quoted = int(re.findall(r"[\d,]+", phrase)[-1].replace(",", ""))
        assert quoted in shown.values(), (phrase, shown)
    # Every comparison the script reads out is the panel's own sentence.
    p.controls["layers"].value = 1
    for against, sentence in (
        ("framework=pytorch", "PyTorch LSTM adds a second bias per gate: 4 × 10 = 40"),
    ):
        p.compare.value = against
        assert sentence in notes and p.compared is not None
        assert sentence in p.compared.sentences()
    p.controls["cell"].value = "gru"
    p.compare.value = "reset_after=False"
    gru = "Keras GRU with reset_after=False drops a second bias per gate: 3 × 10 = 30"
    assert gru in notes and p.compared is not None and gru in p.compared.sentences()
    p.close()


def test_a_still_for_static_viewers_is_cleared_once_a_frontend_shows_the_panel(
    kernel: Kernel,
) -> None:
    kernel.run(PANEL_CELL, cell_id="panel")
    shown = [m["content"] for m in kernel.published if m["msg_type"] == "display_data"]
    panel_output, still = shown  # the panel's own output, then the still under it
    assert "application/vnd.jupyter.widget-view+json" in panel_output["data"]
    assert still["data"]["image/png"] == panel_output["data"]["image/png"]
    assert 'src="data:image/png;base64,' in still["data"]["text/html"]
    display_id = still["transient"]["display_id"]

    def updates() -> list[dict[str, Any]]:
        return [m["content"] for m in kernel.published if m["msg_type"] == "update_display_data"]

    # The frontend's view of the panel reports itself, as stock widget views do.
    kernel.change(kernel.run("print(demo.model_id)").strip(), 1, name="_view_count")
    (cleared,) = updates()
    assert cleared["transient"]["display_id"] == display_id
    assert cleared["data"] == {"text/plain": ""}
    # A second view (the panel shown again elsewhere) changes nothing more.
    kernel.change(kernel.run("print(demo.model_id)").strip(), 2, name="_view_count")
    assert updates() == []
