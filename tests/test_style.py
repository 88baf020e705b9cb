"""Themes: every role colour is legible on its background and distinct from the others."""

import itertools

import pytest

from lstm_widget.counting import ROLES
from lstm_widget.style import THEMES


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    channels = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_every_role_has_a_colour_legible_on_the_background(theme):
    assert set(theme.roles) == set(ROLES)
    for role, colour in theme.roles.items():
        assert contrast(colour, theme.background) >= 3.5, (role, colour)
    assert contrast(theme.foreground, theme.background) >= 12
    assert contrast(theme.muted, theme.background) >= 4.5


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_role_colours_are_all_different(theme):
    for a, b in itertools.combinations(theme.roles.values(), 2):
        assert a.upper() != b.upper()
