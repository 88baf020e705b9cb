"""What one unit owns: the answer to "how many parameters per unit?"."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..conventions import CANDIDATE, Role, cell_spec
from .formula import Piece, kernel_text, merged, plain
from .settings import Settings


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
        return kernel_text(self.kernel)

    @property
    def total(self) -> int:
        return self.per_unit * self.units * self.directions

    def blocks_text(self) -> str:
        """What the per-unit factor counts: ``4 blocks (3 gates + candidate)``.

        The candidate is no gate, and its card says "candidate", so the factor says so
        too; a simple RNN's single block is ``1 block``, a minGRU's ``2 blocks (1 gate +
        candidate)``.
        """
        if self.gates == 1:
            return "1 block"
        gates = self.gates - 1
        return f"{self.gates} blocks ({gates} gate{'s' if gates > 1 else ''} + {CANDIDATE})"

    def _terms(self, named: bool) -> list[Piece]:
        """One unit's inputs, fed-back state and biases as pieces, with their names
        (``1 input``) or as bare numbers, each bias vector its own ``1``; a ConvLSTM's
        kernel factor (``"3·3 × "``) leads the input and the recurrent count."""

        def term(count: int, name: str, role: Role, factor: str = "") -> Piece:
            return (f"{factor}{count:,} {name}" if named else f"{factor}{count:,}", role)

        k = self.kernel_text
        terms = [term(self.inputs, "input", "input", k)]
        if self.recurrent:  # none where the gates read xₜ alone
            terms.append(term(self.recurrent, "recurrent", "recurrent", k))
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
        return tuple(merged([lead, *self._terms(named=True), (tail, None)]))

    def text(self) -> str:
        return plain(self.pieces())


def per_unit_of(s: Settings, layer: int) -> PerUnit:
    return PerUnit(
        layer=layer,
        gates=s.gates,
        inputs=s.layer_input(layer),
        recurrent=s.state_width(layer) if s.spec.recurrent_matrices else 0,
        biases=s.bias_vectors,
        peepholes=s.peephole_count,
        projection=s.proj_size,
        units=s.layer_units(layer),
        directions=s.directions,
        kernel=s.kernel,
        unit=cell_spec(s.cell).unit,
    )
