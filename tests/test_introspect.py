"""Explaining live Keras 3 and PyTorch models, reconciled against the frameworks.

Every expected number here is the framework's own (``count_params()``, ``numel()``,
the weights' shapes and names), computed in the test from the real model.
"""

import math
import subprocess
import sys
from collections.abc import Callable

import keras
import numpy as np
import pytest
import torch
from keras import layers
from torch_examples import TiedLanguageModel

from lstm_widget import breakdown, explain
from lstm_widget.counting import plain
from lstm_widget.introspect import ExplainedLayer, IntrospectionError, ModelReport
from lstm_widget.style import HIGH_CONTRAST

pytestmark = pytest.mark.frameworks


def keras_tensors(*owners: keras.layers.Layer) -> dict[str, tuple[int, ...]]:
    """The framework's tensors, in its order: what a breakdown must name and shape."""
    return {w.path: tuple(w.shape) for owner in owners for w in owner.weights}


def torch_tensors(module: torch.nn.Module, prefix: str = "") -> dict[str, tuple[int, ...]]:
    return {f"{prefix}{n}": tuple(p.shape) for n, p in module.named_parameters()}


def torch_total(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def assert_reconciled(report: ModelReport, framework_total: int, source: str) -> None:
    assert report.framework_total == framework_total
    assert report.explained_total + report.unexplained_total == framework_total
    assert report.matches
    assert all(item.matches for item in report.items)
    # A long sentence wraps to the report's width; its words are what is checked.
    assert f"matches {source} = {framework_total:,}." in " ".join(report.text().split())


def test_seed_model_is_480_plus_11() -> None:
    model = keras.Sequential(
        [
            keras.Input((None, 1)),
            layers.LSTM(10, return_sequences=True, name="lstm"),
            layers.TimeDistributed(layers.Dense(1), name="time_distributed"),
        ]
    )
    report = explain(model)
    lstm, head = model.layers
    (item,) = report.items
    assert report.framework == "keras"
    assert (item.path, item.class_name) == ("lstm", "LSTM")
    assert item.head is not None
    assert (item.head.path, item.head.class_name) == ("time_distributed", "TimeDistributed")
    assert item.breakdown.layer_totals == (lstm.count_params(),)
    assert item.breakdown.dense_total == head.count_params()
    assert item.breakdown.tensors() == keras_tensors(lstm, head)
    assert list(item.breakdown.tensors()) == list(keras_tensors(lstm, head))
    assert report.unexplained == ()
    assert_reconciled(report, model.count_params(), "Keras count_params()")
    assert (
        f"lstm_widget explains {model.count_params():,} of {model.count_params():,} parameters"
        in report.text()
    )


def test_bidirectional_stack_with_folded_head() -> None:
    model = keras.Sequential(
        [
            keras.Input((None, 6)),
            layers.Bidirectional(layers.LSTM(8, return_sequences=True)),
            layers.Bidirectional(layers.GRU(5, reset_after=False, return_sequences=True)),
            layers.Dropout(0.2),
            layers.Bidirectional(layers.SimpleRNN(4, use_bias=False)),
            layers.Dense(3),
        ]
    )
    report = explain(model)
    lstm, gru, _, rnn, dense = model.layers
    assert [item.breakdown.settings.cell for item in report.items] == ["lstm", "gru", "rnn"]
    assert all(item.breakdown.settings.bidirectional for item in report.items)
    assert [item.breakdown.total for item in report.items] == [
        lstm.count_params(),
        gru.count_params(),
        rnn.count_params() + dense.count_params(),
    ]
    for item, owners in zip(report.items, [(lstm,), (gru,), (rnn, dense)], strict=True):
        assert item.breakdown.tensors() == keras_tensors(*owners)
    assert report.items[1].breakdown.settings.input_size == 16  # concat of 2 × 8
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_keras_layers_of_different_widths_are_one_stack_of_8299() -> None:
    """LSTM(32) → LSTM(18) → Dense(1) on 3 features: 4,608 + 3,672 + 19 = 8,299."""
    model = keras.Sequential(
        [
            keras.Input((None, 3)),
            layers.LSTM(32, return_sequences=True),
            layers.LSTM(18),
            layers.Dense(1),
        ]
    )
    report = explain(model)
    first, second, dense = model.layers
    (item,) = report.items
    assert model.count_params() == 8_299
    assert item.title == f"{first.name} (LSTM) + {second.name} (LSTM) + {dense.name} (Dense)"
    assert item.breakdown.settings.units == (32, 18)
    assert item.breakdown.layer_totals == (first.count_params(), second.count_params())
    assert item.breakdown.layer_totals == (4_608, 3_672)
    assert item.breakdown.total == 8_299
    # The model's own tensor names, in its order, for every layer of the stack.
    assert item.breakdown.tensors() == keras_tensors(first, second, dense)
    assert list(item.breakdown.tensors()) == list(keras_tensors(first, second, dense))
    assert_reconciled(report, 8_299, "Keras count_params()")


def test_keras_recurrent_layers_that_do_not_feed_each_other_stay_apart() -> None:
    # The second LSTM takes 8 features, as the first hands on, but from another input.
    a, b = keras.Input((None, 3)), keras.Input((None, 8))
    first = layers.LSTM(8, return_sequences=True)
    second = layers.LSTM(4)
    model = keras.Model([a, b], [first(a), second(b)])
    report = explain(model)
    assert [item.breakdown.settings.units for item in report.items] == [8, 4]
    assert [item.breakdown.settings.layers for item in report.items] == [1, 1]
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_dense_after_summed_bidirectional_is_listed_not_folded() -> None:
    model = keras.Sequential(
        [
            keras.Input((None, 10)),
            layers.Bidirectional(layers.LSTM(20), merge_mode="sum"),
            layers.Dense(5, name="head"),
        ]
    )
    report = explain(model)
    bidirectional, dense = model.layers
    (item,) = report.items
    assert item.head is None
    assert item.breakdown.total == bidirectional.count_params()
    (other,) = report.counted
    assert (other.path, other.class_name) == ("head", "Dense")
    assert other.framework_count == dense.count_params()
    assert "not the 40 the recurrent layer before it concatenates" in other.note
    assert_reconciled(report, model.count_params(), "Keras count_params()")


@pytest.mark.parametrize("reset_after", [False, True])
def test_keras_gru_reset_after(reset_after: bool) -> None:
    model = keras.Sequential([keras.Input((7, 4)), layers.GRU(5, reset_after=reset_after)])
    report = explain(model)
    (item,) = report.items
    assert item.breakdown.settings.reset_after is reset_after
    assert item.breakdown.tensors() == keras_tensors(model.layers[0])
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_keras_simple_rnn_and_conv1d_listed_as_not_explained() -> None:
    model = keras.Sequential(
        [
            keras.Input((None, 3)),
            layers.Conv1D(6, 3, name="conv"),
            layers.SimpleRNN(9),
        ]
    )
    report = explain(model)
    conv, rnn = model.layers
    (item,) = report.items
    assert item.breakdown.settings.input_size == 6
    assert item.breakdown.total == rnn.count_params()
    (other,) = report.counted
    assert (other.path, other.class_name, other.framework_count) == (
        "conv",
        "Conv1D",
        conv.count_params(),
    )
    assert_reconciled(report, model.count_params(), "Keras count_params()")
    assert "Conv1D" in report.text()


def test_keras_conv_lstm_stack_is_explained_filters_kernels_and_all() -> None:
    """The asker's two ConvLSTM2D(16, (3, 3)): 9,856 on 1 channel, 18,496 on 16."""
    model = keras.Sequential(
        [
            keras.Input((None, 8, 8, 1)),
            layers.ConvLSTM2D(16, (3, 3), return_sequences=True),
            layers.ConvLSTM2D(16, (3, 3)),
        ]
    )
    report = explain(model)
    assert not report.unexplained
    per_layer = [total for item in report.items for total in item.breakdown.layer_totals]
    assert per_layer == [9_856, 18_496]
    settings = report.items[0].breakdown.settings
    assert (settings.cell, settings.kernel, settings.units, settings.input_size) == (
        "convlstm", (3, 3), 16, 1,
    )  # fmt: skip
    shown = {name: shape for item in report.items for name, shape in item.framework_tensors}
    assert shown == keras_tensors(*model.layers)
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_keras_conv_lstm_counts_the_same_whatever_its_data_format_strides_or_padding() -> None:
    model = keras.Sequential(
        [
            keras.Input((None, 2, 9, 9)),  # channels first
            layers.ConvLSTM2D(
                5, (3, 2), strides=2, padding="same", data_format="channels_first",
                use_bias=False,
            ),
        ]
    )  # fmt: skip
    (item,) = explain(model).items
    settings = item.breakdown.settings
    assert (settings.input_size, settings.units, settings.kernel, settings.bias) == (
        2, 5, (3, 2), False,
    )  # fmt: skip
    assert_reconciled(explain(model), model.count_params(), "Keras count_params()")


@pytest.mark.parametrize("dims", [1, 3])
def test_keras_bidirectional_conv_lstm_with_a_dense_head(dims: int) -> None:
    conv = getattr(layers, f"ConvLSTM{dims}D")(4, (2,) * dims, return_sequences=True)
    model = keras.Sequential(
        [
            keras.Input((None, *(5,) * dims, 3)),
            layers.Bidirectional(conv),
            layers.TimeDistributed(layers.Dense(2)),
        ]
    )
    report = explain(model)
    (item,) = report.items
    assert item.breakdown.settings.bidirectional and item.breakdown.settings.dense == 2
    assert item.breakdown.settings.kernel == (2,) * dims
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_keras_functional_model_with_nested_model() -> None:
    inner = keras.Sequential(
        [keras.Input((None, 8)), layers.LSTM(4, name="encoder")], name="inner"
    )
    inputs = keras.Input((None, 5))
    x = layers.Dense(8, name="project")(inputs)
    outputs = layers.Dense(2, name="out")(inner(x))
    model = keras.Model(inputs, outputs)
    report = explain(model)
    (item,) = report.items
    assert item.path == "inner/encoder"
    assert item.head is not None and item.head.path == "out"
    assert [u.path for u in report.counted] == ["project"]
    assert "not right after an explained recurrent layer" in report.counted[0].note
    assert_reconciled(report, model.count_params(), "Keras count_params()")


#: A model, its recurrent layer and the Dense after it.
Built = tuple[keras.Model, keras.layers.Layer, keras.layers.Layer]


def test_dense_on_another_input_is_not_folded() -> None:
    sequences, features = keras.Input((None, 3)), keras.Input((5,))
    lstm, dense = layers.LSTM(5, name="lstm"), layers.Dense(2, name="dense")
    model = keras.Model([sequences, features], [lstm(sequences), dense(features)])
    report = explain(model)
    assert [item.title for item in report.items] == ["lstm (LSTM)"]
    assert report.items[0].breakdown.total == lstm.count_params()
    (other,) = report.counted
    assert (other.path, other.framework_count) == ("dense", dense.count_params())
    assert "not fed by the recurrent layer before it" in other.note
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def dense_on_lstm_plus_another_input() -> Built:
    sequences, features = keras.Input((None, 3)), keras.Input((5,))
    lstm, dense = layers.LSTM(5, name="lstm"), layers.Dense(2, name="dense")
    model = keras.Model([sequences, features], dense(layers.Add()([lstm(sequences), features])))
    return model, lstm, dense


def dense_on_pooled_sequences() -> Built:
    sequences = keras.Input((None, 3))
    lstm, dense = layers.LSTM(5, return_sequences=True, name="lstm"), layers.Dense(2, name="dense")
    model = keras.Model(sequences, dense(layers.GlobalAveragePooling1D()(lstm(sequences))))
    return model, lstm, dense


@pytest.mark.parametrize("build", [dense_on_lstm_plus_another_input, dense_on_pooled_sequences])
def test_dense_behind_a_weightless_layer_that_mixes_or_reshapes_is_not_folded(
    build: Callable[[], Built],
) -> None:
    model, lstm, dense = build()
    report = explain(model)
    (item,) = report.items
    assert item.head is None and item.breakdown.total == lstm.count_params()
    (other,) = report.counted
    assert (other.path, other.framework_count) == ("dense", dense.count_params())
    assert "not fed by the recurrent layer before it" in other.note
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_shared_layers_fold_only_when_every_call_takes_the_recurrent_output() -> None:
    left, right, other = keras.Input((None, 3)), keras.Input((None, 3)), keras.Input((4,))
    lstm, head = layers.LSTM(4, name="shared_lstm"), layers.Dense(2, name="head")
    both = keras.Model([left, right], [head(lstm(left)), head(lstm(right))])
    (item,) = explain(both).items
    assert item.head is not None and item.head.path == "head"
    assert_reconciled(explain(both), both.count_params(), "Keras count_params()")

    mixed = keras.Model([left, other], [head(lstm(left)), head(other)])
    report = explain(mixed)
    assert [item.head for item in report.items] == [None]
    assert [u.path for u in report.counted] == ["head"]
    assert_reconciled(report, mixed.count_params(), "Keras count_params()")


class EncoderHead(keras.Model):
    """A subclassed model: its layers run eagerly, so Keras records no graph."""

    def __init__(self) -> None:
        super().__init__(name="encoder_head")
        self.rnn = layers.LSTM(4)
        self.drop = layers.Dropout(0.2)
        self.head = layers.Dense(2)

    def call(self, x: object) -> object:
        return self.head(self.drop(self.rnn(x)))


def test_subclassed_keras_model_folds_its_dense_in_the_order_of_definition() -> None:
    model = EncoderHead()
    model(np.zeros((1, 3, 2), dtype="float32"))
    report = explain(model)
    (item,) = report.items
    assert item.head is not None and item.head.path == model.head.name
    assert item.breakdown.tensors() == keras_tensors(model.rnn, model.head)
    assert item.breakdown.total == model.count_params()
    assert report.unexplained == ()
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def lstm_dropout_dense_sequential() -> Built:
    lstm, dense = layers.LSTM(6), layers.Dense(2)
    model = keras.Sequential([keras.Input((7, 3)), lstm, layers.Dropout(0.2), dense])
    return model, lstm, dense


def lstm_dropout_dense_functional() -> Built:
    lstm, dense = layers.LSTM(6), layers.Dense(2)
    sequences = keras.Input((7, 3))
    return keras.Model(sequences, dense(layers.Dropout(0.2)(lstm(sequences)))), lstm, dense


def lstm_weightless_chain_dense() -> Built:
    lstm, dense = layers.LSTM(6, return_sequences=True), layers.Dense(2)
    chain = [
        layers.SpatialDropout1D(0.2),
        layers.GaussianNoise(0.1),
        layers.GaussianDropout(0.1),
        layers.Activation("tanh"),
        layers.ActivityRegularization(),
        layers.Identity(),
    ]
    return keras.Sequential([keras.Input((7, 3)), lstm, *chain, dense]), lstm, dense


def dropout_inside_and_after_a_nested_model() -> Built:
    lstm, dense = layers.LSTM(6), layers.Dense(2)
    encoder = keras.Sequential([keras.Input((7, 3)), lstm, layers.AlphaDropout(0.1)])
    sequences = keras.Input((7, 3))
    model = keras.Model(sequences, dense(layers.Dropout(0.2)(encoder(sequences))))
    return model, lstm, dense


@pytest.mark.parametrize(
    "build",
    [
        lstm_dropout_dense_sequential,
        lstm_dropout_dense_functional,
        lstm_weightless_chain_dense,
        dropout_inside_and_after_a_nested_model,
    ],
)
def test_dense_behind_weightless_layers_is_folded(build: Callable[[], Built]) -> None:
    model, lstm, dense = build()
    report = explain(model)
    (item,) = report.items
    assert item.path.endswith(lstm.name)
    assert item.head is not None and item.head.path.endswith(dense.name)
    assert item.breakdown.tensors() == keras_tensors(lstm, dense)
    assert item.breakdown.total == model.count_params()
    assert report.unexplained == ()
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def masked_tagger_sequential() -> Built:
    lstm = layers.LSTM(6, return_sequences=True)
    dense = layers.TimeDistributed(layers.Dense(2))
    tokens = keras.Input((None,), dtype="int32")
    masked = layers.Embedding(20, 3, mask_zero=True)
    return keras.Sequential([tokens, masked, lstm, dense]), lstm, dense


def masked_tagger_functional() -> Built:
    lstm = layers.LSTM(6, return_sequences=True)
    dense = layers.TimeDistributed(layers.Dense(2))
    tokens = keras.Input((None,), dtype="int32")
    masked = layers.Embedding(20, 3, mask_zero=True)(tokens)
    return keras.Model(tokens, dense(lstm(masked))), lstm, dense


def head_in_a_nested_model_with_its_input() -> Built:
    lstm, dense = layers.LSTM(4), layers.Dense(2)
    head = keras.Sequential([keras.Input((4,)), dense])
    return keras.Sequential([keras.Input((None, 3)), lstm, head]), lstm, dense


def head_in_a_nested_model_without_input() -> Built:
    lstm, dense = layers.LSTM(4), layers.Dense(2)
    head = keras.Sequential([dense])
    return keras.Sequential([keras.Input((None, 3)), lstm, head]), lstm, dense


def dense_on_the_final_hidden_state() -> Built:
    lstm, dense = layers.LSTM(4, return_sequences=True, return_state=True), layers.Dense(2)
    sequences = keras.Input((None, 3))
    _, hidden, _ = lstm(sequences)
    return keras.Model(sequences, dense(hidden)), lstm, dense


@pytest.mark.parametrize(
    "build",
    [
        masked_tagger_sequential,
        masked_tagger_functional,
        head_in_a_nested_model_with_its_input,
        head_in_a_nested_model_without_input,
        dense_on_the_final_hidden_state,
    ],
)
def test_dense_fed_through_a_mask_a_nested_input_or_a_state_is_folded(
    build: Callable[[], Built],
) -> None:
    model, lstm, dense = build()
    report = explain(model)
    (item,) = report.items
    assert item.path == lstm.name
    assert item.head is not None and item.head.path.split("/")[-1] == dense.name
    assert item.breakdown.tensors() == keras_tensors(lstm, dense)
    assert item.breakdown.total == lstm.count_params() + dense.count_params()
    assert not any("not fed" in other.reason for other in report.unexplained)
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def nested_head_on_another_input() -> Built:
    sequences, features = keras.Input((None, 3)), keras.Input((5,))
    lstm, dense = layers.LSTM(5), layers.Dense(2)
    head = keras.Sequential([keras.Input((5,)), dense])
    return keras.Model([sequences, features], [lstm(sequences), head(features)]), lstm, dense


def nested_head_also_called_on_another_input() -> Built:
    sequences, features = keras.Input((None, 3)), keras.Input((5,))
    lstm, dense = layers.LSTM(5), layers.Dense(2)
    head = keras.Sequential([keras.Input((5,)), layers.Dropout(0.1), dense])
    return keras.Model([sequences, features], [head(lstm(sequences)), head(features)]), lstm, dense


@pytest.mark.parametrize(
    "build", [nested_head_on_another_input, nested_head_also_called_on_another_input]
)
def test_nested_head_given_another_input_is_not_folded(build: Callable[[], Built]) -> None:
    model, lstm, dense = build()
    report = explain(model)
    (item,) = report.items
    assert item.head is None and item.breakdown.total == lstm.count_params()
    (other,) = report.counted
    assert other.path.split("/")[-1] == dense.name
    assert other.framework_count == dense.count_params()
    assert "not fed by the recurrent layer before it" in other.note
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_sequential_built_without_input_still_folds_its_head() -> None:
    model = keras.Sequential([layers.LSTM(4), layers.Dense(2)])
    model(np.zeros((1, 3, 2), dtype="float32"))
    (item,) = explain(model).items
    assert item.head is not None
    assert item.breakdown.total == model.count_params()


def lstm_then_dense(units: int) -> keras.Sequential:
    return keras.Sequential(
        [keras.Input((5, 3)), layers.LSTM(4, return_sequences=True), layers.Dense(units)]
    )


def test_keras_dense_with_lora_is_listed_with_its_real_count() -> None:
    model = lstm_then_dense(2)
    lstm, dense = model.layers
    dense.enable_lora(2)
    report = explain(model)
    (item,) = report.items
    assert item.head is None and item.breakdown.total == lstm.count_params()
    (other,) = report.unexplained
    assert other.framework_count == dense.count_params()
    assert other.reason == "extra or reparametrised weights: lora_kernel_a, lora_kernel_b"
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_int8_quantised_keras_dense_is_listed_with_its_real_count() -> None:
    model = lstm_then_dense(8)
    model.quantize("int8")
    lstm, dense = model.layers
    report = explain(model)
    assert [item.breakdown.total for item in report.items] == [lstm.count_params()]
    (other,) = report.unexplained
    assert other.framework_count == dense.count_params()
    assert "kernel_scale" in other.reason
    assert_reconciled(report, model.count_params(), "Keras count_params()")


class LSTMWithInitialState(layers.LSTM):
    """A Keras LSTM that learns its initial state: one weight more than LSTM holds."""

    def build(self, sequences_shape: tuple[int, ...], initial_state_shape: object = None) -> None:
        super().build(sequences_shape, initial_state_shape)
        self.h0 = self.add_weight(shape=(self.units,), name="h0", initializer="zeros")


def test_keras_lstm_with_an_extra_weight_is_not_explained() -> None:
    model = keras.Sequential([keras.Input((5, 3)), LSTMWithInitialState(4), layers.Dense(2)])
    lstm, dense = model.layers
    report = explain(model)
    assert report.items == ()
    (other,) = report.unexplained
    assert (other.class_name, other.framework_count) == (
        "LSTMWithInitialState",
        lstm.count_params(),
    )
    assert other.reason == "extra or reparametrised weights: h0"
    (counted,) = report.counted  # the Dense, counted on its own
    assert (counted.class_name, counted.framework_count) == ("Dense", dense.count_params())
    assert "not right after an explained recurrent layer" in counted.note
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_single_built_keras_layer() -> None:
    layer = layers.LSTM(6, name="alone")
    layer.build((None, None, 3))
    report = explain(layer)
    (item,) = report.items
    assert item.path == "alone"
    assert item.breakdown.tensors() == keras_tensors(layer)
    assert_reconciled(report, layer.count_params(), "Keras count_params()")


def test_single_built_keras_cell() -> None:
    cell = layers.GRUCell(5, reset_after=False)
    cell.build((None, 3))
    report = explain(cell)
    (item,) = report.items
    assert item.breakdown.settings.reset_after is False
    assert item.breakdown.tensors() == keras_tensors(cell)
    assert_reconciled(report, cell.count_params(), "Keras count_params()")


class Scaled(keras.Model):
    """A subclassed model that owns a weight outside its layers."""

    def __init__(self) -> None:
        super().__init__(name="scaled")
        self.rnn = layers.LSTM(4)
        self.scale = self.add_weight(shape=(4,), name="scale")

    def call(self, x: object) -> object:
        return self.rnn(x) * self.scale


def test_weights_a_keras_model_holds_itself_are_listed() -> None:
    model = Scaled()
    model(np.zeros((1, 3, 2), dtype="float32"))
    report = explain(model)
    (item,) = report.items
    assert item.breakdown.total == model.rnn.count_params()
    (own,) = report.unexplained
    assert (own.path, own.framework_count) == ("scaled", math.prod(model.scale.shape))
    assert_reconciled(report, model.count_params(), "Keras count_params()")


def test_unbuilt_keras_model_says_to_build_it() -> None:
    with pytest.raises(IntrospectionError, match=r"^m \(Sequential .*\) is not built yet"):
        explain(keras.Sequential([layers.LSTM(3)]), name="m")


def test_torch_lstm_with_projection_and_layers() -> None:
    lstm = torch.nn.LSTM(10, 20, num_layers=2, proj_size=5, bidirectional=True)
    report = explain(lstm)
    (item,) = report.items
    settings = item.breakdown.settings
    assert (settings.layers, settings.proj_size, settings.bidirectional) == (2, 5, True)
    assert item.breakdown.tensors() == torch_tensors(lstm)
    assert list(item.breakdown.tensors()) == list(torch_tensors(lstm))
    assert_reconciled(report, torch_total(lstm), "PyTorch sum(p.numel() for p in parameters())")


class Tapered(torch.nn.Module):
    """Two widths, which only separate modules hold, then a layer that does not fit."""

    def __init__(self) -> None:
        super().__init__()
        self.wide = torch.nn.LSTM(3, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.narrow = torch.nn.LSTM(64, 18, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(36, 1)
        self.other = torch.nn.LSTM(10, 18)  # its input is not what the head hands on


def test_torch_modules_of_different_widths_are_one_stack_in_order_of_definition() -> None:
    model = Tapered()
    report = explain(model)
    stack, other = report.items
    assert stack.title == "wide (LSTM) + narrow (LSTM) + head (Linear)"
    settings = stack.breakdown.settings
    assert (settings.units, settings.layers, settings.bidirectional) == ((32, 32, 18), 3, True)
    ours = torch_tensors(model.wide, "wide.") | torch_tensors(model.narrow, "narrow.")
    ours |= torch_tensors(model.head, "head.")
    assert stack.breakdown.tensors() == ours
    assert list(stack.breakdown.tensors()) == list(ours), "the modules' own names, in order"
    assert stack.breakdown.total == torch_total(model) - torch_total(model.other)
    assert (other.path, other.breakdown.settings.units) == ("other", 18)
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


class Tagger(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(100, 8)
        self.rnn = torch.nn.GRU(8, 16, num_layers=2, batch_first=True, bidirectional=True)
        self.drop = torch.nn.Dropout(0.1)
        self.out = torch.nn.Linear(32, 4)


def test_torch_embedding_gru_linear() -> None:
    model = Tagger()
    report = explain(model)
    (item,) = report.items
    assert (item.path, item.class_name) == ("rnn", "GRU")
    assert item.head is not None and item.head.path == "out"
    assert item.breakdown.tensors() == {
        **torch_tensors(model.rnn, "rnn."),
        **torch_tensors(model.out, "out."),
    }
    assert item.breakdown.total == torch_total(model.rnn) + torch_total(model.out)
    (other,) = report.counted
    assert (other.path, other.class_name) == ("embed", "Embedding")
    assert other.framework_count == model.embed.weight.numel()
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


class DroppedHead(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = torch.nn.LSTM(3, 6, batch_first=True)
        self.drop = torch.nn.Dropout(0.2)
        self.out = torch.nn.Linear(6, 2)


@pytest.mark.parametrize(
    "model",
    [
        DroppedHead(),
        torch.nn.Sequential(torch.nn.LSTM(3, 6), torch.nn.Dropout(0.2), torch.nn.Linear(6, 2)),
    ],
    ids=["module", "sequential"],
)
def test_torch_linear_after_dropout_is_folded(model: torch.nn.Module) -> None:
    (rnn_name, rnn), _, (out_name, out) = model.named_children()
    report = explain(model)
    (item,) = report.items
    assert (item.path, item.head and item.head.path) == (rnn_name, out_name)
    assert item.breakdown.tensors() == {
        **torch_tensors(rnn, f"{rnn_name}."),
        **torch_tensors(out, f"{out_name}."),
    }
    assert item.breakdown.total == torch_total(model)
    assert report.unexplained == ()
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


def test_torch_linear_of_another_width_is_listed() -> None:
    model = torch.nn.Sequential(torch.nn.RNN(3, 7, nonlinearity="relu", bias=False))
    model.append(torch.nn.Linear(5, 2))
    report = explain(model)
    (item,) = report.items
    assert item.breakdown.settings.bias is False
    assert item.breakdown.total == torch_total(model[0])
    assert [u.framework_count for u in report.counted] == [torch_total(model[1])]
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


@pytest.mark.parametrize(
    "cell", [torch.nn.LSTMCell(4, 6), torch.nn.GRUCell(4, 6), torch.nn.RNNCell(4, 6, bias=False)]
)
def test_torch_cells_are_one_layer_modules(cell: torch.nn.Module) -> None:
    report = explain(cell)
    (item,) = report.items
    assert item.path == ""
    assert item.breakdown.tensors() == torch_tensors(cell)
    assert_reconciled(report, torch_total(cell), "PyTorch sum(p.numel() for p in parameters())")


def test_a_tied_weight_is_counted_once_and_named_in_both_rows() -> None:
    """The decoder used to be *not explained, shares parameters with an earlier module*,
    although its 1,000 bias values are its own."""
    model = TiedLanguageModel()
    report = explain(model)
    assert report.unexplained == ()
    (item,) = report.items
    assert item.head is None, "a head of its own would count the shared weight twice"
    rows = {row.name: row for row in report.rows()}
    assert rows["emb"].params == model.emb.weight.numel()
    assert rows["dec"].params == model.dec.bias.numel() == 1000
    # The formulas wrap in their column; each row's is checked whole.
    assert plain(rows["emb"].formula) == "1,000 × 32 = 32,000; weight shared with dec"
    assert plain(rows["dec"].formula).endswith(
        "1,000 = 1,000; weight (1000, 32) shared with emb, counted there"
    )
    text = " ".join(report.text().split())
    assert "dec (Linear): a dense layer whose weight is emb's (tied), counted there" in text
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


def test_a_tied_decoder_without_a_bias_keeps_its_row() -> None:
    model = TiedLanguageModel(bias=False)
    report = explain(model)
    (dec,) = [layer for layer in report.counted if layer.path == "dec"]
    assert dec.count.total == 0 and dec.work_count.macs() == 32 * 1000
    (row,) = [row for row in report.rows() if row.name == "dec"]
    assert plain(row.formula) == "0; weight (1000, 32) shared with emb, counted there"
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


class BiLSTMCRF(torch.nn.Module):
    """A BiLSTM-CRF tagger: the CRF's transition scores are the model's own tensor."""

    def __init__(self, tags: int = 5) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(4, 8, bidirectional=True)
        self.hidden2tag = torch.nn.Linear(16, tags)
        self.transitions = torch.nn.Parameter(torch.randn(tags, tags))
        self.unused = torch.nn.Parameter(torch.empty(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        emissions = self.hidden2tag(self.lstm(x)[0])
        return emissions + self.transitions[0]


def test_the_models_own_tensor_is_named_and_an_empty_one_ignored() -> None:
    """A zero-element parameter on the root module made a blank row, *not explained 0*;
    a CRF's ``transitions`` a row with a blank name."""
    model = BiLSTMCRF()
    report = explain(model)
    (own,) = report.unexplained
    assert (own.framework_count, own.tensors) == (25, (("transitions", (5, 5)),))
    assert own.reason == "the model's own, outside its layers"
    (row,) = [row for row in report.rows() if row.family == "unexplained"]
    assert (row.name, row.kind, row.params) == ("BiLSTMCRF", "BiLSTMCRF", 25)
    assert "transitions (5, 5)" in report.text()
    assert "unused" not in report.text()
    assert all(row.name for row in report.rows())
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


def test_a_layers_extra_tensor_is_named_in_its_row() -> None:
    model = torch.nn.Sequential(torch.nn.GRU(3, 4), torch.nn.Linear(4, 2))
    model[1].register_parameter("scale", torch.nn.Parameter(torch.ones(2)))
    report = explain(model)
    (row,) = [row for row in report.rows() if row.family == "unexplained"]
    assert row.name == "1"
    assert "".join(text for text, _ in row.formula) == "weight (2, 4) + bias (2,) + scale (2,)"
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


class LearntInitialState(torch.nn.LSTM):
    """An LSTM that learns its initial state: one tensor more than nn.LSTM holds."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.h0 = torch.nn.Parameter(torch.zeros(1, 1, hidden_size))


def new_weight_norm(module: torch.nn.Module) -> None:
    torch.nn.utils.parametrizations.weight_norm(module, "weight_hh_l0")


def old_weight_norm(module: torch.nn.Module) -> None:
    with pytest.warns(FutureWarning):  # torch.nn.utils.weight_norm is deprecated
        torch.nn.utils.weight_norm(module, "weight_hh_l0")


@pytest.mark.parametrize(
    ("reparametrise", "reason"),
    [
        (
            new_weight_norm,
            "extra or reparametrised weights: parametrizations.weight_hh_l0.original0, "
            "parametrizations.weight_hh_l0.original1; missing weights: weight_hh_l0",
        ),
        (
            old_weight_norm,
            "extra or reparametrised weights: weight_hh_l0_g, weight_hh_l0_v; "
            "missing weights: weight_hh_l0",
        ),
    ],
)
def test_weight_normed_torch_lstm_is_listed_with_its_real_count(
    reparametrise: Callable[[torch.nn.Module], None], reason: str
) -> None:
    lstm = torch.nn.LSTM(3, 4)
    reparametrise(lstm)
    report = explain(lstm)
    assert report.items == ()
    (other,) = report.unexplained
    assert (other.framework_count, other.reason) == (torch_total(lstm), reason)
    assert_reconciled(report, torch_total(lstm), "PyTorch sum(p.numel() for p in parameters())")


def test_torch_lstm_with_a_learnt_initial_state_is_listed_and_its_head_too() -> None:
    model = torch.nn.Sequential(LearntInitialState(3, 4), torch.nn.Linear(4, 2))
    report = explain(model)
    assert report.items == ()
    (other,) = report.unexplained
    assert (other.path, other.framework_count) == ("0", torch_total(model[0]))
    assert other.reason == "extra or reparametrised weights: h0"
    assert [(c.path, c.framework_count) for c in report.counted] == [("1", torch_total(model[1]))]
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


def test_weight_normed_torch_linear_is_not_folded() -> None:
    model = torch.nn.Sequential(torch.nn.GRU(3, 4), torch.nn.Linear(4, 2))
    torch.nn.utils.parametrizations.weight_norm(model[1])
    report = explain(model)
    (item,) = report.items
    assert item.head is None and item.breakdown.total == torch_total(model[0])
    assert [u.framework_count for u in report.unexplained] == [torch_total(model[1])]
    assert_reconciled(report, torch_total(model), "PyTorch sum(p.numel() for p in parameters())")


def test_a_breakdown_that_disagrees_is_reported_as_a_mismatch() -> None:
    module = LearntInitialState(3, 4)
    item = ExplainedLayer(
        path="",
        class_name="LearntInitialState",
        breakdown=breakdown(framework="pytorch", input_size=3, units=4),
        framework_count=torch_total(module),
        framework_tensors=tuple(torch_tensors(module).items()),
    )
    report = ModelReport("pytorch", "LearntInitialState", (item,), (), torch_total(module))
    assert not item.matches
    assert not report.matches
    verdict = report.reconciliation()
    assert verdict.startswith(f"MISMATCH: lstm_widget counts {item.breakdown.total:,} explained")
    assert " ".join(report.text().split()).endswith(verdict), "the report's last words"
    assert "DOES NOT MATCH" in report.text()


def test_lazy_torch_module_says_to_run_it() -> None:
    model = torch.nn.Sequential(torch.nn.LazyLinear(3))
    with pytest.raises(IntrospectionError, match="run one batch through it first"):
        explain(model, name="net")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (3, "an int"),
        ("model", "a str"),
        (None, "None"),
        (np.zeros(3), "a numpy.ndarray"),
        (torch.zeros(3), "a torch.Tensor"),
        (keras.optimizers.Adam(), "a keras.Adam"),
    ],
)
def test_non_models_get_one_sentence(value: object, kind: str) -> None:
    with pytest.raises(IntrospectionError) as raised:
        explain(value, name="x")
    assert str(raised.value) == (
        f"x is {kind}, not a Keras model or layer, a PyTorch module, a Keras 2 model or "
        "layer, a built TensorFlow 1 cell or a Flax NNX module."
    )
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("cls", [torch.nn.LSTM, keras.layers.GRU, keras.Sequential])
def test_a_model_class_instead_of_a_model_says_so(cls: type) -> None:
    with pytest.raises(IntrospectionError) as raised:
        explain(cls, name="x")
    assert str(raised.value) == (
        f"x is the class {cls.__qualname__} itself; pass a model or layer built from it, "
        f"such as {cls.__qualname__}(...)."
    )


def test_html_uses_theme_and_escapes() -> None:
    model = keras.Sequential([keras.Input((None, 2)), layers.LSTM(3, name="a<b")])
    report = explain(model)
    page = report.html(HIGH_CONTRAST)
    assert HIGH_CONTRAST.background in page
    assert HIGH_CONTRAST.roles["recurrent"] in page
    assert "a&lt;b" in page and "a<b" not in page
    assert f"= {model.count_params():,}" in page
    assert report._repr_html_() != page  # the notebook repr uses the light theme


def test_html_draws_the_models_strip_and_each_explained_layer_unless_asked_not_to() -> None:
    model = keras.Sequential(
        [keras.Input((None, 2)), layers.Conv1D(4, 2), layers.GRU(3), layers.Dense(2)]
    )
    report = explain(model)
    image = '<img src="data:image/png;base64,'
    assert len(report.items) == 1 and report.counted
    assert report.html().count(image) == 1 + len(report.items)
    assert image not in report.html(diagrams=False)


def test_importing_introspect_loads_no_framework() -> None:
    code = (
        "import sys, lstm_widget, lstm_widget.introspect; "
        "print(sorted(m for m in ('keras', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_report_reads_well_in_a_terminal() -> None:
    from IPython.lib.pretty import pretty

    report = explain(torch.nn.LSTM(3, 4, num_layers=2))
    assert pretty(report) == report.text() == str(report)  # terminal IPython, print
    assert repr(report) == f"<ModelReport of PyTorch model: LSTM: {report.reconciliation()}>"


def test_a_model_report_is_json_data_with_every_row_totals_and_work() -> None:
    """to_dict(): every summary row with the framework's own count of its layer and its
    work, the totals with the trainable split, the sequence's MACs; JSON-safe."""
    import json

    x = keras.Input((None, 4))
    sequence = layers.LSTM(8, return_sequences=True)(layers.Conv1D(6, 3)(x))
    frozen = layers.Dense(2, trainable=False)
    model = keras.Model(x, frozen(layers.Dense(3)(sequence)))
    report = explain(model, steps=10)
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    rows = {row["name"]: row for row in data["rows"]}
    assert {name: rows[name]["params"] for name in rows} == {
        layer.name: layer.count_params() for layer in model.layers
    }
    assert data["totals"]["framework"] == model.count_params()
    assert data["totals"]["non_trainable"] == frozen.count_params()
    assert data["totals"]["trainable"] == sum(math.prod(w.shape) for w in model.trainable_weights)
    assert data["sequence_macs"] == report.sequence_macs() is not None
    assert data["sequence_flops"] == 2 * data["sequence_macs"]
    lstm = next(row for row in data["rows"] if row["type"] == "LSTM")
    assert lstm["work"]["runs"] == "8 steps"  # 10 frames, less the convolution's 2
    assert (
        sum(row["work"]["macs"] for row in data["rows"] if "work" in row) == data["sequence_macs"]
    )
    (stack,) = data["breakdowns"]
    assert stack["rows"] == [lstm["name"]] and rows[stack["head"]]["group"] == lstm["name"]
    assert stack["breakdown"]["total"] == lstm["params"] + rows[stack["head"]]["params"]

    y = keras.Input((8, None))
    open_axis = keras.Model(y, layers.LSTM(4)(layers.Permute((2, 1))(y)))
    unknown = explain(open_axis, steps=10).to_dict()
    assert json.loads(json.dumps(unknown)) == unknown
    assert unknown["sequence_macs"] is None and unknown["sequence_flops"] is None
    (row,) = [row for row in unknown["rows"] if row["type"] == "LSTM"]
    assert row["work"]["macs"] is None and "time axis" in row["work"]["not_known"]
    assert unknown["work_not_known"] == [f"{row['name']} (LSTM)"]


def test_keras_rnn_over_stacked_cells_is_one_stack() -> None:
    """RNN([LSTMCell(10), LSTMCell(10)]) on (5, 10): each cell a layer fed by the one
    below, 840 + 840 = 1,680, tensor by tensor as Keras holds them; cells of two
    widths too. A Bidirectional of stacked cells runs a stack per direction, which is
    no bidirectional stack: listed, with why."""
    model = keras.Sequential(
        [keras.Input((5, 10)), layers.RNN([layers.LSTMCell(10), layers.LSTMCell(10)])]
    )
    report = explain(model)
    assert_reconciled(report, model.count_params(), "Keras count_params()")
    (item,) = report.items
    assert item.breakdown.layer_totals == (840, 840) == (4 * (10 * 10 + 10 * 10 + 10),) * 2
    assert item.breakdown.tensors() == keras_tensors(model.layers[0])

    cells = [layers.GRUCell(8), layers.GRUCell(6, reset_after=True)]
    widths = keras.Sequential([keras.Input((5, 10)), layers.RNN(cells), layers.Dense(2)])
    report = explain(widths)
    assert_reconciled(report, widths.count_params(), "Keras count_params()")
    (item,) = report.items
    assert item.breakdown.settings.widths == (8, 6) and item.head is not None
    assert item.breakdown.tensors() == keras_tensors(*widths.layers)

    mixed = keras.Sequential(
        [keras.Input((5, 10)), layers.RNN([layers.LSTMCell(4), layers.GRUCell(4)])]
    )
    (other,) = explain(mixed).unexplained
    assert other.reason == "its stacked cells differ in kind or options"
    bidirectional = keras.Sequential(
        [
            keras.Input((5, 10)),
            layers.Bidirectional(layers.RNN([layers.GRUCell(8), layers.GRUCell(3)])),
        ]
    )
    (other,) = explain(bidirectional).unexplained
    assert other.reason == "each direction runs a stack of cells of its own"
