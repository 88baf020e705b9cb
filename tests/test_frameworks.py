"""Cross-checks against the real frameworks: build the layers, compare every weight.

For random settings, Keras 3 (PyTorch backend) and PyTorch build the actual layers;
the breakdown must name exactly the tensors they create, with the same shapes, and
its total must be the framework's own parameter count. Nothing here is copied from
lstm_widget's output: the frameworks are the oracle.
"""

import keras
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import any_settings

from lstm_widget import Settings, breakdown, explain
from lstm_widget.conventions import CELLS, cell_spec, convention

pytestmark = pytest.mark.frameworks

EXAMPLES = settings(max_examples=250, deadline=None)

sizes = st.integers(min_value=1, max_value=12)
small = dict(widths=sizes, layers=st.integers(1, 3), dense=st.integers(0, 5))


#: Settings the frameworks call otherwise.
FRAMEWORK_NAMES = {"kernel": "kernel_size"}


def framework_options(s: dict[str, object]) -> dict[str, object]:
    """The options this framework has for this cell, by the framework's own names."""
    options = convention(str(s["framework"]), str(s["cell"])).options
    return {FRAMEWORK_NAMES.get(name, name): s[name] for name in options}


def keras_layer_class(s: dict[str, object]) -> type[keras.layers.Layer]:
    """LSTM, GRU, SimpleRNN, or the ConvLSTM of the kernel's dimensionality."""
    if s["cell"] == "convlstm":
        return getattr(keras.layers, f"ConvLSTM{len(s['kernel'])}D")
    return {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[
        s["cell"]
    ]


def keras_input(s: dict[str, object]) -> keras.KerasTensor:
    """(time, features), or a ConvLSTM's (time, spatial axes..., channels).

    ConvLSTM needs its spatial sizes known; "same" padding (below) keeps them through a
    stack, and no size changes a count.
    """
    spatial = (4,) * len(s.get("kernel", ()))
    return keras.Input((None, *spatial, s["input_size"]))


def build_keras(s: dict[str, object]) -> keras.Sequential:
    """The model a user would write, with Keras's own automatic layer names."""
    # Names count up per session (lstm, lstm_1, ...) from a layer's construction on:
    # start every model from a fresh session, whatever ran before.
    keras.backend.clear_session()
    options = {"return_sequences": True, "use_bias": s["bias"], **framework_options(s)}
    if s["cell"] == "convlstm":
        options["padding"] = "same"
    stack: list[keras.layers.Layer] = [keras_input(s)]
    for units in Settings(**s).widths:
        layer = keras_layer_class(s)(units, **options)
        stack.append(keras.layers.Bidirectional(layer) if s["bidirectional"] else layer)
    if s["dense"]:
        stack.append(keras.layers.TimeDistributed(keras.layers.Dense(s["dense"])))
    return keras.Sequential(stack)


#: ConvLSTMs build slower than the other cells; they get their own, shorter run.
CONV_EXAMPLES = settings(max_examples=40, deadline=None)
MATRIX_CELLS = tuple(c for c in CELLS if not cell_spec(c).kernel_dims)


@EXAMPLES
@given(s=any_settings(frameworks=("keras",), cells=MATRIX_CELLS, **small))
def test_keras_builds_exactly_the_counted_weights(s, check_groups_tile_tensors):
    check_keras(s, check_groups_tile_tensors)


@CONV_EXAMPLES
@given(s=any_settings(frameworks=("keras",), cells=("convlstm",), **small))
def test_keras_builds_exactly_the_counted_conv_lstm_weights(s, check_groups_tile_tensors):
    check_keras(s, check_groups_tile_tensors)


def check_keras(s: dict[str, object], check_groups_tile_tensors) -> None:
    """The model Keras builds holds exactly the counted tensors, shapes and total."""
    model = build_keras(s)
    b = breakdown(**s)
    # Keras 3 paths start with the model's name: "sequential/lstm/lstm_cell/kernel".
    framework = {w.path.split("/", 1)[1]: tuple(w.shape) for w in model.weights}
    assert b.tensors() == framework
    assert list(b.tensors()) == list(framework), "tensors are listed in Keras's order"
    assert b.total == model.count_params()
    check_groups_tile_tensors(b)
    # Spatial axes (a ConvLSTM's) are the input's business, not the count's: unknown.
    shapes = [
        (None, None, *(None for _ in layer.output.shape[2:-1]), layer.output.shape[-1])
        for layer in model.layers
    ]
    assert [shape for _, shape in b.output_shapes] == shapes
    # explain() reads the model back as one stack, whatever its widths.
    (item,) = explain(model).items
    assert item.matches and item.breakdown.settings == b.settings


@pytest.mark.parametrize(("channels", "expected"), [(1, 9_856), (16, 18_496)])
def test_the_conv_lstm2d_question_9856_then_18496(channels, expected):
    """ConvLSTM2D(16, (3, 3)): 9,856 on a 1-channel input, 18,496 on its own 16 filters."""
    keras.backend.clear_session()
    layer = keras.layers.ConvLSTM2D(16, (3, 3))
    layer.build((None, None, 5, 5, channels))
    b = breakdown(cell="convlstm", kernel=(3, 3), units=16, input_size=channels)
    assert b.total == layer.count_params() == expected


def build_torch(
    s: dict[str, object],
) -> tuple[list[torch.nn.RNNBase], torch.nn.Linear | None, list[int]]:
    """nn.LSTM / GRU / RNN modules, a Linear head sized from the real output, and the
    real output width of every layer.

    One module holds a stack of one width; layers of different widths take one
    module each, every module sized from the real output of the one before.
    """
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[s["cell"]]
    widths = Settings(**s).widths
    stacks = [(widths[0], len(widths))] if len(set(widths)) == 1 else [(h, 1) for h in widths]
    modules, outputs, x = [], [], torch.zeros(2, 1, s["input_size"])
    for units, layers in stacks:
        rnn = module(
            x.shape[-1],
            units,
            num_layers=layers,
            bias=s["bias"],
            bidirectional=s["bidirectional"],
            **framework_options(s),
        )
        with torch.no_grad():
            x, _ = rnn(x)
        modules.append(rnn)
        outputs += [x.shape[-1]] * layers
    head = torch.nn.Linear(x.shape[-1], s["dense"]) if s["dense"] else None
    return modules, head, outputs


@EXAMPLES
@given(s=any_settings(frameworks=("pytorch",), **small))
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_pytorch_builds_exactly_the_counted_weights(s, check_groups_tile_tensors):
    modules, head, outputs = build_torch(s)
    b = breakdown(**s)
    named = [list(rnn.named_parameters()) for rnn in modules]
    if head is not None:
        named.append([(f"linear.{name}", p) for name, p in head.named_parameters()])
    if len(modules) == 1:
        framework = {name: tuple(p.shape) for part in named for name, p in part}
        assert b.tensors() == framework
        assert list(b.tensors()) == list(framework), "tensors are listed in PyTorch's order"
    else:
        # Separate modules each call their tensors "_l0"; the shapes, in order, are ours.
        shapes = [tuple(p.shape) for part in named for _, p in part]
        assert list(b.tensors().values()) == shapes
    assert b.total == sum(p.numel() for part in named for _, p in part)
    check_groups_tile_tensors(b)
    assert [shape[-1] for _, shape in b.output_shapes[: s["layers"]]] == outputs
    if head is not None:
        assert b.output_shape == (None, None, head.out_features)
    # explain() reads separate modules, in order, back as one stack.
    model = torch.nn.ModuleList([*modules, *([head] if head else [])])
    (item,) = explain(model).items
    assert item.matches and item.breakdown.settings == b.settings
