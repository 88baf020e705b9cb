"""The painted diagram: rendered text extents, formats, reuse, highlight, isolation."""

import base64
import gc
import io
import json
import random
import re
import subprocess
import sys
from collections import Counter
from xml.etree import ElementTree

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from strategies import any_settings as valid_settings

from lstm_widget import _live_svg, breakdown
from lstm_widget._live_svg import LiveSVG
from lstm_widget.cli import main
from lstm_widget.conventions import CELLS, FRAMEWORKS, VARIANTS
from lstm_widget.counting import SettingsError
from lstm_widget.diagram import Diagram, draw, render
from lstm_widget.display import image_tag, mimebundle
from lstm_widget.layout import LECTURE, layout
from lstm_widget.painting import DIMMED_ALPHA, png_dpi
from lstm_widget.report import html_table, text_table
from lstm_widget.style import HIGH_CONTRAST, LIGHT, MAX_WIDTH, MIN_WIDTH

SEED = {"units": 10, "input_size": 1, "dense": 1}


# A number as matplotlib's SVG writer prints it: at most six decimals.
_SVG_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")


def assert_same_drawing(actual: bytes, expected: bytes, context: object) -> None:
    """Equal bytes; in SVG, coordinates may differ in their sixth decimal only.

    A pasted fragment was written on a canvas of another size, and matplotlib turns
    points into SVG y coordinates by subtracting from the canvas height, whose float
    rounding can move the last printed digit (a millionth of a point).
    """
    if not actual.startswith(b"<?xml"):
        assert actual == expected, context
        return
    assert _SVG_NUMBER.split(actual) == _SVG_NUMBER.split(expected), context
    for mine, theirs in zip(
        _SVG_NUMBER.findall(actual), _SVG_NUMBER.findall(expected), strict=True
    ):
        assert abs(float(mine) - float(theirs)) <= 1.5e-6, (context, mine, theirs)


PNG, PDF = b"\x89PNG\r\n\x1a\n", b"%PDF"


def text_boxes(fig):
    """Rendered extents (pixels) of every text in the figure, as an (n, 4) array."""
    renderer = fig.canvas.get_renderer()
    texts = [t for ax in fig.axes for t in ax.texts if t.get_text()]
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
    return texts, boxes


def clashes(texts, boxes):
    """Pairs of texts whose boxes share more than half a pixel in both directions."""
    x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
    overlap_x = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    overlap_y = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    clash = np.triu((overlap_x > 0.5) & (overlap_y > 0.5), k=1)
    return [(texts[i].get_text(), texts[j].get_text()) for i, j in np.argwhere(clash)]


def sized(digits):
    """Integers with exactly ``digits`` digits (1 to 6)."""
    return st.integers(10 ** (digits - 1), 10**digits - 1)


@st.composite
def any_settings(draw):
    """Valid settings over every cell, framework and option; counts of 1 to 13 digits."""
    widths = st.integers(1, 6).flatmap(sized)
    chosen = draw(
        valid_settings(
            widths=widths,
            layers=st.sampled_from([1, 2, 3, 4, 5, 9, 100]),
            dense=st.sampled_from([0, 1]) | widths,
        )
    )
    b = breakdown(**chosen)
    layer = draw(st.integers(0, b.settings.layers - 1))
    direction = draw(st.sampled_from(["forward", "backward"][: b.settings.directions]))
    return b, (layer, direction)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(any_settings())
@pytest.mark.parametrize("variant", VARIANTS)
def test_rendered_labels_never_overlap_and_stay_inside_the_canvas(variant, case):
    b, block = case
    fig = draw(b, block=block, variant=variant)
    texts, boxes = text_boxes(fig)
    assert len(texts) == len(layout(b, block, variant).labels)
    width, height = fig.bbox.width, fig.bbox.height
    assert boxes[:, 0].min() >= 0 and boxes[:, 2].max() <= width
    assert boxes[:, 1].min() >= 0 and boxes[:, 3].max() <= height
    pairs = clashes(texts, boxes)
    assert not pairs, (b.settings, pairs[:4])


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dpi", [72, 144])
def test_no_overlap_at_other_resolutions_with_the_longest_counts(dpi, variant):
    b = breakdown(
        framework="pytorch", units=999_999, input_size=999_999, layers=7,
        bidirectional=True, proj_size=999_998, dense=999_999,
    )  # fmt: skip
    fig = draw(b, variant=variant)
    fig.set_dpi(dpi)
    texts, boxes = text_boxes(fig)
    assert not clashes(texts, boxes)
    assert boxes[:, 2].max() <= fig.bbox.width and boxes[:, 3].max() <= fig.bbox.height


def test_no_text_is_smaller_than_9pt():
    for source in (SEED, {"cell": "gru"}, {"framework": "onnx", "peepholes": True}):
        fig = draw(source)
        assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 9


@pytest.mark.parametrize(
    "source", [SEED, {"cell": "gru"}, {"framework": "onnx", "peepholes": True}, {"cell": "rnn"}]
)
def test_no_lecture_text_is_smaller_than_18_css_px_at_the_natural_size(source):
    # The SVG sizes itself in points; shown at that size, 1 pt is 4/3 CSS px.
    svg = render(source, "svg", variant="lecture").decode()
    # matplotlib >= 3.9 writes font-size, 3.8 the font shorthand
    sizes = [float(size) for size in re.findall(r"font(?:-size)?: ([0-9.]+)px", svg)]
    assert sizes and min(sizes) == LECTURE.small >= 13.5
    width = float(re.search(r'<svg[^>]* width="([0-9.]+)pt"', svg).group(1))
    assert width == pytest.approx(layout(breakdown(**source), variant="lecture").width)
    fig = draw(source, variant="lecture")
    assert min(t.get_fontsize() for t in fig.axes[0].texts) * 4 / 3 >= 18


def test_formats_have_their_magic_and_svg_keeps_text_as_text():
    assert render(SEED, "png").startswith(PNG)
    assert render(SEED, "pdf").startswith(PDF)
    svg = render(SEED, "svg").decode()
    assert "<svg" in svg and "<text" in svg
    shown = (">Keras LSTM: 480 parameters (model with dense head: 491)<", ">480<", ">11<",
             ">10 × 48 = 480<", ">10 units: 120<")  # fmt: skip
    for text in shown:
        assert text in svg


def test_svg_keeps_the_spaces_that_place_formula_pieces():
    # Browsers strip a <text>'s outer spaces unless told to keep them, and the
    # formula's pieces (" + ", " = 480") rely on theirs.
    live = Diagram()
    live.render({**SEED, "units": 11}, "svg")
    for svg in (render(SEED, "svg"), live.render(SEED, "svg")):
        texts = list(ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"))
        keeps_spaces = [t.get("{http://www.w3.org/XML/1998/namespace}space") for t in texts]
        assert set(keeps_spaces) == {"preserve"}
        assert any(t.text != (t.text or "").strip() for t in texts), "no piece needs its spaces"


def test_the_largest_allowed_layer_draws_and_prints():
    from lstm_widget.conventions import MAX_LAYERS, MAX_SIZE
    from lstm_widget.report import summary_line, text_table

    widest = dict(framework="pytorch", input_size=MAX_SIZE, units=MAX_SIZE, layers=MAX_LAYERS,
                  bidirectional=True, proj_size=MAX_SIZE - 1, dense=MAX_SIZE)  # fmt: skip
    b = breakdown(**widest)
    assert f"{b.total:,}" in text_table(b) and f"{b.total:,}" in summary_line(b)
    assert b.headline().encode() in render(b, "svg")
    assert f"{b.total:,})".encode() in render(b, "svg", variant="lecture")


def pdf_fonts(pdf: bytes) -> list[bytes]:
    """The ``/Subtype`` of every font dictionary in ``pdf``.

    matplotlib writes font dictionaries as plain (uncompressed) objects.
    """
    return re.findall(rb"/Type\s*/Font\b[^>]*?/Subtype\s*/(\w+)", pdf)


def test_pdf_embeds_its_font_as_truetype_not_type3():
    pdf = render(SEED, "pdf")
    subtypes = pdf_fonts(pdf)
    assert subtypes, "no font found: the check would pass vacuously"
    assert set(subtypes) <= {b"Type0", b"CIDFontType2", b"TrueType"}
    assert b"/FontFile2" in pdf  # the TrueType program itself, embedded
    assert b"/Type3" not in pdf and b"/CharProcs" not in pdf
    # matplotlib's own default (Type 3), in the user's rcParams, is left alone.
    assert matplotlib.rcParams["pdf.fonttype"] == 3
    with matplotlib.rc_context({"pdf.fonttype": 3}):
        assert render(SEED, "pdf") == pdf


def test_pdf_font_check_recognises_type3():
    # The same check on matplotlib's default output: it must see the Type 3 fonts.
    fig = draw(SEED)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 3}):
        fig.savefig(buffer, format="pdf")
    assert b"Type3" in pdf_fonts(buffer.getvalue())


@pytest.mark.parametrize(
    "source",
    [SEED, {"cell": "gru"}, {"framework": "pytorch", "layers": 3, "bidirectional": True}],
)
def test_png_width_sets_the_exact_pixel_width(source):
    inches = draw(source).get_size_inches()[0]
    for width in range(MIN_WIDTH, MAX_WIDTH + 1):
        dpi = png_dpi("png", None, width, inches)
        # Agg truncates the canvas to whole pixels, a float's breadth matters.
        assert int(inches * dpi) == width
        assert dpi == pytest.approx(width / inches, rel=1e-14)
    for width in (MIN_WIDTH, 1280, 1921):
        png = render(source, "png", width=width)
        assert png.startswith(PNG) and int.from_bytes(png[16:20], "big") == width


def test_png_resolution_follows_dpi():
    fig = draw(SEED)
    small, large = render(SEED, "png", dpi=50), render(SEED, "png", dpi=200)
    width = int.from_bytes(small[16:20], "big"), int.from_bytes(large[16:20], "big")
    assert width[1] == pytest.approx(4 * width[0], abs=4)
    assert width[0] == pytest.approx(fig.get_size_inches()[0] * 50, abs=1)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_the_users_rcparams_do_not_change_the_picture(fmt):
    expected = render(SEED, fmt)
    theirs = {
        "font.family": "serif", "font.size": 30, "font.weight": "bold", "text.color": "green",
        "svg.fonttype": "path", "svg.id": "mine", "savefig.bbox": "tight", "savefig.dpi": 20,
        "savefig.facecolor": "blue", "savefig.transparent": True, "figure.facecolor": "red",
        "figure.dpi": 300, "axes.facecolor": "yellow", "lines.linewidth": 9,
        "patch.linewidth": 7, "patch.force_edgecolor": True, "lines.solid_capstyle": "round",
        "lines.antialiased": False, "patch.antialiased": False, "text.antialiased": False,
    }  # fmt: skip
    known = {key: value for key, value in theirs.items() if key in matplotlib.rcParams}
    with matplotlib.rc_context(known):  # svg.id is matplotlib >= 3.9
        assert render(SEED, fmt) == expected


@pytest.mark.parametrize("fonttype", ["none", "path"])
def test_the_live_svg_writer_writes_what_matplotlibs_own_svg_backend_writes(tmp_path, fonttype):
    # The live writer's canvas writes SVG through a renderer that caches text extents
    # across saves; the bytes must be matplotlib's, on the first save and the later.
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    for source in (SEED, {"cell": "gru", "units": 10**6, "layers": 3, "bidirectional": True}):
        ours = draw(source)
        LiveSVG.attach(ours)
        with matplotlib.rc_context({"svg.fonttype": fonttype, "svg.hashsalt": "fixed"}):
            saves = [io.BytesIO(), io.BytesIO()]
            for buffer in saves:
                ours.savefig(buffer, format="svg", metadata={"Date": None})
            ours.savefig(tmp_path / "ours.svg", metadata={"Date": None})
            theirs = draw(source)
            FigureCanvasSVG(theirs)
            expected = io.BytesIO()
            theirs.savefig(expected, format="svg", metadata={"Date": None})
        assert saves[0].getvalue() == saves[1].getvalue() == expected.getvalue()
        assert (tmp_path / "ours.svg").read_bytes() == expected.getvalue()


def test_live_saves_measure_a_strings_height_from_its_characters_exactly():
    # A Diagram's SVG saves measure new strings from cached characters: the height and
    # descent must be FreeType's for the whole string, or labels would move.
    from matplotlib.font_manager import FontProperties

    from lstm_widget._live_svg import text_extent, text_height

    rng = random.Random(5)
    texts = {label.text for source in WALK for label in layout(breakdown(**source)).labels}
    texts |= {f"{rng.randrange(10**13):,}" for _ in range(200)}
    texts |= {"(gyp|Éj)", "b′ₜ ⊙ q…", "  "}
    for size in (9.5, 11.0, 15.0):
        for weight in ("normal", "bold"):
            prop = FontProperties(family="DejaVu Sans", size=size, weight=weight)
            for text in texts:
                assert text_height(text, prop)[1:] == text_extent(text, prop, False)[1:], text


def test_renders_are_reproducible():
    for fmt in ("png", "svg", "pdf"):
        assert render(SEED, fmt) == render(SEED, fmt)


def test_sources_can_be_breakdowns_settings_or_dicts():
    b = breakdown(**SEED)
    assert render(b, "svg") == render(b.settings, "svg") == render(SEED, "svg")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: draw(42), TypeError, "not int"),
        (lambda: draw(SEED, theme="dark"), SettingsError, "light, high-contrast, not 'dark'"),
        (lambda: draw(SEED, highlight="z"), SettingsError, "highlight must be one of"),
        # a role the layer lacks lights up nothing, so it is refused, naming what is there
        (
            lambda: render(SEED, highlight="peephole"),
            SettingsError,
            r"^highlight must be one of input, recurrent, bias, dense, f, i, candidate, o "
            r"\(or the candidate's letter c, g, j\), not 'peephole'\.$",
        ),
        (
            lambda: render(SEED, variant="big"),
            SettingsError,
            "^variant must be one of full, lecture, not 'big'.$",
        ),
        (lambda: Diagram().render(SEED, variant="big"), SettingsError, "variant must be"),
        (lambda: mimebundle(SEED, variant="big"), SettingsError, "variant must be"),
        (lambda: render(SEED, "jpg"), SettingsError, "png, svg, pdf, not 'jpg'"),
        (lambda: draw({"units": 0}), SettingsError, "units must be"),
        (lambda: draw(SEED, block=(3, "forward")), SettingsError, "block layer"),
        (lambda: draw(SEED, block=0), SettingsError, "block must be a .layer, direction. pair"),
        (lambda: render(SEED, dpi=-5), SettingsError, "dpi must be a number from 1 to 1,200"),
        (lambda: render(SEED, dpi=0.5), SettingsError, "dpi must be a number from 1 to 1,200"),
        (lambda: render(SEED, "svg", dpi=300), SettingsError, "^dpi applies only to PNG: SVG"),
        (lambda: render(SEED, "pdf", width=800), SettingsError, "^width applies only to PNG: PDF"),
        (lambda: render(SEED, dpi=90, width=800), SettingsError, "^give dpi or width, not both"),
        (lambda: render(SEED, width=99), SettingsError, "from 100 to 10,000, not 99"),
        (lambda: render(SEED, width=10_001), SettingsError, "from 100 to 10,000, not 10001"),
        (lambda: render(SEED, width=800.0), SettingsError, "whole number of pixels"),
        (lambda: render(SEED, width=True), SettingsError, "whole number of pixels"),
        (lambda: Diagram(dpi="high"), SettingsError, "dpi must be a number"),
        (lambda: Diagram(cache_size=-1), SettingsError, "cache_size must be .* not -1"),
    ],
)
def test_bad_arguments_raise_one_sentence(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_draws_into_a_given_axes_and_returns_its_figure():
    fig = Figure()
    ax = fig.add_subplot()
    assert draw(SEED, ax=ax) is fig
    assert len(ax.texts) == len(layout(breakdown(**SEED)).labels)


def alphas(fig):
    """Each painted label's alpha by its layout key (the SVG id without ``item.``)."""
    return {
        t.get_gid().removeprefix("item.").replace(".", ":"): t.get_alpha()
        for t in fig.axes[0].texts
    }


@pytest.mark.parametrize("theme", ["light", "high-contrast"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_highlight_dims_other_roles_and_keeps_the_chosen_one(variant, theme):
    shown = alphas(draw(SEED, highlight="recurrent", variant=variant, theme=theme))
    assert shown["card:f:recurrent"] == shown["card:candidate:recurrent:n"] == 1.0
    assert shown["card:f:input"] == shown["card:o:bias:n"] == DIMMED_ALPHA
    assert shown["title"] == 1.0  # untagged stays
    assert shown["card:f:title"] == 1.0  # gates are no rivals of a role


@pytest.mark.parametrize("variant", VARIANTS)
def test_several_highlights_keep_each_vivid_and_fade_the_rest(variant):
    source = {"framework": "pytorch"}
    shown = alphas(draw(source, highlight=("recurrent", "second_bias"), variant=variant))
    assert shown["card:f:recurrent"] == shown["card:o:second_bias:n"] == 1.0
    assert shown["card:f:input"] == shown["card:o:bias:n"] == DIMMED_ALPHA
    assert shown["card:f:title"] == 1.0
    one = render(source, "svg", highlight="recurrent", variant=variant)
    assert render(source, "svg", highlight=("recurrent",), variant=variant) == one
    assert render(source, "svg", highlight=("recurrent", "bias"), variant=variant) != one
    with pytest.raises(SettingsError, match="not 'colour'"):
        draw(source, highlight=("recurrent", "colour"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_highlight_a_gate_by_its_name_or_the_frameworks_letter(variant):
    source = {"framework": "pytorch"}
    shown = alphas(draw(source, highlight="g", variant=variant))
    assert shown["card:candidate:title"] == shown["card:candidate:input:n"] == 1.0
    assert shown["card:f:title"] == shown["letter:f"] == DIMMED_ALPHA
    if variant == "full":
        assert shown["legend:input:text"] == 1.0  # roles are no rivals of a gate
    by_letter = render(source, "svg", highlight="g", variant=variant)
    assert by_letter == render(source, "svg", highlight="candidate", variant=variant)
    assert by_letter != render(source, "svg", variant=variant)


def test_high_contrast_theme_paints_white_on_black():
    fig = draw(SEED, theme="high-contrast")
    assert fig.patch.get_facecolor()[:3] == (0.0, 0.0, 0.0)
    title = next(t for t in fig.axes[0].texts if t.get_text().startswith("Keras"))
    assert title.get_color() == HIGH_CONTRAST.foreground


def test_diagram_reuses_its_artists_when_only_numbers_change():
    d = Diagram()
    d.render(SEED, "svg")
    fig = d.figure
    ax = fig.axes[0]
    before = list(ax.get_children())
    d.render({**SEED, "units": 12_345}, "svg")
    assert d.figure is fig and list(ax.get_children()) == before
    headline = breakdown(**{**SEED, "units": 12_345}).headline()
    assert headline in {t.get_text() for t in ax.texts}


def test_diagram_keeps_shared_artists_and_recycles_vanished_ones_when_the_structure_changes():
    def painted(ax):
        return {a for a in ax.get_children() if (a.get_gid() or "").startswith("item.")}

    d = Diagram()
    d.render(SEED, "svg")
    ax = d.figure.axes[0]
    before = painted(ax)
    title = next(t for t in ax.texts if t.get_text() == breakdown(**SEED).headline())
    d.render({"cell": "gru"}, "svg")
    lstm, gru = layout(breakdown(**SEED)), layout(breakdown(cell="gru"))
    shown = [t.get_text() for t in ax.texts if t.get_visible()]
    assert title in ax.texts and title.get_text() == "Keras GRU: 390 parameters"
    assert sorted(shown) == sorted(label.text for label in gru.labels)
    after = painted(ax)
    assert len(after) == len(gru.items) and all(a.get_visible() for a in after)
    # Only a kind of item the GRU has more of than the LSTM needs new artists.
    lstm_kinds = Counter(type(item) for item in lstm.items)
    grown = Counter(type(item) for item in gru.items) - lstm_kinds
    assert len(after - before) == grown.total()
    # Going back and forth again creates nothing: vanished items' artists are parked.
    everything = set(ax.get_children())
    d.render(SEED, "svg")
    d.render({"cell": "gru", "units": 11}, "svg")
    assert set(ax.get_children()) == everything


@pytest.fixture(params=["live", "public"])
def svg_path(request, monkeypatch):
    """Each Diagram test runs on both SVG paths: the live writer where this matplotlib
    passes its check (tested below), and the public ``savefig`` path, forced."""
    if request.param == "public":
        monkeypatch.setattr(_live_svg, "enabled", False)
    else:
        assert _live_svg.live_svg() is not None, "this matplotlib fails the live check"
    return request.param


@pytest.mark.parametrize("theme", ["light", "high-contrast"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_diagram_output_always_equals_a_fresh_render(svg_path, variant, theme):
    # Steps within a digit count take the text-swap path, steps across it re-render;
    # a highlight or format change in between must not leave stale pixels or texts.
    d = Diagram(theme=theme)
    steps = [(20, None, "svg"), (21, None, "svg"), (35, "f", "svg"), (36, None, "svg"),
             (37, None, "png"), (38, None, "svg"), (99, None, "svg"), (100, None, "svg"),
             (101, "recurrent", "svg"), (102, "recurrent", "svg"), (103, "c", "svg"),
             (104, "candidate", "svg")]  # fmt: skip
    for units, highlight, fmt in steps:
        source = {**SEED, "units": units}
        assert_same_drawing(
            d.render(source, fmt, highlight=highlight, variant=variant),
            render(source, fmt, highlight=highlight, variant=variant, theme=theme),
            (units, highlight, fmt),
        )


def test_a_diagram_switching_variants_draws_what_a_fresh_render_draws(svg_path):
    d = Diagram()
    steps = [(SEED, "full"), (SEED, "lecture"), ({**SEED, "units": 11}, "lecture"),
             ({**SEED, "framework": "pytorch"}, "lecture"), ({**SEED, "units": 11}, "full"),
             ({"cell": "gru"}, "lecture"), (SEED, "lecture")]  # fmt: skip
    for source, variant in steps:
        assert_same_drawing(
            d.render(source, "svg", variant=variant),
            render(source, "svg", variant=variant),
            (source, variant),
        )
    # One settings' images are cached per variant, and each is the right one.
    assert d.render(SEED, "svg") != d.render(SEED, "svg", variant="lecture")


#: One structure after another: every cell, framework and option.
WALK = [
    SEED,
    {**SEED, "layers": 3},
    {**SEED, "layers": 3, "bidirectional": True},
    {"cell": "gru", "layers": 3, "bidirectional": True},
    {"cell": "gru", "reset_after": False},
    {"framework": "onnx", "peepholes": True},
    {"framework": "pytorch", "proj_size": 4, "layers": 2},
    {"cell": "rnn", "bias": False},
    SEED,
]


def test_diagram_reusing_artists_across_structures_draws_what_a_fresh_render_draws(svg_path):
    d = Diagram()
    for source in WALK:
        assert_same_drawing(d.render(source, "svg"), render(source, "svg"), source)


@pytest.mark.parametrize("variant", VARIANTS)
def test_diagram_over_a_random_walk_draws_what_a_fresh_render_draws(svg_path, variant):
    # Each step changes one setting (and now and then the highlight), so most items
    # are pasted from earlier SVGs, some drawn anew, some moved: any stale fragment,
    # wrong placeholder or misplaced artist shows up as different bytes.
    rng = random.Random(3)
    choices = {
        "cell": CELLS, "framework": FRAMEWORKS, "units": (1, 9, 10, 99, 4096, 10**6),
        "input_size": (1, 3, 250), "layers": (1, 2, 3, 7), "bidirectional": (False, True),
        "bias": (False, True), "dense": (0, 1, 12), "kernel": ((), (3, 3), (5,), (2, 3, 4)),
    }  # fmt: skip
    d, settings, highlight = Diagram(cache_size=0), dict(SEED), None
    steps = 0
    while steps < 40:
        name = rng.choice(list(choices))
        candidate = {**settings, name: rng.choice(choices[name])}
        try:
            b = breakdown(**candidate)
        except SettingsError:
            continue
        settings, steps = candidate, steps + 1
        offered = [None, *b.highlights.choices]
        if highlight not in offered or rng.random() < 0.25:
            highlight = rng.choice(offered)
        assert_same_drawing(
            d.render(b, "svg", highlight=highlight, variant=variant),
            render(b, "svg", highlight=highlight, variant=variant),
            (settings, highlight),
        )


def drawn(svg: bytes) -> list[tuple[str, str, str, tuple[float, ...]]]:
    """What an SVG draws, item by item: (item id, element, text and style, numbers).

    Every element inside each painted item's group, with its text, its style and
    every number of its geometry (path data, position, transform), so two SVGs that
    draw the same picture compare equal however their bytes were produced.
    """
    shapes = []
    for group in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        gid = group.get("id", "")
        if not gid.startswith("item."):
            continue
        for element in group.iter():
            if element is group:
                continue
            geometry = " ".join(element.get(name, "") for name in ("d", "x", "y", "transform"))
            numbers = tuple(float(n) for n in _SVG_NUMBER.findall(geometry.encode()))
            style = f"{element.text or ''}|{element.get('style', '')}"
            shapes.append((gid, element.tag.rpartition("}")[2], style, numbers))
    return shapes


def assert_same_picture(live: bytes, public: bytes, context: object) -> None:
    mine, theirs = drawn(live), drawn(public)
    assert [shape[:3] for shape in mine] == [shape[:3] for shape in theirs], context
    for (gid, *_, a), (_, *_, b) in zip(mine, theirs, strict=True):
        assert a == pytest.approx(b, abs=1e-5), (context, gid)


def test_the_live_path_and_the_public_path_draw_the_same_picture(monkeypatch):
    # The same walk through two Diagrams, one with the live writer and one forced onto
    # matplotlib's public savefig: every label's text, style and place, and every
    # shape's geometry, must agree at each step (both reuse their artists).
    live = Diagram(cache_size=0)
    assert live._live is not None, "this matplotlib fails the live check"
    monkeypatch.setattr(_live_svg, "enabled", False)
    public = Diagram(cache_size=0)
    assert public._live is None
    steps = [*WALK, {**SEED, "units": 11}, {**SEED, "units": 12}, {**SEED, "units": 1000}]
    highlights = [None, "recurrent", None, "z", None, "peephole", "projection", "input",
                  None, None, "bias", None]  # fmt: skip
    for source, highlight in zip(steps, highlights, strict=True):
        b = breakdown(**source)
        pictures = [d.render(b, "svg", highlight=highlight) for d in (live, public)]
        assert drawn(pictures[0]), source
        assert_same_picture(*pictures, (source, highlight))


def test_the_live_check_fails_closed_and_the_public_path_takes_over(monkeypatch):
    # A matplotlib without the private machinery, or whose probe comes out otherwise,
    # gets the public path, decided by what it does and never by its version.
    from matplotlib import cbook

    check = _live_svg._capable.__wrapped__
    assert check() is True
    monkeypatch.delattr(cbook, "open_file_cm")
    assert check() is False
    monkeypatch.undo()

    def garbled(*args, **kwargs):
        return b'<svg xmlns="http://www.w3.org/2000/svg"/>'

    monkeypatch.setattr(_live_svg, "_paste", garbled)
    assert check() is False
    monkeypatch.undo()

    # Labels are swapped into the last SVG only where that is what a fresh save writes.
    monkeypatch.setattr(_live_svg, "_swap_texts", lambda svg, changes: svg)
    assert _live_svg._labels_stay_put.__wrapped__() is False
    monkeypatch.undo()

    monkeypatch.setattr(_live_svg, "_capable", lambda: False)
    d = Diagram()
    assert d._live is None
    assert_same_drawing(d.render(SEED, "svg"), render(SEED, "svg"), "public path")
    assert type(d.figure.canvas) is FigureCanvasAgg  # matplotlib picks its SVG canvas


def test_a_diagrams_theme_and_dpi_cannot_change_under_its_caches():
    d = Diagram(theme="high-contrast", dpi=72)
    assert (d.theme, d.dpi) == (HIGH_CONTRAST, 72)
    for name, value in (("theme", "light"), ("dpi", 144)):
        with pytest.raises(AttributeError):
            setattr(d, name, value)


def test_diagram_cache_returns_the_same_bytes_without_repainting():
    d = Diagram()
    first = d.render(SEED, "svg")
    d.render({**SEED, "units": 11}, "svg")
    assert d.render(SEED, "svg") is first
    shown = breakdown(**{**SEED, "units": 11})  # the figure still shows the last paint
    assert shown.headline() in {t.get_text() for t in d.figure.axes[0].texts}


def test_diagram_memory_stays_flat_over_many_renders(svg_path):
    # Count live container objects rather than trace allocations (tracing is ~20x
    # slower). The warm-up fills every bounded cache (the text measurements, the live
    # writer's fragments); after that, entries only replace each other, and which
    # kinds of object they hold drifts by a few hundred either way. A leak of even one
    # object a render would pass the bound over the 407 renders measured.
    d = Diagram(cache_size=0)
    sources = [
        {"cell": cell, "units": units, "input_size": 3}
        for units in range(1, 270)
        for cell in ("lstm", "lstm", "gru")  # an update, then a rebuild
    ]
    for source in sources[:400]:
        d.render(source, "svg")
    gc.collect()
    start = len(gc.get_objects())
    for source in sources[400:]:
        d.render(source, "svg")
    gc.collect()
    assert len(gc.get_objects()) - start < 400
    assert len(d.figure.axes[0].get_children()) < 250


def test_breakdown_shows_diagram_and_table_in_notebooks():
    b = breakdown(**SEED)
    data, metadata = b._repr_mimebundle_()
    assert set(data) == {"text/plain", "text/html", "image/png"}
    assert data["text/plain"] == text_table(b)
    assert base64.b64decode(data["image/png"]).startswith(PNG)
    assert f'<img src="data:image/png;base64,{data["image/png"]}"' in data["text/html"]
    assert html_table(b) in data["text/html"]
    width, height = metadata["image/png"]["width"], metadata["image/png"]["height"]
    assert (width, height) == tuple(round(v * 96) for v in draw(b).get_size_inches())


@pytest.mark.parametrize("theme", [LIGHT, HIGH_CONTRAST], ids=lambda t: t.name)
def test_a_notebook_png_keeps_the_picture_in_a_palette_of_the_theme_colours(theme):
    """The notebook's PNG is the full-colour render in at most 256 colours: the same
    size, every pixel close to the full-colour one, and each theme colour it shows (the
    background the page meets, every role) exactly where the full-colour render has it.
    """
    from PIL import Image

    b = breakdown(**SEED, framework="pytorch", proj_size=5)
    data, _ = mimebundle(b, theme=theme)
    image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    full = Image.open(io.BytesIO(render(b, "png", theme=theme, dpi=144))).convert("RGB")
    assert image.mode == "P" and image.size == full.size
    ours, theirs = (np.asarray(i.convert("RGB"), dtype=int) for i in (image, full))
    assert np.abs(ours - theirs).max() <= 48
    colours = {theme.background, theme.foreground, theme.muted, *theme.roles.values()}
    shown = 0
    for colour in colours:
        rgb = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
        where = (theirs == rgb).all(axis=2)
        shown += bool(where.any())
        assert (ours[where] == rgb).all(), colour
    assert shown >= 5  # background, ink, muted and at least two roles


def test_a_notebook_png_is_a_fraction_of_a_full_colour_ones_bytes():
    b = breakdown(**SEED)
    png = base64.b64decode(mimebundle(b)[0]["image/png"])
    assert len(png) < len(render(b, "png", dpi=144)) / 2


def test_notebook_bundle_in_svg_and_high_contrast():
    data, metadata = mimebundle(SEED, fmt="svg", theme="high-contrast", highlight="f")
    assert data["image/svg+xml"].startswith("<?xml") and "image/svg+xml" in metadata
    assert "background:#000000" in data["text/html"]
    with pytest.raises(SettingsError, match="png or svg, not 'pdf'"):
        mimebundle(SEED, fmt="pdf")


def test_notebook_bundle_of_the_lecture_drawing():
    data, metadata = mimebundle(SEED, fmt="svg", variant="lecture")
    lecture = layout(breakdown(**SEED), variant="lecture")
    assert data["image/svg+xml"] == render(SEED, "svg", variant="lecture").decode()
    size = metadata["image/svg+xml"]
    assert (size["width"], size["height"]) == (
        round(lecture.width * 96 / 72),
        round(lecture.height * 96 / 72),
    )


def test_every_view_leads_with_the_same_headline():
    from html import escape

    from lstm_widget.report import summary_line

    for source in (SEED, {"framework": "pytorch", "layers": 2, "dense": 3}, {"cell": "rnn"}):
        b = breakdown(**source)
        headline = b.headline()
        assert summary_line(b).startswith(headline)
        assert headline in text_table(b)
        assert escape(headline) in html_table(b)
        tag = image_tag(render(b, "png"), "png", b)
        assert f'alt="{escape(headline)}. Block diagram of ' in tag
        assert escape(headline) in mimebundle(b)[0]["text/html"]
        assert headline in {t.get_text() for t in draw(b).axes[0].texts}
        answer, aside = b.headline_parts()
        lecture = {t.get_text() for t in draw(b, variant="lecture").axes[0].texts}
        assert answer in lecture and (not aside or f"({aside})" in lecture)


@pytest.mark.parametrize(("suffix", "magic"), [("png", PNG), ("svg", b"<?xml"), ("pdf", PDF)])
def test_cli_save_writes_the_format_its_suffix_names(tmp_path, capsys, suffix, magic):
    target = tmp_path / f"seed.{suffix.upper()}"
    assert main(["-u", "10", "-i", "1", "--dense", "1", "--save", str(target)]) == 0
    assert target.read_bytes().startswith(magic)
    assert capsys.readouterr().out.startswith(f"wrote {target}")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("seed.jpg", "--save needs a .png, .svg or .pdf file name"),
        ("no/dir/x.png", "cannot write"),
    ],
)
def test_cli_save_bad_target_is_one_line_and_status_2(tmp_path, capsys, name, message):
    assert main(["--save", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_save_uses_the_theme_and_highlight_it_is_given(tmp_path, capsys):
    plain, styled = tmp_path / "plain.svg", tmp_path / "styled.svg"
    assert main(["-u", "10", "--save", str(plain)]) == 0
    flags = ["--theme", "high-contrast", "--highlight", "recurrent"]
    assert main(["-u", "10", *flags, "--save", str(styled)]) == 0
    expected = render(breakdown(units=10), "svg", theme="high-contrast", highlight="recurrent")
    assert styled.read_bytes() == expected != plain.read_bytes()


ISOLATION = """
import json, sys, tempfile
import lstm_widget
assert "matplotlib" not in sys.modules
import matplotlib
from matplotlib import _pylab_helpers
before = matplotlib.rcParams.copy()
backend = dict.__getitem__(matplotlib.rcParams, "backend")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from lstm_widget.cli import main
from lstm_widget.diagram import Diagram, draw, render

sources = [
    {"units": 10, "input_size": 1, "dense": 1},
    {"cell": "gru", "reset_after": False},
    {"framework": "pytorch", "layers": 3, "bidirectional": True, "proj_size": 5, "units": 20},
    {"framework": "onnx", "peepholes": True},
    {"cell": "rnn", "bias": False},
]
for source in sources:
    for fmt in ("png", "svg", "pdf"):
        render(source, fmt, theme="high-contrast")
    lstm_widget.breakdown(**source)._repr_mimebundle_()
    draw(source, ax=Figure().add_subplot())
d = Diagram()
for units in range(1, 15):
    d.render({"units": units}, "svg")
    d.render({"units": units, "cell": "gru"}, "png")
with tempfile.TemporaryDirectory() as folder:
    main(["--save", folder + "/x.pdf"])
print(json.dumps({
    "pyplot": "matplotlib.pyplot" in sys.modules,
    "rc_same": matplotlib.rcParams.copy() == before,
    "backend_same": dict.__getitem__(matplotlib.rcParams, "backend") == backend,
    "managers": _pylab_helpers.Gcf.get_num_fig_managers(),
}))
"""


def test_drawing_never_touches_pyplot_rcparams_or_the_backend(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", ISOLATION],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {"pyplot": False, "rc_same": True, "backend_same": True, "managers": 0}
