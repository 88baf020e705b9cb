"""Text alternatives: every picture said in words, every count in them, in every output.

The words are checked against the Breakdown's own numbers (layer totals, each gate's
sum, each group's count), never against a copy of the text; and each output (SVG on
both writers, the notebook's ``<img>``, the panel's image, the strip, the growth plot)
is checked to carry them.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html import unescape

import pytest
from hypothesis import given, settings
from strategies import any_settings

from lstm_widget import _live_svg, breakdown, render
from lstm_widget.conventions import ROLE_LABELS, SETTINGS, with_article
from lstm_widget.counting import Breakdown
from lstm_widget.description import accessible_name, describe, describe_strip
from lstm_widget.diagram import Diagram, render_strip
from lstm_widget.display import mimebundle
from lstm_widget.growth_plot import GrowthPlot, growth_series
from lstm_widget.introspect import SummaryRow
from lstm_widget.layout import layout

SVG = "{http://www.w3.org/2000/svg}"
SEED = {"input_size": 1, "units": 10, "dense": 1}


def gates(b: Breakdown, layer: int, direction: str) -> dict[str, int]:
    """Each gate's (or ungated group's) sum in one block, from the groups."""
    sums: dict[str, int] = {}
    for g in b.block_groups(layer, direction):  # type: ignore[arg-type]
        name = ROLE_LABELS[g.role] if g.role in ("projection", "dense") else g.gate_name
        sums[name] = sums.get(name, 0) + g.count
    return sums


def assert_names_every_count(b: Breakdown, text: str) -> None:
    for first, _ in b.settings.runs():
        assert f"layer total {b.layer_totals[first]:,}" in text
        for name, count in gates(b, first, "forward").items():
            assert f"{name} {count:,} parameters (" in text, name
        for g in b.block_groups(first, "forward"):
            shape = "×".join(f"{n:,}" for n in g.shape)
            assert f"{g.letter} {shape}: {g.count:,}" in text, g.name
        if b.settings.bidirectional:
            # Said once for both directions: the backward one has the same groups.
            forward, backward = (b.block_groups(first, d) for d in ("forward", "backward"))
            assert [(g.symbol, g.shape) for g in forward] == [
                (g.symbol, g.shape) for g in backward
            ]
            total = sum(g.count for g in backward)
            assert f"backward: the same groups as forward, {total:,} parameters" in text
    if b.settings.dense:
        head = sum(g.count for g in b.groups if g.role == "dense")
        assert f"Dense head {head:,} parameters (" in text
        assert f"with the dense head {b.total:,}." in text
    assert f"Total: {b.recurrent_total:,} parameters" in text


@settings(max_examples=60, deadline=None)
@given(any_settings())
def test_the_description_names_every_gate_group_and_total(chosen):
    b = breakdown(**chosen)
    text = describe(b)
    assert text == b.describe()
    assert text.startswith(f"{b.headline()}. Block diagram of ")
    assert_names_every_count(b, text)
    hidden = describe(b, hidden=True)
    assert hidden.startswith(f"{accessible_name(b, hidden=True)}. Block diagram of ")
    # Shapes stay (the class knows the settings), every count is a "?".
    assert not re.search(r"\d parameters|: \d[\d,]*[,;)]|layer total \d", hidden), hidden
    assert "layer total ?" in hidden and "Total: ? parameters" in hidden


def svg_text_alternative(svg: bytes) -> tuple[str, str, str]:
    """The root's role, and its first two children's texts: ``<title>``, ``<desc>``."""
    root = ET.fromstring(svg)
    title, desc = list(root)[:2]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    return root.get("role", ""), title.text or "", desc.text or ""


@pytest.mark.parametrize("live", [True, False], ids=["live", "public"])
def test_every_svg_says_its_diagram_in_words_on_both_writers(monkeypatch, live):
    monkeypatch.setattr(_live_svg, "enabled", live)
    painter = Diagram()
    # 20 -> 21 keeps every count's digits: the live writer swaps texts in its last SVG.
    for units, hidden in ((20, False), (21, False), (21, True), (300, False)):
        b = breakdown(**{**SEED, "units": units})
        svg = painter.render(b, "svg", hidden=hidden)
        assert svg_text_alternative(svg) == (
            "img",
            accessible_name(b, hidden=hidden),
            describe(b, hidden=hidden),
        )
        if not hidden:
            assert svg_text_alternative(render(b, "svg")) == svg_text_alternative(svg)


def test_notebook_images_carry_the_description_as_alt():
    b = breakdown(**SEED)
    for fmt in ("png", "svg"):
        for hidden in (False, True):
            html = mimebundle(b, fmt=fmt, hidden=hidden)[0]["text/html"]
            (alt,) = re.findall(r'<img [^>]*alt="([^"]*)"', html)
            assert unescape(alt) == describe(b, hidden=hidden)
    svg = base64.b64decode(re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"',
                                      mimebundle(b, fmt="svg")[0]["text/html"])[0])  # fmt: skip
    assert svg_text_alternative(svg)[2] == describe(b)


def test_the_panel_names_its_images_on_every_redraw():
    from lstm_widget import panel

    p = panel(**SEED, variant="lecture")
    try:
        assert p.image.tooltip == describe(p.result)
        p.controls["units"].value = 20
        assert p.image.tooltip == describe(breakdown(**{**SEED, "units": 20}))
        p.growth_section.selected_index = 0
        growth = p.growth_image.tooltip
        assert growth == p._growth_plot.description and "units=20, marked: 1,781" in growth
        assert svg_text_alternative(p.growth_image.value)[2] == growth
        p.quiz.value = True  # counts wait for a guess: so do the words
        assert p.image.tooltip == describe(p.result, hidden=True)
    finally:
        p.close()


@pytest.mark.parametrize("over", ["units", "input_size", "layers"])
def test_the_growth_description_gives_each_roles_count(over):
    b = breakdown(**SEED)
    plot = GrowthPlot()
    plot.update(b, over)
    xs, series = growth_series(b, over)
    now = getattr(b.settings, over)
    for x in sorted({xs[0], now, xs[-1]}):
        k = xs.index(x)
        parts = ", ".join(f"{ROLE_LABELS[r]} {v[k]:,}" for r, v in series.items())
        total = sum(v[k] for v in series.values())
        assert f"{over}={x:,}" in plot.description
        assert f": {total:,} ({parts})" in plot.description
    assert f"{over}={now:,}, marked: {b.total:,}" in plot.description


def test_the_strip_names_every_layer_and_its_count():
    rows = [
        SummaryRow("lstm", "LSTM", "", 480, (), "yes", "recurrent"),
        SummaryRow("dropout", "Dropout", "", 0, (), "yes", "weightless"),
        SummaryRow("mystery", "Custom", "", 1_234, (), "", "unexplained"),
    ]
    title = "Sequential: 1,714 parameters"
    text = describe_strip(rows, title)
    assert text.startswith(f"Strip. {title}: ")
    for row in rows:
        assert f"{row.name} ({row.kind}) {row.params:,}" in text
    assert "1,234, not explained" in text
    assert svg_text_alternative(render_strip(rows, "svg", title=title)) == ("img", title, text)


@settings(max_examples=60, deadline=None)
@given(any_settings())
def test_the_subtitle_and_the_words_phrase_each_setting_alike(chosen):
    """The diagram's subtitle and its text alternative read the one phrase the setting
    table holds per setting: the same phrases, in the same order."""
    b = breakdown(**chosen)
    s = b.settings
    phrases = s.phrases()
    (subtitle,) = [label.text for label in layout(b).labels if label.key == "subtitle"]
    assert subtitle == " · ".join(phrases)
    assert f"Block diagram of {with_article(s.describe_layer())}, {', '.join(phrases)}." in (
        describe(b)
    )


@pytest.mark.parametrize(
    ("settings_", "said"),
    [
        (SEED, ("1 input feature", "10 units", "a dense head of 1")),
        (
            {"cell": "convlstm", "units": 16, "input_size": 3, "kernel": (3, 3)},
            ("3 input channels", "16 filters", "kernel 3×3"),
        ),
        (
            {"cell": "gru", "units": 1, "input_size": 1_000, "layers": 2, "bias": False},
            ("1,000 input features", "1 unit", "2 layers", "no bias", "reset_after True"),
        ),
        # reset_after is said wherever it applies, and nowhere else.
        ({"cell": "gru", "framework": "pytorch", "units": 4}, ("1 input feature", "4 units")),
        (
            {"framework": "pytorch", "units": (32, 18), "proj_size": 5, "bidirectional": True},
            ("1 input feature", "32 → 18 units", "2 layers", "bidirectional", "projection to 5"),
        ),
        # A residual block's input is as wide as its units, whatever input_size holds.
        (
            {"framework": "xlstm", "cell": "slstm", "units": 512},
            ("512 input features", "512 units"),
        ),
    ],
)
def test_each_setting_is_said_where_it_differs_from_its_default(settings_, said):
    assert breakdown(**settings_).settings.phrases() == said


def test_a_phrase_changed_in_the_setting_table_changes_both_views(monkeypatch):
    monkeypatch.setitem(SETTINGS, "dense", replace(SETTINGS["dense"], phrase="head {value}"))
    b = breakdown(**SEED)
    (subtitle,) = [label.text for label in layout(b).labels if label.key == "subtitle"]
    assert subtitle.endswith(" · head 1") and ", head 1." in describe(b)
