"""The cell families: gates in textbook order, names, options, what a step does, drawings.

Add a cell here: one :class:`CellSpec`, listed in :data:`BUILT_IN`; each framework that
has it stores it by a :class:`~lstm_widget.conventions.specs.CellConvention` in
``frameworks.py``.
"""

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
    # σ for f, i, o and tanh for the candidate and for c; f⊙c, i⊙g, o⊙tanh c; the
    # sum c = f⊙c + i⊙g.
    elementwise=(5, 3, 1),
    cell_state=True,
    peephole_gates=("f", "i", "o"),
    confused_with=("gru", "with a forget and an output gate"),
    candidate_forgotten=True,
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
    # σ for r, z and tanh for the candidate; r⊙(U h + b), z⊙h, (1 − z)⊙n; 1 − z and
    # the sum.
    elementwise=(3, 3, 2),
)

SIMPLE_RNN = CellSpec(
    key="rnn",
    label="simple RNN",
    gates=(GateSpec("", "cell", title="tanh cell"),),
    drawing="rnn",
    elementwise=(1, 0, 0),  # its tanh, which is its output
    output_is_activation=True,
)

#: Keras ConvLSTM1D/2D/3D: an LSTM whose matrix products are convolutions, so every
#: weight is a kernel, the units are filters and the inputs are channels. It does an
#: LSTM's element-wise work at every position of its grid.
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
    elementwise=LSTM.elementwise,
    cell_state=True,
)

#: minGRU (Feng et al., 2024, "Were RNNs All We Needed?"): a GRU whose update gate and
#: candidate read xₜ alone, so it has no recurrent matrix and no reset gate;
#: hₜ = (1 − z)⊙hₜ₋₁ + z⊙h̃.
MIN_GRU = CellSpec(
    key="mingru",
    label="minGRU",
    gates=(GateSpec("z", "update gate"), GateSpec(CANDIDATE, CANDIDATE)),
    drawing="mingru",
    options=("proj_size",),
    # σ for z and g for the candidate (minGRU-pytorch's g keeps h positive); (1 − z)⊙h
    # and z⊙h̃; 1 − z and the sum.
    elementwise=(2, 2, 2),
    recurrent_matrices=False,
)

#: minLSTM (the same paper): forget and input gates and a candidate, each reading xₜ
#: alone, the gates normalised to sum to one; no cell state beside h and no output
#: gate: hₜ = f′⊙hₜ₋₁ + i′⊙h̃ with f′ = f / (f + i), i′ = i / (f + i).
MIN_LSTM = CellSpec(
    key="minlstm",
    label="minLSTM",
    gates=(
        GateSpec("f", "forget gate"),
        GateSpec("i", "input gate"),
        GateSpec(CANDIDATE, CANDIDATE),
    ),
    drawing="minlstm",
    options=("proj_size",),
    # σ for f and i, g for the candidate; the two divisions by f + i, f′⊙h and i′⊙h̃;
    # f + i and the sum.
    elementwise=(3, 4, 2),
    recurrent_matrices=False,
    candidate_forgotten=True,
)

#: The settings of xLSTM's cells (conventions/xlstm.py: the package's fields they
#: mirror); which of them a cell's layer has is its convention's.
_XLSTM_OPTIONS = (
    "scope", "heads", "conv_kernel", "norm_weight", "feedforward", "ffn_factor", "ffn_bias",
    "proj_factor", "qkv_blocksize", "proj_bias", "round_to", "round_up", "post_norm",
)  # fmt: skip

#: xLSTM's sLSTM (Beck et al., 2024): the LSTM's four blocks, with an exponential
#: input gate and a normalizer, and W and R cut into heads (block-diagonal). Counted
#: as NX-AI's ``xlstm`` package builds it (:mod:`lstm_widget.counting_xlstm`).
SLSTM = CellSpec(
    key="slstm",
    label="sLSTM",
    gates=(
        GateSpec("f", "forget gate"),
        GateSpec("i", "input gate"),
        GateSpec("z", "cell input"),
        GateSpec("o", "output gate"),
    ),
    drawing="slstm",
    options=_XLSTM_OPTIONS,
    residual=True,
    cell_state=True,
)

#: xLSTM's mLSTM: a matrix memory written with v kᵀ and read with q, one input and one
#: forget gate per head, no recurrent weights; between an up- and a down-projection.
MLSTM = CellSpec(
    key="mlstm",
    label="mLSTM",
    gates=(
        GateSpec("q", "query"),
        GateSpec("k", "key"),
        GateSpec("v", "value"),
        GateSpec("f", "forget gate"),
        GateSpec("i", "input gate"),
        GateSpec("o", "output gate"),
    ),
    drawing="mlstm",
    options=_XLSTM_OPTIONS,
    residual=True,
    cell_state=True,
    recurrent_matrices=False,
)

#: The cell families lstm_widget knows, in the order choices are offered.
BUILT_IN: tuple[CellSpec, ...] = (
    LSTM,
    GRU,
    SIMPLE_RNN,
    CONV_LSTM,
    MIN_GRU,
    MIN_LSTM,
    SLSTM,
    MLSTM,
)
