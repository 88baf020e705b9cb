"""The storage conventions: per cell, how each framework lays out its weights."""

from __future__ import annotations

from .specs import CellConvention, DenseNaming, FrameworkSpec

KERAS = FrameworkSpec(
    key="keras",
    label="Keras",
    cells={
        "lstm": CellConvention("LSTM", ("i", "f", "c", "o"), candidate="c", tensor_prefix="lstm"),
        "gru": CellConvention(
            "GRU",
            ("z", "r", "h"),
            candidate="h",
            # reset_after=True (Keras 3's default) keeps an input and a recurrent bias.
            biases=2,
            second_bias_when="reset_after",
            reset="option",
            options=("reset_after",),
            tensor_prefix="gru",
        ),
        "rnn": CellConvention("SimpleRNN", ("",), tensor_prefix="simple_rnn"),
    },
    dense=DenseNaming("time_distributed/dense/kernel", "time_distributed/dense/bias"),
    builder="keras",
    adapter="keras",
)

PYTORCH = FrameworkSpec(
    key="pytorch",
    label="PyTorch",
    cells={
        "lstm": CellConvention(
            "LSTM", ("i", "f", "g", "o"), candidate="g", biases=2, options=("proj_size",)
        ),
        "gru": CellConvention("GRU", ("r", "z", "n"), candidate="n", biases=2, reset="after"),
        "rnn": CellConvention("RNN", ("",), biases=2),
    },
    dense=DenseNaming("linear.weight", "linear.bias", transposed=True),
    builder="pytorch",
    adapter="pytorch",
)

ONNX = FrameworkSpec(
    key="onnx",
    label="ONNX",
    cells={
        "lstm": CellConvention(
            "LSTM",
            ("i", "o", "f", "c"),
            candidate="c",
            biases=2,
            options=("peepholes",),
            tensor_prefix="lstm",
            # onnx/defs/rnn/defs.cc: P holds the input, output and forget peepholes.
            peephole_order=("i", "o", "f"),
        ),
        # linear_before_reset=0, the operator's default: r scales h before R.
        "gru": CellConvention(
            "GRU", ("z", "r", "h"), candidate="h", biases=2, reset="before", tensor_prefix="gru"
        ),
        "rnn": CellConvention("RNN", ("",), biases=2, tensor_prefix="rnn"),
    },
    dense=DenseNaming("dense/B", "dense/C"),
    builder="onnx",
)
