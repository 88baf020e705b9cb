"""A whole model as a strip: every layer of its summary a box, in the model's order.

Each box holds the layer's name, type and parameter count; arrows lead from one box to
the next, across the gap or down to the next row's first box. Recurrent layers wear the
recurrent role's colour, layers without weights are faint, layers lstm_widget does not
explain are dashed. Like the cell's drawing, this is a :class:`Layout` painted by
:mod:`lstm_widget.painting`: the strip and the cell are one picture language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .items import Ink, Item, Label, Layout, LineStyle, Point, Rect, text_width, wire

if TYPE_CHECKING:
    from ..introspect import SummaryRow

#: The model strip's boxes, in points: wide enough for a 24-character name at 10 pt.
STRIP_BOX = (150.0, 58.0)
#: Gap between boxes (an arrow's length), margin, and boxes per row before the strip
#: wraps: five fit a 1280-pixel projector at the notebook's resolution.
STRIP_GAP, STRIP_MARGIN, STRIP_PER_ROW = 28.0, 14.0, 5
#: The band above the boxes that holds the title, and the title's size.
STRIP_TITLE, STRIP_TITLE_SIZE = 30.0, 12.0
#: The longest name or type a box shows whole; a longer one ends in "…".
STRIP_CHARS = 24
#: The ink of a box and its name by what the layer is to lstm_widget (its row's family):
#: recurrent layers wear their role's colour, any other the page's ink.
_FAMILY_INKS: dict[str, Ink] = {"recurrent": "recurrent", "weightless": "muted"}
#: An arrow's stroke, finer than the cell's wires (its head is theirs).
_ARROW_WIDTH = 1.2


def strip_positions(count: int) -> tuple[Point, ...]:
    """Each box's top-left corner, in points from the strip's top left (y growing
    downwards, under the title's band): left to right, ``STRIP_PER_ROW`` a row."""
    width, height = STRIP_BOX
    return tuple(
        (
            STRIP_MARGIN + (k % STRIP_PER_ROW) * (width + STRIP_GAP),
            STRIP_MARGIN + STRIP_TITLE + (k // STRIP_PER_ROW) * (height + STRIP_GAP),
        )
        for k in range(count)
    )


def _clipped(text: str) -> str:
    return text if len(text) <= STRIP_CHARS else text[: STRIP_CHARS - 1] + "…"


def model_strip_layout(rows: Sequence[SummaryRow], title: str = "") -> Layout:
    """The strip of a model whose summary is ``rows``, under ``title``.

    A block of layers repeated three times or more in a row keeps its first and last
    copy, and the copies between become one dotted box with how many and their count
    (:func:`~lstm_widget.introspect.fold_repeats`), so a long model's strip stays a
    few rows. The strip is at least as wide as its title, the boxes centred under it.
    """
    from ..introspect import RepeatedRows, fold_repeats  # loaded: the rows came from it

    entries = fold_repeats(rows)
    width, height = STRIP_BOX
    across = min(len(entries), STRIP_PER_ROW) or 1
    lines = max(1, math.ceil(len(entries) / STRIP_PER_ROW))
    boxes = across * width + (across - 1) * STRIP_GAP
    size = (
        2 * STRIP_MARGIN + max(boxes, text_width(title, STRIP_TITLE_SIZE, bold=True)),
        2 * STRIP_MARGIN + lines * height + (lines - 1) * STRIP_GAP + STRIP_TITLE,
    )
    shift = (size[0] - 2 * STRIP_MARGIN - boxes) / 2  # boxes centred under a wider title
    title_label = Label(
        "title", size[0] / 2, STRIP_MARGIN + 8, title, STRIP_TITLE_SIZE, "ink", "center", True
    )
    items: list[Item] = [title_label]
    placed = [(x + shift, y) for x, y in strip_positions(len(entries))]
    for k, (entry, (x, y)) in enumerate(zip(entries, placed, strict=True)):
        ink: Ink
        style: LineStyle
        if isinstance(entry, RepeatedRows):
            ink, style, line_width = "muted", "dotted", 1.2
            name, kind, count = f"⋯ {entry.times:,} more", entry.kinds, f"{entry.params:,}"
        else:
            family = entry.family
            ink = _FAMILY_INKS.get(family, "ink")
            style = "dashed" if family == "unexplained" else "solid"
            line_width = 2.0 if family == "recurrent" else 1.2
            name, kind = entry.name, entry.kind
            count = f"{entry.params:,}" + (" (not explained)" if family == "unexplained" else "")
        key, centre = f"layer:{k}", x + width / 2
        items += [
            Rect(key, x, y, width, height, ink, "paper", line_width, True, line_style=style),
            Label(f"{key}:name", centre, y + 14, _clipped(name), 10, ink, "center", True),
            Label(f"{key}:kind", centre, y + height / 2, _clipped(kind), 9, "muted", "center"),
            Label(f"{key}:count", centre, y + height - 13, count, 10, "ink", "center"),
        ]
        if k + 1 < len(entries):
            items += _arrow(f"arrow:{k}", (x, y), placed[k + 1])
    return Layout(size[0], size[1], tuple(items))


def _arrow(key: str, start: Point, end: Point) -> list[Item]:
    """From the box at ``start`` to the next at ``end`` (top-left corners): across the
    gap, or down to the next row's first box."""
    width, height = STRIP_BOX
    if end[1] == start[1]:
        middle = start[1] + height / 2
        points = [(start[0] + width, middle), (end[0], middle)]
    else:
        below = start[1] + height + STRIP_GAP / 2
        points = [
            (start[0] + width / 2, start[1] + height),
            (start[0] + width / 2, below),
            (end[0] + width / 2, below),
            (end[0] + width / 2, end[1]),
        ]
    return wire(key, points, "muted", line_width=_ARROW_WIDTH)
