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


@dataclass(frozen=True)
class OptionSpec:
    """A setting that exists only for some framework × cell pairs.

    ``neutral`` is its value where it does not apply (what the layer counts as), which
    is also :class:`~lstm_widget.counting.Settings`' default; ``flag_help`` ends the
    flag's help text after the layers it applies to.
    """

    name: str
    neutral: int | bool | tuple[int, ...]
    flag_help: str


@dataclass(frozen=True)
class CellSpec:
    """A cell family: what every view shows of it, whatever the framework.

    ``gates`` come in textbook order; ``options`` are those that can apply to this cell
    in some framework (which ones do is the framework's :class:`CellConvention`);
    ``drawing`` is the key ``layout.py`` registers the cell's schematic under;
    ``unit`` is the noun for one of ``units`` and ``unit_symbol`` its symbol in the
    formula, ``inputs`` and ``input_symbol`` what views call ``input_size``.
    ``kernel_dims`` are the kernel lengths a convolutional cell takes (its
    dimensionality: ConvLSTM1D to 3D); empty for a cell of matrix products.
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
    kernel_dims: tuple[int, ...] = ()

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
        Bias vectors per gate: 1, or 2 (an input and a recurrent bias).
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
    note
        One line for the drawing where this layout differs from what its neighbours
        store for the same cell (empty when it does not).
    variants
        The layouts a boolean option switches to, by the option's name (Flax's
        ``optimized`` LSTM: ``nnx.OptimizedLSTMCell``'s fused tensors).
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
    note: str = ""
    variants: tuple[tuple[str, CellConvention], ...] = ()

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
    weight groups under; ``adapter`` the key an introspection module registers its
    adapter under, None where live models cannot be read (ONNX).
    """

    key: str
    label: str
    cells: Mapping[str, CellConvention]
    dense: DenseNaming
    builder: str
    adapter: str | None = None
