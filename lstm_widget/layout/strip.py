"""The model as a strip: x → one column per layer → dense head → y, each with its count.

The full drawing shows it above the cell, with the drawn block's column outlined.
"""

from __future__ import annotations

from ..counting import Breakdown, Direction
from .items import (
    CARD_PAD,
    MARGIN,
    SMALL_SIZE,
    TEXT_SIZE,
    Item,
    Label,
    Rect,
    fmt,
    text_width,
    wire,
)

STRIP_BOX_HEIGHT = 40.0
STRIP_ARROW = 46.0


def strip_items(
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
        text = fmt(width)
        length = max(STRIP_ARROW, text_width(text, SMALL_SIZE) + 16)
        items.extend(wire(key, ((x0, mid), (x0 + length, mid))))
        items.append(
            Label(f"{key}:w", x0 + length / 2, mid - 10, text, SMALL_SIZE, "muted", "center")
        )
        return x0 + length

    name = s.convention.class_name  # the strip's boxes name the layer class alone
    for k, (label, first, last) in enumerate(s.shown_layers()):
        x = arrow(f"strip:in{k}", x, s.layer_input(first))
        repeat = last - first + 1
        texts = []
        for d in directions:
            title = f"{name} {label.removeprefix('layer ').removeprefix('layers ')}"
            if s.bidirectional:
                title += " fwd" if d == "forward" else " bwd"
            count = fmt(counts[(first, d)]) + (" each" if repeat > 1 else "")
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
        texts = [("dense head", fmt(b.dense_total))]
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
