"""The work per time step and per sequence, checked against a real forward pass.

PyTorch's own ``torch.utils.flop_counter.FlopCounterMode`` counts the matrix products
a forward pass runs, in FLOPs (2 per multiply-accumulate). It counts nothing for a
fused ``nn.LSTM`` on CPU, so each layer and direction is stepped here with the cell
that carries the module's own weights, the outputs are checked equal to the module's,
and that is what is counted. A projection has no cell, so a projected LSTM is stepped
with ``F.linear`` throughout.
"""

import json

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode
from torch_examples import TiedLanguageModel

from lstm_widget import SettingsError, breakdown
from lstm_widget.cli import main

STEPS = 7
CELLS = {"lstm": (torch.nn.LSTM, torch.nn.LSTMCell), "gru": (torch.nn.GRU, torch.nn.GRUCell),
         "rnn": (torch.nn.RNN, torch.nn.RNNCell)}  # fmt: skip


CELL_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def stepped(module, x):
    """``module``'s output for ``x`` (batch first), computed one cell step at a time."""
    _, cell_class = CELLS[{"LSTM": "lstm", "GRU": "gru"}.get(module.mode, "rnn")]
    sequence = x
    for layer in range(module.num_layers):
        outputs = []
        for suffix in ("", "_reverse")[: 2 if module.bidirectional else 1]:
            names = [f"{n}_l{layer}{suffix}" for n in CELL_WEIGHTS]
            weights = [getattr(module, n, None) for n in names]
            steps = range(x.shape[1])
            order = reversed(steps) if suffix else steps
            if module.proj_size:
                out = _projected(
                    module,
                    sequence,
                    order,
                    weights,
                    getattr(module, f"weight_hr_l{layer}{suffix}"),
                )
            else:
                cell = cell_class(sequence.shape[-1], module.hidden_size, bias=module.bias)
                for name, weight in zip(CELL_WEIGHTS, weights, strict=True):
                    if weight is not None:
                        setattr(cell, name, weight)
                out = _through_cell(cell, sequence, order, module.hidden_size)
            outputs.append(out)
        sequence = torch.cat(outputs, dim=-1)
    return sequence


def _through_cell(cell, sequence, order, hidden):
    h = torch.zeros(sequence.shape[0], hidden)
    c = torch.zeros_like(h)
    out = [None] * sequence.shape[1]
    for t in order:
        if isinstance(cell, torch.nn.LSTMCell):
            h, c = cell(sequence[:, t], (h, c))
        else:
            h = cell(sequence[:, t], h)
        out[t] = h
    return torch.stack(out, dim=1)


def _projected(module, sequence, order, weights, w_hr):
    """An LSTM step with a projection, in F.linear: gates, cell state, then h = W_hr·h."""
    w_ih, w_hh, b_ih, b_hh = weights
    h = torch.zeros(sequence.shape[0], module.proj_size)
    c = torch.zeros(sequence.shape[0], module.hidden_size)
    out = [None] * sequence.shape[1]
    for t in order:
        gates = F.linear(sequence[:, t], w_ih, b_ih) + F.linear(h, w_hh, b_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = F.linear(torch.sigmoid(o) * torch.tanh(c), w_hr)
        out[t] = h
    return torch.stack(out, dim=1)


def counted_flops(fn, *args):
    with FlopCounterMode(display=False) as counter:
        result = fn(*args)
    return result, counter.get_total_flops()


STACKS = [
    {"cell": cell, "layers": layers, "bidirectional": bi}
    for cell in CELLS
    for layers in (1, 2)
    for bi in (False, True)
] + [
    {"cell": "lstm", "layers": 2, "bidirectional": True, "proj_size": 3},
    {"cell": "gru", "layers": 2, "bidirectional": False, "bias": False},
]


@pytest.mark.parametrize("stack", STACKS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_macs_agree_with_pytorchs_flop_counter(stack):
    torch.manual_seed(0)
    x_size, hidden = 4, 6
    module_class, _ = CELLS[stack["cell"]]
    module = module_class(
        x_size, hidden, num_layers=stack["layers"], bidirectional=stack["bidirectional"],
        bias=stack.get("bias", True), batch_first=True,
        **({"proj_size": stack["proj_size"]} if "proj_size" in stack else {}),
    )  # fmt: skip
    x = torch.randn(2, STEPS, x_size)
    with torch.no_grad():
        expected, fused_flops = counted_flops(module, x)
        ours, flops = counted_flops(stepped, module, x)
    # A fused kernel the counter cannot see into counts 0 (nn.LSTM on CPU): why the
    # cells are stepped. Where the module decomposes into counted products, it agrees.
    assert fused_flops in (0, flops)
    torch.testing.assert_close(ours, expected[0])
    b = breakdown(framework="pytorch", input_size=x_size, units=hidden, steps=STEPS, **stack)
    assert flops == 2 * x.shape[0] * b.work.macs  # the counter counts the whole batch
    assert b.work.flops == 2 * b.work.macs


def test_a_dense_head_at_every_step_is_f_times_n_macs_a_step():
    b = breakdown(
        framework="pytorch", input_size=3, units=8, bidirectional=True, dense=5, steps=STEPS
    )
    outputs, weight = torch.randn(1, STEPS, 16), torch.randn(5, 16)
    _, flops = counted_flops(F.linear, outputs, weight)
    assert flops == 2 * STEPS * b.work.head_macs == 2 * STEPS * 16 * 5


def test_a_conv_lstms_work_is_per_position_of_its_grid():
    """A ConvLSTM2D stepped as Keras runs it (one "same" convolution of the input and one
    of the state per step, giving all four gates) does the stated MACs at every one of
    its grid's positions: the figure per position times height × width."""
    filters, channels, kernel, grid = 3, 2, (3, 3), (5, 4)
    b = breakdown(cell="convlstm", units=filters, input_size=channels, kernel=kernel, steps=4)
    w_x = torch.randn(4 * filters, channels, *kernel)
    w_h = torch.randn(4 * filters, filters, *kernel)
    bias = torch.randn(4 * filters)

    def run(x):
        h = torch.zeros(1, filters, *grid)
        c = torch.zeros_like(h)
        for t in range(x.shape[1]):
            gates = F.conv2d(x[:, t], w_x, bias, padding="same")
            gates = gates + F.conv2d(h, w_h, padding="same")
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return h

    _, flops = counted_flops(run, torch.randn(1, b.work.steps, channels, *grid))
    positions = grid[0] * grid[1]
    assert b.work.per_position
    assert flops // 2 == b.work.macs * positions
    assert b.work.macs_per_step == 4 * 9 * filters * (channels + filters)
    assert "at one position of the output grid" in str(b)


@pytest.mark.parametrize(
    "keras",
    [
        {"cell": "lstm"},
        {"cell": "gru"},
        {"cell": "gru", "reset_after": False},
        {"cell": "rnn", "bidirectional": True, "layers": 3},
        {"cell": "lstm", "bias": False, "dense": 2},
    ],
)
def test_keras_layers_do_the_work_of_the_pytorch_layer_of_the_same_shapes(keras):
    """Only biases differ between the frameworks, and biases are no multiply-accumulates."""
    shapes = {"input_size": 5, "units": 9, "steps": 11}
    torch_settings = {k: v for k, v in keras.items() if k != "reset_after"}
    ours = breakdown(framework="keras", **shapes, **keras).work
    theirs = breakdown(framework="pytorch", **shapes, **torch_settings).work
    assert (ours.macs_per_step, ours.macs) == (theirs.macs_per_step, theirs.macs)
    assert ours.lines == theirs.lines


def test_torchinfo_counts_biases_and_misses_a_linear_heads_steps():
    """torchinfo's own LSTM example: Embedding(20, 300) → LSTM(300, 512, 2) → Linear(512, 20).

    torchinfo multiplies every parameter of a recurrent module, biases included, by
    batch × steps, and a Linear's parameters by the batch alone, although it runs at
    every step; an embedding's lookup it counts as its parameters. Multiply-accumulates
    here are what the forward pass runs: the LSTM's matrix weights once a step, the
    head's too, the lookup none.
    """
    torchinfo = pytest.importorskip("torchinfo")

    class Tagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(20, 300)
            self.lstm = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True)
            self.linear = torch.nn.Linear(512, 20)

        def forward(self, tokens):
            return self.linear(self.lstm(self.embedding(tokens))[0])

    steps = 25
    model = Tagger().eval()
    tokens = torch.zeros(1, steps, dtype=torch.long)
    summary = torchinfo.summary(model, input_data=tokens, verbose=0)
    rows = {row.class_name: row for row in summary.summary_list}
    lstm = breakdown(
        framework="pytorch", input_size=300, units=512, layers=2, dense=20, steps=steps
    )
    lstm_params = sum(p.numel() for p in model.lstm.parameters())
    biases = sum(p.numel() for n, p in model.lstm.named_parameters() if n.startswith("bias"))
    assert rows["LSTM"].macs == lstm_params * steps
    assert sum(lstm.work.layer_macs) * steps == (lstm_params - biases) * steps
    assert rows["Linear"].macs == 512 * 20 + 20  # one step's weights and bias
    assert lstm.work.head_macs * steps == 512 * 20 * steps
    assert rows["Embedding"].macs == 20 * 300
    with torch.no_grad():
        embedded = model.embedding(tokens)
        _, flops = counted_flops(lambda e: model.linear(stepped(model.lstm, e)), embedded)
    assert flops == 2 * lstm.work.macs
    assert summary.total_mult_adds == lstm_params * steps + (512 * 20 + 20) + 20 * 300


def test_values_kept_follow_the_stated_assumption():
    """LSTM(64 → 128), 50 steps: inference keeps the 50 outputs and the running h and c;
    training keeps, every step, 4 gate activations, c and h (4h + h + h), and the input."""
    work = breakdown(input_size=64, units=128, steps=50).work
    assert work.memory.inference == 50 * 128 + (128 + 128)
    assert work.memory.training == 50 * (64 + 4 * 128 + 128 + 128)
    assert work.memory_bytes("float16") == {
        "inference": 2 * work.memory.inference,
        "training": 2 * work.memory.training,
    }
    gru = breakdown(cell="gru", input_size=64, units=128, steps=50, dense=3).work
    assert gru.memory.inference == 50 * 3 + 128
    assert gru.memory.training == 50 * (64 + 3 * 128 + 128 + 3)


def test_elementwise_work_is_stated_apart():
    """Keras LSTM(10) on 1 feature: per unit 5 activations (σ i, f, o; tanh g, tanh c),
    3 products (f⊙c, i⊙g, o⊙tanh c), 1 addition for c and 4 bias additions."""
    work = breakdown(units=10, input_size=1, dense=1, steps=3).work
    e = work.elementwise
    assert (e.activations, e.products, e.additions) == (50, 30, 50)
    assert work.elementwise_per_step == e.total + 1  # the head's bias
    assert work.macs_per_step == 4 * 10 * (1 + 10) + 10 * 1


def test_the_seed_questions_work_reads_in_the_table():
    text = str(breakdown(input_size=64, units=128, steps=50))
    assert (
        "layer 1: 4 × (x × h + h × h) = 4 × (64 × 128 + 128 × 128) = 98,304 MACs per step" in text
    )
    assert "× 50 steps = 4,915,200 MACs = 9,830,400 FLOPs" in text
    assert "Work for" not in str(breakdown(input_size=64, units=128)), "only when asked"


@pytest.mark.parametrize("steps", [0, -1, 2.5, True, "50"])
def test_bad_steps_are_one_sentence(steps):
    with pytest.raises(
        SettingsError, match=r"^steps must be an integer from 1 to [\d,]+, not .*\.$"
    ):
        breakdown(steps=steps)


def test_cli_steps_and_json(capsys):
    assert main(["-i", "64", "-u", "128", "--steps", "50"]) == 0
    assert "4,915,200 MACs" in capsys.readouterr().out
    assert main(["-i", "64", "-u", "128", "--steps", "50", "--json"]) == 0
    work = json.loads(capsys.readouterr().out)["work"]
    assert (work["steps"], work["macs_per_step"], work["macs"]) == (50, 98_304, 4_915_200)
    assert main(["--steps", "0"]) == 2
    assert "steps must be an integer from 1" in capsys.readouterr().err


# ------------------------------------------------------------ the layers around them


def counted_layers(model, steps):
    """The counted layers of ``explain(model)`` by path, with the work lines' text."""
    from lstm_widget import explain

    report = explain(model, steps=steps)
    return {layer.path: layer.count for layer in report.counted}, report.text()


def test_the_other_layers_macs_agree_with_pytorchs_flop_counter():
    """Per position (a vector, a time step, an output pixel): each multiplied weight
    once; attention adds its scores and weighted values for every one of S keys; an
    embedding's lookup and a norm do no product."""
    torch.manual_seed(0)
    model = torch.nn.ModuleDict(
        {
            "embedding": torch.nn.Embedding(30, 16),
            "linear": torch.nn.Linear(16, 3),
            "conv1d": torch.nn.Conv1d(16, 8, 3),
            "conv2d": torch.nn.Conv2d(4, 6, (3, 2), groups=2, bias=False),
            "conv3d": torch.nn.Conv3d(4, 6, (3, 2, 2), groups=2),
            "norm": torch.nn.LayerNorm(16),
            "attention": torch.nn.MultiheadAttention(16, 2, batch_first=True),
        }
    )
    s = 10
    counts, text = counted_layers(model, steps=s)
    sequence = torch.randn(1, s, 16)
    runs = {
        "embedding": (model["embedding"], torch.randint(0, 30, (1, s)), s),
        "linear": (model["linear"], torch.randn(1, 16), 1),
        "conv1d": (model["conv1d"], torch.randn(1, 16, 12), 12 - 2),
        "conv2d": (model["conv2d"], torch.randn(1, 4, 7, 5), (7 - 2) * (5 - 1)),
        "conv3d": (model["conv3d"], torch.randn(1, 4, 5, 6, 7), (5 - 2) * (6 - 1) * (7 - 1)),
        "norm": (model["norm"], sequence, s),
    }
    for name, (layer, x, positions) in runs.items():
        _, flops = counted_flops(layer, x)
        assert flops // 2 == counts[name].macs(s) * positions, name
    _, flops = counted_flops(model["attention"], sequence, sequence, sequence)
    # torch runs the output projection inside the attention; it is a Linear row here.
    per_query = counts["attention"].macs(s) + counts["attention.out_proj"].macs(s)
    assert flops // 2 == per_query * s
    assert counts["attention"].macs(s) == 3 * 16 * 16 + 2 * s * 16
    assert "embedding (Embedding): 0 MACs" in text
    assert "linear (Linear): b × a = 3 × 16 = 48 MACs" in text


def test_keras_layers_around_do_the_work_of_the_pytorch_layers_of_the_same_shapes():
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    s, layers = 9, keras.layers
    queries = keras.Input((s, 16))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=8)(queries, queries)
    dense = layers.Dense(3)(attended)
    conv = layers.Conv1D(8, 3)(queries)
    report = explain(keras.Model(queries, [dense, conv]), steps=s)
    ours = {layer.class_name: layer.count.macs(s) for layer in report.counted}
    torch_model = torch.nn.ModuleDict(
        {
            "attention": torch.nn.MultiheadAttention(16, 2),
            "dense": torch.nn.Linear(16, 3),
            "conv": torch.nn.Conv1d(16, 8, 3),
        }
    )
    theirs, _ = counted_layers(torch_model, steps=s)
    whole_attention = theirs["attention"].macs(s) + theirs["attention.out_proj"].macs(s)
    assert ours["MultiHeadAttention"] == whole_attention
    assert ours["Dense"] == theirs["dense"].macs(s) == 48
    assert ours["Conv1D"] == theirs["conv"].macs(s) == 3 * 16 * 8
    assert "not known" not in report.text()
    video = keras.Input((s, 8, 8, 3))
    conv3d = explain(keras.Model(video, layers.Conv3D(4, (3, 2, 2))(video)), steps=s)
    (counted,) = conv3d.counted
    twin = torch.nn.Conv3d(3, 4, (3, 2, 2))
    _, flops = counted_flops(twin, torch.randn(1, 3, s, 8, 8))
    assert counted.count.macs(s) == 3 * 2 * 2 * 3 * 4
    assert conv3d.sequence_macs() == flops // 2


def test_keras_dot_product_attentions_work_is_said_to_be_unknown():
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    x = keras.Input((5, 4))
    out = keras.layers.Attention(use_scale=True)([x, x])
    text = explain(keras.Model(x, out), steps=5).text()
    # Keras numbers its layers' names per session: the class is what is certain.
    assert "(Attention): not known, its width is its inputs'" in text


# ------------------------------------------------- the whole model, for the sequence


class Tagger(torch.nn.Module):
    """Embedding → LSTM → Linear (its head) → ReLU → Linear; ``last`` reads the LSTM's
    last step only, as a classifier does."""

    def __init__(self, last=False):
        super().__init__()
        self.last = last
        self.embedding = torch.nn.Embedding(20, 12)
        self.lstm = torch.nn.LSTM(12, 16, batch_first=True)
        self.head = torch.nn.Linear(16, 8)
        self.out = torch.nn.Linear(8, 3, bias=False)

    def forward(self, tokens, recurrent=None):
        out = (recurrent or (lambda x: self.lstm(x)[0]))(self.embedding(tokens))
        return self.out(torch.relu(self.head(out[:, -1] if self.last else out)))


class Convolutions(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, 8, 3)
        self.strided = torch.nn.Conv1d(8, 6, 5, stride=2, groups=2)
        self.image = torch.nn.Conv2d(3, 5, (3, 2))

    def forward(self, x, image):
        return self.strided(torch.relu(self.conv(x))), self.image(image)


class SelfAttention(torch.nn.Module):
    """A time-first attention (L, N, E): its queries are the first axis, not the batch."""

    def __init__(self):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(16, 2)
        self.linear = torch.nn.Linear(16, 4)

    def forward(self, x):
        return self.linear(self.attention(x, x, x)[0])


def _sequence_report(model, example, steps):
    from lstm_widget import explain

    return explain(model, steps=steps, example=example)


@pytest.mark.parametrize("last", [False, True], ids=["every-step", "last-step"])
def test_a_models_macs_for_the_sequence_agree_with_pytorchs_flop_counter(last):
    """The LSTM stepped as its cell, the rest as the model runs it: the counter's FLOPs
    are twice the model's total, its head at every step or once on the last."""
    torch.manual_seed(0)
    steps, model = 30, Tagger(last).eval()
    tokens = torch.randint(0, 20, (1, steps))
    report = _sequence_report(model, tokens, steps)
    with torch.no_grad():
        expected = model(tokens)
        ours, flops = counted_flops(model, tokens, lambda x: stepped(model.lstm, x))
    torch.testing.assert_close(ours, expected)
    assert flops == 2 * report.sequence_macs()
    (item,), (out,) = report.items, [c for c in report.counted if c.path == "out"]
    assert item.head is not None and item.head_runs(steps) == (1 if last else steps)
    assert out.sequence_macs(steps) == 8 * 3 * (1 if last else steps)
    text = report.text()
    assert f"Whole model: {report.sequence_macs():,} MACs" in text
    positions = "1 position" if last else f"{steps} positions"
    assert f"out (Linear): b × a = 3 × 8 = 24 MACs × {positions} = " in text
    head = f"head (Linear): 16 × 8 = 128 MACs × {positions} = {128 * (1 if last else steps):,}"
    assert head in text
    batch = _sequence_report(model, torch.randint(0, 20, (3, steps)), steps)
    assert batch.sequence_macs() == report.sequence_macs(), "for one example of the batch"


class Classifier(torch.nn.Module):
    """LSTM → Linear on the last step's output only (time first), as a sequence
    classifier reads it."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(8, 16)
        self.out = torch.nn.Linear(16, 4)

    def forward(self, x, recurrent=None):
        return self.out((recurrent or (lambda s: self.lstm(s)[0]))(x)[-1])


def test_the_details_count_a_head_on_the_last_step_once_as_the_summary_does():
    """The details table gave 48,000 MACs, the head × 30 steps, where the summary gave
    46,144: the head reads the last step only, and runs once."""
    steps, model = 30, Classifier().eval()
    x = torch.randn(steps, 1, 8)
    report = _sequence_report(model, x, steps)
    with torch.no_grad():
        expected = model(x)
        ours, flops = counted_flops(
            model, x, lambda s: stepped(model.lstm, s.transpose(0, 1)).transpose(0, 1)
        )
    torch.testing.assert_close(ours, expected)
    (item,) = report.items
    assert item.head is not None
    assert flops == 2 * report.sequence_macs() == 2 * item.breakdown.work.macs
    details = report.text(details=True)
    assert f"{flops // 2:,} MACs = {flops:,} FLOPs" in details
    (data,) = report.to_dict()["breakdowns"]
    assert data["breakdown"]["work"]["macs"] == flops // 2


def test_a_keras_classifiers_details_count_its_dense_once_as_its_summary_does():
    """Keras records the Dense after LSTM(16) at (None, 4): one position a sequence."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    steps, x = 30, keras.Input((None, 8))
    report = explain(keras.Model(x, keras.layers.Dense(4)(keras.layers.LSTM(16)(x))), steps=steps)
    (item,) = report.items
    theirs = _sequence_report(Classifier(), torch.zeros(steps, 1, 8), steps)
    assert item.breakdown.work.macs == report.sequence_macs() == theirs.sequence_macs()
    assert f"{report.sequence_macs():,} MACs = " in report.text(details=True)


@pytest.mark.parametrize(
    ("model", "example"),
    [
        (Convolutions(), (torch.randn(1, 4, 30), torch.randn(1, 3, 9, 7))),
        (SelfAttention(), torch.randn(12, 1, 16)),
    ],
    ids=["conv", "time-first-attention"],
)
def test_convolutions_and_attention_for_the_sequence_agree_with_the_counter(model, example):
    """A convolution runs at its output's length (or grid), strides and all; a time-first
    attention at its first axis, and its output projection with it."""
    steps = 12
    report = _sequence_report(model.eval(), example, steps)
    arguments = example if isinstance(example, tuple) else (example,)
    with torch.no_grad():
        _, flops = counted_flops(model, *arguments)
    assert flops == 2 * report.sequence_macs() > 0
    assert "per position (its output shape" not in report.text()


def test_without_positions_the_work_stays_per_position_and_no_total_is_claimed():
    report = _sequence_report(Convolutions(), None, 12)
    text = report.text()
    assert report.sequence_macs() is None
    assert "conv (Conv1d): f × c/g × k = 8 × 4 × 3 = 96 MACs per position" in text
    assert "No total for the whole model: not known for conv (Conv1d), strided" in text


def test_keras_models_do_the_work_of_the_pytorch_model_of_the_same_shapes():
    """An input's open time axis is the sequence's; a convolution's length is computed
    from it, as Keras computes shapes, its kernel and padding shortening it."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    steps, layers = 30, keras.layers
    for length, last in ((None, False), (steps, True)):
        tokens = keras.Input((length,))
        out = layers.LSTM(16, return_sequences=not last)(layers.Embedding(20, 12)(tokens))
        out = layers.Dense(3, use_bias=False)(layers.Dense(8, activation="relu")(out))
        ours = explain(keras.Model(tokens, out), steps=steps).sequence_macs()
        theirs = _sequence_report(Tagger(last), torch.zeros(1, steps, dtype=torch.long), steps)
        assert ours == theirs.sequence_macs() is not None
    # steps fills the input's open time axis; the convolution's own length follows.
    x = keras.Input((None, 4))
    report = explain(keras.Model(x, layers.Conv1D(8, 3)(x)), steps=steps)
    assert report.sequence_macs() == 96 * (steps - 2)
    fixed = keras.Input((steps, 4))
    conv = explain(keras.Model(fixed, layers.Conv1D(8, 3)(fixed)), steps=steps)
    assert conv.sequence_macs() == 96 * (steps - 2)


# ------------------------------------------------ Keras: where each layer runs


def _repeater(keras):
    """An encoder-decoder: the encoder's last output repeated 3 times for the decoder."""
    layers = keras.layers
    x = keras.Input((7, 12))
    encoded = layers.RepeatVector(3)(layers.LSTM(16)(x))
    decoded = layers.LSTM(16, return_sequences=True)(encoded)
    return keras.Model(x, layers.TimeDistributed(layers.Dense(5))(decoded))


class Repeater(torch.nn.Module):
    """The PyTorch twin of :func:`_repeater`: LSTM(12→16), its last output repeated 3
    times, LSTM(16→16), Linear(16→5) at each of the 3 steps."""

    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.LSTM(12, 16, batch_first=True)
        self.decoder = torch.nn.LSTM(16, 16, batch_first=True)
        self.out = torch.nn.Linear(16, 5)

    def forward(self, x):
        last = stepped(self.encoder, x)[:, -1]
        return self.out(stepped(self.decoder, last.unsqueeze(1).expand(-1, 3, -1)))


def test_a_closed_time_axis_is_the_recorded_one_not_steps():
    """RepeatVector(3): the second LSTM runs 3 steps, as the recorded (None, 3, 16) says,
    not the 7 steps given: 18,928 MACs, as the PyTorch twin's forward pass counts."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    report = explain(_repeater(keras), steps=7)
    with torch.no_grad():
        _, flops = counted_flops(Repeater(), torch.randn(1, 7, 12))
    assert report.sequence_macs() == flops // 2 == 18_928
    decoder = report.items[1]
    assert decoder.ran_steps() == 3 and decoder.breakdown.steps == 3
    assert "= 2,048 MACs × 3 steps = 6,144 MACs" in report.text()
    # steps fills no closed axis, and the report says so rather than use it.
    other = explain(_repeater(keras), steps=20)
    assert other.sequence_macs() == 18_928
    assert "steps=20 fills no open time axis" in " ".join(other.text().split())


def test_a_strided_convolution_sets_how_many_steps_the_gru_runs():
    """A speech model: Conv2D with stride 2 on an open time axis, then a GRU. For 30
    frames the GRU runs 15 steps, computed as Keras computes the shapes; the PyTorch
    twin's forward pass agrees."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    layers = keras.layers
    frames = keras.Input((None, 20, 1))
    x = layers.Conv2D(4, (5, 5), strides=2, padding="same")(frames)
    x = layers.GRU(8, return_sequences=True)(layers.Reshape((-1, 10 * 4))(x))
    report = explain(keras.Model(frames, layers.Dense(3)(x)), steps=30)
    (gru,) = report.items
    assert gru.ran_steps() == 15

    conv = torch.nn.Conv2d(1, 4, 5, stride=2, padding=2)
    rnn, head = torch.nn.GRU(40, 8, batch_first=True), torch.nn.Linear(8, 3)

    def twin(x):
        grid = conv(x)  # (1, 4, 15, 10)
        return head(stepped(rnn, grid.permute(0, 2, 3, 1).reshape(1, 15, 40)))

    with torch.no_grad():
        _, flops = counted_flops(twin, torch.randn(1, 1, 30, 20))
    assert report.sequence_macs() == flops // 2


def test_a_time_axis_that_cannot_be_known_is_said_so_never_filled_with_steps():
    """An LSTM over an input's second axis, left open (Permute swaps it in): steps fills
    only axis 1, so its length is not known; a subclassed model records no shapes."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    layers = keras.layers
    x = keras.Input((8, None))
    report = explain(keras.Model(x, layers.LSTM(4)(layers.Permute((2, 1))(x))), steps=10)
    assert report.sequence_macs() is None
    text = " ".join(report.text().split())
    assert "(LSTM): 4 × (8 × 4 + 4 × 4) = 192 MACs per position; how often is not known" in text
    assert "No total for the whole model: not known for" in text
    assert report.items[0].breakdown.steps is None, "its own table claims no sequence"

    class Classifier(keras.Model):
        def __init__(self):
            super().__init__()
            self.lstm, self.head = layers.LSTM(4), layers.Dense(2)

        def call(self, x):
            return self.head(self.lstm(x))

    model = Classifier()
    model(keras.ops.zeros((1, 10, 3)))
    subclassed = explain(model, steps=10)
    assert subclassed.sequence_macs() is None
    assert "a subclassed model records no shapes" in " ".join(subclassed.text().split())


def test_a_conv_lstm_runs_at_every_position_of_its_recorded_grid():
    """ConvLSTM2D: its figure per position (4·k·f·(c + f)) × its output's H × W × the
    steps, as stepping it with F.conv2d counts ("valid" on the input, "same" on the
    state, as Keras does); the model then has a total."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    steps, (height, width), filters = 4, (9, 8), 5
    model = keras.Sequential(
        [keras.Input((steps, height, width, 1)), keras.layers.ConvLSTM2D(filters, (3, 3))]
    )
    report = explain(model, steps=steps)
    grid = (height - 2, width - 2)
    w_x, w_h = torch.randn(4 * filters, 1, 3, 3), torch.randn(4 * filters, filters, 3, 3)

    def twin(x):
        h = torch.zeros(1, filters, *grid)
        c = torch.zeros_like(h)
        for t in range(steps):
            gates = F.conv2d(x[:, t], w_x) + F.conv2d(h, w_h, padding="same")
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return h

    _, flops = counted_flops(twin, torch.randn(1, steps, 1, height, width))
    assert report.sequence_macs() == flops // 2 == steps * 42 * 4 * 9 * filters * (1 + filters)
    text = " ".join(report.text().split())
    assert f"× {steps} steps × 7 × 6 grid positions = {flops // 2:,} MACs" in text


@pytest.mark.parametrize("sequences", [False, True], ids=["last-step", "every-step"])
def test_a_conv_lstms_head_is_counted_at_one_grid_position_in_its_details(sequences):
    """The details count one position of the grid, the head's Dense there too: once a
    sequence on the last step's grid, else at every step; × the grid, the summary's."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    steps, filters, grid = 10, 16, 8 * 8
    recurrent = keras.layers.ConvLSTM2D(
        filters, (3, 3), padding="same", return_sequences=sequences
    )
    x = keras.Input((steps, 8, 8, 1))
    report = explain(keras.Model(x, keras.layers.Dense(4)(recurrent(x))), steps=steps)
    head_runs = steps if sequences else 1
    per_position = steps * 4 * 9 * filters * (1 + filters) + head_runs * filters * 4
    (item,) = report.items
    assert item.breakdown.work.macs == per_position
    assert report.sequence_macs() == grid * per_position
    assert f"{per_position:,} MACs = {2 * per_position:,} FLOPs" in report.text(details=True)


def test_a_wide_conv_lstm_reads_per_position_times_its_grid():
    """ConvLSTM2D(64, (5, 5)) on one channel: 416,000 MACs at each grid position, × H × W
    of its output (12 × 12 for 16 × 16 frames), × the steps; and the model's total."""
    keras = pytest.importorskip("keras")
    from lstm_widget import explain

    model = keras.Sequential([keras.Input((None, 16, 16, 1)), keras.layers.ConvLSTM2D(64, (5, 5))])
    report = explain(model, steps=10)
    per_position = 4 * 25 * 64 * (1 + 64)
    assert per_position == 416_000
    total = per_position * 12 * 12 * 10
    assert report.sequence_macs() == total
    text = " ".join(report.text().split())
    assert f"= 416,000 MACs × 10 steps × 12 × 12 grid positions = {total:,} MACs" in text
    assert f"Whole model: {total:,} MACs" in text


# ------------------------------------------------ the work measured from the run


def reference_macs(fn, *args):
    """What PyTorch's counter counts for ``fn(*args)``, in MACs (no fused LSTM inside)."""
    with torch.no_grad():
        _, flops = counted_flops(fn, *args)
    return flops // 2


class Loop(torch.nn.Module):
    """A GRUCell stepped in a Python loop inside forward, its head at every step."""

    def __init__(self):
        super().__init__()
        self.cell = torch.nn.GRUCell(8, 16)
        self.out = torch.nn.Linear(16, 4)

    def forward(self, x):  # x: (30, 1, 8)
        h, ys = torch.zeros(1, 16), []
        for t in range(x.shape[0]):
            h = self.cell(x[t], h)
            ys.append(self.out(h))
        return torch.stack(ys)


def test_a_cell_stepped_in_forward_counts_every_step_and_its_head_at_each():
    """It gave 34,624: the cell at every step, the head at 1 position, though it runs 30
    times."""
    x = torch.randn(30, 1, 8)
    report = _sequence_report(Loop(), x, 30)
    assert report.sequence_macs() == 30 * (3 * 16 * (8 + 16) + 16 * 4) == 36_480
    assert report.sequence_macs() == reference_macs(Loop(), x)
    assert "Whole model: 36,480 MACs" in report.text()


def test_a_tied_language_model_counts_its_decoder_at_every_position():
    model, tokens = TiedLanguageModel().eval(), torch.zeros(20, 1, dtype=torch.long)
    report = _sequence_report(model, tokens, 20)
    assert report.unexplained == ()
    assert report.sequence_macs() == 20 * (4 * 32 * 64 + 32 * 1000) == 803_840

    def forward(tokens):  # the LSTM as its cells, which the counter sees
        embedded = model.emb(tokens).transpose(0, 1)
        return model.dec(stepped(model.lstm, embedded))

    assert report.sequence_macs() == reference_macs(forward, tokens)


class Decoder(torch.nn.Module):
    """A greedy decoder: one GRU step a call inside forward, its output fed back."""

    def __init__(self, length=7):
        super().__init__()
        self.length = length
        self.emb = torch.nn.Embedding(50, 16)
        self.gru = torch.nn.GRU(16, 32)
        self.out = torch.nn.Linear(32, 50)

    def forward(self, h):
        token, outputs = torch.zeros(1, 1, dtype=torch.long), []
        for _ in range(self.length):
            o, h = self.gru(self.emb(token), h)
            outputs.append(self.out(o))
            token = outputs[-1].argmax(-1)
        return torch.cat(outputs)


class CharRNN(torch.nn.Module):
    """PyTorch's name-classification tutorial RNN: forward is one step, built from
    nn.Linear; the loop over the letters is the caller's."""

    def __init__(self, letters=57, hidden=128, classes=18):
        super().__init__()
        self.i2h = torch.nn.Linear(letters + hidden, hidden)
        self.h2o = torch.nn.Linear(hidden, classes)
        self.softmax = torch.nn.LogSoftmax(dim=1)

    def forward(self, letter, hidden):
        hidden = torch.tanh(self.i2h(torch.cat((letter, hidden), 1)))
        return self.softmax(self.h2o(hidden)), hidden


class HandWritten(torch.nn.Module):
    """An Elman RNN written with nn.Linear, its loop over time inside forward."""

    def __init__(self):
        super().__init__()
        self.x2h = torch.nn.Linear(6, 10)
        self.h2h = torch.nn.Linear(10, 10, bias=False)
        self.h2y = torch.nn.Linear(10, 3)

    def forward(self, x):  # x: (1, T, 6)
        h = torch.zeros(1, 10)
        for t in range(x.shape[1]):
            h = torch.tanh(self.x2h(x[:, t]) + self.h2h(h))
        return self.h2y(h)


def test_a_decoder_looping_over_its_outputs_counts_each_step():
    model, h = Decoder(7).eval(), torch.zeros(1, 1, 32)
    report = _sequence_report(model, h, 7)
    assert report.sequence_macs() == 7 * (3 * 32 * (16 + 32) + 32 * 50)
    assert report.sequence_macs() == reference_macs(model, h)  # nn.GRU: counted in full


def test_a_forward_of_one_step_is_called_steps_times():
    """The char-RNN's forward is one step: with ``steps``, the sequence is that many
    calls, as the caller's loop makes them."""
    model, steps = CharRNN().eval(), 9
    letter, hidden = torch.zeros(1, 57), torch.zeros(1, 128)
    report = _sequence_report(model, (letter, hidden), steps)

    def caller(letter, hidden):
        for _ in range(steps):
            _, hidden = model(letter, hidden)

    assert report.sequence_macs() == reference_macs(caller, letter, hidden)
    assert report.sequence_macs() == steps * ((57 + 128) * 128 + 128 * 18)
    assert f"so the sequence is {steps:,} calls of it" in report.text()


def test_a_hand_written_rnn_from_linear_layers_counts_every_step():
    model, x = HandWritten().eval(), torch.randn(1, 12, 6)
    report = _sequence_report(model, x, 12)
    assert report.sequence_macs() == 12 * (6 * 10 + 10 * 10) + 10 * 3
    assert report.sequence_macs() == reference_macs(model, x)


class DotAttentionDecoder(torch.nn.Module):
    """Luong attention written in forward: its scores and context are torch.bmm's."""

    def __init__(self):
        super().__init__()
        self.cell = torch.nn.GRUCell(16, 16)
        self.out = torch.nn.Linear(32, 5)

    def forward(self, encoded):  # (1, S, 16)
        h, ys = torch.zeros(1, 16), []
        for t in range(encoded.shape[1]):
            h = self.cell(encoded[:, t], h)
            weights = torch.softmax(torch.bmm(h[:, None], encoded.transpose(1, 2)), -1)
            ys.append(self.out(torch.cat([h, torch.bmm(weights, encoded)[:, 0]], -1)))
        return torch.stack(ys, 1)


def test_products_written_in_forward_make_the_total_not_known():
    """No layer counts a torch.bmm in a model's own forward: the total is not known, and
    says where, instead of a total that leaves it out."""
    report = _sequence_report(DotAttentionDecoder(), torch.randn(1, 6, 16), 6)
    assert report.sequence_macs() is None
    text = " ".join(report.text().split())  # sentences wrap to the report's width
    assert "DotAttentionDecoder: not known, its own forward multiplies matrices (bmm)" in text
    assert "No total for the whole model: not known for DotAttentionDecoder" in text
    assert "cell (GRUCell): 3 × (16 × 16 + 16 × 16) = 1,536 MACs × 6 steps in 6 calls" in text


class FunctionalTie(torch.nn.Module):
    """A decoder tied by hand: F.linear with the embedding's weight, no module of its own."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(40, 8)
        self.rnn = torch.nn.RNN(8, 8)

    def forward(self, tokens):
        return F.linear(self.rnn(self.emb(tokens))[0], self.emb.weight)


def test_a_layers_weight_used_outside_it_makes_the_total_not_known():
    report = _sequence_report(FunctionalTie(), torch.zeros(5, 1, dtype=torch.long), 5)
    assert report.sequence_macs() is None
    assert "FunctionalTie: not known, its forward uses emb's weights itself" in report.text()


def test_steps_other_than_the_examples_sequence_is_one_sentence():
    from lstm_widget.introspect import IntrospectionError

    with pytest.raises(IntrospectionError, match=r"^steps=30 is not the example's sequence: on "
                       r"it the object ran lstm \(LSTM\) 25 steps; give .*\.$"):  # fmt: skip
        _sequence_report(Tagger(), torch.zeros(1, 25, dtype=torch.long), 30)


def test_a_packed_batch_of_different_lengths_has_no_one_examples_work():
    class Packed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(4, 6)

        def forward(self, x, lengths):
            return self.lstm(torch.nn.utils.rnn.pack_padded_sequence(x, lengths))[0]

    x = torch.randn(5, 2, 4)
    uneven = _sequence_report(Packed(), (x, torch.tensor([5, 3])), 5)
    assert uneven.sequence_macs() is None
    assert "a packed batch of sequences of different lengths" in " ".join(uneven.text().split())
    even = _sequence_report(Packed(), (x, torch.tensor([5, 5])), 5)
    assert even.sequence_macs() == 5 * 4 * 6 * (4 + 6)


class CrossAttentionStep(torch.nn.Module):
    """One decoder step attending over the encoded sequence (time-first or batch-first)."""

    def __init__(self, batch_first=True):
        super().__init__()
        self.cell = torch.nn.LSTMCell(8, 8)
        self.attention = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)

    def forward(self, x, state, memory):
        h, c = self.cell(x, state)
        query = h[:, None] if self.attention.batch_first else h[None]
        return self.attention(query, memory, memory)[0], (h, c)


def test_attention_over_other_keys_than_its_queries_is_not_known():
    """A one-step decoder attending over 9 encoded positions projects the 9 keys and
    values at every step (PyTorch's counter counts them); a figure per query, as for
    self-attention, would leave them out."""
    model, steps = CrossAttentionStep().eval(), 4
    x, state = torch.randn(1, 8), (torch.zeros(1, 8), torch.zeros(1, 8))
    report = _sequence_report(model, (x, state, torch.randn(1, 9, 8)), steps)
    assert report.sequence_macs() is None
    text = " ".join(report.text().split())  # sentences wrap to the report's width
    assert (
        "attention (MultiheadAttention): 3E × E + S × E + S × E = 24 × 8 + 9 × 8 + 9 × 8 = 336 "
        "MACs per position; how often is not known: 9 keys for 1 queries: its key and "
        "value projections run at every key"
    ) in text
    assert "attention.out_proj (NonDynamicallyQuantizableLinear): b × a = 8 × 8 = 64 MACs × 4" in (
        text
    )


def test_self_attention_in_a_loop_counts_each_calls_keys():
    """Attending over the steps so far, one call a step with all of them as queries:
    S grows by call, and each call is counted at its own."""

    class Growing(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = torch.nn.MultiheadAttention(8, 2)

        def forward(self, x):  # (T, 1, 8)
            return [self.attention(x[:t], x[:t], x[:t])[0] for t in range(1, x.shape[0] + 1)]

    model, x = Growing().eval(), torch.randn(5, 1, 8)
    report = _sequence_report(model, x, 5)
    with torch.enable_grad():  # the attention's fused kernel, which the counter misses, needs none
        _, flops = counted_flops(model, x)
    assert (
        report.sequence_macs() == flops // 2 == sum(t * (4 * 64 + 2 * t * 8) for t in range(1, 6))
    )
    assert "S the keys of each call" in report.text()
