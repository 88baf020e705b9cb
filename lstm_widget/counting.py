"""Exact parameter counts for recurrent layers, weight group by weight group.

This module is the single source of truth for every number lstm_widget shows. It is
pure and stdlib-only (no matplotlib, no ipywidgets, no frameworks), so it imports in
microseconds and can be tested with exact integers.

A framework's convention is data in the registry (:mod:`lstm_widget.conventions`: gate
order, how biases are stored, which options apply, the dense head's names); each
convention names a builder registered here (:func:`register_builder`), and
:func:`breakdown` walks layers and directions and has it emit one :class:`WeightGroup`
per gate and role. Everything else (subtotals, the formula, the per-unit reading,
memory) is derived from those groups, so the numbers shown in a table, a formula and a
diagram cannot disagree.
"""

from __future__ import annotations

import itertools
import math
import numbers
import reprlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import partial
from typing import Any, Literal

from .conventions import (
    CANDIDATE,
    CELL_SPECS,
    CELLS,
    FRAMEWORK_SPECS,
    FRAMEWORKS,
    OPTIONS,
    ROLE_LABELS,
    ROLES,
    Cell,
    CellConvention,
    Framework,
    Highlights,
    Role,
    SettingsError,
    cell_refusal,
    cell_spec,
    convention,
    gate_display,
    gate_letters,
    layer_name,
    option_refusal,
    stable_gate,
    with_article,
)

__all__ = [
    "CANDIDATE",
    "CELLS",
    "DTYPE_BYTES",
    "FRAMEWORKS",
    "FRAMEWORK_LABELS",
    "GATE_NAMES",
    "GATE_ORDER",
    "MAX_KERNEL",
    "MAX_LAYERS",
    "MAX_SHOWN_LAYERS",
    "MAX_SIZE",
    "MAX_STEPS",
    "ROLES",
    "ROLE_LABELS",
    "SETTING_NAMES",
    "TEXTBOOK_GATES",
    "Block",
    "Breakdown",
    "Cell",
    "Elementwise",
    "Formula",
    "FormulaLine",
    "Framework",
    "Memory",
    "PerUnit",
    "Piece",
    "Presentation",
    "Role",
    "Settings",
    "SettingsError",
    "Source",
    "Term",
    "WeightGroup",
    "Work",
    "breakdown",
    "check_steps",
    "gate_letters",
    "layers_label",
    "plain",
    "present_with",
    "register_builder",
    "stable_gate",
    "to_breakdown",
]

Direction = Literal["forward", "backward"]

# Views of the registry (lstm_widget.conventions) under the names views use.
#: How each framework is named in titles, labels and messages.
FRAMEWORK_LABELS: Mapping[Framework, str] = {k: f.label for k, f in FRAMEWORK_SPECS.items()}
#: Gate letters in the order each framework stores them inside its fused tensors.
#: A simple RNN has one block and no gate letter.
GATE_ORDER: Mapping[Framework, Mapping[Cell, tuple[str, ...]]] = {
    k: {cell: layout.gate_order for cell, layout in f.cells.items()}  # type: ignore[misc]
    for k, f in FRAMEWORK_SPECS.items()
}
#: What each gate letter means; frameworks disagree on the candidate's letter only.
GATE_NAMES: Mapping[str, str] = {
    letter: gate_display(cell, letter)
    for spec in FRAMEWORK_SPECS.values()
    for cell, layout in spec.cells.items()
    for letter in layout.gate_order
}
#: Every cell's weight blocks as textbooks draw them, by their stable names. Every
#: view lists gates in this order; storage order shows only in the tensor slices.
TEXTBOOK_GATES: Mapping[Cell, tuple[str, ...]] = {
    k: spec.gate_names for k, spec in CELL_SPECS.items()
}


#: Bytes per weight for the dtypes :meth:`Breakdown.memory_bytes` understands.
DTYPE_BYTES: Mapping[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
}

#: Deep stacks beyond this are not a recurrent network anyone trains; the bound keeps
#: every view (table, diagram, panel) responsive.
MAX_LAYERS = 100
#: Widths (input, units, projection, dense) up to a trillion: far past any layer anyone
#: trains, while every count stays printable and every view drawable.
MAX_SIZE = 10**12
#: Kernel sizes up to a thousand along each axis: past any convolution anyone trains.
MAX_KERNEL = 1_000

#: Stacks deeper than this show layers 1, 2, a collapsed middle and the last layer, in
#: the model strip and in the tables (:meth:`Settings.shown_layers`).
MAX_SHOWN_LAYERS = 4

#: Longest sequence the work is counted for: far past any sequence anyone runs.
MAX_STEPS = 10**12


@dataclass(frozen=True)
class Settings:
    """One recurrent layer (or a stack of them) described the way frameworks do.

    The same names run through the API, the command line, the magic and the panel.
    Options that a framework or cell does not have raise :class:`SettingsError` rather
    than being ignored, because a silently ignored option teaches the wrong count.

    Parameters
    ----------
    cell
        ``"lstm"``, ``"gru"``, ``"rnn"`` (simple RNN) or ``"convlstm"`` (Keras
        ConvLSTM1D/2D/3D).
    input_size
        Features per timestep (the last input axis; timesteps never count); a
        ConvLSTM's input channels.
    units
        Width of each layer: Keras ``units``, PyTorch ``hidden_size``, a ConvLSTM's
        ``filters``. One int for every layer, or one per layer (``(32, 18)``) for a
        stack of different widths; a list's length is the number of layers, and widths
        that are all equal count as one int.
    framework
        Whose storage convention to count: ``"keras"`` (Keras 3), ``"pytorch"``,
        ``"onnx"``, ``"cudnn"`` (Keras 2's CuDNNLSTM and CuDNNGRU), ``"tf1"``
        (TensorFlow 1 cells) or ``"flax"`` (Flax NNX).
    layers
        Number of stacked layers; layer k > 0 sees the previous layer's output. Left
        at 1 it is read from a list of ``units``; otherwise it must match the list.
    bidirectional
        Run a second, independent set of weights backwards over time.
    bias
        ``False`` drops every bias of the recurrent layers (the dense head keeps its own).
    proj_size
        PyTorch LSTM's ``proj_size`` (TensorFlow 1's ``num_proj``): projects h down to
        this width (0 = none). One
        projection width for every layer, as one ``nn.LSTM`` has, smaller than each
        layer's units.
    reset_after
        Keras GRU's ``reset_after``; ``False`` is the Keras 2 layout with one bias.
    peepholes
        ONNX LSTM's optional peephole input ``P`` (TensorFlow 1's ``use_peepholes``).
    kernel
        A ConvLSTM's ``kernel_size``, one size per spatial axis: its length (1, 2 or
        3) makes it a ConvLSTM1D, 2D or 3D. Keras uses it for the input and the
        recurrent kernel alike.
    dense
        Width of a TimeDistributed(Dense(n)) / Linear(n) head (0 = none).
    """

    cell: Cell = "lstm"
    input_size: int = 1
    units: int | tuple[int, ...] = 10
    framework: Framework = "keras"
    layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    proj_size: int = 0
    reset_after: bool = True
    peepholes: bool = False
    kernel: tuple[int, ...] = ()
    dense: int = 0

    def __post_init__(self) -> None:
        _check_choice("cell", self.cell, CELLS)
        _check_choice("framework", self.framework, FRAMEWORKS)
        missing = cell_refusal(self.cell, self.framework)
        if missing:
            raise SettingsError(missing)
        object.__setattr__(self, "kernel", _kernel(self.kernel))
        object.__setattr__(self, "units", _units(self.units))
        for name, minimum, maximum in _INTEGER_SETTINGS:
            # numpy and other integral types are welcome, but counts stay Python ints.
            object.__setattr__(self, name, _integer(name, getattr(self, name), minimum, maximum))
        for name in ("bidirectional", "bias", "reset_after", "peepholes"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise SettingsError(f"{name} must be True or False, not {value!r}.")
        for option in OPTIONS:
            refusal = option_refusal(option, getattr(self, option), self.framework, self.cell)
            if refusal:
                raise SettingsError(refusal)
        dims = cell_spec(self.cell).kernel_dims
        if dims and len(self.kernel) not in dims:
            layer = with_article(self.describe_layer())
            raise SettingsError(
                f"{layer[0].upper()}{layer[1:]} needs kernel, {_KERNEL_KIND} "
                "such as kernel=(3, 3) for a ConvLSTM2D."
            )
        layout = self.convention
        if not self.bias and not layout.optional_bias:
            raise SettingsError(
                f"bias=False is not possible: {with_article(self.describe_layer())} always "
                "has its biases; use bias=True."
            )
        if isinstance(self.units, tuple):
            self._stack_widths(self.units)
        if self.proj_size and layout.projection_below_units and self.proj_size >= min(self.widths):
            units = f"units={self.units}"
            if isinstance(self.units, tuple):
                units = f"each layer's units ({self.units_text()})"
            raise SettingsError(
                f"proj_size={self.proj_size} must be smaller than {units} "
                "(PyTorch requires proj_size < hidden_size)."
            )

    def _stack_widths(self, widths: tuple[int, ...]) -> None:
        """Take the layer count from a list of widths, and one int where all are equal."""
        if self.layers == 1:
            object.__setattr__(self, "layers", len(widths))
        elif len(widths) != self.layers:
            raise SettingsError(
                f"units lists {len(widths)} widths ({_widths_text(widths)}) but "
                f"layers={self.layers}; give one width per layer, or leave layers at 1."
            )
        if len(set(widths)) == 1:
            object.__setattr__(self, "units", widths[0])

    @property
    def directions(self) -> int:
        """D: 2 when bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def gates(self) -> int:
        """G: weight blocks per cell (LSTM 4, GRU 3, simple RNN 1)."""
        return len(self.convention.gate_order)

    @property
    def convention(self) -> CellConvention:
        """How the chosen framework stores the chosen cell (see the registry)."""
        return convention(self.framework, self.cell)

    @property
    def widths(self) -> tuple[int, ...]:
        """h of every layer, bottom to top."""
        if isinstance(self.units, tuple):
            return self.units
        return (self.units,) * self.layers

    def units_text(self) -> str:
        """``10``, or ``32 → 18`` (``64 ×3 → 16``) for a stack of different widths."""
        return _widths_text(self.units if isinstance(self.units, tuple) else (self.units,))

    def layer_units(self, layer: int) -> int:
        """h_l: the width of layer ``layer`` (0-based)."""
        return self.widths[layer]

    def state_width(self, layer: int) -> int:
        """r_l: the width of the hidden state layer ``layer`` feeds back (proj_size when
        projecting)."""
        return self.proj_size or self.layer_units(layer)

    def layer_output(self, layer: int) -> int:
        """Features layer ``layer`` hands on: D·r_l (the "concat" merge)."""
        return self.directions * self.state_width(layer)

    @property
    def output_width(self) -> int:
        """Features the top layer hands on, to the dense head or out."""
        return self.layer_output(self.layers - 1)

    def layer_input(self, layer: int) -> int:
        """x_l: features layer ``layer`` (0-based) sees."""
        return self.input_size if layer == 0 else self.layer_output(layer - 1)

    def runs(self) -> tuple[tuple[int, int], ...]:
        """(first, last) of each run of identical consecutive layers: same input and width.

        Identical layers have the same shapes and counts, so views may show a run once.
        """
        runs: list[tuple[int, int]] = []
        for layer in range(self.layers):
            shape = (self.layer_input(layer), self.layer_units(layer))
            if runs and shape == (self.layer_input(runs[-1][0]), self.layer_units(runs[-1][0])):
                runs[-1] = (runs[-1][0], layer)
            else:
                runs.append((layer, layer))
        return tuple(runs)

    def shown_layers(self) -> list[tuple[str, int, int]]:
        """(label, first layer, last layer) per strip column and per table part.

        Stacks deeper than :data:`MAX_SHOWN_LAYERS` collapse the middle: layers 1, 2
        and the last are shown, and so is the first layer of each run of identical
        layers (:meth:`runs`); the layers between them repeat the shown layer just
        before, and collapse into one column.
        """
        layers = self.layers
        if layers <= MAX_SHOWN_LAYERS:
            return [(f"layer {k + 1}", k, k) for k in range(layers)]
        shown = {0, 1, layers - 1} | {first for first, _ in self.runs()}
        columns: list[tuple[str, int, int]] = []
        for layer in range(layers):
            # A collapsed column starts after a shown layer and ends before the next.
            if layer in shown or columns[-1][1] in shown:
                columns.append((f"layer {layer + 1}", layer, layer))
            else:
                first = columns[-1][1]
                columns[-1] = (f"layers {first + 1}–{layer + 1}", first, layer)
        return columns

    def describe_layer(self) -> str:
        """Human name of the layer class, e.g. ``"Keras GRU"``."""
        return layer_name(self.framework, self.cell, self.kernel)

    @property
    def kernel_area(self) -> int:
        """k: the product of the kernel's sizes, the weights one filter has per channel
        (1 for a cell of matrix products)."""
        return math.prod(self.kernel)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and validated."""
        return Settings(**{**asdict(self), **changes})


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")


_INTEGER_SETTINGS: tuple[tuple[str, int, int], ...] = (
    ("input_size", 1, MAX_SIZE),
    ("layers", 1, MAX_LAYERS),
    ("proj_size", 0, MAX_SIZE),
    ("dense", 0, MAX_SIZE),
)

_KERNEL_KIND = f"a tuple of 1 to 3 sizes from 1 to {MAX_KERNEL:,}"


def _kernel(value: object) -> tuple[int, ...]:
    """``value`` as a tuple of Python ints within bounds, or a one-sentence SettingsError.

    Its length is the convolution's dimensionality, so a bare number, which Keras
    would repeat over axes it cannot know here, is refused.
    """
    if isinstance(value, tuple | list) and len(value) <= 3:
        whole = [
            int(n) for n in value if isinstance(n, numbers.Integral) and not isinstance(n, bool)
        ]
        if len(whole) == len(value) and all(1 <= n <= MAX_KERNEL for n in whole):
            return tuple(whole)
    # reprlib shortens a long list to something a sentence can hold.
    shown = reprlib.repr(value)
    raise SettingsError(f"kernel must be {_KERNEL_KIND} such as (3, 3), not {shown}.")


#: Out-of-range numbers longer than this are described by their length, not printed.
_SHOWN_DIGITS = 30


def _units(value: object) -> int | tuple[int, ...]:
    """``units`` as one int, or a tuple of per-layer ints (numpy's too, as Python ints)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return _integer("units", value, 1, MAX_SIZE)
    if not value:
        raise SettingsError(
            f"units must be an integer from 1 to {MAX_SIZE:,}, or one such integer per "
            "layer such as (32, 18), not an empty list."
        )
    widths = tuple(
        _integer(f"units of layer {k + 1}", width, 1, MAX_SIZE) for k, width in enumerate(value)
    )
    return widths


def _widths_text(widths: tuple[int, ...]) -> str:
    """``32 → 18``; a width repeated in consecutive layers once, with its count
    (``64 ×3 → 16``), so a deep stack's headline stays one readable line."""
    runs = [(width, len(list(same))) for width, same in itertools.groupby(widths)]
    return " → ".join(f"{width:,}" + (f" ×{n}" if n > 1 else "") for width, n in runs)


def _integer(name: str, value: object, minimum: int, maximum: int) -> int:
    """``value`` as a Python int within bounds, or a one-sentence SettingsError."""
    kind = f"an integer from {minimum} to {maximum:,}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SettingsError(f"{name} must be {kind}, not {value!r}.")
    number = int(value)
    if number < minimum or number > maximum:
        raise SettingsError(f"{name} must be {kind}, not {_describe(number)}.")
    return number


def _describe(number: int) -> str:
    """``number`` itself, or its length where printing it would flood the message.

    Python refuses to print ints past 4,300 digits at all, so the length comes from
    the bit length (which is at most one digit short) instead of from ``str``.
    """
    size = abs(number)
    if size < 10**_SHOWN_DIGITS:
        return f"{number:,}"
    digits = math.floor((size.bit_length() - 1) * math.log10(2)) + 1
    if size >= 10**digits:
        digits += 1
    sign = "negative " if number < 0 else ""
    return f"a {sign}number of {digits:,} digits"


@dataclass(frozen=True)
class WeightGroup:
    """One gate's share of one framework tensor, e.g. the forget gate's input weights.

    ``tensor`` and ``tensor_shape`` name the framework's own (fused) tensor; ``index``
    says which slice of it this group is, so a table can point at the exact weights.
    """

    tensor: str
    tensor_shape: tuple[int, ...]
    index: str
    symbol: str
    role: Role
    gate: str
    layer: int
    direction: Direction
    shape: tuple[int, ...] = field(init=False)
    count: int = field(init=False)

    def __post_init__(self) -> None:
        shape = _shape(self.tensor_shape, self.index)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "count", math.prod(shape))

    @property
    def name(self) -> str:
        """The framework's name for exactly these weights, slice included."""
        return f"{self.tensor}{self.index}"

    @property
    def gate_name(self) -> str:
        return GATE_NAMES[self.gate] if self.role != "dense" else ""

    @property
    def stable_gate(self) -> str:
        """The gate's framework-independent name (see :func:`stable_gate`)."""
        return stable_gate(self.gate) if self.role != "dense" else ""

    @property
    def letter(self) -> str:
        """The symbol without its gate subscript (``W``, ``U``, ``b'``, ``p``; ``W_hr``).

        Where a card or row already names the gate, the subscript only repeats it.
        """
        return self.symbol.removesuffix(f"_{_subscript(self.gate)}") if self.gate else self.symbol

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tensor": self.tensor,
            "tensor_shape": list(self.tensor_shape),
            "symbol": self.symbol,
            "shape": list(self.shape),
            "count": self.count,
            "role": self.role,
            "gate": self.gate,
            "layer": self.layer,
            "direction": self.direction,
        }


@dataclass(frozen=True)
class Block:
    """Subtotal of one layer in one direction (``layer`` is -1 for the dense head)."""

    layer: int
    direction: Direction
    input_width: int
    count: int


@dataclass(frozen=True)
class Term:
    """One summand of a formula: its symbols, the numbers substituted, and its role."""

    role: Role
    symbolic: str
    numeric: str
    value: int


#: One piece of a formula or reading: its text and what colours it, a role, or
#: ``None`` for the arithmetic between terms. Every view renders the same pieces:
#: :mod:`~lstm_widget.report` as text, HTML and LaTeX, the layout as coloured labels.
Piece = tuple[str, Role | None]
Side = Literal["symbolic", "numeric"]


def plain(pieces: Iterable[Piece]) -> str:
    """The pieces' text, joined: what they read as without colour."""
    return "".join(text for text, _ in pieces)


@dataclass(frozen=True)
class FormulaLine:
    """``directions × gates × (inner) + outer`` for one layer, or the dense head.

    ``repeat`` > 1 collapses identical stacked layers into one line.
    """

    label: str
    repeat: int
    directions: int
    gates: int
    inner: tuple[Term, ...]
    outer: tuple[Term, ...]

    @property
    def value(self) -> int:
        inner = sum(t.value for t in self.inner)
        outer = sum(t.value for t in self.outer)
        return self.repeat * self.directions * (self.gates * inner + outer)

    def pieces(self, side: Side) -> tuple[Piece, ...]:
        """The expression with its terms' ``symbolic`` or ``numeric`` text, each term a
        piece of its role and the operators between them pieces of none."""

        def terms(group: tuple[Term, ...]) -> list[Piece]:
            out: list[Piece] = []
            for k, term in enumerate(group):
                if k:
                    out.append((" + ", None))
                out.append((getattr(term, side), term.role))
            return out

        expression = terms(self.inner)
        if self.gates > 1:
            expression = [(f"{self.gates} × (", None), *expression, (")", None)]
        if self.outer:
            expression = [*expression, (" + ", None), *terms(self.outer)]
        factors = [n for n in (self.repeat, self.directions) if n > 1]
        if factors:
            if self.outer or (self.gates == 1 and len(self.inner) > 1):
                expression = [("(", None), *expression, (")", None)]
            expression = [("".join(f"{n} × " for n in factors), None), *expression]
        return tuple(_merged(expression))

    def render(self, side: Side) -> str:
        """The expression as plain text, e.g. ``4 × (1 × 10 + 10 × 10 + 10)``."""
        return plain(self.pieces(side))


def _merged(pieces: Iterable[Piece]) -> Iterator[Piece]:
    """Adjacent pieces of no role as one: ``") + "`` rather than ``")"``, ``" + "``."""
    pending = ""
    for text, role in pieces:
        if role is None:
            pending += text
            continue
        if pending:
            yield pending, None
            pending = ""
        yield text, role
    if pending:
        yield pending, None


@dataclass(frozen=True)
class Formula:
    """The count as arithmetic: one line per distinct layer, then the total."""

    lines: tuple[FormulaLine, ...]
    total: int

    def sums(self) -> str:
        """The lines' values added up, ``480 + 11``; the total line shows it."""
        return " + ".join(f"{line.value:,}" for line in self.lines)

    def text(self) -> str:
        """Plain text: each line symbolic, then with numbers, then the total."""
        rows = [
            f"{line.label}: {line.render('symbolic')} = {line.render('numeric')} = {line.value:,}"
            for line in self.lines
        ]
        if len(self.lines) > 1:
            rows.append(f"total: {self.sums()} = {self.total:,}")
        return "\n".join(rows)


@dataclass(frozen=True)
class PerUnit:
    """What one unit of one layer owns: the answer to "how many parameters per unit?".

    Every unit's gates see all ``x`` inputs and all ``r`` fed-back state values, so a
    unit owns ``gates × (x + r + biases) + extra`` weights, and the layer is that times
    ``units`` (times 2 directions when bidirectional).
    """

    layer: int
    gates: int
    inputs: int
    recurrent: int
    biases: int
    peepholes: int
    projection: int
    units: int
    directions: int
    #: A ConvLSTM's kernel: each filter sees k = its area of every input and state
    #: channel.
    kernel: tuple[int, ...] = ()
    #: What one of ``units`` is called: ``unit``, or a ConvLSTM's ``filter``.
    unit: str = "unit"

    @property
    def per_unit(self) -> int:
        area = math.prod(self.kernel)
        return (
            self.gates * (area * (self.inputs + self.recurrent) + self.biases)
            + self.peepholes
            + self.projection
        )

    @property
    def units_text(self) -> str:
        """``1 unit``, ``16 filters``: how many share this layer."""
        return f"{self.units:,} {self.unit if self.units == 1 else f'{self.unit}s'}"

    @property
    def kernel_text(self) -> str:
        """``"3·3 × "``, the kernel factor before each channel count; empty without one."""
        return _kernel_text(self.kernel)

    @property
    def total(self) -> int:
        return self.per_unit * self.units * self.directions

    def blocks_text(self) -> str:
        """What the per-unit factor counts: ``4 blocks (3 gates + candidate)``.

        The candidate is no gate, and its card says "candidate", so the factor says so
        too; a simple RNN's single block is ``1 block``.
        """
        if self.gates == 1:
            return "1 block"
        return f"{self.gates} blocks ({self.gates - 1} gates + {CANDIDATE})"

    def _terms(self, named: bool) -> list[Piece]:
        """One unit's inputs, fed-back state and biases as pieces, with their names
        (``1 input``) or as bare numbers, each bias vector its own ``1``; a ConvLSTM's
        kernel factor (``"3·3 × "``) leads the input and the recurrent count."""

        def term(count: int, name: str, role: Role, factor: str = "") -> Piece:
            return (f"{factor}{count:,} {name}" if named else f"{factor}{count:,}", role)

        k = self.kernel_text
        terms = [
            term(self.inputs, "input", "input", k),
            term(self.recurrent, "recurrent", "recurrent", k),
        ]
        if named and self.biases:
            terms.append(term(self.biases, "bias" + ("es" if self.biases > 1 else ""), "bias"))
        elif self.biases:
            bias_roles: tuple[Role, ...] = ("bias", "second_bias")
            terms += [("1", role) for role in bias_roles[: self.biases]]
        pieces: list[Piece] = []
        for n, piece in enumerate(terms):
            pieces += [(" + ", None), piece] if n else [piece]
        if self.gates > 1:
            gates = f"{self.blocks_text()} × (" if named else f"{self.gates} × ("
            pieces = [(gates, None), *pieces, (")", None)]
        if self.peepholes:
            pieces += [(" + ", None), term(self.peepholes, "peepholes", "peephole")]
        if self.projection:
            pieces += [(" + ", None), term(self.projection, "projection", "projection")]
        return pieces

    def share_pieces(self) -> tuple[Piece, ...]:
        """One unit's share in bare numbers, ``4 × (1 + 10 + 1)``, as the diagram shows it
        (before ``= 48``)."""
        return tuple(self._terms(named=False))

    def pieces(self) -> tuple[Piece, ...]:
        """The whole reading: ``each unit: 4 blocks (3 gates + candidate) × (1 input +
        10 recurrent + 1 bias) = 48; × 10 units = 480`` (``each filter: ...`` for a
        ConvLSTM)."""
        tail = f" = {self.per_unit:,}; × {self.units_text}"
        if self.directions > 1:
            tail += " × 2 directions"
        tail += f" = {self.total:,}"
        lead = (f"each {self.unit}: ", None)
        return tuple(_merged([lead, *self._terms(named=True), (tail, None)]))

    def text(self) -> str:
        return plain(self.pieces())


#: Element-wise operations per unit and time step, past the matrix products: gate
#: activations (LSTM: σ for i, f, o, tanh for the candidate and for c_t), products
#: (LSTM: f⊙c, i⊙g, o⊙tanh c; GRU: r⊙(U h + b), z⊙h, (1 − z)⊙n) and the additions of
#: the state update (LSTM: c_t = f⊙c + i⊙g; GRU: 1 − z and the sum). Biases and
#: peepholes add their own. A ConvLSTM does an LSTM's at every position of its grid.
_ELEMENTWISE: Mapping[Cell, tuple[int, int, int]] = {
    "lstm": (5, 3, 1),
    "gru": (3, 3, 2),
    "rnn": (1, 0, 0),
    "convlstm": (5, 3, 1),
}


@dataclass(frozen=True)
class Elementwise:
    """Element-wise operations of the recurrent layers (every layer and direction) in
    one time step, each counted as one operation whatever it costs (a tanh is dearer
    than an addition)."""

    activations: int
    products: int
    additions: int

    @property
    def total(self) -> int:
        return self.activations + self.products + self.additions

    def text(self) -> str:
        return (
            f"{self.activations:,} activations + {self.products:,} products + "
            f"{self.additions:,} additions (biases included) = {self.total:,}"
        )


@dataclass(frozen=True)
class Memory:
    """Values a sequence keeps, at batch size 1, beside the weights.

    ``inference``: what the model returns, its output at every step (the head's when
    there is one, else the last layer's), and every layer's running state (h, and c
    for an LSTM) per direction; a layer's outputs are freed once the next layer has
    read them.
    ``training``: what backpropagation through time reads back, for every step, layer
    and direction: the gate activations (G·h), the cell state (LSTM, h) and the
    output h_t (r; for a simple RNN its activation is its output), plus the input
    sequence and the head's outputs. Frameworks keep slightly different sets (cuDNN's
    reserve space, PyTorch's saved tensors); this is the textbook set.
    """

    inference: int
    training: int


@dataclass(frozen=True)
class Work:
    """The arithmetic of running the layers: multiply-accumulates per time step and for
    a sequence of ``steps``, element-wise work stated apart, and the values kept.

    A multiply-accumulate (MAC) is one weight times one value, added into a sum; each
    weight of a matrix does exactly one per time step, so a layer's MACs per step are
    its matrix weights: LSTM 4·h·(x + r) (+ P·h projecting), GRU 3·h·(x + h), simple
    RNN h·(x + h), × 2 directions; the head f·n. FLOPs, as profilers count them, are 2 ×
    MACs. Biases are additions, element-wise work.

    A ConvLSTM's kernel weights each do one per step at every position of the output
    grid, whose height and width are the input's, not the layer's: its figures are
    ``per_position``, for one position of the grid.
    """

    steps: int
    lines: tuple[FormulaLine, ...]
    layer_macs: tuple[int, ...]
    head_macs: int
    elementwise: Elementwise
    head_additions: int
    memory: Memory
    per_position: bool = False

    @property
    def macs_per_step(self) -> int:
        return sum(self.layer_macs) + self.head_macs

    @property
    def macs(self) -> int:
        """Multiply-accumulates for the whole sequence."""
        return self.macs_per_step * self.steps

    @property
    def flops(self) -> int:
        """FLOPs of the matrix products for the sequence (2 per MAC)."""
        return 2 * self.macs

    @property
    def elementwise_per_step(self) -> int:
        """Element-wise operations of every layer and the head's bias in one step."""
        return self.elementwise.total + self.head_additions

    def memory_bytes(self, dtype: str = "float32") -> dict[str, int]:
        """Bytes the kept values take at ``dtype``: inference and training."""
        size = _dtype_bytes(dtype)
        return {"inference": self.memory.inference * size, "training": self.memory.training * size}


@dataclass(frozen=True)
class Breakdown:
    """Every trainable weight of the described layers, grouped, summed and explained."""

    settings: Settings
    groups: tuple[WeightGroup, ...]
    blocks: tuple[Block, ...]
    formula: Formula
    per_unit: tuple[PerUnit, ...]
    output_shapes: tuple[tuple[str, tuple[int | None, ...]], ...]
    #: Time steps of the sequence the work is counted for; ``None``: not asked.
    steps: int | None = None
    total: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(g.count for g in self.groups))

    @property
    def layer_totals(self) -> tuple[int, ...]:
        """Subtotal of each recurrent layer, both directions together."""
        totals = [0] * self.settings.layers
        for block in self.blocks:
            if block.layer >= 0:
                totals[block.layer] += block.count
        return tuple(totals)

    @property
    def dense_total(self) -> int:
        return sum(b.count for b in self.blocks if b.layer < 0)

    @property
    def recurrent_total(self) -> int:
        """The recurrent layers' own count: every layer and direction, no dense head."""
        return self.total - self.dense_total

    def headline_parts(self) -> tuple[str, str]:
        """The headline's answer and its aside (``""`` without a dense head).

        ``("Keras LSTM: 480 parameters", "model with dense head: 491")``: the question
        is about the recurrent layer, so its own count leads and the model's total,
        which includes the head, stands beside it. A view with room puts both on one
        line (:meth:`headline`); a narrow one may set the aside under the answer.
        """
        s = self.settings
        spec = cell_spec(s.cell)
        stack = []
        if s.kernel:  # a ConvLSTM's filters and kernel, as its constructor takes them
            sizes = "×".join(f"{n:,}" for n in s.kernel)
            filters = "" if isinstance(s.units, tuple) else f"{spec.count(s.units)}, "
            stack.append(f"{filters}kernel {sizes}")
        if s.layers > 1:
            stack.append(f"{s.layers} layers")
        if isinstance(s.units, tuple):
            stack[-1] += f" of {s.units_text()} {spec.units}"
        if s.bidirectional:
            stack.append("bidirectional")
        name = s.describe_layer() + (f" ({', '.join(stack)})" if stack else "")
        answer = f"{name}: {self.recurrent_total:,} parameters"
        aside = f"model with dense head: {self.total:,}" if s.dense else ""
        return answer, aside

    def headline(self) -> str:
        """What every view says first, e.g. ``Keras LSTM: 480 parameters (model with
        dense head: 491)``: the diagram's title, the tables' summary, the image's alt text.
        """
        answer, aside = self.headline_parts()
        return f"{answer} ({aside})" if aside else answer

    def block_groups(self, layer: int, direction: Direction) -> tuple[WeightGroup, ...]:
        """One layer and direction's groups in display order (``layer`` -1: the head).

        Gates come in textbook order (:data:`TEXTBOOK_GATES`), each gate's roles in
        :data:`ROLES` order, a projection last; the tensor slices in their names keep
        the framework's storage order visible.
        """
        mine = [g for g in self.groups if (g.layer, g.direction) == (layer, direction)]
        return tuple(sorted(mine, key=partial(_display_rank, self.settings.cell)))

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        """Shape of the last output as Keras prints it (batch and time unknown)."""
        return self.output_shapes[-1][1]

    def role_totals(self) -> dict[Role, int]:
        """Count per role, in :data:`ROLES` order, roles that are absent left out."""
        totals: dict[Role, int] = {}
        for role in ROLES:
            count = sum(g.count for g in self.groups if g.role == role)
            if count:
                totals[role] = count
        return totals

    @property
    def highlights(self) -> Highlights:
        """What a highlight may name on this layer's views (its roles, then its gates),
        and what fades beside each: the registry's rules for its cell and roles."""
        return Highlights.of(self.settings.cell, self.role_totals())

    def tensors(self) -> dict[str, tuple[int, ...]]:
        """The framework's own tensors (name → shape) that the groups slice."""
        return {g.tensor: g.tensor_shape for g in self.groups}

    def memory_bytes(self, dtype: str = "float32") -> int:
        """Bytes the weights take when stored as ``dtype``."""
        return self.total * _dtype_bytes(dtype)

    @property
    def work(self) -> Work:
        """Multiply-accumulates and kept values for ``steps`` time steps (1 if not given)."""
        return _work(self.settings, self.steps or 1)

    def __str__(self) -> str:
        """The text table, as ``lstm-params`` prints it: ``print(breakdown(...))``."""
        return _presented().text(self)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Notebooks show the diagram and the table; terminals get the text table."""
        return _presented().mimebundle(self)

    def _mime_(self) -> tuple[str, str]:
        """marimo's display protocol: the HTML a notebook shows (diagram and table).

        marimo reads ``_repr_mimebundle_`` too, but before 0.16 it did not unpack the
        (data, metadata) pair that method returns, and showed nothing.
        """
        data, _ = _presented().mimebundle(self)
        return "text/html", data["text/html"]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: settings, totals, groups, formula (text and LaTeX),
        per-unit reading, memory; what ``lstm-params --json`` prints."""
        return _presented().data(self)

    def describe(self) -> str:
        """The diagram in words, its text alternative: every gate's count with its
        input, recurrent and bias parts, each layer's total, the dense head's."""
        return _presented().describe(self)


@dataclass(frozen=True)
class Presentation:
    """How a :class:`Breakdown` prints, displays in a notebook, turns into JSON data
    and into words.

    The modules that do this (tables, HTML, LaTeX, the diagram) sit above this one,
    which must stay stdlib-only and import none of them. So they hand their functions
    down instead: the package's ``__init__`` wires them in with :func:`present_with`
    when ``lstm_widget`` is imported, which happens before any of its modules is.
    """

    text: Callable[[Breakdown], str]
    mimebundle: Callable[[Breakdown], tuple[dict[str, Any], dict[str, Any]]]
    data: Callable[[Breakdown], dict[str, Any]]
    describe: Callable[[Breakdown], str]


_presentation: list[Presentation] = []


def present_with(presentation: Presentation) -> None:
    """Make ``presentation`` how every :class:`Breakdown` shows itself."""
    _presentation[:] = [presentation]


def _dtype_bytes(dtype: str) -> int:
    if dtype not in DTYPE_BYTES:
        raise SettingsError(f"dtype must be one of {', '.join(DTYPE_BYTES)}, not {dtype!r}.")
    return DTYPE_BYTES[dtype]


def _presented() -> Presentation:
    (presentation,) = _presentation  # wired in by lstm_widget/__init__.py
    return presentation


def _display_rank(cell: Cell, group: WeightGroup) -> tuple[int, int]:
    """Sort key: the gate's textbook place, then the role's; ungated groups last."""
    gates = TEXTBOOK_GATES[cell]
    gate = group.stable_gate
    place = gates.index(gate) if group.gate and gate in gates else len(gates)
    return place, ROLES.index(group.role)


def breakdown(
    settings: Settings | None = None, /, *, steps: int | None = None, **changes: Any
) -> Breakdown:
    """Count every trainable weight of the described recurrent layer(s).

    Call it with keyword settings (``breakdown(units=10, input_size=1)``) or with a
    :class:`Settings`, optionally changed by keywords. ``steps``, the length of a
    sequence, adds the work of running it to every view (:attr:`Breakdown.work`
    counts it either way, for one step unless told). Raises :class:`SettingsError` (a
    ``ValueError``) with a one-sentence message for any bad value.

    Examples
    --------
    >>> breakdown(units=10, input_size=1, dense=1).total
    491
    >>> breakdown(framework="pytorch", units=10, input_size=1).total
    520
    >>> breakdown(units=128, input_size=64, steps=50).work.macs
    4915200
    """
    steps = check_steps(steps)
    unknown = sorted(set(changes) - set(SETTING_NAMES))
    if unknown:
        raise SettingsError(
            f"unknown setting {unknown[0]!r}; settings are {', '.join(SETTING_NAMES)}."
        )
    s = settings.replace(**changes) if settings else Settings(**changes)
    groups: list[WeightGroup] = []
    blocks: list[Block] = []
    for layer in range(s.layers):
        for direction in _directions(s):
            block = _BUILDERS[FRAMEWORK_SPECS[s.framework].builder](s, layer, direction)
            groups.extend(block)
            blocks.append(
                Block(layer, direction, s.layer_input(layer), sum(g.count for g in block))
            )
    if s.dense:
        head = _dense_groups(s)
        groups.extend(head)
        blocks.append(Block(-1, "forward", s.output_width, sum(g.count for g in head)))
    return Breakdown(
        settings=s,
        groups=tuple(groups),
        blocks=tuple(blocks),
        formula=_formula(s),
        per_unit=tuple(_per_unit(s, layer) for layer in range(s.layers)),
        output_shapes=_output_shapes(s),
        steps=steps,
    )


def check_steps(steps: object) -> int | None:
    """``steps`` as an int from 1 to :data:`MAX_STEPS`, or ``None``; else a SettingsError."""
    return None if steps is None else _integer("steps", steps, 1, MAX_STEPS)


#: What the drawing and display functions accept: a breakdown or what makes one.
Source = Breakdown | Settings | Mapping[str, Any]


def to_breakdown(source: Source) -> Breakdown:
    """A :class:`Breakdown` from a breakdown, a :class:`Settings` or a dict of settings."""
    if isinstance(source, Breakdown):
        return source
    if isinstance(source, Settings):
        return breakdown(source)
    if isinstance(source, Mapping):
        return breakdown(**source)
    raise TypeError(
        f"expected a Breakdown, a Settings or a dict of settings, not {type(source).__name__}."
    )


def _directions(s: Settings) -> tuple[Direction, ...]:
    return ("forward", "backward") if s.bidirectional else ("forward",)


def _subscript(gate: str) -> str:
    """A symbol's subscript for a gate letter: its stable name, ``cand`` for short."""
    name = stable_gate(gate)
    return "cand" if name == CANDIDATE else name


def _symbol(letter: str, gate: str) -> str:
    return f"{letter}_{_subscript(gate)}" if gate else letter


def _span(k: int, width: int) -> str:
    return f"{k * width}:{(k + 1) * width}"


#: Lists one layer's weight groups in one direction, the way one convention stores them.
Builder = Callable[["Settings", int, Direction], list[WeightGroup]]

#: Builders by :attr:`~lstm_widget.conventions.FrameworkSpec.builder` key.
_BUILDERS: dict[str, Builder] = {}


def register_builder(key: str) -> Callable[[Builder], Builder]:
    """Register the decorated function as the builder of the conventions naming ``key``."""

    def register(builder: Builder) -> Builder:
        _BUILDERS[key] = builder
        return builder

    return register


def _keras_path(s: Settings, layer: int, direction: Direction, name: str, cell: str = "") -> str:
    """A layer's weight path as Keras (3 or 2) names it automatically in a fresh session.

    ``name``, ``name_1``, ... per layer, then ``cell`` (e.g. ``/lstm_cell``);
    Bidirectional names its copies after the wrapped layer: bidirectional_1/forward_lstm_1.
    """
    suffix = f"_{layer}" if layer else ""
    path = f"{name}{suffix}{cell}"
    return f"bidirectional{suffix}/{direction}_{path}" if s.bidirectional else path


@register_builder("keras")
def _keras_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """Keras: kernel (x, G·h), recurrent_kernel (h, G·h), bias (G·h) or (2, G·h).

    A ConvLSTM's kernels lead with the kernel's sizes: kernel (k…, c, 4f),
    recurrent_kernel (k…, f, 4f).
    """
    h, x, k = s.layer_units(layer), s.layer_input(layer), s.kernel
    gates = s.convention.gate_order
    width = len(gates) * h
    base = s.convention.tensor_prefix
    # Keras's automatic names in a fresh session: lstm, lstm_1, ... (conv_lstm2d,
    # conv_lstm2d_1, ... over a conv_lstm_cell).
    path = _keras_path(s, layer, direction, f"{base}{f'{len(k)}d' if k else ''}", f"/{base}_cell")
    group = partial(WeightGroup, layer=layer, direction=direction)
    kernel, recurrent, bias = (f"{path}/{n}" for n in ("kernel", "recurrent_kernel", "bias"))
    groups: list[WeightGroup] = []
    kernel_axes = ":, " * len(k)
    for n, gate in enumerate(gates):
        cols = f"[{kernel_axes}:, {_span(n, h)}]"
        groups.append(group(kernel, (*k, x, width), cols, _symbol("W", gate), "input", gate))
        groups.append(
            group(recurrent, (*k, h, width), cols, _symbol("U", gate), "recurrent", gate)
        )
        if _biases(s) == 2:
            rows: tuple[tuple[int, str, Role], ...] = ((0, "b", "bias"), (1, "b'", "second_bias"))
            for row, symbol, role in rows:
                index = f"[{row}, {_span(n, h)}]"
                groups.append(group(bias, (2, width), index, _symbol(symbol, gate), role, gate))
        elif s.bias:
            groups.append(
                group(bias, (width,), f"[{_span(n, h)}]", _symbol("b", gate), "bias", gate)
            )
    return groups


@register_builder("pytorch")
def _torch_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """PyTorch: weight_ih (G·h, x), weight_hh (G·h, r), bias_ih, bias_hh, weight_hr (P, h)."""
    h, x, r = s.layer_units(layer), s.layer_input(layer), s.state_width(layer)
    gates = s.convention.gate_order
    width = len(gates) * h
    suffix = f"_l{layer}" + ("_reverse" if direction == "backward" else "")
    w_ih, w_hh, b_ih, b_hh, w_hr = (
        f"{n}{suffix}" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    )
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []
    for k, gate in enumerate(gates):
        rows, span = f"[{_span(k, h)}, :]", f"[{_span(k, h)}]"
        groups.append(group(w_ih, (width, x), rows, _symbol("W", gate), "input", gate))
        groups.append(group(w_hh, (width, r), rows, _symbol("U", gate), "recurrent", gate))
        if s.bias:
            groups.append(group(b_ih, (width,), span, _symbol("b", gate), "bias", gate))
            groups.append(group(b_hh, (width,), span, _symbol("b'", gate), "second_bias", gate))
    if s.proj_size:
        groups.append(group(w_hr, (s.proj_size, h), "", "W_hr", "projection", ""))
    return groups


@register_builder("onnx")
def _onnx_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """ONNX: W [D, G·h, x], R [D, G·h, h], B [D, 2·G·h], P [D, 3h] (LSTM peepholes)."""
    h, x, d = s.layer_units(layer), s.layer_input(layer), s.directions
    gates = s.convention.gate_order
    width = len(gates) * h
    slot = 0 if direction == "forward" else 1
    w, r, b, p = (f"{s.convention.tensor_prefix}_{layer}/{n}" for n in "WRBP")
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []
    for k, gate in enumerate(gates):
        rows = f"[{slot}, {_span(k, h)}, :]"
        groups.append(group(w, (d, width, x), rows, _symbol("W", gate), "input", gate))
        groups.append(group(r, (d, width, h), rows, _symbol("U", gate), "recurrent", gate))
        if s.bias:
            # B holds the input biases Wb for all gates, then the recurrent biases Rb.
            wb, rb = f"[{slot}, {_span(k, h)}]", f"[{slot}, {_span(len(gates) + k, h)}]"
            groups.append(group(b, (d, 2 * width), wb, _symbol("b", gate), "bias", gate))
            groups.append(group(b, (d, 2 * width), rb, _symbol("b'", gate), "second_bias", gate))
    if s.peepholes:
        for k, gate in enumerate(s.convention.peephole_order):
            index = f"[{slot}, {_span(k, h)}]"
            groups.append(group(p, (d, 3 * h), index, _symbol("p", gate), "peephole", gate))
    return groups


@register_builder("cudnn")
def _cudnn_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """Keras 2 CuDNNLSTM / CuDNNGRU: kernel (x, G·h), recurrent_kernel (h, G·h), bias 2·G·h."""
    h, x = s.layer_units(layer), s.layer_input(layer)
    gates = s.convention.gate_order
    width = len(gates) * h
    # Keras 2's automatic names: cu_dnnlstm, cu_dnnlstm_1, ... TensorFlow shows a
    # variable as name:0.
    path = _keras_path(s, layer, direction, s.convention.tensor_prefix)
    group = partial(WeightGroup, layer=layer, direction=direction)
    kernel, recurrent, bias = (f"{path}/{n}:0" for n in ("kernel", "recurrent_kernel", "bias"))
    groups: list[WeightGroup] = []
    for k, gate in enumerate(gates):
        cols = f"[:, {_span(k, h)}]"
        groups.append(group(kernel, (x, width), cols, _symbol("W", gate), "input", gate))
        groups.append(group(recurrent, (h, width), cols, _symbol("U", gate), "recurrent", gate))
        # The input side's biases for every gate come first, then the recurrent side's.
        wb, rb = f"[{_span(k, h)}]", f"[{_span(len(gates) + k, h)}]"
        groups.append(group(bias, (2 * width,), wb, _symbol("b", gate), "bias", gate))
        groups.append(group(bias, (2 * width,), rb, _symbol("b'", gate), "second_bias", gate))
    return groups


def _tf1_scope(s: Settings, layer: int, direction: Direction) -> str:
    """The variable scope TensorFlow 1 gives a cell, as ``dynamic_rnn`` (one cell or a
    ``MultiRNNCell``), ``bidirectional_dynamic_rnn`` or ``stack_bidirectional_dynamic_rnn``
    build it."""
    cell = s.convention.tensor_prefix
    side = "fw" if direction == "forward" else "bw"
    if not s.bidirectional:
        return f"rnn/{cell}" if s.layers == 1 else f"rnn/multi_rnn_cell/cell_{layer}/{cell}"
    if s.layers == 1:
        return f"bidirectional_rnn/{side}/{cell}"
    return f"stack_bidirectional_rnn/cell_{layer}/bidirectional_rnn/{side}/{cell}"


@register_builder("tf1")
def _tf1_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """TensorFlow 1 cells: a kernel (x + r, G·h) over [x; h], bias, peepholes, projection."""
    h, x, r = s.layer_units(layer), s.layer_input(layer), s.state_width(layer)
    scope = _tf1_scope(s, layer, direction)
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []

    def fused(name: str, gates: tuple[str, ...]) -> None:
        # The kernel's first x rows multiply the input, the other r rows the state.
        kernel, bias, width = f"{scope}/{name}kernel:0", f"{scope}/{name}bias:0", len(gates) * h
        for k, gate in enumerate(gates):
            cols = _span(k, h)
            rows: tuple[tuple[str, str, Role], ...] = (
                (f"[0:{x}, {cols}]", "W", "input"),
                (f"[{x}:{x + r}, {cols}]", "U", "recurrent"),
            )
            for index, letter, role in rows:
                groups.append(
                    group(kernel, (x + r, width), index, _symbol(letter, gate), role, gate)
                )
        for k, gate in enumerate(gates):
            groups.append(
                group(bias, (width,), f"[{_span(k, h)}]", _symbol("b", gate), "bias", gate)
            )

    gates = s.convention.gate_order
    if s.cell == "gru":  # two fused groups: the gates r and z, then the candidate
        fused("gates/", gates[:2])
        fused("candidate/", gates[2:])
    else:
        fused("", gates)
    if s.peepholes:
        for gate in s.convention.peephole_order:
            tensor = f"{scope}/w_{gate}_diag:0"
            groups.append(group(tensor, (h,), "", _symbol("p", gate), "peephole", gate))
    if s.proj_size:
        tensor = f"{scope}/projection/kernel:0"
        groups.append(group(tensor, (h, s.proj_size), "", "W_hr", "projection", ""))
    return groups


@register_builder("flax")
def _flax_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """Flax NNX cells: Linear layers dense_i (x, G·h) and dense_h (h, G·h), or one per gate."""
    h, x = s.layer_units(layer), s.layer_input(layer)
    layout = s.convention
    # The paths of nnx.state: a stack (or a head) sits in a module's ``layers`` list,
    # each nnx.RNN keeps its cell as ``cell``, nnx.Bidirectional its two RNNs.
    path = f"layers.{layer}." if s.layers > 1 or s.dense else ""
    if s.bidirectional:
        path += f"{direction}_rnn."
    path += "cell."
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []
    gates = layout.gate_order
    width = len(gates) * h
    biased = "dense_h" if layout.bias_side == "recurrent" else "dense_i"
    for k, gate in enumerate(gates):
        if layout.fused:
            cols, span = f"[:, {_span(k, h)}]", f"[{_span(k, h)}]"
            kernels = (
                (f"{path}dense_i.kernel", (x, width)),
                (f"{path}dense_h.kernel", (h, width)),
            )
            bias = (f"{path}{biased}.bias", (width,), span)
        else:
            # nnx.LSTMCell names its per-gate layers ii, if_ (if is a keyword), ig, io
            # and hi, hf, hg, ho.
            cols = ""
            ii, hh = (f"{path}i{gate}_" if gate == "f" else f"{path}i{gate}"), f"{path}h{gate}"
            kernels = ((f"{ii}.kernel", (x, h)), (f"{hh}.kernel", (h, h)))
            bias = (f"{hh if layout.bias_side == 'recurrent' else ii}.bias", (h,), "")
        roles: tuple[Role, Role] = ("input", "recurrent")
        for (tensor, shape), letter, role in zip(kernels, "WU", roles, strict=True):
            groups.append(group(tensor, shape, cols, _symbol(letter, gate), role, gate))
        groups.append(group(bias[0], bias[1], bias[2], _symbol("b", gate), "bias", gate))
    # In the order nnx.state lists a cell's parameters: by path (a stable sort keeps
    # the gates in storage order within a fused tensor).
    return sorted(groups, key=lambda g: g.tensor)


def _dense_groups(s: Settings) -> list[WeightGroup]:
    """The head: Keras Dense kernel (f, n) + bias; PyTorch Linear weight (n, f) + bias."""
    f, n = s.output_width, s.dense
    naming = FRAMEWORK_SPECS[s.framework].dense
    shape = (n, f) if naming.transposed else (f, n)
    return [
        WeightGroup(naming.weight, shape, "", "W_y", "dense", "", -1, "forward"),
        WeightGroup(naming.bias, (n,), "", "b_y", "dense", "", -1, "forward"),
    ]


def _shape(tensor_shape: tuple[int, ...], index: str) -> tuple[int, ...]:
    """The shape of ``tensor_shape[index]`` for the simple slices this module writes."""
    if not index:
        return tensor_shape
    shape: list[int] = []
    for size, part in zip(tensor_shape, index.strip("[]").split(", "), strict=True):
        if part == ":":
            shape.append(size)
        elif ":" in part:
            start, stop = (int(p) for p in part.split(":"))
            shape.append(stop - start)
    return tuple(shape)


def _biases(s: Settings) -> int:
    """Bias vectors per gate, as the convention stores them (two in PyTorch, ONNX and
    Keras GRU with reset_after)."""
    layout = s.convention
    if not s.bias:
        return 0
    if layout.second_bias_when and not getattr(s, layout.second_bias_when):
        return 1
    return layout.biases


def _formula(s: Settings) -> Formula:
    """One line per run of identical layers (see :meth:`Settings.runs`), one for the head.

    A uniform stack reads as layer 1 and one line for the layers above it, or a
    single line when layer 1's input is as wide as the layers above.
    """
    lines = _stack_lines(s, _layer_line)
    if s.dense:
        f, n = s.output_width, s.dense
        inner = (
            Term("dense", f"{_width_symbol(s)} × n", f"{f:,} × {n:,}", f * n),
            Term("dense", "n", f"{n:,}", n),
        )
        lines.append(FormulaLine("dense head", 1, 1, 1, inner, ()))
    return Formula(tuple(lines), sum(line.value for line in lines))


def layers_label(first: int, last: int) -> str:
    """``layer 2`` or ``layers 2–5``, for 0-based layers."""
    return f"layer {first + 1}" if first == last else f"layers {first + 1}–{last + 1}"


LineBuilder = Callable[[Settings, int, int, str], FormulaLine]


def _stack_lines(s: Settings, line: LineBuilder) -> list[FormulaLine]:
    """``line`` for each run of identical layers (``repeat`` of them)."""
    return [
        line(s, first, last - first + 1, layers_label(first, last)) for first, last in s.runs()
    ]


def _width_symbol(s: Settings) -> str:
    """Symbol for a layer's output width D·r: h, P, 2h or 2P (a ConvLSTM's f or 2f)."""
    state = "P" if s.proj_size else cell_spec(s.cell).unit_symbol
    return f"2{state}" if s.bidirectional else state


def _kernel_text(kernel: tuple[int, ...]) -> str:
    """``"3·3 × "``: a kernel's sizes as the factor k they multiply into, or nothing."""
    return f"{'·'.join(f'{n:,}' for n in kernel)} × " if kernel else ""


def _matrix_terms(s: Settings, layer: int) -> list[Term]:
    """A gate's input and recurrent weights: x × h and r × h; a ConvLSTM's kernel area k
    leads both products, ``k × c × f`` and ``k × f × f``, k written out as ``3·3``."""
    h, x, r = s.layer_units(layer), s.layer_input(layer), s.state_width(layer)
    area, spec = s.kernel_area, cell_spec(s.cell)
    h_symbol = spec.unit_symbol
    # Above layer 1 the input is the layer below's output: D·h when it is as wide as
    # this layer (or D·P), else a width of its own, x (a ConvLSTM's c).
    below_alike = layer and (s.proj_size or s.layer_units(layer - 1) == h)
    x_symbol = _width_symbol(s) if below_alike else spec.input_symbol
    r_symbol = "P" if s.proj_size else h_symbol
    k_symbol, k_text = ("k × " if s.kernel else ""), _kernel_text(s.kernel)
    return [
        Term(
            "input", f"{k_symbol}{x_symbol} × {h_symbol}", f"{k_text}{x:,} × {h:,}", area * x * h
        ),
        Term(
            "recurrent",
            f"{k_symbol}{r_symbol} × {h_symbol}",
            f"{k_text}{r:,} × {h:,}",
            area * r * h,
        ),
    ]


def _projection_terms(s: Settings, layer: int) -> list[Term]:
    if not s.proj_size:
        return []
    h = s.layer_units(layer)
    return [Term("projection", "P × h", f"{s.proj_size:,} × {h:,}", s.proj_size * h)]


def _layer_line(s: Settings, layer: int, repeat: int, label: str) -> FormulaLine:
    """``G × (x × h + h × h + h)``, a ConvLSTM's ``4 × (k × c × f + k × f × f + f)``."""
    h, h_symbol = s.layer_units(layer), cell_spec(s.cell).unit_symbol
    inner = _matrix_terms(s, layer)
    if s.bias:
        inner.append(Term("bias", h_symbol, f"{h:,}", h))
    if _biases(s) == 2:
        inner.append(Term("second_bias", h_symbol, f"{h:,}", h))
    outer = []
    if s.peepholes:
        outer.append(Term("peephole", "3 × h", f"3 × {h:,}", 3 * h))
    outer += _projection_terms(s, layer)
    return FormulaLine(label, repeat, s.directions, s.gates, tuple(inner), tuple(outer))


def _mac_line(s: Settings, layer: int, repeat: int, label: str) -> FormulaLine:
    """Multiply-accumulates per time step: every weight of a matrix once, biases and
    peepholes (added and multiplied element-wise) not."""
    inner = _matrix_terms(s, layer)
    outer = _projection_terms(s, layer)
    return FormulaLine(label, repeat, s.directions, s.gates, tuple(inner), tuple(outer))


def _per_unit(s: Settings, layer: int) -> PerUnit:
    return PerUnit(
        layer=layer,
        gates=s.gates,
        inputs=s.layer_input(layer),
        recurrent=s.state_width(layer),
        biases=_biases(s),
        peepholes=3 if s.peepholes else 0,
        projection=s.proj_size,
        units=s.layer_units(layer),
        directions=s.directions,
        kernel=s.kernel,
        unit=cell_spec(s.cell).unit,
    )


def _output_shapes(s: Settings) -> tuple[tuple[str, tuple[int | None, ...]], ...]:
    """Per layer and head: (None, None, width), as Keras prints sequence outputs.

    A ConvLSTM's spatial axes come between: their sizes depend on the input's and on
    padding and strides, none of which changes a count, so they stay unknown (None).
    """
    name = s.describe_layer()
    lead = (None, None) + (None,) * len(s.kernel)
    shapes: list[tuple[str, tuple[int | None, ...]]] = [
        (f"{name} {layer + 1}", (*lead, s.layer_output(layer))) for layer in range(s.layers)
    ]
    if s.dense:
        shapes.append(("dense head", (*lead, s.dense)))
    return tuple(shapes)


def _work(s: Settings, steps: int) -> Work:
    """Multiply-accumulates per step (one formula line per distinct layer, as for the
    weights), element-wise work and kept values, for a sequence of ``steps``."""
    lines = _stack_lines(s, _mac_line)
    f, n = s.output_width, s.dense
    if n:
        head = Term("dense", f"{_width_symbol(s)} × n", f"{f:,} × {n:,}", f * n)
        lines.append(FormulaLine("dense head", 1, 1, 1, (head,), ()))
    layer_macs = tuple(_mac_line(s, k, 1, "").value for k in range(s.layers))
    activations, products, additions = _ELEMENTWISE[s.cell]
    if s.peepholes:
        products, additions = products + 3, additions + 3
    additions += s.gates * _biases(s)
    width = s.directions * sum(s.widths)  # every layer's units, both directions
    lstm, rnn = s.cell in ("lstm", "convlstm"), s.cell == "rnn"
    state = sum(s.state_width(k) + (h if lstm else 0) for k, h in enumerate(s.widths))
    kept = sum(
        s.gates * h + (h if lstm else 0) + (0 if rnn else s.state_width(k))
        for k, h in enumerate(s.widths)
    )
    return Work(
        steps=steps,
        lines=tuple(lines),
        layer_macs=layer_macs,
        head_macs=f * n,
        elementwise=Elementwise(activations * width, products * width, additions * width),
        head_additions=n,
        memory=Memory(
            inference=steps * (n or s.output_width) + s.directions * state,
            training=steps * (s.input_size + s.directions * kept + n),
        ),
        per_position=bool(s.kernel),
    )
