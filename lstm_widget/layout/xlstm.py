"""xLSTM's sLSTM and mLSTM blocks drawn for a lecture: the schematic with every weight
group on a card, each with its count.

The schematics are :mod:`~lstm_widget.layout.cells`' ``slstm`` and ``mlstm``, drawn
over one card per gate as any cell's are (:func:`~lstm_widget.layout.canvas.draw_cell`);
what the block holds around its cell (the conv, the norms, the projections or the
feed-forward) sits on a second row of cards. The sizes are the lecture variant's
(:data:`~lstm_widget.layout.items.LECTURE`): no text under 13.5 pt, and at a
classroom's width (d = 32) with the package's defaults the drawing fits the lecture's
600 × 400 pt. Wider cells widen it and the mLSTM's optional biases lengthen it,
rather than anything overlapping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..counting import Breakdown, WeightGroup
from ..counting_xlstm import XlstmSizes, block_groups, groups, stack_groups, xlstm_sizes
from .canvas import draw_cell
from .cards import Card
from .compose import DRAWN_APART, lecture_headline
from .items import LECTURE, Layout, fmt, shape_text, tagged


@dataclass(frozen=True)
class _CardPlan:
    """One card: the column it stands under (or "" on the second row), its title, and
    which of the block's groups it holds."""

    slot: str
    title: str
    holds: Callable[[WeightGroup], bool]
    #: Whether rows of several gates share the card: each row then names its gate.
    shared: bool = False


def _gate(*letters: str) -> Callable[[WeightGroup], bool]:
    return lambda g: g.gate in letters


def _either(*holds: Callable[[WeightGroup], bool]) -> Callable[[WeightGroup], bool]:
    return lambda g: any(h(g) for h in holds)


def _around(*roles: str) -> Callable[[WeightGroup], bool]:
    """Groups of no gate in one of ``roles``: what the block holds around its cell."""
    return lambda g: not g.gate and g.role in roles


#: The schematic's gates, left to right, for ``cells._lstm``'s slots (f, i, the
#: written value, o), and the cards.
_GATES = {"slstm": ("f", "i", "z", "o"), "mlstm": ("f", "i", "v", "o")}
_CARDS = {
    "slstm": (
        _CardPlan("f", "forget gate", _gate("f")),
        _CardPlan("i", "input gate", _gate("i")),
        _CardPlan("z", "cell input", _gate("z")),
        _CardPlan("o", "output gate", _gate("o")),
        _CardPlan("", "causal conv", _around("conv")),
        _CardPlan("", "norms", _around("scale")),
        _CardPlan("", "feed-forward", _around("feedforward")),
    ),
    "mlstm": (
        _CardPlan("f", "forget gate", _gate("f")),
        _CardPlan("i", "input gate", _gate("i")),
        _CardPlan("v", "q, k, v", _gate("q", "k", "v"), shared=True),
        # proj_up holds the output gate's weights beside the memory's up-projection.
        _CardPlan("", "projections", _either(_gate("o"), _around("projection", "bias")), True),
        _CardPlan("", "causal conv", _around("conv")),
        _CardPlan("", "skip, norms", _around("scale")),
    ),
}


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
        sizes = f"d {fmt(s.width)}, {s.heads} heads of {fmt(s.head_width)}"
    else:
        m = fmt(s.memory_width)
        sizes = f"d {fmt(s.width)}, p {fmt(s.inner)}, H {s.heads}, C {m}×{m}"
    return f"{what}: {fmt(total)} parameters", sizes


def describe(s: XlstmSizes) -> str:
    """The drawing in words, for its ``alt`` text: the headline, then each card's
    groups with their shapes and counts."""
    answer, aside = title(s)
    mine = block_groups(s, 0)
    cards = []
    for plan in _CARDS[s.cell]:
        rows = _held(plan, mine)
        if rows:
            listed = ", ".join(f"{g.symbol} {shape_text(g.shape)} {fmt(g.count)}" for g in rows)
            cards.append(f"{plan.title}: {listed}")
    return f"Diagram. {answer} ({aside}). " + "; ".join(cards) + "."


def xlstm_layout(s: XlstmSizes, aside: str = "") -> Layout:
    """The lecture drawing of ``s``: its headline, the cell's schematic with a card per
    gate, and the block's other weights on cards below; a stack's first block (its
    blocks are alike; the headline counts them all). ``aside`` replaces the sizes
    beside the headline (a model's total with its head)."""
    sz = LECTURE
    answer, sizes = title(s)
    items, right, y = lecture_headline(answer, aside or sizes)

    mine = block_groups(s, 0)
    cards = {plan.slot or plan.title: _card(plan, mine, s) for plan in _CARDS[s.cell]}
    kept = {key: card for key, card in cards.items() if card.rows}
    gates = _GATES[s.cell]
    under = {key: card for key, card in kept.items() if key in gates}
    outputs = ("cₜ,nₜ", "hₜ") if s.cell == "slstm" else ("Cₜ", "hₜ")
    cell, edge, y = draw_cell(None, s.cell, gates, under, y + sz.section_gap / 2, sz, outputs)
    items += cell
    right = max(right, edge)
    x, y, bottom = sz.margin, y + sz.section_gap, y
    for key, card in kept.items():
        if key not in gates:
            items += card.items(x, y, card.width)
            x += card.width + sz.gap
            bottom = max(bottom, y + card.height)
    right = max(right, x - sz.gap)
    return Layout(right + sz.margin, bottom + sz.margin, tuple(items))


@DRAWN_APART.register("xlstm")
def _drawn(b: Breakdown) -> Layout:
    """The lecture drawing of the package's block that ``b`` counts (and its head's
    count in the headline's total)."""
    return xlstm_layout(xlstm_sizes(b.settings), b.headline_parts()[1])


def _held(plan: _CardPlan, mine: list[WeightGroup]) -> tuple[WeightGroup, ...]:
    return tuple(g for g in mine if plan.holds(g))


def _card(plan: _CardPlan, mine: list[WeightGroup], s: XlstmSizes) -> Card:
    """The card ``plan`` describes, its rows summed."""
    rows = _held(plan, mine)
    if plan.shared:  # rows of several gates: each keeps its gate's subscript
        rows = tuple(replace(g, gate="") for g in rows)
    gates = sorted({g.gate for g in mine if plan.holds(g)})
    key = f"card:{plan.slot or plan.title.replace(' ', '_').replace(',', '')}"
    return Card(key, plan.title, rows, "sum", tagged(*gates), LECTURE)
