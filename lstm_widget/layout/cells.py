"""The cell schematics, one per :attr:`~lstm_widget.conventions.CellSpec.drawing` key.

Add a schematic here: a function decorated with :func:`register_drawing` that draws
on the :class:`~lstm_widget.layout.canvas.Canvas` it is given, from ``top`` down, and
returns its items and the y where the weight cards start. The canvas knows where each
gate's column stands and draws the shared parts (the state line across the top, the
bus feeding the gates from below, gate boxes and their letters, nodes and wires) at
the variant's sizes. A cell drawn like another names that drawing's key in its spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .canvas import Canvas, register_drawing, reset_operand, resets_after, top_row
from .items import LINE_HEIGHT, Circle, Item, Label, tagged


def _lstm_gate_row(cell: Canvas, top: float) -> float:
    """The y of an LSTM's gate boxes: two steps below its cell state."""
    return top_row(cell, top) + cell.y(104)


def _lstm_bus_row(cell: Canvas, top: float) -> float:
    """The y of the bus feeding an LSTM's gates from below."""
    return _lstm_gate_row(cell, top) + cell.y(46)


def _forget_and_write(
    cell: Canvas,
    gates: tuple[str, str, str],
    state: tuple[str, str, str],
    rows: tuple[float, float, float],
    x_mul: float,
) -> list[Item]:
    """A state line across the top, kept through the forget gate's × and added the
    input gate's share of the candidate: an LSTM's c, a minLSTM's h.

    ``gates`` are the forget gate, the input gate and the candidate; ``state`` the
    line's key, its input label's key and text; ``rows`` the y of the state line, of
    the write × and of the gate boxes; ``x_mul`` where the write × and the + stand.
    """
    (f, i, g), (key, in_key, in_text), (y_s, y_op, y_g) = gates, state, rows
    c, r, bh = cell.cols.centres, cell.sz.node_radius, cell.sz.gate_box[1] / 2
    wire = cell.wire
    items = cell.state_line(key, y_s, (in_key, in_text), ("op:forget", c[f], f), x_mul)
    items += wire(f"gate:{f}:out", ((c[f], y_g - bh), (c[f], y_s + r)), tags=tagged(f))
    for gate, side in ((i, -r), (g, r)):
        items += wire(
            f"gate:{gate}:out",
            ((c[gate], y_g - bh), (c[gate], y_op), (x_mul + side, y_op)),
            tags=tagged(gate),
        )
    items += cell.node("op:write", x_mul, y_op, "×")
    items += wire("write:up", ((x_mul, y_op - r), (x_mul, y_s + r)))
    return items


@register_drawing("lstm", out_column=True)
def _lstm(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    f, i, g, o = gates
    sz, c = cell.sz, cell.cols.centres
    r, bw, bh = sz.node_radius, sz.gate_box[0] / 2, sz.gate_box[1] / 2
    y_c = top_row(cell, top)
    y_op = y_c + cell.y(52)
    y_g = _lstm_gate_row(cell, top)
    y_bus = _lstm_bus_row(cell, top)
    x_mul = (c[i] + c[g]) / 2
    x_out = c["out"]
    x_end = cell.x_end
    wire, node = cell.wire, cell.node
    # The cell state runs across the top: forget ×, then + the new candidate share.
    items = _forget_and_write(cell, (f, i, g), ("c", "in:c", "cₜ₋₁"), (y_c, y_op, y_g), x_mul)
    # Output: tanh of the new cell state, gated by o.
    items += wire("c:tanh", ((x_out, y_c), (x_out, y_op - bh)))
    items += cell.gate_box("box:tanh_c", x_out, y_op, "tanh", "")
    items += wire("tanh:down", ((x_out, y_op + bh), (x_out, y_g - r)))
    items += wire(f"gate:{o}:out", ((c[o] + bw, y_g), (x_out - r, y_g)), tags=tagged(o))
    items += node("op:output", x_out, y_g, "×", tags=tagged(o))
    if cell.projection:
        x_proj = c["proj"]
        items += wire("h:proj", ((x_out + r, y_g), (x_proj - bw, y_g)))
        items += cell.gate_box("box:proj", x_proj, y_g, "W_hr", "projection", "projection")
        items += wire("h:out", ((x_proj + bw, y_g), (x_end, y_g)))
    else:
        items += wire("h:out", ((x_out + r, y_g), (x_end, y_g)))
    items.append(cell.out_label("out:h", y_g, "hₜ"))
    for gate, text in ((f, "σ"), (i, "σ"), (g, "tanh"), (o, "σ")):
        items += cell.gate_box(f"box:{gate}", c[gate], y_g, text, gate)
        items += cell.gate_letter(f"letter:{gate}", c[gate], y_g, gate)
    if cell.s is not None and cell.s.peepholes:
        for gate in (f, i, o):
            x = c[gate] - bw + 8
            tags = tagged(gate, "peephole")
            items += wire(
                f"peep:{gate}", ((x, y_c), (x, y_g - bh)), "peephole", dashed=True, tags=tags
            )
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


@register_drawing("convlstm", out_column=True)
def _conv_lstm(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """The LSTM cell, its gates fed by convolutions: ∗ beside each feed wire, where the
    LSTM's matrix products W·x + U·h become W ∗ x + U ∗ h."""
    items, bottom = _lstm(cell, gates, top)
    sz, c = cell.sz, cell.cols.centres
    y_gate = _lstm_gate_row(cell, top) + sz.gate_box[1] / 2
    y_bus = _lstm_bus_row(cell, top)
    for gate in gates:
        x = c[gate] + sz.arrow_head[1] + 2
        items.append(
            Label(
                f"conv:{gate}", x, (y_gate + y_bus) / 2, "∗", sz.text, "ink", bold=True,
                tags=tagged(gate),
            )
        )  # fmt: skip
    return items, bottom


def _one_minus(cell: Canvas, key: str, x: float, y: float, gate: str) -> list[Item]:
    """The 1− node: what a gate's complement passes on."""
    r, sz = cell.sz.node_radius, cell.sz
    return [
        Circle(key, x, y, r, tags=tagged(gate)),
        Label(f"{key}:text", x, y, "1−", sz.operator, "ink", "center", bold=True,
              tags=tagged(gate)),
    ]  # fmt: skip


def _output_projection(cell: Canvas, y_state: float, y_out: float) -> list[Item]:
    """minGRU-pytorch's ``to_out``: the output yₜ is hₜ mapped back to the input's width,
    while hₜ itself runs on to the next step; a branch down from the state line."""
    if not cell.projection:
        return []
    x, bw = cell.cols.centres["proj"], cell.sz.gate_box[0] / 2
    bh = cell.sz.gate_box[1] / 2
    items = cell.wire("h:proj", ((x, y_state), (x, y_out - bh)))
    items += cell.gate_box("box:proj", x, y_out, "proj", "projection", "projection")
    items += cell.wire("y:out", ((x + bw, y_out), (cell.x_end, y_out)))
    items.append(cell.out_label("out:y", y_out, "yₜ"))
    return items


@register_drawing("gru", out_column=True)
def _gru(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    r_gate, z, h = gates
    sz, c = cell.sz, cell.cols.centres
    r, bw, bh = sz.node_radius, sz.gate_box[0] / 2, sz.gate_box[1] / 2
    y_h = top_row(cell, top)
    y_mix = y_h + cell.y(46)
    y_reset = y_mix + cell.y(30)
    # The reset gate's wire runs above the gate letters.
    y_g = y_reset + max(cell.y(40), bh + LINE_HEIGHT * sz.text + 4)
    y_bus = y_g + cell.y(46)
    x_mix = c["out"]
    x_one = (c[z] + c[h]) / 2
    x_rx = c[h] - bw - 2 * r - 4
    wire, node = cell.wire, cell.node
    # The old state runs across the top: keep z ⊙ h, add (1 − z) ⊙ candidate.
    items = cell.state_line("h", y_h, ("in:h0", "hₜ₋₁"), ("op:keep", c[z], z), x_mix)
    items += wire(f"gate:{z}:out", ((c[z], y_g - bh), (c[z], y_h + r)), tags=tagged(z))
    items += wire(f"gate:{z}:mix", ((c[z], y_mix), (x_one - r, y_mix)), tags=tagged(z))
    items += _one_minus(cell, "op:one_minus", x_one, y_mix, z)
    items += wire("one_minus:out", ((x_one + r, y_mix), (x_mix - r, y_mix)), tags=tagged(z))
    items += node("op:mix", x_mix, y_mix, "×")
    items += wire(
        f"gate:{h}:out", ((c[h] + bw, y_g), (x_mix, y_g), (x_mix, y_mix + r)), tags=tagged(h)
    )
    items += wire("mix:up", ((x_mix, y_mix - r), (x_mix, y_h + r)))
    # The reset gate scales the old state's contribution to the candidate.
    items += wire(
        f"gate:{r_gate}:out",
        ((c[r_gate], y_g - bh), (c[r_gate], y_reset), (x_rx, y_reset), (x_rx, y_g - r)),
        tags=tagged(r_gate),
    )
    items += node("op:reset", x_rx, y_g, "×", tags=tagged(r_gate))
    items += wire("reset:out", ((x_rx + r, y_g), (c[h] - bw, y_g)), tags=tagged(r_gate))
    items += wire("reset:in", ((x_rx, y_bus), (x_rx, y_g + r)))
    if cell.s is not None and resets_after(cell.s):
        # Here the reset gate scales the candidate's U·h (+ b′), not h before U.
        y_operand = (y_g + r + y_bus) / 2
        operand = reset_operand(cell.s)
        items.append(
            Label(
                "reset:operand", x_rx - 4, y_operand, operand, sz.small, "muted", "right",
                tags=tagged(h),
            )
        )  # fmt: skip
    for gate, text in ((r_gate, "σ"), (z, "σ"), (h, "tanh")):
        items += cell.gate_box(f"box:{gate}", c[gate], y_g, text, gate)
        items += cell.gate_letter(f"letter:{gate}", c[gate], y_g, gate)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


@register_drawing("rnn", out_column=False)
def _rnn(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    (block,) = gates
    x = cell.cols.centres[block]
    bh = cell.sz.gate_box[1] / 2
    y_h = top_row(cell, top)
    y_g = y_h + cell.y(56)
    y_bus = y_g + cell.y(46)
    items: list[Item] = []
    items += cell.wire("h:out", ((x, y_g - bh), (x, y_h), (cell.x_end, y_h)))
    items.append(cell.out_label("out:h", y_h, "hₜ"))
    items += cell.gate_box("box:cell", x, y_g, "tanh", block)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


def _retext(items: list[Item], texts: dict[str, str]) -> list[Item]:
    """``items`` with the labels keyed in ``texts`` saying that instead."""
    return [
        replace(item, text=texts[item.key])
        if isinstance(item, Label) and item.key in texts
        else item
        for item in items
    ]


@register_drawing("slstm", out_column=True)
def _slstm(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """xLSTM's sLSTM: the LSTM's wiring, with an exponential input gate and a
    normalizer state n beside c (n sums what i lets in, as f keeps it), so the output
    reads c/n where the LSTM reads tanh(c). Gates ``f, i, z, o``."""
    items, bottom = _lstm(cell, gates, top)
    _, i, _, _ = gates
    texts = {f"box:{i}:text": "exp", "box:tanh_c:text": "c/n", "out:c": "cₜ,nₜ"}
    return _retext(items, texts), bottom


@register_drawing("mlstm", out_column=True)
def _mlstm(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """xLSTM's mLSTM: a matrix memory C where the LSTM keeps c, written with v kᵀ
    through the input gate and read with the query q. Its gates see the input only: no
    hₜ₋₁ feeds them. Gates ``f, i, v, o``: v's column writes v kᵀ."""
    items, bottom = _lstm(cell, gates, top)
    _, i, v, _ = gates
    texts = {
        f"box:{i}:text": "exp",
        f"box:{v}:text": "v kᵀ",
        "box:tanh_c:text": "C q",
        "in:c": "Cₜ₋₁",
        "out:c": "Cₜ",
    }
    return [item for item in _retext(items, texts) if item.key != "in:h"], bottom


@register_drawing("mingru", out_column=True)
def _min_gru(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """minGRU: hₜ = (1 − z)⊙hₜ₋₁ + z⊙h̃, the update gate and the candidate (g keeps it
    positive) fed by xₜ alone: no reset gate, and no hₜ₋₁ on the bus."""
    z, h = gates
    sz, c = cell.sz, cell.cols.centres
    r, bw, bh = sz.node_radius, sz.gate_box[0] / 2, sz.gate_box[1] / 2
    y_h = top_row(cell, top)
    y_one = y_h + cell.y(40)
    y_mix = y_h + cell.y(80)
    y_g = y_mix + max(cell.y(40), bh + LINE_HEIGHT * sz.text + 6)
    y_bus = y_g + cell.y(46)
    x_mix = c["out"]
    wire, node = cell.wire, cell.node
    # The old state runs across the top, kept by 1 − z; z lets the candidate in.
    items = cell.state_line("h", y_h, ("in:h0", "hₜ₋₁"), ("op:keep", c[z], z), x_mix)
    items += wire(f"gate:{z}:one", ((c[z], y_g - bh), (c[z], y_one + r)), tags=tagged(z))
    items += _one_minus(cell, "op:one_minus", c[z], y_one, z)
    items += wire(f"gate:{z}:keep", ((c[z], y_one - r), (c[z], y_h + r)), tags=tagged(z))
    items += wire(f"gate:{z}:mix", ((c[z], y_mix), (x_mix - r, y_mix)), tags=tagged(z))
    items += node("op:mix", x_mix, y_mix, "×")
    items += wire(
        f"gate:{h}:out", ((c[h] + bw, y_g), (x_mix, y_g), (x_mix, y_mix + r)), tags=tagged(h)
    )
    items += wire("mix:up", ((x_mix, y_mix - r), (x_mix, y_h + r)))
    items += _output_projection(cell, y_h, y_g)
    for gate, text in ((z, "σ"), (h, "g")):
        items += cell.gate_box(f"box:{gate}", c[gate], y_g, text, gate)
        items += cell.gate_letter(f"letter:{gate}", c[gate], y_g, gate)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


@register_drawing("minlstm", out_column=False)
def _min_lstm(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """minLSTM: hₜ = f′⊙hₜ₋₁ + i′⊙h̃, the gates divided by f + i so they sum to one,
    all three blocks fed by xₜ alone; no cell state beside h, no output gate."""
    f, i, g = gates
    sz, c = cell.sz, cell.cols.centres
    bh = sz.gate_box[1] / 2
    y_h = top_row(cell, top)
    y_op = y_h + cell.y(52)
    y_g = y_op + max(cell.y(52), bh + LINE_HEIGHT * sz.text + 6)
    y_bus = y_g + cell.y(46)
    x_mul = (c[i] + c[g]) / 2
    items = _forget_and_write(cell, (f, i, g), ("h", "in:h0", "hₜ₋₁"), (y_h, y_op, y_g), x_mul)
    # f′ = f / (f + i) and i′ = i / (f + i): what the two gate wires carry.
    x_label, y_label = (c[f] + c[i]) / 2, (y_h + y_op) / 2
    items.append(
        Label("op:normalise", x_label, y_label, "÷(f+i)", sz.small, "muted", "center",
              tags=tagged(f, i))
    )  # fmt: skip
    items += _output_projection(cell, y_h, y_g)
    for gate, text in ((f, "σ"), (i, "σ"), (g, "g")):
        items += cell.gate_box(f"box:{gate}", c[gate], y_g, text, gate)
        items += cell.gate_letter(f"letter:{gate}", c[gate], y_g, gate)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)
