"""Themes, checked against what the diagram actually draws (WCAG 2.1 AA).

- Contrast for the size drawn (1.4.3, 1.4.11): every label of every layout, at the
  size and weight the layout gives it, on whatever it sits on (a gate's fill or the
  paper), reaches 4.5:1, or 3:1 where it is large (18 pt, or 14 pt bold, at its
  natural size: the layout is in points and a notebook shows it 1:1); every box,
  node, wire and swatch reaches 3:1 on the paper.
- Colour is never the only carrier (1.4.1): each pair of roles that one diagram shows
  together stays apart for normal vision and simulated deuteranopia, protanopia and
  tritanopia, measured with CIEDE2000; each role is also named in words (its letter,
  its label), and what a highlight or a quiz's mark fades still reads in greyscale.
"""

import itertools
import math
from functools import cache

import pytest
from strategies import changed_options, required_options

from lstm_widget import breakdown
from lstm_widget.conventions import FRAMEWORK_SPECS, ROLES, VARIANTS
from lstm_widget.counting import Breakdown, SettingsError
from lstm_widget.layout import Label, Layout, Rect, layout
from lstm_widget.painting import DIMMED_ALPHA
from lstm_widget.style import THEMES, Theme

#: Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
VISION = {
    "normal": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}

#: CIEDE2000 distances the roles keep. ΔE00 of 1 is about one just-noticeable
#: difference between large patches side by side; small marks (a 1.4 pt wire, an
#: 11 pt digit) need several times that. With normal vision the roles are meant to read
#: as different colours at a glance: 10. With a colour-vision deficiency the
#: palette can only keep them apart side by side (seven roles dark enough for small
#: text on white leave little room): 5. Naming them is the words' job (W, U, b, the
#: legend's labels), so colour is never the only carrier.
MIN_DISTANCE = {"normal": 10.0, "deuteranopia": 5.0, "protanopia": 5.0, "tritanopia": 5.0}


def linear_rgb(colour: str) -> list[float]:
    channels = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    r, g, b = linear_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def blend(colour: str, alpha: float, background: str) -> str:
    """``colour`` painted at ``alpha`` over ``background``, as sRGB compositing does."""
    channels = [
        round(alpha * int(colour[k : k + 2], 16) + (1 - alpha) * int(background[k : k + 2], 16))
        for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02X}" for c in channels)


def lab(colour: str, vision: str) -> tuple[float, float, float]:
    """CIELAB (D65) of ``colour`` as seen with ``vision``."""
    rgb = linear_rgb(colour)
    seen = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True))))
            for row in VISION[vision]]  # fmt: skip
    r, g, b = seen
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.9505
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.089

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """ΔE00 (CIE 142-2001), as Sharma, Wu & Dalal (2005) spell it out."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    if c1p * c2p == 0:
        dh = 0.0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    d_hue = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_mean = h1p + h2p
    if c1p * c2p != 0:
        h_mean = (h1p + h2p) / 2 if abs(h1p - h2p) <= 180 else (h1p + h2p + 360) / 2 % 360
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    rotation = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    rt = -math.sin(math.radians(2 * rotation)) * rc
    return math.sqrt(
        (dl / sl) ** 2 + (dc / sc) ** 2 + (d_hue / sh) ** 2 + rt * (dc / sc) * (d_hue / sh)
    )


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # Sharma, Wu & Dalal (2005), table 1: pairs 1, 7, 17 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


@cache
def every_diagram() -> tuple[Breakdown, ...]:
    """A layer of every framework and cell, plain, with each option moved, and with all
    of them at once (and a dense head): every role and pair of roles a diagram shows."""
    found = []
    for framework, spec in FRAMEWORK_SPECS.items():
        for cell in spec.cells:
            plain = dict(framework=framework, cell=cell, units=8, input_size=3, dense=2,
                         **required_options(cell))  # fmt: skip
            variants = [plain, *changed_options(plain)]
            variants.append({k: v for variant in variants for k, v in variant.items()})
            for settings in variants:
                try:
                    found.append(breakdown(**settings))
                except SettingsError:  # options that exclude each other
                    continue
    return tuple(found)


def pairs_shown_together() -> set[tuple[str, str]]:
    return {
        tuple(sorted(pair))  # type: ignore[misc]
        for b in every_diagram()
        for pair in itertools.combinations(b.role_totals(), 2)
    }


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_every_role_has_a_colour_and_the_theme_its_inks(theme):
    assert set(theme.roles) == set(ROLES)
    # Counted roles may have their colour before any diagram draws them (xLSTM's).
    assert {role for b in every_diagram() for role in b.role_totals()} <= set(ROLES)
    assert contrast(theme.foreground, theme.background) >= 12
    assert contrast(theme.muted, theme.background) >= 4.5


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_every_role_reads_as_small_text_on_the_paper(theme):
    """The formula and the tables paint small numbers in every role's colour, drawn or
    not yet drawn by a diagram: each reaches 4.5:1 on the theme's background."""
    for role, colour in theme.roles.items():
        assert contrast(colour, theme.background) >= 4.5, (role, colour)


@pytest.mark.parametrize("vision", VISION)
@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_roles_shown_together_stay_apart_with_colour_vision_deficiencies(theme, vision):
    pairs = pairs_shown_together()
    assert pairs, "no diagram shows two roles"
    for a, b in sorted(pairs):
        distance = ciede2000(lab(theme.roles[a], vision), lab(theme.roles[b], vision))  # type: ignore[index]
        assert distance >= MIN_DISTANCE[vision], (a, b, round(distance, 1))


def is_large(label: Label) -> bool:
    """WCAG's large text: 18 pt, or 14 pt bold, at the natural size (the layout's points)."""
    return label.size >= 18 or (label.bold and label.size >= 14)


def paint(theme: Theme, ink: str) -> str:
    named = {"ink": theme.foreground, "muted": theme.muted, "paper": theme.background}
    return named.get(ink) or theme.roles[ink]  # type: ignore[index]


def ground(lay: Layout, label: Label, theme: Theme) -> str:
    """What ``label`` is drawn on: the last filled box under its anchor, or the paper."""
    under = theme.background
    for item in lay.items:
        if item is label:
            return under
        inside = isinstance(item, Rect) and (
            item.x <= label.x <= item.x + item.width and item.y <= label.y <= item.y + item.height
        )
        if inside and item.fill is not None:
            under = paint(theme, item.fill)
    raise AssertionError("the label is not in its layout")


def layouts() -> list[Layout]:
    return [layout(b, (0, "forward"), variant) for b in every_diagram() for variant in VARIANTS]


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_text_and_shapes_keep_their_contrast_at_the_size_drawn(theme):
    short = set()
    role_labels = 0
    for lay in layouts():
        for item in lay.items:
            if isinstance(item, Label):
                needed = 3.0 if is_large(item) else 4.5
                ratio = contrast(paint(theme, item.ink), ground(lay, item, theme))
                role_labels += item.ink in ROLES
                if ratio < needed:
                    short.add((item.ink, item.size, item.bold, round(ratio, 2), needed))
            else:
                inks = [item.ink] if not isinstance(item, Rect) or item.line_width else []
                if isinstance(item, Rect) and item.fill is not None:
                    inks.append(item.fill)
                for ink in inks:
                    ratio = contrast(paint(theme, ink), theme.background)
                    if ratio < 3.0:
                        short.add((type(item).__name__, ink, round(ratio, 2), 3.0))
    assert role_labels, "no label is drawn in a role's colour"
    assert not short, sorted(short)


def grey(colour: str) -> float:
    """What ``colour`` reads as in greyscale: its relative luminance."""
    return luminance(colour)


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_a_highlight_and_the_quizs_marks_read_in_greyscale(theme):
    # A highlight (or a wrong guess's marked term) keeps its roles at full strength and
    # fades their rivals to DIMMED_ALPHA: the two must differ in lightness alone, by
    # the 3:1 WCAG asks of a graphical object against what is beside it.
    for role, colour in theme.roles.items():
        faded = blend(colour, DIMMED_ALPHA, theme.background)
        bright, dim = sorted((grey(colour), grey(faded)), reverse=True)
        assert (bright + 0.05) / (dim + 0.05) >= 3.0, (role, colour, faded)


def test_the_quizs_marks_light_up_roles_and_gates_the_diagram_has():
    from lstm_widget.quiz import Question

    b = breakdown(input_size=1, units=10, dense=1)
    verdict = Question(b, "layer", 3).check(120)
    assert not verdict.right and verdict.marks
    rules = b.highlights
    assert all(rules.resolve(mark) is not None for mark in verdict.marks)
    # Where a diagram is highlighted, its marked items are also drawn thicker (a change
    # of shape, seen without colour): checked on the painter itself.
    from lstm_widget.painting import Painter, resolve_highlight

    painter = Painter(None, THEMES["light"], resolve_highlight(b, verdict.marks))  # type: ignore[arg-type]
    mark = next(iter(verdict.marks))
    assert painter.alpha_and_width(frozenset({mark}), 1.4) == (1.0, pytest.approx(1.4 * 1.8))
