"""minGRU and minLSTM counted against lucidrains' minGRU-pytorch itself, in every view.

The reference package's modules (the release pinned in the test extra) are built from
the code lstm_widget writes for a layer, and from arguments drawn at random; the
weight groups must name exactly the package's tensors with their shapes, tile each of
them once and sum to ``sum(p.numel() for p in module.parameters())``, and the
multiply-accumulates must be ``FlopCounterMode``'s FLOPs ÷ 2 on a CPU forward, a
sequence at once (the package's parallel scan) and a step at a time. Then every front
end is asked about the two cells, and the options they lack are refused in a sentence.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from minGRU_pytorch import minGRU
from minGRU_pytorch.minLM import minLM
from minGRU_pytorch.minLSTM import minLSTM
from strategies import any_settings
from torch.utils.flop_counter import FlopCounterMode

from lstm_widget import breakdown, cli, explain, magics, panel
from lstm_widget.compare import compare_with, suggestions
from lstm_widget.conventions import SettingsError, cell_refusal
from lstm_widget.counting import Settings
from lstm_widget.layout import LECTURE, layout
from lstm_widget.quiz import Question
from lstm_widget.snippets import write_code

pytestmark = pytest.mark.frameworks  # the counts are checked against minGRU-pytorch

FRAMEWORK = "mingru_pytorch"
MODULES = {"mingru": minGRU, "minlstm": minLSTM}
#: What the package's forward multiplies per position, per unit: its gate blocks.
BLOCKS = {"mingru": 2, "minlstm": 3}


def build(s: Settings) -> torch.nn.Module:
    """The package's model, built by running the code lstm_widget writes for ``s``: the
    layer (a stack in an ``nn.Sequential``), then the head, if any, named ``linear``."""
    layer, *head = write_code(s).split("; ")[:-1]  # the input's shape last
    namespace = {"minGRU": minGRU, "minLSTM": minLSTM, "nn": torch.nn}
    # Only our own writer's output is evaluated.
    module: torch.nn.Module = eval(layer, namespace)
    if head:
        module = torch.nn.ModuleDict({"layer": module, "linear": eval(head[0], namespace)})
    return module


def tiles(b, module: torch.nn.Module) -> None:
    """``b``'s groups name ``module``'s tensors with their shapes and cover each once."""
    tensors = {
        name.removeprefix("layer."): tuple(p.shape) for name, p in module.named_parameters()
    }
    covered: dict[str, int] = defaultdict(int)
    for g in b.groups:
        assert tensors[g.tensor] == g.tensor_shape, g
        covered[g.tensor] += g.count
    assert covered == {name: math.prod(shape) for name, shape in tensors.items()}


def flops(module: torch.nn.Module, *args: torch.Tensor) -> int:
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(*args)
    return int(counter.get_total_flops())


@settings(max_examples=30, deadline=None)
@given(
    s=any_settings(
        frameworks=(FRAMEWORK,),
        widths=st.integers(1, 40),
        layers=st.integers(1, 3),
        dense=st.integers(0, 5),
    ),
    steps=st.integers(1, 6),
)
def test_counts_and_macs_are_the_packages(s, steps):
    b = breakdown(**s, steps=steps)
    module = build(b.settings)
    assert b.total == sum(p.numel() for p in module.parameters())
    tiles(b, module)
    assert not [g for g in b.groups if g.role in ("recurrent", "bias", "second_bias")]
    # The whole sequence at once: each Linear runs at every position.
    x = torch.randn(2, steps, b.settings.input_size)
    if b.settings.dense:
        module = torch.nn.Sequential(module["layer"], module["linear"])
    assert flops(module, x) == 2 * 2 * b.work.macs  # a batch of two


@settings(max_examples=25, deadline=None)
@given(
    cell=st.sampled_from(sorted(MODULES)),
    dim=st.integers(1, 64),
    expansion=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 1 / 3, 0.73]),
    proj_out=st.sampled_from([None, True, False]),
)
def test_the_packages_own_arguments_count_as_their_settings(cell, dim, expansion, proj_out):
    module = MODULES[cell](dim, expansion_factor=expansion, proj_out=proj_out)
    inner = int(dim * expansion)
    if inner < 1:
        return  # the package builds a layer of no units, which counts nothing
    projecting = expansion != 1 if proj_out is None else proj_out
    b = breakdown(
        framework=FRAMEWORK, cell=cell, input_size=dim, units=inner,
        proj_size=dim if projecting else 0,
    )  # fmt: skip
    assert b.total == sum(p.numel() for p in module.parameters())
    assert b.total == BLOCKS[cell] * dim * inner + (inner * dim if projecting else 0)
    tiles(b, module)


@pytest.mark.parametrize("cell", sorted(MODULES))
def test_a_step_at_a_time_does_the_work_per_step(cell):
    b = breakdown(framework=FRAMEWORK, cell=cell, input_size=6, units=9, proj_size=6, steps=1)
    module = build(b.settings)
    x, state = torch.randn(1, 1, 6), torch.rand(1, 1, 9) + 0.1
    assert flops(module, x, state) == 2 * b.work.macs_per_step
    assert b.work.macs_per_step == BLOCKS[cell] * 6 * 9 + 9 * 6


def test_the_formula_has_no_recurrent_term_and_the_reading_no_fed_back_state():
    b = breakdown(framework=FRAMEWORK, cell="minlstm", input_size=8, units=12)
    assert b.formula.text() == "layer 1: 3 × (x × h) = 3 × (8 × 12) = 288"
    assert b.per_unit[0].text() == (
        "each unit: 3 blocks (2 gates + candidate) × (8 input) = 24; × 12 units = 288"
    )
    gru = breakdown(framework=FRAMEWORK, cell="mingru", input_size=8, units=12, steps=5)
    assert gru.per_unit[0].blocks_text() == "2 blocks (1 gate + candidate)"
    # σ(z), g(h̃); (1 − z)⊙h and z⊙h̃; 1 − z and the sum: per unit, no biases.
    e = gru.work.elementwise
    assert (e.activations, e.products, e.additions) == (2 * 12, 2 * 12, 2 * 12)
    assert gru.work.macs == 5 * 2 * 8 * 12


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"bidirectional": True}, "bidirectional=True is not possible: a minGRU-pytorch "
         "minGRU runs forward only; use bidirectional=False."),
        ({"peepholes": True}, "peepholes=True applies only to an ONNX LSTM or a TF1 "
         "LSTMCell, not a minGRU-pytorch minGRU; use peepholes=False."),
        ({"reset_after": False}, "reset_after=False applies only to a Keras GRU, not a "
         "minGRU-pytorch minGRU; use reset_after=True."),
        ({"proj_size": 5}, "proj_size=5 is not possible: a minGRU-pytorch minGRU projects "
         "back to its input's width; use proj_size=8 (input_size) or 0."),
    ],
)  # fmt: skip
def test_what_the_package_lacks_is_refused_in_one_sentence(changes, sentence, capsys):
    given_ = dict(framework=FRAMEWORK, cell="mingru", input_size=8, units=12)
    with pytest.raises(SettingsError) as raised:
        breakdown(**given_, **changes)
    assert str(raised.value) == sentence
    flags = {"bidirectional": ["--bidirectional"], "peepholes": ["--peepholes"],
             "reset_after": ["--no-reset-after"], "proj_size": ["--proj", "5"]}  # fmt: skip
    line = ["--framework", FRAMEWORK, "--cell", "mingru", "-i", "8", "-u", "12"]
    assert cli.main([*line, *flags[next(iter(changes))]]) == 2
    err = capsys.readouterr().err
    assert sentence in err and "Traceback" not in err
    assert cell_refusal("mingru", "keras") == (
        "cell='mingru' (minGRU) exists only in minGRU-pytorch, not in Keras; "
        "use framework='mingru_pytorch'."
    )


def test_the_command_line_and_the_magic_count_them(capsys):
    line = ["--framework", FRAMEWORK, "--cell", "minlstm", "-i", "8", "-u", "12", "--proj", "8"]
    assert cli.main(line) == 0
    assert "384" in capsys.readouterr().out
    _, given_ = magics._parse(line)
    assert breakdown(**given_).total == 3 * 8 * 12 + 12 * 8


def test_the_panel_switches_to_them_and_disables_what_they_lack():
    live = panel(framework=FRAMEWORK, cell="mingru", input_size=8, units=12)
    try:
        assert live.error is None and live.result.total == 2 * 8 * 12
        for name in ("bidirectional", "bias", "peepholes", "reset_after"):
            assert live.controls[name].disabled, name
        assert not live.controls["proj_size"].disabled
        live.controls["proj_size"].value = 5
        assert live.error is not None and "proj_size=5 is not possible" in live.error
        live.controls["proj_size"].value = 8
        assert live.error is None and live.result.total == 3 * 8 * 12
        live.controls["cell"].value = "minlstm"
        assert live.error is None and live.result.total == 4 * 8 * 12
    finally:
        live.close()


def test_lstm_against_minlstm_says_where_the_parameters_went():
    lstm = breakdown(framework="pytorch", cell="lstm", input_size=8, units=12)
    changes = {"framework": FRAMEWORK, "cell": "minlstm"}
    assert changes in suggestions(lstm.settings)
    compared = compare_with(lstm, changes)
    assert compared.sentences() == [
        "minGRU-pytorch minLSTM changes the input weights: 4 × 96 = 384 → 3 × 96 = 288, -96",
        "minGRU-pytorch minLSTM drops recurrent weights per gate: 4 × 144 = 576",
        "minGRU-pytorch minLSTM drops a bias per gate: 4 × 12 = 48",
        "minGRU-pytorch minLSTM drops a second bias per gate: 4 × 12 = 48",
    ]
    assert compared.delta == 288 - lstm.total


def test_the_quiz_asks_in_the_packages_code_and_diagnoses_a_counted_u():
    b = breakdown(framework=FRAMEWORK, cell="mingru", input_size=8, units=12)
    question = Question(b, "layer", 3)
    assert question.code() == "minGRU(8, expansion_factor=1.5, proj_out=False); x: (batch, 3, 8)"
    assert question.check(192).right
    wrong = question.check(192 + 2 * 12 * 12)
    assert not wrong.right and [d.key for d in wrong.diagnoses] == ["recurrent_counted"]
    assert "A minGRU's gates read xₜ alone" in wrong.message
    lstm = Question(breakdown(framework=FRAMEWORK, cell="minlstm", input_size=8, units=12))
    assert "candidate" in lstm.check(2 * 8 * 12).message


@pytest.mark.parametrize(("cell", "proj"), list(itertools.product(sorted(MODULES), (0, 8))))
def test_the_lecture_drawing_fits_with_no_h_on_the_bus(cell, proj):
    # As the lecture cases of tests/test_layout.py: one layer, its head; the label
    # boxes of every size, depth and option are checked apart from each other there.
    b = breakdown(framework=FRAMEWORK, cell=cell, input_size=8, units=12, proj_size=proj,
                  dense=1)  # fmt: skip
    lay = layout(b, variant="lecture")
    assert lay.width <= 600 and lay.height <= 400, (lay.width, lay.height)
    assert min(label.size for label in lay.labels) >= LECTURE.small >= 13.5
    texts = {label.key: label.text for label in lay.labels}
    assert texts["in:x"] == "xₜ" and "in:h" not in texts  # no hₜ₋₁ feeds the gates
    assert ("box:proj" in {item.key for item in lay.items}) == bool(proj)


@settings(max_examples=20, deadline=None)
@given(
    cell=st.sampled_from(sorted(MODULES)),
    dim=st.integers(1, 48),
    expansion=st.sampled_from([1.0, 1.5, 2.0, 0.5]),
    proj_out=st.sampled_from([None, True, False]),
)
def test_explain_reads_each_module_as_one_family(cell, dim, expansion, proj_out):
    module = MODULES[cell](dim, expansion_factor=expansion, proj_out=proj_out)
    if not int(dim * expansion):
        return  # a layer of no units: nothing to read
    report = explain(module)
    (item,) = report.items
    assert item.breakdown.settings.cell == cell
    assert item.breakdown.total == report.framework_total
    assert report.framework_total == sum(p.numel() for p in module.parameters())
    assert report.explained_total == report.framework_total and not report.unexplained


@pytest.mark.parametrize("use_lstm", [False, True])
def test_explain_reads_the_packages_language_model_and_its_work(use_lstm):
    """minLM: embedding, RMSNorm, causal depth-wise conv, the minGRU or minLSTM, a
    feed-forward, per layer; every parameter explained, the work FlopCounterMode's."""
    model = minLM(num_tokens=50, dim=16, depth=2, use_lstm=use_lstm, enable_conv=True)
    tokens = torch.randint(0, 50, (2, 7))
    report = explain(model, example=tokens, steps=7)
    cell = "minlstm" if use_lstm else "mingru"
    assert [item.breakdown.settings.cell for item in report.items] == [cell, cell]
    assert report.explained_total == sum(p.numel() for p in model.parameters())
    assert not report.unexplained
    assert report.sequence_macs() is not None
    assert flops(model, tokens) == 2 * 2 * report.sequence_macs()  # a batch of two


@pytest.mark.parametrize(("x", "h"), [(49, 1), (3, 1), (10, 3), (7, 100), (1_000, 999)])
def test_the_written_expansion_factor_gives_exactly_the_units(x, h):
    # int(dim * expansion_factor) truncates: 49 × (1 / 49) is 0.999…, which is 0 units.
    s = Settings(framework=FRAMEWORK, cell="mingru", input_size=x, units=h)
    assert build(s).to_hidden_and_gate.out_features == 2 * h
