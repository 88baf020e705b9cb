"""The tables: a deep stack folds its identical middle layers, and still adds up."""

import re
from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st
from test_counting import any_settings

from lstm_widget import Breakdown, Settings, breakdown
from lstm_widget.conventions import MAX_LAYERS
from lstm_widget.counting import MAX_SHOWN_LAYERS
from lstm_widget.layout import Label, layout
from lstm_widget.report import html_table, summary_line, text_table

DEEP = {"framework": "pytorch", "units": 10, "layers": 100, "bidirectional": True}

_HTML_BLOCK = re.compile(
    r'<tr class="block"><th colspan="3"[^>]*>([^<]*)</th><th[^>]*>([\d,]+)</th>'
)
_HTML_GROUP = re.compile(r"<tr><td[^>]*><code>([^<]*)</code>")


def text_blocks(table: str) -> list[tuple[str, int]]:
    """(title, count) of every block row of a text table: unindented, between the rules."""
    lines = table.splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"="}]
    body = lines[rules[0] + 1 : rules[1]]
    rows = [line for line in body if line and not line.startswith(" ") and set(line) != {"-"}]
    return [
        (title.strip(), int(count.replace(",", "")))
        for title, count in (row.rsplit(None, 1) for row in rows)
    ]


def text_groups(table: str) -> list[str]:
    """The weight-group names the text table lists: indented rows that reach the Role column."""
    header = table.splitlines()[0]
    symbol, role = header.index("Symbol"), header.index("Role")
    return [
        line[:symbol].strip()
        for line in table.splitlines()
        if line.startswith("  ") and len(line) > role
    ]


def html_blocks(table: str) -> list[tuple[str, int]]:
    return [(title, int(count.replace(",", ""))) for title, count in _HTML_BLOCK.findall(table)]


@settings(max_examples=60, deadline=None)
@given(any_settings(), st.integers(min_value=1, max_value=MAX_LAYERS))
def test_block_rows_add_up_to_the_total_at_any_depth(s, layers):
    # Per-layer widths follow the depth: cut, or the top width repeated.
    widths = Settings(**s).widths
    units = (widths + widths[-1:] * layers)[:layers]
    b = breakdown(**{**s, "units": units, "layers": layers})
    text, html = text_table(b), html_table(b)
    for blocks in (text_blocks(text), html_blocks(html)):
        assert sum(count for _, count in blocks) == b.total
    assert text_blocks(text) == html_blocks(html)
    assert summary_line(b) in text and escape(summary_line(b)) in html
    assert summary_line(b).startswith(b.headline())


def layer_names(b: Breakdown, layers: set[int]) -> list[str]:
    return sorted(g.name for g in b.groups if g.layer in layers)


@settings(max_examples=30, deadline=None)
@given(any_settings())
def test_a_stack_the_strip_shows_whole_lists_every_group(s):
    b = breakdown(**s)
    assert b.settings.layers <= MAX_SHOWN_LAYERS
    text, html = text_table(b), html_table(b)
    names = sorted(g.name for g in b.groups)
    assert sorted(text_groups(text)) == names
    assert sorted(_HTML_GROUP.findall(html)) == names
    assert "each as layer" not in text and 'class="collapsed"' not in html
    assert len(text_blocks(text)) == len(b.blocks)


def test_a_deep_stack_folds_its_middle_layers_into_one_row():
    b = breakdown(**DEEP, dense=3)
    text, html = text_table(b), html_table(b)
    both = 2 * 4 * (20 + 10 + 2) * 10  # layer 2: directions × gates × (x + h + biases) × h
    assert b.layer_totals[1] == both == 2_560
    for blocks in (text_blocks(text), html_blocks(html)):
        assert blocks[4] == ("PyTorch LSTM layers 3–99", 97 * both)
        assert [title for title, _ in blocks] == [
            "PyTorch LSTM layer 1, forward",
            "PyTorch LSTM layer 1, backward",
            "PyTorch LSTM layer 2, forward",
            "PyTorch LSTM layer 2, backward",
            "PyTorch LSTM layers 3–99",
            "PyTorch LSTM layer 100, forward",
            "PyTorch LSTM layer 100, backward",
            "Dense head (3 outputs)",
        ]
    note = "each as layer 2: 97 × 2,560 (both directions)"
    assert f"\n  {note}\n" in text
    assert f">{note}</td></tr>" in html
    shown = layer_names(b, {-1, 0, 1, 99})
    assert sorted(text_groups(text)) == shown == sorted(_HTML_GROUP.findall(html))
    assert "weight_ih_l2" not in text and "weight_ih_l98" not in html
    # The note runs on past the empty columns: it makes the table no wider.
    rows = text.split(summary_line(b))[0].splitlines()  # the rows, then the summary
    assert max(map(len, rows)) == max(len(row) for row in rows if note not in row)


def test_tables_fold_the_same_layers_as_the_diagrams_strip():
    for layers in (MAX_SHOWN_LAYERS, MAX_SHOWN_LAYERS + 1, MAX_LAYERS):
        b = breakdown(units=4, layers=layers)
        # The strip titles its boxes "LSTM 1", "LSTM 3–99"; the tables "layers 3–99".
        strip = [
            item.text.split()[-1]
            for item in layout(b).items
            if isinstance(item, Label) and re.fullmatch(r"strip:\d+:forward:title", item.key)
        ]
        titles = [title.split()[-1] for title, _ in text_blocks(text_table(b))]
        assert titles == strip, layers


def test_a_deeper_stack_makes_no_longer_table():
    # 1.2 MB of HTML for 100 bidirectional layers before the fold; now the same rows as 5.
    deep, five = breakdown(**DEEP), breakdown(**{**DEEP, "layers": 5})
    assert text_table(deep).count("\n") == text_table(five).count("\n")
    assert html_table(deep).count("<tr") == html_table(five).count("<tr")
    assert len(html_table(deep)) < 40_000


_KINDS = st.sampled_from([("LSTM", 1_120), ("Linear", 72), ("LayerNorm", 12), ("Dropout", 0)])


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.lists(_KINDS, max_size=4),
    block=st.lists(_KINDS, min_size=1, max_size=4),
    times=st.integers(0, 12),
    suffix=st.lists(_KINDS, max_size=4),
)
def test_folding_repeated_rows_keeps_every_row_in_order(prefix, block, times, suffix):
    from lstm_widget.introspect import FOLDS_FROM, RepeatedRows, SummaryRow, fold_repeats

    kinds = [*prefix, *block * times, *suffix]
    rows = [SummaryRow(f"l{k}", kind, "", n, (), "yes") for k, (kind, n) in enumerate(kinds)]
    folded = fold_repeats(rows)
    unfolded = [r for e in folded for r in (e.rows if isinstance(e, RepeatedRows) else [e])]
    assert unfolded == rows
    for k, entry in enumerate(folded):
        if isinstance(entry, RepeatedRows):
            # a fold stands between a first and a last copy of its block
            shown = folded[k - entry.block : k] + folded[k + 1 : k + 1 + entry.block]
            assert [r.kind for r in shown] == [r.kind for r in entry.rows[: entry.block]] * 2
            assert entry.times >= FOLDS_FROM - 2 and entry.params == sum(
                r.params for r in entry.rows
            )
    if times >= FOLDS_FROM:  # a run this long always folds somewhere
        assert any(isinstance(e, RepeatedRows) for e in folded)
