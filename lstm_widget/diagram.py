"""Painting a :mod:`~lstm_widget.layout` with matplotlib, without pyplot.

Figures are built as :class:`matplotlib.figure.Figure` with an Agg canvas attached, as
matplotlib's "web application server" example does: pyplot is never imported, no figure
is registered anywhere, and nothing here outlives its caller unless the caller keeps
it. The layout is in points, so the figure is exactly ``width/72 × height/72`` inches
and an 11 pt label is 11 pt in the output.

:class:`Diagram` is the painter for live views: it keeps one figure, reuses the
artist of every item that survives a change (moving and relabelling it), and caches
rendered bytes per settings. Its SVG saves take the fast path of
:mod:`lstm_widget._live_svg` where matplotlib supports it, and ``Figure.savefig``
elsewhere; both draw the same picture.
"""

from __future__ import annotations

import io
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, get_args
from xml.sax.saxutils import escape as xml_escape

import matplotlib
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle as CirclePatch
from matplotlib.patches import FancyBboxPatch
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.text import Text

from ._live_svg import LiveSVG, Reusable, SaveSVG, live_svg, svg_id
from .conventions import Highlight, Variant, check_variant
from .counting import Breakdown, SettingsError, Source, to_breakdown
from .counting_xlstm import XlstmSizes
from .description import accessible_name, describe, describe_strip
from .layout import (
    FONT_FAMILY,
    Circle,
    Ink,
    Item,
    Label,
    Layout,
    Path,
    Polygon,
    Rect,
    check_block,
    layout,
    text_width,
)
from .layout.xlstm import xlstm_layout
from .style import (
    DEFAULT_DPI,
    DEFAULT_THEME,
    MAX_DPI,
    MAX_WIDTH,
    MIN_WIDTH,
    Theme,
    theme_named,
)

if TYPE_CHECKING:
    from .introspect import SummaryRow

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[Format, ...] = get_args(Format)

#: Notebooks ask for more than the default resolution (retina screens).
NOTEBOOK_DPI = 144
#: Colours a notebook's PNG holds at most (:func:`notebook_png`), and how far, per
#: channel, a palette entry may be from a theme colour to become it exactly.
NOTEBOOK_COLOURS = 256
_SNAP = 4
#: How faint everything a highlight does not name becomes.
DIMMED_ALPHA = 0.22
#: Rendered images a :class:`Diagram` remembers; a panel revisits a handful of settings.
CACHE_SIZE = 64

Block = tuple[int, str]

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


# ------------------------------------------------------------------ argument checks


@dataclass(frozen=True)
class _Highlight:
    """The highlighted roles or gates, and their rivals: the names that fade beside them.

    A role competes only with roles and a gate only with gates, so highlighting the
    recurrent weights fades the other weight rows but not the gates they feed.
    """

    names: frozenset[str]
    rivals: frozenset[str]


def _highlight(b: Breakdown, highlight: Highlight) -> _Highlight | None:
    rules = b.highlights
    asked = highlight if isinstance(highlight, tuple) else (highlight,)
    # A framework's gate letter: its stable name.
    names = frozenset(name for name in map(rules.resolve, asked) if name is not None)
    if not names:
        return None
    rivals = frozenset().union(*map(rules.rivals, names)) - names
    return _Highlight(names, rivals)


def _dpi(dpi: float | None) -> float:
    if dpi is None:
        return DEFAULT_DPI
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 1 <= dpi <= MAX_DPI:
        raise SettingsError(f"dpi must be a number from 1 to {MAX_DPI:,}, not {dpi!r}.")
    return dpi


def _png_dpi(fmt: Format, dpi: float | None, width: int | None, width_inches: float) -> float:
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
        return _dpi(dpi)
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


def _format(fmt: str) -> Format:
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


class _Painter:
    """Turns layout items into artists on one axes, and restyles them in place."""

    def __init__(self, ax: Axes, theme: Theme, highlight: _Highlight | None) -> None:
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
        artist.set_zorder(_zorder(item, index))
        artist.set_gid(svg_id(item.key))
        for name, value in self.properties(item).items():
            if painted is None or painted.get(name) != value:
                getattr(artist, f"set_{name}")(value)


def _zorder(item: Item, index: int) -> float:
    """The z-order of the ``index``-th item: by kind first, then in layout order."""
    return _ZORDER[type(item)] + index * _Z_STEP


def _boxstyle(item: Rect) -> str:
    return "round,pad=0,rounding_size=5" if item.rounded else "square,pad=0"


def _new_figure(lay: Layout, theme: Theme, dpi: float) -> tuple[Figure, Axes]:
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


def notebook_png(fig: Figure, dpi: float, theme: Theme) -> bytes:
    """``fig`` as a PNG of at most :data:`NOTEBOOK_COLOURS` colours, for a notebook.

    A drawing has a few flat colours and their anti-aliased edges, so a palette loses
    nothing one sees, and the PNG is about a third of a full-colour one's bytes,
    compressed in a fraction of the time: the notebook file, and a model report with
    it, stays light. Palette entries within :data:`_SNAP` of a theme colour become that
    colour exactly, so the background meets the page's and a role keeps its colour.
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


def _diagram_bytes(
    fig: Figure, fmt: Format, dpi: float, theme: Theme, b: Breakdown, hidden: bool
) -> bytes:
    """A diagram saved as ``fmt``, an SVG with its text alternative."""
    data = save_figure(fig, fmt, dpi, theme)
    return _described(data, fmt, b, hidden)


def _described(data: bytes, fmt: Format, b: Breakdown, hidden: bool) -> bytes:
    if fmt != "svg":
        return data
    return with_text_alternative(
        data, accessible_name(b, hidden=hidden), describe(b, hidden=hidden)
    )


# ----------------------------------------------------------------------- public API


def draw(
    result_or_settings: Source,
    *,
    ax: Axes | None = None,
    theme: str | Theme = DEFAULT_THEME,
    highlight: Highlight = None,
    block: Block = (0, "forward"),
    variant: Variant = "full",
    hidden: bool = False,
) -> Figure:
    """Draw the block diagram and return its :class:`~matplotlib.figure.Figure`.

    Parameters
    ----------
    result_or_settings
        A :class:`~lstm_widget.Breakdown`, a :class:`~lstm_widget.Settings`, or a dict
        of settings such as ``{"units": 10, "input_size": 1, "dense": 1}``.
    ax
        Draw into this axes (its figure is returned). The diagram is laid out in
        points, so text keeps its size; give the axes about the size of the figure
        ``draw`` would make on its own, or labels will crowd. Without ``ax`` a new
        figure of exactly the right size is made (never through pyplot, so it is not
        shown twice and is freed once dropped).
    theme
        ``"light"`` or ``"high-contrast"`` (white on black, for projectors).
    highlight
        A role (``"input"``, ``"recurrent"``, ``"bias"``, ``"second_bias"``,
        ``"peephole"``, ``"projection"``, ``"dense"``) or a gate (``"f"``, ``"i"``,
        ``"candidate"``, ``"o"``, ``"r"``, ``"z"``; a framework's own letter such as
        ``"g"`` names the same gate): it stays vivid and its rivals fade, the other
        roles for a role, the other gates for a gate. A tuple of them lights up each
        (a comparison marks every role whose weights differ).
    block
        ``(layer, direction)`` whose cell is drawn in detail, 0-based layer;
        ``direction`` is ``"forward"`` or ``"backward"``.
    variant
        ``"full"`` (everything) or ``"lecture"``: the headline, the cell with its
        cards and the per-unit reading, with no text under 13.5 pt, for a projector.
    hidden
        Every count reads "?", for a class to predict it first (shapes stay).
    """
    b = to_breakdown(result_or_settings)
    palette = theme_named(theme)
    lay = layout(b, check_block(b, block), check_variant(variant), hidden)
    painter_highlight = _highlight(b, highlight)
    if ax is None:
        fig, ax = _new_figure(lay, palette, DEFAULT_DPI)
    else:
        ax.set_axis_off()
        ax.set_aspect("equal")
        parent = ax.figure
        while isinstance(parent, SubFigure):  # up to the root, on any matplotlib
            parent = parent.figure
        assert isinstance(parent, Figure), "an axes always belongs to a figure"
        fig = parent
    _paint(lay, ax, palette, painter_highlight)
    return fig


def _paint(lay: Layout, ax: Axes, palette: Theme, highlight: _Highlight | None) -> None:
    """Every item of ``lay`` into ``ax``, in layout order."""
    painter = _Painter(ax, palette, highlight)
    painter.frame(lay)
    for index, item in enumerate(lay.items):
        painter.create(item, index)


def draw_xlstm(sizes: XlstmSizes, *, theme: str | Theme = DEFAULT_THEME) -> Figure:
    """xLSTM's sLSTM or mLSTM layer, block or stack, drawn for a lecture: the cell's
    schematic, and every weight group on a card with its count (a new pyplot-free
    figure). No text is under 13.5 pt, and a block of the package's defaults at a
    classroom's width (``XlstmSizes("slstm", 32)``) fits 600 × 400 pt."""
    palette = theme_named(theme)
    lay = xlstm_layout(sizes)
    fig, ax = _new_figure(lay, palette, DEFAULT_DPI)
    _paint(lay, ax, palette, None)
    return fig


def render_xlstm(
    sizes: XlstmSizes,
    fmt: str = "png",
    *,
    theme: str | Theme = DEFAULT_THEME,
    dpi: float | None = None,
) -> bytes:
    """:func:`draw_xlstm` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
    kind = _format(fmt)
    fig = draw_xlstm(sizes, theme=theme)
    resolution = _png_dpi(kind, dpi, None, fig.get_size_inches()[0])
    return save_figure(fig, kind, resolution, theme_named(theme))


def render(
    result_or_settings: Source,
    fmt: str = "png",
    *,
    theme: str | Theme = DEFAULT_THEME,
    highlight: Highlight = None,
    dpi: float | None = None,
    width: int | None = None,
    block: Block = (0, "forward"),
    variant: Variant = "full",
) -> bytes:
    """The diagram as ``"png"``, ``"svg"`` or ``"pdf"`` bytes (see :func:`draw`).

    A PNG's size is set by ``dpi`` (1 to 1,200, default 100) or by ``width``, its
    width in pixels (100 to 10,000; the resolution follows), one or the other. SVG
    and PDF are vector, keep text as text (a PDF embeds its font as TrueType) and take
    neither.
    """
    fmt = _format(fmt)
    b = to_breakdown(result_or_settings)
    fig = draw(b, theme=theme, highlight=highlight, block=block, variant=variant)
    resolution = _png_dpi(fmt, dpi, width, fig.get_size_inches()[0])
    return _diagram_bytes(fig, fmt, resolution, theme_named(theme), b, hidden=False)


class Diagram:
    """A reusable painter for live views: one figure, updated in place, cached bytes.

    Every ``render`` lays the diagram out again (pure Python, under a millisecond)
    and keeps the artist of every item whose key survives, moving, relabelling and
    recolouring it (``set_text``, ``set_position``, ...) only where the item
    changed; vanished items' artists are hidden and kept for new items of the same
    kind, so artists are created only when a layout needs more than ever before.
    Artists draw in layout order whatever their history, so the output is the same
    as a fresh render's.

    SVG, what a live view shows, is cheaper still where matplotlib allows it: the
    writer of :mod:`lstm_widget._live_svg` swaps label texts into the last SVG when
    only texts changed, and pastes what each item wrote before when it is painted
    exactly as before (about half of them when any setting changes). Where a check
    at first use finds matplotlib's private SVG machinery missing or different, SVG
    goes through ``Figure.savefig`` like every other format, with the same artists
    reused, and the picture is the same.

    Images are cached per (settings, block, highlight, format, variant), so stepping back to
    a value is free. The figure never touches pyplot; ``close`` (or dropping the
    object) frees it.

    Parameters
    ----------
    theme
        ``"light"`` or ``"high-contrast"``, fixed for the painter's life (a panel keeps
        one painter per theme, so switching back and forth keeps both caches).
    dpi
        PNG resolution; SVG ignores it.
    cache_size
        How many rendered images to remember (least recently used go first).
    """

    def __init__(
        self,
        theme: str | Theme = DEFAULT_THEME,
        *,
        dpi: float = DEFAULT_DPI,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self._theme = theme_named(theme)
        self._dpi = _dpi(dpi)
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            # A negative size would empty the cache and then fail popping from it.
            raise SettingsError(f"cache_size must be a non-negative integer, not {cache_size!r}.")
        self.cache_size = cache_size
        self._figure: Figure | None = None
        self._artists: list[Artist] = []
        self._painted: tuple[Layout, _Highlight | None] | None = None
        self._cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._live: LiveSVG | None = live_svg()
        # Hidden artists by kind of item, each with the properties it was last painted with.
        self._parked: dict[str, list[tuple[dict[str, Any], Artist]]] = {}

    @property
    def theme(self) -> Theme:
        """The painter's theme: fixed, since its caches hold images in its colours."""
        return self._theme

    @property
    def dpi(self) -> float:
        """PNG resolution: fixed, since its cache holds images at it."""
        return self._dpi

    @property
    def figure(self) -> Figure | None:
        """The figure of the last render (None before the first).

        Its axes also holds hidden artists kept for reuse; the visible ones are the
        diagram.
        """
        return self._figure

    def render(
        self,
        result_or_settings: Source,
        fmt: str = "png",
        *,
        highlight: Highlight = None,
        block: Block = (0, "forward"),
        variant: Variant = "full",
        hidden: bool = False,
    ) -> bytes:
        """The diagram of ``result_or_settings`` as image bytes (see :func:`render`);
        ``hidden`` as for :func:`draw`."""
        b = to_breakdown(result_or_settings)
        fmt = _format(fmt)
        key = (b.settings, tuple(block), highlight, fmt, check_variant(variant), hidden)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        changes = self._update(b, highlight, block, variant, hidden)
        assert self._figure is not None and self._painted is not None
        if fmt == "svg" and self._live is not None:
            lay, emphasis = self._painted
            save: SaveSVG = partial(save_figure, self._figure, "svg", self.dpi, self.theme)
            looks = {svg_id(item.key): (item, emphasis) for item in lay.items}
            data = _described(self._live.save(save, looks, changes), fmt, b, hidden)
        else:
            data = _diagram_bytes(self._figure, fmt, self.dpi, self.theme, b, hidden)
            if self._live is not None:
                self._live.forget_last()  # the next SVG must be written in full
        self._cache[key] = data
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return data

    def _update(
        self, b: Breakdown, highlight: Highlight, block: Block, variant: Variant, hidden: bool
    ) -> dict[str, str] | None:
        """Repaint; returns {SVG id: new text} if only label texts changed, else None."""
        lay = layout(b, check_block(b, block), variant, hidden)
        emphasis = _highlight(b, highlight)
        if self._figure is None:
            self._figure, ax = _new_figure(lay, self.theme, self.dpi)
            if self._live is not None:
                self._live.attach(self._figure)
        else:
            ax = self._figure.axes[0]
            self._figure.set_size_inches(lay.width / 72, lay.height / 72)
        painter = _Painter(ax, self.theme, emphasis)
        painter.frame(lay)
        previous, painted_emphasis = self._painted or (None, None)
        self._painted = (lay, emphasis)
        if previous is None:
            self._artists = [painter.create(item, index) for index, item in enumerate(lay.items)]
            return None
        if emphasis == painted_emphasis:
            changes = previous.text_changes(lay)
            if changes is not None:
                for index, text in changes.items():
                    artist = self._artists[index]
                    assert isinstance(artist, Text)
                    artist.set_text(text)
                return {svg_id(lay.items[index].key): text for index, text in changes.items()}
        # Keep the artist of every item whose key survives (a new layer or option adds
        # items but leaves the others' keys alone), restyling it only where the item
        # changed. Vanished items' artists are hidden and parked by kind, and new items
        # take parked artists before any is created: switching cells back and forth
        # creates nothing after the first time.
        before = _Painter(ax, self.theme, painted_emphasis)
        kept = {
            name: (item, artist)
            for name, item, artist in zip(
                previous.signature, previous.items, self._artists, strict=True
            )
        }
        survivors = {name for name in lay.signature if name in kept}
        for name, (item, artist) in kept.items():
            if name not in survivors:
                artist.set_visible(False)
                artist.set_gid(None)  # its id may belong to another artist next time
                self._parked.setdefault(name[0], []).append((before.properties(item), artist))
        artists: list[Artist] = []
        for index, (item, name) in enumerate(zip(lay.items, lay.signature, strict=True)):
            if name in survivors:
                old, artist = kept[name]
                if old == item and emphasis == painted_emphasis:
                    artist.set_zorder(_zorder(item, index))
                else:
                    painter.update(artist, item, index, before.properties(old))
            elif self._parked.get(name[0]):
                shown, artist = self._parked[name[0]].pop()
                artist.set_visible(True)
                painter.update(artist, item, index, shown)
            else:
                artist = painter.create(item, index)
            artists.append(artist)
        self._artists = artists
        return None

    def close(self) -> None:
        """Drop the figure and the caches (the object can render again afterwards)."""
        self._figure = None
        self._artists = []
        self._painted = None
        self._cache.clear()
        if self._live is not None:
            self._live.clear()
        self._parked.clear()


# ------------------------------------------------------------------ notebook output


def notebook_image(
    b: Breakdown,
    fmt: Format,
    *,
    theme: Theme,
    highlight: Highlight,
    variant: Variant = "full",
    hidden: bool = False,
) -> tuple[bytes, tuple[int, int]]:
    """The diagram's bytes for a notebook (retina resolution; a PNG's colours in a
    palette, :func:`notebook_png`) and the size it shows at, in CSS pixels (1/96
    inch): its true size. ``hidden`` as for :func:`draw`."""
    fig = draw(b, theme=theme, highlight=highlight, variant=variant, hidden=hidden)
    width, height = (round(inches * 96) for inches in fig.get_size_inches())
    if fmt == "png":
        return notebook_png(fig, NOTEBOOK_DPI, theme), (width, height)
    return _diagram_bytes(fig, fmt, NOTEBOOK_DPI, theme, b, hidden), (width, height)


# ------------------------------------------------------------- a whole model's strip

#: The model strip's boxes, in points: wide enough for a 24-character name at 10 pt.
STRIP_BOX = (150.0, 58.0)
#: Gap between boxes (an arrow's length), margin, and boxes per row before the strip
#: wraps: five fit a 1280-pixel projector at the notebook's resolution.
STRIP_GAP, STRIP_MARGIN, STRIP_PER_ROW = 28.0, 14.0, 5
_STRIP_TITLE = 30.0
_STRIP_TITLE_SIZE = 12.0
_STRIP_CHARS = 24


def strip_positions(count: int) -> tuple[tuple[float, float], ...]:
    """Each box's lower-left corner, in points from the figure's bottom left: left to
    right, ``STRIP_PER_ROW`` a row, rows going down."""
    width, height = STRIP_BOX
    rows = max(1, math.ceil(count / STRIP_PER_ROW))
    return tuple(
        (
            STRIP_MARGIN + (k % STRIP_PER_ROW) * (width + STRIP_GAP),
            STRIP_MARGIN + (rows - 1 - k // STRIP_PER_ROW) * (height + STRIP_GAP),
        )
        for k in range(count)
    )


def _clipped(text: str) -> str:
    return text if len(text) <= _STRIP_CHARS else text[: _STRIP_CHARS - 1] + "…"


def draw_strip(
    rows: Sequence[SummaryRow], *, title: str = "", theme: str | Theme = DEFAULT_THEME
) -> Figure:
    """A whole model as a strip: every layer of its summary a box with its name, type
    and parameter count, in the model's order, arrows between them.

    Recurrent layers are drawn in the recurrent role's colour, layers without weights
    faint, layers lstm_widget does not explain dashed. A block of layers repeated
    three times or more in a row keeps its first and last copy, and the copies
    between become one dotted box with how many and their count
    (:func:`~lstm_widget.introspect.fold_repeats`), so a long model's strip stays a
    few rows. The figure is at least as wide as its title. A new pyplot-free figure.
    """
    from .introspect import RepeatedRows, fold_repeats

    palette = theme_named(theme)
    entries = fold_repeats(rows)
    width, height = STRIP_BOX
    positions = strip_positions(len(entries))
    across = min(len(entries), STRIP_PER_ROW) or 1
    lines = max(1, math.ceil(len(entries) / STRIP_PER_ROW))
    boxes = across * width + (across - 1) * STRIP_GAP
    size = (
        2 * STRIP_MARGIN + max(boxes, text_width(title, _STRIP_TITLE_SIZE, bold=True)),
        2 * STRIP_MARGIN + lines * height + (lines - 1) * STRIP_GAP + _STRIP_TITLE,
    )
    shift = (size[0] - 2 * STRIP_MARGIN - boxes) / 2  # boxes centred under a wider title
    fig = Figure(figsize=(size[0] / 72, size[1] / 72), dpi=DEFAULT_DPI)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor(palette.background)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, size[0])
    ax.set_ylim(0, size[1])
    text = partial(ax.text, family=FONT_FAMILY, usetex=False, parse_math=False, ha="center")
    text(size[0] / 2, size[1] - STRIP_MARGIN - 8, title, va="center",
         fontsize=_STRIP_TITLE_SIZE, color=palette.foreground, weight="bold")  # fmt: skip
    placed = [(x + shift, y) for x, y in positions]
    for k, (entry, (x, y)) in enumerate(zip(entries, placed, strict=True)):
        if isinstance(entry, RepeatedRows):
            colour, style, line_width = palette.muted, ":", 1.2
            name, kind = f"⋯ {entry.times:,} more", entry.kinds
            count = f"{entry.params:,}"
        else:
            colour = {
                "recurrent": palette.roles["recurrent"],
                "weightless": palette.muted,
            }.get(entry.family, palette.foreground)
            style = "--" if entry.family == "unexplained" else "-"
            line_width = 2.0 if entry.family == "recurrent" else 1.2
            name, kind = entry.name, entry.kind
            count = f"{entry.params:,}" + (
                " (not explained)" if entry.family == "unexplained" else ""
            )
        ax.add_patch(
            FancyBboxPatch(
                (x, y), width, height, boxstyle="round,pad=0,rounding_size=5",
                facecolor=palette.background, edgecolor=colour, linewidth=line_width,
                linestyle=style, gid=f"strip-layer-{k}",
            )
        )  # fmt: skip
        centre = x + width / 2
        text(centre, y + height - 14, _clipped(name), va="center", fontsize=10,
             color=colour, weight="bold")  # fmt: skip
        text(centre, y + height / 2, _clipped(kind), va="center", fontsize=9,
             color=palette.muted)  # fmt: skip
        text(centre, y + 13, count, va="center", fontsize=10, color=palette.foreground)
        if k + 1 < len(entries):
            _strip_arrow(ax, (x, y), placed[k + 1], palette.muted)
    return fig


def _strip_arrow(
    ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str
) -> None:
    """From one box to the next: across the gap, or down to the next row's first box."""
    width, height = STRIP_BOX
    if end[1] == start[1]:
        points = [(start[0] + width, start[1] + height / 2), (end[0], end[1] + height / 2)]
    else:
        below = start[1] - STRIP_GAP / 2
        points = [
            (start[0] + width / 2, start[1]),
            (start[0] + width / 2, below),
            (end[0] + width / 2, below),
            (end[0] + width / 2, end[1] + height),
        ]
    xs, ys = zip(*points, strict=True)
    ax.add_line(Line2D(xs, ys, color=colour, linewidth=1.2))
    tip_x, tip_y = points[-1]
    back_x, back_y = points[-2]
    dx, dy = tip_x - back_x, tip_y - back_y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    head = [(tip_x, tip_y), (tip_x - 7 * ux - 3.5 * uy, tip_y - 7 * uy + 3.5 * ux),
            (tip_x - 7 * ux + 3.5 * uy, tip_y - 7 * uy - 3.5 * ux)]  # fmt: skip
    ax.add_patch(PolygonPatch(head, closed=True, facecolor=colour, edgecolor=colour))


def render_strip(
    rows: Sequence[SummaryRow],
    fmt: str = "png",
    *,
    title: str = "",
    theme: str | Theme = DEFAULT_THEME,
    dpi: float | None = None,
) -> bytes:
    """:func:`draw_strip` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
    kind = _format(fmt)
    fig = draw_strip(rows, title=title, theme=theme)
    resolution = _png_dpi(kind, dpi, None, fig.get_size_inches()[0])
    data = save_figure(fig, kind, resolution, theme_named(theme))
    if kind == "svg":
        data = with_text_alternative(data, title or "Model strip", describe_strip(rows, title))
    return data
