"""The layers around the recurrent ones, as data: each framework's tensors, shape by shape.

A :class:`LayerSpec` lists one framework's tensors of one layer kind, each with its
shape in symbols (``("v", "d")`` for an embedding table); an introspection adapter reads
the symbols' values and the switches (``bias``, ``scale``, ...) off a live layer, and
:func:`lstm_widget.layers.count_layer` turns spec and values into counts, a formula with
the numbers substituted, and the trainable / non-trainable split as the framework counts
it. Adding a layer kind is one spec per framework here and one reader per framework.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of a layer: its name in the framework, its shape in symbols.

    ``when`` names the switch that must be on for the tensor to exist (a bias behind
    ``use_bias``); ``trainable`` False for what the framework keeps but never trains
    (Keras BatchNormalization's moving statistics).
    """

    name: str
    shape: tuple[str, ...]
    trainable: bool = True
    when: str | None = None
    #: A matrix (or kernel) the layer multiplies its input by: each of its weights does
    #: one multiply-accumulate per position (a time step, an output pixel), as in a
    #: recurrent layer. Biases, scales and embedding tables do none.
    multiplied: bool = False


@dataclass(frozen=True)
class LayerSpec:
    """One framework's layer kind: its class names, its tensors, and what it leaves out.

    ``note`` says what the framework does not count as parameters, where a reader
    would look for it (PyTorch's running statistics are buffers).

    The work per position is the ``multiplied`` tensors' weights plus ``per_key``, the
    products attention does with every one of ``S`` keys (the sequence's length for
    self-attention): scores q·k and the weighted sum of values. ``work_unknown`` says
    why a layer's work is not counted, where its sizes are not among its weights.
    """

    key: str
    label: str
    tensors: tuple[TensorSpec, ...]
    note: str = ""
    per_key: tuple[tuple[str, ...], ...] = ()
    work_unknown: str = ""


def _spec(
    key: str,
    label: str,
    *tensors: TensorSpec,
    note: str = "",
    per_key: tuple[tuple[str, ...], ...] = (),
    work_unknown: str = "",
) -> LayerSpec:
    return LayerSpec(key, label, tensors, note, per_key, work_unknown)


T = TensorSpec


def M(name: str, shape: tuple[str, ...], when: str | None = None) -> TensorSpec:
    """A multiplied matrix or kernel: one multiply-accumulate per weight and position."""
    return TensorSpec(name, shape, when=when, multiplied=True)


#: A convolution's kernel axes, as its specs name them, by its dimensionality.
CONV_KERNELS: Mapping[int, tuple[str, ...]] = {1: ("k",), 2: ("kh", "kw"), 3: ("kd", "kh", "kw")}


def conv_sizes(kernel: Sequence[int]) -> tuple[str, dict[str, int]]:
    """A convolution's registry key (``conv2d``) and its kernel's sizes by symbol."""
    return f"conv{len(kernel)}d", dict(
        zip(CONV_KERNELS[len(kernel)], map(int, kernel), strict=True)
    )


#: Keras' dot-product and additive attention hold at most a scale: the width their
#: work grows with is their inputs', not among their weights.
_ATTENTION_WIDTH = "its width is its inputs', not among its weights"

#: Keras 3 layers (keras/src/layers/*: each layer's ``build()``).
KERAS_LAYERS: Mapping[str, LayerSpec] = {
    spec.key: spec
    for spec in (
        _spec("embedding", "Embedding", T("embeddings", ("v", "d"))),
        _spec("dense", "Dense", M("kernel", ("a", "b")), T("bias", ("b",), when="bias")),
        *(
            _spec(
                f"conv{dims}d",
                f"Conv{dims}D",
                M("kernel", (*kernel, "c/g", "f")),
                T("bias", ("f",), when="bias"),
            )
            for dims, kernel in CONV_KERNELS.items()
        ),
        _spec(
            "batchnorm",
            "BatchNormalization",
            T("gamma", ("c",), when="scale"),
            T("beta", ("c",), when="center"),
            T("moving_mean", ("c",), trainable=False),
            T("moving_variance", ("c",), trainable=False),
            note="the moving mean and variance are weights Keras counts, never trained",
        ),
        _spec(
            "layernorm",
            "LayerNormalization",
            T("gamma", ("d",), when="scale"),
            T("beta", ("d",), when="center"),
        ),
        _spec(
            "mha",
            "MultiHeadAttention",
            M("query/kernel", ("d_q", "H", "k")),
            T("query/bias", ("H", "k"), when="bias"),
            M("key/kernel", ("d_k", "H", "k")),
            T("key/bias", ("H", "k"), when="bias"),
            M("value/kernel", ("d_v", "H", "v")),
            T("value/bias", ("H", "v"), when="bias"),
            M("attention_output/kernel", ("H", "v", "d_o")),
            T("attention_output/bias", ("d_o",), when="bias"),
            per_key=(("S", "H", "k"), ("S", "H", "v")),
        ),
        _spec(
            "attention",
            "Attention",
            T("scale", (), when="scale"),
            T("concat_score_weight", (), when="concat"),
            work_unknown=_ATTENTION_WIDTH,
        ),
        _spec(
            "additive_attention",
            "AdditiveAttention",
            T("scale", ("d",), when="scale"),
            work_unknown=_ATTENTION_WIDTH,
        ),
    )
}

#: PyTorch modules (torch/nn/modules/*: each module's ``__init__``); buffers are not
#: parameters, so they are not listed.
PYTORCH_LAYERS: Mapping[str, LayerSpec] = {
    spec.key: spec
    for spec in (
        _spec("embedding", "Embedding", T("weight", ("v", "d"))),
        _spec("dense", "Linear", M("weight", ("b", "a")), T("bias", ("b",), when="bias")),
        *(
            _spec(
                f"conv{dims}d",
                f"Conv{dims}d",
                M("weight", ("f", "c/g", *kernel)),
                T("bias", ("f",), when="bias"),
            )
            for dims, kernel in CONV_KERNELS.items()
        ),
        _spec(
            "batchnorm",
            "BatchNorm",
            T("weight", ("c",), when="affine"),
            T("bias", ("c",), when="affine"),
            note="running_mean and running_var are buffers, not parameters",
        ),
        _spec(
            "layernorm",
            "LayerNorm",
            T("weight", ("d",), when="affine"),
            T("bias", ("d",), when="bias"),
        ),
        # torch.nn.RMSNorm (PyTorch 2.4): a scale and no shift.
        _spec("rmsnorm", "RMSNorm", T("weight", ("d",), when="affine")),
        _spec(
            "mha",
            "MultiheadAttention",
            M("in_proj_weight", ("3E", "E"), when="packed"),
            M("q_proj_weight", ("E", "E"), when="separate"),
            M("k_proj_weight", ("E", "k"), when="separate"),
            M("v_proj_weight", ("E", "v"), when="separate"),
            T("in_proj_bias", ("3E",), when="bias"),
            T("bias_k", ("1", "1", "E"), when="bias_kv"),
            T("bias_v", ("1", "1", "E"), when="bias_kv"),
            # Every head's scores and weighted values: E = H × E/H each, per key.
            per_key=(("S", "E"), ("S", "E")),
            note="its output projection out_proj is a Linear module of its own",
        ),
    )
}
