"""Presentation: pieces rendered as text, HTML and LaTeX, tables, and JSON data.

Counting describes a formula or a reading as pieces, ``(text, role)``; this module is
the one place that turns them into markup: HTML spans in each role's colour (the
diagram's colours) and LaTeX. Plain text is the pieces joined, which counting's own
``text()`` methods give.

The tables are in the spirit of Keras's ``model.summary()``: one row per weight group,
a subtotal per layer and direction, the total, the formula and the per-unit reading. A
deep stack's identical middle layers fold into one row, as in the diagram's strip, so
a 100-layer table stays a few screens long. The CLI prints the text; the magic and the
panel show the HTML. A whole model's summary is :mod:`~lstm_widget.model_summary`'s.
Like counting, this module is stdlib-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from html import escape
from typing import Any

from .conventions import ROLE_LABELS, Role
from .counting import (
    DTYPE_BYTES,
    Block,
    Breakdown,
    Elementwise,
    Formula,
    Piece,
    WeightGroup,
    layers_label,
    plain,
)
from .style import LIGHT, Theme

# ------------------------------------------------------------------ pieces


def pieces_html(
    pieces: Iterable[Piece], colours: Mapping[Role, str], highlight: Role | None = None
) -> str:
    """Each piece escaped, a role's piece in its colour; ``highlight``'s also bold and
    underlined, to match the group a diagram lights up."""

    def piece(text: str, role: Role | None) -> str:
        if role is None:
            return escape(text)
        style = f"color:{colours[role]}"
        if role == highlight:
            style += ";font-weight:bold;text-decoration:underline"
        return f'<span style="{style}">{escape(text)}</span>'

    return "".join(piece(text, role) for text, role in pieces)


def latex(text: str) -> str:
    """Text made LaTeX: ``\\times`` for ×, and thousands separators braced (``1{,}000``)
    so that math mode does not space them as list commas."""
    return text.replace("×", r"\times").replace(",", "{,}")


def formula_html(
    formula: Formula, colours: Mapping[Role, str], highlight: Role | None = None
) -> str:
    """The formula as HTML: each line symbolic, then with numbers, each term in its
    role's colour (see :func:`pieces_html`), then the total."""
    rows = [
        f"<div><b>{escape(line.label)}</b>: "
        f"{pieces_html(line.pieces('symbolic'), colours, highlight)} = "
        f"{pieces_html(line.pieces('numeric'), colours, highlight)} = <b>{line.value:,}</b></div>"
        for line in formula.lines
    ]
    if len(formula.lines) > 1:
        rows.append(f"<div><b>total</b>: {formula.sums()} = <b>{formula.total:,}</b></div>")
    return '<div class="lstm-widget-formula">' + "".join(rows) + "</div>"


def formula_latex(formula: Formula) -> str:
    """A LaTeX ``aligned`` block of the same lines (numbers substituted)."""
    rows = [
        rf"\text{{{line.label}}} &= {line.render('symbolic')} "
        rf"= {line.render('numeric')} = {line.value:,}"
        for line in formula.lines
    ]
    if len(formula.lines) > 1:
        rows.append(rf"\text{{total}} &= {formula.total:,}")
    return r"\begin{aligned}" + latex(r" \\ ".join(rows)) + r"\end{aligned}"


# ------------------------------------------------------------------ tables

#: The count column's header, as Keras names it: every table of the package uses it.
COUNT_HEADER = "Param #"
_HEADER = ("Weight group", "Symbol", "Shape", COUNT_HEADER, "Role")


def _block_title(b: Breakdown, layer: int, direction: str) -> str:
    if layer < 0:
        n = b.settings.dense
        return f"Dense head ({n:,} output{'s' if n > 1 else ''})"
    title = f"{b.settings.describe_layer()} layer {layer + 1}"
    return f"{title}, {direction}" if b.settings.bidirectional else title


@dataclass(frozen=True)
class _Part:
    """A block of the table: a title row with its count, then its group rows.

    The collapsed middle of a deep stack is a part without groups: a ``note`` says
    which shown layer each of its layers repeats.
    """

    title: str
    count: int
    groups: tuple[WeightGroup, ...] = ()
    note: str = ""


def _block_part(b: Breakdown, block: Block) -> _Part:
    groups = b.block_groups(block.layer, block.direction)  # textbook order
    return _Part(_block_title(b, block.layer, block.direction), block.count, groups)


def _parts(b: Breakdown) -> list[_Part]:
    """The table's blocks in framework order, layers collapsed as the diagram's strip does.

    A deep stack shows layers 1, 2 and the last in full; the layers between repeat
    layer 2's shapes, so they make one part whose count is their exact sum.
    """
    parts: list[_Part] = []
    for label, first, last in b.settings.shown_layers():
        if first == last:
            parts.extend(_block_part(b, block) for block in b.blocks if block.layer == first)
            continue
        totals = b.layer_totals
        like = first - 1  # the layer shown just before, which each of them repeats
        assert set(totals[first : last + 1]) == {totals[like]}, "collapsed layers differ"
        both = " (both directions)" if b.settings.bidirectional else ""
        parts.append(
            _Part(
                f"{b.settings.describe_layer()} {label}",
                sum(totals[first : last + 1]),
                note=f"each as layer {like + 1}: {last - first + 1:,} × {totals[like]:,}{both}",
            )
        )
    parts.extend(_block_part(b, block) for block in b.blocks if block.layer < 0)
    return parts


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
    # A note is one cell that runs on across the empty columns beside it, so it
    # widens none of them.
    body: list[tuple[str, ...]] = []
    for part in _parts(b):
        body.append((part.title, "", "", f"{part.count:,}", ""))
        body.extend(
            (f"  {g.name}", g.symbol, _shape(g.shape), f"{g.count:,}", ROLE_LABELS[g.role])
            for g in part.groups
        )
        if part.note:
            body.append((f"  {part.note}",))
    columns = [row for row in (_HEADER, *body) if len(row) == len(_HEADER)]
    widths = [max(len(row[i]) for row in columns) for i in range(len(_HEADER))]

    def line(row: tuple[str, ...]) -> str:
        if len(row) == 1:
            return row[0]
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
    out += [rule, summary_line(b)]
    if b.settings.convention.note:  # where this layout differs from its neighbours'
        out.append(b.settings.convention.note)
    out += ["", b.formula.text(), ""]
    out += [f"Per {p.unit} ({label}): {p.text()}" for label, p in b.per_unit_runs()]
    if b.steps is not None:
        out += ["", *(plain(row) for row in work_rows(b))]
    return "\n".join(out)


def html_table(b: Breakdown, theme: Theme = LIGHT) -> str:
    """The same table as HTML, each group's count in its role's colour."""
    # Every cell says its alignment: notebook stylesheets right-align table cells.
    head = "".join(
        f'<th style="text-align:{"right" if h == COUNT_HEADER else "left"}">{escape(h)}</th>'
        for h in _HEADER
    )
    rows = []
    for part in _parts(b):
        rows.append(
            f'<tr class="block"><th colspan="3" style="text-align:left">{escape(part.title)}'
            f'</th><th style="text-align:right">{part.count:,}</th><th></th></tr>'
        )
        if part.note:
            rows.append(
                f'<tr class="collapsed"><td colspan="5" style="text-align:left">'
                f"{escape(part.note)}</td></tr>"
            )
        for g in part.groups:
            colour = theme.roles[g.role]
            rows.append(
                f'<tr><td style="text-align:left"><code>{escape(g.name)}</code></td>'
                f'<td style="text-align:left">{escape(g.symbol)}</td>'
                f'<td style="text-align:left">{_shape(g.shape)}</td>'
                f'<td style="text-align:right;color:{colour}"><b>{g.count:,}</b></td>'
                f'<td style="text-align:left;color:{colour}">{ROLE_LABELS[g.role]}</td></tr>'
            )
    per_unit = "".join(
        f"<div>Per {p.unit} ({label}): {escape(p.text())}</div>" for label, p in b.per_unit_runs()
    )
    work = ""
    if b.steps is not None:
        work = (
            '<div class="lstm-widget-work">'
            + "".join(f"<div>{pieces_html(row, theme.roles)}</div>" for row in work_rows(b))
            + "</div>"
        )
    note = b.settings.convention.note
    note = f"<p>{escape(note)}</p>" if note else ""
    return (
        '<div class="lstm-widget-report">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p><b>{escape(summary_line(b))}</b></p>{note}"
        f"{formula_html(b.formula, theme.roles)}{per_unit}{work}</div>"
    )


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def work_rows(b: Breakdown, dtype: str = "float32") -> list[tuple[Piece, ...]]:
    """The work of running ``b``'s layers over its sequence, one row of pieces a line:
    the multiply-accumulates per step with their formula, the sequence's total, the
    element-wise work apart, and the values a sequence keeps."""
    work = b.work
    # A ConvLSTM's work grows with its grid, which its settings do not hold.
    where = ", at one position of the output grid" if work.per_position else ""
    rows: list[tuple[Piece, ...]] = [
        (
            (
                f"Work for a sequence of {_plural(work.steps, 'time step')}{where} "
                "(MACs: multiply-accumulates, one per matrix weight and step; "
                "FLOPs = 2 × MACs):",
                None,
            ),
        )
    ]
    # A head that does not run at every step (a classifier's reads the last one) is
    # counted at its own positions, apart from the recurrent layers' steps.
    apart = bool(work.head_macs) and not work.head_at_every_step
    for k, line in enumerate(work.lines):
        per = "position" if apart and k == len(work.lines) - 1 else "step"
        rows.append(
            (
                (f"  {line.label}: ", None),
                *line.pieces("symbolic"),
                (" = ", None),
                *line.pieces("numeric"),
                (f" = {line.value:,} MACs per {per}", None),
            )
        )
    stepped = work.lines[:-1] if apart else work.lines
    per_step = work.macs_per_step - (work.head_macs if apart else 0)
    sums = " + ".join(f"{line.value:,}" for line in stepped)
    total = f"{sums} = {per_step:,}" if len(stepped) > 1 else f"{per_step:,}"
    sequence = f"{work.macs:,} MACs = {work.flops:,} FLOPs"
    over = f"  per step: {total} MACs; × {_plural(work.steps, 'step')} = "
    if apart:
        head, positions = work.head_macs * work.head_positions, work.head_positions
        lines = [
            f"{over}{per_step * work.steps:,} MACs",
            f"  dense head: {work.head_macs:,} MACs × {_plural(positions, 'position')} = "
            f"{head:,} MACs; in all {sequence}",
        ]
    else:
        lines = [f"{over}{sequence}"]
    rows += [((line, None),) for line in lines]
    memory = work.memory_bytes(dtype)
    rows += [((line, None),) for line in _elementwise_lines(b)]
    rows += [
        (
            (
                f"  values kept for the sequence at {dtype}, batch 1: inference "
                f"{work.memory.inference:,} ({_memory(memory['inference'])}), the outputs "
                "and running states;",
                None,
            ),
        ),
        (
            (
                f"  training {work.memory.training:,} ({_memory(memory['training'])}), also "
                "every step's gate activations, cell state and output for backpropagation",
                None,
            ),
        ),
    ]
    return rows


def _elementwise_lines(b: Breakdown) -> list[str]:
    """The element-wise work per step: one line for one layer; else a line for each
    run of identical layers (each layer's own figure) and their sum."""
    work = b.work
    head = ""
    if work.head_additions:
        head = f"; dense head: {_plural(work.head_additions, 'bias addition')}"
        if not work.head_at_every_step:
            head += f" at each of {_plural(work.head_positions, 'position')}"
    if len(work.layer_elementwise) == 1:
        return [f"  element-wise per step: {work.elementwise.text()}{head}"]
    lines, runs = ["  element-wise per step:"], b.settings.runs()
    for first, last in runs:
        own = work.layer_elementwise[first]
        label = layers_label(first, last)
        if first == last:
            lines.append(f"    {label}: {own.text()}")
        else:
            n = last - first + 1
            lines.append(f"    {label}: {own.text()} each, × {n:,} = {n * own.total:,}")
    sums = " + ".join(
        f"{(last - first + 1) * work.layer_elementwise[first].total:,}" for first, last in runs
    )
    lines.append(f"    every layer: {sums} = {work.elementwise.total:,}{head}")
    return lines


# ------------------------------------------------------------------ JSON


def breakdown_data(b: Breakdown) -> dict[str, Any]:
    """Plain data for JSON: settings, totals, groups, formula, per-unit, memory."""
    return {
        # JSON has lists, not tuples: per-layer units come back as a list.
        # JSON has lists, not tuples: per-layer units and a kernel come back as lists.
        "settings": {
            **asdict(b.settings),
            "units": _json_units(b.settings.units),
            "kernel": list(b.settings.kernel),
        },
        "total": b.total,
        "layer_totals": list(b.layer_totals),
        "dense_total": b.dense_total,
        "role_totals": b.role_totals(),
        "blocks": [asdict(block) for block in b.blocks],
        "groups": [g.to_dict() for g in b.groups],
        "formula": {
            "text": b.formula.text(),
            "lines": [
                {
                    "label": line.label,
                    "symbolic": line.render("symbolic"),
                    "numeric": line.render("numeric"),
                    "value": line.value,
                }
                for line in b.formula.lines
            ],
            "latex": formula_latex(b.formula),
        },
        "per_unit": [
            {
                **asdict(p),
                "kernel": list(p.kernel),
                "per_unit": p.per_unit,
                "total": p.total,
                "text": p.text(),
            }
            for p in b.per_unit
        ],
        "output_shapes": [
            {"layer": name, "shape": list(shape)} for name, shape in b.output_shapes
        ],
        "memory_bytes": {dtype: b.memory_bytes(dtype) for dtype in DTYPE_BYTES},
        "work": _work_data(b) if b.work_known else None,
    }


def _json_units(units: int | tuple[int, ...]) -> int | list[int]:
    return list(units) if isinstance(units, tuple) else units


def _elementwise_data(e: Elementwise) -> dict[str, int]:
    return asdict(e) | {"total": e.total}


def _work_data(b: Breakdown) -> dict[str, Any]:
    work = b.work
    return {
        "steps": work.steps,
        "steps_given": b.steps is not None,
        "per_position": work.per_position,
        "macs_per_step": work.macs_per_step,
        "layer_macs_per_step": list(work.layer_macs),
        "head_macs_per_step": work.head_macs,
        "head_positions": work.head_positions,
        "macs": work.macs,
        "flops": work.flops,
        "lines": [
            {
                "label": line.label,
                "symbolic": line.render("symbolic"),
                "numeric": line.render("numeric"),
                "macs_per_step": line.value,
            }
            for line in work.lines
        ],
        "elementwise_per_step": {
            "layers": [_elementwise_data(e) for e in work.layer_elementwise],
            "recurrent": _elementwise_data(work.elementwise),
            "head_additions": work.head_additions,
            "total": work.elementwise_per_step,
        },
        "values_kept": asdict(work.memory),
        "memory_bytes": {dtype: work.memory_bytes(dtype) for dtype in DTYPE_BYTES},
    }
