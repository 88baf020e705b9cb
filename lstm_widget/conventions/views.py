"""What a view may be asked for: the variant of the drawing, and what a highlight may
name for a layer and what fades beside it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from .registry import (
    ROLE_LABELS,
    ROLES,
    Cell,
    Role,
    SettingsError,
    cell_spec,
    gate_letters,
    stable_name,
)
from .specs import CANDIDATE

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
        return cls(cell_spec(cell).key, tuple(r for r in ROLES if r in present))

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
        stable = stable_name(name)
        return stable if stable in self.choices else None

    def rivals(self, name: str) -> frozenset[str]:
        """What fades beside ``name``: the other roles for a role, else the other gates."""
        return frozenset(ROLES if name in ROLES else self.gates)
