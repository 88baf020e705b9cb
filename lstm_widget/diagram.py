"""The block diagram and a model's strip, drawn by :mod:`~lstm_widget.painting`.

:func:`draw` and :func:`render` lay a breakdown out and paint it on a new pyplot-free
figure (or into a given axes). :class:`Diagram` is the painter for live views: it keeps
one figure, reuses the artist of every item that survives a change (moving and
relabelling it), and caches rendered bytes per settings. Its SVG saves take the fast
path of :mod:`lstm_widget._live_svg` where matplotlib supports it, and
``Figure.savefig`` elsewhere; both draw the same picture.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.text import Text

from ._live_svg import LiveSVG, SaveSVG, live_svg, svg_id
from .conventions import Highlight, Variant, check_variant
from .counting import Breakdown, SettingsError, Source, to_breakdown
from .counting_xlstm import XlstmSizes
from .description import accessible_name, describe, describe_strip
from .layout import Layout, check_block, layout
from .layout.model_strip import model_strip_layout
from .layout.xlstm import xlstm_layout
from .painting import (
    Emphasis,
    Format,
    Painter,
    check_dpi,
    check_format,
    new_figure,
    notebook_png,
    paint,
    png_dpi,
    resolve_highlight,
    save_figure,
    with_text_alternative,
    zorder,
)
from .style import DEFAULT_DPI, DEFAULT_THEME, Theme, theme_named

if TYPE_CHECKING:
    from .introspect import SummaryRow

#: Notebooks ask for more than the default resolution (retina screens).
NOTEBOOK_DPI = 144
#: Rendered images a :class:`Diagram` remembers; a panel revisits a handful of settings.
CACHE_SIZE = 64

Block = tuple[int, str]


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
    painter_highlight = resolve_highlight(b, highlight)
    if ax is None:
        fig, ax = new_figure(lay, palette, DEFAULT_DPI)
    else:
        ax.set_axis_off()
        ax.set_aspect("equal")
        parent = ax.figure
        while isinstance(parent, SubFigure):  # up to the root, on any matplotlib
            parent = parent.figure
        assert isinstance(parent, Figure), "an axes always belongs to a figure"
        fig = parent
    paint(lay, ax, palette, painter_highlight)
    return fig


def draw_xlstm(sizes: XlstmSizes, *, theme: str | Theme = DEFAULT_THEME) -> Figure:
    """xLSTM's sLSTM or mLSTM layer, block or stack, drawn for a lecture: the cell's
    schematic, and every weight group on a card with its count (a new pyplot-free
    figure). No text is under 13.5 pt, and a block of the package's defaults at a
    classroom's width (``XlstmSizes("slstm", 32)``) fits 600 × 400 pt."""
    palette = theme_named(theme)
    lay = xlstm_layout(sizes)
    fig, ax = new_figure(lay, palette, DEFAULT_DPI)
    paint(lay, ax, palette, None)
    return fig


def render_xlstm(
    sizes: XlstmSizes,
    fmt: str = "png",
    *,
    theme: str | Theme = DEFAULT_THEME,
    dpi: float | None = None,
) -> bytes:
    """:func:`draw_xlstm` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
    kind = check_format(fmt)
    fig = draw_xlstm(sizes, theme=theme)
    resolution = png_dpi(kind, dpi, None, fig.get_size_inches()[0])
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
    fmt = check_format(fmt)
    b = to_breakdown(result_or_settings)
    fig = draw(b, theme=theme, highlight=highlight, block=block, variant=variant)
    resolution = png_dpi(fmt, dpi, width, fig.get_size_inches()[0])
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
        self._dpi = check_dpi(dpi)
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            # A negative size would empty the cache and then fail popping from it.
            raise SettingsError(f"cache_size must be a non-negative integer, not {cache_size!r}.")
        self.cache_size = cache_size
        self._figure: Figure | None = None
        self._artists: list[Artist] = []
        self._painted: tuple[Layout, Emphasis | None] | None = None
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
        fmt = check_format(fmt)
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
        emphasis = resolve_highlight(b, highlight)
        if self._figure is None:
            self._figure, ax = new_figure(lay, self.theme, self.dpi)
            if self._live is not None:
                self._live.attach(self._figure)
        else:
            ax = self._figure.axes[0]
            self._figure.set_size_inches(lay.width / 72, lay.height / 72)
        painter = Painter(ax, self.theme, emphasis)
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
        before = Painter(ax, self.theme, painted_emphasis)
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
                    artist.set_zorder(zorder(item, index))
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
    palette, :func:`~lstm_widget.painting.notebook_png`) and the size it shows at, in
    CSS pixels (1/96 inch): its true size. ``hidden`` as for :func:`draw`."""
    fig = draw(b, theme=theme, highlight=highlight, variant=variant, hidden=hidden)
    width, height = (round(inches * 96) for inches in fig.get_size_inches())
    if fmt == "png":
        return notebook_png(fig, NOTEBOOK_DPI, theme), (width, height)
    return _diagram_bytes(fig, fmt, NOTEBOOK_DPI, theme, b, hidden), (width, height)


# ------------------------------------------------------------- a whole model's strip


def draw_strip(
    rows: Sequence[SummaryRow], *, title: str = "", theme: str | Theme = DEFAULT_THEME
) -> Figure:
    """A whole model as a strip: every layer of its summary a box with its name, type
    and parameter count, in the model's order, arrows between them
    (:func:`~lstm_widget.layout.model_strip.model_strip_layout`, painted as the cell
    is). A new pyplot-free figure."""
    palette = theme_named(theme)
    lay = model_strip_layout(rows, title)
    fig, ax = new_figure(lay, palette, DEFAULT_DPI)
    paint(lay, ax, palette, None)
    return fig


def render_strip(
    rows: Sequence[SummaryRow],
    fmt: str = "png",
    *,
    title: str = "",
    theme: str | Theme = DEFAULT_THEME,
    dpi: float | None = None,
) -> bytes:
    """:func:`draw_strip` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
    kind = check_format(fmt)
    fig = draw_strip(rows, title=title, theme=theme)
    resolution = png_dpi(kind, dpi, None, fig.get_size_inches()[0])
    data = save_figure(fig, kind, resolution, theme_named(theme))
    if kind == "svg":
        data = with_text_alternative(data, title or "Model strip", describe_strip(rows, title))
    return data
