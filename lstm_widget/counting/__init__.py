"""Exact parameter counts for recurrent layers, weight group by weight group.

This package is the single source of truth for every number lstm_widget shows. It is
pure and stdlib-only (no matplotlib, no ipywidgets, no frameworks), so it imports in
microseconds and can be tested with exact integers.

A framework's convention is data in the registry (:mod:`lstm_widget.conventions`: gate
order, how biases are stored, which options apply, the dense head's names); each
convention names a builder registered in ``builders`` (:func:`register_builder`), and
:func:`breakdown` walks layers and directions and has it emit one :class:`WeightGroup`
per gate and role. Everything else (subtotals, the formula, the per-unit reading,
memory) is derived from those groups, so the numbers shown in a table, a formula and a
diagram cannot disagree.

The rooms, from the bottom up: ``settings`` (what a layer is, validated), ``groups``
(a weight group, a block), ``builders`` (add a convention here), ``formula``,
``per_unit``, ``work`` (multiply-accumulates and memory) and ``breakdown``.
"""

from __future__ import annotations

from ..conventions import SettingsError
from .breakdown import (
    Breakdown,
    Presentation,
    Source,
    breakdown,
    present_with,
    presented,
    to_breakdown,
)
from .builders import register_builder
from .formula import Formula, FormulaLine, Piece, Term, layers_label, plain
from .groups import Block, Direction, WeightGroup
from .per_unit import PerUnit
from .settings import MAX_SHOWN_LAYERS, SETTING_NAMES, Settings, check_steps
from .work import DTYPE_BYTES, Elementwise, Memory, Work

__all__ = [
    "DTYPE_BYTES",
    "MAX_SHOWN_LAYERS",
    "SETTING_NAMES",
    "Block",
    "Breakdown",
    "Direction",
    "Elementwise",
    "Formula",
    "FormulaLine",
    "Memory",
    "PerUnit",
    "Piece",
    "Presentation",
    "Settings",
    "SettingsError",
    "Source",
    "Term",
    "WeightGroup",
    "Work",
    "breakdown",
    "check_steps",
    "layers_label",
    "plain",
    "present_with",
    "presented",
    "register_builder",
    "to_breakdown",
]
