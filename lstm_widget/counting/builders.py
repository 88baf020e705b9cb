"""One builder per convention, listing one layer's weight groups as the framework stores
them. Add a convention here: a function decorated with :func:`register_builder` under
the key its :class:`~lstm_widget.conventions.FrameworkSpec` names, writing each gate's
input and recurrent weights, biases and extras under the framework's tensor names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ..conventions import CodeTable, Role, framework_spec
from .groups import Direction, WeightGroup, subscript
from .settings import Settings


def _symbol(letter: str, gate: str) -> str:
    return f"{letter}_{subscript(gate)}" if gate else letter


def _span(k: int, width: int) -> str:
    return f"{k * width}:{(k + 1) * width}"


#: Lists one layer's weight groups in one direction, the way one convention stores them.
Builder = Callable[["Settings", int, Direction], list[WeightGroup]]


#: Builders by :attr:`~lstm_widget.conventions.FrameworkSpec.builder` key (or a cell
#: convention's own :attr:`~lstm_widget.conventions.CellConvention.builder`).
BUILDERS: CodeTable[Builder] = CodeTable("builder", "@register_builder")


def layer_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """One layer's weight groups in one direction, from its convention's builder."""
    return BUILDERS.registered(s.builder)(s, layer, direction)


def register_builder(key: str) -> Callable[[Builder], Builder]:
    """Register the decorated function as the builder of the conventions naming ``key``."""
    return BUILDERS.register(key)


def _keras_path(s: Settings, layer: int, direction: Direction, name: str, cell: str = "") -> str:
    """A layer's weight path as Keras (3 or 2) names it automatically in a fresh session.

    ``name``, ``name_1``, ... per layer, then ``cell`` (e.g. ``/lstm_cell``);
    Bidirectional names its copies after the wrapped layer: bidirectional_1/forward_lstm_1.
    """
    suffix = f"_{layer}" if layer else ""
    path = f"{name}{suffix}{cell}"
    return f"bidirectional{suffix}/{direction}_{path}" if s.bidirectional else path


@register_builder("keras")
def _keras_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """Keras: kernel (x, G·h), recurrent_kernel (h, G·h), bias (G·h) or (2, G·h).

    A ConvLSTM's kernels lead with the kernel's sizes: kernel (k…, c, 4f),
    recurrent_kernel (k…, f, 4f).
    """
    h, x, k = s.layer_units(layer), s.layer_input(layer), s.kernel
    gates = s.convention.gate_order
    width = len(gates) * h
    base = s.convention.tensor_prefix
    # Keras's automatic names in a fresh session: lstm, lstm_1, ... (conv_lstm2d,
    # conv_lstm2d_1, ... over a conv_lstm_cell).
    path = _keras_path(s, layer, direction, f"{base}{f'{len(k)}d' if k else ''}", f"/{base}_cell")
    group = partial(WeightGroup, layer=layer, direction=direction)
    kernel, recurrent, bias = (f"{path}/{n}" for n in ("kernel", "recurrent_kernel", "bias"))
    groups: list[WeightGroup] = []
    kernel_axes = ":, " * len(k)
    for n, gate in enumerate(gates):
        cols = f"[{kernel_axes}:, {_span(n, h)}]"
        groups.append(group(kernel, (*k, x, width), cols, _symbol("W", gate), "input", gate))
        groups.append(
            group(recurrent, (*k, h, width), cols, _symbol("U", gate), "recurrent", gate)
        )
        if s.bias_vectors == 2:
            rows: tuple[tuple[int, str, Role], ...] = ((0, "b", "bias"), (1, "b'", "second_bias"))
            for row, symbol, role in rows:
                index = f"[{row}, {_span(n, h)}]"
                groups.append(group(bias, (2, width), index, _symbol(symbol, gate), role, gate))
        elif s.bias:
            groups.append(
                group(bias, (width,), f"[{_span(n, h)}]", _symbol("b", gate), "bias", gate)
            )
    return groups


@register_builder("pytorch")
def _torch_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """PyTorch: weight_ih (G·h, x), weight_hh (G·h, r), bias_ih, bias_hh, weight_hr (P, h)."""
    h, x, r = s.layer_units(layer), s.layer_input(layer), s.state_width(layer)
    gates = s.convention.gate_order
    width = len(gates) * h
    suffix = f"_l{layer}" + ("_reverse" if direction == "backward" else "")
    w_ih, w_hh, b_ih, b_hh, w_hr = (
        f"{n}{suffix}" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    )
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []
    for k, gate in enumerate(gates):
        rows, span = f"[{_span(k, h)}, :]", f"[{_span(k, h)}]"
        groups.append(group(w_ih, (width, x), rows, _symbol("W", gate), "input", gate))
        groups.append(group(w_hh, (width, r), rows, _symbol("U", gate), "recurrent", gate))
        if s.bias:
            groups.append(group(b_ih, (width,), span, _symbol("b", gate), "bias", gate))
            groups.append(group(b_hh, (width,), span, _symbol("b'", gate), "second_bias", gate))
    if s.proj_size:
        groups.append(group(w_hr, (s.proj_size, h), "", "W_hr", "projection", ""))
    return groups


@register_builder("onnx")
def _onnx_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """ONNX: W [D, G·h, x], R [D, G·h, h], B [D, 2·G·h], P [D, 3h] (LSTM peepholes)."""
    h, x, d = s.layer_units(layer), s.layer_input(layer), s.directions
    gates = s.convention.gate_order
    width = len(gates) * h
    slot = 0 if direction == "forward" else 1
    w, r, b, p = (f"{s.convention.tensor_prefix}_{layer}/{n}" for n in "WRBP")
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []
    for k, gate in enumerate(gates):
        rows = f"[{slot}, {_span(k, h)}, :]"
        groups.append(group(w, (d, width, x), rows, _symbol("W", gate), "input", gate))
        groups.append(group(r, (d, width, h), rows, _symbol("U", gate), "recurrent", gate))
        if s.bias:
            # B holds the input biases Wb for all gates, then the recurrent biases Rb.
            wb, rb = f"[{slot}, {_span(k, h)}]", f"[{slot}, {_span(len(gates) + k, h)}]"
            groups.append(group(b, (d, 2 * width), wb, _symbol("b", gate), "bias", gate))
            groups.append(group(b, (d, 2 * width), rb, _symbol("b'", gate), "second_bias", gate))
    if s.peepholes:
        for k, gate in enumerate(s.convention.peephole_order):
            index = f"[{slot}, {_span(k, h)}]"
            size = len(s.convention.peephole_order) * h
            groups.append(group(p, (d, size), index, _symbol("p", gate), "peephole", gate))
    return groups


@register_builder("cudnn")
def _cudnn_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """Keras 2 CuDNNLSTM / CuDNNGRU: kernel (x, G·h), recurrent_kernel (h, G·h), bias 2·G·h."""
    h, x = s.layer_units(layer), s.layer_input(layer)
    gates = s.convention.gate_order
    width = len(gates) * h
    # Keras 2's automatic names: cu_dnnlstm, cu_dnnlstm_1, ... TensorFlow shows a
    # variable as name:0.
    path = _keras_path(s, layer, direction, s.convention.tensor_prefix)
    group = partial(WeightGroup, layer=layer, direction=direction)
    kernel, recurrent, bias = (f"{path}/{n}:0" for n in ("kernel", "recurrent_kernel", "bias"))
    groups: list[WeightGroup] = []
    for k, gate in enumerate(gates):
        cols = f"[:, {_span(k, h)}]"
        groups.append(group(kernel, (x, width), cols, _symbol("W", gate), "input", gate))
        groups.append(group(recurrent, (h, width), cols, _symbol("U", gate), "recurrent", gate))
        # The input side's biases for every gate come first, then the recurrent side's.
        wb, rb = f"[{_span(k, h)}]", f"[{_span(len(gates) + k, h)}]"
        groups.append(group(bias, (2 * width,), wb, _symbol("b", gate), "bias", gate))
        groups.append(group(bias, (2 * width,), rb, _symbol("b'", gate), "second_bias", gate))
    return groups


def _tf1_scope(s: Settings, layer: int, direction: Direction) -> str:
    """The variable scope TensorFlow 1 gives a cell, as ``dynamic_rnn`` (one cell or a
    ``MultiRNNCell``), ``bidirectional_dynamic_rnn`` or ``stack_bidirectional_dynamic_rnn``
    build it."""
    cell = s.convention.tensor_prefix
    side = "fw" if direction == "forward" else "bw"
    if not s.bidirectional:
        return f"rnn/{cell}" if s.layers == 1 else f"rnn/multi_rnn_cell/cell_{layer}/{cell}"
    if s.layers == 1:
        return f"bidirectional_rnn/{side}/{cell}"
    return f"stack_bidirectional_rnn/cell_{layer}/bidirectional_rnn/{side}/{cell}"


@register_builder("tf1")
def _tf1_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """TensorFlow 1 cells: a kernel (x + r, G·h) over [x; h], bias, peepholes, projection."""
    h, x, r = s.layer_units(layer), s.layer_input(layer), s.state_width(layer)
    scope = _tf1_scope(s, layer, direction)
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []

    def fused(name: str, gates: tuple[str, ...]) -> None:
        # The kernel's first x rows multiply the input, the other r rows the state.
        kernel, bias, width = f"{scope}/{name}kernel:0", f"{scope}/{name}bias:0", len(gates) * h
        for k, gate in enumerate(gates):
            cols = _span(k, h)
            rows: tuple[tuple[str, str, Role], ...] = (
                (f"[0:{x}, {cols}]", "W", "input"),
                (f"[{x}:{x + r}, {cols}]", "U", "recurrent"),
            )
            for index, letter, role in rows:
                groups.append(
                    group(kernel, (x + r, width), index, _symbol(letter, gate), role, gate)
                )
        for k, gate in enumerate(gates):
            groups.append(
                group(bias, (width,), f"[{_span(k, h)}]", _symbol("b", gate), "bias", gate)
            )

    gates, first = s.convention.gate_order, 0
    # One fused kernel for every gate, or several (a GRU's gates/ r and z, then its
    # candidate/).
    for prefix, count in s.convention.tensor_groups or (("", len(gates)),):
        fused(prefix, gates[first : first + count])
        first += count
    if s.peepholes:
        for gate in s.convention.peephole_order:
            tensor = f"{scope}/w_{gate}_diag:0"
            groups.append(group(tensor, (h,), "", _symbol("p", gate), "peephole", gate))
    if s.proj_size:
        tensor = f"{scope}/projection/kernel:0"
        groups.append(group(tensor, (h, s.proj_size), "", "W_hr", "projection", ""))
    return groups


@register_builder("flax")
def _flax_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """Flax NNX cells: Linear layers dense_i (x, G·h) and dense_h (h, G·h), or one per gate."""
    h, x = s.layer_units(layer), s.layer_input(layer)
    layout = s.convention
    # The paths of nnx.state: a stack (or a head) sits in a module's ``layers`` list,
    # each nnx.RNN keeps its cell as ``cell``, nnx.Bidirectional its two RNNs.
    path = f"layers.{layer}." if s.layers > 1 or s.dense else ""
    if s.bidirectional:
        path += f"{direction}_rnn."
    path += "cell."
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups: list[WeightGroup] = []
    gates = layout.gate_order
    width = len(gates) * h
    biased = "dense_h" if layout.bias_side == "recurrent" else "dense_i"
    for k, gate in enumerate(gates):
        if layout.fused:
            cols, span = f"[:, {_span(k, h)}]", f"[{_span(k, h)}]"
            kernels = (
                (f"{path}dense_i.kernel", (x, width)),
                (f"{path}dense_h.kernel", (h, width)),
            )
            bias = (f"{path}{biased}.bias", (width,), span)
        else:
            # nnx.LSTMCell names its per-gate layers ii, if_ (if is a keyword), ig, io
            # and hi, hf, hg, ho.
            cols = ""
            ii, hh = (f"{path}i{gate}_" if gate == "f" else f"{path}i{gate}"), f"{path}h{gate}"
            kernels = ((f"{ii}.kernel", (x, h)), (f"{hh}.kernel", (h, h)))
            bias = (f"{hh if layout.bias_side == 'recurrent' else ii}.bias", (h,), "")
        roles: tuple[Role, Role] = ("input", "recurrent")
        for (tensor, shape), letter, role in zip(kernels, "WU", roles, strict=True):
            groups.append(group(tensor, shape, cols, _symbol(letter, gate), role, gate))
        groups.append(group(bias[0], bias[1], bias[2], _symbol("b", gate), "bias", gate))
    # In the order nnx.state lists a cell's parameters: by path (a stable sort keeps
    # the gates in storage order within a fused tensor).
    return sorted(groups, key=lambda g: g.tensor)


@register_builder("mingru_pytorch")
def _min_rnn_groups(s: Settings, layer: int, direction: Direction) -> list[WeightGroup]:
    """minGRU-pytorch: one Linear without bias over xₜ alone, weight (G·h, x), and with a
    projection ``to_out.weight`` (x, h); a stack's modules in an ``nn.Sequential``."""
    h, x = s.layer_units(layer), s.layer_input(layer)
    gates = s.convention.gate_order
    path = f"{layer}." if s.layers > 1 else ""
    weight = f"{path}{s.convention.tensor_prefix}.weight"
    group = partial(WeightGroup, layer=layer, direction=direction)
    groups = [
        group(
            weight, (len(gates) * h, x), f"[{_span(k, h)}, :]", _symbol("W", gate), "input", gate
        )
        for k, gate in enumerate(gates)
    ]
    if s.proj_size:
        groups.append(
            group(f"{path}to_out.weight", (s.proj_size, h), "", "W_out", "projection", "")
        )
    return groups


def dense_groups(s: Settings) -> list[WeightGroup]:
    """The head: Keras Dense kernel (f, n) + bias; PyTorch Linear weight (n, f) + bias."""
    f, n = s.output_width, s.dense
    naming = framework_spec(s.framework).dense
    shape = (n, f) if naming.transposed else (f, n)
    return [
        WeightGroup(naming.weight, shape, "", "W_y", "dense", "", -1, "forward"),
        WeightGroup(naming.bias, (n,), "", "b_y", "dense", "", -1, "forward"),
    ]
