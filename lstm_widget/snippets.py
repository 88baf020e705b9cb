"""The layer as each framework's code writes it: what the quiz asks about and what a
comparison sets side by side.

One writer per :attr:`~lstm_widget.conventions.FrameworkSpec.code` key, registered with
:func:`register_code_writer`. A writer is given the settings and a number of time steps
(0 leaves the time axis open) and writes the layer, its dense head and the input's
shape as the framework's users write them, so the timesteps trap
(``Input(shape=(3, 1))`` is 3 steps of 1 feature) reads as it does in their own code.
Stdlib only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .conventions import OPTIONS, CodeTable, cell_spec, framework_spec
from .conventions.xlstm import SETTINGS as PACKAGE_SETTINGS
from .counting import Settings

__all__ = ["Writer", "register_code_writer", "write_code"]

#: Writes ``settings``' layer for a sequence of ``timesteps`` (0: an open time axis).
Writer = Callable[[Settings, int], str]

_WRITERS: CodeTable[Writer] = CodeTable("code writer", "@register_code_writer")


def register_code_writer(key: str) -> Callable[[Writer], Writer]:
    """Register the decorated writer for the conventions whose ``code`` key is ``key``."""
    return _WRITERS.register(key)


def write_code(s: Settings, timesteps: int = 0) -> str:
    """``s``'s layer as its framework's code writes it, the input's shape included."""
    return _WRITERS.registered(framework_spec(s.framework).code)(s, timesteps)


def _steps(timesteps: int) -> str:
    return f"{timesteps:,}".replace(",", "_") if timesteps else "None"


def _options(s: Settings, names: dict[str, str] | None = None) -> list[str]:
    """``name=value`` for each option of the layer off its neutral value, under the
    framework's own names (``names``; the setting's own otherwise). A kernel is its
    layer's size, not an option written this way."""
    names = names or {}
    return [
        f"{names.get(option, option)}={getattr(s, option)!r}"
        for option in s.convention.options
        if OPTIONS[option].kind != "sizes" and getattr(s, option) != OPTIONS[option].neutral
    ]


def _per_layer(s: Settings, write: Callable[[int], str]) -> list[str]:
    return [write(layer) for layer in range(s.layers)]


@register_code_writer("keras")
def _keras(s: Settings, timesteps: int) -> str:
    """``Sequential([Input(shape=(3, 1)), LSTM(10), Dense(1)])``; Keras 2's cuDNN layers
    and Keras's ConvLSTM (``ConvLSTM2D(16, (3, 3))``, a grid axis per kernel size) are
    written the same way."""
    cls = s.convention.class_name + (f"{len(s.kernel)}D" if s.kernel else "")
    options = [repr(s.kernel)] if s.kernel else []
    options += [] if s.bias else ["use_bias=False"]
    options += _options(s)

    def layer(k: int) -> str:
        more = [*options, "return_sequences=True"] if k < s.layers - 1 else options
        text = f"{cls}({', '.join([str(s.layer_units(k)), *more])})"
        return f"Bidirectional({text})" if s.bidirectional else text

    layers = _per_layer(s, layer) + ([f"Dense({s.dense})"] if s.dense else [])
    shape = f"({_steps(timesteps)}{', None' * len(s.kernel)}, {s.input_size})"
    return f"Sequential([Input(shape={shape}), {', '.join(layers)}])"


@register_code_writer("pytorch")
def _pytorch(s: Settings, timesteps: int) -> str:
    """``nn.LSTM(input_size=1, hidden_size=10); x: (3, 1)``: one module for a stack of
    one width, one per layer for different widths."""
    cls = s.convention.class_name
    options = [*(["bidirectional=True"] if s.bidirectional else [])]
    options += [] if s.bias else ["bias=False"]
    options += _options(s)

    def module(x: int, h: int, layers: int) -> str:
        sizes = [f"input_size={x}", f"hidden_size={h}"]
        sizes += [f"num_layers={layers}"] if layers > 1 else []
        return f"nn.{cls}({', '.join([*sizes, *options])})"

    if isinstance(s.units, int):
        modules = [module(s.input_size, s.units, s.layers)]
    else:
        modules = _per_layer(s, lambda k: module(s.layer_input(k), s.layer_units(k), 1))
    head = [f"nn.Linear({s.output_width}, {s.dense})"] if s.dense else []
    shape = f"x: ({_steps(timesteps)}, {s.input_size})  # (timesteps, features)"
    return "; ".join([", ".join(modules), *head, shape])


@register_code_writer("onnx")
def _onnx(s: Settings, timesteps: int) -> str:
    """The operator with its attributes, one per layer: ``LSTM(hidden_size=10,
    direction='forward'); X: (3, batch, 1)``, and the peepholes' input P."""
    direction = "bidirectional" if s.bidirectional else "forward"
    cls = s.convention.class_name

    def operator(k: int) -> str:
        return f"{cls}(hidden_size={s.layer_units(k)}, direction={direction!r})"

    parts = [", ".join(_per_layer(s, operator))]
    if s.peephole_count:
        parts.append(f"P: ({s.directions}, {s.peephole_count} × hidden_size)")
    parts.append(f"X: ({_steps(timesteps)}, batch, {s.input_size})")
    if s.dense:
        parts.append(f"a dense head of {s.dense}")
    return "; ".join(parts)


@register_code_writer("tf1")
def _tf1(s: Settings, timesteps: int) -> str:
    """``dynamic_rnn(LSTMCell(10), x)`` as ``tf.compat.v1`` builds it: a
    ``MultiRNNCell`` for a stack, ``bidirectional_dynamic_rnn`` (stacked:
    ``stack_bidirectional_dynamic_rnn``) for two directions."""
    options = _options(s, {"peepholes": "use_peepholes", "proj_size": "num_proj"})

    def cell(k: int) -> str:
        return f"{s.convention.class_name}({', '.join([str(s.layer_units(k)), *options])})"

    cells = _per_layer(s, cell)
    if s.bidirectional and s.layers == 1:
        run = f"bidirectional_dynamic_rnn({cells[0]}, {cells[0]}, x)"
    elif s.bidirectional:
        stack = f"[{', '.join(cells)}]"
        run = f"stack_bidirectional_dynamic_rnn({stack}, {stack}, x)"
    elif s.layers == 1:
        run = f"dynamic_rnn({cells[0]}, x)"
    else:
        run = f"dynamic_rnn(MultiRNNCell([{', '.join(cells)}]), x)"
    head = [f"dense(outputs, {s.dense})"] if s.dense else []
    return "; ".join([run, *head, f"x: (batch, {_steps(timesteps)}, {s.input_size})"])


@register_code_writer("flax")
def _flax(s: Settings, timesteps: int) -> str:
    """``nnx.RNN(nnx.LSTMCell(in_features=1, hidden_features=10, rngs=rngs))``; a
    stack as a list, two directions as ``nnx.Bidirectional``."""

    def rnn(k: int) -> str:
        cell = (
            f"nnx.{s.convention.class_name}(in_features={s.layer_input(k)}, "
            f"hidden_features={s.layer_units(k)}, rngs=rngs)"
        )
        one = f"nnx.RNN({cell})"
        return (
            f"nnx.Bidirectional({one}, nnx.RNN({cell}, reverse=True))" if s.bidirectional else one
        )

    layers = _per_layer(s, rnn)
    if s.dense:
        layers.append(f"nnx.Linear({s.output_width}, {s.dense}, rngs=rngs)")
    model = layers[0] if len(layers) == 1 else f"[{', '.join(layers)}]"
    return f"{model}; x: (batch, {_steps(timesteps)}, {s.input_size})"


def _expansion(x: int, h: int) -> float:
    """The expansion factor minGRU-pytorch turns into exactly ``h`` units over ``x``
    inputs: ``int(x * factor)`` truncates, so h / x is nudged up where the float
    product falls short (1 / 49 × 49 is 0.999…)."""
    factor = h / x
    while int(x * factor) < h:
        factor = math.nextafter(factor, math.inf)
    return factor


@register_code_writer("mingru_pytorch")
def _min_rnn(s: Settings, timesteps: int) -> str:
    """``minGRU(8, expansion_factor=1.5); x: (batch, 3, 8)``: the module as
    minGRU-pytorch builds it, ``proj_out`` written where it is not the package's default
    (a projection exactly when the expansion factor is not 1); a stack in an
    ``nn.Sequential``, a head after it as PyTorch's writer puts it."""
    cls = s.convention.class_name

    def module(k: int) -> str:
        x, h = s.layer_input(k), s.layer_units(k)
        arguments = [str(x)] + ([] if h == x else [f"expansion_factor={_expansion(x, h)!r}"])
        if bool(s.proj_size) != (h != x):
            arguments.append(f"proj_out={bool(s.proj_size)}")
        return f"{cls}({', '.join(arguments)})"

    modules = _per_layer(s, module)
    model = modules[0] if len(modules) == 1 else f"nn.Sequential({', '.join(modules)})"
    head = [f"nn.Linear({s.output_width}, {s.dense})"] if s.dense else []
    return "; ".join([model, *head, f"x: (batch, {_steps(timesteps)}, {s.input_size})"])


@register_code_writer("xlstm")
def _xlstm(s: Settings, timesteps: int) -> str:
    """``sLSTMBlock(embedding_dim=64, num_heads=8)``: the package's class with its
    config's fields that are off their defaults, under the package's names (a stack's
    ``num_blocks`` too), and a head as ``nn.Linear``."""
    label = cell_spec(s.cell).label
    cls = {"layer": f"{label}Layer", "block": f"{label}Block"}.get(s.scope, "xLSTMBlockStack")
    fields = [f"embedding_dim={s.layer_units(0)}"]
    fields += [
        f"{setting.field.rpartition('.')[2]}={getattr(s, name)!r}"
        for name, setting in PACKAGE_SETTINGS.items()
        if s.cell in setting.cells and getattr(s, name) != setting.default
    ]
    if s.scope == "stack":
        fields = [f"{s.cell}_block", f"num_blocks={s.layers}", *fields]
    code = f"{cls}({', '.join(fields)})"
    if s.dense:
        code += f", nn.Linear({s.output_width}, {s.dense})"
    return f"{code}; x: (batch, {_steps(timesteps)}, {s.layer_units(0)})"
