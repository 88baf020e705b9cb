"""Painting a :mod:`~lstm_widget.layout` with matplotlib, without pyplot.

Figures are built as :class:`matplotlib.figure.Figure` with an Agg canvas attached, as
matplotlib's "web application server" example does: pyplot is never imported, no figure
is registered anywhere, and nothing here outlives its caller unless the caller keeps
it. The layout is in points, so the figure is exactly ``width/72 × height/72`` inches
and an 11 pt label is 11 pt in the output.

:class:`Diagram` is the painter for live views: it keeps one figure, reuses the
artist of every item that survives a change (moving and relabelling it), swaps label
texts straight into the last SVG when nothing else moved, pastes the SVG of items
painted exactly as before instead of drawing them again, and caches rendered bytes
per settings.
"""

from __future__ import annotations

import base64
import codecs
import io
import re
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any, Literal, get_args
from xml.sax.saxutils import escape as xml_escape

import matplotlib
from matplotlib import cbook
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.lines import Line2D
from matplotlib.patches import Circle as CirclePatch
from matplotlib.patches import FancyBboxPatch
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.text import Text, TextToPath
from matplotlib.typing import RcKeyType

from .counting import ROLES, Breakdown, Settings, SettingsError, breakdown
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
    Variant,
    check_block,
    check_variant,
    highlight_choices,
    layout,
    resolve_highlight,
)
from .report import html_table, text_table
from .style import DEFAULT_THEME, THEME_NAMES, THEMES, Theme

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[Format, ...] = get_args(Format)

#: PNG resolution: 100 dpi keeps live updates quick; notebooks ask for more (retina).
DEFAULT_DPI = 100
NOTEBOOK_DPI = 144
#: How faint everything a highlight does not name becomes.
DIMMED_ALPHA = 0.22
#: Rendered images a :class:`Diagram` remembers; a panel revisits a handful of settings.
CACHE_SIZE = 64
#: SVG fragments of painted items a :class:`Diagram` remembers: a few layouts' worth.
FRAGMENT_CACHE_SIZE = 2048

Block = tuple[int, str]
Source = Breakdown | Settings | Mapping[str, Any]

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


def to_breakdown(source: Source) -> Breakdown:
    """A :class:`Breakdown` from a breakdown, a :class:`Settings` or a dict of settings."""
    if isinstance(source, Breakdown):
        return source
    if isinstance(source, Settings):
        return breakdown(source)
    if isinstance(source, Mapping):
        return breakdown(**source)
    raise TypeError(
        f"expected a Breakdown, a Settings or a dict of settings, not {type(source).__name__}."
    )


def _theme(theme: str | Theme) -> Theme:
    if isinstance(theme, Theme):
        return theme
    if theme not in THEMES:
        raise SettingsError(f"theme must be one of {', '.join(THEME_NAMES)}, not {theme!r}.")
    return THEMES[theme]  # type: ignore[index]


@dataclass(frozen=True)
class _Highlight:
    """The highlighted role or gate, and its rivals: the names that fade beside it.

    A role competes only with roles and a gate only with gates, so highlighting the
    recurrent weights fades the other weight rows but not the gates they feed.
    """

    name: str
    rivals: frozenset[str]


def _highlight(b: Breakdown, highlight: str | None) -> _Highlight | None:
    name = resolve_highlight(b, highlight)  # a framework's gate letter: its stable name
    if name is None:
        return None
    choices = highlight_choices(b)
    kind = ROLES if name in ROLES else tuple(c for c in choices if c not in ROLES)
    return _Highlight(name, frozenset(kind))


def _dpi(dpi: float | None) -> float:
    if dpi is None:
        return DEFAULT_DPI
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 0 < dpi <= 1200:
        raise SettingsError(f"dpi must be a number from 1 to 1200, not {dpi!r}.")
    return dpi


def _format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise SettingsError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    return fmt


# ------------------------------------------------------------------------- painting


@dataclass(frozen=True)
class _LiveSave:
    """How a :class:`Diagram`'s SVG save differs from a plain one.

    ``pasted``: SVG ids of the artists whose fragments will be pasted in afterwards.
    Text is measured for height only: every label is one line, which the SVG places
    by its anchor (``text-anchor``), so a label's width is never written.
    """

    pasted: Collection[str]


class _Reusable(Artist):
    """An artist that an SVG save may skip, pasting what it wrote last time instead.

    When a live save names this artist's SVG id among those it will paste, the
    artist writes an empty ``<g id=...>`` as a placeholder: it keeps the artist's
    place in the drawing order, and :func:`_paste_fragments` fills it afterwards.
    """

    def draw(self, renderer: Any) -> None:
        # A MixedModeRenderer hands unknown attributes on to the SVG renderer; other
        # renderers (Agg for PNG, PDF) have no ``live`` and draw in full.
        live: _LiveSave | None = getattr(renderer, "live", None)
        if live is not None and self.get_gid() in live.pasted:
            renderer.open_group("pasted", self.get_gid())
            renderer.close_group("pasted")
        else:
            super().draw(renderer)


class _Text(_Reusable, Text):
    """A :class:`~lstm_widget.layout.Label`."""


class _Box(_Reusable, FancyBboxPatch):
    """A :class:`~lstm_widget.layout.Rect`."""


class _Node(_Reusable, CirclePatch):
    """A :class:`~lstm_widget.layout.Circle`."""


class _Wire(_Reusable, Line2D):
    """A :class:`~lstm_widget.layout.Path`."""


class _Arrowhead(_Reusable, PolygonPatch):
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
        if self.highlight.name in tags:
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
        artist.set_gid(_gid(item.key))
        for name, value in self.properties(item).items():
            if painted is None or painted.get(name) != value:
                getattr(artist, f"set_{name}")(value)


def _zorder(item: Item, index: int) -> float:
    """The z-order of the ``index``-th item: by kind first, then in layout order."""
    return _ZORDER[type(item)] + index * _Z_STEP


def _boxstyle(item: Rect) -> str:
    return "round,pad=0,rounding_size=5" if item.rounded else "square,pad=0"


#: Text extents as matplotlib's SVG renderer measures them (TextToPath, unhinted).
_TEXT_TO_PATH = TextToPath()


@lru_cache(maxsize=1024)  # several diagrams' labels; bounded, so memory stays flat
def _text_extent(text: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
    width, height, descent = _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath)
    return width, height, descent


@lru_cache(maxsize=1024)
def _text_height(text: str, prop: FontProperties) -> tuple[float, float, float]:
    """``text``'s height and descent exactly as FreeType measures the whole string;
    its width only approximately (the sum of its characters'), which an SVG that
    anchors its text never uses.

    A string's vertical extent is the union of its glyphs' (tests check), so the two
    characters reaching highest and lowest, measured together, give the string's
    height and descent. Measuring a new string costs FreeType a tenth of a
    millisecond; characters and their pairs are few and measured once.
    """
    extents = [_text_extent(char, prop, False) for char in text]
    top = max(range(len(text)), key=lambda i: extents[i][1] - extents[i][2])
    bottom = max(range(len(text)), key=lambda i: extents[i][2])
    _, height, descent = _text_extent(text[top] + text[bottom], prop, False)
    return sum(width for width, _, _ in extents), height, descent


_FontHeight = tuple[float, float, float] | tuple[None, None, None]


@lru_cache(maxsize=64)  # one entry per font size and weight in use
def _font_height_metrics(prop: FontProperties) -> _FontHeight:
    """A font's (ascent, descent, line gap) in points, as ``Text`` measures line height.

    The same tables and the same arithmetic as matplotlib's ``Text._get_layout``,
    operation for operation (hence ``* 72 / 72``: its ``dpi / 72`` at the 72 dpi an
    SVG save runs at), so the floats, and the text's place, are matplotlib's. For a
    font without those tables the Nones let ``Text`` measure the text instead.
    """
    font = get_font(fontManager._find_fonts_by_props(prop))
    head = font.get_sfnt_table("head")
    if head is None:
        return None, None, None
    scale = 1 / head["unitsPerEm"] * prop.get_size_in_points() * 72 / 72
    os2 = font.get_sfnt_table("OS/2")
    if os2 is not None:
        return (
            os2["sTypoAscender"] * scale,
            -os2["sTypoDescender"] * scale,
            os2["sTypoLineGap"] * scale,
        )
    hhea = font.get_sfnt_table("hhea")
    if hhea is not None:
        return hhea["ascent"] * scale, -hhea["descent"] * scale, hhea["lineGap"] * scale
    return None, None, None


class _RendererSVG(RendererSVG):
    """matplotlib's SVG renderer, remembering font measurements from one save to the next.

    matplotlib caches a label's extent per renderer, and every ``savefig`` makes a new
    SVG renderer, so each live update measured every label again with FreeType. The
    extent depends only on the text and its font, so one bounded cache serves every
    save: a panel update that moves labels got about a fifth faster (26 to 20.5 ms over
    the jumps of benchmarks/bench_update.py). Likewise, every label looked up its font
    file and read its tables for the line height; that is cached per font too.

    In a :class:`Diagram`'s saves (``live``), a new string is not measured at all: the
    SVG places each one-line label by its anchor and needs only its height, which its
    characters give (see :func:`_text_height`); structure changes got about two
    fifths faster (13.5 to 8.3 ms a render over those jumps).
    """

    #: Set while a :class:`Diagram` saves (see :class:`_LiveSave`).
    live: _LiveSave | None = None

    def get_text_width_height_descent(
        self, s: str, prop: FontProperties, ismath: Any
    ) -> tuple[float, float, float]:
        font = prop.copy()  # a cache key: FontProperties is mutable
        if self.live is not None and s and not ismath:
            return _text_height(s, font)
        return _text_extent(s, font, ismath)

    def _get_font_height_metrics(self, prop: FontProperties) -> _FontHeight:
        # Text._get_layout asks a renderer for this when it can answer (PDF and PS
        # renderers do); without it, Text reads the font's tables on every draw.
        return _font_height_metrics(prop.copy())


class _Canvas(FigureCanvasAgg):
    """Agg for raster formats; SVG as matplotlib writes it, through :class:`_RendererSVG`.

    ``savefig(format="svg")`` uses a canvas's own ``print_svg`` when it has one; this
    is matplotlib's ``FigureCanvasSVG.print_svg`` with the renderer swapped, and the
    bytes are the same (tests/test_diagram.py checks).
    """

    def print_svg(
        self,
        filename: Any,
        *,
        bbox_inches_restore: Any = None,
        metadata: Any = None,
        live: _LiveSave | None = None,
        **applied: Any,  # dpi, facecolor, ...: savefig has set them on the figure already
    ) -> None:
        # backend_svg and backend_mixed carry no type annotations; hence the ignores.
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as opened:
            file: Any = opened
            if not cbook.file_requires_unicode(file):
                file = codecs.getwriter("utf-8")(file)
            dpi = self.figure.dpi
            self.figure.dpi = 72  # SVG user units are points
            width, height = self.figure.get_size_inches()
            svg = _RendererSVG(  # type: ignore[no-untyped-call]
                width * 72, height * 72, file, image_dpi=dpi, metadata=metadata
            )
            svg.live = live
            renderer = MixedModeRenderer(  # type: ignore[no-untyped-call]
                self.figure, width, height, dpi, svg, bbox_inches_restore=bbox_inches_restore
            )
            self.figure.draw(renderer)  # type: ignore[arg-type]  # it delegates to svg
            renderer.finalize()
            # A Text keeps the renderer that last drew it for as long as later saves
            # paste it; drop the paste list so that it does not keep this save's
            # fragments alive too.
            svg.live = None


def _new_figure(lay: Layout, theme: Theme, dpi: float) -> tuple[Figure, Axes]:
    """A pyplot-free figure of exactly the layout's size with one full-bleed axes."""
    fig = Figure(figsize=(lay.width / 72, lay.height / 72), dpi=dpi)
    _Canvas(fig)
    fig.patch.set_facecolor(theme.background)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    return fig, ax


def _save(
    fig: Figure, fmt: Format, dpi: float, theme: Theme, live: _LiveSave | None = None
) -> bytes:
    """``fig`` as image bytes; ``live`` for a :class:`Diagram`'s SVG saves."""
    buffer = io.BytesIO()
    # Only the SVG writer (our canvas's print_svg) takes this argument.
    live_save: dict[str, Any] = {"live": live} if live is not None else {}
    # Only these keys change, only while saving: text stays text in SVG (small, fast,
    # selectable), no tight cropping that would resize the canvas, reproducible bytes.
    save_rc: dict[RcKeyType, Any] = {
        "svg.fonttype": "none",
        "svg.hashsalt": "lstm_widget",
        "svg.id": None,
        "savefig.bbox": "standard",
        "savefig.transparent": False,
    }
    with matplotlib.rc_context(save_rc):
        fig.savefig(
            buffer,
            format=fmt,
            dpi=dpi,
            facecolor=theme.background,
            edgecolor=theme.background,
            metadata=_METADATA[fmt],
            **live_save,
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


# ----------------------------------------------------------------------- public API


def draw(
    result_or_settings: Source,
    *,
    ax: Axes | None = None,
    theme: str | Theme = DEFAULT_THEME,
    highlight: str | None = None,
    block: Block = (0, "forward"),
    variant: Variant = "full",
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
        roles for a role, the other gates for a gate.
    block
        ``(layer, direction)`` whose cell is drawn in detail, 0-based layer;
        ``direction`` is ``"forward"`` or ``"backward"``.
    variant
        ``"full"`` (everything) or ``"lecture"``: the headline, the cell with its
        cards and the per-unit reading, with no text under 13.5 pt, for a projector.
    """
    b = to_breakdown(result_or_settings)
    palette = _theme(theme)
    lay = layout(b, check_block(b, block), check_variant(variant))
    painter_highlight = _highlight(b, highlight)
    if ax is None:
        fig, ax = _new_figure(lay, palette, DEFAULT_DPI)
    else:
        ax.set_axis_off()
        ax.set_aspect("equal")
        root = ax.get_figure(root=True)
        assert isinstance(root, Figure), "an axes always belongs to a figure"
        fig = root
    painter = _Painter(ax, palette, painter_highlight)
    painter.frame(lay)
    for index, item in enumerate(lay.items):
        painter.create(item, index)
    return fig


def render(
    result_or_settings: Source,
    fmt: str = "png",
    *,
    theme: str | Theme = DEFAULT_THEME,
    highlight: str | None = None,
    dpi: float | None = None,
    block: Block = (0, "forward"),
    variant: Variant = "full",
) -> bytes:
    """The diagram as ``"png"``, ``"svg"`` or ``"pdf"`` bytes (see :func:`draw`).

    ``dpi`` applies to PNG (default 100); SVG and PDF are vector and keep text as text.
    """
    fmt, resolution = _format(fmt), _dpi(dpi)
    fig = draw(result_or_settings, theme=theme, highlight=highlight, block=block, variant=variant)
    return _save(fig, fmt, resolution, _theme(theme))


class Diagram:
    """A reusable painter for live views: one figure, updated in place, cached bytes.

    Every ``render`` lays the diagram out again (pure Python, under a millisecond)
    and keeps the artist of every item whose key survives, moving, relabelling and
    recolouring it (``set_text``, ``set_position``, ...) only where the item
    changed; vanished items' artists are hidden and kept for new items of the same
    kind, so artists are created only when a layout needs more than ever before.
    Artists draw in layout order whatever their history, so the output is the same
    as a fresh render's.

    SVG, what a live view shows, is cheaper still:

    - When only label texts changed (a count kept its number of digits, which is
      most steps of a slider), the new SVG is the last one with the texts swapped:
      matplotlib writes each label as one ``<text>`` at its anchor point, so nothing
      else moves.
    - Otherwise matplotlib draws only the items it has not drawn before: the SVG
      each artist wrote is kept per (item, highlight), and an item painted exactly
      as before (a wire, a gate, a label that neither moved nor changed; about half
      of them when any setting changes) has its fragment pasted instead of being
      drawn again. The result is a fresh render's bytes, except that a pasted
      coordinate may differ in its sixth decimal: matplotlib scales points to the
      canvas and measures SVG y from its height, and the float rounding of that
      depends on the canvas size (tests check both paths). Labels drawn anew are
      measured from their characters rather than as whole strings, with the same
      heights and so the same bytes.

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
        self._theme = _theme(theme)
        self._dpi = _dpi(dpi)
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            # A negative size would empty the cache and then fail popping from it.
            raise SettingsError(f"cache_size must be a non-negative integer, not {cache_size!r}.")
        self.cache_size = cache_size
        self._figure: Figure | None = None
        self._artists: list[Artist] = []
        self._painted: tuple[Layout, _Highlight | None] | None = None
        self._svg: bytes | None = None  # the SVG of what the figure shows, if known
        self._cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._fragments: OrderedDict[tuple[Item, _Highlight | None], bytes] = OrderedDict()
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
        highlight: str | None = None,
        block: Block = (0, "forward"),
        variant: Variant = "full",
    ) -> bytes:
        """The diagram of ``result_or_settings`` as image bytes (see :func:`render`)."""
        b = to_breakdown(result_or_settings)
        fmt = _format(fmt)
        key = (b.settings, tuple(block), highlight, fmt, check_variant(variant))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        svg = self._svg
        changes = self._update(b, highlight, block, variant)
        if fmt == "svg" and svg is not None and changes is not None:
            data = _swap_svg_texts(svg, changes)
        elif fmt == "svg":
            data = self._save_svg()
        else:
            assert self._figure is not None
            data = _save(self._figure, fmt, self.dpi, self.theme)
        self._svg = data if fmt == "svg" else None
        self._cache[key] = data
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return data

    def _update(
        self, b: Breakdown, highlight: str | None, block: Block, variant: Variant
    ) -> dict[str, str] | None:
        """Repaint; returns {SVG id: new text} if only label texts changed, else None."""
        lay = layout(b, check_block(b, block), variant)
        emphasis = _highlight(b, highlight)
        if self._figure is None:
            self._figure, ax = _new_figure(lay, self.theme, self.dpi)
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
                return {_gid(lay.items[index].key): text for index, text in changes.items()}
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

    def _save_svg(self) -> bytes:
        """The figure as SVG, pasting the fragments of items painted as before."""
        assert self._figure is not None and self._painted is not None
        lay, emphasis = self._painted
        painted = {_gid(item.key): (item, emphasis) for item in lay.items}
        known = {
            gid: self._fragments[look] for gid, look in painted.items() if look in self._fragments
        }
        data = _paste_fragments(
            _save(self._figure, "svg", self.dpi, self.theme, _LiveSave(known.keys())), known
        )
        for gid, fragment in _svg_fragments(data):
            look = painted[gid]
            self._fragments[look] = fragment
            self._fragments.move_to_end(look)
        while len(self._fragments) > FRAGMENT_CACHE_SIZE:
            self._fragments.popitem(last=False)
        return data

    def close(self) -> None:
        """Drop the figure and the caches (the object can render again afterwards)."""
        self._figure = None
        self._artists = []
        self._painted = None
        self._svg = None
        self._cache.clear()
        self._fragments.clear()
        self._parked.clear()


@lru_cache(maxsize=4096)  # asked for every item of every save (0.2 ms a render uncached)
def _gid(key: str) -> str:
    """The SVG id of the artist painting the item with ``key``.

    ``card:f:W_f`` becomes ``item.card.f.W_f``: colons turn into dots, and every other
    character but ASCII letters, digits and ``_`` (a dot or a prime too) into
    ``-<hex>-``, so ids are plain and distinct keys keep distinct ids.
    """
    return "item." + _GID_UNSAFE.sub(
        lambda m: "." if m.group() == ":" else f"-{ord(m.group()):x}-", key
    )


_GID_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_GID = rb'item\.[^"]*'
_SVG_TEXT = re.compile(rb'(<g id="(' + _GID + rb')">\s*<text[^>]*>)([^<]*)(</text>)')
# matplotlib's SVG writer puts each artist in a <g id=...> at its own indentation and
# closes it at the same indentation; a placeholder is that group, empty.
_SVG_FRAGMENT = re.compile(rb'^( *)<g id="(' + _GID + rb')">\n.*?^\1</g>\n', re.M | re.S)
_SVG_PLACEHOLDER = re.compile(rb'^ *<g id="(' + _GID + rb')"/>\n', re.M)


def _swap_svg_texts(svg: bytes, changes: Mapping[str, str]) -> bytes:
    """``svg`` with the ``<text>`` inside each ``<g id=gid>`` of ``changes`` replaced."""

    def swap(match: re.Match[bytes]) -> bytes:
        text = changes.get(match.group(2).decode())
        if text is None:
            return match.group(0)
        return match.group(1) + xml_escape(text).encode() + match.group(4)

    return _SVG_TEXT.sub(swap, svg)


def _paste_fragments(svg: bytes, fragments: Mapping[str, bytes]) -> bytes:
    """``svg`` with each placeholder replaced by the fragment its id names."""
    return _SVG_PLACEHOLDER.sub(lambda match: fragments[match.group(1).decode()], svg)


def _svg_fragments(svg: bytes) -> Iterator[tuple[str, bytes]]:
    """(SVG id, the artist's whole group with its indentation) for every item in ``svg``."""
    for match in _SVG_FRAGMENT.finditer(svg):
        yield match.group(2).decode(), match.group(0)


# ------------------------------------------------------------------ notebook output

_MIME = {"png": "image/png", "svg": "image/svg+xml"}


def _embedded(
    b: Breakdown, palette: Theme, highlight: str | None, fmt: str, variant: Variant = "full"
) -> tuple[bytes, str, tuple[int, int]]:
    """The diagram's bytes, an ``<img>`` carrying them as a data URI, and its CSS size.

    A data URI keeps the picture inside the HTML, which static viewers (nbviewer,
    GitHub, exported HTML) show as it is.
    """
    if fmt not in _MIME:
        raise SettingsError(f"notebook image format must be png or svg, not {fmt!r}.")
    fig = draw(b, theme=palette, highlight=highlight, variant=variant)
    # CSS pixels are 1/96 inch: the image shows at the diagram's true size.
    width, height = (round(inches * 96) for inches in fig.get_size_inches())
    image = _save(fig, _format(fmt), NOTEBOOK_DPI, palette)
    return image, image_tag(image, fmt, b, (width, height)), (width, height)


def image_tag(image: bytes, fmt: str, b: Breakdown, size: tuple[int, int] | None = None) -> str:
    """An ``<img>`` carrying ``b``'s diagram ``image`` as a data URI, with alt text.

    ``size`` is the CSS size a PNG shows at; an SVG brings its own (in points).
    """
    uri = f"data:{_MIME[fmt]};base64,{base64.b64encode(image).decode('ascii')}"
    alt = escape(f"Diagram. {b.headline()}")
    width_height = f'width="{size[0]}" height="{size[1]}" ' if size else ""
    return f'<img src="{uri}" {width_height}alt="{alt}" style="max-width:100%;height:auto">'


def image_html(
    result_or_settings: Source, *, theme: str | Theme = DEFAULT_THEME, fmt: str = "png"
) -> str:
    """Just the diagram as an ``<img>`` tag, for HTML that brings its own tables."""
    b = to_breakdown(result_or_settings)
    return _embedded(b, _theme(theme), None, fmt)[1]


def mimebundle(
    result_or_settings: Source,
    *,
    theme: str | Theme = DEFAULT_THEME,
    highlight: str | None = None,
    fmt: str = "png",
    variant: Variant = "full",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a notebook shows for a breakdown: the diagram, the table, and plain text.

    Frontends pick the richest type they know, and HTML outranks images, so the HTML
    carries the diagram itself (a data URI, which static viewers such as nbviewer and
    GitHub display too) followed by the coloured table, on the theme's background.
    The image alone (``fmt``: ``"png"`` or ``"svg"``) serves frontends without HTML;
    ``text/plain`` is the table for terminals. ``variant`` picks the drawing (see
    :func:`draw`). Returns (data, metadata) as
    ``_repr_mimebundle_`` and ``display(..., raw=True)`` expect.
    """
    b = to_breakdown(result_or_settings)
    palette = _theme(theme)
    image, tag, (width, height) = _embedded(b, palette, highlight, fmt, check_variant(variant))
    html = (
        f'<div class="lstm-widget-output" style="background:{palette.background};'
        f'color:{palette.foreground};padding:0.5em">{tag}{html_table(b, palette)}</div>'
    )
    mime = _MIME[fmt]
    # Notebook JSON holds PNG as base64 text and SVG as text; both display as they are
    # through _repr_mimebundle_ and through display(..., raw=True).
    payload = base64.b64encode(image).decode("ascii") if fmt == "png" else image.decode()
    data = {"text/plain": text_table(b), "text/html": html, mime: payload}
    return data, {mime: {"width": width, "height": height}}
