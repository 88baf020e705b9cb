"""The diagram's vocabulary: text metrics, the value objects it is made of, and sizes.

Everything is in **points** (1/72 inch), with y growing downwards. Sizing the canvas in
points makes a font size and a distance the same unit, so the layout can reserve
exactly the room a label needs: text widths come from the DejaVu Sans advance widths
below (the font ships with matplotlib and the painter always asks for it), so a
12-digit count widens its column instead of overlapping its neighbour.

Every item has a stable ``key``: two layouts with the same keys in the same order
differ only in numbers and positions, which lets the painter update its artists in
place instead of rebuilding them. ``tags`` name the roles and gates an item belongs to,
so a highlight can emphasise them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from ..conventions import Role

#: A colour named by meaning, a weight group's role or the page's own; the theme turns
#: it into a hex value.
Ink = Literal["ink", "muted", "paper"] | Role
HAlign = Literal["left", "center", "right"]
#: A box's outline: a model strip dashes what it cannot explain and dots a folded run.
LineStyle = Literal["solid", "dashed", "dotted"]
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
    line_style: LineStyle = "solid"


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


def tagged(*names: str) -> frozenset[str]:
    """The tags of an item that belongs to ``names`` (empty names left out: a simple
    RNN's one block has none)."""
    return frozenset(name for name in names if name)


def wire(
    key: str,
    points: Sequence[Point],
    ink: Ink = "ink",
    *,
    dashed: bool = False,
    tags: frozenset[str] = frozenset(),
    head: tuple[float, float] = ARROW_HEAD,
    line_width: float = 1.4,
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
        Path(key, tuple(shaft), ink, line_width, dashed, tags),
        Polygon(f"{key}:head", tip, ink, tags=tags),
    ]


def node(
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


def fmt(n: int) -> str:
    """A count as every label prints it, with thousands separators."""
    return f"{n:,}"


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as ``10×40``."""
    return "×".join(fmt(n) for n in shape)


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
