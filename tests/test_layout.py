"""The diagram's geometry as numbers: widths, columns, cards, strip, formula runs.

layout.py is pure Python, so these tests need no matplotlib; the rendered-extent
checks live in test_diagram.py.
"""

import itertools
import subprocess
import sys

import pytest
from strategies import GATED_CELLS, GATED_FRAMEWORKS, changed_options, required_options

from lstm_widget import breakdown
from lstm_widget.conventions import (
    FRAMEWORK_SPECS,
    VARIANTS,
    cell_spec,
    convention,
)
from lstm_widget.counting import MAX_SHOWN_LAYERS, SettingsError
from lstm_widget.layout import (
    LECTURE,
    Label,
    Layout,
    Rect,
    check_block,
    layout,
    text_width,
)
from lstm_widget.layout.items import LINE_HEIGHT

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


@pytest.mark.parametrize("variant", VARIANTS)
def test_seed_layout_has_the_textbook_lstm_parts(variant):
    lay = layout(breakdown(**SEED), variant=variant)
    keys = {item.key for item in lay.items}
    for gate in ("f", "i", "candidate", "o"):
        assert {f"box:{gate}", f"card:{gate}"} <= keys
    # The gates' letters name their outputs; the candidate's card names it.
    assert {f"letter:{gate}" for gate in "fio"} <= keys and "letter:candidate" not in keys
    assert {"box:tanh_c", "op:forget", "op:add", "op:write", "op:output"} <= keys
    assert {"in:c", "in:h", "in:x", "out:c", "out:h"} <= keys
    texts = {label.text for label in lay.labels}
    assert {"10 units: 120", "candidate", "forget gate", "100"} <= texts
    assert "= 120" not in texts  # a bare subtotal under a gate reads as per unit


def test_the_title_answers_with_the_layers_own_count():
    b = breakdown(**SEED)
    assert by_key(layout(b), "title").text == b.headline()
    assert b.headline() == "Keras LSTM: 480 parameters (model with dense head: 491)"
    lecture = layout(b, variant="lecture")
    assert by_key(lecture, "title").text == "Keras LSTM: 480 parameters"
    assert by_key(lecture, "title:aside").text == "(model with dense head: 491)"
    alone = layout(breakdown(framework="pytorch"), variant="lecture")
    assert by_key(alone, "title").text == "PyTorch LSTM: 520 parameters"
    assert "title:aside" not in {item.key for item in alone.items}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_are_drawn_in_textbook_order_whatever_the_storage_order(cell, variant):
    # ONNX stores i, o, f, c; textbooks draw forget, input, candidate, output.
    for framework in ("keras", "pytorch", "onnx"):
        lay = layout(
            breakdown(cell=cell, framework=framework, units=4, input_size=3), variant=variant
        )
        gates = cell_spec(cell).gate_names
        for kind in ("box", "card"):
            xs = [by_key(lay, f"{kind}:{g}").x for g in gates]
            assert xs == sorted(xs), (framework, kind)


@pytest.mark.parametrize(
    ("settings", "boxes"),
    [
        ({"cell": "gru"}, {"box:r", "box:z", "box:candidate", "op:one_minus", "op:reset"}),
        ({"cell": "gru", "framework": "pytorch"}, {"box:r", "box:z", "box:candidate"}),
        ({"cell": "rnn"}, {"box:cell"}),
    ],
)
@pytest.mark.parametrize("variant", VARIANTS)
def test_gru_and_rnn_get_their_own_drawings(settings, boxes, variant):
    keys = {item.key for item in layout(breakdown(**settings), variant=variant).items}
    assert boxes <= keys
    assert "box:tanh_c" not in keys and "op:forget" not in keys


@pytest.mark.parametrize("variant", VARIANTS)
def test_cards_list_each_gates_groups_and_sum_to_the_block(variant):
    b = breakdown(framework="pytorch", units=20, input_size=10, proj_size=5)
    lay = layout(b, variant=variant)
    totals = [label for label in lay.labels if label.key.endswith(":total")]
    assert all(t.text.startswith("20 units: ") for t in totals)
    block_count = b.blocks[0].count
    assert sum(int(t.text.split(": ")[1].replace(",", "")) for t in totals) == block_count
    for g in b.groups:
        card = "proj" if g.role == "projection" else g.stable_gate
        count = by_key(lay, f"card:{card}:{g.role}:n")
        assert count.text == f"{g.count:,}"
        assert count.ink == g.role  # colour means role
        shape = "×".join(f"{n:,}" for n in g.shape)
        assert by_key(lay, f"card:{card}:{g.role}").text == f"{g.letter}  {shape}"


def test_card_rows_come_in_role_order_and_a_single_unit_is_singular():
    lay = layout(breakdown(framework="onnx", peepholes=True, units=1, input_size=2))
    rows = sorted(
        (label for label in lay.labels if label.key.startswith("card:f:") and label.ha == "left"),
        key=lambda label: label.y,
    )
    assert [row.text.split()[0] for row in rows] == ["forget", "W", "U", "b", "b'", "p"]
    assert by_key(lay, "card:f:total").text == "1 unit: 6"  # 2 + 1 + 1 + 1 + 1


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
    for cell, framework in itertools.product(GATED_CELLS, GATED_FRAMEWORKS):
        if cell not in FRAMEWORK_SPECS[framework].cells:
            continue
        for (x, h), layers, bidirectional, bias, dense in itertools.product(
            sizes, (1, 3, 7), (False, True), (True, False), (0, 5)
        ):
            layout_ = convention(framework, cell)
            if not (bias or layout_.optional_bias) or (
                bidirectional and not layout_.bidirectional
            ):
                continue
            settings = dict(
                cell=cell, framework=framework, input_size=x, units=h, layers=layers,
                bidirectional=bidirectional, bias=bias, dense=dense, **required_options(cell),
            )  # fmt: skip
            yield settings
            yield from changed_options(settings)


@pytest.mark.parametrize("variant", VARIANTS)
def test_estimated_label_boxes_never_overlap_and_stay_on_the_canvas(variant):
    checked = 0
    for settings in grid():
        b = breakdown(**settings)
        block = (b.settings.layers - 1, "backward" if b.settings.bidirectional else "forward")
        lay = layout(b, block, variant)
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


#: What a lecture shows: the seed, and each drawing and option that changes the cards.
LECTURE_CASES = [
    SEED,
    {**SEED, "framework": "pytorch"},  # two biases: four-row cards
    {**SEED, "cell": "gru"},
    {**SEED, "framework": "onnx", "peepholes": True},  # five-row cards
    {**SEED, "framework": "pytorch", "proj_size": 5},  # a fifth card
    {**SEED, "cell": "rnn"},
]


def test_lecture_text_is_never_smaller_than_18_css_px():
    # 13.5 pt is 18 CSS px when the SVG shows at its natural size (1 pt = 4/3 px).
    assert LECTURE.small * 4 / 3 >= 18
    for settings in grid():
        lay = layout(breakdown(**settings), variant="lecture")
        assert min(label.size for label in lay.labels) * 4 / 3 >= 18, settings


@pytest.mark.parametrize("settings", LECTURE_CASES)
def test_the_lecture_drawing_fits_beside_the_controls_at_1280x720(settings):
    lay = layout(breakdown(**settings), variant="lecture")
    assert lay.width <= 600 and lay.height <= 400, (lay.width, lay.height)


def test_the_lecture_drawing_leaves_the_strip_legend_and_formula_out():
    full, lecture = (layout(breakdown(**SEED), variant=v) for v in ("full", "lecture"))
    left_out = ("strip:", "legend:", "formula:", "subtitle")
    assert any(item.key.startswith(left_out) for item in full.items)
    assert not any(item.key.startswith(left_out) for item in lecture.items)
    assert lecture.height < full.height


def test_long_counts_widen_the_lecture_drawing_instead_of_overlapping():
    small = layout(breakdown(**SEED), variant="lecture")
    large = layout(breakdown(**{**SEED, "units": 1024, "input_size": 1024}), variant="lecture")
    assert large.width > small.width
    cards = sorted(
        (
            i
            for i in large.items
            if isinstance(i, Rect) and i.key.count(":") == 1 and i.key.startswith("card:")
        ),
        key=lambda c: c.x,
    )
    for left, right in itertools.pairwise(cards):
        assert left.x + left.width < right.x


def test_a_stack_names_the_cell_drawn_in_the_lecture_drawing():
    b = breakdown(layers=2, bidirectional=True, units=4, input_size=3)
    lay = layout(b, (1, "backward"), "lecture")
    assert (
        by_key(lay, "cell:heading").text
        == f"One LSTM cell (layer 2, backward): {b.blocks[3].count:,} parameters"
    )
    assert by_key(lay, "unit:0:label").text == "one unit of layer 2:"
    assert "cell:heading" not in {
        i.key for i in layout(breakdown(**SEED), variant="lecture").items
    }


@pytest.mark.parametrize("variant", ["", "Lecture", "slides", None, 1])
def test_a_bad_variant_is_one_sentence(variant):
    with pytest.raises(SettingsError, match=r"^variant must be one of full, lecture, not .*\.$"):
        layout(breakdown(**SEED), variant=variant)


def test_label_extent_follows_alignment():
    label = Label("k", 100, 50, "480", 10, ha="right")
    left, top, right, bottom = label.extent
    assert right == 100 and left == pytest.approx(100 - label.width)
    assert bottom - top == pytest.approx(LINE_HEIGHT * 10)


@pytest.mark.parametrize("variant", VARIANTS)
def test_signature_survives_number_changes_but_not_structure_changes(variant):
    base = layout(breakdown(**SEED), variant=variant)
    assert (
        layout(breakdown(**{**SEED, "units": 11_000}), variant=variant).signature == base.signature
    )
    assert (
        layout(breakdown(**{**SEED, "bias": False}), variant=variant).signature != base.signature
    )
    assert (
        layout(breakdown(**{**SEED, "cell": "gru"}), variant=variant).signature != base.signature
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_text_only_changes_are_detected_as_numbers(variant):
    small = layout(breakdown(**{**SEED, "units": 20}), variant=variant)
    same_digits = layout(breakdown(**{**SEED, "units": 21}), variant=variant)
    more_digits = layout(breakdown(**{**SEED, "units": 200}), variant=variant)
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
    assert len(strip_titles) == MAX_SHOWN_LAYERS


def test_the_strip_and_cards_show_each_layers_own_width():
    b = breakdown(units=(32, 18), input_size=3, dense=1)
    lay = layout(b, (1, "forward"))
    arrows = ["strip:in0:w", "strip:in1:w", "strip:dense_in:w", "strip:out:w"]
    assert [by_key(lay, key).text for key in arrows] == ["3", "32", "18", "1"]
    assert [by_key(lay, f"strip:{k}:forward:n").text for k in (0, 1)] == ["4,608", "3,672"]
    totals = [t.text for t in lay.labels if t.key.startswith("card:") and t.key.endswith(":total")]
    assert totals and all(text.startswith("18 units: ") for text in totals)
    assert "32 → 18 units" in by_key(lay, "subtitle").text


def test_deep_stacks_of_different_widths_collapse_only_identical_layers():
    b = breakdown(units=(64,) * 5 + (32,) * 5, input_size=64)
    columns = b.settings.shown_layers()
    assert [label for label, _, _ in columns] == [
        "layer 1", "layer 2", "layers 3–5", "layer 6", "layer 7", "layers 8–9", "layer 10",
    ]  # fmt: skip
    for _, first, last in columns:
        # A collapsed column repeats the layer shown before it, count for count.
        assert len({b.layer_totals[k] for k in range(first - (first != last), last + 1)}) == 1
    titles = [label.text for label in layout(b).labels if label.key.endswith(":title")]
    assert [t for t in titles if t.startswith("LSTM")] == [
        "LSTM 1", "LSTM 2", "LSTM 3–5", "LSTM 6", "LSTM 7", "LSTM 8–9", "LSTM 10",
    ]  # fmt: skip


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


@pytest.mark.parametrize("variant", VARIANTS)
def test_per_unit_view_answers_the_seed_question(variant):
    lay = layout(breakdown(**SEED), variant=variant)
    assert by_key(lay, "unit:0:label").text == "one unit:"
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
        notes[tuple(settings.items())] = by_key(layout(b), "card:candidate:note").text
    assert list(notes.values()) == ["uses r ⊙ (U·h + b′)", "uses U·(r ⊙ h)", "uses r ⊙ (U·h + b′)"]


def test_highlight_tags_follow_roles_and_gates():
    lay = layout(breakdown(**SEED))
    assert by_key(lay, "card:f:recurrent").tags == {"f", "recurrent"}
    assert "f" in by_key(lay, "box:f").tags
    assert by_key(lay, "card:candidate:input").tags == {"candidate", "input"}
    assert breakdown(**SEED).highlights.choices == (
        "input", "recurrent", "bias", "dense", "f", "i", "candidate", "o",
    )  # fmt: skip


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
    assert b.highlights.choices == (*roles, "f", "i", "candidate", "o")


@pytest.mark.parametrize(
    ("cell", "framework", "letter"),
    [("lstm", "keras", "c"), ("lstm", "pytorch", "g"), ("lstm", "onnx", "c"),
     ("gru", "keras", "h"), ("gru", "pytorch", "n"), ("gru", "onnx", "h")],
)  # fmt: skip
def test_a_frameworks_own_letter_names_the_same_gate(cell, framework, letter):
    b = breakdown(cell=cell, framework=framework)
    assert letter not in b.highlights.choices  # one vocabulary is offered ...
    assert b.highlights.resolve(letter) == "candidate"  # ... and every letter is accepted
    assert b.highlights.resolve("candidate") == "candidate"
    # Every framework's letter for this cell's gates, whichever framework is shown.
    for spec in FRAMEWORK_SPECS.values():
        stored = spec.cells.get(cell)
        for gate in stored.gate_order if stored else ():
            assert b.highlights.resolve(gate) == stored.stable_gate(gate)
    assert b.highlights.resolve(None) is None


@pytest.mark.parametrize(
    ("settings", "highlight", "message"),
    [
        (SEED, "peephole", "highlight must be one of input, recurrent, bias, dense, f, i, "
         "candidate, o (or the candidate's letter c, g, j), not 'peephole'."),
        ({"cell": "gru"}, "c", "highlight must be one of input, recurrent, bias, "
         "second_bias, r, z, candidate (or the candidate's letter h, n), not 'c'."),
        ({"cell": "rnn"}, "f", "highlight must be one of input, recurrent, bias, not 'f'."),
        (SEED, ["f"], "not ['f']."),
    ],
)  # fmt: skip
def test_a_bad_highlight_is_one_sentence(settings, highlight, message):
    with pytest.raises(SettingsError) as error:
        breakdown(**settings).highlights.resolve(highlight)
    assert str(error.value).endswith(message)


@pytest.mark.parametrize(
    ("name", "new", "kept"),
    [
        ("candidate", {"framework": "pytorch"}, "candidate"),
        ("g", {"framework": "keras"}, "candidate"),  # a letter from the old framework
        ("c", {"framework": "pytorch"}, "candidate"),
        ("f", {"framework": "onnx"}, "f"),
        ("candidate", {"cell": "gru"}, "candidate"),  # the GRU has a candidate too
        ("f", {"cell": "gru"}, None),  # ... but no forget gate
        ("candidate", {"cell": "rnn"}, None),
        ("recurrent", {"cell": "rnn"}, "recurrent"),
        ("second_bias", {"framework": "keras"}, None),
        ("peephole", {"framework": "onnx", "peepholes": True}, "peephole"),
        (None, {}, None),
        ("", {}, None),
    ],
)
def test_a_highlight_is_carried_across_a_switch_when_the_new_layer_has_it(name, new, kept):
    assert breakdown(**new).highlights.carry(name) == kept


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
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_gru_drawing_says_what_the_reset_gate_scales(settings, operand, variant):
    lay = layout(breakdown(input_size=4, units=5, **settings), variant=variant)
    labels = {item.key: item for item in lay.items if isinstance(item, Label)}
    shown = labels.get("reset:operand")
    assert (shown.text if shown else None) == operand
    note = next(item.text for key, item in labels.items() if key.endswith(":note"))
    assert note == (f"uses r ⊙ ({operand})" if operand else "uses U·(r ⊙ h)")
