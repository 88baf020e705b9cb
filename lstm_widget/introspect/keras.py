"""Reading live Keras 3 models: layers, their settings, and which layer feeds which.

Registered as the adapter of the conventions whose ``adapter`` key is ``"keras"``. Keras
is imported only when :meth:`KerasAdapter.walk` is handed an object whose class comes
from it, and is used as ``Any``: Keras ships no types, and type-checking must not
depend on whether (or which) framework is installed where it runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from importlib import import_module
from typing import Any

from ..conventions import KERAS, OPTIONS, cell_spec
from ..conventions.layers import CONV_KERNELS, KERAS_LAYERS, conv_sizes
from ._folding import counted, other_layer
from ._records import Dims, IntrospectionError, Layer, Readers, Runs, Shape, Walk
from ._registry import register_adapter

#: The tensors a nested Keras model's calls gave one of its inputs, by its InputLayer's id.
NestedInputs = dict[int, list[Any]]

#: The recurrent classes this convention stores, as Keras names them.
_CLASSES = tuple(layout.class_name for layout in KERAS.cells.values())
#: Their cells' classes (ConvLSTMCell is not exported: matched by name within Keras).
_CELL_CLASSES = tuple(f"{name}Cell" for name in _CLASSES)


class KerasAdapter:
    """Keras 3 models and layers (any backend)."""

    packages: tuple[str, ...] = ("keras",)
    accepts = "a Keras model or layer"
    total_source = "Keras count_params()"

    def walk(self, obj: object, label: str) -> Walk | None:
        keras: Any = import_module("keras")
        return _walk(keras, obj, label) if isinstance(obj, keras.layers.Layer) else None


def _walk(keras: Any, model: Any, label: str) -> Walk:
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
            Layer(
                path=model.name,
                class_name=type(model).__name__,
                count=sum(math.prod(w.shape) for w in loose),
                tensors=tuple((w.path, tuple(w.shape)) for w in loose),
                names=tuple(w.name for w in loose),
                module=model,
                reason="weights the model holds itself, outside its layers",
            )
        )
    return Walk(
        model_name=f"{type(model).__name__} {model.name!r}",
        layers=layers,
        total=int(model.count_params()),
        feeds=partial(_keras_feeds, keras, _keras_nested_inputs(keras, model)),
        weight_name=_keras_weight_name,
        trainable_total=sum(math.prod(w.shape) for w in model.trainable_weights),
        at_steps=partial(_keras_at_steps, keras, model),
    )


def _keras_layers(
    keras: Any, layer: Any, seen: set[int], prefix: str | None = None
) -> Iterator[Layer]:
    """Leaf layers with weights, depth first; nested models are walked into, and so is a
    custom layer lstm_widget does not know whose weights all belong to its sublayers
    (an attention layer made of Dense layers is explained through them).

    ``prefix`` is ``None`` for the model handed to :func:`explain`, whose own name is
    left out of its layers' paths, as in ``model.summary()``.
    """
    inner_prefix = "" if prefix is None else f"{prefix}{layer.name}/"
    if isinstance(layer, keras.Model):
        for inner in layer.layers:
            yield from _keras_layers(keras, inner, seen, inner_prefix)
        return
    path = f"{prefix or ''}{layer.name}"
    dims, positions = _keras_output(keras, layer)
    if not layer.weights:  # Dropout, Flatten, pooling, ...: a row at 0, as summary() has
        yield Layer(path, type(layer).__name__, 0, (), (), layer,
                    output_dims=dims, positions=positions)  # fmt: skip
        return
    weights = [w for w in layer.weights if id(w) not in seen]
    if not weights:  # every one shared with a layer listed before
        return
    sublayers = [inner for inner in getattr(layer, "_layers", ()) if inner.weights]
    owned = {id(w) for inner in sublayers for w in inner.weights}
    known = type(layer).__module__.startswith("keras.") and type(layer).__name__ in _KNOWN
    if not known and owned >= {id(w) for w in weights}:
        for inner in sublayers:
            yield from _keras_layers(keras, inner, seen, f"{prefix or ''}{layer.name}/")
        return
    seen.update(id(w) for w in weights)
    entry = Layer(
        path=path,
        class_name=type(layer).__name__,
        count=int(layer.count_params()),
        tensors=tuple((w.path, tuple(w.shape)) for w in weights),
        names=tuple(w.name for w in weights),
        module=layer,
        output_dims=dims,
        frozen=not layer.trainable,
        positions=positions,
    )
    yield replace(entry, **_keras_kind(keras, layer))


def _keras_output(keras: Any, layer: Any) -> tuple[Dims | None, Dims | None]:
    """The output shape as ``model.summary()`` prints it, where the graph recorded one,
    and the positions the layer runs at."""
    try:
        output = layer.output
    except (AttributeError, ValueError):  # never called symbolically, or called twice
        return None, None
    shape = getattr(output, "shape", None)
    if shape is None:
        return None, None
    dims = tuple(None if n is None else int(n) for n in shape)
    return dims, _keras_positions(keras, layer, dims)


#: What a recorded call of a layer saw: its (first) input's axes, its (first) output's,
#: and those of the input it attends over (attention's value; else its input).
Call = tuple[Dims, Dims, Dims]


def _keras_at_steps(keras: Any, model: Any, walk: Walk, steps: int) -> Walk:
    """``walk`` with how every layer runs over one example of a sequence of ``steps``
    time steps: its calls and the positions of each (a recurrent layer's steps).

    ``steps`` fills only an input's open time axis (axis 1, Keras' "timesteps"); every
    other axis is what the model records, and each layer's is computed again from the
    inputs so filled through the recorded graph, as Keras computes output shapes: a
    ``RepeatVector(3)`` closes the axis at 3, a convolution with strides shortens it.
    """
    graph = _keras_graph(keras, model)
    if graph is None:
        layers = [_keras_ungraphed(keras, model, layer, steps) for layer in walk.layers]
        return replace(walk, layers=layers)
    recorded = [tuple(x.shape) for x in graph.inputs]
    filled = [tuple(steps if k == 1 and n is None else n for k, n in enumerate(shape))
              for shape in recorded]  # fmt: skip
    lengths = {shape[1] for shape in recorded if len(shape) > 1}
    note = ""
    if filled == recorded and lengths != {steps}:
        listed = ", ".join(f"{n:,}" for n in sorted(lengths, key=str))
        note = (
            f"The model's inputs record their length ({listed}): steps={steps:,} fills no "
            "open time axis, and each layer runs over the length its input records."
        )
    inputs = [
        keras.KerasTensor(shape, dtype=x.dtype)
        for shape, x in zip(filled, graph.inputs, strict=True)
    ]
    try:
        calls = _keras_calls(keras, graph, inputs)
    except Exception as error:  # a custom layer that cannot compute its shapes
        why = f"Keras could not compute the shapes for {steps:,} steps ({type(error).__name__})"
        layers = [replace(layer, runs=Runs(0, None, why)) for layer in walk.layers]
    else:
        layers = [_keras_ran(keras, layer, calls.get(id(layer.module), []))
                  for layer in walk.layers]  # fmt: skip
    return replace(walk, layers=layers, steps_note=note)


def _keras_graph(keras: Any, model: Any) -> Any:
    """The graph ``model`` records (a built Sequential's is a functional model inside
    it); None for a subclassed model, which records none, or a layer on its own."""
    graph = model._functional if isinstance(model, keras.Sequential) else model
    recorded = isinstance(graph, keras.Model) and hasattr(graph, "_run_through_graph")
    return graph if recorded else None


def _keras_calls(keras: Any, graph: Any, inputs: list[Any]) -> dict[int, list[Call]]:
    """Every layer's calls in ``graph`` (nested models' too) run on ``inputs``, by id:
    the shapes Keras computes for them, as it does for ``compute_output_shape``."""
    calls: dict[int, list[Call]] = {}

    def through(graph: Any, inputs: Any) -> Any:
        def operation(op: Any) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                inner = _keras_graph(keras, op) if isinstance(op, keras.Model) else None
                outputs = (
                    through(inner, args[0]) if inner else op.compute_output_spec(*args, **kwargs)
                )
                given = keras.tree.flatten(args[0])
                # Attention's keys: its value's steps (Attention([query, value]) takes a
                # list, MultiHeadAttention(query, value)), else its query's.
                value = kwargs.get("value", args[1] if len(args) > 1 else None)
                keys = value if hasattr(value, "shape") else given[min(1, len(given) - 1)]
                made = keras.tree.flatten(outputs)[0]
                calls.setdefault(id(op), []).append((_dims(given[0]), _dims(made), _dims(keys)))
                return outputs

            return call

        return graph._run_through_graph(inputs, operation_fn=operation)

    through(graph, inputs)
    return calls


def _dims(tensor: Any) -> Dims:
    return tuple(None if n is None else int(n) for n in tensor.shape)


def _keras_ran(keras: Any, layer: Layer, calls: list[Call]) -> Layer:
    """``layer`` with how it ran in its ``calls``: the positions of each (a recurrent
    layer's steps, and a ConvLSTM's grid), or why they are not known."""
    if not calls:
        return replace(
            layer, runs=Runs(0, None, "its calls are not in the model's recorded graph")
        )
    if layer.settings is not None:
        steps = [_closed(_keras_steps(keras, layer, given, made)) for given, made, _ in calls]
        known = [s for s in steps if s is not None]
        if len(known) < len(steps):
            why = "its input's time axis (or a ConvLSTM's grid) is open beyond the sequence's"
            return replace(layer, runs=Runs(len(calls), None, why))
        each = tuple((math.prod(s), 1) for s in known)
        return replace(layer, runs=Runs(len(calls), each, grid=known[0][1:]))
    positions = [_closed(_keras_positions(keras, layer.module, made)) for _, made, _ in calls]
    keys = [_closed(attended[1:2]) if len(attended) > 2 else (1,) for _, _, attended in calls]
    if any(p is None for p in positions) or any(k is None for k in keys):
        why = "its output's axes are open beyond the sequence's time axis"
        return replace(layer, runs=Runs(len(calls), None, why))
    each = tuple(
        (math.prod(p or ()), math.prod(k or ())) for p, k in zip(positions, keys, strict=True)
    )
    return replace(layer, runs=Runs(len(calls), each))


def _closed(dims: Dims | None) -> Shape | None:
    """``dims`` when every axis has its size; None when one is open (or none are known)."""
    if dims is None:
        return None
    sizes = tuple(n for n in dims if n is not None)
    return sizes if len(sizes) == len(dims) else None


def _keras_steps(keras: Any, layer: Layer, given: Dims, made: Dims) -> Dims:
    """Where one call of a recurrent layer steps: its input's time steps (a cell on its
    own steps once), then a ConvLSTM's output grid."""
    module = layer.module
    rnn = module.forward_layer if isinstance(module, keras.layers.Bidirectional) else module
    if not isinstance(rnn, keras.layers.RNN):
        return (1,)
    grid: Dims = ()
    if layer.settings is not None and layer.settings.kernel:
        one = made[2:] if rnn.return_sequences else made[1:]  # one step's output
        grid = one[1:] if rnn.cell.data_format == "channels_first" else one[:-1]
    return (given[1], *grid)


def _keras_ungraphed(keras: Any, model: Any, layer: Layer, steps: int) -> Layer:
    """A layer of a model that records no graph: a recurrent layer explained on its
    own steps over the sequence; anything else's positions are not known."""
    if model is layer.module and layer.settings is not None:
        if not layer.settings.kernel:
            return replace(layer, runs=Runs(1, ((steps, 1),)))
        why = "a ConvLSTM on its own records no input, so its grid is not known"
        return replace(layer, runs=Runs(1, None, why))
    why = (
        "a subclassed model records no shapes, so how often its layers run is not known"
        if isinstance(model, keras.Model)
        else "a layer on its own records no input shape"
    )
    return replace(layer, runs=Runs(0, None, why))


def _keras_positions(keras: Any, layer: Any, dims: Dims) -> Dims | None:
    """The output axes ``layer`` runs at: all but the batch's and the features' (a
    convolution's channels, first or last as its ``data_format`` says). An open time
    axis is the sequence's; a convolution's open length is not, since its kernel, strides
    and padding shorten it, so its positions are then not known."""
    inner = layer.layer if isinstance(layer, keras.layers.TimeDistributed) else layer
    if not isinstance(inner, keras.layers.Conv1D | keras.layers.Conv2D | keras.layers.Conv3D):
        return dims[1:-1]
    lead = dims[1:2] if inner is not layer else ()  # TimeDistributed's time axis
    one = dims[1 + len(lead) :]  # one call's output: its channels and its grid
    grid = one[1:] if inner.data_format == "channels_first" else one[:-1]
    return None if None in grid else lead + grid


def _keras_weight_name(layer: Any, counting_name: str) -> str:
    """A Keras layer calls counting's "lstm/lstm_cell/kernel" just "kernel"."""
    return counting_name.rpartition("/")[2]


def _keras_feeds(keras: Any, given: NestedInputs, recurrent: Any, dense: Any) -> bool:
    """Whether ``dense`` (or a recurrent layer stacked on ``recurrent``) takes
    ``recurrent``'s output, as far as Keras' graph tells.

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
        other = other_layer(KerasAdapter.packages, KERAS_LAYERS, _READERS, dense, _CLASSES)
        if not dense.use_bias:
            return other
        return {"head": (int(dense.kernel.shape[0]), int(dense.units)), **other}
    if isinstance(layer, keras.layers.Bidirectional):
        forward = _keras_rnn_settings(keras, layer.forward_layer)
        backward = _keras_rnn_settings(keras, layer.backward_layer)
        if forward and forward == backward and "settings" in forward:
            if forward["settings"].layers > 1:  # each direction a stack of its own
                return {"reason": "each direction runs a stack of cells of its own"}
            return {"settings": forward["settings"].replace(bidirectional=True)}
        return {"reason": f"its directions are not the same {_one_of(_CLASSES)}"}
    return other_layer(KerasAdapter.packages, KERAS_LAYERS, _READERS, dense, _CLASSES)


def _conv(layer: Any) -> tuple[str, dict[str, int], dict[str, bool]]:
    *kernel, channels, filters = (int(n) for n in layer.kernel.shape)
    key, sizes = conv_sizes(kernel)
    return key, {**sizes, "c/g": channels, "f": filters}, {"bias": bool(layer.use_bias)}


def _norm_width(layer: Any) -> int:
    """The width a normalisation layer scales: its axis' size in the built input."""
    return int(next(w for w in layer.weights).shape[0])


def _mha(layer: Any) -> tuple[str, dict[str, int], dict[str, bool]]:
    def width(dense: Any, axis: int) -> int:
        return int(dense.kernel.shape[axis])

    sizes = {
        "d_q": width(layer._query_dense, 0),
        "d_k": width(layer._key_dense, 0),
        "d_v": width(layer._value_dense, 0),
        "H": int(layer.num_heads),
        "k": int(layer.key_dim),
        "v": int(layer.value_dim or layer.key_dim),
        "d_o": width(layer._output_dense, -1),
    }
    return "mha", sizes, {"bias": bool(layer.use_bias)}


#: How each Keras class is read: its registry key, the sizes of its shape symbols and
#: its switches, from the layer's own settings (and, for input widths, its kernel).
_READERS: Readers = {
    "Embedding": lambda layer: (
        "embedding", {"v": layer.input_dim, "d": layer.output_dim}, {}),
    "Dense": lambda layer: (
        "dense", {"a": int(layer.kernel.shape[0]), "b": layer.units},
        {"bias": bool(layer.use_bias)}),
    **{f"Conv{dims}D": _conv for dims in CONV_KERNELS},
    "BatchNormalization": lambda layer: (
        "batchnorm", {"c": _norm_width(layer)}, {"scale": layer.scale, "center": layer.center}),
    "LayerNormalization": lambda layer: (
        "layernorm", {"d": _norm_width(layer)}, {"scale": layer.scale, "center": layer.center}),
    "MultiHeadAttention": _mha,
    "Attention": lambda layer: (
        "attention", {},
        {"scale": bool(layer.use_scale), "concat": layer.score_mode == "concat"}),
    "AdditiveAttention": lambda layer: (
        "additive_attention", {"d": int(layer.scale.shape[0]) if layer.use_scale else 0},
        {"scale": bool(layer.use_scale)}),
}  # fmt: skip

#: ConvLSTM1D, 2D, 3D: a convolutional cell's layer classes, one per kernel length.
_CONV_CLASSES = tuple(
    f"{layout.class_name}{dims}D"
    for kind, layout in KERAS.cells.items()
    for dims in cell_spec(kind).kernel_dims
)

#: The Keras classes read as one layer: the recurrent ones, their cells and wrappers,
#: and every class a layer spec covers. A custom layer is walked into instead.
_KNOWN = frozenset(
    {*_CLASSES, *_CONV_CLASSES, *_CELL_CLASSES, "RNN", "Bidirectional",
     "TimeDistributed", *_READERS}
)  # fmt: skip


def _one_of(names: tuple[str, ...]) -> str:
    """``LSTM, GRU or SimpleRNN``."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]


#: Settings Keras calls otherwise: a cell's ``kernel`` is its weight tensor.
_KERAS_NAMES = {"kernel": "kernel_size"}


def _keras_rnn_settings(keras: Any, layer: Any) -> dict[str, Any] | None:
    """Settings of a plain LSTM/GRU/SimpleRNN/ConvLSTM cell, or an RNN layer over one or
    over a stack of them (``RNN([LSTMCell(10), LSTMCell(10)])``), else ``None``.

    A cell on its own holds the same three tensors as the layer wrapping it. Each
    convention's cell class is Keras's ``<class name>Cell`` (ConvLSTMCell is not
    exported, so classes are matched by name within Keras), and the options that apply
    to it are read off the cell by their Keras names (the settings' names but for
    ``kernel_size``). A kernel's last two axes are (input channels or features, G·units),
    and a ConvLSTM cell calls its units ``filters``. Stacked cells are one stack of
    layers when they are the same cell with the same options, each fed by the one below
    (Keras' StackedRNNCells hands each cell the output of the one before).
    """
    cell = layer.cell if isinstance(layer, keras.layers.RNN) else layer
    stacked = isinstance(cell, keras.layers.StackedRNNCells)
    read = [_keras_cell_settings(inner) for inner in (cell.cells if stacked else [cell])]
    if None in read:
        return {"reason": f"its cells are not all {_one_of(_CELL_CLASSES)}"} if stacked else None
    cells = [settings for settings in read if settings is not None]
    kinds = [{k: v for k, v in s.items() if k not in ("input_size", "units")} for s in cells]
    if any(kind != kinds[0] for kind in kinds):
        return {"reason": "its stacked cells differ in kind or options"}
    widths = tuple(s["units"] for s in cells)
    return counted({**cells[0], "units": widths, "layers": len(cells)})


def _keras_cell_settings(cell: Any) -> dict[str, Any] | None:
    """A Keras LSTM/GRU/SimpleRNN/ConvLSTM cell's settings as keywords, else None."""
    ours = type(cell).__module__.split(".")[0] == "keras"
    kinds = dict(zip(_CELL_CLASSES, KERAS.cells, strict=True))
    kind = kinds.get(type(cell).__name__) if ours else None
    if kind is None:
        return None
    options = KERAS.cells[kind].options
    return {
        "cell": kind,
        "framework": KERAS.key,
        "input_size": int(cell.kernel.shape[-2]),
        "units": int(getattr(cell, "units", None) or cell.filters),
        "bias": bool(cell.use_bias),
        **{
            name: getattr(cell, _KERAS_NAMES.get(name, name), OPTIONS[name].neutral)
            for name in options
        },
    }


register_adapter(KERAS.adapter or KERAS.key, KerasAdapter())
