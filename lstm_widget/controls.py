"""Each setting as a control: its kind, bounds, choices and label, and how control values
become :class:`~lstm_widget.counting.Settings`.

Every front end with controls reads this one definition: the ipywidgets panel
(:mod:`lstm_widget._panel`) and the marimo controls (:mod:`lstm_widget.marimo`). Which
controls there are comes from the registry's setting table
(:data:`~lstm_widget.conventions.settings.SETTINGS`): a number with a slider's usual range, a
checkbox for a switch, sizes typed as text. What a setting means and which values it
takes is the counting core's; this module says only how a control shows it and turns
what the controls hold back into settings, so both fronts count, refuse and
neutralise alike. Stdlib only.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any, Final

from .conventions import (
    CELL_SPECS,
    FRAMEWORK_SPECS,
    OPTIONS,
    ROLES,
    SETTINGS,
    Highlights,
    applies_to,
    cell_spec,
    setting_rules,
)
from .counting import Settings, SettingsError
from .options import parse_units, sizes

__all__ = [
    "CHOICES",
    "FACTORS",
    "FIRST_SIZES",
    "FLAGS",
    "NOTHING",
    "NUMBERS",
    "SIZES",
    "THEME_LABELS",
    "TYPED",
    "WIDTHS_EXAMPLE",
    "cell_choices",
    "counted_options",
    "described",
    "every_highlight_option",
    "framework_choices",
    "highlight_options",
    "label",
    "settings_from",
    "shown",
]

#: Setting -> (slider minimum, slider maximum). A slider starting past its maximum
#: stretches to its value, and a typed entry (the panel's) takes any value.
NUMBERS: Final[Mapping[str, tuple[int, int]]] = {
    name: spec.slider for name, spec in SETTINGS.items() if spec.slider and spec.layer
}
#: The on/off settings, each a checkbox.
FLAGS: Final = tuple(name for name, spec in SETTINGS.items() if spec.kind == "switch")
#: Settings of several sizes (a ConvLSTM's kernel), typed as sizes separated by commas.
SIZES: Final = tuple(name for name, spec in SETTINGS.items() if spec.kind == "sizes")
#: Factors (xLSTM's projection factors), typed as numbers.
FACTORS: Final = tuple(name for name, spec in SETTINGS.items() if spec.kind == "factor")
#: Choices of their own (xLSTM's scope), each a row of buttons; the cell and the
#: framework are the registry's, offered by :func:`cell_choices` and
#: :func:`framework_choices`.
CHOICES: Final[Mapping[str, tuple[str, ...]]] = {
    name: spec.choices for name, spec in SETTINGS.items() if spec.choices
}
#: The controls beside the number rows, in their order: sizes, choices, factors.
TYPED: Final = (*SIZES, *CHOICES, *FACTORS)
#: What a sizes entry offers when its layer is first chosen: the common 3×3 kernel.
FIRST_SIZES: Final = "3, 3"
#: The units per layer as typed beside the units control, shown as its placeholder.
WIDTHS_EXAMPLE: Final = "32, 18"
#: How the theme choices read.
THEME_LABELS: Final = {"light": "light", "high-contrast": "high contrast"}
#: The highlight selector's value for no highlight. Not ``None``: a selector set to
#: ``None`` selects no option and shows a blank box instead of "nothing".
NOTHING: Final = ""


def framework_choices() -> list[tuple[str, str]]:
    """(label, key) for each convention, in the registry's order (``Keras 3``, ...)."""
    return [(spec.label, key) for key, spec in FRAMEWORK_SPECS.items()]


def cell_choices() -> list[tuple[str, str]]:
    """(label, key) for each cell family, in the registry's order (``LSTM``, ...)."""
    return [(spec.label, key) for key, spec in CELL_SPECS.items()]


def shown(value: Any) -> Any:
    """A setting's value as its control holds it: sizes as ``3, 3``, else itself."""
    return ", ".join(str(n) for n in value) if isinstance(value, tuple) else value


def _setting(name: str, value: Any) -> Any:
    """A control's value as the setting takes it: typed sizes become a tuple."""
    if name not in SIZES:
        return value
    parsed = sizes(value)
    if parsed is None:
        raise SettingsError(
            f"{name} must be sizes separated by commas such as 3, 3, not {value!r}."
        )
    return parsed


def described(setting: str, cell: str) -> str:
    """``units``, or ``units (filters)`` where the cell calls them otherwise."""
    spec = cell_spec(cell)
    name = {"units": spec.units, "input_size": spec.inputs}[setting]
    return setting if name == setting else f"{setting} ({name})"


def label(setting: str) -> str:
    """A control's label: the setting's name, and where it applies if not everywhere."""
    return f"{setting} ({', '.join(applies_to(setting))})" if setting in OPTIONS else setting


def highlight_options(rules: Highlights) -> list[tuple[str, str]]:
    """Selector options: nothing, then what the diagram accepts as its highlight, e.g.
    ``forget gate (f)``; the candidate by its name, whatever the framework's letter."""
    return [("nothing", NOTHING), *((rules.label(c), c) for c in rules.choices)]


def every_highlight_option() -> list[tuple[str, str]]:
    """Selector options for any layer: nothing, every role, then every cell's gates
    (for a front whose selector cannot change its choices as the layer changes)."""
    options: dict[str, str] = {}
    for cell in CELL_SPECS:
        for text, value in highlight_options(Highlights.of(cell, ROLES)):
            options.setdefault(value, text)
    return [(text, value) for value, text in options.items()]


def counted_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with each option the chosen layer lacks at its neutral value: what is
    counted when its control stays on elsewhere (a front that cannot disable it)."""
    counted = dict(values)
    framework, cell = counted["framework"], counted["cell"]
    if framework in FRAMEWORK_SPECS:  # an unknown name is Settings' sentence to say
        for option, (exists, neutral) in setting_rules(framework, cell).items():
            if not exists and option in counted:
                counted[option] = shown(neutral)
    return counted


def settings_from(values: Mapping[str, Any], widths: str = "") -> Settings:
    """The validated settings the controls' ``values`` describe, by setting name.

    Sizes typed as text become tuples, and ``widths``, the units per layer typed
    beside the units control (``32, 18``), replaces ``units`` unless blank. Anything
    invalid raises the counting core's one-sentence :class:`~lstm_widget.SettingsError`.
    """
    counted = {name: _setting(name, value) for name, value in values.items()}
    if widths.strip():
        try:
            counted["units"] = parse_units(widths)
        except argparse.ArgumentTypeError as error:
            raise SettingsError(f"Units per layer: {error}.") from None
    return Settings(**counted)
