"""Colours and themes shared by the tables, the formula and the diagram; image sizes.

Colour means role everywhere: the same hex value paints a role's numbers in the HTML
formula, its rows in the table and its boxes in the diagram. The hues are Okabe–Ito's,
chosen to stay distinguishable under the common colour-vision deficiencies. On white,
Okabe–Ito's orange and sky blue fall to about 2.3:1, too faint for numbers on a
washed-out projector, so the light theme shifts lightness: every role reaches at least
3:1 (the contrast for bold text, as the counts are) while the pairs that appear
together (recurrent and peephole, input and projection) keep their lightness gap, the
cue that survives deuteranopia and protanopia. tests/test_style.py checks both. Stdlib
only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from .conventions import Role, SettingsError

ThemeName = Literal["light", "high-contrast"]
THEME_NAMES: tuple[ThemeName, ...] = get_args(ThemeName)
#: The theme every front end starts with unless told otherwise.
DEFAULT_THEME: ThemeName = "light"

#: PNG resolution: 100 dpi keeps live updates quick.
DEFAULT_DPI = 100
#: Bounds of a PNG's resolution and of its width in pixels, which sets the resolution
#: instead: beyond them an image takes hundreds of megabytes to paint.
MAX_DPI = 1200
MIN_WIDTH, MAX_WIDTH = 100, 10_000


@dataclass(frozen=True)
class Theme:
    """Everything a view needs to paint: background, ink and one colour per role."""

    name: ThemeName
    background: str
    foreground: str
    muted: str
    roles: Mapping[Role, str]


LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    foreground="#1A1A1A",
    muted="#6B6B6B",
    roles={
        "input": "#0068A8",
        "recurrent": "#A83800",
        "bias": "#007C5A",
        "second_bias": "#B45A96",
        "peephole": "#B88000",
        "projection": "#4A9AD0",
        "conv": "#9C2430",
        "scale": "#489C54",
        "feedforward": "#7B2FD0",
        "dense": "#000000",
    },
)

#: White on black with the palette's brightest members: for projectors and dim rooms.
HIGH_CONTRAST = Theme(
    name="high-contrast",
    background="#000000",
    foreground="#FFFFFF",
    muted="#BFBFBF",
    roles={
        "input": "#56B4E9",
        "recurrent": "#E69F00",
        "bias": "#00C08B",
        "second_bias": "#F5A3D0",
        "peephole": "#F0E442",
        "projection": "#9AD9FF",
        "conv": "#FF5A6E",
        "scale": "#9CFC90",
        "feedforward": "#B06CFF",
        "dense": "#FFFFFF",
    },
)

THEMES: Mapping[ThemeName, Theme] = {"light": LIGHT, "high-contrast": HIGH_CONTRAST}


def theme_named(theme: str | Theme) -> Theme:
    """``theme`` itself, or the theme of that name; a one-sentence SettingsError if none."""
    if isinstance(theme, Theme):
        return theme
    if theme not in THEMES:
        raise SettingsError(f"theme must be one of {', '.join(THEME_NAMES)}, not {theme!r}.")
    return THEMES[theme]  # type: ignore[index]
