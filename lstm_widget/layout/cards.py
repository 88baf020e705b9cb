"""A gate's weight card: its weight groups under the schematic, with their subtotal."""

from __future__ import annotations

from dataclasses import dataclass

from ..counting import WeightGroup
from .items import Item, Label, Path, Rect, Sizes, fmt, shape_text, text_width


@dataclass(frozen=True)
class Card:
    """A gate's weight groups: header, one row per group, and the gate's subtotal.

    The subtotal names what it counts, every unit's share of this gate ("10 units:
    120"): a bare "= 120" under a gate reads as a per-unit count, the very mistake
    the seed question makes.
    """

    key: str
    title: str
    rows: tuple[WeightGroup, ...]
    #: Whose share the subtotal counts: ``10 units``, ``16 filters``.
    units: str
    tags: frozenset[str]
    sz: Sizes
    note: str = ""

    def _name(self, g: WeightGroup) -> str:
        # The card's title names the gate; the symbol's subscript would repeat it.
        return f"{g.letter}  {shape_text(g.shape)}"

    @property
    def total(self) -> str:
        return f"{self.units}: {fmt(sum(g.count for g in self.rows))}"

    @property
    def width(self) -> float:
        sz = self.sz
        widest_row = max(
            text_width(self._name(g), sz.text) + sz.gap + text_width(fmt(g.count), sz.text, True)
            for g in self.rows
        )
        return 2 * sz.card_pad + max(
            widest_row,
            text_width(self.title, sz.text, True),
            text_width(self.note, sz.small),
            text_width(self.total, sz.text, True),
        )

    @property
    def height(self) -> float:
        lines = 2 + len(self.rows) + (1 if self.note else 0)
        return 2 * self.sz.card_pad + lines * self.sz.line

    def items(self, x: float, y: float, width: float) -> list[Item]:
        sz = self.sz
        step = sz.line
        left, right = x + sz.card_pad, x + width - sz.card_pad
        row_y = y + sz.card_pad + step / 2
        out: list[Item] = [
            Rect(
                self.key,
                x,
                y,
                width,
                self.height,
                "muted",
                line_width=1.0,
                rounded=True,
                tags=self.tags,
            ),
            Label(
                f"{self.key}:title", left, row_y, self.title, sz.text, bold=True, tags=self.tags
            ),
        ]
        seen: list[str] = []
        for g in self.rows:
            row_y += step
            tags = self.tags | {g.role}
            # A role's first row is keyed by the role; more of it (an xLSTM card's
            # norms) by the role and how many came before.
            key = f"{self.key}:{g.role}" + (str(seen.count(g.role)) if g.role in seen else "")
            seen.append(g.role)
            out.append(Label(key, left, row_y, self._name(g), sz.text, g.role, tags=tags))
            out.append(
                Label(
                    f"{key}:n",
                    right,
                    row_y,
                    fmt(g.count),
                    sz.text,
                    g.role,
                    ha="right",
                    bold=True,
                    tags=tags,
                )
            )
        if self.note:
            row_y += step
            out.append(
                Label(
                    f"{self.key}:note", left, row_y, self.note, sz.small, "muted", tags=self.tags
                )
            )
        row_y += step
        out.append(
            Path(
                f"{self.key}:rule",
                ((left, row_y - step / 2), (right, row_y - step / 2)),
                "muted",
                line_width=0.8,
                tags=self.tags,
            )
        )
        out.append(
            Label(
                f"{self.key}:total",
                right,
                row_y,
                self.total,
                sz.text,
                ha="right",
                bold=True,
                tags=self.tags,
            )
        )
        return out
