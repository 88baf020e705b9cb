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
        assert ax.get_title(loc="left").endswith("units=10: 491")


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


@pytest.mark.parametrize("over", ["units", "input_size", "layers"])
def test_every_text_is_at_lecture_size_where_the_svg_shows_at_its_natural_size(
    over: str,
) -> None:
    import re

    from lstm_widget.growth_plot import GrowthPlot
    from lstm_widget.painting import save_figure

    plot = GrowthPlot()
    for b in (breakdown(units=10, dense=1), breakdown(units=4096, input_size=4096, dense=1)):
        svg = save_figure(plot.update(b, over), "svg", 100, LIGHT).decode()  # type: ignore[arg-type]
        # matplotlib >= 3.9 writes font-size, 3.8 the font shorthand; 1 pt is 4/3 CSS px.
        sizes = [float(size) for size in re.findall(r"font(?:-size)?: ([0-9.]+)px", svg)]
        assert len(sizes) >= 10 and min(sizes) * 4 / 3 >= 18
        (ax,) = plot.figure.axes
        # Tick labels, axis names and the title inside the figure, clear of each other.
        renderer = plot.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        figure_box = plot.figure.bbox
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        shown = [
            tick.label1
            for axis in (ax.xaxis, ax.yaxis)
            for tick in axis.get_major_ticks()
            if tick.label1.get_text()
            and min(axis.get_view_interval()) <= tick.get_loc() <= max(axis.get_view_interval())
        ]
        texts += shown
        for text in texts:
            box = text.get_window_extent(renderer)
            assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1 + 1, text
            assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1, text
        ylabel = ax.yaxis.label.get_window_extent(renderer)
        assert ylabel.x1 <= min(t.get_window_extent(renderer).x0 for t in shown)


def test_a_redraw_moves_the_artists_it_made_instead_of_making_new_ones() -> None:
    from lstm_widget.growth_plot import GrowthPlot

    plot = GrowthPlot()
    plot.update(breakdown(units=10, dense=1), "units")
    (ax,) = plot.figure.axes
    made = (list(ax.collections), list(ax.lines), ax.get_legend())
    plot.update(breakdown(units=40, dense=1), "units")
    assert plot.figure.axes == [ax] and (list(ax.collections), list(ax.lines)) == made[:2]
    total = breakdown(units=40, dense=1).total
    assert ax.get_legend() is made[2] and ax.get_title(loc="left").endswith(f"=40: {total:,}")
    # Another axis or another set of roles builds the artists again.
    plot.update(breakdown(units=40), "units")
    assert len(plot.figure.axes[0].collections) == 3
    plot.update(breakdown(units=40), "layers")
    assert plot.figure.axes[0].get_xscale() == "linear"
