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

from .layers import M, T, TensorSpec
from .settings import SETTINGS as SETTING_TABLE

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
    """One of the package's config fields that changes a count, and where it is.

    ``name`` is lstm_widget's setting (declared, with its default, in the setting
    table :data:`lstm_widget.conventions.settings.SETTINGS`), ``field`` the package's
    config field it mirrors, ``source`` the file that declares the field (and its
    default).
    """

    name: str
    field: str
    source: str
    cells: tuple[XlstmCell, ...] = XLSTM_CELLS

    @property
    def default(self) -> int | float | bool:
        """The package's default, as the setting table declares it."""
        default = SETTING_TABLE[self.name].default
        assert isinstance(default, int | float), self.name  # bools are ints
        return default


#: Every config field of the package that changes a count.
SETTINGS: Mapping[str, PackageSetting] = {
    s.name: s
    for s in (
        PackageSetting("heads", "num_heads", "blocks/slstm/layer.py, blocks/mlstm/layer.py"),
        PackageSetting(
            "conv_kernel", "conv1d_kernel_size", "blocks/slstm/layer.py, blocks/mlstm/layer.py"
        ),
        PackageSetting("norm_weight", "group_norm_weight", "blocks/slstm/layer.py", ("slstm",)),
        PackageSetting(
            "feedforward", "sLSTMBlockConfig.feedforward", "blocks/slstm/block.py", ("slstm",)
        ),
        PackageSetting(
            "ffn_factor", "FeedForwardConfig.proj_factor", "components/feedforward.py", ("slstm",)
        ),
        PackageSetting(
            "ffn_bias", "FeedForwardConfig.bias", "components/feedforward.py", ("slstm",)
        ),
        PackageSetting("proj_factor", "proj_factor", "blocks/mlstm/layer.py", ("mlstm",)),
        PackageSetting("qkv_blocksize", "qkv_proj_blocksize", "blocks/mlstm/layer.py", ("mlstm",)),
        PackageSetting("proj_bias", "bias", "blocks/mlstm/layer.py", ("mlstm",)),
        PackageSetting("round_to", "round_proj_up_to_multiple_of", "utils.py"),
        PackageSetting("round_up", "round_proj_up_dim_up", "utils.py"),
        PackageSetting("post_norm", "add_post_blocks_norm", "xlstm_block_stack.py"),
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

#: The classes that hold a whole sLSTM or mLSTM layer, block or stack, each read as one
#: recurrent family (``xLSTMBlock`` is the base both blocks are made from).
FAMILY_CLASSES: frozenset[str] = frozenset(
    {name for scopes in SCOPE_CLASSES.values() for name in scopes.values()} | {"xLSTMBlock"}
)

_CONV = (M("conv1d.conv.weight", ("d", "1", "K")), T("conv1d.conv.bias", ("d",)))
_BLOCK = (T("xlstm_norm.weight", ("d",)), T("post_blocks_norm.weight", ("d",)))

#: Every tensor the package may hold in a layer, block or stack, by its name inside
#: its layer or block (:func:`lstm_widget.counting_xlstm.local_name`), with its shape in
#: sizes and whether a step multiplies each of its weights once. The sizes: d the
#: block's width, H the heads, K the conv's kernel; sLSTM d/H a head's units; mLSTM p
#: the inner width, p/H a head's memory side, b the q, k, v projections' block size
#: (p/b blocks of b × b); u the feed-forward's inner width. A leading number
#: multiplies (``4d/H``), a bare one is itself.
TENSORS: Mapping[XlstmCell, Mapping[str, TensorSpec]] = {
    "slstm": {
        t.name: t
        for t in (
            *_CONV,
            *(
                M(f"{gate}.weight", ("H", "d/H", "d/H"))
                for gate in ("fgate", "igate", "zgate", "ogate")
            ),
            M("slstm_cell._recurrent_kernel_", ("H", "4d/H", "d/H")),
            T("slstm_cell._bias_", ("4d",)),
            T("group_norm.weight", ("d",)),
            *_BLOCK,
            T("ffn_norm.weight", ("d",)),
            M("ffn.proj_up.weight", ("2u", "d")),
            T("ffn.proj_up.bias", ("2u",)),
            M("ffn.proj_down.weight", ("d", "u")),
            T("ffn.proj_down.bias", ("d",)),
        )
    },
    "mlstm": {
        t.name: t
        for t in (
            T("learnable_skip", ("p",)),
            M("proj_up.weight", ("2p", "d")),
            T("proj_up.bias", ("2p",)),
            *(M(f"{x}_proj.weight", ("p/b", "b", "b")) for x in "qkv"),
            *(T(f"{x}_proj.bias", ("p",)) for x in "qkv"),
            M("conv1d.conv.weight", ("p", "1", "K")),
            T("conv1d.conv.bias", ("p",)),
            *(M(f"mlstm_cell.{g}gate.weight", ("H", "3p")) for g in "if"),
            *(T(f"mlstm_cell.{g}gate.bias", ("H",)) for g in "if"),
            T("mlstm_cell.outnorm.weight", ("p",)),
            M("proj_down.weight", ("d", "p")),
            T("proj_down.bias", ("d",)),
            *_BLOCK,
        )
    },
}

#: Work of an mLSTM step that involves no weight, as products of sizes: per head,
#: writing k·vᵀ into its p/H × p/H memory and reading it with qᵀ·C (2 × p × p/H in
#: all), and the normalizer qᵀ·n (p) (blocks/mlstm/backends.py,
#: ``recurrent_step_stabilized_simple``).
MEMORY_WORK: Mapping[XlstmCell, tuple[tuple[str, ...], ...]] = {
    "slstm": (),
    "mlstm": (("2", "p", "p/H"), ("p",)),
}
