"""ONNX shapes checked against the operator spec by real ONNX tooling.

The breakdown's tensors become the initializers of real LSTM / GRU / RNN nodes, one
node per layer, chained the way exporters do (Y [seq, D, batch, h] transposed and
reshaped into the next layer's X [seq, batch, D·h]), with a MatMul + Add head. Then:

- ``onnx.checker`` with full (strict) shape inference accepts the model, including the
  declared Y shapes [seq, D, batch, hidden_size];
- ``onnx.reference.ReferenceEvaluator`` (the onnx package's reference implementation)
  and ONNX Runtime both run it on a small random input and agree on Y;
- deliberately wrong shapes (a B of 4h instead of 8h, a layer-2 W that ignores the
  second direction, ...) are refused, so the checks can fail.

ONNX Runtime validates every W, R, B and P against the spec's shapes exactly, which the
reference implementation (written for clarity, not validation) does not always do.
"""

import numpy as np
import onnx
import onnxruntime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidArgument
from strategies import any_settings

from lstm_widget import Breakdown, breakdown

pytestmark = pytest.mark.frameworks

OPSET = 21
SEQ, BATCH = 3, 2
OPERATOR = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
ONNXRUNTIME_ERRORS = (Fail, InvalidArgument)


def onnx_model(b: Breakdown, wrong: dict[str, tuple[int, ...]] | None = None) -> onnx.ModelProto:
    """The breakdown as a runnable ONNX graph; ``wrong`` replaces some tensors' shapes."""
    s = b.settings
    shapes = b.tensors() | (wrong or {})
    rng = np.random.default_rng(0)
    initializers = [
        numpy_helper.from_array(rng.uniform(-0.5, 0.5, shape).astype(np.float32), name)
        for name, shape in shapes.items()
    ]
    initializers.append(numpy_helper.from_array(np.array([0, 0, -1], np.int64), "merge"))
    nodes, outputs, x = [], [], "X"
    direction = "bidirectional" if s.bidirectional else "forward"
    for layer in range(s.layers):
        # The operator's inputs by position: X, W, R, B, sequence_lens, initial_h,
        # initial_c, P; which tensor goes where is taken from the groups' roles.
        tensor = {g.role: g.tensor for g in b.groups if g.layer == layer}
        inputs = [x, tensor["input"], tensor["recurrent"], tensor.get("bias", "")]
        if "peephole" in tensor:
            inputs += ["", "", "", tensor["peephole"]]
        y = f"Y{layer}"
        nodes += [
            helper.make_node(
                OPERATOR[s.cell],
                inputs,
                [y],
                hidden_size=s.layer_units(layer),
                direction=direction,
            ),
            helper.make_node("Transpose", [y], [f"{y}_t"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [f"{y}_t", "merge"], [f"X{layer + 1}"]),
        ]
        outputs.append(
            helper.make_tensor_value_info(
                y, TensorProto.FLOAT, [SEQ, s.directions, BATCH, s.layer_units(layer)]
            )
        )
        x = f"X{layer + 1}"
    if s.dense:
        head = {g.symbol: g.tensor for g in b.groups if g.role == "dense"}
        nodes += [
            helper.make_node("MatMul", [x, head["W_y"]], ["head"]),
            helper.make_node("Add", ["head", head["b_y"]], ["out"]),
        ]
        x = "out"
    outputs.append(
        helper.make_tensor_value_info(x, TensorProto.FLOAT, [SEQ, BATCH, b.output_shape[-1]])
    )
    graph = helper.make_graph(
        nodes,
        "breakdown",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [SEQ, BATCH, s.input_size])],
        outputs,
        initializer=initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def run_reference(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    return ReferenceEvaluator(model).run(None, {"X": x})


def run_onnxruntime(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # refusals are asserted, not logged
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"X": x})


#: Small ONNX layers of every cell and option: the runtimes run them quickly.
ONNX_SETTINGS = any_settings(
    frameworks=("onnx",),
    widths=st.integers(1, 12),
    layers=st.integers(1, 3),
    dense=st.integers(0, 5),
)


@settings(max_examples=250, deadline=None)
@given(s=ONNX_SETTINGS)
def test_onnx_runs_the_counted_weights(s, check_groups_tile_tensors):
    b = breakdown(**s)
    model = onnx_model(b)
    onnx.checker.check_model(model, full_check=True)
    x = np.random.default_rng(1).standard_normal((SEQ, BATCH, s["input_size"])).astype(np.float32)
    reference, runtime = run_reference(model, x), run_onnxruntime(model, x)
    d = b.settings.directions
    expected = [(SEQ, d, BATCH, h) for h in b.settings.widths] + [(SEQ, BATCH, b.output_shape[-1])]
    assert [y.shape for y in reference] == expected
    for ours, theirs in zip(reference, runtime, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    check_groups_tile_tensors(b)


@settings(max_examples=250, deadline=None)
@given(s=ONNX_SETTINGS)
def test_onnx_layer_counts_follow_the_spec(s):
    """Per layer: D·(G·h·x_k + G·h·h + 2·G·h + 3h), and x_k = D·h_{k-1} above the first."""
    b = breakdown(**s)
    d, widths, g = b.settings.directions, b.settings.widths, GATES[s["cell"]]
    for layer, h in enumerate(widths):
        x = s["input_size"] if layer == 0 else d * widths[layer - 1]
        w = next(g.tensor for g in b.groups if g.layer == layer and g.role == "input")
        assert b.tensors()[w] == (d, g * h, x)
        bias = 2 * g * h if s["bias"] else 0
        peepholes = 3 * h if b.settings.peepholes else 0
        assert b.layer_totals[layer] == d * (g * h * x + g * h * h + bias + peepholes)


BASE = dict(framework="onnx", input_size=3, units=4, layers=2, bidirectional=True, dense=2)


@pytest.mark.parametrize(
    ("cell", "tensor", "shape", "complaint"),
    [
        pytest.param(
            "lstm", "lstm_0/B", (2, 16), "Input B must have shape", id="LSTM B 4h not 8h"
        ),
        pytest.param("lstm", "lstm_0/P", (2, 4), "Input P must have shape", id="LSTM P h not 3h"),
        pytest.param("lstm", "lstm_0/W", (2, 16, 4), "Input W must have shape", id="W too wide"),
        pytest.param("lstm", "lstm_0/R", (2, 16, 5), "Input R must have shape", id="R too wide"),
        pytest.param(
            "lstm", "lstm_1/W", (2, 16, 4), "Input W must have shape", id="layer 2 W sees h not 2h"
        ),
        pytest.param(
            "lstm", "lstm_1/W", (1, 16, 8), "Input W must have shape", id="W one direction"
        ),
        pytest.param("gru", "gru_0/B", (2, 12), "Input B must have shape", id="GRU B 3h not 6h"),
        pytest.param("rnn", "rnn_0/B", (2, 4), "Input B must have shape", id="RNN B h not 2h"),
        pytest.param(
            "lstm", "dense/B", (4, 2), "Incompatible dimensions", id="head sees h not 2h"
        ),
    ],
)
def test_onnx_refuses_wrong_shapes(cell, tensor, shape, complaint):
    b = breakdown(**BASE, cell=cell, peepholes=cell == "lstm")
    assert b.tensors()[tensor] != shape
    model = onnx_model(b, wrong={tensor: shape})
    x = np.zeros((SEQ, BATCH, BASE["input_size"]), np.float32)
    with pytest.raises(ONNXRUNTIME_ERRORS, match=complaint):
        run_onnxruntime(model, x)
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        run_reference(model, x)
