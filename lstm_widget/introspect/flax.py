"""Reading live Flax NNX modules: their recurrent cells, wrappers and dense heads.

Registered as the adapter of the conventions whose ``adapter`` key is ``"flax"``. Flax
is imported only when :meth:`FlaxAdapter.walk` is handed an object whose class comes
from it, and is used as ``Any``, so type-checking does not depend on it.

An NNX module is walked in the order its attributes were defined (``nnx.List`` and
``nnx.Dict`` items in theirs), which is the only order of layers it records. A cell
(``nnx.LSTMCell``, ``GRUCell``, ``SimpleCell``), an ``nnx.RNN`` around one, or an
``nnx.Bidirectional`` of two RNNs with the same cell is one recurrent layer; an
``nnx.Linear`` with a bias may be its dense head; any other module that holds
parameters of its own is listed with its count. Each layer's tensors are its cells'
parameters as ``nnx.state`` lists them, forward direction first, named by their paths
joined with dots (``layers.0.cell.ii.kernel``). The model's total is the sum over
``nnx.state(model, nnx.Param)``, parameters only, as Flax counts a model's size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from importlib import import_module
from typing import Any

from ..conventions import FLAX
from ._assembly import Layer, Walk, counted, register_adapter

#: The cell classes this convention stores, as Flax names them, each with its cell and
#: the option its layout needs (``nnx.OptimizedLSTMCell``: ``optimized``).
_CELLS: dict[str, tuple[str, dict[str, bool]]] = {
    name: (cell, switched)
    for cell, layout in FLAX.cells.items()
    for name, switched in [
        (layout.class_name, {}),
        *((variant.class_name, {option: True}) for option, variant in layout.variants),
    ]
}


class FlaxAdapter:
    """Flax NNX modules: a whole model, an ``nnx.RNN`` / ``nnx.Bidirectional`` or a cell."""

    packages: tuple[str, ...] = ("flax",)
    accepts = "a Flax NNX module"
    total_source = "Flax sum(x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param)))"

    def walk(self, obj: object, label: str) -> Walk | None:
        nnx: Any = import_module("flax.nnx")
        if not isinstance(obj, nnx.Module):
            return None
        jax: Any = import_module("jax")
        layers = list(_layers(nnx, obj, ()))
        params = jax.tree.leaves(nnx.state(obj, nnx.Param))
        return Walk(
            model_name=type(obj).__name__,
            layers=layers,
            total=sum(math.prod(p.shape) for p in params),
            feeds=_in_order,
            weight_name=_weight_name,
        )


def _in_order(recurrent: Any, linear: Any) -> bool:
    """Always: an NNX module records nothing of what its ``__call__`` passes where, so
    the order its attributes are defined in is all there is to go on."""
    return True


def _weight_name(module: Any, counting_name: str) -> str:
    """A tensor's name within its layer: counting's path after the layer's own part.

    counting names a lone layer ``cell.ii.kernel`` and a stacked one
    ``layers.0.forward_rnn.cell.ii.kernel``; within the layer both are what follows
    ``layers.<k>.`` (a dense head's ``head.kernel`` is its ``kernel``).
    """
    parts = counting_name.split(".")
    if parts[0] == "layers":
        parts = parts[2:]
    elif parts[0] == "head":
        parts = parts[1:]
    if type(module).__name__ in _CELLS and parts[0] == "cell":  # a cell on its own
        parts = parts[1:]
    return ".".join(parts)


def _children(nnx: Any, module: Any) -> Iterator[tuple[str, Any]]:
    """A module's attributes that can hold parameters, in the order they were set."""
    if isinstance(module, nnx.List):
        yield from ((str(k), child) for k, child in enumerate(module))
        return
    for name, value in vars(module).items():
        if not name.startswith("_"):
            yield name, value


def _layers(nnx: Any, module: Any, path: tuple[str, ...]) -> Iterator[Layer]:
    if _recurrent_or_dense(nnx, module):
        yield _layer(nnx, module, path)
        return
    own = [(name, v) for name, v in _children(nnx, module) if isinstance(v, nnx.Param)]
    if own:
        yield Layer(**_entry(module, path, own), reason="not a recurrent layer or a dense head")
    for name, child in _children(nnx, module):
        if isinstance(child, nnx.Module):
            yield from _layers(nnx, child, (*path, name))


def _recurrent_or_dense(nnx: Any, module: Any) -> bool:
    return isinstance(module, nnx.RNN | nnx.Bidirectional | nnx.Linear | nnx.RNNCellBase)


def _state(nnx: Any, module: Any) -> list[tuple[str, Any]]:
    """``module``'s parameters as ``nnx.state`` lists them, by their dotted paths."""
    return [
        (".".join(map(str, key)), value)
        for key, value in nnx.to_flat_state(nnx.state(module, nnx.Param))
    ]


def _layer(nnx: Any, module: Any, path: tuple[str, ...]) -> Layer:
    if isinstance(module, nnx.Bidirectional):
        sides = [("forward_rnn", module.forward_rnn), ("backward_rnn", module.backward_rnn)]
        named = [(f"{side}.{n}", v) for side, rnn in sides for n, v in _state(nnx, rnn)]
    elif isinstance(module, nnx.Linear):  # as a dense layer's weights are read: W, then b
        named = [(n, getattr(module, n)) for n in ("kernel", "bias") if getattr(module, n)]
    else:
        named = _state(nnx, module)
    layer = _entry(module, path, named)
    return Layer(**layer, **_kind(nnx, module))


def _entry(module: Any, path: tuple[str, ...], named: list[tuple[str, Any]]) -> dict[str, Any]:
    prefix = ".".join(path)
    return {
        "path": prefix,
        "class_name": type(module).__name__,
        "count": sum(math.prod(v.shape) for _, v in named),
        "tensors": tuple((f"{prefix}.{n}" if prefix else n, tuple(v.shape)) for n, v in named),
        "names": tuple(n for n, _ in named),
        "module": module,
    }


def _kind(nnx: Any, module: Any) -> dict[str, Any]:
    """What ``module`` is to us: recurrent settings, a dense head, or why it is neither."""
    if isinstance(module, nnx.Linear):
        if module.bias is None:
            return {"reason": "a linear layer without a bias"}
        return {"head": (module.in_features, module.out_features)}
    bidirectional = isinstance(module, nnx.Bidirectional)
    if bidirectional:
        forward, backward = module.forward_rnn, module.backward_rnn
        if not (isinstance(forward, nnx.RNN) and isinstance(backward, nnx.RNN)):
            return {"reason": "a Bidirectional of something other than two nnx.RNN"}
        cell, other = forward.cell, backward.cell
        if _shape_of(cell) != _shape_of(other):
            return {"reason": "a Bidirectional whose two directions differ"}
    else:
        cell = module.cell if isinstance(module, nnx.RNN) else module
    name = type(cell).__name__
    if name not in _CELLS or type(cell) is not getattr(nnx, name, None):
        known = ", ".join(f"nnx.{n}" for n in _CELLS)
        return {"reason": f"a cell lstm_widget does not count ({name}; it counts {known})"}
    kind, switched = _CELLS[name]
    return counted(
        {
            "cell": kind,
            "framework": FLAX.key,
            "input_size": cell.in_features,
            "units": cell.hidden_features,
            "bidirectional": bidirectional,
            **switched,
        }
    )


def _shape_of(cell: Any) -> tuple[str, int, int]:
    return type(cell).__name__, cell.in_features, cell.hidden_features


register_adapter(FLAX.adapter or FLAX.key, FlaxAdapter())
