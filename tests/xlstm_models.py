"""xLSTM modules built with the reference package from lstm_widget's description, and
random descriptions of them, for the modules that test against the package."""

import dataclasses
from types import SimpleNamespace

import torch
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode
from xlstm import (
    FeedForwardConfig,
    mLSTMBlockConfig,
    mLSTMLayer,
    mLSTMLayerConfig,
    sLSTMBlock,
    sLSTMBlockConfig,
    sLSTMLayer,
    sLSTMLayerConfig,
    xLSTMBlockStack,
    xLSTMBlockStackConfig,
)
from xlstm.blocks.mlstm.block import mLSTMBlock

from lstm_widget.counting_xlstm import XlstmSizes, mac_terms

S = XlstmSizes

#: The sequence the mLSTM's causal mask is built for; no count depends on it.
CONTEXT = 8


def build(s: XlstmSizes | SimpleNamespace, context: int = CONTEXT) -> torch.nn.Module:
    """The package's module that ``s`` describes, from the package's own configs."""
    if s.cell == "slstm":
        layer = sLSTMLayerConfig(
            embedding_dim=s.width,
            num_heads=s.heads,
            conv1d_kernel_size=s.conv_kernel,
            group_norm_weight=s.norm_weight,
            backend="vanilla",
        )
        if s.scope == "layer":
            return sLSTMLayer(layer)
        ffn = None
        if s.feedforward:
            ffn = FeedForwardConfig(
                proj_factor=s.ffn_factor,
                bias=s.ffn_bias,
                round_proj_up_to_multiple_of=s.round_to,
                round_proj_up_dim_up=s.round_up,
            )
        block = sLSTMBlockConfig(slstm=layer, feedforward=ffn)
        if s.scope == "block" and s.blocks == 1:
            return sLSTMBlock(dataclasses.replace(block, _num_blocks=1, _block_idx=0))
        return xLSTMBlockStack(
            xLSTMBlockStackConfig(
                slstm_block=block,
                num_blocks=s.blocks,
                embedding_dim=s.width,
                add_post_blocks_norm=s.scope == "stack" and s.post_norm,
            )
        )
    layer = mLSTMLayerConfig(
        embedding_dim=s.width,
        num_heads=s.heads,
        conv1d_kernel_size=s.conv_kernel,
        qkv_proj_blocksize=s.qkv_blocksize,
        proj_factor=s.proj_factor,
        bias=s.proj_bias,
        round_proj_up_to_multiple_of=s.round_to,
        round_proj_up_dim_up=s.round_up,
        context_length=context,
    )
    if s.scope == "layer":
        return mLSTMLayer(layer)
    if s.scope == "block" and s.blocks == 1:
        return mLSTMBlock(mLSTMBlockConfig(mlstm=layer, _num_blocks=1, _block_idx=0))
    return xLSTMBlockStack(
        xLSTMBlockStackConfig(
            mlstm_block=mLSTMBlockConfig(mlstm=layer),
            num_blocks=s.blocks,
            embedding_dim=s.width,
            bias=s.proj_bias,
            context_length=context,
            add_post_blocks_norm=s.scope == "stack" and s.post_norm,
        )
    )


def shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {name: tuple(p.shape) for name, p in module.named_parameters()}


def short(s: XlstmSizes) -> str:
    """A test id: the cell, its width and the fields away from their defaults."""
    default = XlstmSizes(s.cell, s.width)
    changed = [
        f"{f.name}={getattr(s, f.name)}"
        for f in dataclasses.fields(s)[2:]  # past cell and width
        if getattr(s, f.name) != getattr(default, f.name)
    ]
    return " ".join([s.cell, str(s.width), *changed])


factors = st.sampled_from([1.0, 1.3, 4 / 3, 1.5, 2.0, 0.5])
#: Mostly kernels that run; 1 (and 0 in an mLSTM) that do not.
kernels = st.sampled_from([4, 2, 3, 4, 4, 4, 4, 4, 0, 1])


@st.composite
def configurations(draw, cell: str) -> dict:
    """The package's settings at random, some of them impossible (heads that do not
    divide the width, inner widths rounded to nothing, ...)."""
    scope = draw(st.sampled_from(["layer", "block", "stack"]))
    common = dict(
        cell=cell,
        width=draw(st.integers(1, 12)) * draw(st.sampled_from([1, 2, 4, 8])),
        heads=draw(st.sampled_from([1, 2, 4, 4, 8, 3, 5])),
        scope=scope,
        blocks=1 if scope == "layer" else draw(st.integers(1, 3)),
        round_to=draw(st.sampled_from([1, 8, 16, 64])),
        round_up=draw(st.booleans()),
        post_norm=draw(st.booleans()),
    )
    if cell == "slstm":
        return common | dict(
            conv_kernel=draw(kernels),
            norm_weight=draw(st.booleans()),
            feedforward=draw(st.booleans()),
            ffn_factor=draw(factors),
            ffn_bias=draw(st.booleans()),
        )
    return common | dict(
        conv_kernel=draw(kernels),
        proj_factor=draw(factors),
        qkv_blocksize=draw(st.sampled_from([1, 2, 3, 4, 8, 40])),
        proj_bias=draw(st.booleans()),
    )


def counted_macs(run) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops() // 2


def conv_macs(s: XlstmSizes) -> int:
    return s.blocks * sum(t.value for t in mac_terms(s) if t.role == "conv")


#: A layer, a block and a stack of each cell, and the settings that change a step's work.
WORK = [
    S("slstm", 64, scope="layer"),
    S("slstm", 48, heads=3, conv_kernel=0, scope="layer"),
    S("slstm", 64, heads=2, ffn_bias=True),
    S("slstm", 32, blocks=2, scope="stack"),
    S("mlstm", 64, scope="layer"),
    S("mlstm", 48, heads=2, qkv_blocksize=8, proj_bias=True, proj_factor=1.5),
    S("mlstm", 32, blocks=2, scope="stack", conv_kernel=3),
]
