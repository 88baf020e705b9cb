"""The diagram's geometry as numbers: widths, columns, cards, strip, formula runs.

layout.py is pure Python, so these tests need no matplotlib; the rendered-extent
checks live in test_diagram.py.
"""

import itertools
import subprocess
import sys

import pytest

from lstm_widget import breakdown
from lstm_widget.counting import GATE_ORDER, SettingsError
from lstm_widget.layout import (
    LINE_HEIGHT,
    STRIP_MAX_LAYERS,
    Label,
    Layout,
    Rect,
    check_block,
    highlight_choices,
    layout,
    text_width,
)

SEED = {"units": 10, "input_size": 1, "dense": 1}


def by_key(lay, key):
    return next(item for item in lay.items if item.key == key)


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_layout_module_does_not_import_matplotlib():
    code = "import sys, lstm_widget.layout; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_digits_share_one_width_and_widths_scale_with_size():
    assert len({text_width(d, 11) for d in "0123456789"}) == 1
    assert 1.9 < text_width("480", 22) / text_width("480", 11) < 2
    assert text_width("480", 11, bold=True) > text_width("480", 11)
    assert text_width("1,000,000,000,000", 11) > 3 * text_width("1,000", 11)


def test_unknown_characters_reserve_a_full_em():
    assert text_width("\u4e00", 10) >= 10


def test_seed_layout_has_the_textbook_lstm_parts():
    lay = layout(breakdown(**SEED))
    keys = {item.key for item in lay.items}
    for gate in "ifco":
        assert {f"box:{gate}", f"card:{gate}", f"letter:{gate}"} <= keys
    assert {"box:tanh_c", "op:forget", "op:add", "op:write", "op:output"} <= keys
    assert {"in:c", "in:h", "in:x", "out:c", "out:h"} <= keys
    texts = {label.text for label in lay.labels}
    assert {"Keras LSTM: 491 parameters", "480", "11", "= 120"} <= texts


def test_gates_are_drawn_in_textbook_order_whatever_the_storage_order():
    # ONNX stores i, o, f, c; textbooks draw forget, input, candidate, output.
    for framework in ("keras", "pytorch", "onnx"):
        lay = layout(breakdown(framework=framework, units=4, input_size=3))
        candidate = GATE_ORDER[framework]["lstm"][2 if framework != "onnx" else 3]
        xs = [by_key(lay, f"box:{g}").x for g in ("f", "i", candidate, "o")]
        assert xs == sorted(xs)


@pytest.mark.parametrize(
    ("settings", "boxes"),
    [
        ({"cell": "gru"}, {"box:r", "box:z", "box:h", "op:one_minus", "op:reset"}),
        ({"cell": "gru", "framework": "pytorch"}, {"box:r", "box:z", "box:n"}),
        ({"cell": "rnn"}, {"box:cell"}),
    ],
)
def test_gru_and_rnn_get_their_own_drawings(settings, boxes):
    keys = {item.key for item in layout(breakdown(**settings)).items}
    assert boxes <= keys
    assert "box:tanh_c" not in keys and "op:forget" not in keys


def test_cards_list_each_gates_groups_and_sum_to_the_block():
    b = breakdown(framework="pytorch", units=20, input_size=10, proj_size=5)
    lay = layout(b)
    totals = [label for label in lay.labels if label.key.endswith(":total")]
    block_count = b.blocks[0].count
    assert sum(int(t.text.removeprefix("= ").replace(",", "")) for t in totals) == block_count
    for g in b.groups:
        card = "proj" if g.role == "projection" else g.gate
        count = by_key(lay, f"card:{card}:{g.symbol}:n")
        assert count.text == f"{g.count:,}"
        assert count.ink == g.role  # colour means role


def test_long_counts_widen_columns_instead_of_overlapping():
    small = layout(breakdown(units=10, input_size=1))
    large = layout(breakdown(units=999_999, input_size=999_999))
    assert large.width > small.width
    cards = [item for item in large.items if isinstance(item, Rect) and item.key.count(":") == 1]
    cards = sorted((c for c in cards if c.key.startswith("card:")), key=lambda c: c.x)
    for left, right in itertools.pairwise(cards):
        assert left.x + left.width < right.x


def grid():
    """Every cell × framework × option, with sizes giving counts of 1 to 13 digits."""
    sizes = [(1, 1), (3, 7), (12, 99), (250, 1_234), (99_999, 31_623), (999_999, 999_999)]
    for cell, framework in itertools.product(("lstm", "gru", "rnn"), ("keras", "pytorch", "onnx")):
        for (x, h), layers, bidirectional, bias, dense in itertools.product(
            sizes, (1, 3, 7), (False, True), (True, False), (0, 5)
        ):
            settings = dict(
                cell=cell, framework=framework, input_size=x, units=h, layers=layers,
                bidirectional=bidirectional, bias=bias, dense=dense,
            )  # fmt: skip
            yield settings
            if (cell, framework) == ("pytorch", "lstm") or (framework, cell) == (
                "pytorch",
                "lstm",
            ):
                yield {**settings, "proj_size": max(1, h // 3)} if h > 1 else settings
            if (framework, cell) == ("keras", "gru"):
                yield {**settings, "reset_after": False}
            if (framework, cell) == ("onnx", "lstm"):
                yield {**settings, "peepholes": True}


def test_estimated_label_boxes_never_overlap_and_stay_on_the_canvas():
    checked = 0
    for settings in grid():
        b = breakdown(**settings)
        lay = layout(
            b, (b.settings.layers - 1, "backward" if b.settings.bidirectional else "forward")
        )
        boxes = [label.extent for label in lay.labels]
        for left, top, right, bottom in boxes:
            assert left >= 0 and top >= 0 and right <= lay.width and bottom <= lay.height
        for a, c in itertools.combinations(boxes, 2):
            assert not overlaps(a, c), (settings, a, c)
        checked += 1
    assert checked > 1000


def test_no_label_is_smaller_than_9pt():
    for settings in ({"cell": "gru"}, {"framework": "onnx", "peepholes": True}, SEED):
        assert min(label.size for label in layout(breakdown(**settings)).labels) >= 9


def test_label_extent_follows_alignment():
    label = Label("k", 100, 50, "480", 10, ha="right")
    left, top, right, bottom = label.extent
    assert right == 100 and left == pytest.approx(100 - label.width)
    assert bottom - top == pytest.approx(LINE_HEIGHT * 10)


def test_signature_survives_number_changes_but_not_structure_changes():
    base = layout(breakdown(**SEED))
    assert layout(breakdown(**{**SEED, "units": 11_000})).signature == base.signature
    assert layout(breakdown(**{**SEED, "bias": False})).signature != base.signature
    assert layout(breakdown(**{**SEED, "cell": "gru"})).signature != base.signature


def test_text_only_changes_are_detected_as_numbers():
    small = layout(breakdown(**{**SEED, "units": 20}))
    same_digits = layout(breakdown(**{**SEED, "units": 21}))
    more_digits = layout(breakdown(**{**SEED, "units": 200}))
    changes = small.text_changes(same_digits)
    assert changes and all(isinstance(small.items[i], Label) for i in changes)
    assert small.text_changes(more_digits) is None
    assert small.text_changes(small) == {}


def test_strip_shows_every_block_with_its_count_and_marks_the_selected_one():
    b = breakdown(framework="pytorch", units=20, input_size=10, layers=3, bidirectional=True)
    lay = layout(b, (1, "backward"))
    for block in b.blocks:
        direction = block.direction
        assert by_key(lay, f"strip:{block.layer}:{direction}:n").text == f"{block.count:,}"
    chosen = [r for r in lay.items if isinstance(r, Rect) and r.key.startswith("strip:")]
    thick = [r.key for r in chosen if r.line_width > 2]
    assert thick == ["strip:1:backward"]
    assert "layer 2, backward" in by_key(lay, "cell:heading").text


def test_deep_stacks_collapse_the_middle_of_the_strip():
    b = breakdown(layers=100, units=8, input_size=8)
    titles = [label.text for label in layout(b).labels if label.key.endswith(":title")]
    strip_titles = [t for t in titles if t.startswith("LSTM")]
    assert strip_titles == ["LSTM 1", "LSTM 2", "LSTM 3–99", "LSTM 100"]
    assert len(strip_titles) == STRIP_MAX_LAYERS


def test_seed_strip_reads_lstm_then_dense_head():
    lay = layout(breakdown(**SEED))
    assert by_key(lay, "strip:0:forward:n").text == "480"
    assert by_key(lay, "strip:dense:n").text == "11"
    assert by_key(lay, "strip:0:forward").x < by_key(lay, "strip:dense").x


def run_text(lay, prefix):
    pieces = sorted(
        (label for label in lay.labels if label.key.startswith(prefix + ":")),
        key=lambda label: label.x,
    )
    return "".join(p.text for p in pieces), pieces


def test_formula_runs_keep_the_formula_text_and_colour_each_term_by_role():
    b = breakdown(framework="onnx", peepholes=True, units=10, input_size=1)
    lay = layout(b)
    text, pieces = run_text(lay, "formula:0:n")
    line = b.formula.lines[0]
    assert text == f"{line.render('numeric')} = {line.value:,}"
    assert {p.ink for p in pieces} == {"ink"} | {t.role for t in (*line.inner, *line.outer)}
    for left, right in itertools.pairwise(pieces):
        assert left.extent[2] <= right.extent[0] + 1e-9


def test_per_unit_view_answers_the_seed_question():
    lay = layout(breakdown(**SEED))
    share, pieces = run_text(lay, "unit:share")
    assert share == "4 × (1 + 10 + 1) = 48"
    assert [p.ink for p in pieces if p.ink != "ink"] == ["input", "recurrent", "bias"]
    assert by_key(lay, "unit:1:label").text == "10 units:"
    assert by_key(lay, "unit:1:value").text == "10 × 48 = 480"
    # Both values start at one x, under each other.
    assert pieces[0].x == by_key(lay, "unit:1:value").x


def test_per_unit_view_counts_directions_peepholes_and_projection():
    b = breakdown(framework="pytorch", units=20, input_size=10, proj_size=5, bidirectional=True)
    lay = layout(b)
    share, _ = run_text(lay, "unit:share")
    p = b.per_unit[0]
    assert share.endswith(f") + 5 = {p.per_unit}")
    assert by_key(lay, "unit:1:label").text == "20 units × 2 directions:"
    assert by_key(lay, "unit:1:value").text == f"20 × 2 × {p.per_unit} = {p.total:,}"
    onnx = layout(breakdown(framework="onnx", peepholes=True))
    assert run_text(onnx, "unit:share")[0] == "4 × (1 + 10 + 1 + 1) + 3 = 55"


def test_gru_candidate_card_says_where_the_reset_gate_acts():
    notes = {}
    for settings in ({"reset_after": True}, {"reset_after": False}, {"framework": "pytorch"}):
        b = breakdown(cell="gru", **settings)
        candidate = GATE_ORDER[b.settings.framework]["gru"][2]
        notes[tuple(settings.items())] = by_key(layout(b), f"card:{candidate}:note").text
    assert list(notes.values()) == ["uses r ⊙ (U·h + b′)", "uses U·(r ⊙ h)", "uses r ⊙ (U·h + b′)"]


def test_highlight_tags_follow_roles_and_gates():
    lay = layout(breakdown(**SEED))
    assert by_key(lay, "card:f:U_f").tags == {"f", "recurrent"}
    assert "f" in by_key(lay, "box:f").tags
    assert highlight_choices(breakdown(**SEED)) == ("input", "recurrent", "bias", "dense", *"ifco")


@pytest.mark.parametrize(
    ("settings", "roles"),
    [
        ({"bias": False}, ("input", "recurrent")),
        ({"framework": "pytorch", "units": 4, "proj_size": 2},
         ("input", "recurrent", "bias", "second_bias", "projection")),
        ({"framework": "onnx", "peepholes": True},
         ("input", "recurrent", "bias", "second_bias", "peephole")),
    ],
)  # fmt: skip
def test_highlight_offers_only_the_roles_the_layer_has(settings, roles):
    b = breakdown(**settings)
    gates = tuple(g for g in GATE_ORDER[b.settings.framework][b.settings.cell] if g)
    assert highlight_choices(b) == (*roles, *gates)


@pytest.mark.parametrize(
    ("settings", "block", "message"),
    [
        (SEED, (1, "forward"), "block layer must be an integer from 0 to 0, not 1."),
        (SEED, (0, "backward"), "block direction must be 'forward', not 'backward'."),
        ({"bidirectional": True}, (0, "up"), "'forward' or 'backward', not 'up'."),
    ],
)
def test_bad_block_is_one_sentence(settings, block, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_block(breakdown(**settings), block)


def test_a_layout_refuses_a_label_of_more_than_one_line():
    # The painter places SVG text by its anchor and measures only its height, which
    # is right for one line only.
    with pytest.raises(ValueError, match="single line"):
        Layout(100.0, 100.0, (Label("note", 10.0, 10.0, "two\nlines"),))


def test_a_layout_refuses_two_items_with_one_key_even_of_different_kinds():
    # The key names the item's artist and its SVG id, so a box and its label must not
    # share one.
    items = (Rect("gate:f", 0.0, 0.0, 10.0, 10.0), Label("gate:f", 5.0, 5.0, "σ"))
    with pytest.raises(ValueError, match="unique; repeated: gate:f"):
        Layout(100.0, 100.0, items)


@pytest.mark.parametrize(
    ("settings", "operand"),
    [
        (dict(cell="gru"), "U·h + b′"),  # Keras 3's default, reset_after=True
        (dict(cell="gru", bias=False), "U·h"),
        (dict(cell="gru", framework="pytorch"), "U·h + b′"),
        (dict(cell="gru", reset_after=False), None),  # r ⊙ h, then U: the ⊗ sits on h
        (dict(cell="gru", framework="onnx"), None),  # linear_before_reset=0
    ],
)
def test_the_gru_drawing_says_what_the_reset_gate_scales(settings, operand):
    lay = layout(breakdown(input_size=4, units=5, **settings))
    labels = {item.key: item for item in lay.items if isinstance(item, Label)}
    shown = labels.get("reset:operand")
    assert (shown.text if shown else None) == operand
    note = next(item.text for key, item in labels.items() if key.endswith(":note"))
    assert note == (f"uses r ⊙ ({operand})" if operand else "uses U·(r ⊙ h)")
