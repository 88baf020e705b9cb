"""Themes: every role colour is legible on its background and tells itself apart from
every other, for normal vision and simulated deuteranopia and protanopia."""

import itertools
import math

import pytest

from lstm_widget.conventions import ROLES
from lstm_widget.style import THEMES

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
}


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


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_every_role_has_a_colour_legible_on_the_background(theme):
    assert set(theme.roles) == set(ROLES)
    for role, colour in theme.roles.items():
        assert contrast(colour, theme.background) >= 3.0, (role, colour)
    assert contrast(theme.foreground, theme.background) >= 12
    assert contrast(theme.muted, theme.background) >= 4.5


@pytest.mark.parametrize("vision", VISION)
@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_role_colours_stay_apart_with_colour_vision_deficiencies(theme, vision):
    # ΔE*ab of 13 or more reads as clearly different colours side by side.
    for (a, x), (b, y) in itertools.combinations(theme.roles.items(), 2):
        distance = math.dist(lab(x, vision), lab(y, vision))
        assert distance >= 13, (a, b, round(distance, 1))
