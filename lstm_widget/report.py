"""Tables in the spirit of Keras's ``model.summary()``: plain text and HTML.

One row per weight group, a subtotal per layer and direction, the total, the formula
and the per-unit reading. The CLI prints the text; the magic and the panel show the
HTML, coloured by role with the diagram's colours.
"""

from __future__ import annotations

from html import escape

from .counting import ROLE_LABELS, Breakdown, WeightGroup
from .style import LIGHT, Theme

_COUNT_HEADER = "Param #"
_HEADER = ("Weight group", "Symbol", "Shape", _COUNT_HEADER, "Role")


def _block_title(b: Breakdown, layer: int, direction: str) -> str:
    if layer < 0:
        n = b.settings.dense
        return f"Dense head ({n:,} output{'s' if n > 1 else ''})"
    title = f"{b.settings.describe_layer()} layer {layer + 1}"
    return f"{title}, {direction}" if b.settings.bidirectional else title


def _rows(b: Breakdown) -> list[tuple[str, tuple[WeightGroup, ...], int]]:
    """(block title, its groups in display order, its subtotal), block by block."""
    return [
        (
            _block_title(b, block.layer, block.direction),
            b.block_groups(block.layer, block.direction),
            block.count,
        )
        for block in b.blocks
    ]


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(f"{n:,}" for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _memory(nbytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:,} {unit}" if unit == "B" else f"{nbytes:,.2f} {unit}"
        nbytes /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def summary_line(b: Breakdown) -> str:
    """The headline and the weights' size: ``Keras LSTM: 480 parameters (model with
    dense head: 491); 1.92 KB at float32``."""
    return f"{b.headline()}; {_memory(b.memory_bytes('float32'))} at float32"


def text_table(b: Breakdown) -> str:
    """A fixed-width table for terminals, the CLI and plain-text notebook output."""
    body: list[tuple[str, ...]] = []
    for title, groups, count in _rows(b):
        body.append((title, "", "", f"{count:,}", ""))
        body.extend(
            (f"  {g.name}", g.symbol, _shape(g.shape), f"{g.count:,}", ROLE_LABELS[g.role])
            for g in groups
        )
    widths = [max(len(row[i]) for row in (_HEADER, *body)) for i in range(len(_HEADER))]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(width) if i == 3 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
    out = [line(_HEADER), rule]
    for row in body:
        if not row[0].startswith(" ") and len(out) > 2:
            out.append("-" * len(rule))
        out.append(line(row))
    out += [rule, summary_line(b), "", b.formula.text(), ""]
    out += [f"Per unit (layer {p.layer + 1}): {p.text()}" for p in b.per_unit[:2]]
    return "\n".join(out)


def html_table(b: Breakdown, theme: Theme = LIGHT) -> str:
    """The same table as HTML, each group's count in its role's colour."""
    # Every cell says its alignment: notebook stylesheets right-align table cells.
    head = "".join(
        f'<th style="text-align:{"right" if h == _COUNT_HEADER else "left"}">{escape(h)}</th>'
        for h in _HEADER
    )
    rows = []
    for title, groups, count in _rows(b):
        rows.append(
            f'<tr class="block"><th colspan="3" style="text-align:left">{escape(title)}</th>'
            f'<th style="text-align:right">{count:,}</th><th></th></tr>'
        )
        for g in groups:
            colour = theme.roles[g.role]
            rows.append(
                f'<tr><td style="text-align:left"><code>{escape(g.name)}</code></td>'
                f'<td style="text-align:left">{escape(g.symbol)}</td>'
                f'<td style="text-align:left">{_shape(g.shape)}</td>'
                f'<td style="text-align:right;color:{colour}"><b>{g.count:,}</b></td>'
                f'<td style="text-align:left;color:{colour}">{ROLE_LABELS[g.role]}</td></tr>'
            )
    per_unit = "".join(
        f"<div>Per unit (layer {p.layer + 1}): {escape(p.text())}</div>" for p in b.per_unit[:2]
    )
    return (
        '<div class="lstm-widget-report">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p><b>{escape(summary_line(b))}</b></p>"
        f"{b.formula.html(theme.roles)}{per_unit}</div>"
    )
