"""A weight group, one gate's share of one framework tensor, and a block's subtotal."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from ..conventions import CANDIDATE, Role, letter_display, stable_gate

Direction = Literal["forward", "backward"]


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
        return letter_display(self.gate) if self.role != "dense" else ""

    @property
    def stable_gate(self) -> str:
        """The gate's framework-independent name (see :func:`stable_gate`)."""
        return stable_gate(self.gate) if self.role != "dense" else ""

    @property
    def letter(self) -> str:
        """The symbol without its gate subscript (``W``, ``U``, ``b'``, ``p``; ``W_hr``).

        Where a card or row already names the gate, the subscript only repeats it.
        """
        return self.symbol.removesuffix(f"_{subscript(self.gate)}") if self.gate else self.symbol

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


def subscript(gate: str) -> str:
    """A symbol's subscript for a gate letter: its stable name, ``cand`` for short."""
    name = stable_gate(gate)
    return "cand" if name == CANDIDATE else name
