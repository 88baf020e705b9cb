"""The live panel in marimo notebooks: every setting a marimo UI element, and a view.

marimo renders no ipywidgets, so :func:`lstm_widget.panel` shows nothing there. This
front end follows marimo's reactive model instead: the controls are marimo's own
elements, shown by one cell, and the view is a cell that reads them, which marimo
runs again whenever a control moves. There are no callbacks::

    c = lstm_widget.marimo.controls(units=10, input_size=1, dense=1)   # one cell
    lstm_widget.marimo.view(c)                                         # the next cell

The controls come from the same definitions as the panel's (:mod:`lstm_widget.controls`)
and count through the same :class:`~lstm_widget.Settings`, so an invalid combination
gets the panel's one sentence; the diagram is painted by one reused
:class:`~lstm_widget.diagram.Diagram` per theme, through the live SVG path where
matplotlib allows it, as in the panel.

``marimo`` is an optional dependency (``pip install "lstm_widget[marimo]"``); this
module imports it, and ``import lstm_widget`` never imports this module.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

import marimo as mo

from .controls import (
    CHOICES,
    FACTORS,
    FIRST_SIZES,
    FLAGS,
    NOTHING,
    NUMBERS,
    SIZES,
    THEME_LABELS,
    TYPED,
    WIDTHS_EXAMPLE,
    cell_choices,
    counted_options,
    every_highlight_option,
    framework_choices,
    label,
    settings_from,
    shown,
)
from .conventions import Variant, check_variant, setting_rules
from .counting import SETTING_NAMES, Breakdown, Settings, SettingsError, breakdown
from .description import describe
from .diagram import Diagram
from .display import formula_reading, on_theme, per_unit_reading
from .style import DEFAULT_THEME, THEME_NAMES, THEMES, ThemeName, theme_named

__all__ = ["Controls", "LiveView", "controls", "view"]

#: The diagram's format: SVG keeps text as text (sharp on a projector) and is what the
#: live SVG path writes.
IMAGE_FORMAT: Final = "svg"
#: The lecture layout's text size in CSS px, the lecture drawing's smallest (13.5 pt).
LECTURE_PX: Final = 18
#: The views' classes, for a notebook's own CSS to find them.
CONTROLS_CLASS: Final = "lstm-widget-marimo-controls"
VIEW_CLASS: Final = "lstm-widget-marimo-view"
#: The one error style of every front end: the panel's.
_ALERT: Final = 'role="alert" style="color:#B00020;font-weight:bold"'


def _options(choices: Sequence[tuple[str, str]]) -> dict[str, str]:
    """marimo's options, label -> value, from the controls' (label, value) pairs."""
    return dict(choices)


def _label_of(choices: Sequence[tuple[str, str]], value: str) -> str:
    """The label marimo's dropdowns and radios take as their value, for ``value``."""
    return next(text for text, key in choices if key == value)


class LiveView:
    """What :func:`view` shows for control values: the diagram, headline, formula and
    per-unit reading as HTML, redrawn by one :class:`~lstm_widget.diagram.Diagram`
    per theme, so each change costs what a panel update does.

    It knows nothing of marimo: :class:`Controls` holds one, and the tests and
    benchmarks drive it with plain values.

    Parameters
    ----------
    start
        The breakdown shown before any valid values (and kept while values are
        invalid, as the panel keeps its last drawing).
    variant
        ``"full"`` (the whole drawing, shrunk to the output's width) or ``"lecture"``
        (the lecture drawing at its natural size, every text at least 18 CSS px).

    Attributes
    ----------
    result
        The last valid :class:`~lstm_widget.Breakdown`.
    error
        The one sentence for the last values if they were invalid, else ``None``.
    """

    def __init__(self, start: Breakdown, variant: Variant = "full") -> None:
        self.result = start
        self.variant = variant
        self.error: str | None = None
        self._painters: dict[ThemeName, Diagram] = {}

    def html(self, values: Mapping[str, Any]) -> str:
        """The view for ``values``: control values by setting name, plus ``widths``
        (units per layer as typed, blank for one width), ``highlight`` (a role or gate
        by its stable name, ``""`` for nothing) and ``theme``."""
        theme_name: ThemeName = values["theme"]
        theme = THEMES[theme_name]
        settings = {name: values[name] for name in SETTING_NAMES}
        try:
            counted = settings_from(counted_options(settings), values["widths"])
            if counted != self.result.settings:
                self.result = breakdown(counted)
            self.error = None
        except SettingsError as error:
            self.error = str(error)
        result = self.result
        rules = result.highlights
        # A highlight the layer lacks (a forget gate on a GRU) lights nothing up, as
        # when the panel's selector loses that choice.
        highlight = rules.carry(values["highlight"] or None)
        image = self._painter(theme_name).render(
            result, IMAGE_FORMAT, highlight=highlight, variant=self.variant
        )
        natural = self.variant == "lecture"  # never shrunk, so zoom only enlarges it
        size = "max-width:none" if natural else "max-width:100%;height:auto"
        picture = (
            f'<img src="data:image/svg+xml;base64,{base64.b64encode(image).decode("ascii")}" '
            f'alt="{escape(describe(result))}" style="{size}">'
        )
        message = f"<div {_ALERT}>{escape(self.error)}</div>" if self.error else ""
        notes = "".join(
            f"<div>{escape(note)}</div>"
            for note in ([] if self.error else _uncounted(settings, result.settings))
        )
        body = (
            f"{message}<div>{picture}</div>"
            f"<div>{formula_reading(result, theme, highlight, rules)}</div>"
            f"<div>{per_unit_reading(result)}</div>{notes}"
        )
        css_class = f"{VIEW_CLASS} {VIEW_CLASS}-{self.variant}"
        font = f";font-size:{LECTURE_PX}px;line-height:1.35" if natural else ""
        return on_theme(body, theme, css_class=css_class, padding=f"0.25em 0.5em{font}")

    def _painter(self, theme: ThemeName) -> Diagram:
        painter = self._painters.get(theme)
        if painter is None:
            painter = self._painters[theme] = Diagram(theme=theme)
        return painter


def _uncounted(values: Mapping[str, Any], settings: Settings) -> list[str]:
    """A sentence for each option left on that the counted layer does not have: marimo
    cannot disable a control, so the view says what it leaves out."""
    layer = settings.describe_layer()
    rules = setting_rules(settings.framework, settings.cell)
    return [
        f"{name}={shown(values[name])} does not apply to the {layer} and is not counted."
        for name, (exists, neutral) in rules.items()
        # The kernel entry keeps its 3, 3 for when a ConvLSTM is chosen; its label
        # says where it applies.
        if not exists and name not in SIZES and values[name] != neutral
    ]


class Controls(mo.ui.batch):
    """Every setting as a marimo UI element, laid out as the panel's controls.

    A marimo UI element (a batch of them): its value is a dict of the controls'
    values by setting name, with ``widths``, ``highlight`` and ``theme``. Made by
    :func:`controls`; show it in one cell and pass it to :func:`view` in another.

    Attributes
    ----------
    live
        The :class:`LiveView` that :func:`view` renders with (its last result,
        error and painters).
    variant
        The layout: ``"full"`` or ``"lecture"``.
    """

    def __init__(
        self, start: Breakdown, *, theme: ThemeName, highlight: str | None, variant: Variant
    ) -> None:
        self._start, self._theme, self._highlight = start, theme, highlight
        self.variant = variant
        self.live = LiveView(start, variant)
        elements, layout = _elements(start, theme, highlight, variant)
        super().__init__(mo.Html(layout), elements)

    def _clone(self) -> Controls:
        # marimo clones an element it nests in another (mo.ui.array, ...); the plain
        # batch's clone would lose the view and the variant.
        return Controls(
            self._start, theme=self._theme, highlight=self._highlight, variant=self.variant
        )


def _number(name: str, value: int, text: str) -> Any:
    """A slider with its typed entry beside it; it stretches to a start past its end."""
    low, high = NUMBERS[name]
    return mo.ui.slider(
        start=low,
        stop=max(high, value),
        step=1,
        value=max(value, low),
        include_input=True,
        label=text,
        full_width=True,
    )


def _elements(
    start: Breakdown, theme: ThemeName, highlight: str | None, variant: Variant
) -> tuple[dict[str, Any], str]:
    """The elements by name, and the HTML template that lays them out."""
    settings = start.settings
    lecture = variant == "lecture"
    frameworks, cells = framework_choices(), cell_choices()
    themes = [(THEME_LABELS[t], t) for t in THEME_NAMES]
    lights = every_highlight_option()
    chosen = start.highlights.resolve(highlight) or NOTHING
    elements: dict[str, Any] = {
        "framework": mo.ui.radio(
            options=_options(frameworks),
            value=_label_of(frameworks, settings.framework),
            inline=True,
            label="framework",
        ),
        "cell": mo.ui.radio(
            options=_options(cells),
            value=_label_of(cells, settings.cell),
            inline=True,
            label="cell",
        ),
    }
    for name in NUMBERS:
        value = settings.widths[0] if name == "units" else getattr(settings, name)
        elements[name] = _number(name, value, name if lecture else label(name))
    elements["widths"] = mo.ui.text(
        value=", ".join(map(str, settings.units)) if isinstance(settings.units, tuple) else "",
        placeholder=WIDTHS_EXAMPLE,
        label="or units per layer",
    )
    for name in FLAGS:
        elements[name] = mo.ui.switch(value=getattr(settings, name), label=label(name))
    for name in SIZES:
        elements[name] = mo.ui.text(
            value=shown(getattr(settings, name)) or FIRST_SIZES,
            placeholder=FIRST_SIZES,
            label=label(name),
        )
    for name, values in CHOICES.items():
        elements[name] = mo.ui.radio(
            options=list(values), value=getattr(settings, name), inline=True, label=label(name)
        )
    for name in FACTORS:
        elements[name] = mo.ui.number(value=getattr(settings, name), step=0.1, label=label(name))
    elements["highlight"] = mo.ui.dropdown(
        options=_options(lights), value=_label_of(lights, chosen), label="highlight"
    )
    elements["theme"] = mo.ui.radio(
        options=_options(themes), value=_label_of(themes, theme), inline=True, label="theme"
    )
    return elements, _layout(lecture)


def _row(*names: str, gap: str = "1.5em") -> str:
    cells = "".join(f"<div>{{{name}}}</div>" for name in names)
    style = f"display:flex;flex-wrap:wrap;gap:0.5em {gap};align-items:center"
    return f'<div style="{style}">{cells}</div>'


def _layout(lecture: bool) -> str:
    """The controls' template: the panel's order, numbers in a grid, flags in a row.

    In the lecture layout the numbers sit three to a row, so that the controls take
    few rows above the lecture drawing. (marimo draws its elements in shadow DOM,
    sized by its own stylesheet, which the page's text size does not reach.)
    """
    numbers = [*NUMBERS, "widths"]
    columns = 3 if lecture else 2
    grid = "".join(f"<div>{{{name}}}</div>" for name in numbers)
    style = f"display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));gap:0.25em 2em"
    return (
        f'<div class="{CONTROLS_CLASS}" style="display:flex;flex-direction:column;gap:0.5em">'
        f"{_row('framework')}{_row('cell')}"
        f'<div style="{style}">{grid}</div>'
        f"{_row(*TYPED, *FLAGS)}{_row('highlight', 'theme')}</div>"
    )


def controls(
    settings: Settings | None = None,
    /,
    *,
    theme: ThemeName = DEFAULT_THEME,
    highlight: str | None = None,
    variant: Variant = "full",
    **changes: Any,
) -> Controls:
    """Controls preset to ``settings`` (keywords as for :func:`~lstm_widget.breakdown`).

    Show them in one cell and pass them to :func:`view` in another: marimo runs the
    view's cell again whenever a control moves. ``variant="lecture"`` sets every
    text at 18 px and makes the view draw the lecture variant at its natural size;
    ``theme`` and ``highlight`` preset those controls. Bad presets raise
    :class:`~lstm_widget.SettingsError`; values entered in the controls are checked
    by the view, which shows the one sentence instead.

    Examples
    --------
    >>> c = controls(units=10, input_size=1, dense=1)  # doctest: +SKIP
    >>> view(c)  # doctest: +SKIP
    """
    start = breakdown(settings, **changes)
    theme_named(theme)  # an unknown name raises the one-sentence SettingsError
    start.highlights.resolve(highlight)  # the sentence every front end gives
    return Controls(start, theme=theme, highlight=highlight, variant=check_variant(variant))


def view(c: Controls) -> mo.Html:
    """The diagram, headline, formula and per-unit reading for ``c``'s values now.

    Invalid values show the panel's one sentence above the last valid drawing; an
    option left on that the chosen layer lacks is not counted, and a line says so.
    """
    if not isinstance(c, Controls):
        raise SettingsError(f"view() shows lstm_widget.marimo.controls(), not {type(c).__name__}.")
    return mo.Html(c.live.html(c.value))
