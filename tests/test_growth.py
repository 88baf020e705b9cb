"""The growth plot: parameters against a setting, stacked by role, current value marked."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import lstm_widget
from lstm_widget import SettingsError, breakdown
from lstm_widget.growth_plot import growth_series
from lstm_widget.style import HIGH_CONTRAST, LIGHT


@pytest.mark.parametrize(
    ("settings", "over"),
    [
        (dict(units=10, dense=1), "units"),
        (dict(framework="pytorch", proj_size=5, layers=3, bidirectional=True), "units"),
        (dict(cell="gru", units=7), "input_size"),
        (dict(framework="onnx", peepholes=True, layers=3), "layers"),
    ],
)
def test_each_stack_adds_up_to_the_count_at_its_setting(
    settings: dict[str, Any], over: str
) -> None:
    b = breakdown(**settings)
    xs, series = growth_series(b, over)  # type: ignore[arg-type]
    assert getattr(b.settings, over) in xs
    assert list(series) == list(b.role_totals())  # the diagram's roles, in its order
    for k, x in enumerate(xs):
        at = breakdown(b.settings.replace(**{over: x}))
        assert sum(values[k] for values in series.values()) == at.total
    if "proj_size" in settings:
        assert min(xs) > settings["proj_size"]  # units a projection refuses are left out


def test_growth_is_a_figure_in_the_role_colours_with_the_setting_marked() -> None:
    b = breakdown(units=10, dense=1)
    for theme, palette in (("light", LIGHT), ("high-contrast", HIGH_CONTRAST)):
        fig = lstm_widget.growth(b, over="units", theme=theme)
        assert isinstance(fig, Figure)
        (ax,) = fig.axes
        fills = [to_hex(c.get_facecolor()[0]) for c in ax.collections]
        assert fills == [to_hex(palette.roles[r]) for r in b.role_totals()]
        marked = [line for line in ax.lines if list(line.get_xdata()) == [10]]
        assert any(list(line.get_ydata()) == [491] for line in marked)
        assert ax.get_title().endswith("units=10: 491")


def test_growth_never_imports_pyplot() -> None:
    script = (
        "import sys, lstm_widget; lstm_widget.growth({'units': 10}, over='layers'); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_bad_axis_is_one_sentence() -> None:
    with pytest.raises(SettingsError, match=r"^over must be one of units, input_size, layers"):
        lstm_widget.growth(breakdown(), over="timesteps")  # type: ignore[arg-type]


def test_the_panel_draws_growth_only_while_it_is_open() -> None:
    p = lstm_widget.panel(units=10)
    try:
        assert bytes(p.growth_image.value) == b""
        p.growth_section.selected_index = 0
        first = bytes(p.growth_image.value)
        assert first.startswith(b"<?xml") and b"Keras LSTM as units grows; units=10: 480" in first
        p.controls["units"].value = 20
        assert bytes(p.growth_image.value) != first and b"units=20: 1,760" in bytes(
            p.growth_image.value
        )
        p.growth_over.value = "layers"
        assert b"as layers grows" in bytes(p.growth_image.value)
        p.growth_section.selected_index = None
        shown = bytes(p.growth_image.value)
        p.controls["units"].value = 30
        assert bytes(p.growth_image.value) == shown  # closed: not redrawn
    finally:
        p.close()


def test_a_stack_of_different_widths_grows_over_input_size_only() -> None:
    b = breakdown(units=(32, 16), input_size=8)
    with pytest.raises(SettingsError, match=r"^growth over units needs one width"):
        lstm_widget.growth(b, over="units")
    xs, series = growth_series(b, "input_size")
    k = xs.index(8)
    assert sum(values[k] for values in series.values()) == b.total
