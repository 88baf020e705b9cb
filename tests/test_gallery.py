"""Every worked example in the project's gallery of confusions, as exact integers."""

import pytest

from lstm_widget import breakdown


@pytest.mark.parametrize(
    ("settings", "total"),
    [
        (dict(input_size=1, units=10), 480),
        (dict(input_size=1, units=10, dense=1), 491),
        (dict(input_size=1, units=2), 32),  # input_shape=(3, 1): 3 is timesteps
        (dict(input_size=3, units=2), 48),  # ... not 3 features
        (dict(cell="gru", input_size=4, units=5), 165),
        (dict(cell="gru", input_size=4, units=5, reset_after=False), 150),
        (dict(framework="pytorch", input_size=1, units=10), 520),
        (dict(framework="pytorch", cell="rnn", input_size=1, units=1), 4),
        (dict(cell="rnn", input_size=1, units=1), 3),
        (dict(framework="pytorch", input_size=300, units=300, bidirectional=True), 1_444_800),
        (dict(input_size=300, units=300, bidirectional=True), 1_442_400),
        # Bidirectional(CuDNNLSTM(300)): cuDNN's second bias, 2 × 4 × 300 = 2,400 more.
        (dict(framework="cudnn", input_size=300, units=300, bidirectional=True), 1_444_800),
        # CuDNNGRU(5) on 4: a 6h bias, Keras 3's 165 and not Keras 2's 150.
        (dict(framework="cudnn", cell="gru", input_size=4, units=5), 165),
        # TF1 LSTMCell(13, use_peepholes=True, num_proj=5) on 7: kernel (7 + 5, 52),
        # bias 52, three peepholes of 13, projection (13, 5).
        (dict(framework="tf1", input_size=7, units=13, peepholes=True, proj_size=5), 780),
        # MultiRNNCell of two LSTMCell(128) on 32: one fused (x + h, 4h) kernel each.
        (dict(framework="tf1", input_size=32, units=128, layers=2), 214_016),
        # Flax NNX cells on 7 features, 13 units: one bias per gate.
        (dict(framework="flax", input_size=7, units=13), 1_092),
        (dict(framework="flax", cell="gru", input_size=7, units=13), 819),
        (dict(framework="flax", cell="rnn", input_size=7, units=13), 273),
        (dict(input_size=10, units=20, bidirectional=True), 4_960),
        (dict(framework="pytorch", input_size=32, units=128, layers=2), 215_040),
        (
            dict(framework="pytorch", input_size=32, units=128, layers=2, bidirectional=True),
            561_152,
        ),
        (dict(framework="pytorch", input_size=10, units=20, proj_size=5), 1_460),
        (dict(framework="pytorch", input_size=10, units=20, proj_size=5, layers=2), 2_520),
        (
            dict(
                framework="pytorch",
                input_size=10,
                units=20,
                proj_size=5,
                layers=2,
                bidirectional=True,
            ),
            5_840,
        ),
        (dict(input_size=4096, units=256), 4_457_472),
        # ConvLSTM2D(16, (3, 3)): on 1 channel, then on the first one's 16 filters.
        (dict(cell="convlstm", kernel=(3, 3), input_size=1, units=16), 9_856),
        (dict(cell="convlstm", kernel=(3, 3), input_size=16, units=16), 18_496),
    ],
)
def test_gallery_totals(settings, total):
    assert breakdown(**settings).total == total


def test_seed_model_splits_into_layer_and_head():
    b = breakdown(input_size=1, units=10, dense=1)
    assert (b.layer_totals, b.dense_total, b.total) == ((480,), 11, 491)


def test_dense_after_bidirectional_sees_concatenated_width():
    b = breakdown(input_size=10, units=20, bidirectional=True, dense=5)
    assert b.dense_total == 205


def test_stacked_keras_layers_each_see_the_previous_width():
    first = breakdown(input_size=8, units=64).total
    second = breakdown(input_size=64, units=32).total
    assert (first, second) == (18_688, 12_416)


def test_the_notebooks_gru_sentence_says_what_reset_after_adds():
    # reset_after=True adds a second (recurrent) bias to every gate, not only to the
    # candidate; the notebook's sentence must give the numbers the counting gives.
    import re
    from pathlib import Path

    import nbformat

    path = Path(__file__).parent.parent / "notebooks" / "02_frameworks_side_by_side.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    (text,) = [c.source for c in cells if c.source.startswith("### 2. The GRU grew")]
    found = re.search(
        r"`GRU\((\d+)\)` on (\d+) features grows by (\d+) gates × (\d+) units = (\d+), "
        r"from (\d+) to (\d+)",
        " ".join(text.split()),
    )
    assert found, text
    units, features, gates, per_gate, added, before, after = map(int, found.groups())
    old = breakdown(cell="gru", input_size=features, units=units, reset_after=False)
    new = breakdown(cell="gru", input_size=features, units=units)
    assert (old.total, new.total) == (before, after)
    assert gates == new.settings.gates and per_gate == units and added == gates * per_gate
    assert new.role_totals()["second_bias"] == added == after - before


def test_the_notebooks_conv_lstm_entry_gives_the_counted_numbers():
    from pathlib import Path

    import nbformat

    path = Path(__file__).parent.parent / "notebooks" / "02_frameworks_side_by_side.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    (text,) = [c.source for c in cells if c.source.startswith("### 10. ConvLSTM2D")]
    for channels in (1, 16):
        b = breakdown(cell="convlstm", kernel=(3, 3), input_size=channels, units=16)
        assert f"16 + 16) = {b.total:,}".replace(",", "{,}") in text
        assert f"{b.total:,}" in text.splitlines()[0]


def test_the_cudnn_bias_is_twice_as_long_and_nothing_else_differs():
    keras = breakdown(input_size=300, units=300, bidirectional=True)
    cudnn = breakdown(framework="cudnn", input_size=300, units=300, bidirectional=True)
    assert cudnn.total - keras.total == cudnn.role_totals()["second_bias"] == 2_400
    assert {g.tensor_shape for g in cudnn.groups if g.role == "second_bias"} == {(2_400,)}
    assert cudnn.total == breakdown(framework="pytorch", input_size=300, units=300,
                                    bidirectional=True).total  # fmt: skip


def test_the_flax_gru_counts_as_keras2_but_resets_as_keras3():
    flax = breakdown(framework="flax", cell="gru", input_size=4, units=5)
    keras2 = breakdown(cell="gru", input_size=4, units=5, reset_after=False)
    assert flax.total == keras2.total == 150
    assert (flax.settings.convention.reset, keras2.settings.reset_after) == ("after", False)
