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

import traceback
from collections.abc import Mapping
from html import escape
from typing import Any, Final

import ipywidgets as widgets

from .conventions import (
    CELL_SPECS,
    FRAMEWORK_SPECS,
    OPTIONS,
    ROLES,
    Highlights,
    applies,
    applies_to,
)
from .counting import (
    MAX_LAYERS,
    Breakdown,
    Role,
    Settings,
    SettingsError,
    breakdown,
)
from .diagram import Diagram
from .display import image_tag, on_theme
from .layout import highlights
from .report import formula_html, html_table, summary_line, text_table
from .style import DEFAULT_THEME, THEME_NAMES, THEMES, Theme, ThemeName, theme_named

#: The Image widget's format. SVG keeps text as text: smaller, faster to render than
#: rasterising, and sharp on a projector.
IMAGE_FORMAT: Final = "svg"
_WIDGET_FORMAT: Final = "svg+xml"

#: Setting -> (slider minimum, slider maximum). The typed entry beside each slider
#: takes any value, and the slider stretches to follow it.
_NUMBERS: Final[Mapping[str, tuple[int, int]]] = {
    "input_size": (1, 512),
    "units": (1, 1024),
    "layers": (1, min(10, MAX_LAYERS)),
    "proj_size": (0, 512),
    "dense": (0, 128),
}
#: The on/off settings: the two every layer has, then the options some layers have.
_FLAGS: Final = (
    "bidirectional",
    "bias",
    *(name for name, option in OPTIONS.items() if isinstance(option.neutral, bool)),
)

_THEME_LABELS: Final = {"light": "light", "high-contrast": "high contrast"}


def _on_theme(html: str, theme: Theme) -> str:
    """``html`` on the theme's background, with the panel's tighter padding."""
    return on_theme(html, theme, css_class="lstm-widget-panel-text", padding="0.25em 0.5em")


def _label(setting: str) -> str:
    """A control's label: the setting's name, and where it applies if not everywhere."""
    return f"{setting} ({', '.join(applies_to(setting))})" if setting in OPTIONS else setting


#: The selector's value for no highlight. Not ``None``: a Dropdown set to ``None``
#: selects no option and shows a blank box instead of "nothing".
_NOTHING: Final = ""


def _highlight_options(rules: Highlights) -> list[tuple[str, str]]:
    """Dropdown options: nothing, then what the diagram accepts as its highlight, e.g.
    ``forget gate (f)``; the candidate by its name, whatever the framework's letter."""
    return [("nothing", _NOTHING), *((rules.label(c), c) for c in rules.choices)]


def _gate_html(result: Breakdown, rules: Highlights, gate: str, theme: Theme) -> str:
    """One gate's own weights in layer 1, each in its role's colour."""
    groups = [g for g in result.block_groups(0, "forward") if g.stable_gate == gate]
    parts = " + ".join(
        f'<span style="color:{theme.roles[g.role]}">{escape(g.symbol)} '
        f"({'×'.join(f'{n:,}' for n in g.shape)}) {g.count:,}</span>"
        for g in groups
    )
    total = sum(g.count for g in groups)
    return f"<div>{escape(rules.label(gate))}, layer 1: {parts} = <b>{total:,}</b></div>"


class Panel(widgets.VBox):
    """Controls for every setting beside the diagram, formula, per-unit reading and table.

    Parameters
    ----------
    start
        The breakdown shown first; the controls are preset to its settings. Passing
        the breakdown rather than its settings spares counting them again.
    theme, highlight
        The first theme and highlight, already checked (:func:`panel` checks them).

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
        The slider beside each numeric control, linked to it.
    highlight, theme
        The highlight selector, whose value is a role, a gate letter or ``""`` for
        nothing, and the theme toggle.
    table_section
        The collapsible section holding the weight-group :attr:`table`, built only
        while it is open.
    """

    def __init__(
        self,
        start: Breakdown,
        *,
        theme: ThemeName = DEFAULT_THEME,
        highlight: str | None = None,
    ) -> None:
        self.controls: dict[str, widgets.ValueWidget] = {}
        self.sliders: dict[str, widgets.IntSlider] = {}
        self._parked: dict[str, Any] = {}
        self._holding = False
        self._painters: dict[str, Diagram] = {}
        self.result = start
        self.error: str | None = None
        settings = start.settings

        wide = {"description_width": "initial"}
        self.controls["framework"] = widgets.ToggleButtons(
            options=[(spec.label, key) for key, spec in FRAMEWORK_SPECS.items()],
            value=settings.framework,
            description="framework",
            style=wide,
        )
        self.controls["cell"] = widgets.ToggleButtons(
            options=[(spec.label, key) for key, spec in CELL_SPECS.items()],
            value=settings.cell,
            description="cell",
            style=wide,
        )
        number_rows = [self._number_row(name, getattr(settings, name)) for name in _NUMBERS]
        for name in _FLAGS:
            self.controls[name] = widgets.Checkbox(
                value=getattr(settings, name), description=_label(name), indent=False
            )
        rules = highlights(start)
        self.highlight = widgets.Dropdown(
            options=_highlight_options(rules),
            # A framework's gate letter (``g``) selects the gate's stable name.
            value=rules.resolve(highlight) or _NOTHING,
            description="highlight",
            style=wide,
        )
        self.theme = widgets.ToggleButtons(
            options=[(_THEME_LABELS[t], t) for t in THEME_NAMES],
            value=theme,
            description="theme",
            style=wide,
        )

        self.message = widgets.HTML()
        self.image = widgets.Image(format=_WIDGET_FORMAT, layout=widgets.Layout(max_width="100%"))
        self.formula = widgets.HTML()
        self.explanation = widgets.HTML()
        self.table = widgets.HTML()
        self.table_section = widgets.Accordion(children=[self.table], titles=("Weight groups",))
        self.table_section.observe(self._fill_table, names="selected_index")

        flags = widgets.HBox([self.controls[name] for name in _FLAGS])
        settings_box = widgets.VBox(
            [
                self.controls["framework"],
                self.controls["cell"],
                *number_rows,
                flags,
                widgets.HBox([self.highlight, self.theme]),
            ]
        )
        super().__init__(
            [
                settings_box,
                self.message,
                self.image,
                self.formula,
                self.explanation,
                self.table_section,
            ]
        )
        # A number row's entry reaches _on_change through its own observer, which
        # redraws before the slider beside it follows (see _number_row).
        choices_and_flags = [c for name, c in self.controls.items() if name not in _NUMBERS]
        for control in (*choices_and_flags, self.highlight, self.theme):
            control.observe(self._on_change, names="value")
        self.update()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live panel where widgets run, and what it shows now where they cannot.

        Frontends with a widget manager pick the widget view. A static viewer
        (nbviewer, GitHub, exported HTML without saved widget state) falls back to the
        HTML: the diagram, formula and per-unit reading as they were when the panel
        was displayed (an output is not rewritten as the controls move); a terminal,
        to the text table.
        """
        bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = text_table(self.result)
        if self.image.value:  # empty only if the very first drawing failed
            tag = image_tag(self.image.value, IMAGE_FORMAT, self.result)
            bundle["text/html"] = f"{tag}{self.formula.value}{self.explanation.value}"
        return bundle

    def close(self) -> None:
        """Close every widget of the panel and release its figures.

        Closing only the outer box would leave the child widgets open, and through
        their observers the panel and its figures alive.
        """
        pending = list(self.children)
        while pending:
            widget = pending.pop()
            pending.extend(getattr(widget, "children", ()))
            widget.close()
        for painter in self._painters.values():
            painter.close()
        self._painters.clear()
        super().close()

    def _number_row(self, name: str, value: int) -> widgets.HBox:
        """A slider for dragging and a typed entry for exact (and larger) values.

        The entry is the control: it accepts any integer so that a bad one gets the
        counting core's message, and the slider stretches to follow large values.
        """
        low, high = _NUMBERS[name]
        entry = widgets.IntText(
            value=value,
            description=_label(name),
            # One label width for every row, so the sliders line up in a column.
            style={"description_width": "15em"},
            layout=widgets.Layout(width="25em"),
        )
        slider = widgets.IntSlider(
            value=max(value, low),
            min=low,
            max=max(high, value),
            readout=False,
            continuous_update=True,
            tooltip=name,
        )

        dragging = False

        def slider_moved(change: dict[str, Any]) -> None:
            # Drags and arrow keys land here. Holding the entry's message until the
            # panel has redrawn makes the new diagram the first thing the frontend
            # receives; sent after the entry's echo, it loads about 15 ms later in
            # chromium (benchmarks/bench_browser.py).
            nonlocal dragging
            dragging = True
            try:
                with entry.hold_sync():
                    entry.value = change["new"]
            finally:
                dragging = False

        def entry_typed(change: dict[str, Any]) -> None:
            # Typed values (and drags, through slider_moved) land here. Redrawing before
            # the slider follows sends the new diagram first, as for a drag; the slider's
            # own change then finds the entry already at its value and redraws nothing.
            self._on_change(change)
            new = change["new"]
            if new > slider.max:
                slider.max = new
            if new >= slider.min:
                slider.value = new
                if not dragging:  # a range that moved under the mouse would fight the drag
                    # Back from a large typed value, the slider regains its dragging range.
                    slider.max = max(high, new)

        slider.observe(slider_moved, names="value")
        entry.observe(entry_typed, names="value")
        self.controls[name] = entry
        self.sliders[name] = slider
        return widgets.HBox([entry, slider])

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._holding:
            self.update()

    def update(self) -> None:
        """Recount and redraw from the controls; errors are shown, never raised."""
        self._holding = True  # changes made here must not re-enter
        try:
            self._match_options_to_layer()
            values = {name: control.value for name, control in self.controls.items()}
            settings = Settings(**values)
            # A theme or highlight change, or the first draw, leaves the count as it is.
            if settings != self.result.settings:
                self.result = breakdown(settings)
            self._show(self.result)
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
        """Disable options the chosen framework and cell lack, at their neutral value.

        A disabled option shows the value actually counted; the user's value is kept
        and comes back when the option applies again.
        """
        framework, cell = self.controls["framework"].value, self.controls["cell"].value
        for option in OPTIONS:
            control = self.controls[option]
            exists = applies(option, framework, cell)
            if exists == (not control.disabled):
                continue
            if exists:
                parked = self._parked.pop(option, control.value)
                if control.value == OPTIONS[option].neutral:  # not set while disabled
                    control.value = parked
            else:
                self._parked[option] = control.value
                control.value = OPTIONS[option].neutral
            control.disabled = not exists
            if option in self.sliders:
                self.sliders[option].disabled = not exists

    def _show(self, result: Breakdown) -> None:
        rules = highlights(result)  # asked once: selector, carry-over and gate line
        options = _highlight_options(rules)
        if options != list(self.highlight.options):
            # Another framework or cell: keep the highlight wherever the new layer has
            # the same role or gate (the candidate from Keras to PyTorch, say).
            keep = rules.carry(self.highlight.value)
            self.highlight.options = options
            self.highlight.value = keep or _NOTHING
        theme_name: ThemeName = self.theme.value
        theme = THEMES[theme_name]
        highlight = self.highlight.value or None
        self.image.value = self._image(result, theme_name, highlight)
        role: Role | None = highlight if highlight in ROLES else None
        gate = "" if highlight is None or role else _gate_html(result, rules, highlight, theme)
        self.formula.value = _on_theme(
            f"<b>{escape(summary_line(result))}</b>"
            f"{formula_html(result.formula, theme.roles, highlight=role)}{gate}",
            theme,
        )
        layers = result.settings.layers
        # Layers above the first all read the same, so one line covers them.
        labels = ["Layer 1", "Layer 2" if layers == 2 else f"Layers 2–{layers}"]
        self.explanation.value = _on_theme(
            "".join(
                f"<div>{label}: {escape(p.text())}</div>"
                for label, p in zip(labels, result.per_unit[:2], strict=False)
            ),
            theme,
        )
        if self.table_section.selected_index is not None:
            self._fill_table({"new": self.table_section.selected_index})

    def _image(self, result: Breakdown, theme: ThemeName, highlight: str | None) -> bytes:
        """The diagram's bytes from this theme's painter, which caches what it rendered."""
        painter = self._painters.get(theme)
        if painter is None:
            painter = self._painters[theme] = Diagram(theme=theme)
        return painter.render(result, IMAGE_FORMAT, highlight=highlight)

    def _fill_table(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            theme = THEMES[self.theme.value]
            self.table.value = _on_theme(html_table(self.result, theme), theme)

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
    **changes: Any,
) -> Panel:
    """A live panel preset to ``settings`` (keywords as for :func:`~lstm_widget.breakdown`).

    Bad presets raise :class:`~lstm_widget.SettingsError`; once the panel is shown, bad
    values entered in it are reported inside the panel instead.

    Examples
    --------
    >>> p = panel(units=64, input_size=32, cell="gru")  # doctest: +SKIP
    >>> p.controls["units"].value = 128  # doctest: +SKIP
    >>> p.result.total  # doctest: +SKIP
    """
    start = breakdown(settings, **changes)
    theme_named(theme)  # an unknown name raises the one-sentence SettingsError
    highlights(start).resolve(highlight)  # the sentence every front end gives
    return Panel(start, theme=theme, highlight=highlight)
