"""How the count grows: parameters against units, input width or layers, stacked by role.

It shows why the recurrent term takes over: input weights grow with units, recurrent
weights with units squared. The roles are stacked in the diagram's colours and the
current setting is marked. A bare :class:`~matplotlib.figure.Figure` with an Agg
canvas, never pyplot, like the diagram.
"""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .conventions import ROLE_LABELS, ROLES
from .counting import MAX_LAYERS, Breakdown, Role, SettingsError, breakdown
from .diagram import Source, _theme, to_breakdown
from .style import DEFAULT_THEME, Theme

__all__ = ["Over", "growth", "growth_series"]

Over = Literal["units", "input_size", "layers"]
OVERS: Final[tuple[Over, ...]] = get_args(Over)
#: Points along a width axis: enough for a smooth curve, few enough to count in a blink.
_POINTS: Final = 40


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


def growth(
    result_or_settings: Source,
    over: Over = "units",
    *,
    theme: str | Theme = DEFAULT_THEME,
    fig: Figure | None = None,
) -> Figure:
    """Parameters against ``over`` (``units``, ``input_size`` or ``layers``) for the
    other settings of ``result_or_settings``, stacked by role in the diagram's colours,
    the current setting marked. Returns a :class:`~matplotlib.figure.Figure` for a
    slide; ``fig`` redraws into an existing one (the panel's, say).
    """
    b = to_breakdown(result_or_settings)
    palette = _theme(theme)
    xs, series = growth_series(b, over)
    if fig is None:
        fig = Figure(figsize=(6.4, 3.6), dpi=100)
        FigureCanvasAgg(fig)
    fig.clear()
    fig.patch.set_facecolor(palette.background)
    # Fixed margins: a layout engine would measure every text again on each save.
    ax = fig.add_axes((0.2, 0.14, 0.77, 0.76))
    ax.set_facecolor(palette.background)
    roles = list(series)
    ax.stackplot(
        xs,
        [series[r] for r in roles],
        colors=[palette.roles[r] for r in roles],
        labels=[ROLE_LABELS[r] for r in roles],
    )
    now = getattr(b.settings, over)
    ax.axvline(now, color=palette.foreground, linewidth=1.2, linestyle="--")
    ax.plot([now], [b.total], "o", color=palette.foreground)
    if over != "layers":
        ax.set_xscale("log", base=2)
    thousands = FuncFormatter(lambda value, _: f"{value:,.0f}")
    ax.xaxis.set_major_formatter(thousands)
    ax.yaxis.set_major_formatter(thousands)
    ax.set_xlabel(over, color=palette.foreground)
    ax.set_ylabel("parameters", color=palette.foreground)
    ax.set_title(
        f"{b.settings.describe_layer()} as {over} grows; {over}={now:,}: {b.total:,}",
        color=palette.foreground,
    )
    ax.tick_params(colors=palette.foreground)
    for spine in ax.spines.values():
        spine.set_color(palette.foreground)
    legend: Any = ax.legend(loc="upper left", frameon=False, reverse=True)
    for text in legend.get_texts():
        text.set_color(palette.foreground)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(0, None)
    return fig
