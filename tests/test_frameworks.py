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
from lstm_widget.conventions import convention

pytestmark = pytest.mark.frameworks

EXAMPLES = settings(max_examples=250, deadline=None)

sizes = st.integers(min_value=1, max_value=12)
small = dict(widths=sizes, layers=st.integers(1, 3), dense=st.integers(0, 5))


def framework_options(s: dict[str, object]) -> dict[str, object]:
    """The options this framework has for this cell, by the framework's own names."""
    return {name: s[name] for name in convention(str(s["framework"]), str(s["cell"])).options}


def build_keras(s: dict[str, object]) -> keras.Sequential:
    """The model a user would write, with Keras's own automatic layer names."""
    layer_class = {
        "lstm": keras.layers.LSTM,
        "gru": keras.layers.GRU,
        "rnn": keras.layers.SimpleRNN,
    }
    options = {"return_sequences": True, "use_bias": s["bias"], **framework_options(s)}
    stack: list[keras.layers.Layer] = [keras.Input((None, s["input_size"]))]
    for units in Settings(**s).widths:
        layer = layer_class[s["cell"]](units, **options)
        stack.append(keras.layers.Bidirectional(layer) if s["bidirectional"] else layer)
    if s["dense"]:
        stack.append(keras.layers.TimeDistributed(keras.layers.Dense(s["dense"])))
    # Names count up per session (lstm, lstm_1, ...); start every model from a fresh one.
    keras.backend.clear_session()
    return keras.Sequential(stack)


@EXAMPLES
@given(s=any_settings(frameworks=("keras",), **small))
def test_keras_builds_exactly_the_counted_weights(s, check_groups_tile_tensors):
    model = build_keras(s)
    b = breakdown(**s)
    # Keras 3 paths start with the model's name: "sequential/lstm/lstm_cell/kernel".
    framework = {w.path.split("/", 1)[1]: tuple(w.shape) for w in model.weights}
    assert b.tensors() == framework
    assert list(b.tensors()) == list(framework), "tensors are listed in Keras's order"
    assert b.total == model.count_params()
    check_groups_tile_tensors(b)
    shapes = [(None, None, *layer.output.shape[2:]) for layer in model.layers]
    assert [shape for _, shape in b.output_shapes] == shapes
    # explain() reads the model back as one stack, whatever its widths.
    (item,) = explain(model).items
    assert item.matches and item.breakdown.settings == b.settings


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
