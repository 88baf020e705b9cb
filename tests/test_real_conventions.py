"""What Keras 2's cuDNN layers, TensorFlow 1's cells and Flax NNX really build.

The facts the "cudnn", "tf1" and "flax" conventions rest on, each read off the real
library (``real_weights.py``) rather than its documentation: tensor names and shapes, where
biases sit, and how each relates to a layer whose count is already cross-checked (Keras 3
and PyTorch). TensorFlow runs in a process of its own. Then lstm_widget's breakdowns
against these libraries, layer by layer, and explain() of a real model of each.
"""

import keras
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from real_weights import FLAX_CELLS, RealModel, TensorFlowProcess, flax_model
from strategies import any_settings

from lstm_widget import Settings, breakdown, explain

pytestmark = pytest.mark.frameworks

# Each TensorFlow example is one request to a process that is already running.
SOME = settings(max_examples=25, deadline=None)

sizes = st.integers(min_value=1, max_value=12)


@pytest.fixture(scope="module")
def tensorflow():
    process = TensorFlowProcess()
    yield process
    process.close()


def keras_count(cell: str, x: int, h: int, **options: object) -> int:
    """Keras 3's count of one layer, as test_frameworks.py proves lstm_widget states it
    against Keras itself (building a Keras model per example would cost a second)."""
    return breakdown(framework="keras", cell=cell, input_size=x, units=h, **options).total


def torch_count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def cudnn(layer: str, x: int, units: list[int], bidirectional=False, dense=0) -> dict:
    return dict(
        library="cudnn",
        layer=layer,
        input_size=x,
        units=units,
        bidirectional=bidirectional,
        dense=dense,
    )


def tf1(cell: str, x: int, units: list[int], bidirectional=False, dense=0, **options) -> dict:
    return dict(
        library="tf1",
        cell=cell,
        input_size=x,
        units=units,
        bidirectional=bidirectional,
        use_peepholes=options.get("use_peepholes", False),
        num_proj=options.get("num_proj"),
        dense=dense,
    )


def one_layer(model: RealModel) -> dict[str, tuple[int, ...]]:
    (layer,) = model.layers
    assert layer.count == model.total == sum(w.count for w in layer.weights)
    return layer.shapes()


# --- Keras 2 CuDNNLSTM / CuDNNGRU --------------------------------------------------------


def test_bidirectional_cudnn_lstm_has_2400_more_than_keras_lstm(tensorflow):
    """The question as asked: Bidirectional over 300 features and 300 units."""
    real = tensorflow.build(cudnn("CuDNNLSTM", 300, [300], bidirectional=True))
    assert real.total == 1_444_800
    assert real.shapes() == {
        f"bidirectional/{direction}_cu_dnnlstm/{name}:0": shape
        for direction in ("forward", "backward")
        for name, shape in [
            ("kernel", (300, 1200)),
            ("recurrent_kernel", (300, 1200)),
            ("bias", (2400,)),
        ]
    }
    wide = keras.layers.Bidirectional(keras.layers.LSTM(300))
    keras3 = keras.Sequential([keras.Input((None, 300)), wide]).count_params()
    assert keras3 == 1_442_400
    # One extra bias vector of 4h per direction: 2 × 4 × 300.
    assert real.total - keras3 == 2 * 4 * 300


@SOME
@given(x=sizes, h=sizes, gru=st.booleans())
def test_cudnn_keeps_keras_kernels_and_torch_biases(tensorflow, x, h, gru):
    """Kernels shaped as Keras stores them, a bias twice Keras's: PyTorch's count."""
    gates = 3 if gru else 4
    real = tensorflow.build(cudnn("CuDNNGRU" if gru else "CuDNNLSTM", x, [h]))
    stem = "cu_dnngru" if gru else "cu_dnnlstm"
    assert one_layer(real) == {
        f"{stem}/kernel:0": (x, gates * h),
        f"{stem}/recurrent_kernel:0": (h, gates * h),
        f"{stem}/bias:0": (2 * gates * h,),
    }
    module = torch.nn.GRU(x, h) if gru else torch.nn.LSTM(x, h)
    assert real.total == torch_count(module)
    if gru:  # Keras 3's GRU stores the same two biases, as a (2, 3h) matrix.
        assert real.total == keras_count("gru", x, h, reset_after=True)


# --- TensorFlow 1 cells ------------------------------------------------------------------


@SOME
@given(
    x=sizes,
    h=sizes,
    peepholes=st.booleans(),
    projection=st.one_of(st.none(), sizes),
)
def test_tf1_lstm_cell_fuses_input_and_state_in_one_kernel(
    tensorflow, x, h, peepholes, projection
):
    real = tensorflow.build(tf1("LSTMCell", x, [h], use_peepholes=peepholes, num_proj=projection))
    state = projection or h  # the projected output is what recurs
    expected = {"rnn/lstm_cell/kernel:0": (x + state, 4 * h), "rnn/lstm_cell/bias:0": (4 * h,)}
    if peepholes:  # created in this order: forget, input, output
        expected |= {f"rnn/lstm_cell/w_{g}_diag:0": (h,) for g in "fio"}
    if projection:  # a kernel alone, no bias
        expected["rnn/lstm_cell/projection/kernel:0"] = (h, projection)
    assert one_layer(real) == expected
    assert list(real.shapes()) == list(expected), "TensorFlow's order of creation"


@SOME
@given(x=sizes, h=sizes)
def test_tf1_gru_cell_is_keras2_gru_in_two_fused_groups(tensorflow, x, h):
    real = tensorflow.build(tf1("GRUCell", x, [h]))
    assert one_layer(real) == {
        "rnn/gru_cell/gates/kernel:0": (x + h, 2 * h),  # reset, update
        "rnn/gru_cell/gates/bias:0": (2 * h,),
        "rnn/gru_cell/candidate/kernel:0": (x + h, h),
        "rnn/gru_cell/candidate/bias:0": (h,),
    }
    assert real.total == keras_count("gru", x, h, reset_after=False)


@SOME
@given(x=sizes, h=sizes, basic=st.booleans())
def test_tf1_basic_cells_match_keras_counts_under_their_own_names(tensorflow, x, h, basic):
    cell, keras_cell = ("BasicLSTMCell", "lstm") if basic else ("BasicRNNCell", "rnn")
    gates = 4 if basic else 1
    stem = "basic_lstm_cell" if basic else "basic_rnn_cell"
    real = tensorflow.build(tf1(cell, x, [h]))
    assert one_layer(real) == {
        f"rnn/{stem}/kernel:0": (x + h, gates * h),
        f"rnn/{stem}/bias:0": (gates * h,),
    }
    assert real.total == keras_count(keras_cell, x, h)


@SOME
@given(
    x=sizes,
    widths=st.lists(sizes, min_size=2, max_size=3),
    bidirectional=st.booleans(),
    projection=st.one_of(st.none(), sizes),
    dense=st.integers(min_value=0, max_value=4),
)
def test_tf1_stacks_feed_each_layer_the_last_ones_output(
    tensorflow, x, widths, bidirectional, projection, dense
):
    real = tensorflow.build(tf1("LSTMCell", x, widths, bidirectional, dense, num_proj=projection))
    directions = 2 if bidirectional else 1
    outputs = [projection or h for h in widths]
    inputs = [x, *(directions * r for r in outputs[:-1])]
    scope = (
        "stack_bidirectional_rnn/cell_{k}/bidirectional_rnn/{d}/lstm_cell"
        if bidirectional
        else "rnn/multi_rnn_cell/cell_{k}/lstm_cell"
    )
    for k, (layer, width, seen, out) in enumerate(
        zip(real.layers, widths, inputs, outputs, strict=False)
    ):
        for d in ("fw", "bw")[:directions]:
            kernel = layer.shapes()[scope.format(k=k, d=d) + "/kernel:0"]
            assert kernel == (seen + out, 4 * width)
    assert len(real.layers) == len(widths) + (dense > 0)
    if dense:
        assert real.layers[-1].shapes() == {
            "dense/kernel:0": (directions * outputs[-1], dense),
            "dense/bias:0": (dense,),
        }
    assert real.total == sum(layer.count for layer in real.layers)


# --- Flax NNX ------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(x=sizes, h=sizes, cell=st.sampled_from(FLAX_CELLS))
def test_flax_cells_and_where_their_biases_sit(x, h, cell):
    _, real = flax_model(
        dict(cell=cell, input_size=x, units=[h], bidirectional=False, dense=0, wrap="cell")
    )
    if cell == "LSTMCell":  # one dense layer per gate and side; biases on the h side
        expected = {f"i{g}.kernel": (x, h) for g in ("i", "f_", "g", "o")}
        expected |= {f"h{g}.{p}": (h, h) if p == "kernel" else (h,) for g in "ifgo"
                     for p in ("kernel", "bias")}  # fmt: skip
    else:
        gates = {"OptimizedLSTMCell": 4, "GRUCell": 3, "SimpleCell": 1}[cell]
        biased = "dense_h" if cell == "OptimizedLSTMCell" else "dense_i"
        expected = {
            "dense_i.kernel": (x, gates * h),
            "dense_h.kernel": (h, gates * h),
            f"{biased}.bias": (gates * h,),
        }
    assert one_layer(real) == expected
    # One bias per gate, as Keras 3 counts its LSTM and SimpleRNN and Keras 2 its GRU.
    keras_layer = {
        "LSTMCell": ("lstm", {}),
        "OptimizedLSTMCell": ("lstm", {}),
        "GRUCell": ("gru", {"reset_after": False}),
        "SimpleCell": ("rnn", {}),
    }[cell]
    assert real.total == keras_count(keras_layer[0], x, h, **keras_layer[1])


@settings(max_examples=20, deadline=None)
@given(
    x=sizes,
    widths=st.lists(sizes, min_size=1, max_size=3),
    cell=st.sampled_from(FLAX_CELLS),
    bidirectional=st.booleans(),
    dense=st.integers(min_value=0, max_value=4),
)
def test_flax_wrappers_add_nothing_but_a_path(x, widths, cell, bidirectional, dense):
    """nnx.RNN and nnx.Bidirectional hold their cells' parameters and no others."""
    description = dict(
        cell=cell, input_size=x, units=widths, bidirectional=bidirectional, dense=dense
    )
    _, real = flax_model(description | {"wrap": "rnn"})
    directions = 2 if bidirectional else 1
    inputs = [x, *(directions * h for h in widths[:-1])]
    for layer, seen, h in zip(real.layers, inputs, widths, strict=False):
        _, alone = flax_model(
            dict(cell=cell, input_size=seen, units=[h], bidirectional=False, dense=0, wrap="cell")
        )
        assert layer.count == directions * alone.total
    assert real.total == sum(layer.count for layer in real.layers)
    if dense:
        assert real.layers[-1].count == directions * widths[-1] * dense + dense


@pytest.mark.parametrize("cell", FLAX_CELLS)
def test_flax_stack_runs_on_the_widths_it_was_counted_with(cell):
    widths = [5, 3]
    description = dict(cell=cell, input_size=4, units=widths, bidirectional=True, dense=2)
    model, real = flax_model(description | {"wrap": "rnn"}, concrete=True)
    output = np.ones((2, 7, 4), dtype=np.float32)
    for layer in model.layers:
        output = layer(output)
    assert output.shape == (2, 7, 2 * widths[-1])
    assert model.head(output).shape == (2, 7, 2)
    _, abstract = flax_model(description | {"wrap": "rnn"})
    assert abstract == real, "nnx.eval_shape builds the same parameters"


def test_flax_gru_resets_after_the_recurrent_product_without_a_recurrent_bias():
    """n = tanh(W_in x + b_in + r * (W_hn h)), not Keras 2's tanh(W x + U (r * h) + b).

    The count is Keras 2's (one bias per gate), the arithmetic is not: the reset gate
    scales the recurrent product, as in Keras 3's reset_after=True and PyTorch, but there
    is no recurrent bias for it to scale.
    """
    from flax import nnx

    x, h = 3, 4
    cell = nnx.GRUCell(x, h, rngs=nnx.Rngs(0))
    rng = np.random.default_rng(0)
    for param in (cell.dense_i.kernel, cell.dense_i.bias, cell.dense_h.kernel):
        param[...] = rng.normal(size=param.shape).astype(np.float32)
    inputs = rng.normal(size=(2, x)).astype(np.float32)
    state = rng.normal(size=(2, h)).astype(np.float32)
    new_state, _ = cell(state, inputs)

    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    w_i, b_i = np.asarray(cell.dense_i.kernel[...]), np.asarray(cell.dense_i.bias[...])
    w_h = np.asarray(cell.dense_h.kernel[...])
    xi = np.split(inputs @ w_i + b_i, 3, axis=-1)  # r, z, n
    hh = np.split(state @ w_h, 3, axis=-1)
    r, z = sigmoid(xi[0] + hh[0]), sigmoid(xi[1] + hh[1])
    after = np.tanh(xi[2] + r * hh[2])
    np.testing.assert_allclose(new_state, (1 - z) * after + z * state, rtol=1e-5, atol=1e-5)
    before = np.tanh(xi[2] + (r * state) @ w_h[:, 2 * h :])
    assert not np.allclose((1 - z) * before + z * state, new_state, atol=1e-3)


# --- lstm_widget against the real libraries, layer by layer ---------------------------------

small = dict(widths=st.integers(1, 12), layers=st.integers(1, 3), dense=st.integers(0, 4))


def description(s: dict) -> dict:
    """The model ``s`` describes, in the real library's own vocabulary (its class as an
    option may switch it: Flax's optimized LSTM is nnx.OptimizedLSTMCell)."""
    layout = Settings(**s).convention
    common = dict(
        input_size=s["input_size"],
        units=list(s["units"]) if isinstance(s["units"], tuple) else [s["units"]] * s["layers"],
        bidirectional=s["bidirectional"],
        dense=s["dense"],
    )
    if s["framework"] == "cudnn":
        return dict(library="cudnn", layer=layout.class_name, **common)
    if s["framework"] == "tf1":
        return dict(
            library="tf1",
            cell=layout.class_name,
            use_peepholes=s.get("peepholes", False),
            num_proj=s.get("proj_size") or None,
            **common,
        )
    return dict(cell=layout.class_name, wrap="rnn", **common)


def assert_layer_by_layer(b, real: RealModel, *, ordered: bool) -> None:
    """Each layer's tensors, shapes and count, the head's, and the total, as built."""
    layers = [
        {g.tensor: g.tensor_shape for g in b.groups if g.layer == k}
        for k in range(b.settings.layers)
    ]
    if b.settings.dense:
        layers.append({g.tensor: g.tensor_shape for g in b.groups if g.layer == -1})
    assert len(real.layers) == len(layers)
    for ours, theirs in zip(layers, real.layers, strict=True):
        assert ours == theirs.shapes(), theirs.name
        if ordered:
            assert list(ours) == list(theirs.shapes()), f"{theirs.name}: the library's order"
    assert [*b.layer_totals, *([b.dense_total] if b.settings.dense else [])] == [
        layer.count for layer in real.layers
    ]
    assert b.total == real.total


@SOME
@given(s=any_settings(frameworks=("cudnn", "tf1"), **small))
def test_tensorflow_builds_exactly_the_counted_weights(tensorflow, s, check_groups_tile_tensors):
    b = breakdown(**s)
    check_groups_tile_tensors(b)
    assert_layer_by_layer(b, tensorflow.build(description(s)), ordered=True)


@settings(max_examples=40, deadline=None)
@given(s=any_settings(frameworks=("flax",), **small))
def test_flax_builds_exactly_the_counted_weights(s, check_groups_tile_tensors):
    b = breakdown(**s)
    check_groups_tile_tensors(b)
    _, real = flax_model(description(s))
    # nnx.state lists parameters by path, sorted: no order of creation to compare.
    assert_layer_by_layer(b, real, ordered=False)


# --- explain() of real models ----------------------------------------------------------------


def test_explain_reconciles_a_keras2_model_with_cudnn_layers(tensorflow):
    report = tensorflow.ask(
        {"explain": cudnn("CuDNNLSTM", 300, [300, 300], bidirectional=True, dense=5)}
    )
    assert report["framework"] == "cudnn" and report["matches"], report["text"]
    # One stack of the two layers, the second's input twice as wide, with the
    # TimeDistributed(Dense(5)) head it feeds.
    first = 2 * 4 * (300 * 300 + 300 * 300 + 2 * 300)
    second = 2 * 4 * (600 * 300 + 300 * 300 + 2 * 300) + 600 * 5 + 5
    assert [item["total"] for item in report["items"]] == [first + second]
    assert report["explained_total"] == report["framework_total"] == first + second
    assert "bidirectional/forward_cu_dnnlstm/bias:0[1200:1500]" in report["text"]


@pytest.mark.parametrize(
    "model",
    [
        tf1("LSTMCell", 7, [13, 4], use_peepholes=True, num_proj=5),
        tf1("BasicLSTMCell", 3, [8]),
        tf1("GRUCell", 5, [6, 6]),
        tf1("BasicRNNCell", 2, [3]),
    ],
    ids=lambda d: d["cell"],
)
def test_explain_reconciles_a_tf1_cell_stack(tensorflow, model):
    report = tensorflow.ask({"explain": model})
    real = tensorflow.build(model)
    assert report["framework"] == "tf1" and report["matches"], report["text"]
    # A MultiRNNCell's cells feed each other: one stack, counted as TensorFlow's layers add up.
    assert [item["count"] for item in report["items"]] == [real.total]
    assert real.total == sum(layer.count for layer in real.layers)
    assert report["explained_total"] == report["framework_total"] == real.total


def test_explain_reconciles_a_flax_model():
    from flax import nnx

    rngs = nnx.Rngs(0)

    class Tagger(nnx.Module):
        def __init__(self) -> None:
            self.embed = nnx.Embed(50, 8, rngs=rngs)
            gru = [nnx.RNN(nnx.GRUCell(8, 16, rngs=rngs)) for _ in range(2)]
            self.encoder = nnx.Bidirectional(*gru)
            self.decoder = nnx.RNN(nnx.LSTMCell(32, 12, rngs=rngs))
            self.head = nnx.Linear(12, 5, rngs=rngs)

    model = Tagger()
    report = explain(model)
    assert report.framework == "flax" and report.matches, report.text()
    import jax

    assert report.framework_total == sum(
        x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param))
    )
    encoder, decoder = report.items
    assert encoder.breakdown.total == 2 * 3 * (8 * 16 + 16 * 16 + 16)
    assert decoder.head is not None and decoder.breakdown.dense_total == 12 * 5 + 5
    assert [u.path for u in report.unexplained] == ["embed"]
    assert "decoder.cell.hf.bias" in report.text(details=True)


def test_explain_reads_an_optimized_lstm_cell_as_nnx_stores_it():
    """nnx.OptimizedLSTMCell: nnx.LSTMCell's count, each side's gates in one Linear,
    explained tensor by tensor as nnx.state lists them, alone, in nnx.RNN and beside
    the plain cell."""
    import jax
    from flax import nnx

    rngs = nnx.Rngs(0)

    class Encoder(nnx.Module):
        def __init__(self) -> None:
            self.fast = nnx.RNN(nnx.OptimizedLSTMCell(7, 13, rngs=rngs))
            self.plain = nnx.RNN(nnx.LSTMCell(13, 5, rngs=rngs))

    for model in (nnx.OptimizedLSTMCell(7, 13, rngs=rngs), Encoder()):
        report = explain(model)
        assert report.matches and report.unexplained == (), report.text()
        assert report.framework_total == sum(
            x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param))
        )
        fast = report.items[0]
        assert fast.breakdown.settings.optimized and fast.breakdown.total == 1_092
        assert [shape for _, shape in fast.framework_tensors] == [(52,), (13, 52), (7, 52)]
    assert not report.items[1].breakdown.settings.optimized
