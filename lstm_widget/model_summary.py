"""A whole model's summary as a fixed-width text table and an HTML table.

The tables are in the spirit of Keras's ``model.summary()``: one row a layer, with its
type, output shape, count, formula and whether it reconciles with the framework's own
count. The text never runs wider than a terminal's or a notebook's width: formulas wrap
in their column, or go under their rows when there is too little room for one. Like
:mod:`~lstm_widget.report`, this module is stdlib-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from .counting import plain
from .report import COUNT_HEADER, pieces_html
from .style import LIGHT, Theme

if TYPE_CHECKING:
    from .introspect import RepeatedRows, SummaryRow

_SUMMARY_HEADER = ("Layer", "Type", "Output shape", COUNT_HEADER, "Formula", "Reconciles")

#: The widest line a plain-text report prints: a terminal's or a notebook's width.
TEXT_WIDTH = 100

#: The narrowest a formula column gets; with less room, each formula goes on the
#: lines under its row instead.
_FORMULA_NARROWEST = 30

#: How the other columns give way when a row is still too wide (each down to a width,
#: in this order; indices without the formula column): the count never wraps.
_NARROWING = ((2, 14), (0, 16), (1, 13), (4, 10))

#: Where a cell may wrap, best first (the line keeps the break's text, less a space):
#: a formula between its terms, a name between its parts, a class name between its
#: words, anything at a space.
_BREAKS = tuple(
    re.compile(pattern)
    for pattern in (r" = ", r" \+ ", r"[/._]", r", ", r"(?<=[a-z])(?=[A-Z])", r" ")
)
_SPACES = (re.compile(" "),)


def _tree_marks(rows: list[SummaryRow]) -> list[str]:
    """``├ `` or ``└ `` before each layer folded into a breakdown listed above it (the
    last of its group gets ``└``), nothing before the others."""
    last = {row.group: k for k, row in enumerate(rows) if row.folded}
    return [
        ("└ " if last[row.group] == k else "├ ") if row.folded else ""
        for k, row in enumerate(rows)
    ]


def summary_legend(rows: Iterable[SummaryRow]) -> str:
    """The line under a summary whose rows group layers into one breakdown; "" else."""
    if not any(row.folded for row in rows):
        return ""
    return "├ └ in one breakdown with the recurrent layer above: stacked on it, or its dense head"


def summary_text(rows: Iterable[SummaryRow], width: int = TEXT_WIDTH) -> str:
    """The compact summary as a fixed-width table, one row a layer, no line wider than
    ``width``: the formulas wrap in their column, or, with too little room for one,
    go on the lines under their rows; then the other cells wrap."""
    listed = list(rows)
    header = tuple(h for h in _SUMMARY_HEADER if h != "Formula")
    cells = [header] + [
        (f"{mark}{r.name}", r.kind, r.output_shape, f"{r.params:,}", r.verdict)
        for r, mark in zip(listed, _tree_marks(listed), strict=True)
    ]
    formulas = ["Formula", *(plain(r.formula) for r in listed)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    room = width - sum(widths) - 2 * len(widths)  # a formula column and its gap
    widest = max(map(len, formulas))
    if room >= min(widest, _FORMULA_NARROWEST):  # the formula as a column of its own
        cells = [(*row[:4], formula, row[4]) for row, formula in zip(cells, formulas, strict=True)]
        widths.insert(4, min(room, widest))
        table = [_wrapped_row(row, widths) for row in cells]
    else:
        widths = _narrowed(cells, widths, width)
        table = [_wrapped_row(row, widths) for row in cells]
        for lines, formula, row in zip(table, formulas, [None, *listed], strict=True):
            if row is None or row.family != "weightless":  # the header's too
                lines += _wrap(f"    {formula}", width, "      ", _BREAKS)
    rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
    head, *body = table
    return "\n".join([*head, rule, *(line for lines in body for line in lines), rule])


def _narrowed(cells: Sequence[tuple[str, ...]], widths: list[int], width: int) -> list[int]:
    """``widths`` narrowed (:data:`_NARROWING`) until a line of ``cells`` fits ``width``."""
    widths = list(widths)
    for column, narrowest in _NARROWING:
        excess = sum(widths) + 2 * (len(widths) - 1) - width
        if excess <= 0:
            break
        widths[column] = max(min(narrowest, widths[column]), widths[column] - excess)
    return widths


def _wrapped_row(row: tuple[str, ...], widths: list[int]) -> list[str]:
    """A table row as lines: each cell wrapped to its column, the count (the fourth)
    right-aligned, a wrapped name's further lines indented under it."""
    wrapped = [
        _wrap(cell, w, indent="  " if i == 0 else "")
        for i, (cell, w) in enumerate(zip(row, widths, strict=True))
    ]
    lines = []
    for k in range(max(map(len, wrapped))):
        parts = [column[k] if k < len(column) else "" for column in wrapped]
        line = "  ".join(
            part.rjust(w) if i == 3 else part.ljust(w)
            for i, (part, w) in enumerate(zip(parts, widths, strict=True))
        )
        lines.append(line.rstrip())
    return lines


def _wrap(
    text: str, width: int, indent: str = "", breaks: tuple[re.Pattern[str], ...] = _BREAKS
) -> list[str]:
    """``text`` in lines of at most ``width``, broken where ``breaks`` allow, best first,
    a word longer than a line cut; each further line starts with ``indent``. Never
    inside a line's lead (its indent or tree mark)."""
    lines: list[str] = []
    floor = len(text) - len(text.lstrip(" ├└")) + 1
    while len(text) > width:
        cut = width
        for pattern in breaks:
            # A break keeps its text on the line, but not its trailing space.
            cuts = [m.end() - m.group().endswith(" ") for m in pattern.finditer(text, floor)]
            fitting = [at for at in cuts if floor <= at <= width]
            if fitting:
                cut = fitting[-1]
                break
        lines.append(text[:cut].rstrip())
        text = indent + text[cut:].lstrip()
        floor = len(indent) + 1
    return [*lines, text]


def fit_text(lines: Iterable[str], width: int = TEXT_WIDTH) -> list[str]:
    """Prose lines of at most ``width``: a longer one wraps at spaces, its further lines
    indented two spaces past its own indent."""
    fitted: list[str] = []
    for line in "\n".join(lines).split("\n"):
        lead = line[: len(line) - len(line.lstrip())]
        fitted += _wrap(line, width, f"{lead}  ", _SPACES) if len(line) > width else [line]
    return fitted


def summary_html(rows: Iterable[SummaryRow | RepeatedRows], theme: Theme = LIGHT) -> str:
    """The compact summary as an HTML table, each formula's terms in their roles' colours,
    a layer counted in the breakdown of one above it marked as in the text; a folded
    run of repeated layers (:func:`~lstm_widget.introspect.fold_repeats`) one row
    saying how many and their count."""
    from .introspect import RepeatedRows  # loaded already: a report's rows came from it

    head = "".join(
        f'<th style="text-align:{"right" if h == COUNT_HEADER else "left"}">{escape(h)}</th>'
        for h in _SUMMARY_HEADER
    )
    listed = list(rows)
    shown = [r for r in listed if not isinstance(r, RepeatedRows)]
    marks = iter(_tree_marks(shown))
    body = "".join(
        f'<tr><td colspan="{len(_SUMMARY_HEADER)}" style="text-align:left">'
        f"⋯ {escape(r.text)}</td></tr>"
        if isinstance(r, RepeatedRows)
        else f'<tr><td style="text-align:left">{next(marks)}<code>{escape(r.name)}</code></td>'
        f'<td style="text-align:left">{escape(r.kind)}</td>'
        f'<td style="text-align:left">{escape(r.output_shape)}</td>'
        f'<td style="text-align:right"><b>{r.params:,}</b></td>'
        f'<td style="text-align:left">{pieces_html(r.formula, theme.roles)}</td>'
        f'<td style="text-align:left">{escape(r.verdict)}</td></tr>'
        for r in listed
    )
    legend = summary_legend(shown)
    return (
        '<table class="lstm-widget-summary">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<p>{escape(legend)}</p>" if legend else "")
    )
