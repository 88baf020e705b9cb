"""Painting layout items with matplotlib, without pyplot: the one painter of every picture.

Figures are built as :class:`matplotlib.figure.Figure` with an Agg canvas attached, as
matplotlib's "web application server" example does: pyplot is never imported, no figure
is registered anywhere, and nothing here outlives its caller unless the caller keeps
it. A layout is in points, so the figure is exactly ``width/72 × height/72`` inches
and an 11 pt label is 11 pt in the output.

:class:`Painter` turns each item into one artist and restyles it in place, which the
live :class:`~lstm_widget.diagram.Diagram` relies on; :func:`save_figure` saves every
picture of the package alike; the argument checks here are shared by every picture's
``render``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args
from xml.sax.saxutils import escape as xml_escape

import matplotlib
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle as CirclePatch
from matplotlib.patches import FancyBboxPatch
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.text import Text

from ._live_svg import Reusable, svg_id
from .conventions import Highlight
from .counting import Breakdown, SettingsError
from .layout import FONT_FAMILY, Circle, Ink, Item, Label, Layout, LineStyle, Path, Polygon, Rect
from .style import DEFAULT_DPI, MAX_DPI, MAX_WIDTH, MIN_WIDTH, Theme

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[Format, ...] = get_args(Format)

#: How faint everything a highlight does not name becomes.
DIMMED_ALPHA = 0.22

#: The only rc settings a save changes, and only while it saves: text stays text in SVG
#: (small, fast, selectable), a PDF embeds its font as TrueType (some PDF viewers draw
#: the Type 3 fonts matplotlib writes by default poorly, and journals' checks reject
#: them), no tight cropping that would resize the canvas, reproducible bytes. A key this matplotlib
#: lacks (``svg.id`` before 3.9) has nothing of the user's to override and is left out.
_SAVE_RC: Mapping[str, Any] = {
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "svg.hashsalt": "lstm_widget",
    "svg.id": None,
    "savefig.bbox": "standard",
    "savefig.transparent": False,
}
_SVG_FONT = f"font-family: '{FONT_FAMILY}'".encode()
_SVG_FONT_FALLBACK = _SVG_FONT + b", Verdana, sans-serif"
_SVG_TEXT_START = b"<text "
_SVG_TEXT_KEEPING_SPACES = b'<text xml:space="preserve" '
_METADATA: Mapping[Format, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}
# Nodes sit under the wires: wires stop at a node's rim, and its operator strokes
# (short paths) must show on top of its fill.
_ZORDER = {Rect: 1.0, Circle: 1.5, Path: 2.0, Polygon: 2.1, Label: 3.0}
_Z_STEP = 1e-6  # per item index: far below the gaps above for any layout's size
_LINE_STYLES: Mapping[LineStyle, str] = {"solid": "-", "dashed": "--", "dotted": ":"}


# ------------------------------------------------------------------ argument checks


@dataclass(frozen=True)
class Emphasis:
    """The highlighted roles or gates, and their rivals: the names that fade beside them.

    A role competes only with roles and a gate only with gates, so highlighting the
    recurrent weights fades the other weight rows but not the gates they feed.
    """

    names: frozenset[str]
    rivals: frozenset[str]


def resolve_highlight(b: Breakdown, highlight: Highlight) -> Emphasis | None:
    """What ``highlight`` lights up on ``b``'s diagram and what fades beside it; None
    when it names nothing there."""
    rules = b.highlights
    asked = highlight if isinstance(highlight, tuple) else (highlight,)
    # A framework's gate letter: its stable name.
    names = frozenset(name for name in map(rules.resolve, asked) if name is not None)
    if not names:
        return None
    rivals = frozenset().union(*map(rules.rivals, names)) - names
    return Emphasis(names, rivals)


def check_dpi(dpi: float | None) -> float:
    """``dpi`` checked, or the default resolution for None."""
    if dpi is None:
        return DEFAULT_DPI
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 1 <= dpi <= MAX_DPI:
        raise SettingsError(f"dpi must be a number from 1 to {MAX_DPI:,}, not {dpi!r}.")
    return dpi


def png_dpi(fmt: Format, dpi: float | None, width: int | None, width_inches: float) -> float:
    """The resolution a save runs at, from ``dpi`` or from a PNG ``width`` in pixels.

    The one check of both for every caller (the API and ``lstm-params``): each is a
    PNG's, and one at a time. For a ``width``, the resolution is ``width / inches``,
    raised by a float step where needed: Agg truncates ``inches × dpi`` to whole
    pixels, and the plain quotient lands a float's breadth short of the width for
    about one width in twenty.
    """
    if fmt != "png" and (dpi is not None or width is not None):
        given = "dpi" if dpi is not None else "width"
        raise SettingsError(
            f"{given} applies only to PNG: {fmt.upper()} is vector and scales to any size."
        )
    if width is None:
        return check_dpi(dpi)
    if dpi is not None:
        raise SettingsError("give dpi or width, not both: one follows from the other.")
    if (
        isinstance(width, bool)
        or not isinstance(width, int)
        or not MIN_WIDTH <= width <= MAX_WIDTH
    ):
        raise SettingsError(
            f"width must be a whole number of pixels from {MIN_WIDTH} to {MAX_WIDTH:,}, "
            f"not {width!r}."
        )
    resolution = width / width_inches
    while int(width_inches * resolution) < width:
        resolution = math.nextafter(resolution, math.inf)
    return resolution


def check_format(fmt: str) -> Format:
    """``fmt`` checked: one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise SettingsError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    return fmt


# ------------------------------------------------------------------------- painting


class _Text(Reusable, Text):
    """A :class:`~lstm_widget.layout.Label`."""


class _Box(Reusable, FancyBboxPatch):
    """A :class:`~lstm_widget.layout.Rect`."""


class _Node(Reusable, CirclePatch):
    """A :class:`~lstm_widget.layout.Circle`."""


class _Wire(Reusable, Line2D):
    """A :class:`~lstm_widget.layout.Path`."""


class _Arrowhead(Reusable, PolygonPatch):
    """A :class:`~lstm_widget.layout.Polygon`."""


class Painter:
    """Turns layout items into artists on one axes, and restyles them in place."""

    def __init__(self, ax: Axes, theme: Theme, highlight: Emphasis | None) -> None:
        self.ax = ax
        self.theme = theme
        self.highlight = highlight

    def colour(self, ink: Ink) -> str:
        t = self.theme
        named = {"ink": t.foreground, "muted": t.muted, "paper": t.background}
        return named[ink] if ink in named else t.roles[ink]  # type: ignore[index]

    def alpha_and_width(self, tags: frozenset[str], width: float) -> tuple[float, float]:
        """Fade what names a rival of the highlight; thicken the lines it names."""
        if self.highlight is None:
            return 1.0, width
        if tags & self.highlight.names:
            return 1.0, width * 1.8
        if tags & self.highlight.rivals:
            return DIMMED_ALPHA, width
        return 1.0, width

    def frame(self, lay: Layout) -> None:
        self.ax.set_xlim(0, lay.width)
        self.ax.set_ylim(lay.height, 0)  # the layout's y grows downwards

    def create(self, item: Item, index: int) -> Artist:
        """A new artist for ``item``, the ``index``-th of its layout."""
        ax = self.ax
        artist: Artist
        if isinstance(item, Label):
            artist = _Text(
                0, 0, "", va="center", family=FONT_FAMILY, usetex=False, parse_math=False
            )
        elif isinstance(item, Rect):
            artist = _Box((0, 0), 1, 1, boxstyle=_boxstyle(item))
        elif isinstance(item, Circle):
            artist = _Node((0, 0), 1)
        elif isinstance(item, Path):
            artist = _Wire([], [], solid_capstyle="butt", dash_capstyle="butt")
        else:
            artist = _Arrowhead([(0, 0)], closed=True, linewidth=0)
        # add_artist, not add_patch / add_line: the axes limits are the layout's, so
        # updating data limits per artist (a tenth of a structure change) is wasted.
        ax.add_artist(artist)
        artist.set_clip_on(False)
        artist.set_antialiased(True)  # the user's rcParams may have turned it off
        self.update(artist, item, index)
        return artist

    def properties(self, item: Item) -> dict[str, Any]:
        """What painting ``item`` sets on its artist: {property: value}, in setter order."""
        if isinstance(item, Label):
            alpha, _ = self.alpha_and_width(item.tags, 1.0)
            return {
                "position": (item.x, item.y),
                "text": item.text,
                "fontsize": item.size,
                "fontweight": "bold" if item.bold else "normal",
                "horizontalalignment": item.ha,
                "color": self.colour(item.ink),
                "alpha": alpha,
            }
        if isinstance(item, Rect):
            alpha, width = self.alpha_and_width(item.tags, item.line_width)
            return {
                "bounds": (item.x, item.y, item.width, item.height),
                "boxstyle": _boxstyle(item),
                "edgecolor": self.colour(item.ink) if width else "none",
                "facecolor": self.colour(item.fill) if item.fill else "none",
                "linewidth": width,
                "linestyle": _LINE_STYLES[item.line_style],
                "alpha": alpha,
            }
        if isinstance(item, Circle):
            alpha, width = self.alpha_and_width(item.tags, 1.4)
            return {
                "center": (item.x, item.y),
                "radius": item.radius,
                "edgecolor": self.colour(item.ink),
                "facecolor": self.theme.background,
                "linewidth": width,
                "alpha": alpha,
            }
        if isinstance(item, Path):
            alpha, width = self.alpha_and_width(item.tags, item.line_width)
            return {
                "data": (tuple(p[0] for p in item.points), tuple(p[1] for p in item.points)),
                "color": self.colour(item.ink),
                "linewidth": width,
                "linestyle": (0, (4, 3)) if item.dashed else "-",
                "alpha": alpha,
            }
        alpha, _ = self.alpha_and_width(item.tags, 0.0)
        return {"xy": item.points, "facecolor": self.colour(item.ink), "alpha": alpha}

    def update(
        self, artist: Artist, item: Item, index: int, painted: Mapping[str, Any] | None = None
    ) -> None:
        """Move, relabel and recolour ``artist`` to match ``item``, the ``index``-th.

        ``painted`` is what the artist shows now (its last :meth:`properties`), if
        known: only what differs from it is set, since every setter marks the figure
        stale up the artist tree. The z-order carries the item's index, so artists
        draw in layout order however they were reused, and the SVG id names the
        item's key, so what an artist wrote can be found in the SVG again.
        """
        artist.set_zorder(zorder(item, index))
        artist.set_gid(svg_id(item.key))
        for name, value in self.properties(item).items():
            if painted is None or painted.get(name) != value:
                getattr(artist, f"set_{name}")(value)


def zorder(item: Item, index: int) -> float:
    """The z-order of the ``index``-th item: by kind first, then in layout order."""
    return _ZORDER[type(item)] + index * _Z_STEP


def _boxstyle(item: Rect) -> str:
    return "round,pad=0,rounding_size=5" if item.rounded else "square,pad=0"


def new_figure(lay: Layout, theme: Theme, dpi: float) -> tuple[Figure, Axes]:
    """A pyplot-free figure of exactly the layout's size with one full-bleed axes."""
    fig = Figure(figsize=(lay.width / 72, lay.height / 72), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor(theme.background)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    return fig, ax


def save_figure(
    fig: Figure, fmt: Format | Literal["rgba"], dpi: float, theme: Theme, **writer: Any
) -> bytes:
    """``fig`` as image bytes, every picture of the package saved alike: the theme's
    background, reproducible metadata, TrueType text in PDF. ``"rgba"`` is the raw
    pixels, which carry no metadata. ``writer`` goes to the canvas's print method (live
    SVG)."""
    buffer = io.BytesIO()
    # Any: matplotlib 3.11 types the keys as a Literal of its own names, 3.8 as str.
    save_rc: Any = {key: value for key, value in _SAVE_RC.items() if key in matplotlib.rcParams}
    if fmt != "rgba":
        writer["metadata"] = _METADATA[fmt]
    with matplotlib.rc_context(save_rc):
        fig.savefig(
            buffer,
            format=fmt,
            dpi=dpi,
            facecolor=theme.background,
            edgecolor=theme.background,
            **writer,
        )
    data = buffer.getvalue()
    # A Text keeps the renderer that last drew it, and the renderer its output file:
    # closing frees the buffer, which would otherwise stay alive as long as an
    # artist that a Diagram pastes instead of drawing.
    buffer.close()
    if fmt == "svg":
        # Text stays text, so a browser without DejaVu Sans would fall back to its
        # default serif; name Verdana (same metrics family) and sans-serif after it.
        data = data.replace(_SVG_FONT, _SVG_FONT_FALLBACK)
        # A browser strips the spaces that start and end each <text>, but a formula is
        # drawn in pieces placed by their anchors (" + ", " = 480"): keep them, or the
        # pieces shift by a space and read "10+  10". Chromium honours the attribute
        # only on the <text> itself, not inherited from the <svg>.
        data = data.replace(_SVG_TEXT_START, _SVG_TEXT_KEEPING_SPACES)
    return data


#: Colours a notebook's PNG holds at most (:func:`notebook_png`), and how far, per
#: channel, a palette entry may be from a theme colour to become it exactly.
NOTEBOOK_COLOURS = 256
_SNAP = 4


def notebook_png(fig: Figure, dpi: float, theme: Theme) -> bytes:
    """``fig`` as a PNG of at most :data:`NOTEBOOK_COLOURS` colours, for a notebook.

    A drawing has a few flat colours and their anti-aliased edges, so a palette loses
    nothing one sees, and the PNG is about a third of a full-colour one's bytes: the
    notebook file, and a model report with it, stays light. Palette entries within
    :data:`_SNAP` of a theme colour become that colour exactly, so the background
    meets the page's and a role keeps its colour.
    """
    from PIL import Image  # matplotlib's own dependency, loaded with the first picture

    raw = save_figure(fig, "rgba", dpi, theme)
    # The size Agg renders at: the figure's inches times dpi, each truncated.
    width, height = (int(inches * dpi) for inches in fig.get_size_inches())
    pixels = Image.frombuffer("RGBA", (width, height), raw, "raw", "RGBA", 0, 1).convert("RGB")
    image = pixels.quantize(NOTEBOOK_COLOURS, method=Image.Quantize.FASTOCTREE)
    inks = [_rgb(c) for c in (theme.background, theme.foreground, theme.muted)]
    inks += [_rgb(c) for c in theme.roles.values()]
    palette = image.getpalette() or []
    for start in range(0, len(palette), 3):
        entry = palette[start : start + 3]
        near = min(inks, key=lambda ink: _distance(ink, entry))
        if _distance(near, entry) <= _SNAP:
            palette[start : start + 3] = near
    image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, "png", dpi=(dpi, dpi))
    return buffer.getvalue()


def _rgb(colour: str) -> list[int]:
    """``"#1960A2"`` as ``[25, 96, 162]``."""
    return [int(colour[k : k + 2], 16) for k in (1, 3, 5)]


def _distance(one: Sequence[int], other: Sequence[int]) -> int:
    return max(abs(a - b) for a, b in zip(one, other, strict=True))


def with_text_alternative(svg: bytes, name: str, description: str) -> bytes:
    """``svg`` with a ``<title>`` (its accessible name) and a ``<desc>`` (the picture in
    words) as the root's first children, and ``role="img"``, so a screen reader reads
    an SVG shown inline as one picture with that text (an ``<img>`` takes its ``alt``).

    Applied after a save, to the bytes: the live writer swaps label texts in the SVG it
    wrote last, and the description changes with them.
    """
    start = svg.index(b"<svg ")
    end = svg.index(b">", start) + 1
    root = svg[start:end].replace(b"<svg ", b'<svg role="img" ', 1)
    text = f"\n <title>{xml_escape(name)}</title>\n <desc>{xml_escape(description)}</desc>"
    return svg[:start] + root + text.encode() + svg[end:]


def paint(lay: Layout, ax: Axes, palette: Theme, highlight: Emphasis | None) -> None:
    """Every item of ``lay`` into ``ax``, in layout order."""
    painter = Painter(ax, palette, highlight)
    painter.frame(lay)
    for index, item in enumerate(lay.items):
        painter.create(item, index)
