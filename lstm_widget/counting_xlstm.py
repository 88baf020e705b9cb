"""xLSTM's sLSTM and mLSTM blocks, weight group by weight group, as the reference
implementation builds them (:data:`~lstm_widget.conventions.xlstm.PACKAGE`).

Pure and stdlib-only, like :mod:`~lstm_widget.counting`: the package's layers are
described by :class:`XlstmSizes` (its config fields that change a count, with their
defaults), each weight group is a :class:`~lstm_widget.counting.WeightGroup` under the
package's own parameter name, and the multiply-accumulates of one step come from the
same sizes. tests/test_xlstm.py builds the package's modules on CPU and compares both,
tensor by tensor and against ``FlopCounterMode``.

What the two cells keep of the LSTM and what they change, in counts:

- **sLSTM** (``blocks/slstm``): the LSTM's four blocks (input gate i, forget gate f,
  cell input z, output gate o), each with input weights W, recurrent weights R and a
  bias, but the ``d`` units are cut into ``H`` heads and every unit sees only its
  head's ``d/H`` inputs and fed-back values: W and R are block-diagonal, ``H`` blocks
  of ``d/H × d/H``, so a gate's W and R hold ``d²/H`` weights each where an LSTM's hold
  ``d²``. The gates i and f read the input through a causal depthwise convolution.
- **mLSTM** (``blocks/mlstm``): no recurrent weights at all. The input is projected up
  to ``p`` features and a second ``p`` for the output gate; head-wise q, k and v
  projections feed a matrix memory C (``p/H × p/H`` per head) that carries the state;
  the input and forget gates are one scalar per head, read off ``[q; k; v]``; a
  projection takes ``p`` back down to ``d``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, cast

from .conventions import MAX_FACTOR, ROLE_LABELS, ROLES, Role, SettingsError
from .conventions import SETTINGS as SETTING_TABLE
from .conventions.layers import LayerSpec
from .conventions.xlstm import (
    MEMORY_WORK,
    MODULE_SOURCES,
    SCOPES,
    SETTINGS,
    TENSORS,
    Scope,
    XlstmCell,
)
from .counting import Direction, FormulaLine, Settings, Term, WeightGroup
from .layers import LayerCount, count_layer

#: Gate letters as the package stores them in the sLSTM cell's fused recurrent kernel
#: and bias (blocks/slstm/cell.py: ``reset_parameters`` and the vanilla pointwise step
#: ``slstm_forward_pointwise`` both read i, f, z, o), with the layer's gate projection
#: each one's pre-activation comes from. xlstm 2.0.6 feeds ``fgate``'s output to the
#: input gate and ``igate``'s to the forget gate (blocks/slstm/layer.py, ``forward``):
#: the names are swapped, the shapes are not.
SLSTM_GATES: tuple[tuple[str, str], ...] = (
    ("i", "fgate"),
    ("f", "igate"),
    ("z", "zgate"),
    ("o", "ogate"),
)

#: The gates of the mLSTM: queries, keys and values (head-wise projections), the input
#: and forget gates (one scalar per head), and the output gate, which is the second
#: half of the up-projection through a SiLU (blocks/mlstm/layer.py: the "z branch").
MLSTM_GATES: tuple[str, ...] = ("q", "k", "v", "i", "f", "o")


def up_projection(factor: float, width: int, multiple: int, round_up: bool) -> int:
    """The package's up-projection width: ``factor × width`` rounded to ``multiple``.

    The same float arithmetic as ``UpProjConfigMixin._set_proj_up_dim`` (utils.py), so
    that every width the package builds is reproduced exactly, e.g. 1.3 × 512 = 665.6
    rounds up to 704.
    """
    steps = factor * width / multiple
    return int((math.ceil(steps) if round_up else math.floor(steps)) * multiple)


def _default(name: str) -> Any:
    """A field's default: the package's, as the setting table declares it."""
    return SETTING_TABLE[name].default


@dataclass(frozen=True)
class XlstmSizes:
    """An sLSTM or mLSTM layer, block or stack, by the package's config fields.

    Parameters
    ----------
    cell
        ``"slstm"`` or ``"mlstm"``.
    width
        ``embedding_dim``, d: the block's input and output width (it is residual).
    heads
        ``num_heads``, H. sLSTM: the heads W and R are cut into (H must divide d);
        mLSTM: the heads of the memory, each one input and one forget gate.
    conv_kernel
        ``conv1d_kernel_size``, K, of the causal depthwise convolution; 0 leaves it out
        of an sLSTM (an mLSTM always has one).
    scope
        ``"layer"`` (``sLSTMLayer``, ``mLSTMLayer``), ``"block"`` (the layer in its
        pre-norm residual block) or ``"stack"`` (``xLSTMBlockStack``).
    blocks
        Blocks in the stack (``num_blocks``); a layer is one.
    norm_weight
        sLSTM ``group_norm_weight``: the group norm's scale.
    feedforward, ffn_factor, ffn_bias
        The sLSTM block's gated feed-forward: whether it has one, its
        ``proj_factor`` and its ``bias``.
    proj_factor, qkv_blocksize, proj_bias
        mLSTM: the up-projection's factor, the block size of the head-wise q, k, v
        projections, and whether the projections have biases.
    round_to, round_up
        How an up-projection's width is rounded (``round_proj_up_to_multiple_of``,
        ``round_proj_up_dim_up``).
    post_norm
        ``add_post_blocks_norm``: the stack's LayerNorm after its last block.
    """

    cell: XlstmCell
    width: int
    heads: int = _default("heads")
    conv_kernel: int = _default("conv_kernel")
    scope: Scope = _default("scope")  # noqa: RUF009  (a str: immutable)
    blocks: int = 1
    norm_weight: bool = _default("norm_weight")
    feedforward: bool = _default("feedforward")
    ffn_factor: float = _default("ffn_factor")
    ffn_bias: bool = _default("ffn_bias")
    proj_factor: float = _default("proj_factor")
    qkv_blocksize: int = _default("qkv_blocksize")
    proj_bias: bool = _default("proj_bias")
    round_to: int = _default("round_to")
    round_up: bool = _default("round_up")
    post_norm: bool = _default("post_norm")

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise SettingsError(f"scope must be one of {', '.join(SCOPES)}, not {self.scope!r}.")
        if self.scope == "layer" and self.blocks != 1:
            raise SettingsError(
                f"blocks={self.blocks} needs scope='block' or 'stack': the package stacks "
                "its layers only inside blocks."
            )
        for name in ("ffn_factor", "proj_factor"):
            factor = getattr(self, name)
            if not (isinstance(factor, int | float) and 0 < factor <= MAX_FACTOR):
                raise SettingsError(
                    f"{name} must be a number above 0 and up to {MAX_FACTOR}, not {factor!r}."
                )
        if self.conv_kernel == 1:
            # components/conv.py trims the K − 1 padded outputs with [:-(K − 1)]: [:-0]
            # keeps none, so such a layer builds but cannot run.
            raise SettingsError(
                "conv_kernel=1 is not possible: the package's causal conv then returns no "
                "outputs; use 0 (an sLSTM without a conv) or 2 and up."
            )
        d, h = self.width, self.heads
        if self.cell == "slstm":
            # components/linear_headwise.py asserts both for every gate projection.
            if h > d or d % h:
                raise SettingsError(
                    f"heads={h} must divide the sLSTM's width {d:,}: each head owns d/H "
                    "of its units."
                )
            if self.ffn_inner == 0 and self.scope != "layer" and self.feedforward:
                raise SettingsError(
                    f"ffn_factor={self.ffn_factor} rounds the feed-forward's width to 0 "
                    f"(rounding {self.ffn_factor} × {d:,} to a multiple of {self.round_to}); "
                    "use a larger factor, or round up."
                )
            return
        if self.conv_kernel < 1:
            # components/conv.py leaves out the conv for 0 and then fails resetting it.
            raise SettingsError(
                f"conv_kernel={self.conv_kernel} is not possible: an mLSTM layer always has "
                "its causal convolution; use 2 or more."
            )
        p = self.inner
        if p == 0:
            raise SettingsError(
                f"proj_factor={self.proj_factor} rounds the mLSTM's inner width to 0 "
                f"(rounding {self.proj_factor} × {d:,} to a multiple of {self.round_to}); "
                "use a larger factor, or round up."
            )
        if self.qkv_heads < 1 or p % self.qkv_heads:
            raise SettingsError(
                f"qkv_blocksize={self.qkv_blocksize} must split the mLSTM's {p:,} inner "
                f"features into heads of equal size ({p:,} // {self.qkv_blocksize} heads "
                "must divide it)."
            )
        if p % h:
            raise SettingsError(
                f"heads={h} must divide the mLSTM's {p:,} inner features: each head keeps "
                "a p/H × p/H memory."
            )

    @property
    def head_width(self) -> int:
        """sLSTM d/H: the units, inputs and fed-back values of one head."""
        return self.width // self.heads

    @property
    def inner(self) -> int:
        """mLSTM p: the up-projection's width, where the memory works."""
        return up_projection(self.proj_factor, self.width, self.round_to, self.round_up)

    @property
    def memory_width(self) -> int:
        """mLSTM p/H: one head's queries, keys and values; its memory is this squared."""
        return self.inner // self.heads

    @property
    def qkv_heads(self) -> int:
        """mLSTM: the blocks of the head-wise q, k and v projections, p // blocksize."""
        return self.inner // self.qkv_blocksize

    @property
    def ffn_inner(self) -> int:
        """sLSTM block u: the feed-forward's inner width (0 without one)."""
        if self.cell != "slstm" or self.scope == "layer" or not self.feedforward:
            return 0
        return up_projection(self.ffn_factor, self.width, self.round_to, self.round_up)

    def prefix(self, block: int) -> str:
        """The name in front of a block's own tensors: ``blocks.2.`` in a stack."""
        return f"blocks.{block}." if self.scope == "stack" or self.blocks > 1 else ""


def local_name(name: str) -> str:
    """A tensor's name inside its layer or block: ``conv1d.conv.weight`` for a stack's
    ``blocks.2.xlstm.conv1d.conv.weight``."""
    path = name.split(".", 2)[2] if name.startswith("blocks.") else name
    return path.removeprefix("xlstm.")


def source(name: str) -> str:
    """The file of the package that makes the tensor called ``name`` (with or without
    its block's prefix): components/conv.py for ``xlstm.conv1d.conv.weight``."""
    path = local_name(name)
    module = max((m for m in MODULE_SOURCES if path.startswith(f"{m}.")), key=len, default="")
    if not module and path in MODULE_SOURCES:
        module = path
    return MODULE_SOURCES[module]


def _span(k: int, width: int) -> str:
    return f"{k * width}:{(k + 1) * width}"


def block_groups(s: XlstmSizes, block: int = 0) -> list[WeightGroup]:
    """One layer or block's weight groups, in the order ``named_parameters`` lists them.

    ``block`` is the block's place in a stack; its groups carry it as their ``layer``.
    """
    group = partial(WeightGroup, layer=block, direction="forward")
    out: list[WeightGroup] = []
    lead = s.prefix(block)
    inside = lead if s.scope == "layer" else f"{lead}xlstm."
    if s.scope != "layer":
        out.append(group(f"{lead}xlstm_norm.weight", (s.width,), "", "γ_pre", "scale", ""))
    build = _slstm_layer if s.cell == "slstm" else _mlstm_layer
    out += build(s, inside, group)
    if s.ffn_inner:  # the block's feed-forward, with its own norm
        out += _feedforward(s, lead, group)
    return out


def stack_groups(s: XlstmSizes) -> list[WeightGroup]:
    """The stack's own tensors past its blocks: the LayerNorm after the last block."""
    if s.scope != "stack" or not s.post_norm:
        return []
    norm = ("post_blocks_norm.weight", (s.width,), "", "γ_post")
    return [WeightGroup(*norm, "scale", "", -1, "forward")]


def groups(s: XlstmSizes) -> list[WeightGroup]:
    """Every weight group of the described layer, block or stack."""
    out = [g for block in range(s.blocks) for g in block_groups(s, block)]
    return out + stack_groups(s)


Group = partial[WeightGroup]


def _slstm_layer(s: XlstmSizes, at: str, group: Group) -> list[WeightGroup]:
    """blocks/slstm/layer.py: conv, four head-wise gate projections, the cell, the norm."""
    d, h, dh, k = s.width, s.heads, s.head_width, s.conv_kernel
    out: list[WeightGroup] = []
    if k:
        out.append(group(f"{at}conv1d.conv.weight", (d, 1, k), "", "w_conv", "conv", ""))
        out.append(group(f"{at}conv1d.conv.bias", (d,), "", "b_conv", "conv", ""))
    # LinearHeadwiseExpand: weight (heads, out per head, in per head), no bias here.
    for gate, module in SLSTM_GATES:
        out.append(group(f"{at}{module}.weight", (h, dh, dh), "", f"W_{gate}", "input", gate))
    # The vanilla backend's layout, the one that runs on CPU: R (H, 4·d/H, d/H), each
    # head's rows gate by gate; the bias 4·d, gate by gate over every head. The CUDA
    # backend keeps the same weights as (H, d/H, 4·d/H) and its bias head by head.
    kernel = f"{at}slstm_cell._recurrent_kernel_"
    bias = f"{at}slstm_cell._bias_"
    for n, (gate, _) in enumerate(SLSTM_GATES):
        rows = f"[:, {_span(n, dh)}, :]"
        out.append(group(kernel, (h, 4 * dh, dh), rows, f"R_{gate}", "recurrent", gate))
    for n, (gate, _) in enumerate(SLSTM_GATES):
        out.append(group(bias, (4 * d,), f"[{_span(n, d)}]", f"b_{gate}", "bias", gate))
    if s.norm_weight:
        out.append(group(f"{at}group_norm.weight", (d,), "", "γ_heads", "scale", ""))
    return out


def _mlstm_layer(s: XlstmSizes, at: str, group: Group) -> list[WeightGroup]:
    """blocks/mlstm/layer.py: skip, up-projection, q k v, conv, the cell, down-projection."""
    d, p, k, heads = s.width, s.inner, s.conv_kernel, s.heads
    blocks, side = s.qkv_heads, p // s.qkv_heads
    out = [group(f"{at}learnable_skip", (p,), "", "s", "scale", "")]
    # proj_up's first p outputs enter the memory branch; the other p are the output
    # gate's pre-activation (the "z branch", through a SiLU).
    up: tuple[tuple[str, str, Role, str], ...] = (
        ("", "up", "projection", _span(0, p)),
        ("o", "o", "input", _span(1, p)),
    )
    for gate, sub, role, rows in up:
        out.append(
            group(f"{at}proj_up.weight", (2 * p, d), f"[{rows}, :]", f"W_{sub}", role, gate)
        )
    if s.proj_bias:
        for gate, sub, _, rows in up:
            out.append(group(f"{at}proj_up.bias", (2 * p,), f"[{rows}]", f"b_{sub}", "bias", gate))
    for gate in ("q", "k", "v"):
        weight = (blocks, side, side)
        out.append(group(f"{at}{gate}_proj.weight", weight, "", f"W_{gate}", "input", gate))
        if s.proj_bias:
            out.append(group(f"{at}{gate}_proj.bias", (p,), "", f"b_{gate}", "bias", gate))
    out.append(group(f"{at}conv1d.conv.weight", (p, 1, k), "", "w_conv", "conv", ""))
    out.append(group(f"{at}conv1d.conv.bias", (p,), "", "b_conv", "conv", ""))
    # One scalar per head and gate, read off [q; k; v]: nn.Linear(3p, H) with its bias.
    for gate in ("i", "f"):
        cell = f"{at}mlstm_cell.{gate}gate"
        out.append(group(f"{cell}.weight", (heads, 3 * p), "", f"w_{gate}", "input", gate))
        out.append(group(f"{cell}.bias", (heads,), "", f"b_{gate}", "bias", gate))
    out.append(group(f"{at}mlstm_cell.outnorm.weight", (p,), "", "γ_heads", "scale", ""))
    out.append(group(f"{at}proj_down.weight", (d, p), "", "W_down", "projection", ""))
    if s.proj_bias:
        out.append(group(f"{at}proj_down.bias", (d,), "", "b_down", "bias", ""))
    return out


def _feedforward(s: XlstmSizes, lead: str, group: Group) -> list[WeightGroup]:
    """components/feedforward.py: LayerNorm, then up to 2u (a gate and a value), GELU
    on the gate, their product, and down to d."""
    d, u = s.width, s.ffn_inner
    out = [group(f"{lead}ffn_norm.weight", (d,), "", "γ_ffn", "scale", "")]
    halves = (("gate", _span(0, u)), ("up", _span(1, u)))
    for sub, rows in halves:
        out.append(
            group(
                f"{lead}ffn.proj_up.weight",
                (2 * u, d),
                f"[{rows}, :]",
                f"W_{sub}",
                "feedforward",
                "",
            )
        )
    if s.ffn_bias:
        for sub, rows in halves:
            out.append(
                group(
                    f"{lead}ffn.proj_up.bias", (2 * u,), f"[{rows}]", f"b_{sub}", "feedforward", ""
                )
            )
    out.append(group(f"{lead}ffn.proj_down.weight", (d, u), "", "W_down", "feedforward", ""))
    if s.ffn_bias:
        out.append(group(f"{lead}ffn.proj_down.bias", (d,), "", "b_down", "feedforward", ""))
    return out


def role_totals(s: XlstmSizes) -> dict[Role, int]:
    """Count per role, in the registry's order of roles, roles that are absent left
    out: where a block's parameters are, as :meth:`lstm_widget.Breakdown.role_totals`
    says for an LSTM."""
    counted = groups(s)
    totals = {role: sum(g.count for g in counted if g.role == role) for role in ROLES}
    return {role: total for role, total in totals.items() if total}


def sizes(s: XlstmSizes) -> dict[str, int]:
    """The values of the sizes :data:`~lstm_widget.conventions.xlstm.TENSORS` writes
    shapes in."""
    if s.cell == "slstm":
        return {"d": s.width, "H": s.heads, "K": s.conv_kernel, "d/H": s.head_width,
                "u": s.ffn_inner}  # fmt: skip
    side = s.inner // s.qkv_heads
    return {"d": s.width, "H": s.heads, "K": s.conv_kernel, "p": s.inner,
            "p/H": s.memory_width, "b": side, "p/b": s.qkv_heads}  # fmt: skip


def layer_count(s: XlstmSizes, label: str) -> LayerCount:
    """The described layer, block or stack as a layer counted from a spec: each of its
    tensors once, under the package's name, its shape in sizes, and a step's work (the
    multiplied weights, and each mLSTM block's memory). ``label`` names the kind (the
    package's class)."""
    symbols = TENSORS[s.cell]
    names = dict.fromkeys(g.tensor for g in groups(s))
    specs = tuple(replace(symbols[local_name(name)], name=name) for name in names)
    memory = MEMORY_WORK[s.cell] * s.blocks  # each block's memory does its own
    return count_layer(LayerSpec(s.cell, label, specs, per_key=memory), sizes(s))


#: The mark each cell's sizes carry in a stack that mixes them (their heads, kernels
#: and widths may differ): Hₛ an sLSTM block's heads, Hₘ an mLSTM block's.
MIXED_MARKS: dict[XlstmCell, str] = {"slstm": "ₛ", "mlstm": "ₘ"}


def _marked(symbol: str, mark: str) -> str:
    return symbol if symbol.isdigit() else f"{symbol}{mark}"


def mixed_stack_count(kinds: list[XlstmSizes], label: str) -> LayerCount:
    """An ``xLSTMBlockStack`` whose blocks mix sLSTM and mLSTM (its ``slstm_at``), one
    :class:`XlstmSizes` per block in order (each ``scope="stack"`` with every block
    counted, the stack's post norm as its config says): each block's tensors under its
    own cell's sizes, marked by cell (:data:`MIXED_MARKS`), and each mLSTM block's
    memory work."""
    specs = []
    values: dict[str, int] = {}
    for k, s in enumerate(kinds):
        mark = MIXED_MARKS[s.cell]
        values |= {_marked(name, mark): n for name, n in sizes(s).items()}
        named = block_groups(s, k) + (stack_groups(s) if k == len(kinds) - 1 else [])
        for name in dict.fromkeys(g.tensor for g in named):
            spec = TENSORS[s.cell][local_name(name)]
            shape = tuple(_marked(symbol, mark) for symbol in spec.shape)
            specs.append(replace(spec, name=name, shape=shape))
    memory = tuple(
        tuple(_marked(symbol, MIXED_MARKS[s.cell]) for symbol in product)
        for s in kinds
        for product in MEMORY_WORK[s.cell]
    )
    return count_layer(LayerSpec("xlstm", label, tuple(specs), per_key=memory), values)


def mac_terms(s: XlstmSizes) -> tuple[Term, ...]:
    """One block's multiply-accumulates in one time step, term by term.

    Each weight of a matrix or kernel does one per step, as in an LSTM; a norm, the
    skip and the gates' nonlinearities are element-wise work. The mLSTM adds products
    that involve no weight: per head, writing k·vᵀ into its ``p/H × p/H`` memory,
    reading it with qᵀ·C and the normalizer with qᵀ·n (blocks/mlstm/backends.py,
    ``recurrent_step_stabilized_simple``); its forward over a whole sequence runs the
    parallel form instead, whose work grows with the square of the sequence's length.
    """
    d = s.width
    terms: list[Term] = []
    if s.cell == "slstm":
        dh, k = s.head_width, s.conv_kernel
        if k:
            terms.append(Term("conv", "K × d", f"{k:,} × {d:,}", k * d))
        terms.append(Term("input", "4 × d × d/H", f"4 × {d:,} × {dh:,}", 4 * d * dh))
        terms.append(Term("recurrent", "4 × d × d/H", f"4 × {d:,} × {dh:,}", 4 * d * dh))
    else:
        p, k, heads, m = s.inner, s.conv_kernel, s.heads, s.memory_width
        side = p // s.qkv_heads
        terms += [
            Term("projection", "p × d", f"{p:,} × {d:,}", p * d),
            Term("input", "p × d", f"{p:,} × {d:,}", p * d),
            Term("conv", "K × p", f"{k:,} × {p:,}", k * p),
            Term("input", "3 × p × b", f"3 × {p:,} × {side:,}", 3 * p * side),
            Term("input", "2 × 3p × H", f"2 × {3 * p:,} × {heads:,}", 6 * p * heads),
            Term(
                "recurrent",
                "2 × p × p/H + p",
                f"2 × {p:,} × {m:,} + {p:,}",
                2 * p * m + p,
            ),
            Term("projection", "d × p", f"{d:,} × {p:,}", d * p),
        ]
    if s.ffn_inner:
        u = s.ffn_inner
        terms.append(Term("feedforward", "3 × u × d", f"3 × {u:,} × {d:,}", 3 * u * d))
    return tuple(terms)


def macs_per_step(s: XlstmSizes) -> int:
    """Multiply-accumulates of one time step through every block of ``s``."""
    return s.blocks * sum(t.value for t in mac_terms(s))


def forward_macs(s: XlstmSizes, steps: int) -> int:
    """Multiply-accumulates of the package's ``forward`` over ``steps`` time steps.

    Not ``steps`` × :func:`macs_per_step`: the causal conv pads K − 1 steps on both
    sides and drops the outputs past the end (components/conv.py), so it computes
    ``steps + K − 1`` positions; and the mLSTM's forward runs the parallel form
    (blocks/mlstm/backends.py, ``parallel_stabilized_simple``), which in place of the
    memory's ``2 × p × p/H + p`` a step multiplies every query with every earlier key
    and the weighted values: ``2 × steps² × p`` for the sequence.
    """
    per_step = sum(t.value for t in mac_terms(s))
    k = s.conv_kernel
    padding = (k - 1) * k * (s.width if s.cell == "slstm" else s.inner) if k else 0
    total = steps * per_step + padding
    if s.cell == "mlstm":
        p, memory = s.inner, next(t.value for t in mac_terms(s) if t.role == "recurrent")
        total += 2 * steps * steps * p - steps * memory
    return s.blocks * total


def xlstm_sizes(s: Settings) -> XlstmSizes:
    """The package's sizes of the sLSTM or mLSTM ``s`` describes: its width is
    ``units``, a stack's blocks are ``layers``, every other field is its own setting."""
    if s.layers > 1 and s.scope != "stack":
        raise SettingsError(
            f"layers={s.layers} needs scope='stack': the package stacks its blocks in an "
            "xLSTMBlockStack."
        )
    if isinstance(s.units, tuple):
        raise SettingsError(
            f"units={s.units} gives the blocks different widths, but each adds its input "
            "to its output: give one width."
        )
    fields = {name: getattr(s, name) for name in (*SETTINGS, "scope")}
    return XlstmSizes(cast(XlstmCell, s.cell), s.units, blocks=s.layers, **fields)


def package_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """One block of the package's layer, block or stack; the last carries the stack's
    own norm after it."""
    sizes = xlstm_sizes(s)
    out = block_groups(sizes, layer)
    if layer == s.layers - 1:
        out += [replace(g, layer=layer) for g in stack_groups(sizes)]
    return out


def _role_terms(counted: list[WeightGroup]) -> tuple[Term, ...]:
    """One term per role: its name, and its groups' shapes (alike ones counted)."""
    terms = []
    for role in ROLES:
        shapes = Counter("×".join(f"{n:,}" for n in g.shape) for g in counted if g.role == role)
        if shapes:
            numeric = " + ".join(
                f"{k} × {shape}" if k > 1 else shape for shape, k in shapes.items()
            )
            value = sum(g.count for g in counted if g.role == role)
            terms.append(Term(role, ROLE_LABELS[role], numeric, value))
    return tuple(terms)


def block_line(s: Settings, layer: int, repeat: int, label: str) -> FormulaLine:
    """A block's parameters, role by role."""
    return FormulaLine(label, repeat, 1, 1, _role_terms(block_groups(xlstm_sizes(s), layer)), ())


def block_mac_line(s: Settings, layer: int, repeat: int, label: str) -> FormulaLine:
    """A block's multiply-accumulates in one time step (:func:`mac_terms`)."""
    return FormulaLine(label, repeat, 1, 1, mac_terms(xlstm_sizes(s)), ())


def stack_tail(s: Settings) -> list[FormulaLine]:
    """The stack's LayerNorm after its last block, a line of its own."""
    after = stack_groups(xlstm_sizes(s))
    return [FormulaLine("final norm", 1, 1, 1, _role_terms(after), ())] if after else []
