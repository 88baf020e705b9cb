"""The live panel: every setting as a control; diagram, formula and table redrawn in place.

Built from ipywidgets and a slider of its own, following ipywidgets' ``interactive_output``:
one observer over all controls, one update routine, one initial draw, and an error shown
in the panel instead of escaping the observer (which would leave the panel frozen).

A drag sends a value per step and the kernel handles them in order, so every update
must be cheap for the diagram to keep up: one :class:`~lstm_widget.diagram.Diagram`
painter per theme is reused (it relabels its artists in place and keeps a bounded
cache of the images it rendered, so dragging back is free), and the weight-group
table, the one view whose size grows with the layer count, is built only while it is
open.

The package is private and imported on first use of :func:`lstm_widget.panel`, so that
``import lstm_widget`` does not import ipywidgets or matplotlib. Its rooms: ``look``
(the image format, the lecture stylesheet), ``numbers`` (the number rows) and ``track``
(their slider), ``sections`` (quiz, comparison, growth plot), ``lifecycle`` (the still for
static viewers, closing an earlier run's panels) and, here, the panel that assembles them.
"""

from __future__ import annotations

import argparse
import traceback
from collections.abc import Mapping
from html import escape
from typing import Any

import ipywidgets as widgets

from ..compare import Comparison, compare_with, describe_changes, parse_changes
from ..controls import (
    FLAGS,
    NOTHING,
    NUMBERS,
    THEME_LABELS,
    TYPED,
    WIDTHS_EXAMPLE,
    cell_choices,
    described,
    framework_choices,
    highlight_options,
    label,
    settings_from,
    shown,
)
from ..conventions import (
    FRAMEWORK_SPECS,
    OPTIONS,
    Highlight,
    Variant,
    check_variant,
    setting_rules,
)
from ..counting import Breakdown, Settings, SettingsError, breakdown
from ..description import describe
from ..diagram import Diagram
from ..display import formula_reading, per_unit_reading
from ..growth_plot import OVERS as GROWTH_OVERS
from ..growth_plot import GrowthPlot
from ..options import parse_units
from ..quiz import Question, Target, Verdict, check_target, check_timesteps
from ..report import text_table
from ..style import DEFAULT_THEME, THEME_NAMES, THEMES, ThemeName, theme_named
from .lifecycle import Still, forget, release_earlier_runs
from .look import (
    IMAGE_FORMAT,
    LECTURE_CLASS,
    LECTURE_CSS,
    RERUN_HINT,
    WIDGET_FORMAT,
    NamedImage,
    image_layout,
    panel_html,
    widget_tree,
)
from .numbers import number_row, typed_controls
from .sections import Sections, compare_options
from .track import Track


class Panel(Sections, Still, widgets.VBox):
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
        The slider beside each numeric control, named as it is and linked to it
        (logarithmic in the lecture variant for the widths ``input_size`` and ``units``).
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
        self.sliders: dict[str, Track] = {}
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

        # The lecture column has no room for a label beside each button row; their names say it.
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
        number_rows = []
        for name in NUMBERS:
            value = settings.widths[0] if name == "units" else getattr(settings, name)
            row = number_row(name, value, lecture, self._on_change)
            self.controls[name], self.sliders[name] = row.entry, row.slider
            number_rows.append(row.box)
        number_rows[list(NUMBERS).index("units")].children += (self.widths,)
        for name in FLAGS:
            self.controls[name] = widgets.Checkbox(
                value=getattr(settings, name),
                description=name if lecture else label(name),
                indent=False,
            )
        self.controls |= typed_controls(settings)
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
            options=compare_options(settings, compare),
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
        self.image = NamedImage(format=WIDGET_FORMAT, layout=image_layout(lecture))
        self.comparison = widgets.HTML()
        self.formula = widgets.HTML()
        self.explanation = widgets.HTML()
        self.table = widgets.HTML()
        self.table_section = widgets.Accordion(children=[self.table], titles=("Weight groups",))
        self.table_section.observe(self._fill_table, names="selected_index")
        self.growth_over = widgets.ToggleButtons(
            options=list(GROWTH_OVERS), value="units", description="", style=wide
        )
        self.growth_image = NamedImage(format=WIDGET_FORMAT, layout=image_layout(lecture))
        self.growth_note = widgets.HTML()
        self.growth_section = widgets.Accordion(
            children=[widgets.VBox([self.growth_over, self.growth_note, self.growth_image])],
            titles=("Growth",),
        )
        self._growth_plot: GrowthPlot | None = None
        self.growth_section.observe(self._draw_growth, names="selected_index")
        self.growth_over.observe(self._draw_growth, names="value")
        hint = f"<div>{escape(RERUN_HINT)}</div>"
        self.hint = widgets.HTML(LECTURE_CSS + hint if lecture else hint)

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
                row.add_class(f"{LECTURE_CLASS}-number")
            column = widgets.VBox(
                [
                    self.controls["framework"],
                    self.controls["cell"],
                    *number_rows,
                    *(self.controls[name] for name in TYPED),
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
            # wide for both, rather than squeezing either. (LECTURE_CSS.)
            views_box = widgets.VBox([picture, *details])
            body_box = widgets.HBox([column, views_box])
            for box, role in [
                (column, "controls"),
                (picture, "picture"),
                (views_box, "views"),
                (body_box, "body"),
            ]:
                box.add_class(f"{LECTURE_CLASS}-{role}")
            body = [body_box, self.hint]
        else:
            settings_box = widgets.VBox(
                [
                    self.controls["framework"],
                    self.controls["cell"],
                    *number_rows,
                    *(self.controls[name] for name in TYPED),
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
            self.add_class(LECTURE_CLASS)
        # A number row's entry reaches _on_change through its own observer, which
        # redraws before the slider beside it follows (see numbers.number_row).
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
        release_earlier_runs(self)

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

    def close(self) -> None:
        """Close every widget of the panel and release its figures.

        Closing only the outer box would leave the child widgets open, and through
        their observers the panel and its figures alive; each widget's layout and
        style are widgets of their own, which ``close`` leaves open too.
        """
        for widget in widget_tree(self):
            if widget is not self:
                widget.close()
        for painter in self._painters.values():
            painter.close()
        self._painters.clear()
        self._growth_plot = None
        forget(self)
        super().close()

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
        drawn, emphasis = self._drawing()
        self.image.value = self._image(drawn, emphasis, theme_name)
        self.image.tooltip = describe(drawn, hidden=self._hidden)  # its accessible name
        if self._hidden:
            # The formula, the per-unit reading and the table all hold the answer.
            self.formula.value = panel_html(
                f"<b>{escape(result.settings.describe_layer())}: ? parameters</b>", theme
            )
            self.explanation.value = ""
            self.table.value = ""
            self.growth_image.value = b""
            return
        self.formula.value = panel_html(formula_reading(result, theme, highlight, rules), theme)
        self.explanation.value = panel_html(per_unit_reading(result), theme)
        if self.table_section.selected_index is not None:
            self._fill_table({"new": self.table_section.selected_index})
        self._draw_growth()

    @property
    def _hidden(self) -> bool:
        """Whether the counts wait for a guess."""
        return self.question is not None and self.last_verdict is None

    def _image(self, result: Breakdown, highlight: Highlight, theme: ThemeName) -> bytes:
        """The diagram's bytes from this theme's painter, which caches what it rendered."""
        painter = self._painters.get(theme)
        if painter is None:
            painter = self._painters[theme] = Diagram(theme=theme)
        return painter.render(
            result, IMAGE_FORMAT, highlight=highlight, variant=self.variant, hidden=self._hidden
        )

    def _report(self, message: str, details: str | None = None) -> None:
        self.error = message
        more = f"<details><pre>{escape(details)}</pre></details>" if details else ""
        self.message.value = (
            f'<div role="alert" style="color:#B00020;font-weight:bold">{escape(message)}</div>'
            + more
        )


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
