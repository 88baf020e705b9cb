"""The setting table: each setting of a layer declared once.

:class:`~lstm_widget.counting.Settings` validates against it, the command line and the
magic make their setting flags from it, the panel and the marimo controls their
controls, the compare parser reads values by it, and the documentation's settings
table is written from it. An option (a setting only some layers have) is listed here
and named in the :class:`~lstm_widget.conventions.specs.CellConvention` of each layer
that has it.
"""

from __future__ import annotations

from collections.abc import Mapping

from .specs import SettingSpec

#: Deep stacks beyond this are not a recurrent network anyone trains; the bound keeps
#: every view (table, diagram, panel) responsive.
MAX_LAYERS = 100
#: Widths (input, units, projection, dense) up to a trillion: far past any layer anyone
#: trains, while every count stays printable and every view drawable.
MAX_SIZE = 10**12
#: Kernel sizes up to a thousand along each axis: past any convolution anyone trains.
MAX_KERNEL = 1_000
#: Longest sequence the work is counted for: far past any sequence anyone runs.
MAX_STEPS = 10**12
#: Up-projection factors beyond this are no block anyone builds (xLSTM's papers use 4/3
#: and 2); the bound keeps every width printable.
MAX_FACTOR = 1_000

#: Every setting, in the order flags and controls list them. ``{layers}``, ``{cells}``,
#: ``{inputs}`` and ``{units}`` in a help text are filled in from the registry
#: (:func:`~lstm_widget.conventions.setting_help`).
SETTINGS: Mapping[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec("framework", "choice", "keras", "whose weight layout to count",
                    ("--framework",)),
        SettingSpec("cell", "choice", "lstm", "recurrent cell: {cells}", ("--cell",)),
        SettingSpec("input_size", "count", 1, "input features per timestep{inputs}",
                    ("-i", "--input"), "X", (1, MAX_SIZE), slider=(1, 512),
                    phrase="{value} {inputs}", always_said=True),
        SettingSpec("units", "widths", 10, "units / hidden_size{units}, or one per layer "
                    "separated by commas (32,18)", ("-u", "--units"), "H", (1, MAX_SIZE),
                    slider=(1, 1024), phrase="{value} {units}", always_said=True),
        SettingSpec("layers", "count", 1, "stacked layers, read from a list of --units if "
                    "left at 1", ("--layers",), "L", (1, MAX_LAYERS),
                    slider=(1, min(10, MAX_LAYERS)), phrase="{value} layers"),
        SettingSpec("bidirectional", "switch", False, "two directions per layer",
                    ("--bidirectional",), phrase="bidirectional"),
        SettingSpec("bias", "switch", True, "drop the recurrent biases", ("--no-bias",),
                    phrase="no bias"),
        SettingSpec("proj_size", "count", 0, "{layers} proj_size, 0 for none", ("--proj",),
                    "P", (0, MAX_SIZE), option=True, slider=(0, 512),
                    phrase="projection to {value}"),
        SettingSpec("reset_after", "switch", True,
                    "{layers} with reset_after=False (the Keras 2 layout)",
                    ("--no-reset-after",), option=True, phrase="reset_after {value}",
                    always_said=True),
        SettingSpec("peepholes", "switch", False, "{layers} peephole weights P",
                    ("--peepholes",), option=True, phrase="peepholes"),
        SettingSpec("kernel", "sizes", (), "{layers} kernel_size: 3 (1D), 3,3 (2D) or "
                    "3,3,3 (3D)", ("--kernel",), "K,K", (1, MAX_KERNEL), (1, 3), option=True,
                    phrase="kernel {value}"),
        SettingSpec("optimized", "switch", False, "{layers} as nnx.OptimizedLSTMCell stores "
                    "it: the gates fused in dense_i, dense_h", ("--optimized",), option=True),
        SettingSpec("dense", "count", 0, "TimeDistributed(Dense(N)) / Linear(N) head, 0 for "
                    "none", ("--dense",), "N", (0, MAX_SIZE), slider=(0, 128),
                    phrase="a dense head of {value}"),
        # xLSTM (conventions/xlstm.py names the package's config field and file of each).
        SettingSpec("scope", "choice", "block", "{layers}: what is counted: the layer, "
                    "the block around it (pre-norm, residual) or an xLSTMBlockStack of "
                    "--layers blocks", ("--scope",), option=True,
                    choices=("layer", "block", "stack")),
        SettingSpec("heads", "count", 4, "{layers} num_heads: the sLSTM's block-diagonal "
                    "W and R, the mLSTM's memories", ("--heads",), "H", (1, MAX_SIZE),
                    option=True, slider=(1, 16)),
        SettingSpec("conv_kernel", "count", 4, "{layers} conv1d_kernel_size of the causal "
                    "conv (0: an sLSTM without one)", ("--conv-kernel",), "K", (0, MAX_KERNEL),
                    option=True, slider=(0, 8)),
        SettingSpec("norm_weight", "switch", True, "{layers} with group_norm_weight=False",
                    ("--no-norm-weight",), option=True),
        SettingSpec("feedforward", "switch", True, "{layers} without the block's gated "
                    "feed-forward", ("--no-feedforward",), option=True),
        SettingSpec("ffn_factor", "factor", 1.3, "{layers}: the feed-forward's proj_factor",
                    ("--ffn-factor",), "F", (0, MAX_FACTOR), option=True),
        SettingSpec("ffn_bias", "switch", False, "{layers} with a feed-forward with biases",
                    ("--ffn-bias",), option=True),
        SettingSpec("proj_factor", "factor", 2.0, "{layers} proj_factor: the inner width "
                    "is this × units", ("--proj-factor",), "F", (0, MAX_FACTOR), option=True),
        SettingSpec("qkv_blocksize", "count", 4, "{layers} qkv_proj_blocksize of the "
                    "head-wise q, k, v", ("--qkv-blocksize",), "B", (1, MAX_SIZE),
                    option=True, slider=(1, 64)),
        SettingSpec("proj_bias", "switch", False, "{layers} with bias=True: every "
                    "projection with biases", ("--proj-bias",), option=True),
        SettingSpec("round_to", "count", 64, "{layers} round_proj_up_to_multiple_of",
                    ("--round-to",), "M", (1, MAX_SIZE), option=True, slider=(1, 256)),
        SettingSpec("round_up", "switch", True, "{layers} with round_proj_up_dim_up=False",
                    ("--round-down",), option=True),
        SettingSpec("post_norm", "switch", True, "{layers} with add_post_blocks_norm=False",
                    ("--no-post-norm",), option=True),
        SettingSpec("steps", "count", None, "time steps of a sequence: adds the "
                    "multiply-accumulates per step and for the sequence, and the values it "
                    "keeps", ("--steps",), "T", (1, MAX_STEPS), layer=False),
    )
}  # fmt: skip

#: The settings only some layers have, with their neutral value (their default).
OPTIONS: Mapping[str, SettingSpec] = {name: spec for name, spec in SETTINGS.items() if spec.option}
