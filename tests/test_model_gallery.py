"""Whole models as people bring them: every parameter explained and reconciled.

Each model is a real Keras 3 or PyTorch model from a question, a framework's own
documentation or a paper. explain() must explain every parameter (nothing listed as
not explained), every row must reconcile, and the totals, trainable ones included,
must be the framework's.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from lstm_widget import explain
from lstm_widget.counting import plain

pytestmark = pytest.mark.frameworks

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
layers = keras.layers


def keras_trainable(model: Any) -> int:
    return sum(math.prod(w.shape) for w in model.trainable_weights)


def assert_all_explained(model: Any) -> Any:
    """Every parameter explained and reconciled, each layer in a row of its own with the
    framework's own count of it, and no line of the text wider than 100 characters."""
    report = explain(model)
    assert report.unexplained == ()
    assert report.matches, report.text()
    assert all(row.verdict == "yes" for row in report.rows())
    own = {row.name: row.params for row in report.rows()}
    if isinstance(model, torch.nn.Module) and not isinstance(model, keras.layers.Layer):
        total = sum(p.numel() for p in model.parameters())
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        leaves = {
            name: sum(p.numel() for p in module.parameters(recurse=False))
            for name, module in model.named_modules()
            if name and (not any(module.children()) or list(module.parameters(recurse=False)))
        }
    else:
        total, trainable = model.count_params(), keras_trainable(model)
        # Keras's own model.summary() rows: each layer and its count_params().
        leaves = {layer.name: layer.count_params() for layer in model.layers}

    def rows_of(name: str) -> int:
        """A layer's row, or the rows of the sublayers it is explained through."""
        inside = (params for row, params in own.items() if row.startswith(f"{name}/"))
        return own[name] if name in own else sum(inside)

    assert {name: rows_of(name) for name in leaves} == leaves
    assert report.explained_total == report.framework_total == total
    assert report.framework_total - report.non_trainable_total == trainable
    for text in (report.text(), explain(model, steps=12).text()):
        assert max(map(len, text.splitlines())) <= 100, text
    return report


def test_torchinfos_lstm_example() -> None:
    class LSTMNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(20, 300)
            self.encoder = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True)
            self.decoder = torch.nn.Linear(512, 20)

    report = assert_all_explained(LSTMNet())
    assert report.framework_total == 3_784_580
    rows = report.rows()
    assert [(row.name, row.group) for row in rows] == [
        ("embedding", ""),
        ("encoder", "encoder"),
        ("decoder", "encoder"),
    ]
    assert [row.params for row in rows] == [20 * 300, 3_768_320, 512 * 20 + 20]
    assert "20 × 300 = 6,000" in report.text()


def test_keras_bidirectional_lstm_example() -> None:
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            layers.Embedding(20000, 128),
            layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
            layers.Bidirectional(layers.LSTM(64)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    report = assert_all_explained(model)
    assert report.framework_total == 2_757_761
    assert "20,000 × 128 = 2,560,000" in report.text()


def test_two_conv_lstm2d_layers_each_show_their_own_count() -> None:
    """Two ConvLSTM2D(16, (3, 3)) on one channel: 9,856 and 18,496, each in its own row
    as Keras's model.summary() shows them, one breakdown of a stack for the details."""
    model = keras.Sequential(
        [
            keras.Input((10, 16, 16, 1)),
            layers.ConvLSTM2D(16, (3, 3), return_sequences=True),
            layers.ConvLSTM2D(16, (3, 3)),
        ]
    )
    report = assert_all_explained(model)
    rows = report.rows()
    assert [row.params for row in rows] == [layer.count_params() for layer in model.layers]
    assert [row.params for row in rows] == [9_856, 18_496]
    assert rows[1].group == rows[0].name and len(report.items) == 1
    text = report.text()
    for row in rows:
        assert f"{row.params:,}" in next(line for line in text.splitlines() if row.name in line)


def test_deepspeech2_from_the_keras_ctc_example_fits_a_screen() -> None:
    """keras.io's "Automatic Speech Recognition using CTC": two strided Conv2D, five
    Bidirectional(GRU(512)) and a Dense; each layer a row, no line past 100 characters."""
    spectrogram = keras.Input((None, 193))
    x = layers.Reshape((-1, 193, 1))(spectrogram)
    x = layers.Conv2D(32, (11, 41), strides=(2, 2), padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2D(32, (11, 21), strides=(1, 2), padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((-1, x.shape[-2] * x.shape[-1]))(x)
    for k in range(5):
        x = layers.Bidirectional(layers.GRU(512, return_sequences=True))(x)
        x = layers.Dropout(0.5)(x) if k < 4 else x
    x = layers.Dropout(0.5)(layers.ReLU()(layers.Dense(1024)(x)))
    outputs = layers.Dense(32, activation="softmax")(x)
    report = assert_all_explained(keras.Model(spectrogram, outputs))
    recurrent = [row for row in report.rows() if row.kind == "Bidirectional"]
    assert len(recurrent) == 5 and len({row.group for row in recurrent}) == 1


def test_next_frame_prediction_with_conv_lstms_ending_in_a_conv3d() -> None:
    """keras.io's "Next-Frame Video Prediction with Convolutional LSTMs": three
    ConvLSTM2D with BatchNormalization between them, ending in a Conv3D."""
    frames = keras.Input((None, 64, 64, 1))
    x = frames
    for kernel in ((5, 5), (3, 3), (1, 1)):
        x = layers.ConvLSTM2D(64, kernel, padding="same", return_sequences=True)(x)
        x = layers.BatchNormalization()(x) if kernel != (1, 1) else x
    outputs = layers.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same")(x)
    report = assert_all_explained(keras.Model(frames, outputs))
    conv3d = next(row for row in report.rows() if row.kind == "Conv3D")
    assert conv3d.params == 3 * 3 * 3 * 64 * 1 + 1
    steps = 10
    work = explain(keras.Model(frames, outputs), steps=steps).to_dict()
    per_position = 3 * 3 * 3 * 64  # the Conv3D at every frame and pixel
    (row,) = [row for row in work["rows"] if row["type"] == "Conv3D"]
    assert row["work"]["macs"] == per_position * steps * 64 * 64
    assert work["sequence_macs"] is not None


def test_frozen_embedding_classifier_reproduces_the_non_trainable_count() -> None:
    """ "Embedding → LSTM(50) → Dense(4): why 18,278,304, and why is 18,207,900
    non-trainable?" A frozen 60,693 × 300 embedding."""
    model = keras.Sequential(
        [
            keras.Input((40,), dtype="int32"),
            layers.Embedding(60693, 300, trainable=False),
            layers.LSTM(50),
            layers.Dense(4, activation="softmax"),
        ]
    )
    report = assert_all_explained(model)
    assert report.framework_total == 18_278_304
    assert report.non_trainable_total == 18_207_900
    assert "frozen: embedding" in report.trainable_split()


def test_simple_rnn_on_mnist_rows() -> None:
    model = keras.Sequential(
        [keras.Input((28, 28)), layers.SimpleRNN(128), layers.Dense(10, activation="softmax")]
    )
    report = assert_all_explained(model)
    (item,) = report.items
    assert (item.breakdown.layer_totals, item.breakdown.dense_total) == ((20_096,), 1_290)


def test_cnn_lstm_with_time_distributed_convolutions() -> None:
    model = keras.Sequential(
        [
            keras.Input((10, 28, 28, 1)),
            layers.TimeDistributed(layers.Conv2D(8, (3, 3), activation="relu")),
            layers.TimeDistributed(layers.MaxPooling2D()),
            layers.TimeDistributed(layers.Flatten()),
            layers.LSTM(32),
            layers.Dense(1),
        ]
    )
    report = assert_all_explained(model)
    conv = next(row for row in report.rows() if row.kind == "TimeDistributed")
    assert conv.params == 3 * 3 * 1 * 8 + 8


def test_attention_layer_built_from_dense_layers_is_explained_through_them() -> None:
    """ "Why is this attention layer 8,192?" Two bias-free Dense layers on an LSTM(64)'s
    outputs: 64·64 + 128·32."""

    class Attention(layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.score = layers.Dense(64, use_bias=False)
            self.combine = layers.Dense(32, use_bias=False)

        def build(self, input_shape: Any) -> None:
            self.score.build(input_shape)
            self.combine.build((*input_shape[:-1], 2 * input_shape[-1]))

        def call(self, x: Any) -> Any:
            weights = keras.ops.softmax(
                keras.ops.matmul(self.score(x), keras.ops.swapaxes(x, 1, 2))
            )
            context = keras.ops.matmul(weights, x)
            return self.combine(keras.ops.concatenate([context, x], axis=-1))

    inputs = keras.Input((12, 8))
    sequence = layers.LSTM(64, return_sequences=True)(inputs)
    outputs = layers.Dense(3)(layers.GlobalAveragePooling1D()(Attention()(sequence)))
    model = keras.Model(inputs, outputs)
    report = assert_all_explained(model)
    attention = [c for c in report.counted if "attention" in c.path]
    assert sum(c.count.total for c in attention) == 8_192 == 64 * 64 + 128 * 32


def test_keras_attention_layers_and_multi_head_attention() -> None:
    inputs = keras.Input((12, 16))
    sequence = layers.LSTM(16, return_sequences=True)(inputs)
    scaled = layers.Attention(use_scale=True)([sequence, sequence])
    additive = layers.AdditiveAttention()([sequence, scaled])
    heads = layers.MultiHeadAttention(num_heads=4, key_dim=8)(additive, sequence)
    outputs = layers.Dense(2)(layers.GlobalAveragePooling1D()(heads))
    report = assert_all_explained(keras.Model(inputs, outputs))
    kinds = {row.kind: row.params for row in report.rows()}
    assert kinds["Attention"] == 1 and kinds["AdditiveAttention"] == 16
    assert kinds["MultiHeadAttention"] == 3 * (16 * 4 * 8 + 4 * 8) + 4 * 8 * 16 + 16


def test_keras_seq2seq_two_stacks_and_their_embeddings() -> None:
    encoder_in = keras.Input((None,), dtype="int32")
    encoded = layers.Embedding(5000, 64, name="source")(encoder_in)
    _, h, c = layers.LSTM(128, return_state=True, name="encoder")(encoded)
    decoder_in = keras.Input((None,), dtype="int32")
    decoded = layers.Embedding(6000, 64, name="target")(decoder_in)
    decoded = layers.LSTM(128, return_sequences=True, name="decoder")(
        decoded, initial_state=[h, c]
    )
    outputs = layers.Dense(6000, activation="softmax", name="softmax")(decoded)
    report = assert_all_explained(keras.Model([encoder_in, decoder_in], outputs))
    assert len(report.items) == 2
    groups = {row.name: row.group for row in report.rows()}
    assert groups["decoder"] == groups["softmax"] == "decoder"
    assert groups["source"] == groups["target"] == groups["encoder"] == ""


def test_batch_norm_counts_its_moving_statistics_as_keras_does() -> None:
    model = keras.Sequential(
        [
            keras.Input((50, 8)),
            layers.Conv1D(16, 5, activation="relu"),
            layers.BatchNormalization(),
            layers.GRU(32),
            layers.Dense(1),
        ]
    )
    report = assert_all_explained(model)
    assert report.non_trainable_total == 2 * 16
    assert "moving statistics: batch_normalization" in report.trainable_split()


def test_pytorch_model_with_layer_norm_and_multihead_attention() -> None:
    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(1000, 64)
            self.rnn = torch.nn.GRU(64, 64, batch_first=True, bidirectional=True)
            self.norm = torch.nn.LayerNorm(128)
            self.attn = torch.nn.MultiheadAttention(128, 4, batch_first=True)
            self.bn = torch.nn.BatchNorm1d(128)
            self.out = torch.nn.Linear(128, 9)

    report = assert_all_explained(Tagger())
    kinds = {row.kind: row.params for row in report.rows()}
    assert kinds["MultiheadAttention"] == 3 * 128 * 128 + 3 * 128
    assert kinds["NonDynamicallyQuantizableLinear"] == 128 * 128 + 128
    assert kinds["LayerNorm"] == kinds["BatchNorm1d"] == 2 * 128


def test_compact_summary_fits_a_screen_and_details_come_on_request() -> None:
    model = keras.Sequential(
        [keras.Input((None,), dtype="int32"), layers.Embedding(100, 8)]
        + [layers.LSTM(8, return_sequences=True) for _ in range(10)]
        + [layers.Dense(2)]
    )
    report = explain(model)
    summary, details = report.text(), report.text(details=True)
    assert len(summary.splitlines()) <= 30
    assert details.startswith(summary.rpartition("\nEach recurrent layer")[0])
    assert len(details.splitlines()) > len(summary.splitlines()) + 30
    html = report.html(diagrams=False)
    assert html.index("lstm-widget-summary") < html.index("<details>")


def test_layers_without_weights_are_rows_at_zero_in_the_models_order() -> None:
    """Dropout, pooling, Flatten, Activation are listed as the framework lists them, at 0
    and reconciled, never as not explained; a Dropout between an LSTM and its Dense
    leaves the Dense its head."""
    inputs = keras.Input((12, 8, 8, 1))
    x = layers.TimeDistributed(layers.Conv2D(4, 3))(inputs)
    x = layers.TimeDistributed(layers.MaxPooling2D())(x)
    x = layers.TimeDistributed(layers.Flatten())(x)
    x = layers.LSTM(16)(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(3)(x)
    outputs = layers.Activation("softmax")(x)
    report = assert_all_explained(keras.Model(inputs, outputs))
    kinds = [(row.kind, row.params) for row in report.rows()]
    assert kinds == [
        ("InputLayer", 0),
        ("TimeDistributed", 9 * 4 + 4),
        ("TimeDistributed", 0),  # pooling
        ("TimeDistributed", 0),  # Flatten
        ("LSTM", 4 * (36 * 16 + 16 * 16 + 16)),
        ("Dropout", 0),
        ("Dense", 16 * 3 + 3),  # the LSTM's head: one breakdown with it
        ("Activation", 0),
    ]
    zero = [row for row in report.rows() if row.params == 0]
    assert {plain(row.formula) for row in zero} == {"no weights"}
    assert {row.verdict for row in zero} == {"yes"}
    assert zero[1].output_shape == "(None, 12, 3, 3, 4)"

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(50, 8)
            self.dropout = torch.nn.Dropout(0.1)
            self.lstm = torch.nn.LSTM(8, 16, batch_first=True)
            self.act = torch.nn.ReLU()
            self.head = torch.nn.Linear(16, 5)

    report = assert_all_explained(Tagger())
    names = [row.name for row in report.rows()]
    assert names == ["embedding", "dropout", "lstm", "act", "head"]
    assert report.weightless[0].class_name == "Dropout"


def test_pytorch_output_shapes_come_from_one_run_on_an_example() -> None:
    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(20, 30)
            self.lstm = torch.nn.LSTM(30, 16, batch_first=True)
            self.dropout = torch.nn.Dropout(0.5)
            self.head = torch.nn.Linear(16, 4)
            self.norm = torch.nn.BatchNorm1d(4)

        def forward(self, tokens: Any) -> Any:
            out, _ = self.lstm(self.embedding(tokens))
            return self.norm(self.head(self.dropout(out[:, -1])))

    model = Classifier().train()
    unknown = explain(model)
    assert {row.output_shape for row in unknown.rows()} == {""}
    assert "example=" in unknown.text() and "example=" in unknown.html(diagrams=False)

    statistics = model.norm.running_mean.clone()
    report = explain(model, example=torch.randint(0, 20, (3, 7)))
    shapes = {row.name: row.output_shape for row in report.rows()}
    # The LSTM returns (output, (h, c)); its output comes first.
    assert shapes == {
        "embedding": "(3, 7, 30)",
        "lstm": "(3, 7, 16)",
        "head": "(3, 4)",
        "dropout": "(3, 16)",
        "norm": "(3, 4)",
    }
    assert "example=" not in report.text()
    # The run moved no statistic and left the model in the mode it was in.
    assert torch.equal(model.norm.running_mean, statistics) and model.training
    assert model.dropout.training


def test_a_bad_example_or_one_for_keras_is_one_sentence() -> None:
    model = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.LSTM(3, 4))
    with pytest.raises(ValueError, match=r"cannot run on the example given: RuntimeError: .*\.$"):
        explain(model, example=torch.zeros(2, 3))
    keras_model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3)])
    with pytest.raises(ValueError, match="example= is for PyTorch modules"):
        explain(keras_model, example=torch.zeros(1, 4, 2))
