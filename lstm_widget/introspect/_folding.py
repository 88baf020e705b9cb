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

What is folded into a recurrent layer's breakdown: the recurrent layers stacked on it,
each the same cell with the same options, taking exactly the features the one before
hands on and fed by it (in a Keras model by its recorded graph, in a PyTorch module by
the order of definition), so ``LSTM(32) → LSTM(18)`` is one stack of two widths, as
separate ``nn.LSTM`` modules are in PyTorch; and then a ``Dense`` / ``TimeDistributed(Dense)``
(Keras) or ``nn.Linear`` (PyTorch) with a bias and exactly its standard tensors, when it
is the next layer with parameters and takes the recurrent layer's output width. In a
Keras model whose graph is recorded, every call of it must also take one of the
recurrent layer's outputs (its output or a final state from ``return_state``, all as
wide), directly, through layers without weights that keep its shape (Dropout,
GaussianNoise, Activation, ...) or into a nested model that holds it; the mask Keras
passes along behind ``Embedding(mask_zero=True)`` is not another input. A subclassed
Keras model or a PyTorch module records no graph, so there the order of definition
decides. It becomes that breakdown's dense head. Every other layer with parameters is
counted from the registry's spec of its kind (embeddings, convolutions, norms,
attention, other dense layers) or, when none fits its tensors, listed as *not
explained*, with the framework's own count and the reason, so the totals still add up
and nothing is silently dropped. Layers without parameters are rows at 0.

Cells on their own are explained too, as one layer: PyTorch's ``LSTMCell`` /
``GRUCell`` / ``RNNCell`` hold exactly a one-layer module's tensors (``weight_ih``,
``weight_hh``, ``bias_ih``, ``bias_hh``), and Keras's ``LSTMCell`` / ``GRUCell`` /
``SimpleRNNCell`` the same three tensors as the layers that wrap them.

This module is the framework-neutral part: the folding of stacks and dense heads, the
checks against the framework's tensors, and :func:`explain`, which hands the object to
its framework's adapter and folds what it found into a :class:`ModelReport`. What
differs per framework (walking a model, reading a layer's settings, telling whether
a dense layer takes a recurrent layer's output, naming tensors) is an
:class:`Adapter`, registered against the
:attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key of its convention. Frameworks
are recognised by the modules their classes come from, so no adapter imports Keras or
PyTorch unless the object handed in comes from it (and then the framework is already
loaded). Conventions are tried in the registry's order, Keras before PyTorch, because a
Keras 3 model on the torch backend is also a ``torch.nn.Module``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..conventions import Framework, framework_spec
from ..conventions.layers import LayerSpec
from ..counting import (
    SETTING_NAMES,
    Breakdown,
    Settings,
    SettingsError,
    breakdown,
    check_steps,
)
from ..layers import LayerCount, count_layer
from ._model_report import ModelReport
from ._records import (
    CountedLayer,
    ExplainedLayer,
    FoldedLayer,
    IntrospectionError,
    Layer,
    Readers,
    Shape,
    TensorShapes,
    UnexplainedLayer,
    Walk,
    WeightlessLayer,
    WeightName,
    layer_title,
)
from ._registry import describe, frameworks_of, readable_frameworks


def explain(
    obj: object, *, name: str | None = None, steps: int | None = None, example: object = None
) -> ModelReport:
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
    example
        An input batch for a PyTorch model (a tensor, or a tuple of the forward's
        arguments): the model runs on it once, in eval mode and without gradients,
        and each layer's output shape is read off the run. Keras records its own.
        With ``steps``, the work is what the run did: forward hooks count each
        layer's calls and the positions of each call. A forward that is one time
        step (every layer with weights ran once, at one position) is called
        ``steps`` times; otherwise the run is the sequence.

    Raises
    ------
    IntrospectionError
        With one sentence, when ``obj`` is not a Keras/PyTorch model or layer, when
        it is not built yet (so its weights do not exist), or when the example's run
        is a sequence of other lengths than ``steps``.

    Examples
    --------
    >>> report = explain(model)  # doctest: +SKIP
    >>> report.matches, report.explained_total, report.framework_total  # doctest: +SKIP
    (True, 491, 491)
    """
    label = name or "the object"
    counted = check_steps(steps)
    report = _explain(obj, label, example, counted)
    if counted is None:
        return report
    items = tuple(replace(i, breakdown=_run_over(i, counted)) for i in report.items)
    return replace(report, items=items, steps=counted)


def _run_over(item: ExplainedLayer, steps: int) -> Breakdown:
    """An item's breakdown with the work of a sequence of ``steps`` as the item runs
    it, so its details read the summary's figures: its layers at the steps they ran on
    the example, when a run counted them, its head at the positions it runs at. No
    work when no one figure holds: its layers ran different lengths or never ran, or
    how often the head runs is not known."""
    ran = item.ran_steps() if item.layer_runs else steps
    head = item.head_runs(steps) if item.head else None
    if not ran or (item.head and head is None):
        return replace(item.breakdown, steps=None)
    if head and item.breakdown.work.per_position:
        # A ConvLSTM's breakdown counts one position of its grid, its head's there too
        # (the head runs on the grid's every position); with no grid, at every step.
        grid = math.prod(item.layer_runs[-1].grid) if item.layer_runs else 0
        head = head // grid if grid and head % grid == 0 else None
    return replace(item.breakdown, steps=ran, head_positions=head)


def _explain(obj: object, label: str, example: object, steps: int | None) -> ModelReport:
    readable = readable_frameworks()
    # Several conventions may read one package (Keras 2 layers and TensorFlow 1 cells
    # both come from tf_keras): the first whose adapter recognises the object reads it.
    for framework in frameworks_of(obj, readable):
        walk = readable[framework].walk(obj, label)
        if walk is not None:
            walk = _with_shapes(framework, walk, example, label, steps)
            if steps is not None and walk.at_steps is not None:
                walk = walk.at_steps(walk, steps)
            return _assemble(framework, walk)
    if isinstance(obj, type) and frameworks_of(obj, readable, as_class=True):
        # nn.LSTM, not nn.LSTM(...)
        raise IntrospectionError(
            f"{label} is the class {obj.__qualname__} itself; pass a model or layer built "
            f"from it, such as {obj.__qualname__}(...)."
        )
    # Conventions may share an adapter (minGRU-pytorch's modules are PyTorch's): each once.
    *others, last = dict.fromkeys(a.accepts for a in readable.values())
    accepted = f"{', '.join(others)} or {last}" if others else last
    raise IntrospectionError(f"{label} is {describe(obj)}, not {accepted}.")


def _with_shapes(
    framework: Framework, walk: Walk, example: object, label: str, steps: int | None
) -> Walk:
    """``walk`` with its layers' output shapes, and how they ran for a sequence of
    ``steps``, read off a run on ``example``, for a framework that records none; a note
    saying how to get them when none is given."""
    if walk.run_example is None:
        if example is not None:
            raise IntrospectionError(
                f"example= is for PyTorch modules, which record no output shapes; "
                f"{label} is a {framework_spec(framework).label} model, whose shapes its "
                "framework records."
            )
        return walk
    if example is None:
        note = (
            "Output shapes: PyTorch knows them only once the model runs; "
            "explain(model, example=<an input batch>) runs it once and reads them."
        )
        return replace(walk, shapes_note=note)
    run = walk.run_example(example)
    shaped = [
        replace(layer, output_dims=run.shapes.get(key), runs=run.runs.get(key))
        for layer in walk.layers
        for key in [id(layer.module)]
    ]
    ran = replace(walk, layers=shaped, outside=run.outside, returns_state=run.returns_state)
    return ran if steps is None else _for_the_sequence(ran, steps, label)


def _for_the_sequence(walk: Walk, steps: int, label: str) -> Walk:
    """``walk``'s runs over the example, as a sequence of ``steps``.

    A forward that is one time step (:func:`_one_step`: a char-RNN's step, the loop in
    the caller) is called once a step, so its runs are repeated ``steps`` times.
    Otherwise the run is the sequence, and a recurrent layer must have run ``steps``
    steps: in one call (an ``nn.LSTM`` over the sequence) or in all its calls (a cell
    stepped in a loop); a decoder may run other lengths beside it.
    """
    one_step = _one_step(walk)
    if one_step:
        layers = [
            replace(layer, runs=layer.runs.repeated(steps)) if layer.runs else layer
            for layer in walk.layers
        ]
        note = (
            "forward is one time step here: each layer with weights ran once, at one position,"
            f"\nand {one_step}; so the sequence is {steps:,} calls of it."
        )
        return replace(walk, layers=layers, run_note=note)
    recurrent = [
        (layer, layer.runs)
        for layer in walk.layers
        if layer.settings is not None and layer.runs and layer.runs.each and layer.runs.calls
    ]
    lengths = [{runs.positions, *(n for n, _ in runs.each or ())} for _, runs in recurrent]
    if recurrent and not any(steps in ran for ran in lengths):
        ran = ", ".join(
            f"{layer_title(layer.path, layer.class_name)} {runs.positions:,}"
            for layer, runs in recurrent
        )
        raise IntrospectionError(
            f"steps={steps:,} is not the example's sequence: on it {label} ran {ran} "
            f"steps; give steps= as many, an example of {steps:,} steps, or one step's "
            "input (steps then counts the calls of forward)."
        )
    note = "Each layer's calls and positions as forward hooks counted them on the example."
    return replace(walk, run_note=note)


def _one_step(walk: Walk) -> str:
    """Why ``walk``'s run is one time step of a sequence; "" when it is not.

    Every layer with weights ran at most once, at one position, and either a recurrent
    layer ran (so one step), or forward handed back a tensor shaped as one it was
    given after its input: the state the caller feeds in again, as a char-RNN built
    from ``nn.Linear`` does. A model reading one position of a longer input (a head on
    its last step) ran once at one position too, but is a whole sequence.
    """
    working = [layer.runs for layer in walk.layers if layer.runs and not layer.weightless]
    if not all(runs.calls <= 1 and (runs.positions or 0) <= 1 and runs.each is not None
               for runs in working):  # fmt: skip
        return ""
    if any(
        layer.settings is not None and layer.runs and layer.runs.calls for layer in walk.layers
    ):
        return "its recurrent layers ran one step"
    return "it handed back the state it was given" if walk.returns_state else ""


def _assemble(framework: Framework, walk: Walk) -> ModelReport:
    """Explain each standard recurrent layer with the dense head it feeds; list the rest.

    Layers without parameters sit in the summary at their place but play no part in
    folding: a Dropout between an LSTM and its Dense leaves the Dense its head.
    """
    feeds, weight_name = walk.feeds, walk.weight_name
    items: list[ExplainedLayer] = []
    unexplained: list[UnexplainedLayer] = []
    others: list[CountedLayer] = []

    position = {id(layer): k for k, layer in enumerate(walk.layers)}
    weightless = tuple(
        WeightlessLayer(layer.path, layer.class_name, position[id(layer)], layer.output_shape)
        for layer in walk.layers
        if layer.weightless
    )
    layers = [layer for layer in walk.layers if not layer.weightless]

    def not_folded(layer: Layer, reason: str, *, countable: bool = True) -> None:
        """A layer that is no recurrent layer's head: counted from its spec when its
        tensors are exactly the spec's, else listed with the reason."""
        other = layer.other if countable else None
        unlike = _unlike_spec(layer, other, weight_name) if other else reason
        if other is None or unlike:
            unexplained.append(replace(_unexplained(layer, unlike), position=position[id(layer)]))
        else:
            counted = _counted_layer(layer, other, position[id(layer)], weight_name)
            others.append(replace(counted, note=reason if layer.head else ""))

    def explained(
        stack: Sequence[Layer], b: Breakdown, head: Layer | None = None
    ) -> ExplainedLayer:
        item = _explained(stack, b, head)
        return replace(
            item,
            position=position[id(stack[0])],
            output_shape=stack[0].output_shape,
            head_positions=None if head is None else head.positions,
            head=_folded(head, position[id(head)]) if head else None,
            stacked=tuple(_folded(layer, position[id(layer)]) for layer in stack[1:]),
            **_measured_stack(stack, head),
        )

    index = 0
    while index < len(layers):
        layer = layers[index]
        index += 1
        if layer.settings is None:
            reason = layer.reason
            if layer.head:
                reason = _dense_reason(layer.head, "not right after an explained recurrent layer")
            not_folded(layer, reason)
            continue
        settings = layer.settings
        unlike = _borrowing(layer) or _unlike_standard(
            layer, breakdown(settings).tensors().items(), weight_name
        )
        if unlike:
            not_folded(layer, unlike, countable=False)
            continue
        stack = [layer]
        while index < len(layers):
            taller = _stacked(settings, stack[-1], layers[index], walk)
            if taller is None:
                break
            settings = taller
            stack.append(layers[index])
            index += 1
        plain = breakdown(settings)
        following = layers[index] if index < len(layers) else None
        if following is None or following.head is None:
            items.append(explained(stack, plain))
            continue
        index += 1
        with_head = breakdown(settings.replace(dense=following.head[1]))
        width = settings.output_width
        if following.head[0] != width:
            why_not = _dense_reason(
                following.head,
                f"on {following.head[0]:,} features, not the {width:,} the recurrent layer "
                "before it concatenates",
            )
        elif not feeds(stack[-1].module, following.module):
            why_not = _dense_reason(
                following.head,
                "not fed by the recurrent layer before it, as far as the model's graph shows",
            )
        elif following.borrowed:
            why_not = _dense_reason(following.head, f"whose {_borrowing(following)}")
        else:
            # The head's own tensors: a convention may name the recurrent ones
            # differently once a head sits beside them (Flax: layers.0.cell...).
            head_tensors = {(g.tensor, g.tensor_shape) for g in with_head.groups if g.layer < 0}
            why_not = _unlike_standard(following, head_tensors, weight_name)
        if why_not:
            items.append(explained(stack, plain))
            not_folded(following, why_not)
        else:
            items.append(explained(stack, with_head, following))
    return ModelReport(
        framework,
        walk.model_name,
        tuple(items),
        tuple(unexplained),
        walk.total,
        counted=tuple(others),
        framework_trainable=walk.trainable_total,
        weightless=weightless,
        shapes_note=walk.shapes_note,
        run_note=walk.run_note,
        outside=walk.outside,
        steps_note=walk.steps_note,
    )


def _measured_stack(stack: Sequence[Layer], head: Layer | None) -> dict[str, Any]:
    """How a stack's layers and its head ran, where a run counted it: each module's
    runs for each of its layers (``num_layers`` of them), the head's; and the tensors
    they share, counted here."""
    runs = [layer.runs for layer in stack]
    per_layer = () if None in runs else tuple(
        r for layer, r in zip(stack, runs, strict=True)
        for _ in range(layer.settings.layers if layer.settings else 1)
    )  # fmt: skip
    folded = (*stack, *((head,) if head else ()))
    return {
        "layer_runs": per_layer,
        "head_ran": head.runs if head else None,
        "sharing": tuple(s for layer in folded for s in layer.sharing),
    }


def _borrowing(layer: Layer) -> str:
    """``weight is emb's (tied), counted there``: what of a layer's kind is another
    layer's, so a breakdown of its own would count it twice; "" for none."""
    if not layer.borrowed:
        return ""
    names = ", ".join(s.name for s in layer.borrowed)
    owners = ", ".join(sorted({s.other for s in layer.borrowed}))
    verb = "is" if len(layer.borrowed) == 1 else "are"
    return f"{names} {verb} {owners}'s (tied), counted there"


def _unlike_spec(layer: Layer, count: LayerCount, weight_name: WeightName) -> str:
    """How ``layer``'s tensors, shared ones included, differ from its kind's spec; ""
    when they do not.

    As for a recurrent layer (:func:`_unlike_standard`): by name within the layer (a
    spec's ``query/kernel`` is Keras' ``kernel`` of the ``query`` sublayer) and shape,
    so extra weights (LoRA, quantisation scales) or reshaped ones show up.
    """
    spec = [(t.name, t.shape) for t in count.tensors]
    borrowed = layer.borrowed
    whole = replace(
        layer,
        names=layer.names + tuple(s.name for s in borrowed),
        tensors=layer.tensors + tuple((s.name, s.shape) for s in borrowed),
    )
    return _unlike_standard(whole, spec, weight_name)


def _counted_layer(
    layer: Layer, count: LayerCount, position: int, weight_name: WeightName
) -> CountedLayer:
    """``layer`` counted from its kind's ``count``: only the tensors counted here (a
    tied weight is counted where it first appears), its work with all of them."""
    borrowed = {s.name for s in layer.borrowed}
    own = tuple(t for t in count.tensors if weight_name(layer.module, t.name) not in borrowed)
    return CountedLayer(
        layer.path,
        layer.class_name,
        replace(count, tensors=own),
        layer.count,
        layer.tensors,
        position=position,
        output_shape=layer.output_shape,
        frozen=layer.frozen,
        positions=layer.positions,
        runs=layer.runs,
        sharing=layer.sharing,
        whole=count if borrowed else None,
    )


def other_layer(
    packages: tuple[str, ...],
    specs: Mapping[str, LayerSpec],
    readers: Readers,
    module: Any,
    recurrent: Sequence[str],
) -> dict[str, Any]:
    """``{"other": ...}``: ``module`` counted from the registry's spec of its kind, read
    by the framework's reader for its class; ``{"reason": ...}`` for a class it lacks.

    Only the framework's own classes (from its adapter's ``packages``) are read by
    name: a user's class that happens to be called ``Attention`` is not Keras'
    ``Attention``.
    """
    own = type(module).__module__.partition(".")[0] in packages
    reader = readers.get(type(module).__name__) if own else None
    if reader is None:
        kinds = ", ".join([*recurrent, *(spec.label for spec in specs.values())])
        return {"reason": f"not one of the layers lstm_widget counts ({kinds})"}
    key, sizes, switches = reader(module)
    return {"other": count_layer(specs[key], sizes, switches)}


#: Settings a layer stacked on another may differ in: its own widths and depth.
_STACK_SHAPE = frozenset({"input_size", "units", "layers"})


def _stacked(below: Settings, top: Layer, above: Layer, walk: Walk) -> Settings | None:
    """``below`` with ``above`` stacked on it, or None when ``above`` does not continue it.

    It continues the stack when it is the same standard cell with the same options,
    takes exactly the features the stack's top layer (``top``) hands on, and is fed
    by it (as far as the framework records: Keras by its graph, PyTorch by the order
    of definition). Separate layers are how Keras, and PyTorch beyond one ``nn.LSTM``,
    stack layers of different widths.
    """
    more = above.settings
    if more is None or more.input_size != below.output_width or above.borrowed:
        return None
    if any(
        getattr(more, name) != getattr(below, name)
        for name in SETTING_NAMES
        if name not in _STACK_SHAPE
    ):
        return None
    standard = breakdown(more).tensors().items()
    if _unlike_standard(above, standard, walk.weight_name) or not walk.feeds(
        top.module, above.module
    ):
        return None
    try:
        return below.replace(units=below.widths + more.widths, layers=below.layers + more.layers)
    except SettingsError:  # deeper than any stack counting draws
        return None


def _explained(stack: Sequence[Layer], b: Breakdown, head: Layer | None = None) -> ExplainedLayer:
    """The explained item of a stack of recurrent layers, and the dense head it feeds."""
    bottom, folded = stack[0], (*stack[1:], *((head,) if head else ()))
    tensors = tuple(t for layer in (bottom, *folded) for t in layer.tensors)
    return ExplainedLayer(
        path=bottom.path,
        class_name=bottom.class_name,
        breakdown=_named(b, tensors),
        framework_count=sum(layer.count for layer in (bottom, *folded)),
        framework_tensors=tensors,
        frozen=all(layer.frozen for layer in stack),
    )


def _folded(layer: Layer, position: int) -> FoldedLayer:
    depth = layer.settings.layers if layer.settings else 0
    return FoldedLayer(
        layer.path, layer.class_name, layer.count, position, layer.output_shape, depth,
        layer.sharing,
    )  # fmt: skip


def _unexplained(layer: Layer, reason: str) -> UnexplainedLayer:
    tensors = tuple(zip(layer.names, (shape for _, shape in layer.tensors), strict=True))
    return UnexplainedLayer(
        layer.path, layer.class_name, layer.count, reason, output_shape=layer.output_shape,
        tensors=tensors, sharing=layer.sharing,
    )  # fmt: skip


def _dense_reason(head: tuple[int, int], why: str) -> str:
    """Why a dense layer (input and output width) is not a dense head, with its arithmetic."""
    f, n = head
    return f"a dense layer {why}: {f:,} × {n:,} + {n:,}"


def _unlike_standard(
    layer: Layer, standard: Iterable[tuple[str, Shape]], weight_name: WeightName
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


def counted(settings: dict[str, Any]) -> dict[str, Any]:
    """``{"settings": ...}`` read off a framework object, or ``{"reason": ...}`` if invalid."""
    try:
        return {"settings": Settings(**settings)}
    except SettingsError as error:
        return {"reason": f"lstm_widget cannot count it: {error}"}
