"""The whole model as a strip: every layer a box with its count, drawn by matplotlib
without pyplot, returned by ModelReport.strip_figure() / strip() and leading its HTML."""

from __future__ import annotations

import sys
from functools import partial

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from lstm_widget import explain
from lstm_widget._live_svg import live_svg, svg_id
from lstm_widget.diagram import draw_strip
from lstm_widget.introspect import SummaryRow
from lstm_widget.layout import Label, Path, Polygon, Rect
from lstm_widget.layout.model_strip import (
    STRIP_BOX,
    STRIP_PER_ROW,
    model_strip_layout,
    strip_positions,
)
from lstm_widget.painting import new_figure, paint, save_figure
from lstm_widget.style import DEFAULT_DPI, HIGH_CONTRAST

pytestmark = pytest.mark.frameworks

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
layers = keras.layers


def bidirectional_example():
    """The Keras documentation's Bidirectional LSTM, with a Dropout and an Activation."""
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            layers.Embedding(20000, 128),
            layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
            layers.Dropout(0.2),
            layers.Bidirectional(layers.LSTM(64)),
            layers.Dense(1),
            layers.Activation("sigmoid"),
        ]
    )


def test_every_layer_is_a_box_of_its_own_in_the_models_order():
    model = bidirectional_example()
    report = explain(model)
    rows = report.rows()
    # The two Bi-LSTMs and the Dense are one breakdown, each layer a row and a box.
    stack = model.layers[1].name  # Keras numbers its layers' names per session
    assert [row.group for row in rows] == ["", stack, "", stack, stack, ""]
    assert [(row.kind, row.params, row.family) for row in rows] == [
        ("Embedding", 20000 * 128, "counted"),
        ("Bidirectional", 2 * 4 * (128 * 64 + 64 * 64 + 64), "recurrent"),
        ("Dropout", 0, "weightless"),
        ("Bidirectional", 2 * 4 * (128 * 64 + 64 * 64 + 64), "recurrent"),
        ("Dense", 128 + 1, "counted"),
        ("Activation", 0, "weightless"),
    ]
    assert [row.name for row in rows] == [layer.name for layer in model.layers]
    assert sum(row.params for row in rows) == model.count_params() == 2_757_761


def test_the_strip_is_a_pyplot_free_figure_with_a_box_and_count_per_layer():
    pyplot = sys.modules.get("matplotlib.pyplot")
    open_before = pyplot.get_fignums() if pyplot else []
    report = explain(bidirectional_example())
    fig = report.strip_figure()
    assert isinstance(fig, Figure)
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(report.rows()) == 6
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"2,560,000", "98,816", "129", "0"} <= texts
    assert any("2,757,761 parameters" in t for t in texts)
    # Five boxes a row, then the strip wraps; every box inside the figure.
    width, height = (n * 72 for n in fig.get_size_inches())
    for box in boxes:
        assert 0 <= box.get_x() <= box.get_x() + box.get_width() <= width
        assert 0 <= box.get_y() <= box.get_y() + box.get_height() <= height
    assert len({box.get_y() for box in boxes}) == 2
    if pyplot:
        assert pyplot.get_fignums() == open_before


def test_the_strip_renders_as_svg_and_png_and_leads_the_html():
    report = explain(bidirectional_example())
    svg = report.strip("svg", theme="high-contrast").decode().lower()
    # Text stays text; the recurrent layers wear the theme's recurrent colour.
    assert "2,560,000" in svg and "98,816" in svg and "#e69f00" in svg
    assert report.strip("png").startswith(b"\x89PNG")
    html = report.html()
    assert html.index('alt="Strip. ') < html.index("lstm-widget-summary")
    assert "Strip. " not in report.html(diagrams=False)


def test_a_pytorch_stack_in_one_module_is_one_box_and_its_head_another():
    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(20, 300)
            self.encoder = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True)
            self.decoder = torch.nn.Linear(512, 20)

    rows = explain(Net()).rows()
    assert [(row.name, row.params) for row in rows] == [
        ("embedding", 6_000),
        ("encoder", 3_768_320),
        ("decoder", 10_260),
    ]


def test_positions_wrap_into_rows_without_overlap():
    positions = strip_positions(2 * STRIP_PER_ROW + 1)
    assert len({y for _, y in positions}) == 3
    width, height = STRIP_BOX
    for k, (x, y) in enumerate(positions[:-1]):
        nx, ny = positions[k + 1]
        assert nx >= x + width or ny >= y + height  # right of it, or a row below
    row = SummaryRow("a_very_long_layer_name_that_goes_on", "Dense", "", 10, (), "yes")
    fig = draw_strip([row])
    assert any(t.get_text().endswith("…") for t in fig.axes[0].texts)


def repeated_blocks(count: int) -> torch.nn.Sequential:
    """``count`` identical (LSTM, Linear, LayerNorm) blocks, as a deep model repeats them."""
    return torch.nn.Sequential(
        *(
            module
            for _ in range(count)
            for module in (torch.nn.LSTM(6, 6), torch.nn.Linear(6, 6), torch.nn.LayerNorm(6))
        )
    )


def test_repeated_blocks_fold_in_the_strip_keeping_their_count():
    report = explain(repeated_blocks(5))
    rows = report.rows()
    fig = report.strip_figure()
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    texts = [t.get_text() for t in fig.axes[0].texts]
    # the first and the last block, and one box for the three between
    assert len(rows) == 15 and len(boxes) == 3 + 1 + 3
    assert "⋯ 3 more" in texts
    assert f"{sum(row.params for row in rows[3:12]):,}" in texts
    assert [b.get_linestyle() for b in boxes].count(":") == 1


def test_each_distinct_configuration_is_drawn_once_in_the_html():
    model = torch.nn.Sequential(*repeated_blocks(4), torch.nn.LSTM(6, 9))
    report = explain(model)
    html = report.html()
    configurations = {(i.breakdown.settings, i.breakdown.steps) for i in report.items}
    assert len(report.items) == 5 and len(configurations) == 2
    # the strip, then one diagram per configuration; the others point to the first
    assert html.count("<img ") == 1 + len(configurations)
    assert html.count("Diagram: as for 0 (LSTM) + 1 (Linear), the same configuration") == 3
    assert html.count("here its tensors are 9.weight_ih_l0, 9.weight_hh_l0") == 1
    assert "Diagram: as for" not in explain(torch.nn.LSTM(6, 9)).html()


def test_a_one_layer_models_strip_shows_its_whole_title():
    report = explain(torch.nn.Sequential(torch.nn.Linear(4, 104)))
    fig = report.strip_figure()
    (title,) = [t for t in fig.axes[0].texts if t.get_text().endswith("520 parameters")]
    extent = title.get_window_extent(renderer=fig.canvas.get_renderer())
    assert 0 <= extent.x0 < extent.x1 <= fig.bbox.width


def test_the_strip_is_layout_items_painted_by_the_cells_painter():
    """Every box, label and arrow of the strip is a layout item, and the figure holds
    exactly the painter's artists for them, each under its item's SVG id."""
    report = explain(repeated_blocks(5))
    rows, title = report.rows(), "a title"
    lay = model_strip_layout(rows, title)
    kinds = [type(item) for item in lay.items]
    entries = 3 + 1 + 3  # the first and last block, one box for the three between
    assert kinds.count(Rect) == entries and kinds.count(Label) == 1 + 3 * entries
    assert kinds.count(Path) == kinds.count(Polygon) == entries - 1  # an arrow between two
    fig = draw_strip(rows, title=title)
    (ax,) = fig.axes
    painted = sorted(a.get_gid() for a in ax.get_children() if a.get_gid())
    assert painted == sorted(svg_id(item.key) for item in lay.items)
    assert (fig.get_size_inches() * 72).tolist() == pytest.approx([lay.width, lay.height])


def test_the_live_svg_writer_draws_the_same_strip_as_a_plain_save():
    """The strip's items go through the live SVG writer as the cell's do: written in
    full, then pasted from what each artist wrote, the same bytes as ``savefig``'s."""
    report = explain(repeated_blocks(4))
    lay = model_strip_layout(report.rows(), "strip")
    live = live_svg()
    assert live is not None, "this matplotlib's SVG writer should pass the live check"
    fig, ax = new_figure(lay, HIGH_CONTRAST, DEFAULT_DPI)
    live.attach(fig)
    paint(lay, ax, HIGH_CONTRAST, None)
    save = partial(save_figure, fig, "svg", DEFAULT_DPI, HIGH_CONTRAST)
    looks = {svg_id(item.key): item for item in lay.items}
    written, pasted = live.save(save, looks, None), live.save(save, looks, None)
    plain = save_figure(
        draw_strip(report.rows(), title="strip", theme=HIGH_CONTRAST),
        "svg",
        DEFAULT_DPI,
        HIGH_CONTRAST,
    )
    assert written == pasted == plain


def test_a_hundred_identical_layers_make_a_page_of_two_pictures_under_300_kb():
    """The size a long model's HTML is held to: one strip, one diagram for the one
    configuration, however many layers share it."""
    model = torch.nn.Sequential(*(torch.nn.LSTM(16, 16) for _ in range(100)))
    html = explain(model).html()
    assert html.count("<img ") == 2
    assert len(html.encode()) <= 300_000
