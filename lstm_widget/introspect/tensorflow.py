"""Reading live TensorFlow objects: Keras 2 models with cuDNN layers, TensorFlow 1 cells.

Two adapters, both for classes from tf-keras (where Keras 2 and the v1 cells live from
TensorFlow 2.16 on, with ``TF_USE_LEGACY_KERAS=1``), registered against the ``"cudnn"``
and ``"tf1"`` adapter keys. TensorFlow is never imported here: the object handed in
has it loaded already, and everything is read off the object (used as ``Any``).

- **Keras 2** models and layers: ``CuDNNLSTM`` / ``CuDNNGRU`` (alone or in
  ``Bidirectional``) are recurrent layers; ``Dense`` and ``TimeDistributed(Dense)`` with
  a bias may be their dense heads; any other layer with weights is listed with its
  count. The total is Keras 2's ``count_params()``.
- **TensorFlow 1** cells, once built (by ``dynamic_rnn`` or the like): ``LSTMCell``
  (peepholes, ``num_proj``), ``BasicLSTMCell``, ``GRUCell``, ``BasicRNNCell``, and a
  ``MultiRNNCell`` of them, one layer per cell. The total is the sum of their
  variables' sizes, as TensorFlow 1 code counted.

Tensor names are TensorFlow's variable names (``cu_dnnlstm/kernel:0``,
``rnn/multi_rnn_cell/cell_0/lstm_cell/kernel:0``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ..conventions import CUDNN, TF1
from ._folding import counted
from ._records import IntrospectionError, Layer, Walk
from ._registry import register_adapter

#: The TensorFlow 1 cells' module inside tf-keras.
_LEGACY_CELLS = "tf_keras.src.layers.rnn.legacy_cells"
#: Keras 2's cuDNN layers, by class name.
_CUDNN = {layout.class_name: cell for cell, layout in CUDNN.cells.items()}
#: TensorFlow 1's cells, by class name (BasicLSTMCell is an LSTMCell without options).
_TF1 = {layout.class_name: cell for cell, layout in TF1.cells.items()} | {"BasicLSTMCell": "lstm"}


def _leaf(name: str) -> str:
    """A variable's name within its layer or cell: ``kernel:0``."""
    return name.rpartition("/")[2]


def _in_order(recurrent: Any, dense: Any) -> bool:
    """A dense layer takes the recurrent layer before it: Keras 2's Sequential order."""
    return True


class Keras2Adapter:
    """Keras 2 models and layers, read for their CuDNNLSTM / CuDNNGRU layers."""

    packages: tuple[str, ...] = ("tf_keras",)
    accepts = "a Keras 2 model or layer"
    total_source = "Keras 2 count_params()"

    def walk(self, obj: object, label: str) -> Walk | None:
        if type(obj).__module__ == _LEGACY_CELLS or not hasattr(obj, "count_params"):
            return None
        model: Any = obj
        if not model.built:
            raise IntrospectionError(
                f"{label} ({type(model).__name__} {model.name!r}) is not built yet, so its "
                "weights do not exist; give it an Input or build it first."
            )
        return Walk(
            model_name=model.name,
            layers=list(_keras2_layers(model)),
            total=model.count_params(),
            feeds=_in_order,
            weight_name=_keras2_weight_name,
        )


def _keras2_layers(model: Any) -> Iterator[Layer]:
    inner = getattr(model, "layers", None)
    if inner is not None and type(model).__name__ in ("Sequential", "Functional", "Model"):
        for layer in inner:
            yield from _keras2_layers(layer)
        return
    if not model.weights:
        return
    kind = type(model).__name__
    # Bidirectional builds copies of the layer it was given; read the forward one.
    wrapped = {"Bidirectional": "forward_layer", "TimeDistributed": "layer"}.get(kind)
    wrapped = getattr(model, wrapped) if wrapped else None
    if kind == "Bidirectional":
        sides = (("forward", model.forward_layer), ("backward", model.backward_layer))
        names = tuple(f"{side}/{_leaf(w.name)}" for side, layer in sides for w in layer.weights)
        weights = [w for _, layer in sides for w in layer.weights]
    else:
        names = tuple(_leaf(w.name) for w in model.weights)
        weights = list(model.weights)
    entry = Layer(
        path=model.name,
        class_name=type(model).__name__,
        count=model.count_params(),
        tensors=tuple((w.name, tuple(w.shape)) for w in weights),
        names=names,
        module=model,
    )
    yield Layer(**{**vars(entry), **_keras2_kind(model, wrapped)})


def _keras2_kind(layer: Any, wrapped: Any) -> dict[str, Any]:
    inner = wrapped if wrapped is not None else layer
    name = type(inner).__name__
    if name == "Dense":
        if not inner.use_bias:
            return {"reason": "a dense layer without a bias"}
        return {"head": (int(inner.kernel.shape[0]), int(inner.units))}
    if name not in _CUDNN:
        known = ", ".join(_CUDNN)
        return {"reason": f"not {known} or a dense head"}
    return counted(
        {
            "cell": _CUDNN[name],
            "framework": CUDNN.key,
            "input_size": int(inner.kernel.shape[0]),
            "units": int(inner.units),
            "bidirectional": type(layer).__name__ == "Bidirectional",
        }
    )


def _keras2_weight_name(layer: Any, counting_name: str) -> str:
    """counting's ``bidirectional/forward_cu_dnnlstm/kernel:0`` is the layer's
    ``forward/kernel:0``; ``cu_dnnlstm/kernel:0`` and ``time_distributed/kernel:0`` its
    ``kernel:0``."""
    parts = counting_name.split("/")
    if len(parts) == 3:
        return f"{parts[1].partition('_')[0]}/{parts[2]}"
    return parts[-1]


class TF1Adapter:
    """TensorFlow 1 cells (``tf.compat.v1.nn.rnn_cell``), once built."""

    packages: tuple[str, ...] = (_LEGACY_CELLS,)
    accepts = "a built TensorFlow 1 cell"
    total_source = "TensorFlow 1 sum of the cells' variable sizes"

    def walk(self, obj: object, label: str) -> Walk | None:
        cell: Any = obj
        if not hasattr(cell, "built"):
            return None
        if not cell.built:
            raise IntrospectionError(
                f"{label} ({type(cell).__name__}) is not built yet, so its variables do not "
                "exist; run it (tf.compat.v1.nn.dynamic_rnn) first."
            )
        cells = list(cell._cells) if type(cell).__name__ == "MultiRNNCell" else [cell]
        layers = [
            _tf1_layer(c, f"cell_{k}" if len(cells) > 1 else "") for k, c in enumerate(cells)
        ]
        return Walk(
            model_name=type(cell).__name__,
            layers=layers,
            total=sum(layer.count for layer in layers),
            feeds=_in_order,
            weight_name=_tf1_weight_name,
        )


def _tf1_layer(cell: Any, path: str) -> Layer:
    weights = list(cell.weights)
    scope = weights[0].name.rpartition("/")[0] if weights else ""
    name = type(cell).__name__
    entry = Layer(
        path=path or scope,
        class_name=name,
        count=sum(math.prod(w.shape) for w in weights),
        tensors=tuple((w.name, tuple(w.shape)) for w in weights),
        names=tuple(w.name.removeprefix(f"{_cell_scope(w.name)}/") for w in weights),
        module=cell,
    )
    if name not in _TF1:
        return Layer(**{**vars(entry), "reason": f"not one of {', '.join(_TF1)}"})
    units = int(cell._num_units)
    projection = int(getattr(cell, "_num_proj", None) or 0)
    kernel = next(w for w in weights if _leaf(w.name).startswith("kernel"))
    settings = {
        "cell": _TF1[name],
        "framework": TF1.key,
        # The kernel's rows are the input's features, then the state fed back.
        "input_size": int(kernel.shape[0]) - (projection or units),
        "units": units,
    }
    if name == "LSTMCell":
        settings |= {"peepholes": bool(cell._use_peepholes), "proj_size": projection}
    return Layer(**{**vars(entry), **counted(settings)})


def _cell_scope(name: str) -> str:
    """The scope of the cell a variable belongs to: everything up to ``lstm_cell``."""
    parts = name.split("/")
    cells = {layout.tensor_prefix for layout in TF1.cells.values()} | {"basic_lstm_cell"}
    last = max((k for k, part in enumerate(parts) if part in cells), default=len(parts) - 2)
    return "/".join(parts[: last + 1])


def _tf1_weight_name(cell: Any, counting_name: str) -> str:
    """A variable's name within its cell: ``kernel:0``, ``gates/kernel:0``,
    ``projection/kernel:0``."""
    return counting_name.removeprefix(f"{_cell_scope(counting_name)}/")


register_adapter(CUDNN.adapter or CUDNN.key, Keras2Adapter())
register_adapter(TF1.adapter or TF1.key, TF1Adapter())
