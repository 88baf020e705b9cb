"""The panel's number rows: a typed entry for exact values beside a slider for dragging,
kept in step (logarithmic tracks in the lecture column)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import ipywidgets as widgets

from ..controls import CHOICES, FACTORS, FIRST_SIZES, NUMBERS, SIZES, label, shown
from ..conventions import SETTINGS
from ..counting import Settings
from .look import LOG_BASE, LOG_SLIDERS, LOG_STEP
from .track import Track

#: An observer of a control's value: ipywidgets' change dictionary.
Observer = Callable[[dict[str, Any]], None]


class NumberRow(NamedTuple):
    """A number row: the box to lay out, the entry (the control) and its slider."""

    box: widgets.Box
    entry: widgets.IntText
    slider: Track


def _log_top(high: int, value: int) -> float:
    """A log slider's upper end in powers of its base: the track's end, or ``value``.

    Rounded up to the track's step: a range input ends at its last whole step, and an
    unrounded power would leave ``value`` itself a hair past the end.
    """
    steps = math.ceil(math.log(max(high, value), LOG_BASE) / LOG_STEP)
    return steps * LOG_STEP


def number_row(name: str, value: int, lecture: bool, on_change: Observer) -> NumberRow:
    """A slider for dragging and a typed entry for exact (and larger) values.

    The entry is the control: it accepts any integer so that a bad one gets the
    counting core's message, and the slider stretches to follow large values.
    In the lecture column the slider sits under its entry, as wide as the column.
    ``on_change`` is the panel's observer, which the entry calls before the slider
    follows it.
    """
    low, high = NUMBERS[name]
    entry = widgets.IntText(
        value=value,
        description=name if lecture else label(name),
        # One label width for every row, so the sliders line up in a column.
        style={"description_width": "6.5em" if lecture else "15em"},
        layout=widgets.Layout(width="auto" if lecture else "25em"),
    )
    logarithmic = lecture and name in LOG_SLIDERS
    # Named as the entry is labelled: a screen reader says the words on the screen.
    track: dict[str, Any] = {"description": entry.description, "tooltip": name}
    if lecture:
        track["layout"] = widgets.Layout(width="100%")
    slider = (
        Track(
            value=max(value, low),
            base=LOG_BASE,
            min=math.log(low, LOG_BASE),
            max=_log_top(high, value),
            step=LOG_STEP,
            **track,
        )
        if logarithmic
        else Track(value=max(value, low), min=low, max=max(high, value), **track)
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
        on_change(change)
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
    box = widgets.VBox([entry, slider]) if lecture else widgets.HBox([entry, slider])
    return NumberRow(box, entry, slider)


def typed_controls(settings: Settings) -> dict[str, widgets.ValueWidget]:
    """The controls of :data:`~lstm_widget.controls.TYPED`, preset to ``settings``: a
    text entry for sizes (a kernel's), a row of buttons for each choice of its own
    (xLSTM's scope) and a number entry for each factor (its projection factors)."""
    wide = {"description_width": "initial"}
    controls: dict[str, widgets.ValueWidget] = {
        name: widgets.Text(
            value=shown(getattr(settings, name)) or FIRST_SIZES,
            description=label(name),
            placeholder=FIRST_SIZES,
            continuous_update=False,
            style=wide,
        )
        for name in SIZES
    }
    controls |= {
        name: widgets.ToggleButtons(
            options=values, value=getattr(settings, name), description=label(name), style=wide
        )
        for name, values in CHOICES.items()
    }
    for name in FACTORS:
        controls[name] = widgets.BoundedFloatText(
            value=getattr(settings, name),
            min=0,
            max=SETTINGS[name].bounds[1],
            step=0.1,
            description=label(name),
            style=wide,
        )
    return controls
