"""The sLSTM and mLSTM lecture drawings: every weight group on a card with its count,
the counts the reference package's modules hold, and the lecture variant's rules (fits
600 × 400 pt beside the controls, no text under 13.5 pt, no labels overlapping)."""

import itertools
import re

import matplotlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlstm_models import build, short

from lstm_widget.counting_xlstm import XlstmSizes, block_groups, groups, up_projection
from lstm_widget.diagram import draw_xlstm, render_xlstm
from lstm_widget.display import xlstm_image_html
from lstm_widget.layout import LECTURE, Label
from lstm_widget.layout.items import fmt, shape_text
from lstm_widget.layout.xlstm import xlstm_layout

pytestmark = pytest.mark.frameworks  # the counts are checked against the xlstm package

S = XlstmSizes

#: What a lecture shows: each cell as a layer, a block and a stack, at a classroom's
#: width, and the settings that add or move cards. (The mLSTM's optional biases add a
#: row to most cards: such a drawing is taller, as wider cells make it wider.)
LECTURE_CASES = [
    S("slstm", 32, scope="layer"),
    S("slstm", 32),
    S("slstm", 32, heads=8, conv_kernel=0, norm_weight=False),
    S("slstm", 32, blocks=3, scope="stack"),
    S("mlstm", 32, scope="layer"),
    S("mlstm", 32),
    S("mlstm", 32, heads=2, qkv_blocksize=8, scope="layer"),
    S("mlstm", 32, blocks=2, scope="stack"),
]


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_the_lecture_rules(s):
    """Fits 600 × 400 pt, no text under 13.5 pt, no two labels overlapping."""
    lay = xlstm_layout(s)
    assert lay.width <= 600 and lay.height <= 400, (short(s), lay.width, lay.height)
    assert min(label.size for label in lay.labels) >= LECTURE.small >= 13.5
    boxes = [label.extent for label in lay.labels]
    for left, top, right, bottom in boxes:
        assert left >= 0 and top >= 0 and right <= lay.width and bottom <= lay.height
    for a, b in itertools.combinations(boxes, 2):
        assert not overlaps(a, b), (a, b)


@pytest.mark.parametrize("s", LECTURE_CASES, ids=short)
def test_the_drawing_fits_beside_the_controls_with_no_label_overlapping(s):
    check_the_lecture_rules(s)


@st.composite
def lecture_sizes(draw):
    """Any block a lecture shows: d up to 1,024, 1 to 16 heads, every option."""
    cell = draw(st.sampled_from(["slstm", "mlstm"]))
    scope = draw(st.sampled_from(["layer", "block", "stack"]))
    blocks = draw(st.integers(1, 48)) if scope == "stack" else 1
    common = dict(scope=scope, blocks=blocks, post_norm=draw(st.booleans()))
    if cell == "slstm":
        heads = draw(st.integers(1, 16))
        width = heads * draw(st.integers(1, 1024 // heads))
        return S("slstm", width, heads=heads, conv_kernel=draw(st.sampled_from([0, 2, 4, 8])),
                 norm_weight=draw(st.booleans()), feedforward=draw(st.booleans()),
                 ffn_factor=draw(st.sampled_from([1.0, 4 / 3, 1.3, 2.0, 4.0])),
                 ffn_bias=draw(st.booleans()), **common)  # fmt: skip
    width = draw(st.integers(1, 1024))
    factor = draw(st.sampled_from([1.0, 1.5, 2.0, 4.0]))
    inner = up_projection(factor, width, 64, True)
    blocksize = draw(st.sampled_from([b for b in (1, 2, 4, 8, 16) if inner % b == 0]))
    heads = draw(st.sampled_from([h for h in range(1, 17) if inner % h == 0]))
    return S("mlstm", width, heads=heads, proj_factor=factor, qkv_blocksize=blocksize,
             conv_kernel=draw(st.sampled_from([2, 4, 8])), proj_bias=draw(st.booleans()),
             **common)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(s=lecture_sizes())
def test_any_lecture_width_keeps_the_lecture_rules(s):
    check_the_lecture_rules(s)


def _count(label):
    return int(label.text.removeprefix("sum: ").replace(",", ""))


@pytest.mark.parametrize("s", LECTURE_CASES, ids=short)
def test_every_weight_group_is_counted_in_the_tables(s):
    lay = xlstm_layout(s)
    shown = {label.key: _count(label) for label in lay.labels if label.key.endswith(":n")}
    mine = block_groups(s, 0)
    gates = {g.gate for g in mine if g.gate}
    for gate in gates:  # each gate's row: its weights by role
        for role in {g.role for g in mine if g.gate == gate}:
            counted = sum(g.count for g in mine if g.gate == gate and g.role == role)
            assert shown[f"card:{gate}:{role}:n"] == counted
    gate_total = sum(n for key, n in shown.items() if key.split(":")[1] in gates)
    assert gate_total == sum(g.count for g in mine if g.gate)
    all_gates = sum(n for key, n in shown.items() if key.split(":")[1] == "all")
    assert all_gates == gate_total
    around = sum(n for key, n in shown.items() if key.split(":")[1] not in gates | {"all"})
    assert around == sum(g.count for g in mine if not g.gate)
    total = next(label for label in lay.labels if label.key == "card:around:total")
    assert _count(total) == around


@pytest.mark.parametrize("s", LECTURE_CASES, ids=short)
def test_the_headline_counts_what_the_package_builds(s):
    title = next(label.text for label in xlstm_layout(s).labels if label.key == "title")
    total = sum(p.numel() for p in build(s).parameters())
    assert title.endswith(f": {total:,} parameters") and sum(g.count for g in groups(s)) == total


def test_the_slstm_s_heads_cut_each_gate_s_recurrent_weights():
    s = S("slstm", 32, heads=4, scope="layer")
    lay = xlstm_layout(s)
    recurrent = [label for label in lay.labels if label.key.endswith(":recurrent:n")]
    # Each gate keeps d²/H of the LSTM's d² recurrent weights, and the aside says H.
    assert [label.text for label in recurrent] == [fmt(32 * 32 // 4)] * 4 + [fmt(32 * 32)]
    aside = next(label.text for label in lay.labels if label.key == "title:aside")
    assert "4 heads of 8" in aside


def test_the_schematics_show_what_each_cell_changes():
    texts = {s.cell: {label.text for label in xlstm_layout(s).labels} for s in LECTURE_CASES}
    assert {"exp", "c/n", "cₜ,nₜ", "hₜ₋₁"} <= texts["slstm"]
    assert {"exp", "v kᵀ", "C q", "Cₜ₋₁", "Cₜ"} <= texts["mlstm"]
    # An mLSTM's gates see its input only.
    assert "hₜ₋₁" not in texts["mlstm"]


def test_the_svg_keeps_every_text_at_13_5_pt_and_no_figure_reaches_pyplot():
    before = matplotlib.pyplot.get_fignums() if "matplotlib.pyplot" in dir(matplotlib) else []
    s = S("mlstm", 32)
    svg = render_xlstm(s, "svg").decode()
    sizes = [float(size) for size in re.findall(r"font(?:-size)?: ([0-9.]+)px", svg)]
    assert sizes and min(sizes) >= 13.5
    width = float(re.search(r'<svg[^>]* width="([0-9.]+)pt"', svg).group(1))
    assert width == pytest.approx(xlstm_layout(s).width)
    fig = draw_xlstm(s, theme="high-contrast")
    assert len(fig.axes[0].texts) == sum(isinstance(i, Label) for i in xlstm_layout(s).items)
    after = matplotlib.pyplot.get_fignums() if "matplotlib.pyplot" in dir(matplotlib) else []
    assert after == before


@pytest.mark.parametrize("s", [S("slstm", 32), S("mlstm", 32, scope="layer")], ids=short)
def test_the_image_says_every_card_in_words(s):
    html = xlstm_image_html(s)
    assert html.startswith('<img src="data:image/png;base64,')
    alt = re.search(r'alt="([^"]*)"', html).group(1)
    title = next(label.text for label in xlstm_layout(s).labels if label.key == "title")
    assert alt.startswith(f"Diagram. {title} (")
    for g in block_groups(s, 0):
        assert f"{g.symbol} {shape_text(g.shape)} {fmt(g.count)}" in alt
