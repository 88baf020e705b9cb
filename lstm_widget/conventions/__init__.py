"""The registry: every cell family and framework convention lstm_widget knows, as data.

It sits at the bottom of the package's imports (stdlib only, nothing of the package
above it) and holds data and keys only: counting registers a builder per
:attr:`FrameworkSpec.builder`, ``lstm_widget.layout.cells`` a schematic per
:attr:`CellSpec.drawing`, the code writers one per :attr:`FrameworkSpec.code`, and the
introspection adapters one per :attr:`FrameworkSpec.adapter`. Everything else reads
the registry: which settings exist for which layer (and the one sentence refusing one
that does not), the names and textbook order of gates, what a cell's step does, what a
highlight may name and what fades beside it, the panel's choices and the flags.

The rooms: ``specs`` (the entries' shapes), ``cells`` (add a cell here),
``frameworks`` (add a convention here), ``settings`` (the setting table), ``layers``
(the layers around the recurrent ones), ``registry`` (the tables, registering,
:func:`scratch`, lookups) and ``views`` (variants and highlights).
"""

from __future__ import annotations

from .cells import CONV_LSTM, GRU, LSTM, MLSTM, SIMPLE_RNN, SLSTM
from .frameworks import CUDNN, FLAX, KERAS, ONNX, PYTORCH, TF1, XLSTM
from .registry import (
    CELL_SPECS,
    CELLS,
    FRAMEWORK_SPECS,
    FRAMEWORKS,
    HELD,
    ROLE_LABELS,
    ROLES,
    Cell,
    CodeTable,
    Framework,
    Keys,
    Role,
    SettingsError,
    applies,
    applies_to,
    cell_refusal,
    cell_spec,
    choices,
    convention,
    derived,
    framework_spec,
    gate_display,
    gate_letters,
    held_refusal,
    layer_name,
    letter_display,
    option_refusal,
    register_cell,
    register_framework,
    scratch,
    setting_help,
    setting_rules,
    stable_gate,
    stable_name,
    with_article,
)
from .settings import MAX_FACTOR, MAX_KERNEL, MAX_LAYERS, MAX_SIZE, MAX_STEPS, OPTIONS, SETTINGS
from .specs import (
    CANDIDATE,
    CellConvention,
    CellSpec,
    DenseNaming,
    FrameworkSpec,
    GateSpec,
    ResetPosition,
    SettingKind,
    SettingSpec,
)
from .views import VARIANTS, Highlight, Highlights, Variant, check_variant

__all__ = [
    "CANDIDATE",
    "CELLS",
    "CELL_SPECS",
    "CONV_LSTM",
    "CUDNN",
    "FLAX",
    "FRAMEWORKS",
    "FRAMEWORK_SPECS",
    "GRU",
    "HELD",
    "KERAS",
    "LSTM",
    "MAX_FACTOR",
    "MAX_KERNEL",
    "MAX_LAYERS",
    "MAX_SIZE",
    "MAX_STEPS",
    "MLSTM",
    "ONNX",
    "OPTIONS",
    "PYTORCH",
    "ROLES",
    "ROLE_LABELS",
    "SETTINGS",
    "SIMPLE_RNN",
    "SLSTM",
    "TF1",
    "VARIANTS",
    "XLSTM",
    "Cell",
    "CellConvention",
    "CellSpec",
    "CodeTable",
    "DenseNaming",
    "Framework",
    "FrameworkSpec",
    "GateSpec",
    "Highlight",
    "Highlights",
    "Keys",
    "ResetPosition",
    "Role",
    "SettingKind",
    "SettingSpec",
    "SettingsError",
    "Variant",
    "applies",
    "applies_to",
    "cell_refusal",
    "cell_spec",
    "check_variant",
    "choices",
    "convention",
    "derived",
    "framework_spec",
    "gate_display",
    "gate_letters",
    "held_refusal",
    "layer_name",
    "letter_display",
    "option_refusal",
    "register_cell",
    "register_framework",
    "scratch",
    "setting_help",
    "setting_rules",
    "stable_gate",
    "stable_name",
    "with_article",
]
