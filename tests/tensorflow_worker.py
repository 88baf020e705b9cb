"""TensorFlow's side of the cross-checks, in a process of its own.

Started by ``real_weights.TensorFlowProcess`` with ``TF_USE_LEGACY_KERAS=1`` (from
TensorFlow 2.16 on, Keras 2 and the v1 cells live in tf-keras). Reads one JSON request
per line on stdin and answers each with one JSON line on stdout:

``{"explain": description}`` builds the same model and answers with what
``lstm_widget.explain`` makes of it (the Keras 2 model, or the cell ``dynamic_rnn`` ran).

``{"build": description}`` builds the model the way its users wrote it and answers with
every weight it created, layer by layer, and the library's own counts:

- ``{"library": "cudnn", "layer": "CuDNNLSTM" | "CuDNNGRU", "input_size": x,
  "units": [h, ...], "bidirectional": bool, "dense": n}``: a Keras 2 ``Sequential`` of
  ``tf.compat.v1.keras.layers.CuDNNLSTM`` / ``CuDNNGRU`` (``return_sequences=True``, in
  ``Bidirectional`` if asked), then ``TimeDistributed(Dense(n))`` when ``n > 0``. cuDNN
  layers build their weights without a GPU; only running them needs one. Counts are
  each layer's ``count_params()`` and the model's.
- ``{"library": "tf1", "cell": "LSTMCell" | "BasicLSTMCell" | "GRUCell" |
  "BasicRNNCell", "input_size": x, "units": [h, ...], "bidirectional": bool,
  "use_peepholes": bool, "num_proj": p or null, "dense": n}``: a graph of
  ``tf.compat.v1.nn.rnn_cell`` cells, run by ``dynamic_rnn`` (one cell, or a
  ``MultiRNNCell`` stack) or ``bidirectional_dynamic_rnn`` (one layer, or a stack of them
  in the scopes of TensorFlow 1's ``stack_bidirectional_dynamic_rnn``, which left with
  ``tf.contrib``), then ``tf.compat.v1.layers.dense``. TensorFlow 1 has no count function:
  its counts are the sizes of ``tf.compat.v1.trainable_variables()``, as TF1 code summed
  them.

A model TensorFlow refuses is answered with ``{"error": "<its message>"}``.
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import re
import sys
import warnings
from typing import Any

# The answers get the real stdout to themselves; anything TensorFlow prints goes to stderr.
_ANSWERS = os.fdopen(os.dup(sys.stdout.fileno()), "w")
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")  # every v1 cell announces its deprecation

import tensorflow as tf  # noqa: E402


def _weights(variables: list[Any]) -> list[dict[str, Any]]:
    return [{"name": v.name, "shape": list(v.shape)} for v in variables]


def _layer(name: str, variables: list[Any], count: int) -> dict[str, Any]:
    return {"name": name, "weights": _weights(variables), "count": count}


def make_cudnn(d: dict[str, Any]) -> Any:
    keras = tf.keras
    layer_class = getattr(tf.compat.v1.keras.layers, d["layer"])
    # Keras 2 numbers its automatic names per session (cu_dnnlstm, cu_dnnlstm_1, ...).
    keras.backend.clear_session()
    stack: list[Any] = [keras.Input((None, d["input_size"]))]
    for units in d["units"]:
        layer = layer_class(units, return_sequences=True)
        stack.append(keras.layers.Bidirectional(layer) if d["bidirectional"] else layer)
    if d["dense"]:
        stack.append(keras.layers.TimeDistributed(keras.layers.Dense(d["dense"])))
    return keras.Sequential(stack)


def build_cudnn(d: dict[str, Any]) -> dict[str, Any]:
    model = make_cudnn(d)
    layers = [
        _layer(layer.name, layer.weights, layer.count_params())
        for layer in model.layers
        if layer.weights
    ]
    return {"layers": layers, "total": model.count_params()}


def make_tf1(d: dict[str, Any]) -> tuple[list[Any], Any]:
    """The graph's trainable variables, and the cell ``dynamic_rnn`` ran (None when
    bidirectional: two cells per layer)."""
    v1 = tf.compat.v1
    cell_class = getattr(v1.nn.rnn_cell, d["cell"])
    options = (
        {"use_peepholes": d["use_peepholes"], "num_proj": d["num_proj"]}
        if d["cell"] == "LSTMCell"
        else {}
    )

    def cell(units: int) -> Any:
        return cell_class(units, **options)

    widths = d["units"]
    with tf.Graph().as_default():
        sequence = v1.placeholder(tf.float32, [None, None, d["input_size"]])
        stack = None
        if not d["bidirectional"]:
            stack = (
                cell(widths[0])
                if len(widths) == 1
                else v1.nn.rnn_cell.MultiRNNCell([cell(units) for units in widths])
            )
            output, _ = v1.nn.dynamic_rnn(stack, sequence, dtype=tf.float32)
        elif len(widths) == 1:
            outputs, _ = v1.nn.bidirectional_dynamic_rnn(
                cell(widths[0]), cell(widths[0]), sequence, dtype=tf.float32
            )
            output = tf.concat(outputs, 2)
        else:
            output = sequence
            with v1.variable_scope("stack_bidirectional_rnn"):
                for k, units in enumerate(widths):
                    with v1.variable_scope(f"cell_{k}"):
                        outputs, _ = v1.nn.bidirectional_dynamic_rnn(
                            cell(units), cell(units), output, dtype=tf.float32
                        )
                    output = tf.concat(outputs, 2)
        if d["dense"]:
            v1.layers.dense(output, d["dense"])
        variables = v1.trainable_variables()
    return variables, stack


def build_tf1(d: dict[str, Any]) -> dict[str, Any]:
    variables, _ = make_tf1(d)

    def layer_of(variable: Any) -> str:
        if variable.name.startswith("dense/"):
            return "dense"
        found = re.search(r"/cell_(\d+)/", variable.name)
        return found.group(1) if found else "0"

    groups: dict[str, list[Any]] = {}
    for variable in variables:
        groups.setdefault(layer_of(variable), []).append(variable)
    layers = [
        _layer(_common_scope(group), group, sum(math.prod(v.shape) for v in group))
        for group in groups.values()
    ]
    return {"layers": layers, "total": sum(math.prod(v.shape) for v in variables)}


def _common_scope(variables: list[Any]) -> str:
    """The deepest variable scope every name shares: ``rnn/multi_rnn_cell/cell_0``."""
    return posixpath.commonpath(v.name.rsplit("/", 1)[0] for v in variables)


BUILDERS = {"cudnn": build_cudnn, "tf1": build_tf1}


def explain(d: dict[str, Any]) -> dict[str, Any]:
    """lstm_widget's explain() of the model as built: a Keras 2 model, or the TF1 cell
    ``dynamic_rnn`` ran."""
    from lstm_widget import explain

    model = make_cudnn(d) if d["library"] == "cudnn" else make_tf1(d)[1]
    report = explain(model)
    return {
        "framework": report.framework,
        "matches": report.matches,
        "explained_total": report.explained_total,
        "framework_total": report.framework_total,
        "items": [
            {"title": item.title, "total": item.breakdown.total, "count": item.framework_count}
            for item in report.items
        ],
        "unexplained": [[u.path, u.framework_count, u.reason] for u in report.unexplained],
        # With every layer's details: the tensor names a test looks for.
        "text": report.text(details=True),
    }


def answer(request: dict[str, Any]) -> dict[str, Any]:
    ((verb, description),) = request.items()
    try:
        if verb == "explain":
            return explain(description)
        return BUILDERS[description["library"]](description)
    except (ValueError, TypeError) as error:
        return {"error": f"{type(error).__name__}: {error}"}


def main() -> None:
    for line in sys.stdin:
        _ANSWERS.write(json.dumps(answer(json.loads(line))) + "\n")
        _ANSWERS.flush()


if __name__ == "__main__":
    main()
