"""explain() on the xlstm package's own modules: layers, blocks and stacks as one family.

Every model here is built by the reference package (the release pinned in the test
extra). Each family must come out as one row whose tensors are exactly the module's,
in its order, and whose total is ``sum(p.numel())``; the work of one step must be what
``FlopCounterMode`` counts on the package's ``step``, and a forward over a sequence is
counted exactly where the package's forward is its step repeated, and otherwise said
to be not known, with the reason.
"""

import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from xlstm import (
    mLSTMBlockConfig,
    mLSTMLayerConfig,
    sLSTMBlockConfig,
    sLSTMLayerConfig,
    xLSTMLMModel,
    xLSTMLMModelConfig,
)
from xlstm_models import WORK, build, configurations, conv_macs, counted_macs, shapes, short

from lstm_widget import explain
from lstm_widget.conventions import SettingsError
from lstm_widget.counting_xlstm import XlstmSizes, macs_per_step
from lstm_widget.introspect import ModelReport

pytestmark = pytest.mark.frameworks

S = XlstmSizes


def check_one_family(report: ModelReport, module: torch.nn.Module, s: XlstmSizes) -> None:
    """The family is one counted row: the package's tensors, in order, and its total."""
    assert report.matches, report.reconciliation()
    assert not report.unexplained and not report.items
    (row,) = report.counted
    assert row.framework_tensors == tuple(shapes(module).items())
    assert tuple(t.name for t in row.count.tensors) == tuple(shapes(module))
    assert row.count.total == report.explained_total
    assert report.explained_total == sum(p.numel() for p in module.parameters())
    assert row.count.macs() == macs_per_step(s)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.sampled_from(["slstm", "mlstm"]).flatmap(configurations))
def test_random_families_are_explained_tensor_by_tensor(drawn):
    try:
        s = XlstmSizes(**drawn)
    except SettingsError:
        event("refused")  # test_xlstm.py shows the package cannot run these
        return
    event(f"{s.cell} {s.scope}")
    module = build(s)
    check_one_family(explain(module), module, s)


@pytest.mark.parametrize("s", WORK, ids=short)
def test_a_step_s_work_is_what_the_package_s_step_multiplies(s):
    module = build(s).eval()
    (row,) = explain(module).counted
    x = torch.randn(1, 1, s.width)
    # The step's conv is element-wise work the counter does not see (test_xlstm.py).
    assert counted_macs(lambda: module.step(x)) == row.count.macs() - conv_macs(s)


@pytest.mark.parametrize("s", WORK, ids=short)
def test_a_forward_s_work_is_counted_where_it_is_its_step_repeated(s):
    steps = 5
    module = build(s, context=steps).eval()
    x = torch.randn(1, steps, s.width)
    report = explain(module, example=x, steps=steps)
    assert not report.outside, "the family's own products are its row's"
    measured = counted_macs(lambda: module(x))
    if s.cell == "slstm" and not s.conv_kernel:
        assert report.sequence_macs() == measured == steps * macs_per_step(s)
        return
    # Padded conv steps and the mLSTM's parallel form: more than `steps` steps' work.
    assert measured != steps * macs_per_step(s)
    assert report.sequence_macs() is None
    (row,) = report.counted
    assert "the package's forward is not its step repeated" in row.runs.why
    words = " ".join(report.text().split())  # the text wraps to the report's width
    assert f"how often is not known: {row.runs.why}" in words
    assert "No total for the whole model: not known for" in words


def language_model(**changes) -> xLSTMLMModel:
    """The package's own language model: embedding, block stack, head (bias-free)."""
    config = dict(
        vocab_size=50,
        embedding_dim=32,
        num_blocks=3,
        context_length=6,
        mlstm_block=mLSTMBlockConfig(mlstm=mLSTMLayerConfig(num_heads=2)),
        slstm_block=sLSTMBlockConfig(slstm=sLSTMLayerConfig(num_heads=2, backend="vanilla")),
        slstm_at=[],
    )
    return xLSTMLMModel(xLSTMLMModelConfig(**(config | changes)))


@pytest.mark.parametrize("cell", ["mlstm", "slstm"])
def test_the_package_s_language_model_is_explained_whole(cell):
    model = language_model(slstm_at="all" if cell == "slstm" else [])
    report = explain(model)
    assert report.matches and not report.unexplained, report.reconciliation()
    rows = {row.path: row for row in report.counted}
    assert set(rows) == {"xlstm_block_stack", "token_embedding", "lm_head"}
    stack = rows["xlstm_block_stack"]
    s = S(cell, 32, heads=2, scope="stack", blocks=3)
    assert stack.count.total == sum(p.numel() for p in model.xlstm_block_stack.parameters())
    assert stack.count.macs() == macs_per_step(s)
    assert report.explained_total == sum(p.numel() for p in model.parameters())


def test_a_tied_head_is_counted_once():
    model = language_model(tie_weights=True)
    report = explain(model)
    assert report.matches, report.reconciliation()
    assert report.framework_total == sum(p.numel() for p in model.parameters())
    head = next(row for row in report.counted if row.path == "lm_head")
    assert head.count.total == 0 and [s.other for s in head.sharing] == ["token_embedding"]


@pytest.mark.parametrize(
    ("slstm_at", "slstm_heads", "mlstm_heads"),
    [([1], 2, 2), ([0, 2], 4, 1), ([2], 1, 8), ([0], 2, 4)],
)
def test_a_stack_mixing_slstm_and_mlstm_blocks_is_one_family(slstm_at, slstm_heads, mlstm_heads):
    # The paper's xLSTM[7:1] pattern: sLSTM blocks among mLSTM blocks, heads of their own.
    model = language_model(
        slstm_at=slstm_at,
        mlstm_block=mLSTMBlockConfig(mlstm=mLSTMLayerConfig(num_heads=mlstm_heads)),
        slstm_block=sLSTMBlockConfig(
            slstm=sLSTMLayerConfig(num_heads=slstm_heads, backend="vanilla")
        ),
    )
    report = explain(model)
    assert report.matches and not report.unexplained, report.reconciliation()
    stack = model.xlstm_block_stack
    (row,) = [row for row in report.counted if row.path == "xlstm_block_stack"]
    assert tuple(t.name for t in row.count.tensors) == tuple(shapes(stack))
    assert row.count.total == sum(p.numel() for p in stack.parameters())
    assert report.explained_total == sum(p.numel() for p in model.parameters())
    # A step's work: each block's own, as a stack of its kind alone would do it, and the
    # package's step multiplies as much (its conv aside, element-wise to the counter).
    kinds = [
        S("slstm", 32, heads=slstm_heads) if k in slstm_at else S("mlstm", 32, heads=mlstm_heads)
        for k in range(3)
    ]
    assert row.count.macs() == sum(macs_per_step(s) for s in kinds)
    x = torch.randn(1, 1, 32)
    measured = counted_macs(lambda: stack.eval().step(x))
    assert measured == row.count.macs() - sum(conv_macs(s) for s in kinds)


class Classifier(torch.nn.Module):
    """A user's model: an sLSTM block over an nn.LSTM's outputs, and a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(8, 16, batch_first=True)
        self.block = build(S("slstm", 16, heads=2, conv_kernel=0, feedforward=False))
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(self.lstm(x)[0])[:, -1])


def test_a_family_inside_a_user_s_model_sits_beside_its_other_layers():
    model = Classifier()
    x = torch.randn(2, 7, 8)
    report = explain(model, example=x, steps=7)
    assert report.matches, report.reconciliation()
    assert [item.path for item in report.items] == ["lstm"]
    assert [row.path for row in report.counted] == ["block", "head"]
    assert not report.outside
    # Without a conv, the sLSTM's forward is its step repeated: the whole model's work
    # is known. The counter cannot see into nn.LSTM's fused kernel, so the LSTM's part
    # is its breakdown's, and the rest is what the counter counts for one example.
    (lstm,) = report.items
    features = model.lstm(x[:1])[0]
    rest = counted_macs(lambda: model.head(model.block(features)[:, -1]))
    assert report.sequence_macs() == sum(lstm.breakdown.work.layer_macs) * 7 + rest
