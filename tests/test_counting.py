"""The counting core beyond the gallery: formula, per-unit reading, shapes, memory,
serialisation, exactness at any size, and one-sentence errors for bad settings."""

import json
import math
import re
from dataclasses import asdict

import pytest
from hypothesis import given, settings
from strategies import GATED_FRAMEWORKS, any_settings, changed_options

from lstm_widget import Settings, SettingsError, breakdown
from lstm_widget.conventions import (
    CELLS,
    FRAMEWORK_SPECS,
    MAX_LAYERS,
    MAX_SIZE,
    ROLES,
    cell_spec,
    gate_letters,
)
from lstm_widget.counting import DTYPE_BYTES, layers_label
from lstm_widget.report import formula_html, formula_latex
from lstm_widget.style import LIGHT


def evaluate(expression: str, **symbols: int) -> int:
    """Evaluate a formula as printed: ``×`` multiplies, ``2h`` means 2·h, 1,000 is 1000."""
    python = expression.replace("×", "*").replace("·", "*").replace(",", "")
    python = re.sub(r"(\d)([A-Za-z])", r"\1*\2", python)
    value = eval(python, {"__builtins__": {}}, symbols)  # only digits, symbols, + * ( )
    assert isinstance(value, int)
    return value


MANY = settings(max_examples=300, deadline=None)


@MANY
@given(s=any_settings())
def test_formula_lines_add_up_and_every_rendering_evaluates_to_its_value(s):
    b = breakdown(**s)
    assert sum(line.value for line in b.formula.lines) == b.formula.total == b.total
    s = b.settings
    runs = [*s.runs(), (s.layers - 1, s.layers - 1)]  # the dense head reads the top layer
    for line, (first, last) in zip(b.formula.lines, runs, strict=False):
        # Each line's x is its layer's input and h its width: 32 → 18 reads x=32, h=18.
        x, h = s.layer_input(first), s.layer_units(first)
        symbols = dict(x=x, h=h, P=s.proj_size, n=s.dense)
        # A ConvLSTM's kernel area, input channels and filters.
        symbols |= dict(k=math.prod(s.kernel), c=x, f=h)
        if line.label != "dense head":
            assert line.label == layers_label(first, last)
        assert evaluate(line.render("numeric")) == line.value, line.label
        assert evaluate(line.render("symbolic"), **symbols) == line.value, line.label
    text = b.formula.text()
    assert text.splitlines()[-1].endswith(f"= {b.total:,}")
    assert len(text.splitlines()) == len(b.formula.lines) + (len(b.formula.lines) > 1)


@MANY
@given(s=any_settings())
def test_subtotals_roles_and_blocks_partition_the_total(s):
    b = breakdown(**s)
    # The head reads the top layer's output: its projection's width, else its units.
    d, top = b.settings.directions, b.settings.proj_size or b.settings.layer_units(-1)
    assert sum(b.layer_totals) + b.dense_total == b.total
    assert sum(block.count for block in b.blocks) == b.total
    assert len(b.layer_totals) == b.settings.layers
    assert b.dense_total == (d * top + 1) * b.settings.dense
    totals = b.role_totals()
    assert sum(totals.values()) == b.total
    assert list(totals) == [role for role in ROLES if role in totals]
    assert all(count > 0 for count in totals.values())
    assert ("dense" in totals) == bool(b.settings.dense)
    assert ("bias" in totals) == b.settings.bias
    assert all(isinstance(g.count, int) and g.count > 0 for g in b.groups)


@MANY
@given(s=any_settings())
def test_per_unit_reading_times_units_is_each_layer(s):
    b = breakdown(**s)
    for layer, (reading, subtotal) in enumerate(zip(b.per_unit, b.layer_totals, strict=True)):
        assert reading.layer == layer
        units = b.settings.widths[layer]
        assert reading.per_unit * units * b.settings.directions == subtotal
        assert reading.total == subtotal
        assert reading.text().endswith(f"= {subtotal:,}")
        unit = "filter" if b.settings.kernel else "unit"
        assert f"= {reading.per_unit:,}; × {units:,} {unit}" in reading.text()


@MANY
@given(s=any_settings())
def test_output_shapes_memory_and_json(s):
    b = breakdown(**s)
    widths = [b.settings.directions * (b.settings.proj_size or h) for h in b.settings.widths]
    layers = [shape for name, shape in b.output_shapes if name != "dense head"]
    lead = (None, None) + (None,) * len(b.settings.kernel)  # a ConvLSTM's spatial axes
    assert layers == [(*lead, width) for width in widths]
    assert b.output_shape == (*lead, b.settings.dense or widths[-1])
    for dtype, size in DTYPE_BYTES.items():
        assert b.memory_bytes(dtype) == b.total * size
    data = b.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["total"] == b.total
    assert Settings(**data["settings"]) == b.settings
    assert sum(group["count"] for group in data["groups"]) == b.total
    assert data["memory_bytes"]["float32"] == 4 * b.total


def test_seed_question_per_unit_reading():
    b = breakdown(units=10, input_size=1, dense=1)
    assert b.per_unit[0].text() == (
        "each unit: 4 blocks (3 gates + candidate) × (1 input + 10 recurrent + 1 bias) = 48; "
        "× 10 units = 480"
    )
    assert b.per_unit[0].per_unit == 48


def test_seed_formula_text_substitutes_the_numbers():
    lines = breakdown(units=10, input_size=1, dense=1).formula.text().splitlines()
    assert lines == [
        "layer 1: 4 × (x × h + h × h + h) = 4 × (1 × 10 + 10 × 10 + 10) = 480",
        "dense head: h × n + n = 10 × 1 + 1 = 11",
        "total: 480 + 11 = 491",
    ]


def test_per_unit_reading_with_projection_and_two_directions():
    b = breakdown(framework="pytorch", input_size=10, units=20, proj_size=5, layers=2)
    assert b.per_unit[1].text() == (
        "each unit: 4 blocks (3 gates + candidate) × (5 input + 5 recurrent + 2 biases) "
        "+ 5 projection = 53; × 20 units = 1,060"
    )
    bi = breakdown(framework="pytorch", input_size=10, units=20, bidirectional=True)
    assert bi.per_unit[0].text().endswith("× 20 units × 2 directions = 5,120")


def test_per_unit_reading_with_peepholes():
    b = breakdown(framework="onnx", peepholes=True, input_size=1, units=10)
    assert b.per_unit[0].text() == (
        "each unit: 4 blocks (3 gates + candidate) × (1 input + 10 recurrent + 2 biases) "
        "+ 3 peepholes = 55; × 10 units = 550"
    )


def test_identical_stacked_layers_share_one_formula_line():
    b = breakdown(cell="rnn", input_size=10, units=10, layers=3)
    assert [line.label for line in b.formula.lines] == ["layers 1–3"]
    assert b.formula.lines[0].render("numeric") == "3 × (10 × 10 + 10 × 10 + 10)"


def test_formula_html_colours_each_role_and_latex_is_pure_latex():
    b = breakdown(framework="onnx", peepholes=True, units=1000, input_size=1, dense=2)
    html = formula_html(b.formula, LIGHT.roles)
    for role in ("input", "recurrent", "bias", "second_bias", "peephole", "dense"):
        assert f"color:{LIGHT.roles[role]}" in html, role
    latex = formula_latex(b.formula)
    assert latex.startswith(r"\begin{aligned}") and latex.endswith(r"\end{aligned}")
    assert "×" not in latex and r"\times" in latex
    assert "{,}" in latex and "," not in latex.replace("{,}", ""), "braced thousands"


def test_counts_are_exact_python_ints_at_any_size():
    h = 10**6
    b = breakdown(units=h, input_size=1)
    assert b.total == 4 * (1 * h + h * h + h) == 4_000_008_000_000
    assert type(b.total) is int
    huge = breakdown(framework="pytorch", units=10**9, input_size=10**9, layers=MAX_LAYERS)
    x = h = 10**9
    first, rest = 4 * (x * h + h * h + 2 * h), 4 * (h * h + h * h + 2 * h)
    assert huge.total == first + (MAX_LAYERS - 1) * rest
    assert huge.memory_bytes("float64") == 8 * huge.total


def test_settings_object_and_keyword_changes_combine():
    base = Settings(cell="gru", input_size=4, units=5)
    assert breakdown(base).total == 165
    assert breakdown(base, reset_after=False).total == 150
    assert base.replace(units=6).units == 6
    with pytest.raises(SettingsError):
        base.replace(units=0)


def test_group_names_point_into_the_framework_tensor():
    b = breakdown(units=10, input_size=1)
    forget = next(g for g in b.groups if g.gate == "f" and g.role == "input")
    assert forget.name == "lstm/lstm_cell/kernel[:, 10:20]"
    assert (forget.symbol, forget.shape, forget.count) == ("W_f", (1, 10), 10)
    assert forget.gate_name == "forget gate"
    assert (forget.stable_gate, forget.letter) == ("f", "W")
    assert json.loads(json.dumps(forget.to_dict()))["tensor_shape"] == [1, 40]


BAD = [
    (dict(units=0), "0"),
    (dict(units=-3), "-3"),
    (dict(units=2.5), "2.5"),
    (dict(units="10"), "'10'"),
    (dict(units=True), "True"),
    (dict(input_size=0), "0"),
    (dict(input_size=None), "None"),
    (dict(layers=0), "0"),
    (dict(layers=MAX_LAYERS + 1), str(MAX_LAYERS + 1)),
    (dict(dense=-1), "-1"),
    (dict(dense=1.0), "1.0"),
    (dict(cell="lstmx"), "'lstmx'"),
    (dict(cell="LSTM"), "'LSTM'"),
    (dict(framework="tensorflow"), "'tensorflow'"),
    (dict(proj_size=3), "proj_size=3"),
    (dict(framework="pytorch", cell="gru", proj_size=3), "proj_size=3"),
    (dict(framework="onnx", proj_size=3), "proj_size=3"),
    (dict(framework="pytorch", units=10, proj_size=10), "proj_size=10"),
    (dict(framework="pytorch", units=10, proj_size=11), "proj_size=11"),
    (dict(framework="pytorch", proj_size=-1), "-1"),
    (dict(framework="pytorch", cell="gru", reset_after=False), "reset_after=False"),
    (dict(cell="lstm", reset_after=False), "reset_after=False"),
    (dict(framework="onnx", cell="gru", reset_after=False), "reset_after=False"),
    (dict(peepholes=True), "peepholes=True"),
    (dict(framework="pytorch", peepholes=True), "peepholes=True"),
    (dict(framework="onnx", cell="gru", peepholes=True), "peepholes=True"),
    (dict(bidirectional="yes"), "'yes'"),
    (dict(bias=1), "1"),
    (dict(hidden_size=3), "'hidden_size'"),
]


@pytest.mark.parametrize(("bad", "named"), BAD, ids=[str(bad) for bad, _ in BAD])
def test_bad_settings_raise_one_sentence_naming_the_value(bad, named):
    with pytest.raises(SettingsError) as raised:
        breakdown(**bad)
    message = str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert named in message
    assert message.endswith(".") and "\n" not in message
    assert ". " not in message, "one sentence"


def test_bad_settings_messages_say_what_is_allowed():
    cases = {
        "cell must be one of lstm, gru, rnn": dict(cell="lstmx"),
        "framework must be one of keras, pytorch, onnx, cudnn, tf1, flax": dict(framework="tf"),
        "units must be an integer from 1 to 1,000,000,000,000, not 0.": dict(units=0),
        "input_size must be an integer from 1 to 1,000,000,000,000, not 1,000,000,000,001.": dict(
            input_size=MAX_SIZE + 1
        ),
        # Python cannot even print an int this long; the message gives its length.
        "not a number of 5,001 digits.": dict(units=10**5000),
        "not a negative number of 31 digits.": dict(units=-(10**30)),
        "dense must be an integer from 0 to 1,000,000,000,000, not -1.": dict(dense=-1),
        f"layers must be an integer from 1 to {MAX_LAYERS}": dict(layers=0),
        "applies only to a PyTorch LSTM, a TF1 LSTMCell, a minGRU-pytorch minGRU or a "
        "minGRU-pytorch minLSTM, not an ONNX LSTM": dict(framework="onnx", proj_size=1),
        "must be smaller than units=4": dict(framework="pytorch", units=4, proj_size=4),
        "framework='cudnn' has no rnn cell; it has lstm (CuDNNLSTM), gru (CuDNNGRU).": dict(
            framework="cudnn", cell="rnn"
        ),
        "bias=False is not possible: a Keras 2 CuDNNGRU always has its biases; use bias=True.": (
            dict(framework="cudnn", cell="gru", bias=False)
        ),
        "settings are cell, input_size, units": dict(hidden=2),
    }
    for expected, bad in cases.items():
        with pytest.raises(SettingsError, match=re.escape(expected)):
            breakdown(**bad)


def test_unknown_dtype_is_a_settings_error():
    with pytest.raises(SettingsError, match="dtype must be one of float64, float32"):
        breakdown().memory_bytes("float8")


def test_defaults_are_the_seed_layer():
    assert asdict(Settings()) == dict(
        cell="lstm",
        input_size=1,
        units=10,
        framework="keras",
        layers=1,
        bidirectional=False,
        bias=True,
        proj_size=0,
        reset_after=True,
        peepholes=False,
        kernel=(),
        optimized=False,
        dense=0,
        # xLSTM's, at the package's defaults (conventions/xlstm.py says where).
        scope="block",
        heads=4,
        conv_kernel=4,
        norm_weight=True,
        feedforward=True,
        ffn_factor=1.3,
        ffn_bias=False,
        proj_factor=2.0,
        qkv_blocksize=4,
        proj_bias=False,
        round_to=64,
        round_up=True,
        post_norm=True,
    )


def test_numpy_integers_are_accepted_and_counts_stay_python_ints():
    import numpy as np  # always present: matplotlib depends on it

    b = breakdown(units=np.int64(10), input_size=np.int32(1), dense=np.uint8(1))
    assert b.total == 491
    assert type(b.total) is int and type(b.settings.units) is int


def test_print_shows_the_text_table():
    from lstm_widget.report import text_table

    b = breakdown(units=10, input_size=1, dense=1)
    assert str(b) == text_table(b)
    assert "Keras LSTM: 480 parameters (model with dense head: 491); 1.92 KB at float32" in str(b)


def test_html_table_cells_carry_their_alignment():
    # Notebook stylesheets right-align every table cell unless the cell says otherwise.
    from lstm_widget.report import html_table

    html = html_table(breakdown(units=10, input_size=1, dense=1))
    cells = re.findall(r"<t[dh](?:\s[^>]*)?>(?!</)", html)  # every cell with content
    assert len(cells) > 50
    assert [cell for cell in cells if "text-align" not in cell] == []


def test_the_headline_leads_with_the_recurrent_layers_own_count():
    seed = breakdown(units=10, input_size=1, dense=1)
    assert seed.recurrent_total == 480
    assert seed.headline_parts() == ("Keras LSTM: 480 parameters", "model with dense head: 491")
    assert seed.headline() == "Keras LSTM: 480 parameters (model with dense head: 491)"
    assert breakdown(framework="pytorch").headline() == "PyTorch LSTM: 520 parameters"
    deep = breakdown(cell="gru", framework="pytorch", layers=3, bidirectional=True, dense=2)
    answer, aside = deep.headline_parts()
    recurrent = sum(deep.layer_totals)
    assert answer == f"PyTorch GRU (3 layers, bidirectional): {recurrent:,} parameters"
    assert aside == f"model with dense head: {deep.total:,}"


@pytest.mark.parametrize(
    ("cell", "framework", "candidate"),
    [("lstm", "keras", "c"), ("lstm", "pytorch", "g"), ("lstm", "onnx", "c"),
     ("gru", "keras", "h"), ("gru", "pytorch", "n"), ("gru", "onnx", "h")],
)  # fmt: skip
def test_the_candidate_has_one_name_whatever_the_frameworks_letter(cell, framework, candidate):
    b = breakdown(cell=cell, framework=framework, units=3, input_size=2)
    groups = [g for g in b.groups if g.gate == candidate]
    assert groups and {g.stable_gate for g in groups} == {"candidate"}
    assert {g.symbol for g in groups if g.role == "input"} == {"W_cand"}
    assert gate_letters(cell)[candidate] == "candidate"


@pytest.mark.parametrize(
    ("cell", "framework"),
    # Every layer of matrix products with gates, in each framework that has it (xLSTM's
    # blocks, counted apart, in tests/test_xlstm_fronts.py).
    [(c, f) for f in GATED_FRAMEWORKS for c in CELLS
     if c in FRAMEWORK_SPECS[f].cells and not cell_spec(c).kernel_dims and c != "rnn"],
)  # fmt: skip
def test_block_groups_come_in_textbook_order_and_keep_storage_slices(cell, framework):
    plain = dict(cell=cell, framework=framework, units=4, input_size=3)
    # Every option this layer has, moved off its neutral value.
    b = breakdown(**{k: v for s in (plain, *changed_options(plain)) for k, v in s.items()})
    shown = b.block_groups(0, "forward")
    assert sorted(shown, key=b.groups.index) == list(b.groups)  # the same groups
    gates = [g.stable_gate for g in shown if g.role != "projection"]
    assert list(dict.fromkeys(gates)) == list(cell_spec(cell).gate_names)
    if b.settings.proj_size:
        assert shown[-1].role == "projection"
    # Storage order stays in the slices: the first gate shown need not be stored first.
    forget = next(g for g in shown if g.stable_gate == cell_spec(cell).gate_names[0])
    stored = b.settings.convention.gate_order.index(forget.gate)
    if b.settings.convention.fused:  # as an option may switch it
        assert f"{stored * 4}:{stored * 4 + 4}" in forget.name
    else:  # one tensor per gate: the gate's own, whole
        assert forget.index == "" and forget.tensor_shape == forget.shape


def test_the_per_unit_factor_says_gates_and_candidate():
    assert breakdown().per_unit[0].blocks_text() == "4 blocks (3 gates + candidate)"
    assert breakdown(cell="gru").per_unit[0].blocks_text() == "3 blocks (2 gates + candidate)"
    assert breakdown(cell="rnn").per_unit[0].text().startswith("each unit: 1 input + 10 recurrent")


@pytest.mark.parametrize(
    ("kernel", "channels", "expected"),
    [((3, 3), 1, 9_856), ((3, 3), 16, 18_496), ((3,), 1, 3_328), ((3, 3, 3), 1, 29_440)],
)
def test_conv_lstm_counts_the_kernel_area_of_every_channel(kernel, channels, expected):
    """ConvLSTM2D(16, (3, 3)) on 1 channel, then on its own 16: 9,856 and 18,496.

    4 × (k·c·f + k·f·f + f) with k the kernel's area, here worked by hand.
    """
    b = breakdown(cell="convlstm", kernel=kernel, units=16, input_size=channels)
    k = math.prod(kernel)
    assert b.total == 4 * (k * channels * 16 + k * 16 * 16 + 16) == expected
    assert b.per_unit[0].text().startswith("each filter: ")
    assert b.per_unit[0].text().endswith(f"× 16 filters = {expected:,}")
    assert f"{len(kernel)}D (16 filters, kernel " in b.headline()
    shapes = {g.role: g.shape for g in b.block_groups(0, "forward") if g.stable_gate == "f"}
    assert shapes == {
        "input": (*kernel, channels, 16),
        "recurrent": (*kernel, 16, 16),
        "bias": (16,),
    }


def test_a_stack_of_different_widths_counts_each_layer_on_the_one_below():
    """The asker's LSTM(32) → LSTM(18) → Dense(1) on 3 features: 4,608 + 3,672 + 19."""
    b = breakdown(units=(32, 18), input_size=3, dense=1)
    assert b.settings.layers == 2, "the list says how many layers"
    assert b.layer_totals == (4 * (3 * 32 + 32 * 32 + 32), 4 * (32 * 18 + 18 * 18 + 18))
    assert b.layer_totals == (4_608, 3_672) and b.dense_total == 19 and b.total == 8_299
    assert b.formula.text().splitlines() == [
        "layer 1: 4 × (x × h + h × h + h) = 4 × (3 × 32 + 32 × 32 + 32) = 4,608",
        "layer 2: 4 × (x × h + h × h + h) = 4 × (32 × 18 + 18 × 18 + 18) = 3,672",
        "dense head: h × n + n = 18 × 1 + 1 = 19",
        "total: 4,608 + 3,672 + 19 = 8,299",
    ]
    assert [p.units for p in b.per_unit] == [32, 18]
    assert "× 18 units = 3,672" in b.per_unit[1].text()
    assert b.headline() == (
        "Keras LSTM (2 layers of 32 → 18 units): 8,280 parameters (model with dense head: 8,299)"
    )
    shapes = [shape for _, shape in b.output_shapes]
    assert shapes == [(None, None, 32), (None, None, 18), (None, None, 1)]
    kernel = next(g for g in b.groups if g.layer == 1 and g.role == "input")
    assert kernel.tensor_shape == (32, 4 * 18)
    data = json.loads(json.dumps(b.to_dict()))
    assert data["settings"]["units"] == [32, 18]
    assert Settings(**data["settings"]) == b.settings


def test_identical_consecutive_layers_share_a_formula_line():
    b = breakdown(framework="pytorch", units=(8, 8, 8, 4, 4, 4), input_size=8, bidirectional=True)
    # Layer 1 sees 8 features, layers 2-3 the 16 of the 8-wide layer below; layer 4 is
    # the first 4-wide one (16 in), layers 5-6 see 8.
    assert b.settings.runs() == ((0, 0), (1, 2), (3, 3), (4, 5))
    assert [line.label for line in b.formula.lines] == [
        "layer 1",
        "layers 2–3",
        "layer 4",
        "layers 5–6",
    ]
    assert [line.repeat for line in b.formula.lines] == [1, 2, 1, 2]
    assert b.formula.total == b.total == sum(b.layer_totals)
    # Layer 4 reads an input of its own width symbol, x: the layer below is wider.
    assert b.formula.lines[2].render("symbolic").startswith("2 × 4 × (x × h")
    assert b.formula.lines[3].render("symbolic").startswith("2 × 2 × 4 × (2h × h")


def test_widths_that_are_all_equal_are_one_width():
    stack = Settings(units=[8, 8, 8], input_size=2)
    assert stack == Settings(units=8, layers=3, input_size=2)
    assert hash(stack) == hash(Settings(units=8, layers=3, input_size=2))
    assert stack.units == 8 and stack.widths == (8, 8, 8)
    mixed = Settings(units=[8, 4])
    assert mixed.units == (8, 4) and hash(mixed) == hash(Settings(units=(8, 4), layers=2))
    assert Settings(units=(5,)).units == 5
    assert mixed.replace(units=3).widths == (3, 3), "one int sets every layer"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            dict(framework="pytorch"),
            r"^cell='convlstm' \(ConvLSTM\) exists only in Keras, not in PyTorch",
        ),
        (dict(framework="onnx"), "exists only in Keras, not in ONNX; use framework='keras'."),
        (dict(kernel=()), "A Keras ConvLSTM needs kernel, a tuple of 1 to 3 sizes"),
        (dict(kernel=3), "kernel must be a tuple of 1 to 3 sizes from 1 to 1,000 such as"),
        (dict(kernel=(3, 3, 3, 3)), r"not \(3, 3, 3, 3\)\.$"),
        (dict(kernel=(3, 0)), r"not \(3, 0\)\.$"),
        (dict(kernel=(3, True)), "kernel must be a tuple"),
        (
            dict(proj_size=2),
            "proj_size=2 applies only to a PyTorch LSTM, a TF1 LSTMCell, a minGRU-pytorch "
            "minGRU or a minGRU-pytorch minLSTM, not a Keras ConvLSTM",
        ),
        (
            dict(peepholes=True),
            "peepholes=True applies only to an ONNX LSTM or a TF1 LSTMCell, not a Keras ConvLSTM",
        ),
        (
            dict(reset_after=False),
            "reset_after=False applies only to a Keras GRU, not a Keras Conv",
        ),
    ],
)
def test_conv_lstm_refuses_what_it_lacks_in_one_sentence(changes, message):
    with pytest.raises(SettingsError, match=message) as raised:
        breakdown(**{"cell": "convlstm", "kernel": (3, 3), **changes})
    assert str(raised.value).count(". ") == 0 and str(raised.value).endswith(".")


def test_a_kernel_on_a_cell_of_matrix_products_is_refused():
    with pytest.raises(
        SettingsError,
        match=r"^kernel=\(3, 3\) applies only to a Keras ConvLSTM, "
        r"not a Keras LSTM; use kernel=\(\)\.$",
    ):
        breakdown(kernel=(3, 3))
    assert breakdown(kernel=[3, 3], cell="convlstm").settings.kernel == (3, 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(units=(32, 18), layers=3),
         "units lists 2 widths (32 → 18) but layers=3; give one width per layer, "
         "or leave layers at 1."),
        (dict(units=()), "units must be an integer from 1 to 1,000,000,000,000, or one such "
         "integer per layer such as (32, 18), not an empty list."),
        (dict(units=(32, 0)),
         "units of layer 2 must be an integer from 1 to 1,000,000,000,000, not 0."),
        (dict(units=(32, 1.5)),
         "units of layer 2 must be an integer from 1 to 1,000,000,000,000, not 1.5."),
        (dict(units="32,18"),
         "units must be an integer from 1 to 1,000,000,000,000, not '32,18'."),
        (dict(framework="pytorch", units=(64, 8), proj_size=8),
         "proj_size=8 must be smaller than each layer's units (64 → 8) "
         "(PyTorch requires proj_size < hidden_size)."),
    ],
)  # fmt: skip
def test_bad_widths_are_refused_with_one_sentence(changes, message):
    with pytest.raises(SettingsError) as error:
        breakdown(**changes)
    assert str(error.value) == message
