"""The storage conventions: per cell, how each framework lays out its weights.

Add a convention here: one :class:`FrameworkSpec`, listed in :data:`BUILT_IN`, with a
:class:`CellConvention` for each cell it has.
"""

from __future__ import annotations

from dataclasses import replace

from .specs import CellConvention, DenseNaming, FrameworkSpec
from .xlstm import SETTINGS as PACKAGE_SETTINGS
from .xlstm import XlstmCell

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
        # ConvLSTM1D/2D/3D: the class and tensor names end in the kernel's length.
        "convlstm": CellConvention(
            "ConvLSTM",
            ("i", "f", "c", "o"),
            candidate="c",
            options=("kernel",),
            tensor_prefix="conv_lstm",
        ),
    },
    dense=DenseNaming("time_distributed/dense/kernel", "time_distributed/dense/bias"),
    builder="keras",
    code="keras",
    adapter="keras",
)

PYTORCH = FrameworkSpec(
    key="pytorch",
    label="PyTorch",
    cells={
        "lstm": CellConvention(
            "LSTM",
            ("i", "f", "g", "o"),
            candidate="g",
            biases=2,
            options=("proj_size",),
            projection_below_units=True,
        ),
        "gru": CellConvention("GRU", ("r", "z", "n"), candidate="n", biases=2, reset="after"),
        "rnn": CellConvention("RNN", ("",), biases=2),
    },
    dense=DenseNaming("linear.weight", "linear.bias", transposed=True),
    builder="pytorch",
    code="pytorch",
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
    code="onnx",
)

CUDNN = FrameworkSpec(
    key="cudnn",
    label="Keras 2",
    cells={
        # tf_keras/src/layers/rnn/cudnn_lstm.py: Keras's kernels and gate order, and the
        # bias cuDNN keeps, 8h: the input-side biases of i, f, c, o, then the recurrent.
        "lstm": CellConvention(
            "CuDNNLSTM",
            ("i", "f", "c", "o"),
            candidate="c",
            biases=2,
            tensor_prefix="cu_dnnlstm",
            optional_bias=False,
            note="bias 8h: cuDNN adds b′ to U·h (Keras 3 LSTM: one bias; PyTorch: the same two)",
        ),
        # cudnn_gru.py: Keras's z, r, h in the kernels (handed to cuDNN as r, z, h) and a
        # 6h bias; cuDNN's GRU resets after the product, on U·h + b′.
        "gru": CellConvention(
            "CuDNNGRU",
            ("z", "r", "h"),
            candidate="h",
            biases=2,
            reset="after",
            tensor_prefix="cu_dnngru",
            optional_bias=False,
            note="bias 6h: as Keras 3 GRU(reset_after=True), flat; cuDNN itself orders r, z, h",
        ),
    },
    dense=DenseNaming("time_distributed/kernel:0", "time_distributed/bias:0"),
    builder="cudnn",
    code="keras",
    adapter="cudnn",
)

TF1 = FrameworkSpec(
    key="tf1",
    label="TF1",
    cells={
        # tf_keras/src/layers/rnn/legacy_cells.py: one kernel over [x; h] (i, j, f, o,
        # with j the candidate), peepholes created f, i, o, a projection without bias.
        "lstm": CellConvention(
            "LSTMCell",
            ("i", "j", "f", "o"),
            candidate="j",
            options=("proj_size", "peepholes"),
            tensor_prefix="lstm_cell",
            peephole_order=("f", "i", "o"),
            optional_bias=False,
            note="one kernel over [x; h]: its top x rows are W, the rest U",
        ),
        # GRUCell: gates/kernel over [x; h] for r and the update gate, candidate/kernel
        # over [x; r ⊙ h]: the reset acts on h before the product, as in Keras 2.
        "gru": CellConvention(
            "GRUCell",
            ("r", "z", "h"),
            candidate="h",
            reset="before",
            tensor_prefix="gru_cell",
            optional_bias=False,
            tensor_groups=(("gates/", 2), ("candidate/", 1)),
            note="gates/kernel holds r and z, candidate/kernel the candidate, each over [x; h]",
        ),
        "rnn": CellConvention(
            "BasicRNNCell",
            ("",),
            tensor_prefix="basic_rnn_cell",
            optional_bias=False,
            note="one kernel over [x; h]: its top x rows are W, the rest U",
        ),
    },
    dense=DenseNaming("dense/kernel:0", "dense/bias:0"),
    builder="tf1",
    code="tf1",
    adapter="tf1",
)

FLAX = FrameworkSpec(
    key="flax",
    label="Flax",
    cells={
        # flax/nnx/nn/recurrent.py: nnx.LSTMCell keeps one Linear per gate and side
        # (ii, if_, ig, io without bias; hi, hf, hg, ho with it).
        "lstm": CellConvention(
            "LSTMCell",
            ("i", "f", "g", "o"),
            candidate="g",
            optional_bias=False,
            fused=False,
            bias_side="recurrent",
            options=("optimized",),
            note="one Linear per gate and side; the bias sits on the h side",
            # nnx.OptimizedLSTMCell: the same weights, each side's gates in one Linear.
            variants=(
                (
                    "optimized",
                    CellConvention(
                        "OptimizedLSTMCell",
                        ("i", "f", "g", "o"),
                        candidate="g",
                        optional_bias=False,
                        bias_side="recurrent",
                        options=("optimized",),
                        note="dense_i and dense_h each hold the four gates; the bias is dense_h's",
                    ),
                ),
            ),
        ),
        # nnx.GRUCell: dense_i (r, z, n) with the bias, dense_h without; the reset gate
        # scales U·h after the product, and there is no b′ for it to scale.
        "gru": CellConvention(
            "GRUCell",
            ("r", "z", "n"),
            candidate="n",
            reset="after",
            optional_bias=False,
            note="Keras 2's count, but r scales U·h after the product, with no b′",
        ),
        "rnn": CellConvention(
            "SimpleCell",
            ("",),
            optional_bias=False,
            note="dense_i holds the bias, dense_h none",
        ),
    },
    dense=DenseNaming("head.kernel", "head.bias"),
    builder="flax",
    code="flax",
    adapter="flax",
)

#: lucidrains' minGRU-pytorch 0.2.1 (minGRU_pytorch/minGRU.py, minLSTM.py): one Linear
#: without bias from dim to the candidate and the gates, chunked in that order
#: (``to_hidden_and_gate``: h̃, z; ``to_hidden_and_f_i_gate``: h̃, f, i), whose width
#: dim_inner = int(dim · expansion_factor) is the units; and ``to_out``, a Linear
#: without bias back to dim, there when ``proj_out`` (by default when expansion_factor
#: is not 1). No recurrent matrix, one direction.
_MIN_RNN = CellConvention(
    "",
    (),
    biases=0,
    options=("proj_size",),
    bidirectional=False,
    projection_to_input=True,
    note="one Linear without bias over xₜ alone: no U",
)

MINGRU_PYTORCH = FrameworkSpec(
    key="mingru_pytorch",
    label="minGRU-pytorch",
    cells={
        "mingru": replace(
            _MIN_RNN,
            class_name="minGRU",
            gate_order=("h", "z"),
            candidate="h",
            tensor_prefix="to_hidden_and_gate",
        ),
        "minlstm": replace(
            _MIN_RNN,
            class_name="minLSTM",
            gate_order=("h", "f", "i"),
            candidate="h",
            tensor_prefix="to_hidden_and_f_i_gate",
        ),
    },
    dense=DenseNaming("linear.weight", "linear.bias", transposed=True),
    builder="mingru_pytorch",
    code="mingru_pytorch",
    # Its modules are PyTorch modules: the PyTorch adapter reads them, as one family each.
    adapter="pytorch",
)


def _xlstm(cell: XlstmCell, label: str, gate_order: tuple[str, ...]) -> CellConvention:
    """An xLSTM cell's layer as NX-AI's ``xlstm`` package builds it: its block by
    default, its bare layer or an ``xLSTMBlockStack`` by ``scope`` (the class
    names are the package's, conventions/xlstm.py ``SCOPE_CLASSES``)."""
    block = CellConvention(
        f"{label}Block",
        gate_order,
        # The sLSTM's cell always has its bias; the mLSTM's projections have theirs by
        # proj_bias, its gates always.
        optional_bias=False,
        # The scope, and the package's fields this cell has (conventions/xlstm.py).
        options=("scope", *(name for name, s in PACKAGE_SETTINGS.items() if cell in s.cells)),
        builder="xlstm",
        bidirectional=False,
    )
    scoped = (
        ("scope=layer", replace(block, class_name=f"{label}Layer")),
        ("scope=stack", replace(block, class_name=f"xLSTMBlockStack of {label}Block")),
    )
    return replace(block, variants=scoped)


#: NX-AI's ``xlstm`` package (conventions/xlstm.py ``PACKAGE``): the sLSTM's gates as
#: its fused recurrent kernel stores them, the mLSTM's as its layer makes them.
XLSTM = FrameworkSpec(
    key="xlstm",
    label="xlstm",
    cells={
        "slstm": _xlstm("slstm", "sLSTM", ("i", "f", "z", "o")),
        "mlstm": _xlstm("mlstm", "mLSTM", ("q", "k", "v", "i", "f", "o")),
    },
    # An nn.Linear read-out after the blocks.
    dense=DenseNaming("head.weight", "head.bias", transposed=True),
    builder="xlstm",
    code="xlstm",
)

#: The conventions lstm_widget knows, in the order choices are offered.
BUILT_IN: tuple[FrameworkSpec, ...] = (
    KERAS,
    PYTORCH,
    ONNX,
    CUDNN,
    TF1,
    FLAX,
    MINGRU_PYTORCH,
    XLSTM,
)
