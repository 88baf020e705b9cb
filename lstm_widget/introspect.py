"""Explain a live Keras 3 or PyTorch model: every recurrent layer, reconciled.

:func:`explain` walks a user's own model, reads each recurrent layer's settings off
the built object (cell, input size, units, stacking, direction, bias, projection,
``reset_after``), counts it with :func:`~lstm_widget.counting.breakdown` and checks
the result against the framework's own numbers twice: the layer's tensor shapes, in
the framework's order, and its parameter count. The model's total is reconciled with
Keras ``count_params()`` or PyTorch ``sum(p.numel() for p in model.parameters())``.

A recurrent layer is explained only when its tensors (names and shapes, as the
framework calls them) are exactly the ones its breakdown predicts; one with extra or
reparametrised weights (LoRA, quantisation scales, weight norm, a learnt initial
state) is listed as not explained, so no breakdown claims weights it does not hold.

What is folded into a recurrent layer's breakdown: a ``Dense`` / ``TimeDistributed(Dense)``
(Keras) or ``nn.Linear`` (PyTorch) with a bias and exactly its standard tensors, when it
is the next layer with parameters and takes the recurrent layer's output width. In a
Keras model whose graph is recorded, every call of it must also take one of the
recurrent layer's outputs (its output or a final state from ``return_state``, all as
wide), directly, through layers without weights that keep its shape (Dropout,
GaussianNoise, Activation, ...) or into a nested model that holds it; the mask Keras
passes along behind ``Embedding(mask_zero=True)`` is not another input. A subclassed
Keras model or a PyTorch module records no graph, so there the order of definition
decides. It becomes that breakdown's dense head. Every other layer with parameters
(embeddings, convolutions, norms, other dense layers, ConvLSTM, ...) is listed as *not
explained*, with the framework's own count and the reason, so the totals still add up
and nothing is silently dropped.

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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from html import escape
from importlib import import_module
from typing import Any, Literal

from .counting import (
    FRAMEWORK_LABELS,
    Breakdown,
    Settings,
    SettingsError,
    _with_article,
    breakdown,
    check_steps,
)
from .display import image_html, on_theme
from .report import html_table, summary_line, text_table
from .style import LIGHT, Theme

ModelFramework = Literal["keras", "pytorch"]
Shape = tuple[int, ...]
TensorShapes = tuple[tuple[str, Shape], ...]
#: Whether a dense layer (second) takes a recurrent layer's (first) output.
Feeds = Callable[[Any, Any], bool]
#: What a framework layer (first) calls one of counting's tensor names (second).
WeightName = Callable[[Any, str], str]
#: The tensors a nested Keras model's calls gave one of its inputs, by its InputLayer's id.
NestedInputs = dict[int, list[Any]]

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


@dataclass(frozen=True, repr=False)  # the generated repr spells out every tensor: pages
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
        return on_theme("".join(parts), theme, css_class="lstm-widget-model")

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """A terminal IPython shows the whole text report, as ``print`` does."""
        printer.text(self.text())

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<ModelReport of {self._heading()}: {self.reconciliation()}>"


@dataclass(frozen=True)
class _Layer:
    """One layer with parameters, as a walker found it, before heads are folded in.

    ``tensors`` carry the full names a table shows, ``names`` the same tensors' names
    within the layer (what the standard layout is checked against), and ``module`` is
    the framework's own object. Exactly one of ``settings`` (a recurrent layer we
    count), ``head`` (a dense layer with a bias: input and output width) or ``reason``
    (why not) describes it.
    """

    path: str
    class_name: str
    count: int
    tensors: TensorShapes
    names: tuple[str, ...]
    module: Any
    settings: Settings | None = None
    head: tuple[int, int] | None = None
    reason: str = ""


def explain(obj: object, *, name: str | None = None, steps: int | None = None) -> ModelReport:
    """Explain every recurrent layer of a Keras 3 / PyTorch model and reconcile totals.

    Parameters
    ----------
    obj
        A built Keras ``Model``/``Sequential`` or layer, or a ``torch.nn.Module`` (a
        whole model or a single ``nn.LSTM``/``nn.GRU``/``nn.RNN`` or cell).
    name
        What to call ``obj`` in error messages (e.g. the notebook variable's name).
    steps
        Time steps of a sequence: each recurrent layer's breakdown adds its work
        (multiply-accumulates per step and for the sequence, values kept).

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
    counted = check_steps(steps)
    report = _explain(obj, label)
    if counted is None:
        return report
    items = tuple(replace(i, breakdown=replace(i.breakdown, steps=counted)) for i in report.items)
    return replace(report, items=items)


def _explain(obj: object, label: str) -> ModelReport:
    framework = _framework_of(obj)
    # Imported by name and used as Any: Keras ships no types, and type-checking must
    # not depend on whether (or which) framework is installed where it runs.
    if framework == "keras":
        keras: Any = import_module("keras")
        if isinstance(obj, keras.layers.Layer):
            return _explain_keras(keras, obj, label)
    if framework == "pytorch":
        torch: Any = import_module("torch")
        if isinstance(obj, torch.nn.Module):
            return _explain_torch(torch, obj, label)
    if isinstance(obj, type) and _framework_of(obj, as_class=True):  # nn.LSTM, not nn.LSTM(...)
        raise IntrospectionError(
            f"{label} is the class {obj.__qualname__} itself; pass a model or layer built "
            f"from it, such as {obj.__qualname__}(...)."
        )
    raise IntrospectionError(
        f"{label} is {_describe(obj)}, not a Keras model or layer or a PyTorch module."
    )


def _framework_of(obj: object, *, as_class: bool = False) -> ModelFramework | None:
    """Whose class ``obj`` is (or, ``as_class``, whose class ``obj`` itself is), judged
    by the modules its classes are defined in."""
    cls = obj if as_class and isinstance(obj, type) else type(obj)
    modules = [base.__module__ for base in cls.__mro__]

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
    framework: ModelFramework,
    model_name: str,
    layers: Sequence[_Layer],
    total: int,
    *,
    feeds: Feeds,
    weight_name: WeightName,
) -> ModelReport:
    """Explain each standard recurrent layer with the dense head it feeds; list the rest."""
    items: list[ExplainedLayer] = []
    unexplained: list[UnexplainedLayer] = []
    index = 0
    while index < len(layers):
        layer = layers[index]
        index += 1
        if layer.settings is None:
            reason = layer.reason
            if layer.head:
                reason = _dense_reason(layer.head, "not right after an explained recurrent layer")
            unexplained.append(_unexplained(layer, reason))
            continue
        plain = breakdown(layer.settings)
        unlike = _unlike_standard(layer, plain.tensors().items(), weight_name)
        if unlike:
            unexplained.append(_unexplained(layer, unlike))
            continue
        following = layers[index] if index < len(layers) else None
        if following is None or following.head is None:
            items.append(_explained(layer, plain))
            continue
        index += 1
        with_head = breakdown(layer.settings.replace(dense=following.head[1]))
        width = layer.settings.output_width
        if following.head[0] != width:
            why_not = _dense_reason(
                following.head,
                f"on {following.head[0]:,} features, not the {width:,} the recurrent layer "
                "before it concatenates",
            )
        elif not feeds(layer.module, following.module):
            why_not = _dense_reason(
                following.head,
                "not fed by the recurrent layer before it, as far as the model's graph shows",
            )
        else:
            head_tensors = with_head.tensors().items() - plain.tensors().items()
            why_not = _unlike_standard(following, head_tensors, weight_name)
        if why_not:
            items.append(_explained(layer, plain))
            unexplained.append(_unexplained(following, why_not))
        else:
            items.append(_explained(layer, with_head, following))
    return ModelReport(framework, model_name, tuple(items), tuple(unexplained), total)


def _explained(layer: _Layer, b: Breakdown, head: _Layer | None = None) -> ExplainedLayer:
    tensors = layer.tensors + (head.tensors if head else ())
    return ExplainedLayer(
        path=layer.path,
        class_name=layer.class_name,
        breakdown=_named(b, tensors),
        framework_count=layer.count + (head.count if head else 0),
        framework_tensors=tensors,
        head=HeadLayer(head.path, head.class_name, head.count) if head else None,
    )


def _unexplained(layer: _Layer, reason: str) -> UnexplainedLayer:
    return UnexplainedLayer(layer.path, layer.class_name, layer.count, reason)


def _dense_reason(head: tuple[int, int], why: str) -> str:
    """Why a dense layer (input and output width) is not a dense head, with its arithmetic."""
    f, n = head
    return f"a dense layer {why}: {f:,} × {n:,} + {n:,}"


def _unlike_standard(
    layer: _Layer, standard: Iterable[tuple[str, Shape]], weight_name: WeightName
) -> str:
    """How ``layer``'s tensors differ from counting's ``standard`` ones; "" when they do not.

    Compared by name within the layer and shape, in any order (the order is checked
    later, by :attr:`ExplainedLayer.matches`), so LoRA factors, quantisation scales,
    weight norm's magnitudes and directions or a learnt initial state all show up.
    """
    actual = Counter(zip(layer.names, (shape for _, shape in layer.tensors), strict=True))
    expected = Counter((weight_name(layer.module, name), shape) for name, shape in standard)
    extra = [name for name, _ in actual - expected]
    missing = [name for name, _ in expected - actual]
    reshaped = set(extra) & set(missing)
    differences = {
        "extra or reparametrised weights": [n for n in extra if n not in reshaped],
        "weights of another shape": [n for n in extra if n in reshaped],
        "missing weights": [n for n in missing if n not in reshaped],
    }
    return "; ".join(f"{kind}: {', '.join(names)}" for kind, names in differences.items() if names)


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
                names=tuple(w.name for w in loose),
                module=model,
                reason="weights the model holds itself, outside its layers",
            )
        )
    model_name = f"{type(model).__name__} {model.name!r}"
    return _assemble(
        "keras",
        model_name,
        layers,
        int(model.count_params()),
        feeds=partial(_keras_feeds, keras, _keras_nested_inputs(keras, model)),
        weight_name=_keras_weight_name,
    )


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
        names=tuple(w.name for w in weights),
        module=layer,
    )
    yield replace(entry, **_keras_kind(keras, layer))


def _keras_weight_name(layer: Any, counting_name: str) -> str:
    """A Keras layer calls counting's "lstm/lstm_cell/kernel" just "kernel"."""
    return counting_name.rpartition("/")[2]


def _keras_feeds(keras: Any, given: NestedInputs, recurrent: Any, dense: Any) -> bool:
    """Whether ``dense`` takes ``recurrent``'s output, as far as Keras' graph tells.

    A Dense listed after an LSTM may sit on another input of a functional model; only
    the graph Keras records for symbolic calls tells, so every recorded call must take
    one of the recurrent layer's outputs (the output, or a final state returned with
    ``return_state``: all as wide, so the head's count is the same), directly, through
    layers without weights (such as Dropout) or through a nested model's input
    (``given``). A mask Keras passes along with the output is not another input. A
    subclassed model runs its layers eagerly and records no graph; there, as in a
    PyTorch module, the order of definition is all there is to go on.
    """
    calls = dense._inbound_nodes
    if not any(
        hasattr(tensor, "_keras_history") for call in calls for tensor in call.input_tensors
    ):
        return True
    return all(
        _keras_producers(keras, given, _keras_call_input(keras, call)) == {id(recurrent)}
        for call in calls
    )


def _keras_producers(keras: Any, given: NestedInputs, tensor: Any) -> set[int]:
    """The ids of the layers whose outputs ``tensor`` is computed from, as far as counts go.

    A nested model is looked into: its output is one of its own layers' outputs, and
    its input is whatever each of its calls was ``given``. A layer that holds no
    weights and keeps its input's shape (Dropout, GaussianNoise, Activation, ...) is
    looked through: it changes no count. Empty when the tensor carries no history.
    """
    producers: set[int] = set()
    pending = [tensor]
    while pending:
        operation, node_index, index = getattr(pending.pop(), "_keras_history", (None, 0, 0))
        if operation is None:
            continue
        if isinstance(operation, keras.Model):
            outputs = getattr(operation, "outputs", None)  # a subclassed model has none
            behind = None if outputs is None else [keras.tree.flatten(outputs)[index]]
        elif id(operation) in given:
            behind = given[id(operation)]
        else:
            source = _keras_passed_on(keras, operation._inbound_nodes[node_index])
            behind = None if source is None else [source]
        if behind is None:
            producers.add(id(operation))
        else:
            pending += behind
    return producers


def _keras_call_input(keras: Any, node: Any) -> Any:
    """The one tensor a recorded call (``node``) computes on; ``None`` when it takes several.

    Keras also hands a layer whose ``call`` accepts ``mask`` its input's mask (behind an
    ``Embedding(mask_zero=True)``, say) as a tensor; a mask only says which time steps
    count, so it is not an input here.
    """
    kwargs = node.arguments.kwargs
    masks = [value for key, value in kwargs.items() if key == "mask" or key.endswith("_mask")]
    mask_ids = {id(mask) for mask in keras.tree.flatten(masks)}
    inputs = [tensor for tensor in node.input_tensors if id(tensor) not in mask_ids]
    return inputs[0] if len(inputs) == 1 else None


def _keras_passed_on(keras: Any, node: Any) -> Any:
    """The one input a recorded call (``node``) hands on unchanged in shape, holding no
    weights, so whatever is computed behind it is what it feeds on; else ``None``."""
    source, outputs = _keras_call_input(keras, node), node.output_tensors
    passes = (
        not getattr(node.operation, "weights", ())  # a keras.ops operation has none
        and source is not None
        and len(outputs) == 1
        and tuple(source.shape) == tuple(outputs[0].shape)
    )
    return source if passes else None


def _keras_nested_inputs(keras: Any, model: Any) -> NestedInputs:
    """What the recorded calls of each model nested in ``model`` gave each of its inputs.

    Keyed by the id of the InputLayer standing for that input inside the nested model:
    a graph walk from one of its layers reaches that InputLayer and goes on from there.
    ``model``'s own inputs are where its graph starts, so they are not followed.
    """
    given: NestedInputs = {}
    for nested in _keras_nested_models(keras, model):
        own = keras.tree.flatten(getattr(nested, "inputs", None) or [])  # none if subclassed
        for call in nested._inbound_nodes:
            arguments = call.arguments  # Model.call(inputs, ...)
            passed = keras.tree.flatten(
                arguments.args[0] if arguments.args else arguments.kwargs.get("inputs")
            )
            if len(passed) == len(own):
                for inner, outer in zip(own, passed, strict=True):
                    given.setdefault(id(inner._keras_history.operation), []).append(outer)
    return given


def _keras_nested_models(keras: Any, layer: Any) -> Iterator[Any]:
    """Every model inside ``layer``, at any depth."""
    for inner in layer.layers if isinstance(layer, keras.Model) else ():
        if isinstance(inner, keras.Model):
            yield inner
            yield from _keras_nested_models(keras, inner)


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
        named = _torch_own_parameters(torch, module)
        own = [(n, p) for n, p in named if id(p) not in seen]
        seen.update(id(p) for _, p in own)
        if not own:
            continue
        entry = _Layer(
            path=path,
            class_name=type(module).__name__,
            count=sum(p.numel() for _, p in own),
            tensors=tuple((f"{path}.{n}" if path else n, tuple(p.shape)) for n, p in own),
            names=tuple(n for n, _ in own),
            module=module,
        )
        kind = (
            _torch_kind(torch, module)
            if len(own) == len(named)
            else {"reason": "shares parameters with an earlier module (counted there)"}
        )
        layers.append(replace(entry, **kind))
    total = sum(p.numel() for p in model.parameters())
    return _assemble(
        "pytorch",
        type(model).__name__,
        layers,
        total,
        feeds=_torch_feeds,
        weight_name=partial(_torch_weight_name, torch),
    )


def _torch_own_parameters(torch: Any, module: Any) -> list[tuple[str, Any]]:
    """``module``'s own parameters, including the originals behind its parametrised tensors.

    ``torch.nn.utils.parametrize`` (e.g. the new weight norm) moves a tensor's
    parameters into a child ``parametrizations`` module; they still belong to the
    module whose tensor they compute, under torch's own names for them.
    """
    named = list(module.named_parameters(recurse=False))
    if torch.nn.utils.parametrize.is_parametrized(module):
        named += module.parametrizations.named_parameters(prefix="parametrizations")
    return named


def _torch_feeds(recurrent: Any, linear: Any) -> bool:
    """Always: a PyTorch module records nothing of what its forward passes where, so
    the order the modules are defined in is all there is to go on."""
    return True


def _torch_weight_name(torch: Any, module: Any, counting_name: str) -> str:
    """What ``module`` calls counting's ``counting_name``.

    A ``Linear`` calls "linear.weight" just "weight"; a cell holds a one-layer
    module's tensors without the "_l0".
    """
    name = counting_name.rpartition(".")[2]
    return name.removesuffix("_l0") if isinstance(module, torch.nn.RNNCellBase) else name


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
