"""How the count grows: parameters against units, input width or layers, stacked by role.

It shows why the recurrent term takes over: input weights grow with units, recurrent
weights with units squared. The roles are stacked in the diagram's colours and the
current setting is marked. A bare :class:`~matplotlib.figure.Figure` with an Agg
canvas, never pyplot, like the diagram.

Its text is set at the lecture drawing's smallest size (13.5 pt: 18 CSS px where the
SVG shows at its natural size), so the plot reads from the back of a room as the
diagram does. :class:`GrowthPlot` keeps one figure and its artists and, on a redraw,
changes only their data and texts: building the axes, its ticks and legend again
took most of a redraw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, get_args

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from .conventions import MAX_LAYERS, ROLE_LABELS, ROLES, Role, with_article
from .counting import Breakdown, SettingsError, Source, breakdown, to_breakdown
from .layout import FONT_FAMILY, LECTURE, text_width
from .style import DEFAULT_THEME, Theme, theme_named

__all__ = ["GrowthPlot", "Over", "describe_growth", "growth", "growth_series"]

Over = Literal["units", "input_size", "layers"]
OVERS: Final[tuple[Over, ...]] = get_args(Over)
#: Points along a width axis: enough for a smooth curve, few enough to count in a blink.
_POINTS: Final = 40
#: Every text's size in points: the lecture drawing's smallest.
TEXT_PT: Final = LECTURE.small
#: The figure in inches: as wide as the lecture diagram beside a 1280 px projector's
#: control column, tall enough for five legend rows over the bands.
FIGURE_INCHES: Final = (7.6, 4.4)
#: Room in points under the axes for tick labels and the axis name, and right of them
#: for the last tick label's overhang.
_BOTTOM, _RIGHT = 3.2 * TEXT_PT, 2.4 * TEXT_PT
#: Between the tick labels and the axes, and round the axes' names, in points.
_TICK_ROOM = 10.0
#: A line of text as a multiple of its size.
LINE = 1.25


def _axis(b: Breakdown, over: Over) -> list[int]:
    """The values of ``over`` to count: 1 to four times the current one (at least 8
    layers or 64 wide), evenly spread on a log scale for widths, and the current value."""
    now: int = getattr(b.settings, over)
    if over == "layers":
        return list(range(1, min(MAX_LAYERS, max(8, 2 * now)) + 1))
    top = max(64, 4 * now)
    spread = {round(top ** (k / (_POINTS - 1))) for k in range(_POINTS)}
    return sorted(spread | {now})


def growth_series(b: Breakdown, over: Over) -> tuple[list[int], dict[Role, list[int]]]:
    """The ``over`` values and each role's count at each (values a layer refuses,
    such as units not above ``proj_size``, are left out)."""
    if over not in OVERS:
        raise SettingsError(f"over must be one of {', '.join(OVERS)}, not {over!r}.")
    if over != "input_size" and not isinstance(b.settings.units, int):
        raise SettingsError(
            f"growth over {over} needs one width for every layer, not units="
            f"{b.settings.units_text()}; try over='input_size'."
        )
    xs: list[int] = []
    rows: list[dict[Role, int]] = []
    for x in _axis(b, over):
        try:
            point = (
                b if x == getattr(b.settings, over) else breakdown(b.settings.replace(**{over: x}))
            )
        except SettingsError:
            continue
        xs.append(x)
        rows.append(point.role_totals())
    present = [r for r in ROLES if any(r in row for row in rows)]
    return xs, {r: [row.get(r, 0) for row in rows] for r in present}


def _thousands(value: float, _: object = None) -> str:
    return f"{value:,.0f}"


def _bands(xs: Sequence[int], series: Sequence[Sequence[int]]) -> list[list[tuple[int, int]]]:
    """Each role's band as a closed outline: along its bottom, back along its top."""
    bottom = [0] * len(xs)
    outlines = []
    for values in series:
        top = [low + v for low, v in zip(bottom, values, strict=True)]
        outlines.append(
            [*zip(xs, bottom, strict=True), *reversed(list(zip(xs, top, strict=True)))]
        )
        bottom = top
    return outlines


def _left_room(ax: Any) -> float:
    """The room in points left of the axes: the widest y tick label, measured from the
    font's advance widths, and the axis name."""
    low, high = ax.get_ylim()
    labels = [_thousands(v) for v in ax.yaxis.get_major_locator().tick_values(low, high)]
    return max(text_width(label, TEXT_PT) for label in labels) + LINE * TEXT_PT + 2 * _TICK_ROOM


def _place(ax: Any, left: float, title_lines: int) -> None:
    """Place the axes and their names by hand: a layout engine, or matplotlib placing
    the names and title itself, would measure every text again on each redraw."""
    width_pt, height_pt = (inches * 72 for inches in FIGURE_INCHES)
    top = title_lines * LINE * TEXT_PT + _TICK_ROOM
    width, height = width_pt - left - _RIGHT, height_pt - _BOTTOM - top
    ax.set_position((left / width_pt, _BOTTOM / height_pt, width / width_pt, height / height_pt))
    # The names' centres, in axes fractions: past the tick labels.
    ax.yaxis.set_label_coords(-(left - _TICK_ROOM - LINE * TEXT_PT / 2) / width, 0.5)
    ax.xaxis.set_label_coords(0.5, -(_TICK_ROOM + 1.3 * LINE * TEXT_PT) / height)


class GrowthPlot:
    """One growth figure, redrawn in place as the settings change (the panel's).

    The figure and its artists are built for one theme, axis and set of roles; a
    redraw with the same three moves the bands, the marker and the limits and
    rewrites the title, and anything else builds them again.
    """

    def __init__(self, theme: str | Theme = DEFAULT_THEME) -> None:
        self.theme = theme_named(theme)
        self.figure = Figure(figsize=FIGURE_INCHES, dpi=100)
        FigureCanvasAgg(self.figure)
        self._built: tuple[Over, tuple[Role, ...]] | None = None
        self._bands: list[PolyCollection] = []
        self._now: Line2D | None = None
        self._dot: Line2D | None = None
        self._title: Text | None = None
        #: The plot now drawn in words (:func:`describe_growth`), its text alternative.
        self.description = ""

    def update(self, result_or_settings: Source, over: Over = "units") -> Figure:
        """The figure, showing ``result_or_settings`` grown over ``over``."""
        b = to_breakdown(result_or_settings)
        xs, series = growth_series(b, over)
        roles = tuple(series)
        if self._built != (over, roles):
            self._build(over, roles)
        assert self._now is not None and self._dot is not None and self._title is not None
        for band, outline in zip(self._bands, _bands(xs, list(series.values())), strict=True):
            band.set_verts([outline])
        now = getattr(b.settings, over)
        self._now.set_xdata([now, now])
        self._dot.set_data([now], [b.total])
        ax = self.figure.axes[0]
        ax.set_xlim(xs[0], xs[-1])
        top = max(sum(column) for column in zip(*series.values(), strict=True)) or 1
        ax.set_ylim(0, top * 1.05)
        left = _left_room(ax)
        line = f"{b.settings.describe_layer()} as {over} grows; {over}={now:,}: {b.total:,}"
        # A title too wide for one line breaks before the count.
        if text_width(line, TEXT_PT, bold=True) > FIGURE_INCHES[0] * 72 - left - _TICK_ROOM:
            line = line.replace("; ", "\n", 1)
        self._title.set_text(line)
        _place(ax, left, line.count("\n") + 1)
        self.description = describe_growth(b, over, xs, series)
        return self.figure

    def _build(self, over: Over, roles: tuple[Role, ...]) -> None:
        palette = self.theme
        fig = self.figure
        fig.clear()
        fig.patch.set_facecolor(palette.background)
        ax = fig.add_axes((0.2, 0.15, 0.75, 0.7))
        ax.set_facecolor(palette.background)
        text: dict[str, Any] = {
            "fontsize": TEXT_PT,
            "family": FONT_FAMILY,
            "color": palette.foreground,
        }
        # Collections added without autoscaling: the limits are set from the counts.
        self._bands = [
            PolyCollection(
                [], facecolors=palette.roles[r], edgecolors="none", label=ROLE_LABELS[r]
            )
            for r in roles
        ]
        for band in self._bands:
            ax.add_collection(band, autolim=False)
        self._now = ax.axvline(1, color=palette.foreground, linewidth=1.2, linestyle="--")
        (self._dot,) = ax.plot([], [], "o", color=palette.foreground, scalex=False, scaley=False)
        if over != "layers":
            ax.set_xscale("log", base=2)
            ax.xaxis.set_minor_locator(NullLocator())
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_xlabel(over, va="center", **text)
        ax.set_ylabel("parameters", va="center", **text)
        # An explicit y keeps matplotlib from placing the title by measuring the axes.
        self._title = ax.set_title(
            "", loc="left", y=1.0, pad=_TICK_ROOM / 2, fontweight="bold", **text
        )
        ax.tick_params(colors=palette.foreground, labelsize=TEXT_PT, labelfontfamily=FONT_FAMILY)
        for spine in ax.spines.values():
            spine.set_color(palette.foreground)
        legend: Any = ax.legend(
            loc="upper left",
            frameon=False,
            reverse=True,
            prop={"family": FONT_FAMILY, "size": TEXT_PT},
        )
        for label in legend.get_texts():
            label.set_color(palette.foreground)
        self._built = (over, roles)


def describe_growth(
    b: Breakdown, over: Over, xs: Sequence[int], series: Mapping[Role, Sequence[int]]
) -> str:
    """The growth plot in words: what grows, over which values, and the count of each
    role at the first, the current and the last value."""
    now: int = getattr(b.settings, over)
    scale = "" if over == "layers" else " (log scale)"
    roles = ", ".join(ROLE_LABELS[r] for r in series)

    def at(x: int) -> str:
        k = xs.index(x)
        parts = ", ".join(f"{ROLE_LABELS[r]} {values[k]:,}" for r, values in series.items())
        total = sum(values[k] for values in series.values())
        return f"{over}={x:,}{', marked' if x == now else ''}: {total:,} ({parts})"

    shown = sorted({xs[0], now, xs[-1]})
    return (
        f"Stacked area plot of the parameters of {with_article(b.settings.describe_layer())} "
        f"as {over} grows from {xs[0]:,} to {xs[-1]:,}{scale}, one band per role: {roles}. "
        + ". ".join(at(x) for x in shown)
        + "."
    )


def growth(
    result_or_settings: Source,
    over: Over = "units",
    *,
    theme: str | Theme = DEFAULT_THEME,
) -> Figure:
    """Parameters against ``over`` (``units``, ``input_size`` or ``layers``) for the
    other settings of ``result_or_settings``, stacked by role in the diagram's colours,
    the current setting marked. Returns a :class:`~matplotlib.figure.Figure` for a
    slide; :class:`GrowthPlot` redraws one figure in place (the panel's).
    """
    return GrowthPlot(theme).update(result_or_settings, over)
