"""xLSTM's sLSTM and mLSTM counted against the reference implementation itself.

Every configuration is built with NX-AI's ``xlstm`` package (the release pinned in the
test extra) on CPU, the sLSTM with ``backend="vanilla"`` (the default "cuda" compiles a
kernel as it is built). lstm_widget's weight groups must name exactly the package's
tensors with their shapes, tile each of them once, and sum to
``sum(p.numel() for p in module.parameters())``; its multiply-accumulates must be
``FlopCounterMode``'s FLOPs ÷ 2 for a step and for a whole forward. A fixed table
covers each setting and the figures the documentation quotes; hypothesis draws more,
and wherever lstm_widget refuses a configuration the package must fail to build it or
to run it.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from xlstm import (
    FeedForwardConfig,
)
from xlstm.blocks.slstm.cell import sLSTMCell, sLSTMCellConfig
from xlstm_models import WORK, build, configurations, conv_macs, counted_macs, shapes, short

from lstm_widget.conventions import SettingsError
from lstm_widget.conventions.xlstm import MODULE_SOURCES, PACKAGE, SETTINGS
from lstm_widget.counting import WeightGroup
from lstm_widget.counting_xlstm import (
    XlstmSizes,
    forward_macs,
    groups,
    macs_per_step,
    role_totals,
    source,
    up_projection,
)

pytestmark = pytest.mark.frameworks


@dataclass
class Counted:
    """lstm_widget's groups as the tiling check reads a breakdown."""

    groups: tuple[WeightGroup, ...]

    def tensors(self) -> dict[str, tuple[int, ...]]:
        return {g.tensor: g.tensor_shape for g in self.groups}


def check_against_the_package(s: XlstmSizes, check_groups_tile_tensors) -> None:
    module = build(s)
    counted = Counted(tuple(groups(s)))
    assert counted.tensors() == shapes(module)
    assert list(counted.tensors()) == list(shapes(module)), "named_parameters' order"
    check_groups_tile_tensors(counted)
    assert sum(g.count for g in counted.groups) == sum(p.numel() for p in module.parameters())
    for g in counted.groups:
        assert g.count > 0, g.name
        assert source(g.tensor) in MODULE_SOURCES.values(), g.name


S = XlstmSizes


#: Each setting away from its default at least once, and the documentation's figures.
TABLE = [
    S("slstm", 512, scope="layer"),
    S("slstm", 512, heads=1, scope="layer"),
    S("slstm", 512, heads=8, scope="layer"),
    S("slstm", 96, heads=3, conv_kernel=0, scope="layer"),
    S("slstm", 64, conv_kernel=2, norm_weight=False, scope="layer"),
    S("slstm", 128),
    S("slstm", 128, feedforward=False),
    S("slstm", 200, heads=5, ffn_factor=4 / 3, ffn_bias=True),
    S("slstm", 64, ffn_factor=2.0, round_to=8, round_up=False),
    S("slstm", 64, heads=2, blocks=3, scope="stack"),
    S("slstm", 64, blocks=2, scope="stack", post_norm=False),
    S("slstm", 48, heads=6, blocks=2),
    S("mlstm", 128, scope="layer"),
    S("mlstm", 128, heads=8, scope="layer"),
    S("mlstm", 100, proj_factor=1.5, scope="layer"),
    S("mlstm", 64, qkv_blocksize=8, conv_kernel=2, scope="layer"),
    S("mlstm", 64, qkv_blocksize=1, heads=2, proj_bias=True, scope="layer"),
    S("mlstm", 96, proj_factor=1.0, round_to=32, round_up=False),
    S("mlstm", 64, conv_kernel=2, heads=16),
    S("mlstm", 72, heads=2, qkv_blocksize=40, proj_factor=2.5),
    S("mlstm", 64, blocks=3, scope="stack", proj_bias=True),
    S("mlstm", 64, heads=1, blocks=2),
    S("mlstm", 768, scope="layer"),
    S("mlstm", 32, blocks=2, scope="stack", post_norm=False, conv_kernel=3),
]


def test_the_table_covers_every_setting_away_from_its_default():
    changed = {
        name
        for s in TABLE
        for name, setting in SETTINGS.items()
        if s.cell in setting.cells and getattr(s, name) != setting.default
    }
    assert changed == set(SETTINGS)
    assert len(TABLE) >= 20


@pytest.mark.parametrize("s", TABLE, ids=short)
def test_every_tensor_matches_the_package(s, check_groups_tile_tensors):
    check_against_the_package(s, check_groups_tile_tensors)


def test_the_issue_s_slstm_layer_has_529_408_parameters_in_five_groups():
    s = S("slstm", 512, heads=4, scope="layer")
    by_role = role_totals(s)
    assert by_role == {
        "conv": 2_560,
        "input": 262_144,
        "recurrent": 262_144,
        "bias": 2_048,
        "scale": 512,
    }
    assert sum(by_role.values()) == 529_408 == sum(p.numel() for p in build(s).parameters())
    # A classic LSTM of the same width keeps 4 · 512² = 1,048,576 recurrent weights.
    assert by_role["recurrent"] * 4 == 4 * 512**2


def test_the_mlstm_layer_of_width_128_has_109_320_parameters():
    s = S("mlstm", 128, scope="layer")
    assert s.inner == 256
    assert sum(g.count for g in groups(s)) == 109_320
    assert sum(p.numel() for p in build(s, context=16).parameters()) == 109_320


def test_the_package_is_the_pinned_release():
    import xlstm

    assert f"xlstm=={xlstm.__version__}" == PACKAGE


@pytest.mark.parametrize(
    ("factor", "width", "multiple", "round_up", "expected"),
    [(1.3, 512, 64, True, 704), (2.0, 128, 64, True, 256), (4 / 3, 768, 64, True, 1024),
     (1.5, 100, 64, True, 192), (1.0, 96, 32, False, 96), (1.3, 64, 64, False, 64)],
)  # fmt: skip
def test_up_projections_round_as_the_package_does(factor, width, multiple, round_up, expected):
    config = FeedForwardConfig(
        proj_factor=factor,
        embedding_dim=width,
        round_proj_up_to_multiple_of=multiple,
        round_proj_up_dim_up=round_up,
    )
    assert up_projection(factor, width, multiple, round_up) == config._proj_up_dim == expected


def test_the_cuda_backend_keeps_the_same_tensors_laid_out_per_head():
    # The CUDA cell builds on CPU when its kernel is not compiled; its names and counts
    # are the vanilla cell's, its recurrent kernel (H, d/H, 4·d/H).
    config = dict(hidden_size=64, num_heads=4)
    cuda = sLSTMCell(sLSTMCellConfig(**config, backend="cuda"), skip_backend_init=True)
    vanilla = sLSTMCell(sLSTMCellConfig(**config, backend="vanilla"))
    assert shapes(cuda) == {"_recurrent_kernel_": (4, 16, 64), "_bias_": (256,)}
    assert {n: t.numel() for n, t in cuda.named_parameters()} == {
        n: t.numel() for n, t in vanilla.named_parameters()
    }


def test_each_gate_s_slices_hold_that_gate_s_recurrent_weights_and_bias():
    s = S("slstm", 32, heads=2, scope="layer")
    layer = build(s)
    cell = layer.slstm_cell
    counted = {g.symbol: g for g in groups(s)}
    for n, gate in enumerate("ifzo"):
        # The package's own accessors take the gate's place in (head, in, gate, out)
        # and (head, gate, unit); a mark written there must land in lstm_widget's slice.
        with torch.no_grad():
            cell._recurrent_kernel_.zero_()
            cell._bias_.zero_()
        cell.recurrent_kernel[:, :, n, :] = torch.ones(2, 16, 16)
        cell.bias[:, n, :] = torch.ones(2, 16)
        for tensor, symbol in ((cell._recurrent_kernel_, f"R_{gate}"), (cell._bias_, f"b_{gate}")):
            marked = torch.zeros_like(tensor)
            marked[index(counted[symbol].index)] = 1
            assert torch.equal(tensor.detach(), marked), symbol


def index(text: str) -> tuple[slice, ...]:
    return tuple(
        slice(None) if part == ":" else slice(*map(int, part.split(":")))
        for part in text.strip("[]").split(", ")
    )


def test_the_projection_named_fgate_feeds_the_input_gate():
    s = S("slstm", 16, heads=2, scope="layer")
    layer = build(s).eval()
    seen = {}
    layer.slstm_cell.register_forward_pre_hook(lambda _, args: seen.update(raw=args[0]))
    x = torch.randn(1, 3, 16)
    with torch.no_grad():
        layer(x)
        conv = torch.nn.functional.silu(layer.conv1d(x))
        i, f, z, o = seen["raw"].split(16, dim=-1)
        projections = {
            g.gate: g.tensor.removesuffix(".weight") for g in groups(s) if g.role == "input"
        }
        assert torch.allclose(i, getattr(layer, projections["i"])(conv))
        assert torch.allclose(f, getattr(layer, projections["f"])(conv))
        assert torch.allclose(z, getattr(layer, projections["z"])(x))
        assert torch.allclose(o, getattr(layer, projections["o"])(x))
    assert projections["i"] == "fgate"


# --- work ---------------------------------------------------------------------------


@pytest.mark.parametrize("s", WORK, ids=short)
def test_a_step_multiplies_what_the_formula_says(s):
    module = build(s).eval()
    x = torch.randn(1, 1, s.width)
    # The step's causal conv is an element-wise product and a sum over the kept
    # inputs (components/conv.py, conv1d_step), which the counter does not see.
    assert counted_macs(lambda: module.step(x)) == macs_per_step(s) - conv_macs(s)


@pytest.mark.parametrize("s", WORK, ids=short)
@pytest.mark.parametrize("steps", [1, 5])
def test_a_forward_multiplies_what_the_formula_says(s, steps):
    module = build(s, context=steps).eval()
    x = torch.randn(1, steps, s.width)
    assert counted_macs(lambda: module(x)) == forward_macs(s, steps)


# --- random configurations ----------------------------------------------------------

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
# A feed-forward rounded to no width builds (with a warning) and fails as it runs.
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@given(drawn=st.sampled_from(["slstm", "mlstm"]).flatmap(configurations))
def test_random_configurations_match_the_package_or_it_cannot_run_them(
    drawn, check_groups_tile_tensors
):
    try:
        s = XlstmSizes(**drawn)
    except SettingsError:
        event(f"{drawn['cell']} refused")
        # Refused: the package must fail to build it, or to run it.
        with pytest.raises((AssertionError, AttributeError, RuntimeError, ValueError)):
            module = build(SimpleNamespace(**drawn)).eval()
            module(torch.randn(1, 2, drawn["width"]))
        return
    event(f"{drawn['cell']} counted")
    check_against_the_package(s, check_groups_tile_tensors)
