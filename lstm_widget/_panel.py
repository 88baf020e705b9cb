"""The live panel: every setting as a control; diagram, formula and table redrawn in place.

Built from stock ipywidgets only, following ipywidgets' ``interactive_output``: one
observer over all controls, one update routine, one initial draw, and an error shown
in the panel instead of escaping the observer (which would leave the panel frozen).

A drag sends a value per step and the kernel handles them in order, so every update
must be cheap for the diagram to keep up: one :class:`~lstm_widget.diagram.Diagram`
painter per theme is reused (it relabels its artists in place and keeps a bounded
cache of the images it rendered, so dragging back is free), and the weight-group
table, the one view whose size grows with the layer count, is built only while it is
open.

The module is private and imported on first use of :func:`lstm_widget.panel`, so that
``import lstm_widget`` does not import ipywidgets or matplotlib.
"""

from __future__ import annotations

import argparse
import math
import traceback
from collections.abc import Callable, Iterator, Mapping
from html import escape
from typing import Any, Final

import ipywidgets as widgets

from ._frontend import in_voila, running_cell
from .compare import Comparison, compare_with, describe_changes, parse_changes, suggestions
from .controls import (
    FIRST_SIZES,
    FLAGS,
    NOTHING,
    NUMBERS,
    SIZES,
    THEME_LABELS,
    WIDTHS_EXAMPLE,
    cell_choices,
    described,
    framework_choices,
    highlight_options,
    label,
    settings_from,
    shown,
)
from .conventions import (
    FRAMEWORK_SPECS,
    OPTIONS,
    Highlight,
    Variant,
    check_variant,
    setting_rules,
)
from .counting import (
    Breakdown,
    Settings,
    SettingsError,
    breakdown,
)
from .diagram import Diagram, save_figure
from .display import embedded_image, formula_reading, on_theme, per_unit_reading
from .growth_plot import OVERS as GROWTH_OVERS
from .growth_plot import GrowthPlot
from .options import parse_guess, parse_units
from .quiz import Question, Target, Verdict, check_target, check_timesteps
from .report import html_table, text_table
from .style import DEFAULT_DPI, DEFAULT_THEME, THEME_NAMES, THEMES, Theme, ThemeName, theme_named

#: The Image widget's format. SVG keeps text as text: smaller, faster to render than
#: rasterising, and sharp on a projector.
IMAGE_FORMAT: Final = "svg"
_WIDGET_FORMAT: Final = "svg+xml"

#: In the lecture column the widths' sliders are logarithmic: on a linear 1-1,024 track
#: one unit is a third of a pixel and 10 -> 20 a 3 px drag; on a log track each tenth
#: of it doubles the width. (The full panel keeps linear tracks, whose arrow keys step
#: by one: benchmarks/bench_browser.py times those key presses.) Values are rounded to
#: whole numbers.
_LOG_BASE: Final = 2
_LOG_SLIDERS: Final = frozenset({"input_size", "units"})
#: A log slider's step in powers of the base: eight steps per doubling, so an arrow key
#: moves a width by about 9 %, enough to change it by at least one from 10 up, and a
#: drag over 1-1,024 has 80 positions.
_LOG_STEP: Final = 0.125
#: The lecture column's width: the rest of a 1280 px wide JupyterLab notebook in
#: presentation mode, with its file browser closed, beside the lecture diagram.
_LECTURE_COLUMN: Final = 240
#: Below this width (CSS px) the lecture panel stacks: the diagram on top, the controls
#: under it in rows with the numbers first, then the formula and the rest. It is the
#: column beside the widest lecture drawing (598 pt = 797 px, a PyTorch LSTM with a
#: projection), so the two never squeeze each other. At 1280x720, JupyterLab as it
#: opens (file browser open) leaves the panel 848 px and its presentation mode 802 px,
#: where the column beside the diagram would push the diagram below the screen;
#: Notebook 7 leaves 1,108 px and Voila 1,250 px, where they sit side by side.
_SIDE_BY_SIDE: Final = 1040
#: The lecture variant's class and stylesheet. ipywidgets sizes every control from
#: these custom properties, so setting them on the panel's own element scales its
#: controls and nothing else on the page. The panel is a CSS size container, so its
#: arrangement follows the width it really has (file browser open or closed,
#: presentation mode, zoom) with no JavaScript and nothing changed outside it.
_LECTURE_CLASS: Final = "lstm-widget-lecture"
_LECTURE_CSS: Final = f"""<style>
.{_LECTURE_CLASS} {{
  container-type: inline-size;
  --jp-widgets-font-size: 18px;
  --jp-widgets-inline-height: 34px;
  --jp-widgets-inline-label-width: 6em;
  --jp-widgets-inline-width: {_LECTURE_COLUMN}px;
  --jp-widgets-inline-width-short: 5em;
  --jp-widgets-inline-width-tiny: 5em;
  --jp-widgets-slider-handle-size: 22px;
  font-size: 18px;
}}
.{_LECTURE_CLASS} .widget-html-content {{ font-size: 18px; line-height: 1.35; }}
.{_LECTURE_CLASS} .widget-html-content code {{ font-size: 18px; }}
.{_LECTURE_CLASS} .widget-toggle-button {{ width: auto; padding: 0 0.25em; }}
.{_LECTURE_CLASS} .widget-inline-hbox {{ width: auto; }}
.{_LECTURE_CLASS} .widget-text input, .{_LECTURE_CLASS} .widget-dropdown select {{
  min-width: 0;
  width: 0;
}}
.{_LECTURE_CLASS} .widget-checkbox label {{ white-space: normal; }}
.{_LECTURE_CLASS} .{_LECTURE_CLASS}-body {{ flex-flow: row wrap; align-items: flex-start; }}
.{_LECTURE_CLASS} .{_LECTURE_CLASS}-controls {{ width: {_LECTURE_COLUMN}px; flex: 0 0 auto; }}
.{_LECTURE_CLASS} .{_LECTURE_CLASS}-views {{ flex: 0 0 auto; width: min-content; }}
.{_LECTURE_CLASS} .widget-image {{ max-width: none; flex: 0 0 auto; align-self: flex-start; }}
@container (width < {_SIDE_BY_SIDE}px) {{
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-body {{ flex-direction: column; }}
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-views {{ display: contents; }}
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-views > * {{ order: 2; }}
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-views > .{_LECTURE_CLASS}-picture {{ order: 0; }}
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-controls {{
    order: 1;
    width: auto;
    flex-flow: row wrap;
    column-gap: 1em;
  }}
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-controls > * {{ width: {_LECTURE_COLUMN}px; }}
  .{_LECTURE_CLASS} .{_LECTURE_CLASS}-controls > .{_LECTURE_CLASS}-number {{ order: -1; }}
  .{_LECTURE_CLASS} .widget-image {{ max-width: calc(100% - 2 * var(--jp-widgets-margin)); }}
}}
</style>"""

#: Under every panel. Its views stay on the page when the kernel goes away (a restart,
#: a closed notebook), and without custom JavaScript a panel cannot notice that.
RERUN_HINT: Final = (
    "If the controls stop answering (after a kernel restart, say), run this cell again."
)

#: Under the still a panel leaves for static viewers (see Panel._ipython_display_).
STILL_CAPTION: Final = "A still of the panel above, for viewers that cannot run widgets."


def _on_theme(html: str, theme: Theme) -> str:
    """``html`` on the theme's background, with the panel's tighter padding."""
    return on_theme(html, theme, css_class="lstm-widget-panel-text", padding="0.25em 0.5em")


def _image_layout(lecture: bool) -> widgets.Layout:
    """An image's layout: shrunk to the panel's width, or in the lecture layout as its
    stylesheet says (at its natural size, the size its text was chosen for, wherever
    the panel is wide enough, so browser zoom can only enlarge it)."""
    return widgets.Layout() if lecture else widgets.Layout(max_width="100%")


def _log_top(high: int, value: int) -> float:
    """A log slider's upper end in powers of its base: the track's end, or ``value``.

    Rounded up to the slider's step: the slider clamps values to ``base ** max``, and
    an unrounded power would clamp ``value`` itself to a float a hair below it.
    """
    steps = math.ceil(math.log(max(high, value), _LOG_BASE) / _LOG_STEP)
    return steps * _LOG_STEP


def _snapped(position: float, width: int) -> bool:
    """Whether a log slider at ``position`` is only ``width`` snapped to the track's grid.

    The frontend puts a typed width on the nearest step of the track and sends that
    position back: 20 comes back as 2**4.375, about 20.75. Taking it would turn the typed
    20 into 21. A drag or an arrow key moves further than half a step.
    """
    return width >= 1 and abs(math.log(position, _LOG_BASE) - math.log(width, _LOG_BASE)) <= (
        _LOG_STEP / 2 + 1e-9
    )


def _widget_tree(root: widgets.Widget) -> Iterator[widgets.Widget]:
    """``root`` and every widget under it: children, and each one's layout and style."""
    pending = [root]
    while pending:
        widget = pending.pop()
        yield widget
        pending.extend(getattr(widget, "children", ()))
        pending.extend(
            part
            for part in (getattr(widget, "layout", None), getattr(widget, "style", None))
            if isinstance(part, widgets.Widget)
        )


class Panel(widgets.VBox):
    """Controls for every setting beside the diagram, formula, per-unit reading and table.

    Parameters
    ----------
    start
        The breakdown shown first; the controls are preset to its settings. Passing
        the breakdown rather than its settings spares counting them again.
    theme, highlight
        The first theme and highlight, already checked (:func:`panel` checks them).
    variant
        ``"full"`` stacks every control above the full drawing. ``"lecture"`` is for
        a projector at 1280x720: a narrow column of controls beside the drawing's
        lecture variant at its natural size, every text at least 18 CSS px, so that a
        changed control, the total and every gate's count are on screen together.

    Attributes
    ----------
    controls
        One widget per setting, keyed by the setting names (``units``, ``cell``, ...).
        Setting a control's ``value`` in code updates the panel like a user would.
    result
        The :class:`~lstm_widget.Breakdown` now shown (the last valid one while
        :attr:`error` is set).
    error
        The message shown for invalid settings or a failed drawing, else ``None``.
    sliders
        The slider beside each numeric control, linked to it (logarithmic for the
        widths ``input_size`` and ``units``).
    widths
        The typed units per layer (``32, 18``) beside the units slider: it sets the
        number of layers, follows the layers slider (cut, or its last width repeated)
        and is cleared by the units slider, which sets every layer; blank for a stack
        of one width.
    highlight, theme
        The highlight selector, whose value is a role, a gate letter or ``""`` for
        nothing, and the theme toggle.
    compare
        The compare selector: ``""`` for nothing, or changes to the panel's settings
        as ``SETTING=VALUE`` pairs (``framework=pytorch``). While it is set, the
        diagram draws the side with more weights and marks every role whose weights
        differ (unless a highlight is chosen), and :attr:`comparison` states each
        difference with its formula.
    compared
        The :class:`~lstm_widget.compare.Comparison` now shown, else ``None``.
    quiz, guess, check, verdict
        Predict, then reveal. While :attr:`quiz` (a checkbox) is ticked every count
        (diagram, formula, per-unit reading, table, comparison) reads "?" until a
        guess is typed into :attr:`guess` and checked (Enter or the :attr:`check`
        button); :attr:`verdict` then confirms it or diagnoses it
        (:mod:`lstm_widget.quiz`), and the diagram marks the missed term. Another
        setting asks again.
    growth_section, growth_over, growth_image
        The collapsible growth plot (:func:`lstm_widget.growth`): parameters against
        the setting :attr:`growth_over` picks, stacked by role, the current setting
        marked. Drawn only while its section is open.
    question, last_verdict
        The :class:`~lstm_widget.quiz.Question` asked now (``None`` without the
        quiz) and the :class:`~lstm_widget.quiz.Verdict` of the last guess.
    table_section
        The collapsible section holding the weight-group :attr:`table`, built only
        while it is open.
    hint
        The line under the panel saying what to do when the controls stop answering.
    """

    def __init__(
        self,
        start: Breakdown,
        *,
        theme: ThemeName = DEFAULT_THEME,
        highlight: str | None = None,
        variant: Variant = "full",
        compare: str = "",
        quiz: bool = False,
        quiz_wants: Target = "layer",
        quiz_timesteps: int = 0,
    ) -> None:
        self.controls: dict[str, widgets.ValueWidget] = {}
        self.sliders: dict[str, widgets.IntSlider | widgets.FloatLogSlider] = {}
        self.variant = variant
        # The widget to hide with each option where it does not apply (lecture only).
        self._option_rows: dict[str, widgets.DOMWidget] = {}
        self._parked: dict[str, Any] = {}
        self._holding = False
        self._painters: dict[str, Diagram] = {}
        self._last_still: tuple[object, tuple[bytes, str]] = (None, (b"", ""))
        self.result = start
        self.error: str | None = None
        self.compared: Comparison | None = None
        self.question: Question | None = None
        self.last_verdict: Verdict | None = None
        self._quiz_wants: Target = quiz_wants
        self._quiz_timesteps = quiz_timesteps
        settings = start.settings
        lecture = variant == "lecture"

        # The lecture column is too narrow for a label beside each button row; the
        # buttons' own names say what they choose.
        wide = {"description_width": "initial"}
        self.controls["framework"] = widgets.ToggleButtons(
            options=framework_choices(),
            # Which layers each convention stores ("Keras 2" alone does not say cuDNN).
            tooltips=[
                f"{spec.label}: {', '.join(layout.class_name for layout in spec.cells.values())}"
                for spec in FRAMEWORK_SPECS.values()
            ],
            value=settings.framework,
            description="" if lecture else "framework",
            style=wide,
            # Three buttons to a row, so the conventions read as two groups: Keras 3,
            # PyTorch and ONNX, then Keras 2, TF1 and Flax. (The lecture column is
            # narrow enough to wrap them the same way.)
            layout=widgets.Layout() if lecture else widgets.Layout(max_width="480px"),
        )
        self.controls["cell"] = widgets.ToggleButtons(
            options=cell_choices(),
            value=settings.cell,
            description="" if lecture else "cell",
            style=wide,
        )
        self.widths = widgets.Text(
            value=", ".join(map(str, settings.units)) if isinstance(settings.units, tuple) else "",
            placeholder=WIDTHS_EXAMPLE,
            description="or per layer",
            style={"description_width": "6.5em" if lecture else "initial"},
            layout=widgets.Layout(width="auto" if lecture else "16em"),
            # A list is read when typed out (Enter or leaving the box), not at "32,".
            continuous_update=False,
            tooltip="units of each layer, separated by commas",
        )
        number_rows = [
            self._number_row(
                name, settings.widths[0] if name == "units" else getattr(settings, name)
            )
            for name in NUMBERS
        ]
        number_rows[list(NUMBERS).index("units")].children += (self.widths,)
        for name in FLAGS:
            self.controls[name] = widgets.Checkbox(
                value=getattr(settings, name),
                description=name if lecture else label(name),
                indent=False,
            )
        for name in SIZES:
            self.controls[name] = widgets.Text(
                value=shown(getattr(settings, name)) or FIRST_SIZES,
                description=label(name),
                placeholder=FIRST_SIZES,
                continuous_update=False,
                style=wide,
            )
        rules = start.highlights
        self.highlight = widgets.Dropdown(
            options=highlight_options(rules),
            # A framework's gate letter (``g``) selects the gate's stable name.
            value=rules.resolve(highlight) or NOTHING,
            description="highlight",
            style=wide,
        )
        self.theme = widgets.ToggleButtons(
            options=[(THEME_LABELS[t], t) for t in THEME_NAMES],
            value=theme,
            description="" if lecture else "theme",
            style=wide,
        )

        self.compare = widgets.Dropdown(
            options=_compare_options(settings, compare),
            value=compare,
            description="compare",
            style=wide,
        )
        self.quiz = widgets.Checkbox(value=quiz, description="predict first", indent=False)
        self.prompt = widgets.HTML()
        self.guess = widgets.Text(
            placeholder="your guess", continuous_update=False, layout=widgets.Layout(width="10em")
        )
        self.check = widgets.Button(description="Check")
        self.verdict = widgets.HTML()
        self.quiz_box = widgets.VBox(
            [self.prompt, widgets.HBox([self.guess, self.check]), self.verdict]
        )
        self.message = widgets.HTML()
        self.image = widgets.Image(format=_WIDGET_FORMAT, layout=_image_layout(lecture))
        self.comparison = widgets.HTML()
        self.formula = widgets.HTML()
        self.explanation = widgets.HTML()
        self.table = widgets.HTML()
        self.table_section = widgets.Accordion(children=[self.table], titles=("Weight groups",))
        self.table_section.observe(self._fill_table, names="selected_index")
        self.growth_over = widgets.ToggleButtons(
            options=list(GROWTH_OVERS), value="units", description="", style=wide
        )
        self.growth_image = widgets.Image(format=_WIDGET_FORMAT, layout=_image_layout(lecture))
        self.growth_note = widgets.HTML()
        self.growth_section = widgets.Accordion(
            children=[widgets.VBox([self.growth_over, self.growth_note, self.growth_image])],
            titles=("Growth",),
        )
        self._growth_plot: GrowthPlot | None = None
        self.growth_section.observe(self._draw_growth, names="selected_index")
        self.growth_over.observe(self._draw_growth, names="value")
        hint = f"<div>{escape(RERUN_HINT)}</div>"
        self.hint = widgets.HTML(_LECTURE_CSS + hint if lecture else hint)

        flags = [self.controls[name] for name in FLAGS]
        details = [self.formula, self.explanation, self.table_section, self.growth_section]
        if lecture:
            self._option_rows = {
                name: number_rows[list(NUMBERS).index(name)]
                if name in NUMBERS
                else self.controls[name]
                for name in OPTIONS
            }
            for row in number_rows:
                row.add_class(f"{_LECTURE_CLASS}-number")
            column = widgets.VBox(
                [
                    self.controls["framework"],
                    self.controls["cell"],
                    *number_rows,
                    *(self.controls[name] for name in SIZES),
                    *flags,
                    self.highlight,
                    self.compare,
                    self.quiz,
                    self.theme,
                    self.message,
                ]
            )
            # What the class looks at, kept together when the panel stacks.
            picture = widgets.VBox([self.quiz_box, self.image, self.comparison])
            # Side by side, the views are as wide as the diagram (min-content): a wider
            # formula line wraps instead of stretching the diagram past its natural
            # size. Wrapping puts the diagram under the column where a drawing is too
            # wide for both, rather than squeezing either. (_LECTURE_CSS.)
            views_box = widgets.VBox([picture, *details])
            body_box = widgets.HBox([column, views_box])
            for box, role in [
                (column, "controls"),
                (picture, "picture"),
                (views_box, "views"),
                (body_box, "body"),
            ]:
                box.add_class(f"{_LECTURE_CLASS}-{role}")
            body = [body_box, self.hint]
        else:
            settings_box = widgets.VBox(
                [
                    self.controls["framework"],
                    self.controls["cell"],
                    *number_rows,
                    *(self.controls[name] for name in SIZES),
                    widgets.HBox(flags),
                    widgets.HBox([self.highlight, self.theme]),
                    widgets.HBox([self.compare, self.quiz]),
                ]
            )
            body = [
                settings_box,
                self.message,
                self.quiz_box,
                self.image,
                self.comparison,
                *details,
                self.hint,
            ]
        super().__init__(body)
        if lecture:
            self.add_class(_LECTURE_CLASS)
        # A number row's entry reaches _on_change through its own observer, which
        # redraws before the slider beside it follows (see _number_row).
        choices_and_flags = [c for name, c in self.controls.items() if name not in NUMBERS]
        for control in (
            *choices_and_flags,
            self.widths,
            self.highlight,
            self.theme,
            self.compare,
        ):
            control.observe(self._on_change, names="value")
        self.quiz.observe(self._on_change, names="value")
        self.guess.observe(self._on_guess, names="value")
        self.check.on_click(lambda _: self._on_guess({"new": self.guess.value}))
        self.update()
        _release_earlier_runs(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live panel where widgets run, and what it shows now where they cannot.

        Frontends with a widget manager pick the widget view. A static viewer
        (nbviewer, GitHub, exported HTML without saved widget state) falls back to the
        HTML: the diagram as a PNG (as in every static output of this package), the
        formula and per-unit reading as they were when the panel was displayed (an
        output is not rewritten as the controls move); a terminal, to the text table.
        """
        bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = text_table(self.result)
        if self.image.value:  # empty only if the very first drawing failed
            png, tag = self._still()
            bundle["image/png"] = png
            bundle["text/html"] = (
                f"{tag}{self.comparison.value}{self.formula.value}{self.explanation.value}"
            )
        return bundle

    def _ipython_display_(self) -> None:
        """Show the panel and, under it until a frontend shows the panel, a still of it.

        The still is for a notebook saved with its widget state, as ``jupyter nbconvert
        --execute`` and nbclient save it: static viewers then pick the widget view over
        the HTML fallback and, without the widget code, show an empty box. A frontend
        that shows the panel reports its view (ipywidgets' ``_view_count``, counted by
        the stock widget views) and the still is cleared at once, so a live page never
        keeps a copy beside the panel that goes stale as the controls move.
        """
        import IPython.display

        # Typed here: some IPython releases annotate display and some do not.
        display: Callable[..., Any] = IPython.display.display
        self._view_count = 0  # before the view exists, so that its creation is counted
        bundle = self._repr_mimebundle_()
        display(bundle, raw=True)
        if "image/png" not in bundle or running_cell() is None or in_voila():
            return  # nothing drawn yet, or no notebook (a terminal shows the table)
        png, tag = self._still()
        still = display(
            {"text/html": f"<div>{tag}<div>{escape(STILL_CAPTION)}</div></div>", "image/png": png},
            raw=True,
            display_id=True,
        )

        def clear_still(change: dict[str, Any]) -> None:
            if change["new"]:
                still.update({"text/plain": ""}, raw=True)
                self.unobserve(clear_still, names="_view_count")

        self.observe(clear_still, names="_view_count")

    def _still(self) -> tuple[bytes, str]:
        """The diagram now shown as a PNG and an ``<img>`` carrying it (one kept)."""
        drawn, highlight = self._drawing()
        key = (drawn, self.theme.value, highlight, self._hidden)
        if self._last_still[0] != key:
            png, tag, _ = embedded_image(
                drawn,
                THEMES[self.theme.value],
                highlight,
                "png",
                self.variant,
                self._hidden,
            )
            self._last_still = (key, (png, tag))
        return self._last_still[1]

    def close(self) -> None:
        """Close every widget of the panel and release its figures.

        Closing only the outer box would leave the child widgets open, and through
        their observers the panel and its figures alive; each widget's layout and
        style are widgets of their own, which ``close`` leaves open too.
        """
        for widget in _widget_tree(self):
            if widget is not self:
                widget.close()
        for painter in self._painters.values():
            painter.close()
        self._painters.clear()
        self._growth_plot = None
        _forget(self)
        super().close()

    def _number_row(self, name: str, value: int) -> widgets.Box:
        """A slider for dragging and a typed entry for exact (and larger) values.

        The entry is the control: it accepts any integer so that a bad one gets the
        counting core's message, and the slider stretches to follow large values.
        In the lecture column the slider sits under its entry, as wide as the column.
        """
        lecture = self.variant == "lecture"
        low, high = NUMBERS[name]
        entry = widgets.IntText(
            value=value,
            description=name if lecture else label(name),
            # One label width for every row, so the sliders line up in a column.
            style={"description_width": "6.5em" if lecture else "15em"},
            layout=widgets.Layout(width="auto" if lecture else "25em"),
        )
        logarithmic = lecture and name in _LOG_SLIDERS
        track = {"continuous_update": True, "readout": False, "tooltip": name}
        if lecture:
            track["layout"] = widgets.Layout(width="100%")
        slider: widgets.IntSlider | widgets.FloatLogSlider = (
            widgets.FloatLogSlider(
                value=max(value, low),
                base=_LOG_BASE,
                min=math.log(low, _LOG_BASE),
                max=_log_top(high, value),
                step=_LOG_STEP,
                **track,
            )
            if logarithmic
            else widgets.IntSlider(value=max(value, low), min=low, max=max(high, value), **track)
        )

        def stretch(top: int) -> None:
            """Reach ``top`` past the track's end, or take back the track's own range."""
            slider.max = _log_top(high, top) if logarithmic else max(high, top)

        dragging = False

        def slider_moved(change: dict[str, Any]) -> None:
            # Drags and arrow keys land here. Holding the entry's message until the
            # panel has redrawn makes the new diagram the first thing the frontend
            # receives; sent after the entry's echo, it loads about 15 ms later in
            # chromium (benchmarks/bench_browser.py).
            nonlocal dragging
            if logarithmic and _snapped(change["new"], entry.value):
                return
            dragging = True
            try:
                with entry.hold_sync():
                    entry.value = round(change["new"])
            finally:
                dragging = False

        def entry_typed(change: dict[str, Any]) -> None:
            # Typed values (and drags, through slider_moved) land here. Redrawing before
            # the slider follows sends the new diagram first, as for a drag; the slider's
            # own change then finds the entry already at its value and redraws nothing.
            self._on_change(change)
            new = change["new"]
            if new < low:
                return  # refused by counting, or below the track: the slider stays put
            if dragging:
                # The handle is where the user put it. A log slider's position is a
                # fraction, so "following" the rounded value would move it under the
                # mouse; a range that moved under the mouse would fight the drag too.
                return
            stretch(new)  # back from a large typed value, the track's own range again
            slider.value = new

        slider.observe(slider_moved, names="value")
        entry.observe(entry_typed, names="value")
        self.controls[name] = entry
        self.sliders[name] = slider
        return widgets.VBox([entry, slider]) if lecture else widgets.HBox([entry, slider])

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._holding:
            self._holding = True  # the controls set here must not redraw on their own
            try:
                self._match_widths_to(change["owner"])
            finally:
                self._holding = False
            self.update()

    def _match_widths_to(self, owner: object) -> None:
        """Keep the units per layer and the layer count in step with what just moved.

        Widths typed set the layer count; the layers slider cuts the list or repeats
        its last width; the units slider sets every layer, so it clears the list. Text
        that does not parse is left alone, for :meth:`update` to report.
        """
        if owner is self.controls["units"]:
            self.widths.value = ""
            return
        try:
            widths = parse_units(self.widths.value) if self.widths.value.strip() else None
        except argparse.ArgumentTypeError:
            return
        if not isinstance(widths, tuple):
            return
        control = self.controls["layers"]
        if owner is self.widths:
            control.value = len(widths)
            return
        layers = control.value
        if owner is control and isinstance(layers, int) and layers >= 1:
            widths = (widths + widths[-1:] * layers)[:layers]
            self.widths.value = ", ".join(map(str, widths))

    def update(self) -> None:
        """Recount and redraw from the controls; errors are shown, never raised."""
        self._holding = True  # changes made here must not re-enter
        try:
            self._match_options_to_layer()
            values = {name: c.value for name, c in self.controls.items()}
            settings = settings_from(values, self.widths.value)
            # A theme or highlight change, or the first draw, leaves the count as it is.
            if settings != self.result.settings:
                self.result = breakdown(settings)
            self._ask()
            self._count_comparison()
            self._show(self.result)
            self._offer_comparisons()
            self.error = None
            self.message.value = ""
        except SettingsError as error:
            self._report(str(error))
        except Exception as error:  # a drawing bug: show it and keep the panel alive
            self._report(
                f"Could not draw: {type(error).__name__}: {error}",
                details=traceback.format_exc(),
            )
        finally:
            self._holding = False

    def _match_options_to_layer(self) -> None:
        """Disable options the chosen framework and cell lack, at their neutral value,
        and name ``units`` and ``input_size`` as the cell does (filters, channels).

        A disabled option shows the value actually counted; the user's value is kept
        and comes back when the option applies again. The lecture column hides it.
        """
        framework, cell = self.controls["framework"].value, self.controls["cell"].value
        for setting in ("units", "input_size"):
            self.controls[setting].description = described(setting, cell)
        for option, (exists, counted) in setting_rules(framework, cell).items():
            control = self.controls[option]
            if exists == (not control.disabled):
                continue
            neutral = shown(counted)
            if exists:
                parked = self._parked.pop(option, control.value)
                if control.value == neutral:  # not set while disabled
                    control.value = parked
            else:
                self._parked[option] = control.value
                control.value = neutral
            control.disabled = not exists
            if option in self.sliders:
                self.sliders[option].disabled = not exists
            if option in self._option_rows:  # the lecture column keeps to what applies
                self._option_rows[option].layout.display = None if exists else "none"

    def _show(self, result: Breakdown) -> None:
        rules = result.highlights  # asked once: selector, carry-over and gate line
        options = highlight_options(rules)
        if options != list(self.highlight.options):
            # Another framework or cell: keep the highlight wherever the new layer has
            # the same role or gate (the candidate from Keras to PyTorch, say).
            keep = rules.carry(self.highlight.value)
            self.highlight.options = options
            self.highlight.value = keep or NOTHING
        theme_name: ThemeName = self.theme.value
        theme = THEMES[theme_name]
        highlight = self.highlight.value or None
        self.image.value = self._image(*self._drawing(), theme_name)
        if self._hidden:
            # The formula, the per-unit reading and the table all hold the answer.
            self.formula.value = _on_theme(
                f"<b>{escape(result.settings.describe_layer())}: ? parameters</b>", theme
            )
            self.explanation.value = ""
            self.table.value = ""
            self.growth_image.value = b""
            return
        self.formula.value = _on_theme(formula_reading(result, theme, highlight, rules), theme)
        self.explanation.value = _on_theme(per_unit_reading(result), theme)
        if self.table_section.selected_index is not None:
            self._fill_table({"new": self.table_section.selected_index})
        self._draw_growth()

    @property
    def _hidden(self) -> bool:
        """Whether the counts wait for a guess."""
        return self.question is not None and self.last_verdict is None

    def _ask(self) -> None:
        """Ask about the settings now shown, unless already asked (quiz on)."""
        if not self.quiz.value:
            self.question, self.last_verdict = None, None
            self.quiz_box.layout.display = "none"
            return
        self.quiz_box.layout.display = None
        wants: Target = self._quiz_wants if self.result.settings.dense else "layer"
        try:
            question = Question(self.result, wants, self._quiz_timesteps)
        except SettingsError as error:  # a layer the quiz does not ask about: counts shown
            self.question, self.last_verdict = None, None
            message = str(error)
            self.prompt.value = f"<div>{escape(message[:1].upper() + message[1:])}</div>"
            self.verdict.value = ""
            return
        if question == self.question:
            return
        self.question, self.last_verdict = question, None
        self.prompt.value = (
            f"<div>{escape(question.prompt())}</div>"
            f"<div><code>{escape(question.code())}</code></div>"
        )
        self.guess.value = ""
        self.verdict.value = ""

    def _on_guess(self, change: dict[str, Any]) -> None:
        """Check a typed guess, reveal the counts and mark what the guess missed."""
        text = str(change["new"])
        if self.question is None or not text.strip():
            return
        try:
            guess = parse_guess(text)
        except SettingsError as error:
            self.verdict.value = (
                '<div role="alert" style="color:#B00020;font-weight:bold">'
                f"{escape(str(error))}</div>"
            )
            return
        self.last_verdict = self.question.check(guess)
        theme = THEMES[self.theme.value]
        # The theme's own foreground: a fixed red or green falls below 3:1 on one of the
        # two backgrounds; the words say right or wrong.
        self.verdict.value = _on_theme(
            f"<div><b>{escape(self.last_verdict.message)}</b></div>", theme
        )
        self._holding = True
        try:
            self._count_comparison()
            self._show(self.result)
        finally:
            self._holding = False

    def _drawing(self) -> tuple[Breakdown, Highlight]:
        """What the diagram shows: the result, or the comparison's side with more
        weights, every role whose weights differ marked unless a highlight is chosen;
        after a wrong guess, each candidate formula's missed term marked."""
        chosen = self.highlight.value or None
        if self.compared is None:
            verdict = self.last_verdict
            if chosen is None and verdict is not None and not verdict.right:
                return self.result, verdict.marks  # each candidate's missed term
            return self.result, chosen
        drawn = self.compared.drawn
        if chosen is not None and drawn.highlights.carry(chosen) is None:
            chosen = None  # a gate or role the drawn side lacks
        return drawn, chosen or self.compared.marks or None

    def _count_comparison(self) -> None:
        """Count the comparison the selector asks for (before the diagram, which shows
        its side with more weights)."""
        chosen = self.compare.value
        self.compared = None
        if not chosen:
            self.comparison.value = ""
            return
        theme = THEMES[self.theme.value]
        if self._hidden:
            self.comparison.value = _on_theme(
                f"<div>The comparison with {escape(chosen)} shows after your guess.</div>", theme
            )
            return
        try:
            self.compared = compare_with(self.result, parse_changes(chosen))
        except SettingsError as error:
            self.comparison.value = _on_theme(
                f'<div role="alert" style="color:#B00020;font-weight:bold">'
                f"Cannot compare with {escape(chosen)}: {escape(str(error))}</div>",
                theme,
            )
            return
        self.comparison.value = _on_theme(self.compared.html(theme.roles), theme)

    def _offer_comparisons(self) -> None:
        """The selector's choices for the settings now shown. Called after the diagram
        is drawn: on a drag the new diagram is the first message the frontend gets."""
        chosen = self.compare.value
        options = _compare_options(self.result.settings, chosen)
        if options != list(self.compare.options):
            self.compare.options = options
            self.compare.value = chosen

    def _image(self, result: Breakdown, highlight: Highlight, theme: ThemeName) -> bytes:
        """The diagram's bytes from this theme's painter, which caches what it rendered."""
        painter = self._painters.get(theme)
        if painter is None:
            painter = self._painters[theme] = Diagram(theme=theme)
        return painter.render(
            result, IMAGE_FORMAT, highlight=highlight, variant=self.variant, hidden=self._hidden
        )

    def _fill_table(self, change: dict[str, Any]) -> None:
        if change["new"] is not None and not self._hidden:
            theme = THEMES[self.theme.value]
            self.table.value = _on_theme(html_table(self.result, theme), theme)

    def _draw_growth(self, change: object = None) -> None:
        """Redraw the growth plot into its one figure, only while its section is open
        (and the counts are not waiting for a guess)."""
        if self.growth_section.selected_index is None or self._hidden:
            return
        theme = THEMES[self.theme.value]
        if self._growth_plot is None or self._growth_plot.theme is not theme:
            self._growth_plot = GrowthPlot(theme)
        try:
            figure = self._growth_plot.update(self.result, self.growth_over.value)
        except SettingsError as error:  # a stack of different widths grows no other way
            self.growth_note.value = f"<div>{escape(str(error))}</div>"
            self.growth_image.layout.display = "none"
            return
        self.growth_note.value = ""
        self.growth_image.layout.display = None
        self.growth_image.value = save_figure(figure, IMAGE_FORMAT, DEFAULT_DPI, theme)

    def _report(self, message: str, details: str | None = None) -> None:
        self.error = message
        more = f"<details><pre>{escape(details)}</pre></details>" if details else ""
        self.message.value = (
            f'<div role="alert" style="color:#B00020;font-weight:bold">{escape(message)}</div>'
            + more
        )


#: The panels each notebook cell's latest run made: cell -> (that run's request, panels).
_CELL_PANELS: dict[str, tuple[str, list[Panel]]] = {}


def _release_earlier_runs(panel: Panel) -> None:
    """Close the panels an earlier run of the running cell made, and note ``panel``.

    The previous run's output is gone from the page, but its widgets, observers and
    figures would stay in the kernel until the kernel ends. Panels made by one run
    (``a = panel(); b = panel()``) all stay.
    """
    running = running_cell()
    if running is None:
        return
    cell, run = running
    last_run, panels = _CELL_PANELS.get(cell, (run, []))
    if last_run != run:
        for earlier in panels:
            earlier.close()  # which forgets it
        panels = []
    _CELL_PANELS[cell] = (run, [*panels, panel])


def _forget(panel: Panel) -> None:
    """Drop a closed ``panel`` from :data:`_CELL_PANELS`."""
    for cell, (run, panels) in list(_CELL_PANELS.items()):
        rest = [p for p in panels if p is not panel]
        if not rest:
            del _CELL_PANELS[cell]
        elif len(rest) < len(panels):
            _CELL_PANELS[cell] = (run, rest)


def _compare_options(settings: Settings, chosen: str) -> list[tuple[str, str]]:
    """Nothing, the registry's suggestions for ``settings``, and ``chosen`` if it is not
    among them (a comparison given to :func:`panel` stays while the controls move)."""
    values = [describe_changes(changes) for changes in suggestions(settings)]
    if chosen and chosen not in values:
        values.append(chosen)
    return [("nothing", NOTHING), *((value, value) for value in values)]


def panel(
    settings: Settings | None = None,
    /,
    *,
    theme: ThemeName = DEFAULT_THEME,
    highlight: str | None = None,
    variant: Variant = "full",
    compare: str | Mapping[str, Any] | None = None,
    quiz: bool = False,
    quiz_wants: Target = "layer",
    quiz_timesteps: int = 0,
    **changes: Any,
) -> Panel:
    """A live panel preset to ``settings`` (keywords as for :func:`~lstm_widget.breakdown`).

    ``variant="lecture"`` arranges it for a projector (see :class:`Panel`).
    ``compare`` sets the compare selector: changes to the settings, as a mapping
    (``{"framework": "pytorch"}``) or as ``"framework=pytorch, bias=False"``.
    ``quiz=True`` hides every count until a guess is checked; ``quiz_wants="model"``
    asks for the model with its dense head, ``quiz_timesteps=3`` shows the input as
    its framework writes it with 3 timesteps (the timesteps trap).
    Bad presets raise :class:`~lstm_widget.SettingsError`; once the panel is shown, bad
    values entered in it are reported inside the panel instead. Running the notebook
    cell that made a panel again closes that panel (its widgets and figures) once the
    new one is made.

    Examples
    --------
    >>> p = panel(units=64, input_size=32, cell="gru")  # doctest: +SKIP
    >>> p.controls["units"].value = 128  # doctest: +SKIP
    >>> p.result.total  # doctest: +SKIP
    """
    start = breakdown(settings, **changes)
    theme_named(theme)  # an unknown name raises the one-sentence SettingsError
    start.highlights.resolve(highlight)  # the sentence every front end gives
    against = ""
    if compare:
        parsed = parse_changes(compare) if isinstance(compare, str) else dict(compare)
        compare_with(start, parsed)  # a comparison that cannot be counted is refused here
        against = describe_changes(parsed)
    check_target(quiz_wants)
    check_timesteps(quiz_timesteps)
    if quiz:
        Question(start, "layer", quiz_timesteps)  # a layer the quiz cannot ask about
    return Panel(
        start,
        theme=theme,
        highlight=highlight,
        variant=check_variant(variant),
        compare=against,
        quiz=quiz,
        quiz_wants=quiz_wants,
        quiz_timesteps=quiz_timesteps,
    )
