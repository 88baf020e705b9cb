"""What every cell schematic draws on, and where schematics are registered.

A cell's drawing is its schematic (gates, nodes and wires, above a bus carrying
hₜ₋₁ and xₜ) over one weight card per gate. :func:`cell_drawing` places the columns
so that neither the schematic nor the cards overlap, hands the schematic a
:class:`Canvas` with those columns and the drawing primitives at the variant's sizes,
and sets the cards under it. The schematics themselves live in
:mod:`lstm_widget.layout.cells`, registered with :func:`register_drawing` under the
key a :class:`~lstm_widget.conventions.CellSpec` names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..conventions import CANDIDATE, CodeTable, cell_spec
from ..counting import Breakdown, Direction, Settings
from .cards import Card
from .items import (
    LINE_HEIGHT,
    Ink,
    Item,
    Label,
    Path,
    Point,
    Rect,
    Sizes,
    node,
    tagged,
    text_width,
    wire,
)


@dataclass(frozen=True)
class Columns:
    """Where a cell drawing's slots stand: each one's centre, and its card's left edge."""

    centres: dict[str, float]
    card_lefts: dict[str, float]
    #: Where the output wires end, left of the output labels.
    end: float


def place_columns(
    left: float, first: float, slots: Sequence[tuple[str, float, float]], end: float, gap: float
) -> Columns:
    """Slots left to right, as close as their drawing and their cards allow.

    ``slots``: (name, the least distance of its drawing from the previous slot's
    centre, its card's width or 0). The drawing (above the inputs' bus) and the cards
    (below it) need room only from their own kind, so the output column's tanh may
    stand above the last gate's card. The first slot's centre is at least ``first``,
    no card starts left of ``left``, and the output wires end at least ``end`` right
    of the last slot's centre.
    """
    centres: dict[str, float] = {}
    card_lefts: dict[str, float] = {}
    previous, card_right = first, left - gap
    for name, distance, card in slots:
        centre = previous + distance if centres else first
        if card:
            centre = max(centre, card_right + gap + card / 2)
            card_lefts[name] = centre - card / 2
            card_right = centre + card / 2
        centres[name] = previous = centre
    return Columns(centres, card_lefts, previous + end)


@dataclass(frozen=True)
class Canvas:
    """What every cell drawing shares: the sizes and where its input labels end.

    ``s`` are the recurrent layer's settings, which some schematics read (an LSTM's
    peepholes, a GRU's reset); None for a family counted apart from them (xLSTM's).
    """

    s: Settings | None
    sz: Sizes
    cols: Columns
    projection: bool

    @property
    def x_in(self) -> float:
        """Where the input wires start, right of the widest input label."""
        return self.sz.margin + in_label_width(self.sz)

    @property
    def x_end(self) -> float:
        """Where the output wires end, left of the output labels."""
        return self.cols.end

    def y(self, full: float) -> float:
        """A vertical distance of the full drawing, scaled to this variant."""
        return full * self.sz.rise

    def wire(
        self,
        key: str,
        points: Sequence[Point],
        ink: Ink = "ink",
        *,
        dashed: bool = False,
        tags: frozenset[str] = frozenset(),
    ) -> list[Item]:
        return wire(key, points, ink, dashed=dashed, tags=tags, head=self.sz.arrow_head)

    def node(
        self,
        key: str,
        x: float,
        y: float,
        op: Literal["×", "+"],
        tags: frozenset[str] = frozenset(),
    ) -> list[Item]:
        return node(key, x, y, op, tags, self.sz.node_radius)

    def gate_box(
        self, key: str, x: float, y: float, text: str, gate: str, fill: Ink = "ink"
    ) -> list[Item]:
        w, h = self.sz.gate_box
        tags = tagged(gate)
        size = self.sz.gate_symbol if text == "σ" else self.sz.text
        return [
            Rect(key, x - w / 2, y - h / 2, w, h, fill, fill=fill, rounded=True, tags=tags),
            Label(f"{key}:text", x, y, text, size, "paper", "center", bold=True, tags=tags),
        ]

    def gate_letter(self, key: str, x: float, y: float, gate: str) -> list[Item]:
        """The gate's output name beside its box, e.g. ``f``; the candidate's card names it."""
        if gate == CANDIDATE:
            return []
        w, h = self.sz.gate_box
        y_letter = y - h / 2 - LINE_HEIGHT * self.sz.text / 2 - 1.5
        return [
            Label(key, x + w / 2 + 4, y_letter, gate, self.sz.text, bold=True, tags=tagged(gate))
        ]

    def in_label(self, key: str, y: float, text: str) -> Label:
        return Label(key, self.sz.margin, y, text, self.sz.text, "ink", bold=True)

    def out_label(self, key: str, y: float, text: str) -> Label:
        return Label(key, self.x_end + 4, y, text, self.sz.text, "ink", bold=True)

    def state_line(
        self,
        key: str,
        y: float,
        labels: tuple[str, str],
        times: tuple[str, float, str],
        plus: float,
    ) -> list[Item]:
        """The state running across the top: in, through a gate's ×, then a +, and out.

        ``key`` prefixes the segments' keys, ``labels`` are the input's key and text,
        ``times`` the × node's key, x and gate; the output is labelled by its state.
        """
        (in_key, text), (times_key, x_times, gate), r = labels, times, self.sz.node_radius
        state = text[0]
        return [
            self.in_label(in_key, y, text),
            *self.wire(f"{key}:0", ((self.x_in, y), (x_times - r, y))),
            *self.node(times_key, x_times, y, "×", tags=tagged(gate)),
            *self.wire(f"{key}:1", ((x_times + r, y), (plus - r, y))),
            *self.node("op:add", plus, y, "+"),
            *self.wire(f"{key}:2", ((plus + r, y), (self.x_end, y))),
            self.out_label(f"out:{state}", y, f"{state}ₜ"),
        ]

    def bus(self, gates: Sequence[str], y_gate: float, y_bus: float) -> tuple[list[Item], float]:
        """h_{t-1} and x_t joining into one wire that feeds every gate from below; x_t
        alone where the cell has no recurrent matrices (minGRU's gates read no h_{t-1}).

        Returns the items and the bottom of the x_t label.
        """
        sz, c = self.sz, self.cols.centres
        half = LINE_HEIGHT * sz.text / 2
        bus = Path("bus", ((self.x_in, y_bus), (c[gates[-1]], y_bus)))
        if self.s is not None and not self.s.spec.recurrent_matrices:
            items: list[Item] = [self.in_label("in:x", y_bus, "xₜ"), bus]
            y_x = y_bus
        else:
            x_join = self.x_in + 10
            y_x = y_bus + max(self.y(22), 2 * half + 1)
            items = [
                self.in_label("in:h", y_bus, "hₜ₋₁"),
                self.in_label("in:x", y_x, "xₜ"),
                bus,
                Path("bus:x", ((self.x_in - 8, y_x), (x_join, y_x), (x_join, y_bus))),
            ]
        for gate in gates:
            x = c[gate]
            items += self.wire(
                f"feed:{gate}", ((x, y_bus), (x, y_gate + sz.gate_box[1] / 2)), tags=tagged(gate)
            )
        return items, y_x + half


def in_label_width(sz: Sizes) -> float:
    return max(text_width(s, sz.text, True) for s in ("cₜ₋₁", "hₜ₋₁", "xₜ")) + 8


def cell_drawing(
    b: Breakdown, layer: int, direction: Direction, top: float, sz: Sizes
) -> tuple[list[Item], float, float]:
    """Schematic plus weight cards of one block; returns items, right edge, bottom."""
    s = b.settings
    spec = cell_spec(s.cell)
    gates = spec.gate_names
    mine = b.block_groups(layer, direction)
    units = spec.count(s.layer_units(layer))
    cards: dict[str, Card] = {}
    for gate in gates:
        rows = tuple(g for g in mine if g.stable_gate == gate and g.role != "projection")
        note = ""
        if s.convention.reset and gate == CANDIDATE:
            note = f"uses r ⊙ ({reset_operand(s)})" if resets_after(s) else "uses U·(r ⊙ h)"
        # The gate's letter stands beside its box above, so the card spends its width
        # on the name.
        title = spec.gate(gate).card_title
        cards[gate] = Card(f"card:{gate or 'cell'}", title, rows, units, tagged(gate), sz, note)
    projection = tuple(g for g in mine if g.role == "projection")
    if projection:
        tags = tagged("projection")
        cards["proj"] = Card("card:proj", "projection", projection, units, tags, sz)
    return draw_cell(s, spec.drawing, gates, cards, top, sz)


def draw_cell(
    s: Settings | None,
    key: str,
    gates: Sequence[str],
    cards: Mapping[str, Card],
    top: float,
    sz: Sizes,
    outputs: Sequence[str] = ("cₜ", "hₜ"),
) -> tuple[list[Item], float, float]:
    """The schematic registered under ``key`` over ``cards``, one under each of its
    ``gates`` (and ``"proj"``, a projection's, after them); returns items, right edge,
    bottom. ``outputs`` are the labels the schematic ends its wires with."""
    drawing = registered_drawing(key)
    projection = "proj" in cards
    bw, r = sz.gate_box[0] / 2, sz.node_radius
    # A wire with its arrow head and a stub of shaft, between two things it joins.
    stub = 2.5 * sz.arrow_head[0]
    letter = text_width("o", sz.text, True)  # the widest gate letter beside a box
    # Between gates: their boxes, the nodes between them (×, 1−) and the wires.
    slots = [(g, 2 * bw + 2 * r + 24 + sz.gap, cards[g].width if g in cards else 0.0)
             for g in gates]  # fmt: skip
    if drawing.out_column:
        # LSTM: tanh(c) and the output gate's ×, clear of the output gate's letter;
        # GRU: the mix of old state and candidate.
        slots.append(("out", max(2 * bw + letter + 8, bw + r + stub), 0.0))
    if projection:
        slots.append(("proj", r + stub + bw, cards["proj"].width))
    last = r if drawing.out_column and not projection else bw
    # The first card may reach under the input labels (they sit above the cards), as
    # long as the first gate leaves room for a wire and its arrow from the labels.
    first = sz.margin + in_label_width(sz) + max(bw, r + stub)
    cols = place_columns(sz.margin, first, slots, last + stub, sz.gap)
    cell = Canvas(s, sz, cols, projection)
    items, card_top = drawing.draw(cell, gates, top)
    bottom = card_top
    right = cols.end + 4 + max(text_width(t, sz.text, True) for t in outputs)
    for name, card in cards.items():
        left = cols.card_lefts[name]
        items += card.items(left, card_top, card.width)
        bottom = max(bottom, card_top + card.height)
        right = max(right, left + card.width)
    return items, right, bottom


def resets_after(s: Settings) -> bool:
    """Whether the GRU's reset gate scales U·h (+ b′) rather than h before U."""
    reset = s.convention.reset
    return reset == "after" or (reset == "option" and s.reset_after)


def reset_operand(s: Settings) -> str:
    """What a reset-after GRU's reset gate multiplies."""
    # Flax's GRU resets after the product too, but keeps no recurrent bias b′.
    return "U·h + b′" if s.bias and s.convention.biases == 2 else "U·h"


def top_row(cell: Canvas, top: float) -> float:
    """The y of the state line across the top, below ``top``."""
    return top + LINE_HEIGHT * cell.sz.text / 2 + 5.4


#: Draws a cell's schematic from the top down: its gates in textbook order and the y of
#: its top; returns the items and the y where its weight cards start.
Draw = Callable[["Canvas", Sequence[str], float], tuple[list[Item], float]]


@dataclass(frozen=True)
class Drawing:
    """A cell schematic and whether it needs a column after the gates (LSTM's tanh(c)
    and output ×, GRU's state mix)."""

    draw: Draw
    out_column: bool


#: Schematics by :attr:`~lstm_widget.conventions.CellSpec.drawing` key.
_DRAWINGS: CodeTable[Drawing] = CodeTable("schematic", "@register_drawing")


def register_drawing(key: str, *, out_column: bool) -> Callable[[Draw], Draw]:
    """Register the decorated schematic for the cells whose spec names ``key``.

    ``out_column`` reserves a column after the gates, for what combines their outputs
    (an LSTM's tanh(c) and output ×, a GRU's state mix). A schematic draws on the
    :class:`Canvas` it is given, from the top down, and returns its items and the y
    where the weight cards start (see :mod:`lstm_widget.layout.cells`).
    """

    def register(draw: Draw) -> Draw:
        _DRAWINGS[key] = Drawing(draw, out_column)
        return draw

    return register


def registered_drawing(key: str) -> Drawing:
    """The schematic registered under ``key``, or a LookupError naming what is missing."""
    return _DRAWINGS.registered(key)
