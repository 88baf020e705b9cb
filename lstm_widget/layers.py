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
from dataclasses import dataclass, field

from .conventions.layers import LayerSpec
from .counting import Piece, plain


@dataclass(frozen=True)
class Tensor:
    """One tensor of a counted layer: its name, its shape in symbols and in numbers."""

    name: str
    symbols: tuple[str, ...]
    shape: tuple[int, ...]
    trainable: bool
    multiplied: bool = False

    @property
    def count(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class LayerCount:
    """A layer's parameters tensor by tensor, with its formula and trainable split."""

    spec: LayerSpec
    tensors: tuple[Tensor, ...]
    #: The values of the spec's shape symbols, as read off the layer.
    sizes: Mapping[str, int] = field(default_factory=dict)

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

    def _mac_terms(self, keys: int) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
        """Each multiplied tensor's shape, then each per-key product with S = ``keys``."""
        sizes = {**self.sizes, "S": keys}
        terms = [(t.symbols, t.shape) for t in self.tensors if t.multiplied]
        terms += [(term, tuple(_size(s, sizes) for s in term)) for term in self.spec.per_key]
        return terms

    def macs(self, keys: int = 1) -> int:
        """Multiply-accumulates per position (a time step, an output pixel): each weight
        of a multiplied matrix or kernel once, and attention's products with each of
        ``keys`` keys. 0 for a lookup (an embedding) or element-wise work (a norm)."""
        return sum(math.prod(shape) for _, shape in self._mac_terms(keys))

    def work_symbols(self) -> str:
        """``a × b``: the work per position in symbols; ``0`` without multiplied weights."""
        return " + ".join(" × ".join(symbols) for symbols, _ in self._mac_terms(1)) or "0"

    def work_formula(self, keys: int = 1) -> str:
        """``a × b = 16 × 3 = 48``; ``0`` without multiplied weights."""
        terms = self._mac_terms(keys)
        if not terms:
            return "0"
        numeric = " + ".join(" × ".join(f"{n:,}" for n in shape) for _, shape in terms)
        return f"{self.work_symbols()} = {numeric} = {self.macs(keys):,}"


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
        Tensor(t.name, t.shape, tuple(_size(s, sizes) for s in t.shape), t.trainable, t.multiplied)
        for t in spec.tensors
        if t.when is None or on.get(t.when, True)
    )
    return LayerCount(spec, tensors, dict(sizes))


def _size(symbol: str, sizes: Mapping[str, int]) -> int:
    """A symbol's value: a number is itself, ``3E`` is three times ``E``."""
    digits = len(symbol) - len(symbol.lstrip("0123456789"))
    factor = int(symbol[:digits]) if digits else 1
    return factor if digits == len(symbol) else factor * sizes[symbol[digits:]]
