"""Reading the modules of NX-AI's ``xlstm`` package in a live PyTorch model.

An sLSTM or mLSTM layer, a block around one, or an ``xLSTMBlockStack`` of blocks is
one recurrent family: the outermost of them is one row, holding every tensor of the
modules inside it (the package's head-wise projections, its cells and norms are no
layers of their own). Its sizes are read off the package's own config objects, the
fields :mod:`lstm_widget.conventions.xlstm` lists, and it is counted by
:mod:`lstm_widget.counting_xlstm`; the assembly then checks the count tensor by tensor
against what the module holds, as for any layer counted from a spec.

The package is never imported here: a module is recognised by its classes' names and
the package they come from, so a model without xLSTM costs nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from ..conventions import SettingsError
from ..conventions.xlstm import FAMILY_CLASSES, PACKAGE
from ..counting_xlstm import XlstmSizes, layer_count, mixed_stack_count
from ._families import register_family


def _family_class(module: Any) -> str:
    """The package's family class ``module`` is made from; "" for any other module."""
    return next(
        (
            base.__name__
            for base in type(module).__mro__
            if base.__name__ in FAMILY_CLASSES and base.__module__.partition(".")[0] == "xlstm"
        ),
        "",
    )


def is_family(module: Any) -> bool:
    """Whether ``module`` is one of the package's layers, blocks or stacks."""
    return bool(_family_class(module))


def read(module: Any) -> dict[str, Any]:
    """``{"other": ...}``: the family counted from the package's config fields; or
    ``{"reason": ...}`` when lstm_widget cannot count it."""
    label = type(module).__name__
    try:
        kinds = block_sizes(module)
        if len({s.cell for s in kinds}) > 1:
            return {"other": mixed_stack_count(kinds, label)}
        return {"other": layer_count(sizes_of(module), label)}
    except SettingsError as error:
        return {"reason": f"lstm_widget cannot count it: {error}"}


def block_sizes(module: Any) -> list[XlstmSizes]:
    """Each block's :class:`XlstmSizes` in an ``xLSTMBlockStack`` (``scope="stack"``,
    every block of the stack counted), sLSTM and mLSTM alike; the family's own sizes
    for a layer or block."""
    if _family_class(module) != "xLSTMBlockStack":
        return [sizes_of(module)]
    post_norm = bool(module.config.add_post_blocks_norm)
    blocks = len(module.blocks)
    return [
        XlstmSizes(**_block_fields(block.config), scope="stack", blocks=blocks,
                   post_norm=post_norm)
        for block in module.blocks
    ]  # fmt: skip


def sizes_of(module: Any) -> XlstmSizes:
    """The :class:`XlstmSizes` of one of the package's layers, blocks or stacks, read
    off its ``config``; :class:`SettingsError` for one lstm_widget does not count."""
    kind, config = _family_class(module), module.config
    if kind in ("sLSTMLayer", "mLSTMLayer"):
        return XlstmSizes(**_layer_fields(config), scope="layer")
    if kind == "xLSTMBlockStack":
        kinds = block_sizes(module)
        if len(set(kinds)) > 1:  # mixed_stack_count counts it block by block
            raise SettingsError(f"its blocks differ (slstm_at={config.slstm_at})")
        return kinds[0]
    return XlstmSizes(**_block_fields(config), scope="block")


def _layer_fields(config: Any) -> dict[str, Any]:
    """An sLSTM or mLSTM layer's config fields that change a count, as XlstmSizes calls
    them (:data:`~lstm_widget.conventions.xlstm.SETTINGS`)."""
    common = {
        "width": config.embedding_dim,
        "heads": config.num_heads,
        "conv_kernel": config.conv1d_kernel_size,
    }
    if hasattr(config, "group_norm_weight"):  # sLSTMLayerConfig
        return {"cell": "slstm", **common, "norm_weight": bool(config.group_norm_weight)}
    return {
        "cell": "mlstm",
        **common,
        "qkv_blocksize": config.qkv_proj_blocksize,
        "proj_factor": config.proj_factor,
        "proj_bias": bool(config.bias),
        **_rounding(config),
    }


def _block_fields(config: Any) -> dict[str, Any]:
    """A block's (``xLSTMBlockConfig``) fields: its layer's and its feed-forward's."""
    ffn = config.feedforward
    if config.mlstm is not None:
        if ffn is not None:
            raise SettingsError(
                "its mLSTM block has a feed-forward, which the package's mLSTMBlock never "
                f"builds and {PACKAGE}'s counts leave out"
            )
        return _layer_fields(config.mlstm)
    fields = _layer_fields(config.slstm)
    if ffn is None:
        return {**fields, "feedforward": False}
    return {
        **fields,
        "ffn_factor": ffn.proj_factor,
        "ffn_bias": bool(ffn.bias),
        **_rounding(ffn),
    }


def _rounding(config: Any) -> dict[str, Any]:
    """How an up-projection's width is rounded (utils.py, ``UpProjConfigMixin``)."""
    return {
        "round_to": config.round_proj_up_to_multiple_of,
        "round_up": bool(config.round_proj_up_dim_up),
    }


def forward_work_unknown(module: Any) -> str:
    """Why a forward of the family over a sequence is not its step's work once a step
    (its row counts a step's); "" when it is.

    The package's causal conv computes ``K − 1`` padded steps more than it keeps
    (components/conv.py), and the mLSTM's forward reads its memory in the parallel form
    (blocks/mlstm/backends.py, ``parallel_stabilized_simple``), whose work grows with
    the square of the sequence's length.
    """
    try:
        kinds = block_sizes(module)
    except SettingsError:
        return ""  # not counted: its row says why
    why = []
    kernels = sorted({s.conv_kernel for s in kinds if s.conv_kernel})
    if kernels:
        padded = " or ".join(str(k - 1) for k in kernels)
        why.append(f"its causal conv computes K − 1 = {padded} padded steps more")
    if any(s.cell == "mlstm" for s in kinds):
        why.append("the mLSTM reads its memory in parallel form, 2 × S² × p for S steps")
    if not why:
        return ""
    return f"the package's forward is not its step repeated: {'; '.join(why)}"


# The module itself is this package's reader (is_family, read, forward_work_unknown).
register_family(PACKAGE, sys.modules[__name__])
