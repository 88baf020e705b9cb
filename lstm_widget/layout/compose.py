"""The whole drawing: headline, legend, strip, the cell with its cards, formula and the
per-unit reading, in the ``full`` or the ``lecture`` variant; and the counts hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from ..conventions import (
    ROLE_LABELS,
    CodeTable,
    SettingsError,
    Variant,
    cell_spec,
    check_variant,
)
from ..counting import Breakdown, Direction, FormulaLine, PerUnit, Piece
from .canvas import cell_drawing
from .items import (
    FULL,
    GAP,
    HEADING_SIZE,
    LECTURE,
    LINE_HEIGHT,
    MARGIN,
    SECTION_GAP,
    SMALL_SIZE,
    TEXT_SIZE,
    TITLE_SIZE,
    Ink,
    Item,
    Label,
    Layout,
    Rect,
    Sizes,
    fmt,
    text_width,
)
from .strip import strip_items


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


#: The drawings of layers counted apart (xLSTM's blocks, drawn whole for any variant),
#: by their builder's key.
DRAWN_APART: CodeTable[Callable[[Breakdown], Layout]] = CodeTable(
    "drawing", "DRAWN_APART.register"
)


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
    apart = DRAWN_APART.get(b.settings.builder)
    if apart:
        drawn = apart(b)
    elif check_variant(variant) == "lecture":
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
    return f"One {cell_spec(s.cell).label} cell ({where}): {fmt(count)} parameters"


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

    strip, edge, y = strip_items(b, (layer, direction), y)
    items += strip
    right = max(right, edge)
    y += SECTION_GAP + HEADING_SIZE * LINE_HEIGHT / 2

    heading = _cell_heading(b, layer, direction)
    items.append(Label("cell:heading", MARGIN, y, heading, HEADING_SIZE, "ink", bold=True))
    right = max(right, MARGIN + text_width(heading, HEADING_SIZE, True))
    y += HEADING_SIZE * LINE_HEIGHT / 2 + 8
    cell, edge, y = cell_drawing(b, layer, direction, y, FULL)
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
        sums = " + ".join(fmt(line.value) for line in b.formula.lines)
        text = f"total: {sums} = {fmt(b.total)}"
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


def lecture_headline(answer: str, aside: str) -> tuple[list[Item], float, float]:
    """The lecture drawing's title, and its aside in brackets beside it where the
    width budget allows, else under it; returns the items, the right edge and the
    bottom."""
    sz = LECTURE
    title_half = LINE_HEIGHT * sz.title / 2
    y = sz.margin + title_half
    items: list[Item] = [Label("title", sz.margin, y, answer, sz.title, "ink", bold=True)]
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
    return items, right, y


def _lecture(b: Breakdown, layer: int, direction: Direction) -> Layout:
    """The headline, the selected cell with its cards, and the per-unit reading, large."""
    sz = LECTURE
    items, right, y = lecture_headline(*b.headline_parts())
    if len(b.blocks) - (1 if b.settings.dense else 0) > 1:
        # Several layers or directions: say which one's cell this is.
        heading = _cell_heading(b, layer, direction)
        y += sz.row_gap + LINE_HEIGHT * sz.heading / 2
        items.append(Label("cell:heading", sz.margin, y, heading, sz.heading, "ink", bold=True))
        right = max(right, sz.margin + text_width(heading, sz.heading, True))
        y += LINE_HEIGHT * sz.heading / 2
    cell, edge, y = cell_drawing(b, layer, direction, y + sz.section_gap / 2, sz)
    items += cell
    right = max(right, edge)
    units, edge, y = _per_unit_section(
        b, layer, y + sz.section_gap + LINE_HEIGHT * sz.text / 2, sz
    )
    items += units
    right = max(right, edge)
    return Layout(right + sz.margin, y + sz.margin, tuple(items))


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
    return [*_inked(line.pieces("numeric")), (f" = {fmt(line.value)}", "ink", frozenset())]


def _per_unit_pieces(p: PerUnit) -> list[tuple[str, Ink, frozenset[str]]]:
    """``4 × (1 + 10 + 1) = 48``: one unit's weights, each term in its role's colour."""
    return [*_inked(p.share_pieces()), (f" = {fmt(p.per_unit)}", "ink", frozenset())]


def _per_unit_rows(p: PerUnit, layers: int) -> list[tuple[str, str]]:
    """(label, value) rows: one unit's share, then the whole layer it multiplies into."""
    whole = p.units_text + (" × 2 directions" if p.directions > 1 else "")
    factors = f"{fmt(p.units)}" + (" × 2" if p.directions > 1 else "")
    one = f"one {p.unit}:" if layers == 1 else f"one {p.unit} of layer {p.layer + 1}:"
    return [
        (one, ""),
        (f"{whole}:", f"{factors} × {fmt(p.per_unit)} = {fmt(p.total)}"),
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
        text = f"{ROLE_LABELS[role]} {fmt(total)}"
        items.append(
            Label(f"legend:{role}:text", x + swatch + 5, y, text, TEXT_SIZE, role, tags=tags)
        )
        x += swatch + 5 + text_width(text, TEXT_SIZE) + 2 * GAP
    return items, x - 2 * GAP


def _settings_line(b: Breakdown) -> str:
    """The subtitle: each setting as the setting table phrases it, as the text
    alternative says it too."""
    return " · ".join(b.settings.phrases())
