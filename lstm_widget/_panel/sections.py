"""The panel's sections beside the counts: the quiz, the comparison, the weight-group
table and the growth plot.

:class:`Sections` holds their updates; :class:`~lstm_widget._panel.Panel` builds their
widgets and calls them from its one update routine. :class:`PanelState` is what they
read and set on the panel.
"""

from __future__ import annotations

from html import escape
from typing import Any, Protocol

import ipywidgets as widgets

from ..compare import Comparison, compare_with, describe_changes, parse_changes, suggestions
from ..controls import NOTHING
from ..conventions import Highlight
from ..counting import Breakdown, Settings, SettingsError
from ..growth_plot import GrowthPlot
from ..options import parse_guess
from ..painting import save_figure, with_text_alternative
from ..quiz import Question, Target, Verdict
from ..report import html_table
from ..style import DEFAULT_DPI, THEMES
from .look import IMAGE_FORMAT, panel_html


class PanelState(Protocol):
    """What the sections read and set on the panel."""

    result: Breakdown
    theme: widgets.ToggleButtons
    quiz: widgets.Checkbox
    quiz_box: widgets.VBox
    prompt: widgets.HTML
    guess: widgets.Text
    verdict: widgets.HTML
    question: Question | None
    last_verdict: Verdict | None
    compare: widgets.Dropdown
    compared: Comparison | None
    comparison: widgets.HTML
    growth_section: widgets.Accordion
    growth_over: widgets.ToggleButtons
    growth_image: widgets.Image
    growth_note: widgets.HTML
    _growth_plot: GrowthPlot | None
    _quiz_wants: Target
    _quiz_timesteps: int
    _holding: bool
    highlight: widgets.Dropdown
    table: widgets.HTML
    table_section: widgets.Accordion

    @property
    def _hidden(self) -> bool: ...
    def _show(self, result: Breakdown) -> None: ...
    def _count_comparison(self) -> None: ...


class Sections:
    """The quiz, the comparison, the weight-group table and the growth plot, as the
    panel updates them, and what the diagram shows for them."""

    question: Question | None
    last_verdict: Verdict | None
    compared: Comparison | None
    _growth_plot: GrowthPlot | None

    def _ask(self: PanelState) -> None:
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

    def _on_guess(self: PanelState, change: dict[str, Any]) -> None:
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
        self.verdict.value = panel_html(
            f"<div><b>{escape(self.last_verdict.message)}</b></div>", theme
        )
        self._holding = True
        try:
            self._count_comparison()
            self._show(self.result)
        finally:
            self._holding = False

    def _count_comparison(self: PanelState) -> None:
        """Count the comparison the selector asks for (before the diagram, which shows
        its side with more weights)."""
        chosen = self.compare.value
        self.compared = None
        if not chosen:
            self.comparison.value = ""
            return
        theme = THEMES[self.theme.value]
        if self._hidden:
            self.comparison.value = panel_html(
                f"<div>The comparison with {escape(chosen)} shows after your guess.</div>", theme
            )
            return
        try:
            self.compared = compare_with(self.result, parse_changes(chosen))
        except SettingsError as error:
            self.comparison.value = panel_html(
                f'<div role="alert" style="color:#B00020;font-weight:bold">'
                f"Cannot compare with {escape(chosen)}: {escape(str(error))}</div>",
                theme,
            )
            return
        self.comparison.value = panel_html(self.compared.html(theme.roles), theme)

    def _offer_comparisons(self: PanelState) -> None:
        """The selector's choices for the settings now shown. Called after the diagram
        is drawn: on a drag the new diagram is the first message the frontend gets."""
        chosen = self.compare.value
        options = compare_options(self.result.settings, chosen)
        if options != list(self.compare.options):
            self.compare.options = options
            self.compare.value = chosen

    def _draw_growth(self: PanelState, change: object = None) -> None:
        """Redraw the growth plot into its one figure, only while its section is open
        (and the counts are not waiting for a guess)."""
        if self.growth_section.selected_index is None or self._hidden:
            return
        theme = THEMES[self.theme.value]
        plot = self._growth_plot
        if plot is None or plot.theme is not theme:
            plot = self._growth_plot = GrowthPlot(theme)
        try:
            figure = plot.update(self.result, self.growth_over.value)
        except SettingsError as error:  # a stack of different widths grows no other way
            self.growth_note.value = f"<div>{escape(str(error))}</div>"
            self.growth_image.layout.display = "none"
            return
        self.growth_note.value = ""
        self.growth_image.layout.display = None
        described = plot.description
        image = save_figure(figure, IMAGE_FORMAT, DEFAULT_DPI, theme)
        self.growth_image.value = with_text_alternative(image, "Growth", described)
        self.growth_image.tooltip = described  # the <img>'s accessible name (its title)

    def _drawing(self: PanelState) -> tuple[Breakdown, Highlight]:
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

    def _fill_table(self: PanelState, change: dict[str, Any]) -> None:
        if change["new"] is not None and not self._hidden:
            theme = THEMES[self.theme.value]
            self.table.value = panel_html(html_table(self.result, theme), theme)


def compare_options(settings: Settings, chosen: str) -> list[tuple[str, str]]:
    """Nothing, the registry's suggestions for ``settings``, and ``chosen`` if it is not
    among them (a comparison given to :func:`panel` stays while the controls move)."""
    values = [describe_changes(changes) for changes in suggestions(settings)]
    if chosen and chosen not in values:
        values.append(chosen)
    return [("nothing", NOTHING), *((value, value) for value in values)]
