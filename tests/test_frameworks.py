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

from lstm_widget import breakdown
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
    for _ in range(s["layers"]):
        layer = layer_class[s["cell"]](s["units"], **options)
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


def build_torch(s: dict[str, object]) -> tuple[torch.nn.RNNBase, torch.nn.Linear | None, int]:
    """nn.LSTM / GRU / RNN, its real output width, and a Linear head sized from it."""
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[s["cell"]]
    rnn = module(
        s["input_size"],
        s["units"],
        num_layers=s["layers"],
        bias=s["bias"],
        bidirectional=s["bidirectional"],
        **framework_options(s),
    )
    with torch.no_grad():
        output, _ = rnn(torch.zeros(2, 1, s["input_size"]))
    width = output.shape[-1]
    return rnn, torch.nn.Linear(width, s["dense"]) if s["dense"] else None, width


@EXAMPLES
@given(s=any_settings(frameworks=("pytorch",), **small))
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_pytorch_builds_exactly_the_counted_weights(s, check_groups_tile_tensors):
    rnn, head, width = build_torch(s)
    named = dict(rnn.named_parameters())
    if head is not None:
        named |= {f"linear.{name}": p for name, p in head.named_parameters()}
    b = breakdown(**s)
    framework = {name: tuple(p.shape) for name, p in named.items()}
    assert b.tensors() == framework
    assert list(b.tensors()) == list(framework), "tensors are listed in PyTorch's order"
    assert b.total == sum(p.numel() for p in named.values())
    check_groups_tile_tensors(b)
    assert b.output_shapes[s["layers"] - 1][1] == (None, None, width)
    if head is not None:
        assert b.output_shape == (None, None, head.out_features)
