"""Text alternatives: every picture of the package said in words, from the same numbers.

A picture of the weights is only as accessible as the words beside it. A screen reader
user, or anyone who cannot tell the role colours apart, gets from :func:`describe` what
the diagram shows: the layer and its settings, every gate (or group) with its count and
its weights, input (W), recurrent (U) and bias (b) parts, each layer's total and the
total with a dense head. The words come from the :class:`~lstm_widget.counting.Breakdown`
itself, never from the drawing, so they cannot disagree with it.

The SVG's ``<title>`` and ``<desc>``, every ``<img>``'s ``alt``, the panel's image and
the model strip take their text from here. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from .conventions import ROLE_LABELS, with_article
from .counting import Breakdown, Direction, WeightGroup, layers_label

if TYPE_CHECKING:  # introspection loads with the model it reads
    from .introspect import SummaryRow

#: What every hidden count reads as, as the drawing's "?".
HIDDEN_COUNT = "?"


def _count(n: int, hidden: bool) -> str:
    return HIDDEN_COUNT if hidden else f"{n:,}"


def _settings(b: Breakdown) -> str:
    """``a Keras LSTM, 1 input feature, 10 units``: the layer and what sets its shapes,
    each setting as the setting table phrases it."""
    s = b.settings
    return ", ".join([with_article(s.describe_layer()), *s.phrases()])


def _part(g: WeightGroup, hidden: bool) -> str:
    """``input weights W 1×10: 10``: a group's role, letter, shape and count; the role
    is left out where the group's name already says it (``projection W_hr 4×10: 40``)."""
    shape = "×".join(f"{n:,}" for n in g.shape)
    role = "" if g.role in _UNGATED else f"{ROLE_LABELS[g.role]} "
    return f"{role}{g.letter} {shape}: {_count(g.count, hidden)}"


#: Roles whose groups belong to no gate: each is named by its role instead.
_UNGATED = ("projection", "dense")


def _group_name(g: WeightGroup) -> str:
    """The gate a group belongs to, or what it is where it has none (a projection)."""
    return ROLE_LABELS[g.role] if g.role in _UNGATED else g.gate_name


def _gates(groups: Iterable[WeightGroup], hidden: bool) -> str:
    """``forget gate 120 parameters (input weights W 1×10: 10, ...); ...``."""
    said = []
    for name, members in groupby(groups, key=_group_name):
        mine = list(members)
        count = _count(sum(g.count for g in mine), hidden)
        parts = ", ".join(_part(g, hidden) for g in mine)
        said.append(f"{name} {count} parameters ({parts})")
    return "; ".join(said)


def _block(b: Breakdown, layer: int, direction: Direction, hidden: bool) -> str:
    return _gates(b.block_groups(layer, direction), hidden)


def _backward(b: Breakdown, layer: int, hidden: bool) -> str:
    """The backward direction of ``layer``: it has the forward direction's groups, shape
    for shape (tests check), so its total is all that is new."""
    count = _count(sum(g.count for g in b.block_groups(layer, "backward")), hidden)
    return f"the same groups as forward, {count} parameters"


def describe(b: Breakdown, *, hidden: bool = False) -> str:
    """The diagram of ``b`` in words: its headline, as every view leads with it, then
    every gate or group with its count and parts, each layer's total, and the total
    with the dense head.

    Identical stacked layers are said once, as the drawing and the formula show them;
    a backward direction, which has the forward one's groups, is said to have them.
    ``hidden``
    leaves every count out ("?"), as the quiz's drawing does, and keeps the shapes.

    Examples
    --------
    >>> from lstm_widget import breakdown
    >>> from textwrap import fill
    >>> print(fill(describe(breakdown(cell="rnn", units=2, input_size=1)), 80))
    Keras SimpleRNN: 8 parameters. Block diagram of a Keras SimpleRNN, 2 units, 1
    input feature. Layer 1: cell 8 parameters (input weights W 1×2: 2, recurrent
    weights U 2×2: 4, bias b 2: 2); layer total 8. Total: 8 parameters.
    """
    s = b.settings
    sentences = [f"{accessible_name(b, hidden=hidden)}. Block diagram of {_settings(b)}."]
    for first, last in s.runs():
        where = layers_label(first, last).capitalize() + (" (each)" if last > first else "")
        total = f"layer total {_count(b.layer_totals[first], hidden)}"
        if s.bidirectional:
            forward = _block(b, first, "forward", hidden)
            backward = _backward(b, first, hidden)
            sentences.append(f"{where}, forward: {forward}; backward: {backward}; {total}.")
        else:
            sentences.append(f"{where}: {_block(b, first, 'forward', hidden)}; {total}.")
    recurrent = _count(b.recurrent_total, hidden)
    if s.dense:
        head = _block(b, -1, "forward", hidden)
        sentences.append(f"{head[:1].upper()}{head[1:]}.")
        total = _count(b.total, hidden)
        sentences.append(f"Total: {recurrent} parameters; with the dense head {total}.")
    else:
        sentences.append(f"Total: {recurrent} parameters.")
    return " ".join(sentences)


def accessible_name(b: Breakdown, *, hidden: bool = False) -> str:
    """The short name of ``b``'s picture: its headline, or its layer while counts hide."""
    if hidden:
        return f"{b.settings.describe_layer()}, counts hidden"
    return b.headline()


def describe_strip(rows: Sequence[SummaryRow], heading: str) -> str:
    """A model's strip in words, folded as the strip draws it: its heading, then every
    layer in order with its count, and a run of repeated blocks as how many and theirs."""
    from .introspect import RepeatedRows, fold_repeats  # loaded: the rows came from it

    layers = "; ".join(
        entry.text
        if isinstance(entry, RepeatedRows)
        else f"{entry.name} ({entry.kind}) {entry.params:,}"
        + (", not explained" if entry.family == "unexplained" else "")
        for entry in fold_repeats(rows)
    )
    return f"Strip. {heading + ': ' if heading else ''}{layers}, in the model's order."
