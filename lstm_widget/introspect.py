"""Explain a live Keras 3 or PyTorch model: every recurrent layer, reconciled.

:func:`explain` walks a user's own model, reads each recurrent layer's settings off
the built object (cell, input size, units, stacking, direction, bias, projection,
``reset_after``), counts it with :func:`~lstm_widget.counting.breakdown` and checks
the result against the framework's own numbers twice: the layer's tensor shapes, in
the framework's order, and its parameter count. The model's total is reconciled with
Keras ``count_params()`` or PyTorch ``sum(p.numel() for p in model.parameters())``.

What is folded into a recurrent layer's breakdown: a ``Dense`` / ``TimeDistributed(Dense)``
(Keras) or ``nn.Linear`` (PyTorch) with a bias that is the next layer with parameters
and takes exactly the recurrent layer's output width. It becomes that breakdown's
dense head. Every other layer with parameters (embeddings, convolutions, norms, other
dense layers, ConvLSTM, ...) is listed as *not explained*, with the framework's own
count and the reason, so the totals still add up and nothing is silently dropped.

Cells on their own are explained too, as one layer: PyTorch's ``LSTMCell`` /
``GRUCell`` / ``RNNCell`` hold exactly a one-layer module's tensors (``weight_ih``,
``weight_hh``, ``bias_ih``, ``bias_hh``), and Keras's ``LSTMCell`` / ``GRUCell`` /
``SimpleRNNCell`` the same three tensors as the layers that wrap them.

Frameworks are recognised by the modules their classes come from, so this module
imports neither Keras nor PyTorch unless the object handed in comes from one of them
(and then the framework is already loaded). Keras is tried first because a Keras 3
model on the torch backend is also a ``torch.nn.Module``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any, Literal

from .counting import (
    FRAMEWORK_LABELS,
    Breakdown,
    Settings,
    SettingsError,
    _with_article,
    breakdown,
)
from .report import html_table, summary_line, text_table
from .style import LIGHT, Theme

ModelFramework = Literal["keras", "pytorch"]
TensorShapes = tuple[tuple[str, tuple[int, ...]], ...]

#: How each framework's own total is computed, as its users would write it.
_TOTAL_SOURCE: dict[ModelFramework, str] = {
    "keras": "Keras count_params()",
    "pytorch": "PyTorch sum(p.numel() for p in parameters())",
}


class IntrospectionError(SettingsError):
    """The object cannot be explained (not a model, or not built yet); one sentence."""


def _label(path: str, class_name: str) -> str:
    """``encoder (LSTM)``; just the class for a model's root module, whose path is empty."""
    return f"{path} ({class_name})" if path else class_name


@dataclass(frozen=True)
class HeadLayer:
    """A dense layer folded into the recurrent layer before it as its dense head."""

    path: str
    class_name: str
    framework_count: int


@dataclass(frozen=True)
class ExplainedLayer:
    """A recurrent layer (plus the dense head it feeds) with its full breakdown.

    ``framework_tensors`` are the framework's own tensor names and shapes, in the
    framework's order; the breakdown's groups carry those real names.
    """

    path: str
    class_name: str
    breakdown: Breakdown
    framework_count: int
    framework_tensors: TensorShapes
    head: HeadLayer | None = None

    @property
    def title(self) -> str:
        """``lstm (LSTM) + time_distributed (TimeDistributed)``."""
        title = _label(self.path, self.class_name)
        if self.head:
            title += f" + {_label(self.head.path, self.head.class_name)}"
        return title

    @property
    def matches(self) -> bool:
        """Same total and the same tensor shapes, in order, as the framework holds."""
        ours = tuple(self.breakdown.tensors().values())
        theirs = tuple(shape for _, shape in self.framework_tensors)
        return self.breakdown.total == self.framework_count and ours == theirs


@dataclass(frozen=True)
class UnexplainedLayer:
    """A layer with parameters that lstm_widget does not break down, and why."""

    path: str
    class_name: str
    framework_count: int
    reason: str


@dataclass(frozen=True)
class ModelReport:
    """Every recurrent layer of a model explained, the rest listed, totals reconciled.

    ``framework_total`` is the framework's own count of every parameter: Keras
    ``count_params()`` (trainable and non-trainable weights, the "Total params" of
    ``model.summary()``) or PyTorch ``sum(p.numel() for p in model.parameters())``.
    """

    framework: ModelFramework
    model_name: str
    items: tuple[ExplainedLayer, ...]
    unexplained: tuple[UnexplainedLayer, ...]
    framework_total: int

    @property
    def explained_total(self) -> int:
        return sum(item.breakdown.total for item in self.items)

    @property
    def unexplained_total(self) -> int:
        return sum(layer.framework_count for layer in self.unexplained)

    @property
    def matches(self) -> bool:
        """Explained plus unexplained equals the framework's total, and every item matches."""
        added_up = self.explained_total + self.unexplained_total == self.framework_total
        return added_up and all(item.matches for item in self.items)

    def reconciliation(self) -> str:
        """One sentence saying plainly whether our numbers agree with the framework's."""
        source = f"{_TOTAL_SOURCE[self.framework]} = {self.framework_total:,}"
        explained = (
            f"lstm_widget explains {self.explained_total:,} of {self.framework_total:,} parameters"
        )
        others = ""
        if self.unexplained:
            others = f"; the other {self.unexplained_total:,} are listed as not explained"
        if self.matches:
            return f"{explained}{others}; matches {source}."
        wrong = [item.title for item in self.items if not item.matches]
        detail = f" (breakdown differs for {', '.join(wrong)})" if wrong else ""
        return (
            f"MISMATCH: lstm_widget counts {self.explained_total:,} explained + "
            f"{self.unexplained_total:,} not explained = "
            f"{self.explained_total + self.unexplained_total:,}, but {source}{detail}."
        )

    def _heading(self) -> str:
        return f"{FRAMEWORK_LABELS[self.framework]} model: {self.model_name}"

    def _item_line(self, item: ExplainedLayer) -> str:
        verdict = "matches" if item.matches else "DOES NOT MATCH"
        return (
            f"{item.title}: {summary_line(item.breakdown)}; {verdict} "
            f"{FRAMEWORK_LABELS[self.framework]}'s {item.framework_count:,}"
        )

    def text(self) -> str:
        """Plain text: each explained layer's table, the unexplained list, the verdict."""
        out = [self._heading(), ""]
        for item in self.items:
            out += [self._item_line(item), text_table(item.breakdown), ""]
        if not self.items:
            out += ["No recurrent layer found.", ""]
        if self.unexplained:
            out.append("Not explained (counted by the framework, not broken down):")
            width = max(len(_label(u.path, u.class_name)) for u in self.unexplained)
            count_width = max(len(f"{u.framework_count:,}") for u in self.unexplained)
            out += [
                f"  {_label(u.path, u.class_name).ljust(width)}  "
                f"{u.framework_count:>{count_width},}  {u.reason}"
                for u in self.unexplained
            ]
            out.append("")
        out.append(self.reconciliation())
        return "\n".join(out)

    def html(self, theme: Theme = LIGHT, *, diagrams: bool = True) -> str:
        """HTML: the same content, tables coloured by role with ``theme``'s colours.

        With ``diagrams`` each explained layer also gets its block diagram (drawing
        loads matplotlib, so it happens only here, when HTML is asked for).
        """
        parts = [f"<h3>{escape(self._heading())}</h3>"]
        for item in self.items:
            parts.append(f"<h4>{escape(self._item_line(item))}</h4>")
            if diagrams:
                from .diagram import image_html

                parts.append(f"<div>{image_html(item.breakdown, theme=theme)}</div>")
            parts.append(html_table(item.breakdown, theme))
        if not self.items:
            parts.append("<p>No recurrent layer found.</p>")
        if self.unexplained:
            rows = "".join(
                f"<tr><td><code>{escape(u.path)}</code></td><td>{escape(u.class_name)}</td>"
                f'<td style="text-align:right">{u.framework_count:,}</td>'
                f"<td>{escape(u.reason)}</td></tr>"
                for u in self.unexplained
            )
            parts.append(
                "<p>Not explained (counted by the framework, not broken down):</p>"
                "<table><thead><tr><th>Layer</th><th>Class</th><th>Param #</th>"
                f"<th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        colour = theme.foreground if self.matches else theme.roles["recurrent"]
        parts.append(f'<p style="color:{colour}"><b>{escape(self.reconciliation())}</b></p>')
        return (
            f'<div class="lstm-widget-model" style="color:{theme.foreground};'
            f'background:{theme.background}">{"".join(parts)}</div>'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class _Layer:
    """One layer with parameters, as a walker found it, before heads are folded in.

    Exactly one of ``settings`` (a recurrent layer we count), ``head`` (a dense layer
    with a bias: input and output width) or ``reason`` (why not) describes it.
    """

    path: str
    class_name: str
    count: int
    tensors: TensorShapes
    settings: Settings | None = None
    head: tuple[int, int] | None = None
    reason: str = ""


def explain(obj: object, *, name: str | None = None) -> ModelReport:
    """Explain every recurrent layer of a Keras 3 / PyTorch model and reconcile totals.

    Parameters
    ----------
    obj
        A built Keras ``Model``/``Sequential`` or layer, or a ``torch.nn.Module`` (a
        whole model or a single ``nn.LSTM``/``nn.GRU``/``nn.RNN`` or cell).
    name
        What to call ``obj`` in error messages (e.g. the notebook variable's name).

    Raises
    ------
    IntrospectionError
        With one sentence, when ``obj`` is not a Keras/PyTorch model or layer, or when
        it is not built yet (so its weights do not exist).

    Examples
    --------
    >>> report = explain(model)  # doctest: +SKIP
    >>> report.matches, report.explained_total, report.framework_total  # doctest: +SKIP
    (True, 491, 491)
    """
    label = name or "the object"
    framework = _framework_of(obj)
    if framework == "keras":
        import keras  # type: ignore[import-untyped]

        if isinstance(obj, keras.layers.Layer):
            return _explain_keras(keras, obj, label)
    if framework == "pytorch":
        import torch

        if isinstance(obj, torch.nn.Module):
            return _explain_torch(torch, obj, label)
    raise IntrospectionError(
        f"{label} is {_describe(obj)}, not a Keras model or layer or a PyTorch module."
    )


def _framework_of(obj: object) -> ModelFramework | None:
    """Whose class ``obj`` is, judged by the modules its classes are defined in."""
    modules = [cls.__module__ for cls in type(obj).__mro__]

    def from_package(package: str) -> bool:
        return any(m == package or m.startswith(f"{package}.") for m in modules)

    if from_package("keras"):
        return "keras"
    if from_package("torch"):
        return "pytorch"
    return None


def _describe(obj: object) -> str:
    if obj is None:
        return "None"
    kind = type(obj)
    qualified = kind.__qualname__
    if kind.__module__ != "builtins":
        qualified = f"{kind.__module__.partition('.')[0]}.{qualified}"
    return _with_article(qualified)


def _assemble(
    framework: ModelFramework, model_name: str, layers: Sequence[_Layer], total: int
) -> ModelReport:
    """Fold each dense head into the recurrent layer before it; list the rest."""
    items: list[ExplainedLayer] = []
    unexplained: list[UnexplainedLayer] = []
    index = 0
    while index < len(layers):
        layer = layers[index]
        index += 1
        if layer.settings is None:
            reason = layer.reason
            if layer.head:
                reason = _head_reason(layer.head, layers[index - 2] if index > 1 else None)
            unexplained.append(UnexplainedLayer(layer.path, layer.class_name, layer.count, reason))
            continue
        settings, head, tensors = layer.settings, None, layer.tensors
        following = layers[index] if index < len(layers) else None
        if following and following.head and following.head[0] == settings.output_width:
            settings = settings.replace(dense=following.head[1])
            head = HeadLayer(following.path, following.class_name, following.count)
            tensors += following.tensors
            index += 1
        items.append(
            ExplainedLayer(
                path=layer.path,
                class_name=layer.class_name,
                breakdown=_named(breakdown(settings), tensors),
                framework_count=layer.count + (head.framework_count if head else 0),
                framework_tensors=tensors,
                head=head,
            )
        )
    return ModelReport(framework, model_name, tuple(items), tuple(unexplained), total)


def _head_reason(head: tuple[int, int], before: _Layer | None) -> str:
    """Why a dense layer is not a dense head, with its own arithmetic."""
    f, n = head
    arithmetic = f"{f:,} × {n:,} + {n:,}"
    if before and before.settings:
        width = before.settings.output_width
        return (
            f"a dense layer on {f:,} features, not the {width:,} the recurrent layer before "
            f"it concatenates: {arithmetic}"
        )
    return f"a dense layer not directly after a recurrent layer: {arithmetic}"


def _named(b: Breakdown, tensors: TensorShapes) -> Breakdown:
    """``b`` with the framework's real tensor names, when its tensors line up with them.

    counting names tensors after a default model ("lstm/lstm_cell/kernel"); the user's
    model has its own names ("sequential/encoder/lstm_cell/kernel"), which is what a
    table explaining *their* model should show. When the shapes disagree the default
    names stay and the item reports the mismatch.
    """
    ours = b.tensors()
    if tuple(ours.values()) != tuple(shape for _, shape in tensors):
        return b
    names = dict(zip(ours, (real for real, _ in tensors), strict=True))
    return replace(b, groups=tuple(replace(g, tensor=names[g.tensor]) for g in b.groups))


def _counted(settings: dict[str, Any]) -> dict[str, Any]:
    """``{"settings": ...}`` read off a framework object, or ``{"reason": ...}`` if invalid."""
    try:
        return {"settings": Settings(**settings)}
    except SettingsError as error:
        return {"reason": f"lstm_widget cannot count it: {error}"}


# Keras 3 ------------------------------------------------------------------------------


def _explain_keras(keras: Any, model: Any, label: str) -> ModelReport:
    if not model.built:
        raise IntrospectionError(
            f"{label} ({type(model).__name__} {model.name!r}) is not built yet, so its "
            "weights do not exist; start it with keras.Input(shape=...) or call "
            "build(input_shape) first."
        )
    seen: set[int] = set()
    layers = list(_keras_layers(keras, model, seen))
    loose = [w for w in model.weights if id(w) not in seen]
    if loose:
        layers.append(
            _Layer(
                path=model.name,
                class_name=type(model).__name__,
                count=sum(math.prod(w.shape) for w in loose),
                tensors=tuple((w.path, tuple(w.shape)) for w in loose),
                reason="weights the model holds itself, outside its layers",
            )
        )
    model_name = f"{type(model).__name__} {model.name!r}"
    return _assemble("keras", model_name, layers, int(model.count_params()))


def _keras_layers(
    keras: Any, layer: Any, seen: set[int], prefix: str | None = None
) -> Iterator[_Layer]:
    """Leaf layers with weights, depth first; nested models are walked into.

    ``prefix`` is ``None`` for the model handed to :func:`explain`, whose own name is
    left out of its layers' paths, as in ``model.summary()``.
    """
    if isinstance(layer, keras.Model):
        inner_prefix = "" if prefix is None else f"{prefix}{layer.name}/"
        for inner in layer.layers:
            yield from _keras_layers(keras, inner, seen, inner_prefix)
        return
    weights = [w for w in layer.weights if id(w) not in seen]
    seen.update(id(w) for w in weights)
    if not weights:
        return
    entry = _Layer(
        path=f"{prefix or ''}{layer.name}",
        class_name=type(layer).__name__,
        count=int(layer.count_params()),
        tensors=tuple((w.path, tuple(w.shape)) for w in weights),
    )
    yield replace(entry, **_keras_kind(keras, layer))


def _keras_kind(keras: Any, layer: Any) -> dict[str, Any]:
    """What ``layer`` is to us: recurrent settings, a dense head, or the reason it is neither."""
    recurrent = _keras_rnn_settings(keras, layer)
    if recurrent:
        return recurrent
    dense = layer.layer if isinstance(layer, keras.layers.TimeDistributed) else layer
    if isinstance(dense, keras.layers.Dense) and len(dense.kernel.shape) == 2:
        if not dense.use_bias:
            return {"reason": "a dense layer without a bias"}
        return {"head": (int(dense.kernel.shape[0]), int(dense.units))}
    if isinstance(layer, keras.layers.Bidirectional):
        forward = _keras_rnn_settings(keras, layer.forward_layer)
        backward = _keras_rnn_settings(keras, layer.backward_layer)
        if forward and forward == backward and "settings" in forward:
            return {"settings": forward["settings"].replace(bidirectional=True)}
        return {"reason": "its directions are not the same LSTM, GRU or SimpleRNN"}
    return {"reason": "not an LSTM, GRU, SimpleRNN or a dense head"}


def _keras_rnn_settings(keras: Any, layer: Any) -> dict[str, Any] | None:
    """Settings of a plain LSTM/GRU/SimpleRNN cell, or an RNN layer over one, else ``None``.

    A cell on its own holds the same three tensors as the layer wrapping it.
    """
    cells = {
        keras.layers.LSTMCell: "lstm",
        keras.layers.GRUCell: "gru",
        keras.layers.SimpleRNNCell: "rnn",
    }
    cell = layer.cell if isinstance(layer, keras.layers.RNN) else layer
    kind = cells.get(type(cell))
    if kind is None:
        return None
    return _counted(
        {
            "cell": kind,
            "framework": "keras",
            "input_size": int(cell.kernel.shape[0]),
            "units": int(cell.units),
            "bias": bool(cell.use_bias),
            "reset_after": bool(cell.reset_after) if kind == "gru" else True,
        }
    )


# PyTorch ------------------------------------------------------------------------------

_TORCH_MODES = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn", "RNN_RELU": "rnn"}


def _explain_torch(torch: Any, model: Any, label: str) -> ModelReport:
    if any(torch.nn.parameter.is_lazy(p) for p in model.parameters()):
        raise IntrospectionError(
            f"{label} ({type(model).__name__}) has lazy parameters that are not "
            "initialised yet; run one batch through it first."
        )
    seen: set[int] = set()
    layers: list[_Layer] = []
    for path, module in model.named_modules():
        named = list(module.named_parameters(recurse=False))
        own = [(n, p) for n, p in named if id(p) not in seen]
        seen.update(id(p) for _, p in own)
        if not own:
            continue
        entry = _Layer(
            path=path,
            class_name=type(module).__name__,
            count=sum(p.numel() for _, p in own),
            tensors=tuple((f"{path}.{n}" if path else n, tuple(p.shape)) for n, p in own),
        )
        kind = (
            _torch_kind(torch, module)
            if len(own) == len(named)
            else {"reason": "shares parameters with an earlier module (counted there)"}
        )
        layers.append(replace(entry, **kind))
    total = sum(p.numel() for p in model.parameters())
    return _assemble("pytorch", type(model).__name__, layers, total)


def _torch_kind(torch: Any, module: Any) -> dict[str, Any]:
    """What ``module`` is to us: recurrent settings, a dense head, or the reason it is neither."""
    nn = torch.nn
    cells = ((nn.LSTMCell, "lstm"), (nn.GRUCell, "gru"), (nn.RNNCell, "rnn"))
    if isinstance(module, nn.RNNBase) and module.mode in _TORCH_MODES:
        cell = _TORCH_MODES[module.mode]
        stacking = {
            "layers": module.num_layers,
            "bidirectional": bool(module.bidirectional),
            "proj_size": module.proj_size,
        }
    elif any(isinstance(module, kind) for kind, _ in cells):
        cell = next(name for kind, name in cells if isinstance(module, kind))
        stacking = {}
    elif isinstance(module, nn.Linear):
        if module.bias is None:
            return {"reason": "a linear layer without a bias"}
        return {"head": (module.in_features, module.out_features)}
    else:
        return {"reason": "not an LSTM, GRU, RNN or a dense head"}
    return _counted(
        {
            "cell": cell,
            "framework": "pytorch",
            "input_size": module.input_size,
            "units": module.hidden_size,
            "bias": bool(module.bias),
            **stacking,
        }
    )
