"""The shapes of the registry's entries: what a cell family and a framework are, as data.

A :class:`CellSpec` says what a cell *is* (its gates in textbook order, what its unit
is called, which options can exist for it, which drawing shows it); a
:class:`FrameworkSpec` says how one framework *stores* it, cell by cell
(:class:`CellConvention`), because a framework may lay out one cell differently from
another. Every field is plain data or a key that another module registers code
against, so this module imports nothing of the package and nothing outside stdlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

#: The candidate's framework-independent name: Keras calls it ``c`` in an LSTM and
#: ``h`` in a GRU, PyTorch ``g`` and ``n``, each beside the states c_t and h_t.
CANDIDATE = "candidate"

#: Where a GRU's reset gate acts: on U·h (+ b′) after the product, on h before it, or
#: as the framework's ``reset_after`` option says.
ResetPosition = Literal["after", "before", "option"]


@dataclass(frozen=True)
class GateSpec:
    """One weight block of a cell, by its stable name (the same in every framework).

    ``name`` is the letter every framework shares (``f``) or ``candidate``; a simple
    RNN's one block has the empty name. ``display`` is what tables and selectors call
    it, ``title`` what its card in the drawing says (a simple RNN's block is its
    ``tanh cell`` there).
    """

    name: str
    display: str
    title: str = ""

    @property
    def card_title(self) -> str:
        return self.title or self.display


#: How a setting's values are written: one of its choices (the registry's keys for
#: ``cell`` and ``framework``), a whole number within bounds, a width or one per layer,
#: on or off, sizes (a kernel's), or a factor (a number above 0, such as 1.3).
SettingKind = Literal["choice", "count", "widths", "switch", "sizes", "factor"]


@dataclass(frozen=True)
class SettingSpec:
    """One setting, declared once: every view of it is made from this.

    :class:`~lstm_widget.Settings` validates its value from ``kind`` and
    ``bounds``; the command line and the magic make its flag from ``flags``,
    ``metavar`` and ``help``; the panel and the marimo controls make its control
    (a slider over ``slider``, a checkbox, a sizes entry); the compare parser reads
    its value from text by ``kind``; the documentation's settings table writes all of it.

    Parameters
    ----------
    name
        The setting's name everywhere: a keyword, a control, a flag's destination.
    kind
        How its values are written (:data:`SettingKind`).
    default
        Its value when not given; for an ``option``, also its neutral value: what
        every layer without the option counts as.
    help
        What the flag does. An option's help starts with ``{layers}``, the layers it
        applies to, filled in from the registry.
    flags
        The flag's names (``-u``, ``--units``); a switch that is on by default is
        turned off by its flag (``--no-bias``).
    metavar
        What the flag's value is called in the help (``H``).
    bounds
        The least and greatest value of a ``count``, of each width of ``widths`` and
        of each size of ``sizes``.
    lengths
        How many sizes ``sizes`` may hold.
    option
        Whether the setting exists only for the framework × cell pairs whose
        :class:`CellConvention` lists it (elsewhere it stays at ``default``).
    slider
        A control's usual range (a slider's ends); a typed entry takes any value.
    layer
        Whether it describes the layer (a :class:`~lstm_widget.Settings`
        field) rather than the sequence run through it (``steps``).
    phrase
        How the layer's description and its diagram's subtitle say the setting
        (:meth:`~lstm_widget.Settings.phrases`): ``{value}`` is its value as printed,
        ``{inputs}`` and ``{units}`` the cell's nouns for them (``input channels``,
        ``filters``). Said where the value differs from ``default``; "" for a setting
        said elsewhere (the layer's name says its framework and cell).
    always_said
        Said at its default too, wherever it applies: what the layer's shapes come from,
        or which of two layouts is counted (``reset_after``).
    choices
        The values a ``choice`` takes where they are its own (xLSTM's ``scope``);
        empty for ``cell`` and ``framework``, whose choices are the registry's keys.
    """

    name: str
    kind: SettingKind
    default: int | float | bool | str | tuple[int, ...] | None
    help: str
    flags: tuple[str, ...]
    metavar: str = ""
    bounds: tuple[int, int] = (0, 0)
    lengths: tuple[int, int] = (0, 0)
    option: bool = False
    slider: tuple[int, int] | None = None
    layer: bool = True
    phrase: str = ""
    always_said: bool = False
    choices: tuple[str, ...] = ()

    @property
    def neutral(self) -> int | float | bool | str | tuple[int, ...] | None:
        """An option's value where it does not apply: its default."""
        return self.default

    @property
    def kind_text(self) -> str:
        """The values it takes, as a sentence names them: ``an integer from 1 to 100``."""
        (low, high), (least, most) = self.bounds, self.lengths
        return {
            "choice": f"one of {', '.join(self.choices)}"
            if self.choices
            else "a key the registry holds",
            "count": f"an integer from {low} to {high:,}",
            "widths": f"an integer from {low} to {high:,}, or one such integer per layer "
            "such as (32, 18)",
            "switch": "True or False",
            "sizes": f"a tuple of {least} to {most} sizes from {low} to {high:,}",
            "factor": f"a number above {low} and up to {high:,}",
        }[self.kind]

    @property
    def turned_off(self) -> bool:
        """Whether its flag turns off a switch that is on by default (``--no-bias``)."""
        return self.kind == "switch" and self.default is True


@dataclass(frozen=True)
class CellSpec:
    """A cell family: what every view shows of it, whatever the framework.

    ``gates`` come in textbook order; ``options`` are those that can apply to this cell
    in some framework (which ones do is the framework's :class:`CellConvention`);
    ``drawing`` is the key ``lstm_widget.layout.cells`` registers the cell's schematic
    under; ``unit`` is the noun for one of ``units`` and ``unit_symbol`` its symbol in
    the formula, ``inputs`` and ``input_symbol`` what views call ``input_size``.
    ``kernel_dims`` are the kernel lengths a convolutional cell takes (its
    dimensionality: ConvLSTM1D to 3D); empty for a cell of matrix products.

    What a step of the cell does, for its work and memory: ``elementwise`` counts
    its element-wise operations per unit, past the matrix products (activations,
    products, additions; a division counts as a product); ``cell_state`` says it
    keeps a state beside its output (an LSTM's c); ``output_is_activation`` that its
    output is its one block's activation (a simple RNN's), not a value of its own;
    ``recurrent_matrices`` that its gates read hₜ₋₁ through a matrix U (minGRU's and
    minLSTM's read only xₜ); ``peephole_gates`` the gates a peephole can feed.

    What the quiz's catalogue of wrong counts tries on it: ``confused_with``, the cell
    whose count people give for this one and what this one has that it lacks, and
    ``candidate_forgotten``, whether people count its gates and forget the candidate.
    """

    key: str
    label: str
    gates: tuple[GateSpec, ...]
    drawing: str
    unit: str = "unit"
    unit_symbol: str = "h"
    inputs: str = "input_size"
    input_symbol: str = "x"
    options: tuple[str, ...] = ()
    residual: bool = False
    kernel_dims: tuple[int, ...] = ()
    elementwise: tuple[int, int, int] = (0, 0, 0)
    cell_state: bool = False
    output_is_activation: bool = False
    recurrent_matrices: bool = True
    peephole_gates: tuple[str, ...] = ()
    confused_with: tuple[str, str] | None = None
    candidate_forgotten: bool = False

    @property
    def units(self) -> str:
        """The plural of :attr:`unit`: ``units``, ``filters``."""
        return f"{self.unit}s"

    def count(self, n: int) -> str:
        """``1 unit``, ``16 filters``: ``n`` of this cell's units, with thousands separators."""
        return f"{n:,} {self.unit if n == 1 else self.units}"

    @property
    def gate_names(self) -> tuple[str, ...]:
        """The stable gate names in textbook order (``("f", "i", "candidate", "o")``)."""
        return tuple(g.name for g in self.gates)

    def gate(self, name: str) -> GateSpec:
        return next(g for g in self.gates if g.name == name)


@dataclass(frozen=True)
class CellConvention:
    """How one framework stores one cell.

    Parameters
    ----------
    class_name
        The class as the framework writes it (``SimpleRNN``, ``RNN``, ``LSTM``).
    gate_order
        The gate letters in the order the framework stores them in its fused tensors;
        a simple RNN's one block is ``("",)``.
    candidate
        The framework's letter for the candidate (``c``, ``g``, ``h``, ``n``); None
        when the cell has none.
    biases
        Bias vectors per gate: 1, 2 (an input and a recurrent bias), or 0 for a layer
        built without any.
    second_bias_when
        The boolean option that must be on for the second vector (Keras GRU:
        ``reset_after``); None when both are always there.
    reset
        A GRU's reset position (:data:`ResetPosition`); None for other cells.
    options
        The options (:class:`OptionSpec` names) that apply to this framework × cell.
    tensor_prefix
        The layer's base name in the framework's tensor names (Keras ``simple_rnn``).
    peephole_order
        The gates whose peephole vectors the framework stores, in its order.
    optional_bias
        Whether the layer can be built without biases (``bias=False``); cuDNN's layers,
        TensorFlow 1's cells and Flax's cells always have theirs.
    projection_below_units
        Whether a projection must be narrower than the units (PyTorch's rule; TensorFlow
        1's ``num_proj`` may be any width).
    fused
        Whether each side's gates share one tensor (False: one tensor per gate and side,
        as Flax's ``nnx.LSTMCell`` keeps them).
    bias_side
        Which product a single bias vector is stored with: the input's (most) or the
        recurrent state's (Flax's LSTM cells).
    tensor_groups
        How the gates (in ``gate_order``) share fused tensors, as (name prefix, number
        of gates): one group of all of them, or TensorFlow 1's GRU's ``gates/`` (r, z)
        and ``candidate/``.
    builder
        The key of the builder listing this cell's weights, where it is not the
        framework's own (:attr:`FrameworkSpec.builder`).
    note
        One line for the drawing where this layout differs from what its neighbours
        store for the same cell (empty when it does not).
    variants
        The layouts a boolean option switches to, by the option's name (Flax's
        ``optimized`` LSTM: ``nnx.OptimizedLSTMCell``'s fused tensors).
    bidirectional
        Whether the layer can run both ways (minGRU-pytorch's modules and xLSTM's
        blocks run forward only).
    projection_to_input
        Whether its projection maps the output back to the layer's input width and is
        not fed back to the gates (minGRU-pytorch's ``to_out``: ``proj_size`` is 0 or
        the input's width), rather than narrowing the state the gates read back (PyTorch
        LSTM's ``proj_size``).
    """

    class_name: str
    gate_order: tuple[str, ...]
    candidate: str | None = None
    biases: int = 1
    second_bias_when: str | None = None
    reset: ResetPosition | None = None
    options: tuple[str, ...] = ()
    tensor_prefix: str = ""
    peephole_order: tuple[str, ...] = ()
    optional_bias: bool = True
    projection_below_units: bool = False
    fused: bool = True
    bias_side: Literal["input", "recurrent"] = "input"
    tensor_groups: tuple[tuple[str, int], ...] = ()
    builder: str = ""
    note: str = ""
    variants: tuple[tuple[str, CellConvention], ...] = ()
    bidirectional: bool = True
    projection_to_input: bool = False

    def stable_gate(self, letter: str) -> str:
        """The stable name of one of this convention's gate letters."""
        return CANDIDATE if letter and letter == self.candidate else letter


@dataclass(frozen=True)
class DenseNaming:
    """How a framework names a dense head's tensors, and whether its weight is (out, in)."""

    weight: str
    bias: str
    transposed: bool = False


@dataclass(frozen=True)
class FrameworkSpec:
    """A storage convention: its cells' layouts, its dense head, its code's keys.

    ``builder`` is the key counting registers the function that lists one layer's
    weight groups under; ``code`` the key of the function that writes a layer as the
    framework's code (for the quiz's question and the comparison); ``adapter`` the key
    an introspection module registers its adapter under, None where live models
    cannot be read (ONNX).
    """

    key: str
    label: str
    cells: Mapping[str, CellConvention]
    dense: DenseNaming
    builder: str
    code: str
    adapter: str | None = None
