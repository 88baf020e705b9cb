"""The registry's specs of the layers around recurrent ones, against real Keras and PyTorch.

Each case builds a real layer, gives :func:`count_layer` the sizes and switches the
layer was built with, and checks the tensors (names, shapes, in the framework's order),
the total and the trainable split against the framework's own.
"""

import math

import pytest

from lstm_widget.conventions.layers import KERAS_LAYERS, PYTORCH_LAYERS
from lstm_widget.layers import count_layer

pytestmark = pytest.mark.frameworks


def keras_cases():
    import keras

    L = keras.layers
    return [
        ("embedding", L.Embedding(20, 8), (None, 5), {"v": 20, "d": 8}, {}),
        ("dense", L.Dense(7), (None, 4), {"a": 4, "b": 7}, {}),
        ("dense", L.Dense(7, use_bias=False), (None, 3, 4), {"a": 4, "b": 7}, {"bias": False}),
        ("conv1d", L.Conv1D(4, 3, groups=2), (None, 10, 6), {"k": 3, "c/g": 3, "f": 4}, {}),
        ("conv2d", L.Conv2D(4, (3, 2)), (None, 9, 9, 6),
         {"kh": 3, "kw": 2, "c/g": 6, "f": 4}, {}),
        ("batchnorm", L.BatchNormalization(), (None, 10, 6), {"c": 6}, {}),
        ("batchnorm", L.BatchNormalization(scale=False), (None, 6), {"c": 6}, {"scale": False}),
        ("layernorm", L.LayerNormalization(center=False), (None, 10, 6), {"d": 6},
         {"center": False}),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(8))
def test_keras_layers_match_their_spec(case):
    key, layer, shape, sizes, switches = keras_cases()[case]
    layer.build(shape)
    counted = count_layer(KERAS_LAYERS[key], sizes, switches)
    assert [(t.name, t.shape) for t in counted.tensors] == [
        (w.name, tuple(w.shape)) for w in layer.weights
    ]
    assert counted.total == layer.count_params()
    assert counted.trainable == sum(math.prod(w.shape) for w in layer.trainable_weights)
    assert counted.non_trainable == sum(math.prod(w.shape) for w in layer.non_trainable_weights)


def test_keras_attention_layers_match_their_spec():
    import keras

    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=7)
    mha.build((None, 4, 6), (None, 4, 8))
    sizes = {"d_q": 6, "d_k": 8, "d_v": 8, "H": 2, "k": 3, "v": 5, "d_o": 7}
    counted = count_layer(KERAS_LAYERS["mha"], sizes)
    assert [(t.name, t.shape) for t in counted.tensors] == [
        (w.path.removeprefix(f"{mha.name}/"), tuple(w.shape)) for w in mha.weights
    ]
    assert counted.total == mha.count_params() == 263
    for key, layer, switches in [
        ("attention", keras.layers.Attention(use_scale=True), {"concat": False}),
        ("attention", keras.layers.Attention(), {"scale": False, "concat": False}),
        ("attention", keras.layers.Attention(score_mode="concat"), {"scale": False}),
        ("additive_attention", keras.layers.AdditiveAttention(), {}),
    ]:
        layer.build([(None, 3, 4), (None, 5, 4)])
        counted = count_layer(KERAS_LAYERS[key], {"d": 4}, switches)
        assert counted.total == layer.count_params(), key


def torch_cases():
    import torch.nn as nn

    return [
        ("embedding", nn.Embedding(20, 8), {"v": 20, "d": 8}, {}),
        ("dense", nn.Linear(4, 7), {"a": 4, "b": 7}, {}),
        ("dense", nn.Linear(4, 7, bias=False), {"a": 4, "b": 7}, {"bias": False}),
        ("conv1d", nn.Conv1d(6, 4, 3, groups=2), {"k": 3, "c/g": 3, "f": 4}, {}),
        ("conv2d", nn.Conv2d(6, 4, (3, 2)), {"kh": 3, "kw": 2, "c/g": 6, "f": 4}, {}),
        ("batchnorm", nn.BatchNorm1d(6), {"c": 6}, {}),
        ("batchnorm", nn.BatchNorm2d(6, affine=False), {"c": 6}, {"affine": False}),
        ("layernorm", nn.LayerNorm(6, bias=False), {"d": 6}, {"bias": False}),
        ("rmsnorm", nn.RMSNorm(6), {"d": 6}, {}),
        ("rmsnorm", nn.RMSNorm((2, 3), elementwise_affine=False), {"d": 6}, {"affine": False}),
        ("mha", nn.MultiheadAttention(8, 2), {"E": 8}, {"separate": False}),
        ("mha", nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True),
         {"E": 8, "k": 3, "v": 5}, {"packed": False}),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(12))
def test_pytorch_modules_match_their_spec(case):
    key, module, sizes, switches = torch_cases()[case]
    switches = {"separate": True, "packed": True, "bias_kv": False, **switches}
    if getattr(module, "bias_k", None) is not None:
        switches["bias_kv"] = True
    counted = count_layer(PYTORCH_LAYERS[key], sizes, switches)
    assert sorted((t.name, t.shape) for t in counted.tensors) == sorted(
        (name, tuple(p.shape)) for name, p in module.named_parameters(recurse=False)
    )
    assert counted.total == sum(p.numel() for p in module.parameters(recurse=False))
    assert counted.non_trainable == 0, "PyTorch's running statistics are buffers"


def test_a_formula_substitutes_the_numbers():
    counted = count_layer(KERAS_LAYERS["batchnorm"], {"c": 64})
    assert counted.formula() == "c + c + c + c = 64 + 64 + 64 + 64 = 256"
    assert (counted.trainable, counted.non_trainable) == (128, 128)
    embedding = count_layer(PYTORCH_LAYERS["embedding"], {"v": 20_000, "d": 128})
    assert embedding.formula() == "v × d = 20,000 × 128 = 2,560,000"
