"""Where every box, line and label of the diagram goes: pure geometry, no matplotlib.

:func:`layout` turns a :class:`~lstm_widget.counting.Breakdown` into a :class:`Layout`:
a canvas size and a flat tuple of value objects (:class:`Label`, :class:`Rect`,
:class:`Circle`, :class:`Path`, :class:`Polygon`) in **points** (1/72 inch), with y
growing downwards. Sizing the canvas in points makes a font size and a distance the
same unit, so the layout can reserve exactly the room a label needs: text widths come
from the DejaVu Sans advance widths below (the font ships with matplotlib and the
painter always asks for it), so a 12-digit count widens its column instead of
overlapping its neighbour. Painting (``diagram.py``) is a thin step over this.

Every item has a stable ``key``: two layouts with the same keys in the same order
differ only in numbers and positions, which lets the painter update its artists in
place instead of rebuilding them. ``tags`` name the roles and gates an item belongs to,
so a highlight can emphasise them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from .conventions import CANDIDATE, ROLE_LABELS, Highlights, applies, cell_spec
from .counting import (
    Breakdown,
    Direction,
    FormulaLine,
    PerUnit,
    Piece,
    Role,
    Settings,
    SettingsError,
    WeightGroup,
)

#: A colour named by meaning, a weight group's role or the page's own; the theme turns
#: it into a hex value.
Ink = Literal["ink", "muted", "paper"] | Role
HAlign = Literal["left", "center", "right"]
#: ``full``: everything, for a page. ``lecture``: the headline, the selected cell with
#: its cards and the per-unit reading, large enough for the back row of a room.
Variant = Literal["full", "lecture"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)
#: What a diagram lights up: one role or gate, several (a comparison marks every role
#: whose weights differ), or nothing.
Highlight = str | tuple[str, ...] | None
Point = tuple[float, float]

FONT_FAMILY = "DejaVu Sans"
#: Font sizes in points. Nothing is smaller than 9 pt, so a projector stays legible.
TITLE_SIZE = 15.0
HEADING_SIZE = 12.0
TEXT_SIZE = 11.0
SMALL_SIZE = 10.0
OPERATOR_SIZE = 9.5
#: Line height as a multiple of the font size; the painter centres text on ``y``.
LINE_HEIGHT = 1.2

MARGIN = 16.0
GAP = 10.0
SECTION_GAP = 22.0
GATE_BOX = (48.0, 28.0)
NODE_RADIUS = 9.0
ARROW_HEAD = (7.0, 4.0)  # length, half width
CARD_PAD = 7.0
ROW_GAP = 3.0
STRIP_BOX_HEIGHT = 40.0
STRIP_ARROW = 46.0
#: Stacks deeper than this show layers 1, 2, a collapsed middle and the last layer,
#: in the strip and in the tables (see shown_layers).
STRIP_MAX_LAYERS = 4

# DejaVu Sans advance widths in thousandths of an em, grouped by width. Unknown
# characters count as a full em, which errs on the side of space.
_REGULAR_WIDTHS = {
    227: "′", 275: "'", 278: "ijl", 295: "IJₜ", 318: " ,.·", 337: "/:;\\|", 352: "f",
    361: "-", 390: "()[]", 392: "t", 401: "!₁", 411: "r", 460: '"', 500: "*_`–", 521: "s",
    525: "z", 528: "₋", 531: "?", 550: "c", 557: "L", 575: "F", 579: "k", 592: "vxy",
    603: "P", 611: "TY", 612: "o", 613: "a", 615: "e", 632: "E", 634: "hnuσ",
    635: "Sbdgpq", 636: "$0123456789{}", 656: "K", 684: "AV", 685: "XZ", 686: "B",
    695: "R", 698: "C", 732: "U", 748: "N", 752: "H", 770: "D", 775: "G", 780: "&",
    787: "OQ", 818: "w", 838: "#+<=>^~×−⊙→", 863: "M", 950: "%", 974: "m", 989: "W",
    1000: "@…",
}  # fmt: skip
_BOLD_WIDTHS = {
    264: "′", 306: "'", 343: "ijl", 348: " ", 365: "/\\|", 372: "IJ", 380: ",.·", 388: "ₜ",
    400: ":;", 415: "-", 435: "f", 438: "₁", 456: "!", 457: "()[]", 478: "t", 493: "r",
    500: "_`–", 521: '"', 523: "*", 528: "₋", 580: "?", 582: "z", 593: "c", 595: "s",
    637: "L", 645: "x", 652: "vy", 665: "k", 675: "a", 678: "e", 682: "T", 683: "EF",
    687: "o", 696: "$0123456789", 712: "hnu{}", 716: "bdgpq", 720: "S", 724: "Y",
    725: "Z", 733: "P", 734: "C", 762: "B", 770: "R", 771: "X", 774: "AV", 775: "K",
    779: "σ", 812: "U", 821: "G", 830: "D", 837: "HN", 838: "#+<=>^~×−⊙→", 850: "OQ",
    872: "&", 924: "w", 995: "M", 1000: "@…", 1002: "%", 1042: "m", 1103: "W",
}  # fmt: skip


def _per_char(groups: Mapping[int, str]) -> dict[str, float]:
    return {char: width / 1000 for width, chars in groups.items() for char in chars}


_ADVANCE = {False: _per_char(_REGULAR_WIDTHS), True: _per_char(_BOLD_WIDTHS)}


#: Rendered text runs up to ~3 % wider than the font's advances, because hinting at
#: screen resolutions rounds glyph advances, and its extent to whole pixels (up to a
#: pixel at 72 dpi, 1 pt); reserve that much more.
WIDTH_SLACK = (1.03, 1.0)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points that ``text`` set in DejaVu Sans at ``size`` points may take."""
    advance = _ADVANCE[bold]
    scale, pad = WIDTH_SLACK
    return scale * size * sum(advance.get(char, 1.0) for char in text) + pad


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class Label:
    """Text centred vertically on ``y``; ``x`` is its left, centre or right edge."""

    key: str
    x: float
    y: float
    text: str
    size: float = TEXT_SIZE
    ink: Ink = "ink"
    ha: HAlign = "left"
    bold: bool = False
    tags: frozenset[str] = frozenset()

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, self.bold)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) the text is expected to cover."""
        left = self.x - {"left": 0.0, "center": 0.5, "right": 1.0}[self.ha] * self.width
        half = LINE_HEIGHT * self.size / 2
        return (left, self.y - half, left + self.width, self.y + half)


@dataclass(frozen=True)
class Rect:
    """A box: gate, card or strip block. ``fill`` None leaves it transparent."""

    key: str
    x: float
    y: float
    width: float
    height: float
    ink: Ink = "ink"
    fill: Ink | None = None
    line_width: float = 1.4
    rounded: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Circle:
    """A pointwise operation node (×, +, 1−)."""

    key: str
    x: float
    y: float
    radius: float = NODE_RADIUS
    ink: Ink = "ink"
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Path:
    """A polyline, e.g. a wire between nodes."""

    key: str
    points: tuple[Point, ...]
    ink: Ink = "ink"
    line_width: float = 1.4
    dashed: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Polygon:
    """A filled polygon: arrow heads."""

    key: str
    points: tuple[Point, ...]
    ink: Ink = "ink"
    tags: frozenset[str] = frozenset()


Item = Label | Rect | Circle | Path | Polygon


@dataclass(frozen=True)
class Layout:
    """A whole diagram: canvas size in points and its items, painted in order."""

    width: float
    height: float
    items: tuple[Item, ...]
    signature: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        sig = tuple((type(item).__name__, item.key) for item in self.items)
        object.__setattr__(self, "signature", sig)
        # Labels are single lines: their extents assume it, and so does the painter,
        # which places SVG text by its anchor and measures only its height.
        if any("\n" in label.text for label in self.labels):
            raise ValueError("a layout label must be a single line of text.")
        # A key names its item's artist and its SVG id, whatever the item's kind.
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            twice = sorted({key for key in keys if keys.count(key) > 1})
            raise ValueError(f"layout item keys must be unique; repeated: {', '.join(twice)}.")

    @property
    def labels(self) -> tuple[Label, ...]:
        return tuple(item for item in self.items if isinstance(item, Label))

    def text_changes(self, other: Layout) -> dict[int, str] | None:
        """New label texts by item index, if ``other`` differs from this only in those.

        Digits share one width, so a count that keeps its number of digits leaves
        every position unchanged: a live view can then swap texts instead of rendering again.
        Returns None when anything else (a position, a size, an item) differs.
        """
        if (self.width, self.height, self.signature) != (
            other.width,
            other.height,
            other.signature,
        ):
            return None
        changes: dict[int, str] = {}
        for index, (mine, theirs) in enumerate(zip(self.items, other.items, strict=True)):
            if mine == theirs:
                continue
            if not (isinstance(mine, Label) and isinstance(theirs, Label)):
                return None
            if replace(mine, text=theirs.text) != theirs:
                return None
            changes[index] = theirs.text
        return changes


# ----------------------------------------------------------------------- primitives


def _tags(*names: str) -> frozenset[str]:
    return frozenset(name for name in names if name)


def _wire(
    key: str,
    points: Sequence[Point],
    ink: Ink = "ink",
    *,
    dashed: bool = False,
    tags: frozenset[str] = frozenset(),
    head: tuple[float, float] = ARROW_HEAD,
) -> list[Item]:
    """A polyline whose last segment ends in an arrow ``head`` (length, half width)."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = max(abs(x1 - x0), abs(y1 - y0))
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head_length, half = head
    base = (x1 - ux * head_length, y1 - uy * head_length)
    shaft = (*points[:-1], base)
    tip = (
        (x1, y1),
        (base[0] - uy * half, base[1] + ux * half),
        (base[0] + uy * half, base[1] - ux * half),
    )
    return [
        Path(key, tuple(shaft), ink, dashed=dashed, tags=tags),
        Polygon(f"{key}:head", tip, ink, tags=tags),
    ]


def _node(
    key: str,
    x: float,
    y: float,
    op: Literal["×", "+"],
    tags: frozenset[str] = frozenset(),
    radius: float = NODE_RADIUS,
) -> list[Item]:
    """A circle with its operator drawn as two strokes (crisper than a glyph)."""
    a = radius * (0.45 if op == "×" else 0.6)
    strokes = (
        (((x - a, y - a), (x + a, y + a)), ((x - a, y + a), (x + a, y - a)))
        if op == "×"
        else (((x - a, y), (x + a, y)), ((x, y - a), (x, y + a)))
    )
    return [
        Circle(key, x, y, radius, tags=tags),
        *(Path(f"{key}:{k}", s, line_width=1.6, tags=tags) for k, s in enumerate(strokes)),
    ]


def _fmt(n: int) -> str:
    return f"{n:,}"


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(_fmt(n) for n in shape)


# ---------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    """Font sizes and spacing of one variant of the drawing, in points.

    The cell drawing, its cards, the headline and the per-unit reading are drawn from
    these, so one geometry serves a page (``full``) and a projector (``lecture``).
    """

    title: float
    heading: float
    text: float
    small: float
    #: σ inside a gate box, and the operator inside a node (GRU's 1−).
    gate_symbol: float
    operator: float
    gate_box: tuple[float, float]
    node_radius: float
    arrow_head: tuple[float, float]
    card_pad: float
    row_gap: float
    gap: float
    margin: float
    section_gap: float
    #: The cell drawing's vertical distances, as a multiple of the full drawing's.
    rise: float

    @property
    def line(self) -> float:
        """One line of body text, with its gap: a card row, a per-unit row."""
        return LINE_HEIGHT * self.text + self.row_gap


FULL = Sizes(
    title=TITLE_SIZE, heading=HEADING_SIZE, text=TEXT_SIZE, small=SMALL_SIZE,
    gate_symbol=13.0, operator=OPERATOR_SIZE, gate_box=GATE_BOX, node_radius=NODE_RADIUS,
    arrow_head=ARROW_HEAD, card_pad=CARD_PAD, row_gap=ROW_GAP, gap=GAP, margin=MARGIN,
    section_gap=SECTION_GAP, rise=1.0,
)  # fmt: skip
#: For a 1280×720 projector: no text under 13.5 pt (18 CSS px at the natural size),
#: and the seed's whole drawing within 600 × 400 pt beside a column of controls.
LECTURE = Sizes(
    title=19.0, heading=14.0, text=13.5, small=13.5, gate_symbol=18.0, operator=13.5,
    gate_box=(46.0, 30.0), node_radius=11.5, arrow_head=(8.0, 4.5), card_pad=4.5,
    row_gap=0.5, gap=6.0, margin=9.0, section_gap=9.0, rise=0.72,
)  # fmt: skip
SIZES: Mapping[Variant, Sizes] = {"full": FULL, "lecture": LECTURE}


# ---------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class _Card:
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
        return f"{g.letter}  {_shape(g.shape)}"

    @property
    def total(self) -> str:
        return f"{self.units}: {_fmt(sum(g.count for g in self.rows))}"

    @property
    def width(self) -> float:
        sz = self.sz
        widest_row = max(
            text_width(self._name(g), sz.text) + sz.gap + text_width(_fmt(g.count), sz.text, True)
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
        for g in self.rows:
            row_y += step
            tags = self.tags | {g.role}
            key = f"{self.key}:{g.role}"
            out.append(Label(key, left, row_y, self._name(g), sz.text, g.role, tags=tags))
            out.append(
                Label(
                    f"{key}:n",
                    right,
                    row_y,
                    _fmt(g.count),
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


# --------------------------------------------------------------------- cell drawings


@dataclass(frozen=True)
class _Columns:
    """Where a cell drawing's slots stand: each one's centre, and its card's left edge."""

    centres: dict[str, float]
    card_lefts: dict[str, float]
    #: Where the output wires end, left of the output labels.
    end: float


def _columns(
    left: float, first: float, slots: Sequence[tuple[str, float, float]], end: float, gap: float
) -> _Columns:
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
    return _Columns(centres, card_lefts, previous + end)


@dataclass(frozen=True)
class _Cell:
    """What every cell drawing shares: the sizes and where its input labels end."""

    s: Settings
    sz: Sizes
    cols: _Columns
    projection: bool

    @property
    def x_in(self) -> float:
        """Where the input wires start, right of the widest input label."""
        return self.sz.margin + _in_label_width(self.sz)

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
        return _wire(key, points, ink, dashed=dashed, tags=tags, head=self.sz.arrow_head)

    def node(
        self,
        key: str,
        x: float,
        y: float,
        op: Literal["×", "+"],
        tags: frozenset[str] = frozenset(),
    ) -> list[Item]:
        return _node(key, x, y, op, tags, self.sz.node_radius)

    def gate_box(
        self, key: str, x: float, y: float, text: str, gate: str, fill: Ink = "ink"
    ) -> list[Item]:
        w, h = self.sz.gate_box
        tags = _tags(gate)
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
            Label(key, x + w / 2 + 4, y_letter, gate, self.sz.text, bold=True, tags=_tags(gate))
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
            *self.node(times_key, x_times, y, "×", tags=_tags(gate)),
            *self.wire(f"{key}:1", ((x_times + r, y), (plus - r, y))),
            *self.node("op:add", plus, y, "+"),
            *self.wire(f"{key}:2", ((plus + r, y), (self.x_end, y))),
            self.out_label(f"out:{state}", y, f"{state}ₜ"),
        ]

    def bus(self, gates: Sequence[str], y_gate: float, y_bus: float) -> tuple[list[Item], float]:
        """h_{t-1} and x_t joining into one wire that feeds every gate from below.

        Returns the items and the bottom of the x_t label.
        """
        sz, c = self.sz, self.cols.centres
        x_join = self.x_in + 10
        half = LINE_HEIGHT * sz.text / 2
        y_x = y_bus + max(self.y(22), 2 * half + 1)
        items: list[Item] = [
            self.in_label("in:h", y_bus, "hₜ₋₁"),
            self.in_label("in:x", y_x, "xₜ"),
            Path("bus", ((self.x_in, y_bus), (c[gates[-1]], y_bus))),
            Path("bus:x", ((self.x_in - 8, y_x), (x_join, y_x), (x_join, y_bus))),
        ]
        for gate in gates:
            x = c[gate]
            items += self.wire(
                f"feed:{gate}", ((x, y_bus), (x, y_gate + sz.gate_box[1] / 2)), tags=_tags(gate)
            )
        return items, y_x + half


def _in_label_width(sz: Sizes) -> float:
    return max(text_width(s, sz.text, True) for s in ("cₜ₋₁", "hₜ₋₁", "xₜ")) + 8


def _cell_drawing(
    b: Breakdown, layer: int, direction: Direction, top: float, sz: Sizes
) -> tuple[list[Item], float, float]:
    """Schematic plus weight cards of one block; returns items, right edge, bottom."""
    s = b.settings
    spec = cell_spec(s.cell)
    drawing = _DRAWINGS[spec.drawing]
    gates = spec.gate_names
    mine = b.block_groups(layer, direction)
    units = spec.count(s.layer_units(layer))
    cards: dict[str, _Card] = {}
    for gate in gates:
        rows = tuple(g for g in mine if g.stable_gate == gate and g.role != "projection")
        note = ""
        if s.convention.reset and gate == CANDIDATE:
            note = f"uses r ⊙ ({_reset_operand(s)})" if _resets_after(s) else "uses U·(r ⊙ h)"
        # The gate's letter stands beside its box above, so the card spends its width
        # on the name.
        title = spec.gate(gate).card_title
        cards[gate] = _Card(f"card:{gate or 'cell'}", title, rows, units, _tags(gate), sz, note)
    projection = tuple(g for g in mine if g.role == "projection")
    if projection:
        tags = _tags("projection")
        cards["proj"] = _Card("card:proj", "projection", projection, units, tags, sz)

    bw, r = sz.gate_box[0] / 2, sz.node_radius
    # A wire with its arrow head and a stub of shaft, between two things it joins.
    wire = 2.5 * sz.arrow_head[0]
    letter = text_width("o", sz.text, True)  # the widest gate letter beside a box
    # Between gates: their boxes, the nodes between them (×, 1−) and the wires.
    slots = [(g, 2 * bw + 2 * r + 24 + sz.gap, cards[g].width) for g in gates]
    if drawing.out_column:
        # LSTM: tanh(c) and the output gate's ×, clear of the output gate's letter;
        # GRU: the mix of old state and candidate.
        slots.append(("out", max(2 * bw + letter + 8, bw + r + wire), 0.0))
    if projection:
        slots.append(("proj", r + wire + bw, cards["proj"].width))
    last = r if drawing.out_column and not projection else bw
    # The first card may reach under the input labels (they sit above the cards), as
    # long as the first gate leaves room for a wire and its arrow from the labels.
    first = sz.margin + _in_label_width(sz) + max(bw, r + wire)
    cols = _columns(sz.margin, first, slots, last + wire, sz.gap)
    cell = _Cell(s, sz, cols, bool(projection))
    items, card_top = drawing.draw(cell, gates, top)
    bottom, right = (
        card_top,
        cols.end + 4 + max(text_width(t, sz.text, True) for t in ("cₜ", "hₜ")),
    )
    for name, card in cards.items():
        left = cols.card_lefts[name]
        items += card.items(left, card_top, card.width)
        bottom = max(bottom, card_top + card.height)
        right = max(right, left + card.width)
    return items, right, bottom


def _resets_after(s: Settings) -> bool:
    """Whether the GRU's reset gate scales U·h (+ b′) rather than h before U."""
    reset = s.convention.reset
    return reset == "after" or (reset == "option" and s.reset_after)


def _reset_operand(s: Settings) -> str:
    """What a reset-after GRU's reset gate multiplies."""
    # Flax's GRU resets after the product too, but keeps no recurrent bias b′.
    return "U·h + b′" if s.bias and s.convention.biases == 2 else "U·h"


def _top_row(cell: _Cell, top: float) -> float:
    """The y of the state line across the top, below ``top``."""
    return top + LINE_HEIGHT * cell.sz.text / 2 + 5.4


#: Draws a cell's schematic from the top down: its gates in textbook order and the y of
#: its top; returns the items and the y where its weight cards start.
Draw = Callable[["_Cell", Sequence[str], float], tuple[list[Item], float]]


@dataclass(frozen=True)
class _Drawing:
    """A cell schematic and whether it needs a column after the gates (LSTM's tanh(c)
    and output ×, GRU's state mix)."""

    draw: Draw
    out_column: bool


#: Schematics by :attr:`~lstm_widget.conventions.CellSpec.drawing` key.
_DRAWINGS: dict[str, _Drawing] = {}


def _register_drawing(key: str, *, out_column: bool) -> Callable[[Draw], Draw]:
    """Register the decorated schematic for the cells whose spec names ``key``."""

    def register(draw: Draw) -> Draw:
        _DRAWINGS[key] = _Drawing(draw, out_column)
        return draw

    return register


def _lstm_gate_row(cell: _Cell, top: float) -> float:
    """The y of an LSTM's gate boxes: two steps below its cell state."""
    return _top_row(cell, top) + cell.y(104)


def _lstm_bus_row(cell: _Cell, top: float) -> float:
    """The y of the bus feeding an LSTM's gates from below."""
    return _lstm_gate_row(cell, top) + cell.y(46)


@_register_drawing("lstm", out_column=True)
def _lstm(cell: _Cell, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    f, i, g, o = gates
    sz, c = cell.sz, cell.cols.centres
    r, bw, bh = sz.node_radius, sz.gate_box[0] / 2, sz.gate_box[1] / 2
    y_c = _top_row(cell, top)
    y_op = y_c + cell.y(52)
    y_g = _lstm_gate_row(cell, top)
    y_bus = _lstm_bus_row(cell, top)
    x_mul = (c[i] + c[g]) / 2
    x_out = c["out"]
    x_end = cell.x_end
    wire, node = cell.wire, cell.node
    # The cell state runs across the top: forget ×, then + the new candidate share.
    items = cell.state_line("c", y_c, ("in:c", "cₜ₋₁"), ("op:forget", c[f], f), x_mul)
    items += wire(f"gate:{f}:out", ((c[f], y_g - bh), (c[f], y_c + r)), tags=_tags(f))
    items += wire(
        f"gate:{i}:out", ((c[i], y_g - bh), (c[i], y_op), (x_mul - r, y_op)), tags=_tags(i)
    )
    items += wire(
        f"gate:{g}:out", ((c[g], y_g - bh), (c[g], y_op), (x_mul + r, y_op)), tags=_tags(g)
    )
    items += node("op:write", x_mul, y_op, "×")
    items += wire("write:up", ((x_mul, y_op - r), (x_mul, y_c + r)))
    # Output: tanh of the new cell state, gated by o.
    items += wire("c:tanh", ((x_out, y_c), (x_out, y_op - bh)))
    items += cell.gate_box("box:tanh_c", x_out, y_op, "tanh", "")
    items += wire("tanh:down", ((x_out, y_op + bh), (x_out, y_g - r)))
    items += wire(f"gate:{o}:out", ((c[o] + bw, y_g), (x_out - r, y_g)), tags=_tags(o))
    items += node("op:output", x_out, y_g, "×", tags=_tags(o))
    if cell.projection:
        x_proj = c["proj"]
        items += wire("h:proj", ((x_out + r, y_g), (x_proj - bw, y_g)))
        items += cell.gate_box("box:proj", x_proj, y_g, "W_hr", "projection", "projection")
        items += wire("h:out", ((x_proj + bw, y_g), (x_end, y_g)))
    else:
        items += wire("h:out", ((x_out + r, y_g), (x_end, y_g)))
    items.append(cell.out_label("out:h", y_g, "hₜ"))
    for gate, text in ((f, "σ"), (i, "σ"), (g, "tanh"), (o, "σ")):
        items += cell.gate_box(f"box:{gate}", c[gate], y_g, text, gate)
        items += cell.gate_letter(f"letter:{gate}", c[gate], y_g, gate)
    if cell.s.peepholes:
        for gate in (f, i, o):
            x = c[gate] - bw + 8
            tags = _tags(gate, "peephole")
            items += wire(
                f"peep:{gate}", ((x, y_c), (x, y_g - bh)), "peephole", dashed=True, tags=tags
            )
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


@_register_drawing("convlstm", out_column=True)
def _conv_lstm(cell: _Cell, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """The LSTM cell, its gates fed by convolutions: ∗ beside each feed wire, where the
    LSTM's matrix products W·x + U·h become W ∗ x + U ∗ h."""
    items, bottom = _lstm(cell, gates, top)
    sz, c = cell.sz, cell.cols.centres
    y_gate = _lstm_gate_row(cell, top) + sz.gate_box[1] / 2
    y_bus = _lstm_bus_row(cell, top)
    for gate in gates:
        x = c[gate] + sz.arrow_head[1] + 2
        items.append(
            Label(
                f"conv:{gate}", x, (y_gate + y_bus) / 2, "∗", sz.text, "ink", bold=True,
                tags=_tags(gate),
            )
        )  # fmt: skip
    return items, bottom


@_register_drawing("gru", out_column=True)
def _gru(cell: _Cell, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    r_gate, z, h = gates
    sz, c = cell.sz, cell.cols.centres
    r, bw, bh = sz.node_radius, sz.gate_box[0] / 2, sz.gate_box[1] / 2
    y_h = _top_row(cell, top)
    y_mix = y_h + cell.y(46)
    y_reset = y_mix + cell.y(30)
    # The reset gate's wire runs above the gate letters.
    y_g = y_reset + max(cell.y(40), bh + LINE_HEIGHT * sz.text + 4)
    y_bus = y_g + cell.y(46)
    x_mix = c["out"]
    x_one = (c[z] + c[h]) / 2
    x_rx = c[h] - bw - 2 * r - 4
    wire, node = cell.wire, cell.node
    # The old state runs across the top: keep z ⊙ h, add (1 − z) ⊙ candidate.
    items = cell.state_line("h", y_h, ("in:h0", "hₜ₋₁"), ("op:keep", c[z], z), x_mix)
    items += wire(f"gate:{z}:out", ((c[z], y_g - bh), (c[z], y_h + r)), tags=_tags(z))
    items += wire(f"gate:{z}:mix", ((c[z], y_mix), (x_one - r, y_mix)), tags=_tags(z))
    items.append(Circle("op:one_minus", x_one, y_mix, r, tags=_tags(z)))
    items.append(
        Label(
            "op:one_minus:text",
            x_one,
            y_mix,
            "1−",
            sz.operator,
            "ink",
            "center",
            bold=True,
            tags=_tags(z),
        )
    )
    items += wire("one_minus:out", ((x_one + r, y_mix), (x_mix - r, y_mix)), tags=_tags(z))
    items += node("op:mix", x_mix, y_mix, "×")
    items += wire(
        f"gate:{h}:out", ((c[h] + bw, y_g), (x_mix, y_g), (x_mix, y_mix + r)), tags=_tags(h)
    )
    items += wire("mix:up", ((x_mix, y_mix - r), (x_mix, y_h + r)))
    # The reset gate scales the old state's contribution to the candidate.
    items += wire(
        f"gate:{r_gate}:out",
        ((c[r_gate], y_g - bh), (c[r_gate], y_reset), (x_rx, y_reset), (x_rx, y_g - r)),
        tags=_tags(r_gate),
    )
    items += node("op:reset", x_rx, y_g, "×", tags=_tags(r_gate))
    items += wire("reset:out", ((x_rx + r, y_g), (c[h] - bw, y_g)), tags=_tags(r_gate))
    items += wire("reset:in", ((x_rx, y_bus), (x_rx, y_g + r)))
    if _resets_after(cell.s):
        # Here the reset gate scales the candidate's U·h (+ b′), not h before U.
        y_operand = (y_g + r + y_bus) / 2
        operand = _reset_operand(cell.s)
        items.append(
            Label(
                "reset:operand", x_rx - 4, y_operand, operand, sz.small, "muted", "right",
                tags=_tags(h),
            )
        )  # fmt: skip
    for gate, text in ((r_gate, "σ"), (z, "σ"), (h, "tanh")):
        items += cell.gate_box(f"box:{gate}", c[gate], y_g, text, gate)
        items += cell.gate_letter(f"letter:{gate}", c[gate], y_g, gate)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


@_register_drawing("rnn", out_column=False)
def _rnn(cell: _Cell, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    (block,) = gates
    x = cell.cols.centres[block]
    bh = cell.sz.gate_box[1] / 2
    y_h = _top_row(cell, top)
    y_g = y_h + cell.y(56)
    y_bus = y_g + cell.y(46)
    items: list[Item] = []
    items += cell.wire("h:out", ((x, y_g - bh), (x, y_h), (cell.x_end, y_h)))
    items.append(cell.out_label("out:h", y_h, "hₜ"))
    items += cell.gate_box("box:cell", x, y_g, "tanh", block)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


# ------------------------------------------------------------------- text sections


def _runs(
    key: str,
    x: float,
    y: float,
    pieces: Iterable[tuple[str, Ink, frozenset[str]]],
    size: float = TEXT_SIZE,
    bold: bool = False,
) -> tuple[list[Item], float]:
    """Consecutive coloured pieces on one line; returns the items and the right edge."""
    items: list[Item] = []
    for k, (text, ink, tags) in enumerate(pieces):
        if text:
            items.append(Label(f"{key}:{k}", x, y, text, size, ink, bold=bold, tags=tags))
            x += text_width(text, size, bold)
    return items, x


def _inked(pieces: Iterable[Piece]) -> list[tuple[str, Ink, frozenset[str]]]:
    """Counting's pieces as coloured runs: a role's piece in its colour, tagged with the
    role so a highlight finds it; the arithmetic between in ink."""
    return [
        (text, role, frozenset({role})) if role else (text, "ink", frozenset())
        for text, role in pieces
    ]


def _formula_pieces(line: FormulaLine) -> list[tuple[str, Ink, frozenset[str]]]:
    """The numeric side of a formula line, each term in its role's colour."""
    return [*_inked(line.pieces("numeric")), (f" = {_fmt(line.value)}", "ink", frozenset())]


def _per_unit_pieces(p: PerUnit) -> list[tuple[str, Ink, frozenset[str]]]:
    """``4 × (1 + 10 + 1) = 48``: one unit's weights, each term in its role's colour."""
    return [*_inked(p.share_pieces()), (f" = {_fmt(p.per_unit)}", "ink", frozenset())]


def _per_unit_rows(p: PerUnit, layers: int) -> list[tuple[str, str]]:
    """(label, value) rows: one unit's share, then the whole layer it multiplies into."""
    whole = p.units_text + (" × 2 directions" if p.directions > 1 else "")
    factors = f"{_fmt(p.units)}" + (" × 2" if p.directions > 1 else "")
    one = f"one {p.unit}:" if layers == 1 else f"one {p.unit} of layer {p.layer + 1}:"
    return [
        (one, ""),
        (f"{whole}:", f"{factors} × {_fmt(p.per_unit)} = {_fmt(p.total)}"),
    ]


def _legend(b: Breakdown, y: float) -> tuple[list[Item], float]:
    """A swatch and total per role present: the colour key for everything below."""
    items: list[Item] = []
    x = MARGIN
    swatch = 11.0
    for role, total in b.role_totals().items():
        tags = frozenset({role})
        items.append(
            Rect(
                f"legend:{role}",
                x,
                y - swatch / 2,
                swatch,
                swatch,
                role,
                fill=role,
                line_width=0.0,
                tags=tags,
            )
        )
        text = f"{ROLE_LABELS[role]} {_fmt(total)}"
        items.append(
            Label(f"legend:{role}:text", x + swatch + 5, y, text, TEXT_SIZE, role, tags=tags)
        )
        x += swatch + 5 + text_width(text, TEXT_SIZE) + 2 * GAP
    return items, x - 2 * GAP


def _settings_line(b: Breakdown) -> str:
    s = b.settings
    spec = cell_spec(s.cell)
    parts = [f"{spec.inputs} {_fmt(s.input_size)}", f"{spec.units} {s.units_text()}"]
    if s.kernel:
        parts.append(f"kernel {_shape(s.kernel)}")
    if s.layers > 1:
        parts.append(f"layers {s.layers}")
    if s.bidirectional:
        parts.append("bidirectional")
    if not s.bias:
        parts.append("no bias")
    if s.proj_size:
        parts.append(f"proj_size {_fmt(s.proj_size)}")
    if applies("reset_after", s.framework, s.cell):
        parts.append(f"reset_after {s.reset_after}")
    if s.peepholes:
        parts.append("peepholes")
    if s.dense:
        parts.append(f"dense {_fmt(s.dense)}")
    return " · ".join(parts)


# ---------------------------------------------------------------------- model strip


def shown_layers(s: Settings) -> list[tuple[str, int, int]]:
    """(label, first layer, last layer) per strip column and per table part.

    Deep stacks collapse the middle: layers 1, 2 and the last are shown, and so is the
    first layer of each run of identical layers (:meth:`~Settings.runs`); the layers
    between them repeat the shown layer just before, and collapse into one column.
    """
    layers = s.layers
    if layers <= STRIP_MAX_LAYERS:
        return [(f"layer {k + 1}", k, k) for k in range(layers)]
    shown = {0, 1, layers - 1} | {first for first, _ in s.runs()}
    columns: list[tuple[str, int, int]] = []
    for layer in range(layers):
        # A collapsed column starts after a shown layer and ends before the next.
        if layer in shown or columns[-1][1] in shown:
            columns.append((f"layer {layer + 1}", layer, layer))
        else:
            first = columns[-1][1]
            columns[-1] = (f"layers {first + 1}–{layer + 1}", first, layer)
    return columns


def _strip(
    b: Breakdown, selected: tuple[int, Direction], y: float
) -> tuple[list[Item], float, float]:
    """x → one column per layer (fwd/bwd stacked) → dense head → y, each with its count."""
    s = b.settings
    counts = {(blk.layer, blk.direction): blk.count for blk in b.blocks}
    directions: tuple[Direction, ...] = (
        ("forward", "backward") if s.bidirectional else ("forward",)
    )
    rows = len(directions)
    height = rows * STRIP_BOX_HEIGHT + (rows - 1) * 6
    mid = y + height / 2
    items: list[Item] = [Label("strip:x", MARGIN, mid, "x", TEXT_SIZE, "ink", bold=True)]
    x = MARGIN + text_width("x", TEXT_SIZE, True) + 4

    def arrow(key: str, x0: float, width: int) -> float:
        text = _fmt(width)
        length = max(STRIP_ARROW, text_width(text, SMALL_SIZE) + 16)
        items.extend(_wire(key, ((x0, mid), (x0 + length, mid))))
        items.append(
            Label(f"{key}:w", x0 + length / 2, mid - 10, text, SMALL_SIZE, "muted", "center")
        )
        return x0 + length

    name = s.convention.class_name  # the strip's boxes name the layer class alone
    for k, (label, first, last) in enumerate(shown_layers(s)):
        x = arrow(f"strip:in{k}", x, s.layer_input(first))
        repeat = last - first + 1
        texts = []
        for d in directions:
            title = f"{name} {label.removeprefix('layer ').removeprefix('layers ')}"
            if s.bidirectional:
                title += " fwd" if d == "forward" else " bwd"
            count = _fmt(counts[(first, d)]) + (" each" if repeat > 1 else "")
            texts.append((title, count))
        box_w = 2 * CARD_PAD + max(
            max(text_width(t, SMALL_SIZE), text_width(n, TEXT_SIZE, True)) for t, n in texts
        )
        for (title, count), d, row in zip(texts, directions, range(rows), strict=True):
            top = y + row * (STRIP_BOX_HEIGHT + 6)
            chosen = first <= selected[0] <= last and selected[1] == d
            key = f"strip:{k}:{d}"
            items.append(
                Rect(
                    key,
                    x,
                    top,
                    box_w,
                    STRIP_BOX_HEIGHT,
                    "ink" if chosen else "muted",
                    line_width=2.6 if chosen else 1.0,
                    rounded=True,
                )
            )
            cx = x + box_w / 2
            items.append(Label(f"{key}:title", cx, top + 12, title, SMALL_SIZE, "muted", "center"))
            items.append(
                Label(f"{key}:n", cx, top + 28, count, TEXT_SIZE, "ink", "center", bold=True)
            )
        x += box_w
    if s.dense:
        x = arrow("strip:dense_in", x, s.output_width)
        tags = frozenset({"dense"})
        texts = [("dense head", _fmt(b.dense_total))]
        box_w = 2 * CARD_PAD + max(
            text_width("dense head", SMALL_SIZE), text_width(texts[0][1], TEXT_SIZE, True)
        )
        top = mid - STRIP_BOX_HEIGHT / 2
        items.append(
            Rect("strip:dense", x, top, box_w, STRIP_BOX_HEIGHT, "dense", rounded=True, tags=tags)
        )
        items.append(
            Label(
                "strip:dense:title",
                x + box_w / 2,
                top + 12,
                "dense head",
                SMALL_SIZE,
                "muted",
                "center",
                tags=tags,
            )
        )
        items.append(
            Label(
                "strip:dense:n",
                x + box_w / 2,
                top + 28,
                texts[0][1],
                TEXT_SIZE,
                "dense",
                "center",
                bold=True,
                tags=tags,
            )
        )
        x += box_w
        x = arrow("strip:out", x, s.dense)
    else:
        x = arrow("strip:out", x, s.output_width)
    items.append(Label("strip:y", x + 4, mid, "y", TEXT_SIZE, "ink", bold=True))
    return items, x + 4 + text_width("y", TEXT_SIZE, True), y + height


# --------------------------------------------------------------------------- layout


def check_block(b: Breakdown, block: tuple[int, str]) -> tuple[int, Direction]:
    """``block`` validated against ``b``: a (layer, direction) that exists."""
    s = b.settings
    try:
        layer, direction = block
    except (TypeError, ValueError):
        raise SettingsError(
            f"block must be a (layer, direction) pair such as (0, 'forward'), not {block!r}."
        ) from None
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < s.layers:
        raise SettingsError(
            f"block layer must be an integer from 0 to {s.layers - 1}, not {layer!r}."
        )
    allowed = ("forward", "backward") if s.bidirectional else ("forward",)
    if direction not in allowed:
        raise SettingsError(
            f"block direction must be {' or '.join(map(repr, allowed))}, not {direction!r}."
        )
    return layer, direction  # type: ignore[return-value]


def check_variant(variant: object) -> Variant:
    """``variant`` if it names a variant of the drawing, else a one-sentence SettingsError."""
    if variant not in VARIANTS:
        raise SettingsError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}.")
    return variant


def highlights(b: Breakdown) -> Highlights:
    """The registry's highlight rules for ``b``'s layer: its cell and the roles it has."""
    return Highlights.of(b.settings.cell, b.role_totals())


def highlight_choices(b: Breakdown) -> tuple[str, ...]:
    """What ``highlight`` may name for this breakdown: its roles, then its gates.

    Only roles the layer has (in :data:`~lstm_widget.conventions.ROLES` order), so that
    naming one it lacks (``peephole`` on a Keras LSTM, ``projection`` without
    ``proj_size``) is refused instead of lighting up nothing. Gates come in textbook
    order by names that are the same in every framework (``f``, ``i``, ``candidate``,
    ``o``; ``r``, ``z``, ``candidate``). Every front end (``draw``, ``render``, the
    CLI, the magic and the panel's selector) offers exactly these, and also accepts a
    framework's own letter for a gate (:func:`resolve_highlight`).
    """
    return highlights(b).choices


def resolve_highlight(b: Breakdown, highlight: object) -> str | None:
    """``highlight`` by its name in :func:`highlight_choices`, or a one-sentence error.

    A framework's letter for a gate of this cell means that gate in every framework:
    ``g`` (PyTorch) and ``c`` (Keras, ONNX) are both an LSTM's ``candidate``, ``n`` and
    ``h`` a GRU's. Pure, like the rest of this module, so the CLI can check the flag
    without importing matplotlib.
    """
    return highlights(b).resolve(highlight)


def check_highlight(b: Breakdown, highlight: object) -> None:
    """Refuse a ``highlight`` that :func:`resolve_highlight` refuses, in one sentence."""
    resolve_highlight(b, highlight)


def carry_highlight(name: str | None, new: Breakdown) -> str | None:
    """The highlight to keep after switching to ``new``: ``name`` if ``new`` has it.

    ``name`` is a role or gate as :func:`highlight_choices` or :func:`resolve_highlight`
    give it (a framework's gate letter works too); the result is its stable name when
    ``new`` has that role or gate (the candidate survives Keras → PyTorch, and LSTM →
    GRU), and None when it does not (``f`` in a GRU, ``peephole`` outside ONNX).
    """
    return highlights(new).carry(name)


def layout(
    b: Breakdown,
    block: tuple[int, str] = (0, "forward"),
    variant: Variant = "full",
    hidden: bool = False,
) -> Layout:
    """The diagram of ``b`` with the cell of ``block`` = (layer, direction) drawn.

    ``variant="full"`` has everything: headline, legend, the model as a strip, the
    cell with its cards, the formula and the per-unit reading. ``"lecture"`` keeps
    what a room needs to see, larger: the headline, the cell with its cards and the
    per-unit reading (see :data:`LECTURE`). ``hidden`` puts "?" for every count, for a
    class to predict first (:func:`hide_counts`).
    """
    layer, direction = check_block(b, block)
    if check_variant(variant) == "lecture":
        drawn = _lecture(b, layer, direction)
    else:
        drawn = _full(b, layer, direction)
    return hide_counts(drawn) if hidden else drawn


#: A run of digits with its thousands separators.
_NUMBER = re.compile(r"\d[\d,]*")
#: Counts inside a line: after "= " or ": ", or before " parameters".
_RESULT = re.compile(r"(?<=[=:] )\d[\d,]*|\d[\d,]*(?= parameters)")


def hide_counts(lay: Layout) -> Layout:
    """``lay`` with "?" for every count: group, card, legend and strip counts, the
    headline's totals, and every number of the per-unit reading and the formula (they
    add up to the answer). Shapes stay: they are the settings, which the class knows.
    The labels keep their places, so a live view swaps texts when counts come back.
    """

    def hide(label: Label) -> Label:
        key = label.key
        if key.endswith(":n"):
            text = "?"
        elif key.startswith(("unit:", "formula:")) and not key.endswith(":label"):
            text = _NUMBER.sub("?", label.text)
        elif key.startswith("legend:"):
            text = re.sub(r"\d[\d,]*$", "?", label.text)
        else:
            text = _RESULT.sub("?", label.text)
        return replace(label, text=text)

    items = tuple(hide(item) if isinstance(item, Label) else item for item in lay.items)
    return Layout(lay.width, lay.height, items)


def _cell_heading(b: Breakdown, layer: int, direction: Direction) -> str:
    """``One LSTM cell (layer 2, backward): 520 parameters``."""
    s = b.settings
    where = f"layer {layer + 1}" + (f", {direction}" if s.bidirectional else "")
    count = next(blk.count for blk in b.blocks if (blk.layer, blk.direction) == (layer, direction))
    return f"One {cell_spec(s.cell).label} cell ({where}): {_fmt(count)} parameters"


def _per_unit_section(
    b: Breakdown, layer: int, y: float, sz: Sizes
) -> tuple[list[Item], float, float]:
    """One unit's share over the whole layer, values aligned: the seed question's answer.

    ``y`` is the first row's centre; returns the items, the right edge and the last
    row's bottom.
    """
    step = LINE_HEIGHT * sz.text + 2 * sz.row_gap
    per_unit = b.per_unit[layer]
    rows = _per_unit_rows(per_unit, b.settings.layers)
    value_x = sz.margin + max(text_width(label, sz.text, True) for label, _ in rows) + 8
    items: list[Item] = []
    right = 0.0
    for k, (label, value) in enumerate(rows):
        items.append(Label(f"unit:{k}:label", sz.margin, y, label, sz.text, "ink", bold=True))
        if value:
            items.append(Label(f"unit:{k}:value", value_x, y, value, sz.text, "ink"))
            right = max(right, value_x + text_width(value, sz.text))
        else:
            runs, x = _runs("unit:share", value_x, y, _per_unit_pieces(per_unit), sz.text)
            items += runs
            right = max(right, x)
        y += step
    return items, right, y - step + LINE_HEIGHT * sz.text / 2


def _full(b: Breakdown, layer: int, direction: Direction) -> Layout:
    items: list[Item] = []
    right = 0.0
    y = MARGIN + TITLE_SIZE * LINE_HEIGHT / 2
    title = b.headline()
    items.append(Label("title", MARGIN, y, title, TITLE_SIZE, "ink", bold=True))
    right = max(right, MARGIN + text_width(title, TITLE_SIZE, True))
    y += TITLE_SIZE * LINE_HEIGHT / 2 + 4 + SMALL_SIZE * LINE_HEIGHT / 2
    subtitle = _settings_line(b)
    items.append(Label("subtitle", MARGIN, y, subtitle, SMALL_SIZE, "muted"))
    right = max(right, MARGIN + text_width(subtitle, SMALL_SIZE))
    note = b.settings.convention.note  # where this layout differs from its neighbours'
    if note:
        y += SMALL_SIZE * LINE_HEIGHT
        items.append(Label("note", MARGIN, y, note, SMALL_SIZE, "muted"))
        right = max(right, MARGIN + text_width(note, SMALL_SIZE))
    y += SMALL_SIZE * LINE_HEIGHT / 2 + 10 + TEXT_SIZE * LINE_HEIGHT / 2
    legend, edge = _legend(b, y)
    items += legend
    right = max(right, edge)
    y += TEXT_SIZE * LINE_HEIGHT / 2 + SECTION_GAP

    strip, edge, y = _strip(b, (layer, direction), y)
    items += strip
    right = max(right, edge)
    y += SECTION_GAP + HEADING_SIZE * LINE_HEIGHT / 2

    heading = _cell_heading(b, layer, direction)
    items.append(Label("cell:heading", MARGIN, y, heading, HEADING_SIZE, "ink", bold=True))
    right = max(right, MARGIN + text_width(heading, HEADING_SIZE, True))
    y += HEADING_SIZE * LINE_HEIGHT / 2 + 8
    cell, edge, y = _cell_drawing(b, layer, direction, y, FULL)
    items += cell
    right = max(right, edge)
    y += SECTION_GAP

    line_step = TEXT_SIZE * LINE_HEIGHT + 6
    for k, line in enumerate(b.formula.lines):
        y += line_step / 2
        head = f"{line.label}: "
        tags = frozenset({"dense"}) if line.label == "dense head" else frozenset()
        runs, x = _runs(f"formula:{k}", MARGIN, y, [(head, "ink", tags)], bold=True)
        items += runs
        runs, x = _runs(f"formula:{k}:n", x, y, _formula_pieces(line))
        items += runs
        symbolic = f"   ({line.render('symbolic')})"
        items.append(Label(f"formula:{k}:sym", x, y, symbolic, SMALL_SIZE, "muted"))
        right = max(right, x + text_width(symbolic, SMALL_SIZE))
        y += line_step / 2
    if len(b.formula.lines) > 1:
        y += line_step / 2
        sums = " + ".join(_fmt(line.value) for line in b.formula.lines)
        text = f"total: {sums} = {_fmt(b.total)}"
        items.append(Label("formula:total", MARGIN, y, text, TEXT_SIZE, "ink", bold=True))
        right = max(right, MARGIN + text_width(text, TEXT_SIZE, True))
        y += line_step / 2
    units, edge, y = _per_unit_section(b, layer, y + 6 + line_step / 2, FULL)
    items += units
    right = max(right, edge)
    return Layout(right + MARGIN, y + MARGIN, tuple(items))


#: The lecture drawing's width budget: beside a ~300 px column of controls in
#: JupyterLab at 1280×720. The headline's aside shares the title's line only within it.
LECTURE_WIDTH = 600.0


def _lecture(b: Breakdown, layer: int, direction: Direction) -> Layout:
    """The headline, the selected cell with its cards, and the per-unit reading, large."""
    sz = LECTURE
    items: list[Item] = []
    answer, aside = b.headline_parts()
    title_half = LINE_HEIGHT * sz.title / 2
    y = sz.margin + title_half
    items.append(Label("title", sz.margin, y, answer, sz.title, "ink", bold=True))
    right = sz.margin + text_width(answer, sz.title, True)
    y += title_half
    if aside:
        aside = f"({aside})"
        width = text_width(aside, sz.text)
        if right + sz.gap + width <= LECTURE_WIDTH - sz.margin:
            # On the title's line, on its baseline: the painter centres text on y, and
            # a centred line's baseline sits about 0.35 of its size below the centre.
            x, y_aside = right + sz.gap, y - title_half + 0.35 * (sz.title - sz.text)
        else:
            x, y_aside = sz.margin, y + LINE_HEIGHT * sz.text / 2
            y += LINE_HEIGHT * sz.text
        items.append(Label("title:aside", x, y_aside, aside, sz.text, "muted"))
        right = max(right, x + width)
    if len(b.blocks) - (1 if b.settings.dense else 0) > 1:
        # Several layers or directions: say which one's cell this is.
        heading = _cell_heading(b, layer, direction)
        y += sz.row_gap + LINE_HEIGHT * sz.heading / 2
        items.append(Label("cell:heading", sz.margin, y, heading, sz.heading, "ink", bold=True))
        right = max(right, sz.margin + text_width(heading, sz.heading, True))
        y += LINE_HEIGHT * sz.heading / 2
    cell, edge, y = _cell_drawing(b, layer, direction, y + sz.section_gap / 2, sz)
    items += cell
    right = max(right, edge)
    units, edge, y = _per_unit_section(
        b, layer, y + sz.section_gap + LINE_HEIGHT * sz.text / 2, sz
    )
    items += units
    right = max(right, edge)
    return Layout(right + sz.margin, y + sz.margin, tuple(items))
