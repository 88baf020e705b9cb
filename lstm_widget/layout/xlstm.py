"""xLSTM's sLSTM and mLSTM blocks drawn for a lecture: the schematic, each gate's
weights by role, and what the block holds around its cell, every count shown.

The schematics are :mod:`~lstm_widget.layout.cells`' ``slstm`` and ``mlstm``
(:func:`~lstm_widget.layout.canvas.draw_cell`). Under them, a table holds each gate's
row (W, R, b) and the gates' sums, and a second one what the block holds around its
cell (the conv, the norms, the projections or the feed-forward). The sizes are the
lecture variant's (:data:`~lstm_widget.layout.items.LECTURE`): no text under 13.5 pt,
and the drawing fits the lecture's 600 × 400 pt for any width a lecture shows (d up to
1,024, 1 to 16 heads, every option: tests/test_xlstm_drawing.py).
"""

from __future__ import annotations

from ..conventions import Role, cell_spec
from ..counting import Breakdown, WeightGroup
from ..counting_xlstm import XlstmSizes, block_groups, groups, stack_groups, xlstm_sizes
from .canvas import draw_cell
from .compose import DRAWN_APART, lecture_headline
from .items import LECTURE, Item, Label, Layout, Rect, fmt, shape_text, tagged, text_width

#: The schematic's gates, left to right, for ``cells._lstm``'s slots (f, i, the
#: written value, o).
_GATES = {"slstm": ("f", "i", "z", "o"), "mlstm": ("f", "i", "v", "o")}

#: What a block holds around its cell, one row each: its name and the roles of the
#: groups of no gate it holds (the mLSTM's output gate, a half of its up-projection,
#: is the gate table's).
_AROUND: dict[str, tuple[tuple[str, tuple[Role, ...]], ...]] = {
    "slstm": (("causal conv", ("conv",)), ("norms", ("scale",)),
              ("feed-forward", ("feedforward",))),
    "mlstm": (("projections", ("projection", "bias")), ("causal conv", ("conv",)),
              ("skip, norms", ("scale",))),
}  # fmt: skip


def _around(s: XlstmSizes, mine: list[WeightGroup]) -> list[tuple[str, list[WeightGroup]]]:
    """The rows of what the block holds around its cell that it has: (name, groups)."""
    rows = [
        (name, [g for g in mine if not g.gate and g.role in roles])
        for name, roles in _AROUND[s.cell]
    ]
    return [(name, held) for name, held in rows if held]


def title(s: XlstmSizes) -> tuple[str, str]:
    """The drawing's answer and its aside: ``sLSTM block: 8,576 parameters`` and the
    sizes it is for (``d 32, 4 heads of 8``), or a stack's blocks, one of them drawn."""
    cell = "sLSTM" if s.cell == "slstm" else "mLSTM"
    total = sum(g.count for g in groups(s))
    what = f"{cell} {s.scope}"
    if s.blocks > 1:
        one = sum(g.count for g in block_groups(s, 0))
        after = sum(g.count for g in stack_groups(s))
        sizes = f"{s.blocks} blocks of {fmt(one)}" + (f" + {fmt(after)}" if after else "")
    elif s.cell == "slstm":
        heads = f"{s.heads} head{'s' if s.heads > 1 else ''}"
        sizes = f"d {fmt(s.width)}, {heads} of {fmt(s.head_width)}"
    else:
        m = fmt(s.memory_width)
        sizes = f"d {fmt(s.width)}, p {fmt(s.inner)}, H {s.heads}, C {m}×{m}"
    return f"{what}: {fmt(total)} parameters", sizes


def describe(s: XlstmSizes) -> str:
    """The drawing in words, for its ``alt`` text: the headline, then each gate's
    groups and what the block holds around its cell, with shapes and counts."""
    answer, aside = title(s)
    mine = block_groups(s, 0)
    spec = cell_spec(s.cell)
    parts = [(spec.gate(gate).display, [g for g in mine if g.gate == gate])
             for gate in spec.gate_names]  # fmt: skip
    listed = [
        f"{name}: " + ", ".join(f"{g.symbol} {shape_text(g.shape)} {fmt(g.count)}" for g in held)
        for name, held in [*parts, *_around(s, mine)]
    ]
    return f"Diagram. {answer} ({aside}). " + "; ".join(listed) + "."


def xlstm_layout(s: XlstmSizes, aside: str = "") -> Layout:
    """The lecture drawing of ``s``: its headline, the cell's schematic, and under it
    two tables: each gate's weights by role (W, R, b), and what the block holds around
    its cell; a stack's first block (its blocks are alike; the headline counts them
    all). ``aside`` replaces the sizes beside the headline (a model's total with its
    head). Counts stand in columns rather than on a card under each gate, so that the
    drawing keeps to 600 × 400 pt at any width a lecture shows (d up to 1,024, 1 to
    16 heads): a card per gate would widen with its longest count."""
    sz = LECTURE
    answer, sizes = title(s)
    items, right, y = lecture_headline(answer, aside or sizes)
    gates = _GATES[s.cell]
    outputs = ("cₜ,nₜ", "hₜ") if s.cell == "slstm" else ("Cₜ", "hₜ")
    cell, edge, y = draw_cell(None, s.cell, gates, {}, y + sz.section_gap / 2, sz, outputs)
    items += cell
    mine = block_groups(s, 0)
    top = y + sz.section_gap
    table, x, bottom = _gate_table(s, mine, sz.margin, top)
    items += table
    rows = _around(s, mine)
    if rows:  # a bare sLSTM layer may hold nothing around its cell
        around, x, around_bottom = _around_table(rows, x + 2 * sz.gap, top)
        items += around
        bottom = max(bottom, around_bottom)
    right = max(right, edge, x)
    return Layout(right + sz.margin, bottom + sz.margin, tuple(items))


#: The symbol heading each role's column of the gate table.
_COLUMNS: dict[Role, str] = {"input": "W", "recurrent": "R", "bias": "b"}


def _gate_table(
    s: XlstmSizes, mine: list[WeightGroup], x: float, y: float
) -> tuple[list[Item], float, float]:
    """One row per gate (its name, then its weights by role), a row of the columns'
    sums; returns the items, the right edge and the bottom."""
    sz = LECTURE
    spec = cell_spec(s.cell)
    roles = [role for role in _COLUMNS if any(g.gate and g.role == role for g in mine)]
    cells = {
        (gate, role): sum(g.count for g in mine if g.gate == gate and g.role == role)
        for gate in spec.gate_names
        for role in roles
    }
    sums = {role: sum(cells[gate, role] for gate in spec.gate_names) for role in roles}
    names = {gate: spec.gate(gate).display for gate in spec.gate_names}
    name_width = max(text_width(text, sz.text) for text in [*names.values(), "all gates"])
    widths = {
        role: max(text_width(fmt(n), sz.text, True) for n in [*cells.values(), *sums.values()])
        for role in roles
    }
    left = x + sz.card_pad
    lines = len(names) + 2
    end = left + name_width + sum(widths[role] + 2 * sz.gap for role in roles)
    items: list[Item] = [
        Rect("card:gates", x, y, end + sz.card_pad - x, 2 * sz.card_pad + lines * sz.line,
             "muted", line_width=1.0, rounded=True),
    ]  # fmt: skip
    row_y = y + sz.card_pad + sz.line / 2
    column_right = {}
    at = left + name_width
    for role in roles:
        at += widths[role] + 2 * sz.gap
        column_right[role] = at
        items.append(
            Label(f"card:gates:{role}", at, row_y, _COLUMNS[role], sz.text, role, "right",
                  bold=True, tags=tagged(role))
        )  # fmt: skip
    rows = [(gate, names[gate], {role: cells[gate, role] for role in roles}) for gate in names]
    for gate, name, counts in [*rows, ("", "all gates", sums)]:
        row_y += sz.line
        key = f"card:{gate or 'all'}"
        tags = tagged(gate)
        items.append(Label(key, left, row_y, name, sz.text, bold=not gate, tags=tags))
        for role, n in counts.items():
            if n:
                items.append(
                    Label(f"{key}:{role}:n", column_right[role], row_y, fmt(n), sz.text, role,
                          "right", bold=True, tags=tags | {role})
                )  # fmt: skip
    return items, end + sz.card_pad, y + 2 * sz.card_pad + lines * sz.line


def _around_table(
    rows: list[tuple[str, list[WeightGroup]]], x: float, y: float
) -> tuple[list[Item], float, float]:
    """What the block holds around its cell, one row per kind (the conv, the norms,
    the projections or the feed-forward) with its count, and their sum."""
    sz = LECTURE
    total = f"sum: {fmt(sum(g.count for _, held in rows for g in held))}"
    texts = [(title, fmt(sum(g.count for g in held))) for title, held in rows]
    width = max(
        text_width(total, sz.text, True),
        *(text_width(t, sz.text) + 2 * sz.gap + text_width(n, sz.text, True) for t, n in texts),
    )
    lines = len(rows) + 1
    right = x + width + 2 * sz.card_pad
    items: list[Item] = [
        Rect("card:around", x, y, right - x, 2 * sz.card_pad + lines * sz.line, "muted",
             line_width=1.0, rounded=True),
    ]  # fmt: skip
    row_y = y + sz.card_pad - sz.line / 2
    for (title_text, held), (_, count) in zip(rows, texts, strict=True):
        row_y += sz.line
        # The row takes the colour of most of its weights.
        role = max(held, key=lambda g: g.count).role
        key = f"card:{title_text.replace(' ', '_').replace(',', '')}"
        tags = frozenset(g.role for g in held)
        items.append(Label(key, x + sz.card_pad, row_y, title_text, sz.text, role, tags=tags))
        items.append(
            Label(f"{key}:n", right - sz.card_pad, row_y, count, sz.text, role, "right",
                  bold=True, tags=tags)
        )  # fmt: skip
    row_y += sz.line
    items.append(
        Label("card:around:total", right - sz.card_pad, row_y, total, sz.text, ha="right",
              bold=True)
    )  # fmt: skip
    return items, right, y + 2 * sz.card_pad + lines * sz.line


@DRAWN_APART.register("xlstm")
def _drawn(b: Breakdown) -> Layout:
    """The lecture drawing of the package's block that ``b`` counts (and its head's
    count in the headline's total)."""
    return xlstm_layout(xlstm_sizes(b.settings), b.headline_parts()[1])
