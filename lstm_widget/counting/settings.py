"""What a layer is: :class:`Settings`, validated, each value a one-sentence refusal away.

The same names run through the API, the command line, the magic and the panel, so a
setting refused here is refused everywhere with the same sentence.
"""

from __future__ import annotations

import itertools
import math
import numbers
import reprlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..conventions import (
    HELD,
    OPTIONS,
    SETTINGS,
    Cell,
    CellConvention,
    CellSpec,
    CodeTable,
    Framework,
    SettingsError,
    SettingSpec,
    applies,
    cell_refusal,
    cell_spec,
    choices,
    convention,
    framework_spec,
    held_refusal,
    layer_name,
    option_refusal,
    with_article,
)

#: Stacks deeper than this show layers 1, 2, a collapsed middle and the last layer, in
#: the model strip and in the tables (:meth:`Settings.shown_layers`).
MAX_SHOWN_LAYERS = 4


#: A convention's own checks of a layer whose sizes constrain each other (xLSTM's heads
#: divide its width), by builder key: each raises the one-sentence SettingsError.
CHECKS: CodeTable[Callable[[Settings], object]] = CodeTable("check", "register_check")


def register_check(key: str, check: Callable[[Settings], object]) -> None:
    """Check the layers of the builder ``key`` with ``check`` as they are described."""
    CHECKS[key] = check


@dataclass(frozen=True)
class Settings:
    """One recurrent layer (or a stack of them) described the way frameworks do.

    The same names run through the API, the command line, the magic and the panel.
    Options that a framework or cell does not have raise :class:`SettingsError` rather
    than being ignored, because a silently ignored option teaches the wrong count.

    Each field is declared once in the registry's setting table
    (:data:`~lstm_widget.conventions.settings.SETTINGS`: its kind, bounds and the layers an
    option applies to), which this class validates against.

    Parameters
    ----------
    cell
        A cell family of the registry: ``"lstm"``, ``"gru"``, ``"rnn"`` (simple RNN),
        ... (the conventions table lists them all).
    input_size
        Features per timestep (the last input axis; timesteps never count); a
        ConvLSTM's input channels.
    units
        Width of each layer: Keras ``units``, PyTorch ``hidden_size``, a ConvLSTM's
        ``filters``. One int for every layer, or one per layer (``(32, 18)``) for a
        stack of different widths; a list's length is the number of layers, and widths
        that are all equal count as one int.
    framework
        Whose storage convention to count: ``"keras"`` (Keras 3), ``"pytorch"``,
        ``"onnx"``, ... (the conventions table lists them all).
    layers
        Number of stacked layers; layer k > 0 sees the previous layer's output. Left
        at 1 it is read from a list of ``units``; otherwise it must match the list.
    bidirectional
        Run a second, independent set of weights backwards over time (not for a layer
        that runs forward only, as minGRU-pytorch's).
    bias
        ``False`` drops every bias of the recurrent layers (the dense head keeps its own).
    proj_size
        PyTorch LSTM's ``proj_size`` (TensorFlow 1's ``num_proj``): projects h down to
        this width (0 = none). One
        projection width for every layer, as one ``nn.LSTM`` has, smaller than each
        layer's units. minGRU-pytorch's ``to_out`` (``proj_out``) instead maps the
        output back to the input's width: 0 or ``input_size``.
    reset_after
        Keras GRU's ``reset_after``; ``False`` is the Keras 2 layout with one bias.
    peepholes
        ONNX LSTM's optional peephole input ``P`` (TensorFlow 1's ``use_peepholes``).
    kernel
        A ConvLSTM's ``kernel_size``, one size per spatial axis: its length (1, 2 or
        3) makes it a ConvLSTM1D, 2D or 3D. Keras uses it for the input and the
        recurrent kernel alike.
    optimized
        Flax's ``nnx.OptimizedLSTMCell``: the weights of ``nnx.LSTMCell``, each side's
        four gates in one Linear (``dense_i``, ``dense_h``).
    dense
        Width of a TimeDistributed(Dense(n)) / Linear(n) head (0 = none).
    scope
        xLSTM (``cell="slstm"`` or ``"mlstm"``, ``framework="xlstm"``, counted as NX-AI's
        ``xlstm`` package builds them): ``"layer"``, ``"block"`` (the layer in its
        pre-norm residual block) or ``"stack"`` (an ``xLSTMBlockStack`` of ``layers``
        blocks).
    heads
        xLSTM's ``num_heads``: the sLSTM's block-diagonal W and R, the mLSTM's memories.
    conv_kernel
        xLSTM's ``conv1d_kernel_size``; 0 leaves the sLSTM's causal conv out.
    norm_weight
        sLSTM's ``group_norm_weight``.
    feedforward
        Whether the sLSTM block has its gated feed-forward.
    ffn_factor
        The sLSTM block's feed-forward ``proj_factor``.
    ffn_bias
        Whether that feed-forward has biases.
    proj_factor
        mLSTM's ``proj_factor``: its inner width is this × ``units``, rounded.
    qkv_blocksize
        mLSTM's ``qkv_proj_blocksize``.
    proj_bias
        mLSTM's ``bias``: biases on its projections.
    round_to
        xLSTM's ``round_proj_up_to_multiple_of``.
    round_up
        xLSTM's ``round_proj_up_dim_up``.
    post_norm
        The stack's ``add_post_blocks_norm``.
    """

    cell: Cell = "lstm"
    input_size: int = 1
    units: int | tuple[int, ...] = 10
    framework: Framework = "keras"
    layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    proj_size: int = 0
    reset_after: bool = True
    peepholes: bool = False
    kernel: tuple[int, ...] = ()
    optimized: bool = False
    dense: int = 0
    scope: str = "block"
    heads: int = 4
    conv_kernel: int = 4
    norm_weight: bool = True
    feedforward: bool = True
    ffn_factor: float = 1.3
    ffn_bias: bool = False
    proj_factor: float = 2.0
    qkv_blocksize: int = 4
    proj_bias: bool = False
    round_to: int = 64
    round_up: bool = True
    post_norm: bool = True

    def __post_init__(self) -> None:
        for spec in SETTINGS.values():
            if spec.layer:
                # numpy and other integral types are welcome, but counts stay Python ints.
                object.__setattr__(self, spec.name, checked(spec, getattr(self, spec.name)))
        missing = cell_refusal(self.cell, self.framework)
        if missing:
            raise SettingsError(missing)
        for option in OPTIONS:
            refusal = option_refusal(option, getattr(self, option), self.framework, self.cell)
            if refusal:
                raise SettingsError(refusal)
        for name in HELD:
            value = getattr(self, name)
            if name == "input_size" and value == self.widths[0]:  # as wide: residual
                continue
            refusal = held_refusal(name, value, self.framework, self.cell)
            if refusal:
                raise SettingsError(refusal)
        dims = cell_spec(self.cell).kernel_dims
        if dims and len(self.kernel) not in dims:
            layer = with_article(self.describe_layer())
            example = layer_name(self.framework, self.cell, (3, 3))
            raise SettingsError(
                f"{layer[0].upper()}{layer[1:]} needs kernel, {SETTINGS['kernel'].kind_text} "
                f"such as kernel=(3, 3) for {with_article(example)}."
            )
        layout = self.convention
        if not layout.biases:  # a layer built without biases says so, whatever was given
            object.__setattr__(self, "bias", False)
        if self.bidirectional and not layout.bidirectional:
            raise SettingsError(
                f"bidirectional=True is not possible: {with_article(self.describe_layer())} "
                "runs forward only; use bidirectional=False."
            )
        if layout.projection_to_input and self.proj_size not in (0, self.input_size):
            raise SettingsError(
                f"proj_size={self.proj_size} is not possible: "
                f"{with_article(self.describe_layer())} projects back to its input's width; "
                f"use proj_size={self.input_size} (input_size) or 0."
            )
        if not self.bias and not layout.optional_bias and layout.biases:
            raise SettingsError(
                f"bias=False is not possible: {with_article(self.describe_layer())} always "
                "has its biases; use bias=True."
            )
        if isinstance(self.units, tuple):
            self._stack_widths(self.units)
        check = CHECKS.get(self.builder)
        if check:
            check(self)
        if self.proj_size and layout.projection_below_units and self.proj_size >= min(self.widths):
            units = f"units={self.units}"
            if isinstance(self.units, tuple):
                units = f"each layer's units ({self.units_text()})"
            raise SettingsError(
                f"proj_size={self.proj_size} must be smaller than {units} "
                "(PyTorch requires proj_size < hidden_size)."
            )

    def _stack_widths(self, widths: tuple[int, ...]) -> None:
        """Take the layer count from a list of widths, and one int where all are equal."""
        if self.layers == 1:
            object.__setattr__(self, "layers", len(widths))
        elif len(widths) != self.layers:
            raise SettingsError(
                f"units lists {len(widths)} widths ({_widths_text(widths)}) but "
                f"layers={self.layers}; give one width per layer, or leave layers at 1."
            )
        if len(set(widths)) == 1:
            object.__setattr__(self, "units", widths[0])

    @property
    def directions(self) -> int:
        """D: 2 when bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def gates(self) -> int:
        """G: weight blocks per cell (LSTM 4, GRU 3, simple RNN 1)."""
        return len(self.convention.gate_order)

    @property
    def convention(self) -> CellConvention:
        """How the chosen framework stores the chosen cell (see the registry), in the
        layout an option switches it to."""
        layout = convention(self.framework, self.cell)
        return next((v for option, v in layout.variants if self._selects(option)), layout)

    def _selects(self, variant: str) -> bool:
        """Whether a variant's key holds: a switch that is on (``optimized``), or a
        setting at a value (``scope=layer``)."""
        name, equals, value = variant.partition("=")
        return str(getattr(self, name)) == value if equals else bool(getattr(self, name))

    @property
    def builder(self) -> str:
        """The key of the builder listing this layer's weights (the convention's own,
        else its framework's)."""
        return self.convention.builder or framework_spec(self.framework).builder

    @property
    def widths(self) -> tuple[int, ...]:
        """h of every layer, bottom to top."""
        if isinstance(self.units, tuple):
            return self.units
        return (self.units,) * self.layers

    def units_text(self) -> str:
        """``10``, or ``32 → 18`` (``64 ×3 → 16``) for a stack of different widths."""
        return _widths_text(self.units if isinstance(self.units, tuple) else (self.units,))

    def layer_units(self, layer: int) -> int:
        """h_l: the width of layer ``layer`` (0-based)."""
        # Not through widths, which builds a tuple of every layer: a deep stack's views
        # ask each layer's width in turn, and that would be quadratic.
        return self.units[layer] if isinstance(self.units, tuple) else self.units

    def state_width(self, layer: int) -> int:
        """r_l: the width of the hidden state layer ``layer`` feeds back (proj_size when
        projecting, unless the projection only maps the output back to the input's
        width)."""
        fed_back = self.proj_size and not self.convention.projection_to_input
        return self.proj_size if fed_back else self.layer_units(layer)

    def layer_output(self, layer: int) -> int:
        """Features layer ``layer`` hands on: D·(P or h_l) (the "concat" merge)."""
        return self.directions * (self.proj_size or self.layer_units(layer))

    @property
    def output_width(self) -> int:
        """Features the top layer hands on, to the dense head or out."""
        return self.layer_output(self.layers - 1)

    def layer_input(self, layer: int) -> int:
        """x_l: features layer ``layer`` (0-based) sees; a residual cell's, its width."""
        if layer == 0:
            return self.layer_units(0) if self.spec.residual else self.input_size
        return self.layer_output(layer - 1)

    def runs(self) -> tuple[tuple[int, int], ...]:
        """(first, last) of each run of identical consecutive layers: same input and width.

        Identical layers have the same shapes and counts, so views may show a run once.
        """
        runs: list[tuple[int, int]] = []
        for layer in range(self.layers):
            shape = (self.layer_input(layer), self.layer_units(layer))
            if runs and shape == (self.layer_input(runs[-1][0]), self.layer_units(runs[-1][0])):
                runs[-1] = (runs[-1][0], layer)
            else:
                runs.append((layer, layer))
        return tuple(runs)

    def shown_layers(self) -> list[tuple[str, int, int]]:
        """(label, first layer, last layer) per strip column and per table part.

        Stacks deeper than :data:`MAX_SHOWN_LAYERS` collapse the middle: layers 1, 2
        and the last are shown, and so is the first layer of each run of identical
        layers (:meth:`runs`); the layers between them repeat the shown layer just
        before, and collapse into one column.
        """
        layers = self.layers
        if layers <= MAX_SHOWN_LAYERS:
            return [(f"layer {k + 1}", k, k) for k in range(layers)]
        shown = {0, 1, layers - 1} | {first for first, _ in self.runs()}
        columns: list[tuple[str, int, int]] = []
        for layer in range(layers):
            # A collapsed column starts after a shown layer and ends before the next.
            if layer in shown or columns[-1][1] in shown:
                columns.append((f"layer {layer + 1}", layer, layer))
            else:
                first = columns[-1][1]
                columns[-1] = (f"layers {first + 1}–{layer + 1}", first, layer)
        return columns

    @property
    def spec(self) -> CellSpec:
        """The cell family's entry in the registry: its gates, what a step does."""
        return cell_spec(self.cell)

    @property
    def peephole_count(self) -> int:
        """Peephole vectors per layer and direction: one per gate the framework stores
        one for, when peepholes are on."""
        return len(self.convention.peephole_order) if self.peepholes else 0

    @property
    def bias_vectors(self) -> int:
        """Bias vectors per gate, as the convention stores them (two in PyTorch, ONNX and
        Keras GRU with reset_after; none without biases)."""
        layout = self.convention
        if not self.bias:
            return 0
        if layout.second_bias_when and not getattr(self, layout.second_bias_when):
            return 1
        return layout.biases

    def phrases(self) -> tuple[str, ...]:
        """Each setting as the layer's description and its diagram's subtitle say it
        (``1 input feature``, ``10 units``, ``a dense head of 1``), in the setting
        table's order: the table's :attr:`~SettingSpec.phrase`, for what differs from
        its default or is always said, wherever it applies."""
        spec = cell_spec(self.cell)
        # A residual cell's input is as wide as its units, whatever input_size holds.
        inputs = self.layer_input(0)
        nouns = {
            "inputs": ("input feature" if spec.inputs == "input_size" else "input channel")
            + ("" if inputs == 1 else "s"),
            "units": spec.unit if self.units == 1 else spec.units,
        }
        said = []
        for name, setting in SETTINGS.items():
            if not setting.phrase or (
                setting.option and not applies(name, self.framework, self.cell)
            ):
                continue
            value = inputs if name == "input_size" else getattr(self, name)
            if setting.always_said or value != setting.default:
                said.append(setting.phrase.format(value=self._printed(name, value), **nouns))
        return tuple(said)

    def _printed(self, name: str, value: object) -> str:
        """A setting's value as a phrase prints it: counts with thousands separators,
        a stack's widths as :meth:`units_text`, a kernel as ``3×3``."""
        if name == "units":
            return self.units_text()
        if isinstance(value, tuple):
            return "×".join(f"{n:,}" for n in value)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value)

    def describe_layer(self) -> str:
        """Human name of the layer class, e.g. ``"Keras GRU"``."""
        return layer_name(self.framework, self.cell, self.kernel, self.convention)

    @property
    def kernel_area(self) -> int:
        """k: the product of the kernel's sizes, the weights one filter has per channel
        (1 for a cell of matrix products)."""
        return math.prod(self.kernel)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and validated."""
        return Settings(**{**asdict(self), **changes})


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))


def checked(spec: SettingSpec, value: object) -> Any:
    """``value`` as the setting ``spec`` takes it, or a one-sentence SettingsError."""
    name = spec.name
    if spec.kind == "choice":
        allowed = choices(name)
        if value not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
        return value
    if spec.kind == "count":
        return _integer(name, value, *spec.bounds)
    if spec.kind == "widths":
        return _units(spec, value)
    if spec.kind == "sizes":
        return _sizes(spec, value)
    if spec.kind == "factor":
        return _factor(spec, value)
    if not isinstance(value, bool):
        raise SettingsError(f"{name} must be True or False, not {value!r}.")
    return value


def _sizes(spec: SettingSpec, value: object) -> tuple[int, ...]:
    """``value`` as a tuple of Python ints within bounds, or a one-sentence SettingsError.

    A kernel's length is the convolution's dimensionality, so a bare number, which
    Keras would repeat over axes it cannot know here, is refused; so is a length the
    cell does not take (see :attr:`~lstm_widget.conventions.CellSpec.kernel_dims`),
    but only once the cell is known: ``()`` is every other cell's kernel.
    """
    (_, most), (low, high) = spec.lengths, spec.bounds
    if isinstance(value, tuple | list) and len(value) <= most:
        whole = [
            int(n) for n in value if isinstance(n, numbers.Integral) and not isinstance(n, bool)
        ]
        if len(whole) == len(value) and all(low <= n <= high for n in whole):
            return tuple(whole)
    # reprlib shortens a long list to something a sentence can hold.
    shown = reprlib.repr(value)
    raise SettingsError(f"{spec.name} must be {spec.kind_text} such as (3, 3), not {shown}.")


def _factor(spec: SettingSpec, value: object) -> float:
    """``value`` as a float within the bounds (above the lower), or a SettingsError."""
    low, high = spec.bounds
    number = float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else 0
    if not low < number <= high:
        raise SettingsError(f"{spec.name} must be {spec.kind_text}, not {value!r}.")
    return number


#: Out-of-range numbers longer than this are described by their length, not printed.
_SHOWN_DIGITS = 30


def _units(spec: SettingSpec, value: object) -> int | tuple[int, ...]:
    """``units`` as one int, or a tuple of per-layer ints (numpy's too, as Python ints)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return _integer(spec.name, value, *spec.bounds)
    if not value:
        raise SettingsError(f"{spec.name} must be {spec.kind_text}, not an empty list.")
    return tuple(
        _integer(f"{spec.name} of layer {k + 1}", width, *spec.bounds)
        for k, width in enumerate(value)
    )


def _widths_text(widths: tuple[int, ...]) -> str:
    """``32 → 18``; a width repeated in consecutive layers once, with its count
    (``64 ×3 → 16``), so a deep stack's headline stays one readable line."""
    runs = [(width, len(list(same))) for width, same in itertools.groupby(widths)]
    return " → ".join(f"{width:,}" + (f" ×{n}" if n > 1 else "") for width, n in runs)


def _integer(name: str, value: object, minimum: int, maximum: int) -> int:
    """``value`` as a Python int within bounds, or a one-sentence SettingsError."""
    kind = f"an integer from {minimum} to {maximum:,}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SettingsError(f"{name} must be {kind}, not {value!r}.")
    number = int(value)
    if number < minimum or number > maximum:
        raise SettingsError(f"{name} must be {kind}, not {_describe(number)}.")
    return number


def _describe(number: int) -> str:
    """``number`` itself, or its length where printing it would flood the message.

    Python refuses to print ints past 4,300 digits at all, so the length comes from
    the bit length (which is at most one digit short) instead of from ``str``.
    """
    size = abs(number)
    if size < 10**_SHOWN_DIGITS:
        return f"{number:,}"
    digits = math.floor((size.bit_length() - 1) * math.log10(2)) + 1
    if size >= 10**digits:
        digits += 1
    sign = "negative " if number < 0 else ""
    return f"a {sign}number of {digits:,} digits"


def check_steps(steps: object) -> int | None:
    """``steps`` as the setting table bounds it, or ``None``; else a SettingsError."""
    return None if steps is None else checked(SETTINGS["steps"], steps)
