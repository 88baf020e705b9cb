"""The registry: every cell family and framework convention lstm_widget knows, as data.

It sits at the bottom of the package's imports (stdlib only, nothing of the package
above it) and holds data and keys only: counting registers a builder per
:attr:`FrameworkSpec.builder`, ``layout.py`` a drawing per :attr:`CellSpec.drawing`,
and the introspection adapters register per :attr:`FrameworkSpec.adapter`. Everything
else reads the registry: which settings exist for which layer (and the one sentence
refusing one that does not), the names and textbook order of gates, what a highlight
may name and what fades beside it, the panel's choices and the flags' help.

Adding a cell family is one :class:`CellSpec` in ``cells.py`` plus a
:class:`CellConvention` in each framework that has it; adding a convention is one
:class:`FrameworkSpec` in ``frameworks.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from .cells import CONV_LSTM, GRU, LSTM, SIMPLE_RNN
from .frameworks import CUDNN, FLAX, KERAS, ONNX, PYTORCH, TF1
from .specs import (
    CANDIDATE,
    CellConvention,
    CellSpec,
    DenseNaming,
    FrameworkSpec,
    GateSpec,
    OptionSpec,
    ResetPosition,
)

__all__ = [
    "CANDIDATE",
    "CELLS",
    "CELL_SPECS",
    "CUDNN",
    "FLAX",
    "FRAMEWORKS",
    "FRAMEWORK_SPECS",
    "KERAS",
    "ONNX",
    "OPTIONS",
    "PYTORCH",
    "ROLES",
    "ROLE_LABELS",
    "TF1",
    "VARIANTS",
    "Cell",
    "CellConvention",
    "CellSpec",
    "DenseNaming",
    "Framework",
    "FrameworkSpec",
    "GateSpec",
    "Highlight",
    "Highlights",
    "OptionSpec",
    "ResetPosition",
    "Role",
    "SettingsError",
    "Variant",
    "applies",
    "applies_to",
    "cell_refusal",
    "cell_spec",
    "check_variant",
    "convention",
    "framework_spec",
    "gate_display",
    "gate_letters",
    "layer_name",
    "option_help",
    "option_refusal",
    "stable_gate",
    "with_article",
]

Cell = Literal["lstm", "gru", "rnn", "convlstm"]
Framework = Literal["keras", "pytorch", "onnx", "cudnn", "tf1", "flax"]
Role = Literal[
    "input",
    "recurrent",
    "bias",
    "second_bias",
    "peephole",
    "projection",
    "conv",
    "scale",
    "feedforward",
    "dense",
]

#: Every cell family, by key, in the order choices are offered.
CELL_SPECS: Mapping[Cell, CellSpec] = {
    "lstm": LSTM,
    "gru": GRU,
    "rnn": SIMPLE_RNN,
    "convlstm": CONV_LSTM,
}
#: Every convention, by key, in the order choices are offered.
FRAMEWORK_SPECS: Mapping[Framework, FrameworkSpec] = {
    "keras": KERAS,
    "pytorch": PYTORCH,
    "onnx": ONNX,
    "cudnn": CUDNN,
    "tf1": TF1,
    "flax": FLAX,
}
CELLS: tuple[Cell, ...] = tuple(CELL_SPECS)
FRAMEWORKS: tuple[Framework, ...] = tuple(FRAMEWORK_SPECS)
ROLES: tuple[Role, ...] = get_args(Role)

#: How each role is named in tables, legends and the formula.
ROLE_LABELS: Mapping[Role, str] = {
    "input": "input weights",
    "recurrent": "recurrent weights",
    "bias": "bias",
    "second_bias": "second bias",
    "peephole": "peepholes",
    "projection": "projection",
    "conv": "causal conv",
    "scale": "norm and skip scales",
    "feedforward": "feed-forward",
    "dense": "dense head",
}

#: Settings that exist only for some layers, with their value where they do not.
OPTIONS: Mapping[str, OptionSpec] = {
    option.name: option
    for option in (
        OptionSpec("proj_size", 0, "{layers} proj_size, 0 for none"),
        OptionSpec("reset_after", True, "{layers} with reset_after=False (the Keras 2 layout)"),
        OptionSpec("peepholes", False, "{layers} peephole weights P"),
        OptionSpec("kernel", (), "{layers} kernel_size: 3 (1D), 3,3 (2D) or 3,3,3 (3D)"),
        OptionSpec(
            "optimized",
            False,
            "{layers} as nnx.OptimizedLSTMCell stores it: the gates fused in dense_i, dense_h",
        ),
    )
}


class SettingsError(ValueError):
    """A setting has a value the chosen cell and framework do not allow.

    The message is one sentence naming the bad value and what is allowed, meant to be
    shown to the user as it is.
    """


def cell_spec(cell: str) -> CellSpec:
    return CELL_SPECS[cell]  # type: ignore[index]


def framework_spec(framework: str) -> FrameworkSpec:
    return FRAMEWORK_SPECS[framework]  # type: ignore[index]


def convention(framework: str, cell: str) -> CellConvention:
    """How ``framework`` stores ``cell``."""
    return framework_spec(framework).cells[cell]


def layer_name(
    framework: str, cell: str, kernel: tuple[int, ...] = (), layout: CellConvention | None = None
) -> str:
    """The layer class as its users know it, e.g. ``"Keras SimpleRNN"``.

    A convolutional cell's class ends in its kernel's dimensionality when one is
    given (``"Keras ConvLSTM2D"``), and names the family without it; ``layout`` is
    the convention an option switched to, when one did (``"Flax OptimizedLSTMCell"``).
    """
    stored = layout or convention(framework, cell)
    name = stored.class_name + (f"{len(kernel)}D" if kernel else "")
    return f"{framework_spec(framework).label} {name}"


def cell_refusal(cell: str, framework: str) -> str | None:
    """The one sentence refusing ``cell`` in a framework that lacks it, or None.

    >>> print(cell_refusal("convlstm", "pytorch"))
    cell='convlstm' (ConvLSTM) exists only in Keras, not in PyTorch; use framework='keras'.
    """
    cells = framework_spec(framework).cells
    if cell in cells:
        return None
    having = [key for key, spec in FRAMEWORK_SPECS.items() if cell in spec.cells]
    if len(having) == 1:  # a cell of one framework: point there
        return (
            f"cell={cell!r} ({cell_spec(cell).label}) exists only in "
            f"{framework_spec(having[0]).label}, not in {framework_spec(framework).label}; "
            f"use framework={having[0]!r}."
        )
    offered = ", ".join(f"{key} ({layout.class_name})" for key, layout in cells.items())
    return f"framework={framework!r} has no {cell} cell; it has {offered}."


def with_article(noun: str) -> str:
    """``"a Keras GRU"``, ``"an ONNX LSTM"``, ``"an int"``: ``noun`` with its article."""
    return f"{'an' if noun[0].lower() in 'aeiou' else 'a'} {noun}"


# ------------------------------------------------------------------------- options


def applies(option: str, framework: str, cell: str) -> bool:
    """Whether ``option`` can leave its neutral value for this framework × cell (never
    where the framework lacks the cell)."""
    layout = framework_spec(framework).cells.get(cell)
    return layout is not None and option in layout.options


def applies_to(option: str) -> tuple[str, ...]:
    """The layers ``option`` exists for, e.g. ``("PyTorch LSTM",)``."""
    return tuple(
        layer_name(framework, cell)
        for framework, spec in FRAMEWORK_SPECS.items()
        for cell in spec.cells
        if applies(option, framework, cell)
    )


def option_refusal(option: str, value: object, framework: str, cell: str) -> str | None:
    """The one sentence refusing ``option=value`` on this layer, or None if allowed.

    An option at its neutral value is allowed everywhere: it is what every layer
    without the option counts as.
    """
    neutral = OPTIONS[option].neutral
    if value == neutral or applies(option, framework, cell):
        return None
    where = " or ".join(with_article(name) for name in applies_to(option))
    return (
        f"{option}={value!r} applies only to {where}, not "
        f"{with_article(layer_name(framework, cell))}; use {option}={neutral!r}."
    )


def option_help(option: str) -> str:
    """The flag's help text: the layers it applies to, then what it does."""
    return OPTIONS[option].flag_help.format(layers=", ".join(applies_to(option)))


# --------------------------------------------------------------------------- gates


def _letters() -> Mapping[str, str]:
    """Every convention's gate letters by stable name; a letter never names two gates."""
    letters: dict[str, str] = {}
    for spec in FRAMEWORK_SPECS.values():
        for layout in spec.cells.values():
            for letter in layout.gate_order:
                stable = layout.stable_gate(letter)
                if letters.setdefault(letter, stable) != stable:
                    raise AssertionError(f"gate letter {letter!r} names two gates")
    return letters


#: Every framework's gate letter, each with its stable name (the candidate's letters
#: ``c``, ``g``, ``h``, ``n`` become ``candidate``).
_STABLE: Mapping[str, str] = _letters()


def stable_gate(letter: str) -> str:
    """The framework-independent name of a gate letter: the candidate's is ``candidate``.

    >>> stable_gate("g"), stable_gate("f")
    ('candidate', 'f')
    """
    return _STABLE[letter]


def gate_letters(cell: str) -> Mapping[str, str]:
    """Every framework's gate letters for ``cell``, each with its stable name.

    A highlight may name a gate the way any framework does (``g`` in a Keras LSTM is
    the same candidate as its ``c``), so the names mean the same gate everywhere.
    """
    return {
        letter: layout.stable_gate(letter)
        for spec in FRAMEWORK_SPECS.values()
        if cell in spec.cells
        for layout in (spec.cells[cell],)
        for letter in layout.gate_order
        if letter
    }


def gate_display(cell: str, letter: str) -> str:
    """What tables call a gate, by any framework's letter: ``forget gate``, ``candidate``."""
    return cell_spec(cell).gate(stable_gate(letter)).display


# --------------------------------------------------------------- views' choices

#: ``full``: everything, for a page. ``lecture``: the headline, the selected cell with
#: its cards and the per-unit reading, large enough for the back row of a room.
Variant = Literal["full", "lecture"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)
#: What a diagram lights up: one role or gate, several (a comparison marks every role
#: whose weights differ), or nothing.
Highlight = str | tuple[str, ...] | None


def check_variant(variant: object) -> Variant:
    """``variant`` if it names a variant of the drawing, else a one-sentence SettingsError."""
    if variant not in VARIANTS:
        raise SettingsError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}.")
    return variant


@dataclass(frozen=True)
class Highlights:
    """What a highlight may name for one layer, and what fades beside each name.

    Built once per layer from its cell and the roles it has, and asked by every view:
    the selector's choices, a name checked or carried over from another layer, and the
    rivals a drawing fades. A role competes only with roles and a gate only with gates,
    so highlighting the recurrent weights fades the other weight rows but not the gates
    they feed.
    """

    cell: Cell
    roles: tuple[Role, ...]

    @classmethod
    def of(cls, cell: str, roles: Iterable[str]) -> Highlights:
        present = set(roles)
        return cls(cell_spec(cell).key, tuple(r for r in ROLES if r in present))  # type: ignore[arg-type]

    @property
    def gates(self) -> tuple[str, ...]:
        """The cell's named gates in textbook order; a simple RNN's one block has none."""
        return tuple(g for g in cell_spec(self.cell).gate_names if g)

    @property
    def choices(self) -> tuple[str, ...]:
        """Its roles (in :data:`ROLES` order), then its gates (textbook order)."""
        return (*self.roles, *self.gates)

    def label(self, name: str) -> str:
        """A selector's label: roles by their labels, gates by name and letter
        (``forget gate (f)``), the candidate by its name whatever its letter."""
        if name in ROLE_LABELS:
            return ROLE_LABELS[name]  # type: ignore[index]
        display = cell_spec(self.cell).gate(name).display
        return display if name == CANDIDATE else f"{display} ({name})"

    def resolve(self, highlight: object) -> str | None:
        """``highlight`` by its name in :attr:`choices`, or a one-sentence SettingsError.

        A framework's letter for a gate of this cell means that gate in every framework:
        ``g`` (PyTorch) and ``c`` (Keras, ONNX) are both an LSTM's ``candidate``.
        """
        if highlight is None:
            return None
        letters = gate_letters(self.cell)
        name = letters.get(highlight, highlight) if isinstance(highlight, str) else highlight
        if name in self.choices:
            return name
        aliases = sorted(letter for letter, gate in letters.items() if letter != gate)
        also = f" (or the candidate's letter {', '.join(aliases)})" if aliases else ""
        raise SettingsError(
            f"highlight must be one of {', '.join(self.choices)}{also}, not {highlight!r}."
        )

    def carry(self, name: str | None) -> str | None:
        """``name``, from any layer, by its stable name if this layer has it, else None.

        The candidate survives Keras → PyTorch and LSTM → GRU; ``f`` in a GRU and
        ``peephole`` outside ONNX do not.
        """
        if not name:
            return None
        stable = _STABLE.get(name, name)
        return stable if stable in self.choices else None

    def rivals(self, name: str) -> frozenset[str]:
        """What fades beside ``name``: the other roles for a role, else the other gates."""
        return frozenset(ROLES if name in ROLES else self.gates)
