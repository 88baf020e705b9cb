"""Counting the layers around the recurrent ones: embeddings, dense, convolutions,
norms, attention.

Pure and stdlib-only, like :mod:`~lstm_widget.counting`. A layer kind is data in the
registry (:mod:`lstm_widget.conventions.layers`: each framework's tensors with their
shapes in symbols); :func:`count_layer` substitutes the values an adapter read off a
live layer, so every count, formula and trainable split comes from the same spec.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .conventions.layers import LayerSpec
from .counting import Piece, plain


@dataclass(frozen=True)
class Tensor:
    """One tensor of a counted layer: its name, its shape in symbols and in numbers."""

    name: str
    symbols: tuple[str, ...]
    shape: tuple[int, ...]
    trainable: bool

    @property
    def count(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class LayerCount:
    """A layer's parameters tensor by tensor, with its formula and trainable split."""

    spec: LayerSpec
    tensors: tuple[Tensor, ...]

    @property
    def total(self) -> int:
        return sum(t.count for t in self.tensors)

    @property
    def trainable(self) -> int:
        return sum(t.count for t in self.tensors if t.trainable)

    @property
    def non_trainable(self) -> int:
        return self.total - self.trainable

    def pieces(self, numeric: bool) -> tuple[Piece, ...]:
        """``v × d`` or ``20 × 300``: one product per tensor, summed (a scalar is 1)."""
        pieces: list[Piece] = []
        for k, t in enumerate(self.tensors):
            factors = [f"{n:,}" for n in t.shape] if numeric else list(t.symbols)
            pieces += [(" + ", None)] if k else []
            pieces.append((" × ".join(factors) or "1", None))
        return tuple(pieces)

    def formula(self) -> str:
        """``v × d = 20 × 300 = 6,000``; for no tensors, ``0``."""
        if not self.tensors:
            return "0"
        symbolic, numeric = plain(self.pieces(False)), plain(self.pieces(True))
        return f"{symbolic} = {numeric} = {self.total:,}"


def count_layer(
    spec: LayerSpec, sizes: Mapping[str, int], switches: Mapping[str, bool] | None = None
) -> LayerCount:
    """``spec``'s tensors with ``sizes`` substituted, those whose switch is off left out.

    ``sizes`` gives each shape symbol's value (``{"v": 20, "d": 300}``), ``switches``
    each ``when`` name's state (``{"bias": False}``); a switch not given is on. A
    symbol that is a number (PyTorch's ``bias_k`` is ``(1, 1, E)``) stands for itself,
    and one led by a number is a multiple (``3E``).
    """
    on = switches or {}
    tensors = tuple(
        Tensor(t.name, t.shape, tuple(_size(s, sizes) for s in t.shape), t.trainable)
        for t in spec.tensors
        if t.when is None or on.get(t.when, True)
    )
    return LayerCount(spec, tensors)


def _size(symbol: str, sizes: Mapping[str, int]) -> int:
    """A symbol's value: a number is itself, ``3E`` is three times ``E``."""
    digits = len(symbol) - len(symbol.lstrip("0123456789"))
    factor = int(symbol[:digits]) if digits else 1
    return factor if digits == len(symbol) else factor * sizes[symbol[digits:]]
