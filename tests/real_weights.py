"""The real libraries' own account of a model's weights: the ground truth for the checks.

Each builder takes a model described in the library's own vocabulary (class names and
constructor arguments, one width per stacked layer), builds it with the real library and
reports every weight it created, layer by layer: the name the library gives it, its shape
and its size, and the library's own count for each layer and for the whole model. Nothing
here knows how lstm_widget counts.

- **Flax NNX** runs in this process (:func:`flax_model`).
- **TensorFlow** (Keras 2's ``CuDNNLSTM`` / ``CuDNNGRU`` from tf-keras, TensorFlow 1's
  ``tf.compat.v1.nn.rnn_cell`` cells) runs in a process of its own, apart from torch and
  jax, which share this one: :class:`TensorFlowProcess` starts ``tensorflow_worker.py``
  once and sends it one model at a time, so TensorFlow's slow import is paid once per
  test session, not once per example.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKER = Path(__file__).with_name("tensorflow_worker.py")


@dataclass(frozen=True)
class RealWeight:
    name: str
    shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class RealLayer:
    """One layer as the library holds it; ``count`` is the library's own figure."""

    name: str
    weights: tuple[RealWeight, ...]
    count: int

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {w.name: w.shape for w in self.weights}


@dataclass(frozen=True)
class RealModel:
    """Every layer with weights, in order, and the library's own total."""

    layers: tuple[RealLayer, ...]
    total: int

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {w.name: w.shape for layer in self.layers for w in layer.weights}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RealModel:
        layers = tuple(
            RealLayer(
                layer["name"],
                tuple(RealWeight(w["name"], tuple(w["shape"])) for w in layer["weights"]),
                layer["count"],
            )
            for layer in data["layers"]
        )
        return cls(layers, data["total"])


class TensorFlowError(RuntimeError):
    """TensorFlow refused a model, or its process stopped; the message is its own."""


class TensorFlowProcess:
    """One long-lived TensorFlow process, answering one model description per line.

    A description is a dict: ``{"library": "cudnn", "layer": "CuDNNLSTM", ...}`` or
    ``{"library": "tf1", "cell": "LSTMCell", ...}`` (see ``tensorflow_worker.py``).
    """

    def __init__(self) -> None:
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
        # TensorFlow's own output goes to a file, so a full pipe never blocks the worker
        # and a failure can still show what it said last.
        self._log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            status = self._process.wait()
            self._log.seek(0)
            said = self._log.read()[-2000:]
            raise TensorFlowError(f"the TensorFlow process stopped ({status}):\n{said}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise TensorFlowError(answer["error"])
        return answer

    def build(self, description: dict[str, Any]) -> RealModel:
        return RealModel.from_json(self.ask({"build": description}))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)
        self._log.close()


#: Flax NNX's recurrent cells, by class name.
FLAX_CELLS = ("LSTMCell", "OptimizedLSTMCell", "GRUCell", "SimpleCell")


def flax_model(description: dict[str, Any], *, concrete: bool = False) -> tuple[Any, RealModel]:
    """Build a Flax NNX model and report its parameters as ``nnx.state`` holds them.

    ``description``: ``cell`` (one of :data:`FLAX_CELLS`), ``input_size``, ``units`` (one
    width per layer), ``bidirectional``, ``dense`` (an ``nnx.Linear`` head's width, 0 for
    none) and ``wrap``: ``"rnn"`` puts each cell in ``nnx.RNN`` (and two of those in
    ``nnx.Bidirectional``), ``"cell"`` returns the bare cell (one layer, one direction,
    no head). Several layers or a head live in a module holding ``layers`` (an
    ``nnx.List``) and ``head``, as one writes a stack in NNX. Names are the state's
    paths joined with dots, as attribute access reads them: ``layers.0.cell.ii.kernel``.
    The total is ``sum(x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param)))``.

    Unless ``concrete``, the model is built under ``nnx.eval_shape``: the constructors
    run and every parameter gets its shape, but no initialiser is compiled and run for
    each new shape, which would cost a second or more per example.
    """
    import jax
    from flax import nnx

    cell_class = getattr(nnx, description["cell"])
    directions = 2 if description["bidirectional"] else 1
    widths = list(description["units"])
    inputs = [description["input_size"], *(directions * h for h in widths[:-1])]

    def make_layers(rngs: Any) -> list[Any]:
        def cell(x: int, h: int) -> Any:
            return cell_class(x, h, rngs=rngs)

        if description["wrap"] == "cell":
            assert len(widths) == 1 and directions == 1 and not description["dense"]
            return [cell(inputs[0], widths[0])]
        return [
            nnx.Bidirectional(nnx.RNN(cell(x, h)), nnx.RNN(cell(x, h)))
            if directions == 2
            else nnx.RNN(cell(x, h))
            for x, h in zip(inputs, widths, strict=True)
        ]

    def make_head(rngs: Any) -> Any:
        if not description["dense"]:
            return None
        return nnx.Linear(directions * widths[-1], description["dense"], rngs=rngs)

    class Stack(nnx.Module):
        def __init__(self, layers: list[Any], head: Any) -> None:
            self.layers = nnx.List(layers)
            self.head = head

    def build() -> Any:
        # Inside the function, so that under nnx.eval_shape the keys are traced too.
        rngs = nnx.Rngs(0)
        layers = make_layers(rngs)
        head = make_head(rngs)
        return layers[0] if len(layers) == 1 and head is None else Stack(layers, head)

    model = build() if concrete else nnx.eval_shape(build)
    if isinstance(model, Stack):
        prefixes = [("layers", k) for k in range(len(widths))]
        parts = list(model.layers)
        if model.head is not None:
            prefixes.append(("head",))
            parts.append(model.head)
    else:
        prefixes, parts = [()], [model]

    def params(module: Any) -> Any:
        return nnx.state(module, nnx.Param)

    def named(prefix: tuple[object, ...], module: Any) -> tuple[RealWeight, ...]:
        return tuple(
            RealWeight(".".join(map(str, (*prefix, *path))), tuple(value.shape))
            for path, value in nnx.to_flat_state(params(module))
        )

    real_layers = tuple(
        RealLayer(
            ".".join(map(str, prefix)) or type(part).__name__,
            named(prefix, part),
            sum(x.size for x in jax.tree.leaves(params(part))),
        )
        for prefix, part in zip(prefixes, parts, strict=True)
    )
    total = sum(x.size for x in jax.tree.leaves(params(model)))
    return model, RealModel(real_layers, total)
