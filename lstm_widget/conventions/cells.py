"""The cell families: gates in textbook order, names, options, drawings."""

from __future__ import annotations

from .specs import CANDIDATE, CellSpec, GateSpec

LSTM = CellSpec(
    key="lstm",
    label="LSTM",
    gates=(
        GateSpec("f", "forget gate"),
        GateSpec("i", "input gate"),
        GateSpec(CANDIDATE, CANDIDATE),
        GateSpec("o", "output gate"),
    ),
    drawing="lstm",
    options=("proj_size", "peepholes", "optimized"),
)

GRU = CellSpec(
    key="gru",
    label="GRU",
    gates=(
        GateSpec("r", "reset gate"),
        GateSpec("z", "update gate"),
        GateSpec(CANDIDATE, CANDIDATE),
    ),
    drawing="gru",
    options=("reset_after",),
)

SIMPLE_RNN = CellSpec(
    key="rnn",
    label="simple RNN",
    gates=(GateSpec("", "cell", title="tanh cell"),),
    drawing="rnn",
)

#: Keras ConvLSTM1D/2D/3D: an LSTM whose matrix products are convolutions, so every
#: weight is a kernel, the units are filters and the inputs are channels.
CONV_LSTM = CellSpec(
    key="convlstm",
    label="ConvLSTM",
    gates=LSTM.gates,
    drawing="convlstm",
    unit="filter",
    unit_symbol="f",
    inputs="channels",
    input_symbol="c",
    options=("kernel",),
    kernel_dims=(1, 2, 3),
)
