"""The arithmetic of running the layers: multiply-accumulates, element-wise work, and
the values a sequence keeps."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce

from ..conventions import SettingsError
from .formula import FormulaLine, Term, mac_line, stack_lines, width_symbol
from .settings import Settings

#: Bytes per weight for the dtypes :meth:`Breakdown.memory_bytes` understands.
DTYPE_BYTES: Mapping[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
}


def dtype_bytes(dtype: str) -> int:
    if dtype not in DTYPE_BYTES:
        raise SettingsError(f"dtype must be one of {', '.join(DTYPE_BYTES)}, not {dtype!r}.")
    return DTYPE_BYTES[dtype]


@dataclass(frozen=True)
class Elementwise:
    """Element-wise operations in one time step (of one layer, both directions, or of
    every layer), each counted as one operation whatever it costs (a tanh is dearer
    than an addition)."""

    activations: int
    products: int
    additions: int

    @property
    def total(self) -> int:
        return self.activations + self.products + self.additions

    def __add__(self, other: Elementwise) -> Elementwise:
        return Elementwise(
            self.activations + other.activations,
            self.products + other.products,
            self.additions + other.additions,
        )

    def text(self) -> str:
        return (
            f"{self.activations:,} activations + {self.products:,} products + "
            f"{self.additions:,} additions (biases included) = {self.total:,}"
        )


@dataclass(frozen=True)
class Memory:
    """Values a sequence keeps, at batch size 1, beside the weights.

    ``inference``: what the model returns, its output (the head's at each position
    it runs at when there is one, else the last layer's at every step), and every
    layer's running state (h, and c for an LSTM) per direction; a layer's outputs are
    freed once the next layer has read them.
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

    The head runs at ``head_positions`` over the sequence: at every step, or fewer (a
    classifier's reads the last step only).
    """

    steps: int
    lines: tuple[FormulaLine, ...]
    layer_macs: tuple[int, ...]
    head_macs: int
    head_positions: int
    #: Each recurrent layer's element-wise operations per step, both directions.
    layer_elementwise: tuple[Elementwise, ...]
    head_additions: int
    memory: Memory
    per_position: bool = False

    @property
    def macs_per_step(self) -> int:
        return sum(self.layer_macs) + self.head_macs

    @property
    def head_at_every_step(self) -> bool:
        return self.head_positions == self.steps

    @property
    def macs(self) -> int:
        """Multiply-accumulates for the whole sequence: the recurrent layers' at every
        step, the head's at each of its positions."""
        return sum(self.layer_macs) * self.steps + self.head_macs * self.head_positions

    @property
    def flops(self) -> int:
        """FLOPs of the matrix products for the sequence (2 per MAC)."""
        return 2 * self.macs

    @property
    def elementwise(self) -> Elementwise:
        """Every recurrent layer's element-wise operations in one step, added up."""
        return reduce(operator.add, self.layer_elementwise)

    @property
    def elementwise_per_step(self) -> int:
        """Element-wise operations of every layer and the head's bias in one step."""
        return self.elementwise.total + self.head_additions

    def memory_bytes(self, dtype: str = "float32") -> dict[str, int]:
        """Bytes the kept values take at ``dtype``: inference and training."""
        size = dtype_bytes(dtype)
        return {"inference": self.memory.inference * size, "training": self.memory.training * size}


def work_of(s: Settings, steps: int, head_positions: int | None = None) -> Work:
    """Multiply-accumulates per step (one formula line per distinct layer, as for the
    weights), element-wise work and kept values, for a sequence of ``steps``, the head
    at ``head_positions`` of it (every step unless given)."""
    head_positions = steps if head_positions is None else head_positions
    lines = stack_lines(s, mac_line)
    f, n = s.output_width, s.dense
    if n:
        head = Term("dense", f"{width_symbol(s)} × n", f"{f:,} × {n:,}", f * n)
        lines.append(FormulaLine("dense head", 1, 1, 1, (head,), ()))
    layer_macs = tuple(mac_line(s, k, 1, "").value for k in range(s.layers))
    spec = s.spec
    # The cell's own per unit (the registry's), then a product and an addition per
    # peephole and an addition per bias vector.
    activations, products, additions = spec.elementwise
    products, additions = products + s.peephole_count, additions + s.peephole_count
    additions += s.gates * s.bias_vectors
    cell_state = spec.cell_state
    state = sum(s.state_width(k) + (h if cell_state else 0) for k, h in enumerate(s.widths))
    kept = sum(
        s.gates * h
        + (h if cell_state else 0)
        + (0 if spec.output_is_activation else s.state_width(k))
        for k, h in enumerate(s.widths)
    )
    return Work(
        steps=steps,
        lines=tuple(lines),
        layer_macs=layer_macs,
        head_macs=f * n,
        head_positions=head_positions,
        # Per unit of every layer and direction.
        layer_elementwise=tuple(
            Elementwise(activations * width, products * width, additions * width)
            for width in (s.directions * h for h in s.widths)
        ),
        head_additions=n,
        memory=Memory(
            inference=(head_positions * n if n else steps * s.output_width) + s.directions * state,
            training=steps * (s.input_size + s.directions * kept) + head_positions * n,
        ),
        per_position=bool(s.kernel),
    )
