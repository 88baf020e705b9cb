"""xLSTM's reference implementation as data: its settings that change a count, their
defaults, and the file of the package each weight group comes from.

The ``slstm`` and ``mlstm`` cells are counted as NX-AI's ``xlstm`` package builds them
(:data:`PACKAGE`). Its layers sit inside pre-norm residual blocks, and its users hold
those blocks, usually stacked in an ``xLSTMBlockStack``, so the unit counted is the
block (:data:`SCOPES`); the bare layer and the stack are the other two scopes.

Every path below is relative to the installed ``xlstm`` package. Stdlib only, data
only: :mod:`lstm_widget.counting_xlstm` turns it into weight groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

#: The release the counts are proven against (tests/test_xlstm.py builds it).
PACKAGE = "xlstm==2.0.6"

XlstmCell = Literal["slstm", "mlstm"]
XLSTM_CELLS: tuple[XlstmCell, ...] = get_args(XlstmCell)

#: What is counted: the bare layer (``sLSTMLayer``, ``mLSTMLayer``); the block around
#: it (``sLSTMBlock``, ``mLSTMBlock``: a pre-LayerNorm and the residual, and for the
#: sLSTM a gated feed-forward behind a LayerNorm of its own); or ``xLSTMBlockStack``:
#: the blocks and a LayerNorm after the last.
Scope = Literal["layer", "block", "stack"]
SCOPES: tuple[Scope, ...] = get_args(Scope)

#: The classes each scope counts, by cell.
SCOPE_CLASSES: Mapping[XlstmCell, Mapping[Scope, str]] = {
    "slstm": {"layer": "sLSTMLayer", "block": "sLSTMBlock", "stack": "xLSTMBlockStack"},
    "mlstm": {"layer": "mLSTMLayer", "block": "mLSTMBlock", "stack": "xLSTMBlockStack"},
}


@dataclass(frozen=True)
class PackageSetting:
    """One of the package's config fields that changes a count: its default and where.

    ``name`` is lstm_widget's setting, ``field`` the package's config field it mirrors,
    ``source`` the file that declares the field (and its default).
    """

    name: str
    field: str
    default: int | float | bool
    source: str
    cells: tuple[XlstmCell, ...] = XLSTM_CELLS


#: Every config field of the package that changes a count, with its default.
SETTINGS: Mapping[str, PackageSetting] = {
    s.name: s
    for s in (
        PackageSetting("heads", "num_heads", 4, "blocks/slstm/layer.py, blocks/mlstm/layer.py"),
        PackageSetting(
            "conv_kernel",
            "conv1d_kernel_size",
            4,
            "blocks/slstm/layer.py, blocks/mlstm/layer.py",
        ),
        PackageSetting(
            "norm_weight", "group_norm_weight", True, "blocks/slstm/layer.py", ("slstm",)
        ),
        PackageSetting(
            "feedforward",
            "sLSTMBlockConfig.feedforward",
            True,
            "blocks/slstm/block.py",
            ("slstm",),
        ),
        PackageSetting(
            "ffn_factor",
            "FeedForwardConfig.proj_factor",
            1.3,
            "components/feedforward.py",
            ("slstm",),
        ),
        PackageSetting(
            "ffn_bias", "FeedForwardConfig.bias", False, "components/feedforward.py", ("slstm",)
        ),
        PackageSetting("proj_factor", "proj_factor", 2.0, "blocks/mlstm/layer.py", ("mlstm",)),
        PackageSetting(
            "qkv_blocksize", "qkv_proj_blocksize", 4, "blocks/mlstm/layer.py", ("mlstm",)
        ),
        PackageSetting("bias", "bias", False, "blocks/mlstm/layer.py", ("mlstm",)),
        PackageSetting("round_to", "round_proj_up_to_multiple_of", 64, "utils.py"),
        PackageSetting("round_up", "round_proj_up_dim_up", True, "utils.py"),
        PackageSetting("post_norm", "add_post_blocks_norm", True, "xlstm_block_stack.py"),
    )
}

#: The file of the package that makes each module holding weights, by the module's
#: path inside its layer or block (a stack puts ``blocks.{k}.`` in front, and its own
#: ``post_blocks_norm`` after the blocks). Every weight group names one of these.
MODULE_SOURCES: Mapping[str, str] = {
    # Both layers: a depthwise causal nn.Conv1d with a bias.
    "conv1d.conv": "components/conv.py",
    # sLSTM: four head-wise gate projections, the cell's block-diagonal recurrent
    # kernel and bias, and a per-head group norm with a weight only.
    "fgate": "components/linear_headwise.py",
    "igate": "components/linear_headwise.py",
    "zgate": "components/linear_headwise.py",
    "ogate": "components/linear_headwise.py",
    "slstm_cell": "blocks/slstm/cell.py",
    "group_norm": "components/ln.py",
    # mLSTM: up- and down-projections and the learnable skip of the layer itself,
    # head-wise q, k and v, and the cell's input and forget gates and norm.
    "proj_up": "blocks/mlstm/layer.py",
    "proj_down": "blocks/mlstm/layer.py",
    "learnable_skip": "blocks/mlstm/layer.py",
    "q_proj": "components/linear_headwise.py",
    "k_proj": "components/linear_headwise.py",
    "v_proj": "components/linear_headwise.py",
    "mlstm_cell.igate": "blocks/mlstm/cell.py",
    "mlstm_cell.fgate": "blocks/mlstm/cell.py",
    "mlstm_cell.outnorm": "components/ln.py",
    # Blocks: pre-LayerNorms with a weight only, the sLSTM block's feed-forward.
    "xlstm_norm": "blocks/xlstm_block.py",
    "ffn_norm": "blocks/xlstm_block.py",
    "ffn": "components/feedforward.py",
    "post_blocks_norm": "xlstm_block_stack.py",
}
