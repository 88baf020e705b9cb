"""Random Keras models against Keras itself and against their PyTorch twins.

A hypothesis strategy draws small sequence models the way people write them: tokens
through an ``Embedding`` or features, a ``Conv1D`` (strided, "valid" or "same") that
changes the time axis, recurrent layers (LSTM, GRU either way of ``reset_after``,
SimpleRNN; bidirectional with any merge; an ``RNN`` over stacked cells; with or
without biases), a ``RepeatVector`` feeding a decoder, ``LayerNormalization``,
``Dropout`` and dense layers on every step or once, on an input whose time axis is
recorded or open. For each model:

- ``explain(model)`` reconciles with ``count_params()``, every layer's row holding that
  layer's own ``count_params()``;
- ``explain(model, steps=...)``'s sequence MACs are the FLOPs ÷ 2 that PyTorch's
  ``FlopCounterMode`` counts on a twin built from the same description: the same
  products with random weights, each recurrent layer stepped as its cell (a fused CPU
  ``nn.LSTM`` would count 0), on one example of the sequence;
- no line of its text is wider than 100 characters.

The budget is fixed (``LSTM_WIDGET_TWIN_EXAMPLES``, 40 by default) and the seed is
drawn per run unless ``LSTM_WIDGET_TWIN_SEED`` fixes it; a failure prints both the
model and the seed that reproduces it.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st
from report_checks import details_disagree

from lstm_widget import explain

pytestmark = pytest.mark.frameworks

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
F = torch.nn.functional
FlopCounterMode = pytest.importorskip("torch.utils.flop_counter").FlopCounterMode

SEED = int(os.environ.get("LSTM_WIDGET_TWIN_SEED") or random.randrange(2**32))
EXAMPLES = int(os.environ.get("LSTM_WIDGET_TWIN_EXAMPLES", "40"))

#: Keras's layer and PyTorch's cell of each recurrent kind.
KINDS = {"lstm": ("LSTM", "LSTMCell"), "gru": ("GRU", "GRUCell"), "rnn": ("SimpleRNN", "RNNCell")}


@dataclass(frozen=True)
class Recurrent:
    """One recurrent layer: its kind, widths (several: an ``RNN`` over stacked cells)."""

    kind: str
    widths: tuple[int, ...]
    bias: bool = True
    reset_after: bool = True
    bidirectional: bool = False
    merge: str = "concat"

    def output_width(self) -> int:
        doubled = self.bidirectional and self.merge == "concat"
        return self.widths[-1] * (2 if doubled else 1)


@dataclass(frozen=True)
class Dense:
    units: int
    bias: bool = True
    time_distributed: bool = False


@dataclass(frozen=True)
class Description:
    """A sequence model: the input, then each part in the order it runs."""

    length: int | None
    features: int
    vocabulary: int = 0  # tokens through an Embedding of this many rows, 0 for features
    mask_zero: bool = False
    conv: tuple[int, int, int, str] | None = None  # filters, kernel, stride, padding
    encoder: tuple[Recurrent, ...] = ()
    sequences: bool = True  # the encoder's last layer returns every step
    repeat: int = 0  # RepeatVector(n) of the encoder's last output, then the decoder
    decoder: Recurrent | None = None
    norm: bool = False
    dropout: bool = False
    dense: tuple[Dense, ...] = field(default_factory=tuple)


SIZES = st.integers(1, 6)


@st.composite
def recurrent(draw: st.DrawFn) -> Recurrent:
    kind = draw(st.sampled_from(tuple(KINDS)))
    cells = draw(st.sampled_from((1, 1, 2)))
    return Recurrent(
        kind,
        tuple(draw(SIZES) for _ in range(cells)),
        bias=draw(st.booleans()),
        reset_after=draw(st.booleans()),
        bidirectional=cells == 1 and draw(st.booleans()),
        merge=draw(st.sampled_from(("concat", "sum", "mul", "ave"))),
    )


@st.composite
def descriptions(draw: st.DrawFn) -> Description:
    tokens = draw(st.booleans())
    conv = None
    if draw(st.booleans()):
        kernel = draw(st.integers(1, 3))
        conv = (
            draw(SIZES),
            kernel,
            draw(st.integers(1, 3)),
            draw(st.sampled_from(("valid", "same"))),
        )
    encoder = tuple(draw(st.lists(recurrent(), min_size=1, max_size=3)))
    repeat = draw(st.sampled_from((0, 0, 1, 3)))
    return Description(
        length=draw(st.sampled_from((None, None, 4, 9))),
        features=draw(SIZES),
        vocabulary=draw(st.integers(2, 12)) if tokens else 0,
        mask_zero=tokens and conv is None and draw(st.booleans()),
        conv=conv,
        encoder=encoder,
        sequences=not repeat and draw(st.booleans()),
        repeat=repeat,
        decoder=draw(recurrent()) if repeat else None,
        norm=draw(st.booleans()),
        dropout=draw(st.booleans()),
        dense=tuple(
            draw(
                st.lists(
                    st.builds(Dense, SIZES, st.booleans(), st.booleans()), min_size=0, max_size=2
                )
            )
        ),
    )


# ---------------------------------------------------------------- the Keras model


def keras_recurrent(part: Recurrent, sequences: bool) -> Any:
    layers = keras.layers
    options = {"use_bias": part.bias}
    if part.kind == "gru":
        options["reset_after"] = part.reset_after
    if len(part.widths) > 1:
        cell = getattr(layers, KINDS[part.kind][1].replace("RNNCell", "SimpleRNNCell"))
        return layers.RNN([cell(h, **options) for h in part.widths], return_sequences=sequences)
    layer = getattr(layers, KINDS[part.kind][0])(
        part.widths[0], return_sequences=sequences, **options
    )
    return layers.Bidirectional(layer, merge_mode=part.merge) if part.bidirectional else layer


def keras_model(d: Description) -> Any:
    layers = keras.layers
    if d.vocabulary:
        inputs = keras.Input((d.length,), dtype="int32")
        x = layers.Embedding(d.vocabulary, d.features, mask_zero=d.mask_zero)(inputs)
    else:
        inputs = x = keras.Input((d.length, d.features))
    if d.conv:
        filters, kernel, stride, padding = d.conv
        x = layers.Conv1D(filters, kernel, strides=stride, padding=padding)(x)
    for k, part in enumerate(d.encoder):
        last = k == len(d.encoder) - 1
        x = keras_recurrent(part, d.sequences or not last)(x)
        x = layers.Dropout(0.1)(x) if d.dropout and not last else x
    if d.repeat and d.decoder:
        x = keras_recurrent(d.decoder, True)(layers.RepeatVector(d.repeat)(x))
    x = layers.LayerNormalization()(x) if d.norm else x
    for dense in d.dense:
        layer = layers.Dense(dense.units, use_bias=dense.bias)
        sequence = len(x.shape) == 3
        x = (layers.TimeDistributed(layer) if dense.time_distributed and sequence else layer)(x)
    return keras.Model(inputs, x)


# ---------------------------------------------------------------- the PyTorch twin


def twin_recurrent(part: Recurrent, x: Any, sequences: bool) -> Any:
    """``x`` (1, T, f) through ``part``, each layer and direction stepped as its cell
    with random weights of the same shapes."""
    cell_class = getattr(torch.nn, KINDS[part.kind][1])
    directions = []
    for backwards in (False, True)[: 2 if part.bidirectional else 1]:
        sequence = x
        for h in part.widths:
            cell = cell_class(sequence.shape[-1], h, bias=part.bias)
            state = torch.zeros(1, h)
            memory = torch.zeros(1, h)
            steps = range(sequence.shape[1])
            outputs = [None] * sequence.shape[1]
            for t in reversed(steps) if backwards else steps:
                if part.kind == "lstm":
                    state, memory = cell(sequence[:, t], (state, memory))
                else:
                    state = cell(sequence[:, t], state)
                outputs[t] = state
            sequence = torch.stack(outputs, dim=1)
        directions.append(sequence if sequences else sequence[:, 0 if backwards else -1])
    if len(directions) == 1:
        return directions[0]
    forward, backward = directions
    merged = {
        "concat": lambda: torch.cat([forward, backward], dim=-1),
        "sum": lambda: forward + backward,
        "mul": lambda: forward * backward,
        "ave": lambda: (forward + backward) / 2,
    }
    return merged[part.merge]()


def twin(d: Description, steps: int) -> Any:
    """The twin's forward pass on one example of ``steps`` (or the recorded length)."""
    length = d.length or steps
    if d.vocabulary:
        x = F.embedding(
            torch.zeros(1, length, dtype=torch.long), torch.randn(d.vocabulary, d.features)
        )
    else:
        x = torch.randn(1, length, d.features)
    if d.conv:
        filters, kernel, stride, padding = d.conv
        if padding == "same":  # Keras pads so that the output is ceil(T / stride) long
            out = math.ceil(length / stride)
            total = max((out - 1) * stride + kernel - length, 0)
            x = F.pad(x.transpose(1, 2), (total // 2, total - total // 2))
        else:
            x = x.transpose(1, 2)
        x = F.conv1d(x, torch.randn(filters, x.shape[1], kernel), stride=stride).transpose(1, 2)
    for k, part in enumerate(d.encoder):
        x = twin_recurrent(part, x, d.sequences or k < len(d.encoder) - 1)
    if d.repeat and d.decoder:
        x = twin_recurrent(d.decoder, x.unsqueeze(1).expand(-1, d.repeat, -1), True)
    x = F.layer_norm(x, x.shape[-1:]) if d.norm else x
    for dense in d.dense:
        x = F.linear(
            x,
            torch.randn(dense.units, x.shape[-1]),
            torch.randn(dense.units) if dense.bias else None,
        )
    return x


def twin_macs(d: Description, steps: int) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        twin(d, steps)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


# ---------------------------------------------------------------- the tests


def runs_at_least_once(d: Description, steps: int) -> bool:
    """Whether a "valid" convolution has an output at all for the sequence's length."""
    if not d.conv or d.conv[3] != "valid":
        return True
    return (d.length or steps) >= d.conv[1]


@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(d=descriptions(), steps=st.integers(3, 12))
def test_a_random_keras_model_reconciles_and_works_as_its_pytorch_twin(
    d: Description, steps: int
) -> None:
    note(f"reproduce with LSTM_WIDGET_TWIN_SEED={SEED}")
    note(repr(d))
    if not runs_at_least_once(d, steps):
        steps = d.conv[1] if d.conv else steps
    model = keras_model(d)
    report = explain(model, steps=steps)
    assert report.matches and report.unexplained == (), report.text()
    assert report.framework_total == model.count_params()
    rows = {row.name: row.params for row in report.rows()}
    assert rows == {layer.name: layer.count_params() for layer in model.layers}
    assert report.sequence_macs() == twin_macs(d, steps), report.text()
    assert not details_disagree(report), report.text(details=True)
    assert max(map(len, report.text().splitlines())) <= 100
