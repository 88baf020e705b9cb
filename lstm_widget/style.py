"""Colours and themes shared by the tables, the formula and the diagram.

Colour means role everywhere: the same hex value paints a role's numbers in the HTML
formula, its rows in the table and its boxes in the diagram. The hues are Okabe–Ito's,
which stay distinguishable under the common colour-vision deficiencies. On the light
theme the paler members are darkened (same hue) to at least 3.5:1 contrast on white,
so coloured numbers stay legible on a washed-out projector. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from .counting import Role

ThemeName = Literal["light", "high-contrast"]
THEME_NAMES: tuple[ThemeName, ...] = get_args(ThemeName)


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
        "input": "#0072B2",
        "recurrent": "#C05200",
        "bias": "#007C5A",
        "second_bias": "#A8508A",
        "peephole": "#9A6A00",
        "projection": "#3B8BC2",
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
        "dense": "#FFFFFF",
    },
)

THEMES: Mapping[ThemeName, Theme] = {"light": LIGHT, "high-contrast": HIGH_CONTRAST}
