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

from lstm_widget.counting_xlstm import XlstmSizes, block_groups, groups
from lstm_widget.diagram import draw_xlstm, render_xlstm
from lstm_widget.display import xlstm_image_html
from lstm_widget.layout import LECTURE, Label, Rect
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


@pytest.mark.parametrize("s", LECTURE_CASES, ids=short)
def test_the_drawing_fits_beside_the_controls_with_no_label_overlapping(s):
    lay = xlstm_layout(s)
    assert lay.width <= 600 and lay.height <= 400, (lay.width, lay.height)
    assert min(label.size for label in lay.labels) >= LECTURE.small >= 13.5
    boxes = [label.extent for label in lay.labels]
    for left, top, right, bottom in boxes:
        assert left >= 0 and top >= 0 and right <= lay.width and bottom <= lay.height
    for a, b in itertools.combinations(boxes, 2):
        assert not overlaps(a, b), (a, b)


@pytest.mark.parametrize("s", LECTURE_CASES, ids=short)
def test_every_weight_group_stands_on_a_card_with_its_count(s):
    lay = xlstm_layout(s)
    rows = [label for label in lay.labels if label.key.startswith("card:")]
    counts = [label for label in rows if label.key.endswith(":n")]
    names = {label.key.removesuffix(":n"): label for label in counts}
    drawn = sorted(
        (next(n.text for n in rows if n.key == key).split()[-1], label.text)
        for key, label in names.items()
    )
    mine = block_groups(s, 0)
    assert drawn == sorted((shape_text(g.shape), fmt(g.count)) for g in mine)
    totals = [int(label.text.split(": ")[1].replace(",", "")) for label in rows
              if label.key.endswith(":total")]  # fmt: skip
    assert sum(totals) == sum(g.count for g in mine)


@pytest.mark.parametrize("s", LECTURE_CASES, ids=short)
def test_the_headline_counts_what_the_package_builds(s):
    title = next(label.text for label in xlstm_layout(s).labels if label.key == "title")
    total = sum(p.numel() for p in build(s).parameters())
    assert title.endswith(f": {total:,} parameters") and sum(g.count for g in groups(s)) == total


def test_the_slstm_s_heads_cut_each_gate_s_recurrent_weights():
    s = S("slstm", 32, heads=4, scope="layer")
    lay = xlstm_layout(s)
    recurrent = [label for label in lay.labels if label.key.endswith(":recurrent")]
    assert [label.text for label in recurrent] == ["R  4×8×8"] * 4  # H × d/H × d/H
    # Each gate keeps d²/H of the LSTM's d² recurrent weights.
    counts = {label.text for label in lay.labels if label.key.endswith(":recurrent:n")}
    assert counts == {fmt(32 * 32 // 4)}


def test_the_schematics_show_what_each_cell_changes():
    texts = {s.cell: {label.text for label in xlstm_layout(s).labels} for s in LECTURE_CASES}
    assert {"exp", "c/n", "cₜ,nₜ", "hₜ₋₁"} <= texts["slstm"]
    assert {"exp", "v kᵀ", "C q", "Cₜ₋₁", "Cₜ"} <= texts["mlstm"]
    # An mLSTM's gates see its input only.
    assert "hₜ₋₁" not in texts["mlstm"]


@settings(max_examples=25, deadline=None)
@given(
    cell=st.sampled_from(["slstm", "mlstm"]),
    width=st.sampled_from([64, 128, 256, 512, 1024]),
    scope=st.sampled_from(["layer", "block"]),
    proj_bias=st.booleans(),
)
def test_wider_cells_widen_the_drawing_instead_of_overlapping(cell, width, scope, proj_bias):
    lay = xlstm_layout(S(cell, width, scope=scope, proj_bias=proj_bias and cell == "mlstm"))
    cards = sorted(
        (i for i in lay.items if isinstance(i, Rect) and i.key.count(":") == 1),
        key=lambda c: (c.y, c.x),
    )
    for left, right in itertools.pairwise(cards):
        assert left.y != right.y or left.x + left.width < right.x
    for label in lay.labels:
        assert label.extent[2] <= lay.width and label.extent[3] <= lay.height


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
