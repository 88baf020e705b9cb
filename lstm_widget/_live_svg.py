"""The live SVG writer: a :class:`~lstm_widget.diagram.Diagram`'s fast path, and all of it.

A live panel redraws the same diagram over and over with a few labels changed. Through
matplotlib's public ``savefig`` every redraw measures every label again with FreeType
and writes every artist again. This module writes what matplotlib's SVG backend would
write, doing less:

- **Text swap.** When only label texts changed (a count kept its number of digits,
  which is most steps of a slider), the new SVG is the last one with the texts swapped:
  matplotlib writes each label as one ``<text>`` at its anchor point, so nothing else
  moves. That holds where a one-line label's place comes from its font's metrics and
  not from its glyphs (matplotlib >= 3.11 asks the renderer for them); elsewhere a
  changed label is drawn again, as below.
- **Fragment pasting.** Otherwise each artist's SVG is kept per (item, highlight), and
  an item painted exactly as before has its fragment pasted instead of being drawn:
  the artist writes an empty ``<g id=...>`` placeholder (:class:`Reusable`), filled
  afterwards. A pasted coordinate may differ from a fresh render's in its sixth
  decimal, since matplotlib measures SVG y from the canvas height.
- **Cached measurements.** The renderer keeps text extents and fonts' line-height
  tables from one save to the next (matplotlib caches them per renderer, and every save
  makes a new one), and measures a new one-line string's height from its characters:
  the SVG places such a label by its anchor and never writes its width.

All of that leans on matplotlib's private side: ``FigureCanvasSVG.print_svg`` copied
with the renderer swapped, ``RendererSVG``'s constructor, the ``_get_font_height_metrics``
hook that ``Text`` consults, the font manager's ``_find_fonts_by_props``, and the
exact layout of the SVG it writes. So the writer is used only where a check at first
use finds that machinery and proves it: it saves a probe figure through the public
``savefig`` and through this writer, plainly and with every fragment pasted, and
requires the same bytes (:func:`live_svg`, the one entry point). Anywhere else, a
:class:`~lstm_widget.diagram.Diagram` saves through ``Figure.savefig`` with its reused
artists and draws the same picture (tests compare both paths on every CI run).
"""

from __future__ import annotations

import codecs
import inspect
import io
import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from matplotlib import cbook, rc_context
from matplotlib.artist import Artist
from matplotlib.backends import backend_mixed, backend_svg
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text, TextToPath

#: False draws every SVG through matplotlib's public ``savefig``, as where the check
#: fails; tests and benchmarks set it to compare the two paths on one matplotlib.
enabled = True

#: SVG fragments of painted items a writer remembers: a few layouts' worth.
FRAGMENT_CACHE_SIZE = 2048

# matplotlib's backends carry no annotations (or do, depending on the release); typed
# as Any here, so type-checking does not change with the installed matplotlib.
_RendererSVGBase: Any = backend_svg.RendererSVG
_MixedModeRenderer: Any = backend_mixed.MixedModeRenderer


@dataclass(frozen=True)
class _LiveSave:
    """What a live save skips: the SVG ids of artists whose fragments will be pasted.

    Set on the SVG renderer of a live save only; text is then measured for height only.
    """

    pasted: Collection[str]


class Reusable(Artist):
    """An artist that a live SVG save may skip, leaving a placeholder to paste into.

    When the save names this artist's SVG id among those it will paste, the artist
    writes an empty ``<g id=...>``: it keeps the artist's place in the drawing order,
    and the writer fills it afterwards. Every other save (PNG, PDF, the public SVG
    path) has no ``live`` on its renderer and draws the artist in full.
    """

    def draw(self, renderer: Any) -> None:
        # A MixedModeRenderer hands unknown attributes on to the SVG renderer.
        live: _LiveSave | None = getattr(renderer, "live", None)
        if live is not None and self.get_gid() in live.pasted:
            renderer.open_group("pasted", self.get_gid())
            renderer.close_group("pasted")
        else:
            super().draw(renderer)


# --------------------------------------------------------------- text measurements

#: Text extents as matplotlib's SVG renderer measures them (TextToPath, unhinted).
_TEXT_TO_PATH = TextToPath()


@lru_cache(maxsize=1024)  # several diagrams' labels; bounded, so memory stays flat
def text_extent(text: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
    """(width, height, descent) of ``text`` in points, as the SVG renderer measures it."""
    width, height, descent = _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath)
    return width, height, descent


@lru_cache(maxsize=1024)
def text_height(text: str, prop: FontProperties) -> tuple[float, float, float]:
    """``text``'s height and descent exactly as FreeType measures the whole string;
    its width only approximately (the sum of its characters'), which an SVG that
    anchors its text never uses.

    A string's vertical extent is the union of its glyphs' (tests check), so the two
    characters reaching highest and lowest, measured together, give the string's
    height and descent. Measuring a new string costs FreeType a tenth of a
    millisecond; characters and their pairs are few and measured once.
    """
    extents = [text_extent(char, prop, False) for char in text]
    top = max(range(len(text)), key=lambda i: extents[i][1] - extents[i][2])
    bottom = max(range(len(text)), key=lambda i: extents[i][2])
    _, height, descent = text_extent(text[top] + text[bottom], prop, False)
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
    # Typed as Any: the font tables' TypedDicts differ between matplotlib releases.
    finder: Any = fontManager
    font: Any = get_font(finder._find_fonts_by_props(prop))
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


class _RendererSVG(_RendererSVGBase):
    """matplotlib's SVG renderer, remembering font measurements from one save to the next.

    The extent depends only on the text and its font, so one bounded cache serves every
    save: a panel update that moves labels got about a fifth faster. In a live save a
    new string is not measured at all, only its height (see :func:`text_height`):
    structure changes got about two fifths faster.
    """

    #: Set while a live save writes (see :class:`_LiveSave`).
    live: _LiveSave | None = None

    def get_text_width_height_descent(
        self, s: str, prop: FontProperties, ismath: Any
    ) -> tuple[float, float, float]:
        font = prop.copy()  # a cache key: FontProperties is mutable
        if self.live is not None and s and not ismath:
            return text_height(s, font)
        return text_extent(s, font, ismath)

    def _get_font_height_metrics(self, prop: FontProperties) -> _FontHeight:
        # Text._get_layout asks a renderer for this when it has it (matplotlib >= 3.11);
        # without it, Text reads the font's tables on every draw.
        return _font_height_metrics(prop.copy())


class LiveCanvas(FigureCanvasAgg):
    """Agg for raster formats; SVG as matplotlib writes it, through :class:`_RendererSVG`.

    ``savefig(format="svg")`` uses a canvas's own ``print_svg`` when it has one; this
    is matplotlib's ``FigureCanvasSVG.print_svg`` with the renderer swapped, and the
    bytes are the same (the check at first use compares them).
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
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as opened:
            file: Any = opened
            if not cbook.file_requires_unicode(file):
                file = codecs.getwriter("utf-8")(file)
            dpi = self.figure.dpi
            self.figure.dpi = 72  # SVG user units are points
            width, height = self.figure.get_size_inches()
            svg = _RendererSVG(width * 72, height * 72, file, image_dpi=dpi, metadata=metadata)
            svg.live = live
            renderer = _MixedModeRenderer(
                self.figure, width, height, dpi, svg, bbox_inches_restore=bbox_inches_restore
            )
            self.figure.draw(renderer)
            renderer.finalize()
            # A Text keeps the renderer that last drew it for as long as later saves
            # paste it; drop the paste list so that it does not keep this save's
            # fragments alive too.
            svg.live = None


# -------------------------------------------------------------------- SVG surgery


@lru_cache(maxsize=4096)  # asked for every item of every save (0.2 ms a render uncached)
def svg_id(key: str) -> str:
    """The SVG id of the artist painting the item with ``key``: how a save finds it again.

    ``card:f:W_f`` becomes ``item.card.f.W_f``: colons turn into dots, and every other
    character but ASCII letters, digits and ``_`` (a dot or a prime too) into
    ``-<hex>-``, so ids are plain and distinct keys keep distinct ids.
    """
    return "item." + _GID_UNSAFE.sub(
        lambda m: "." if m.group() == ":" else f"-{ord(m.group()):x}-", key
    )


_GID_UNSAFE = re.compile(r"[^A-Za-z0-9_]")

_GID = rb'item\.[^"]*'  # the ids svg_id makes, never matplotlib's own groups
_SVG_TEXT = re.compile(rb'(<g id="(' + _GID + rb')">\s*<text[^>]*>)([^<]*)(</text>)')
# matplotlib's SVG writer puts each artist in a <g id=...> at its own indentation and
# closes it at the same indentation; a placeholder is that group, empty.
_SVG_FRAGMENT = re.compile(rb'^( *)<g id="(' + _GID + rb')">\n.*?^\1</g>\n', re.M | re.S)
_SVG_PLACEHOLDER = re.compile(rb'^ *<g id="(' + _GID + rb')"/>\n', re.M)


def _swap_texts(svg: bytes, changes: Mapping[str, str]) -> bytes:
    """``svg`` with the ``<text>`` inside each ``<g id=gid>`` of ``changes`` replaced."""

    def swap(match: re.Match[bytes]) -> bytes:
        text = changes.get(match.group(2).decode())
        if text is None:
            return match.group(0)
        return match.group(1) + xml_escape(text).encode() + match.group(4)

    return _SVG_TEXT.sub(swap, svg)


def _paste(svg: bytes, fragments: Mapping[str, bytes]) -> bytes:
    """``svg`` with each placeholder replaced by the fragment its id names."""
    return _SVG_PLACEHOLDER.sub(lambda match: fragments[match.group(1).decode()], svg)


def _fragments(svg: bytes) -> Iterator[tuple[str, bytes]]:
    """(SVG id, the artist's whole group with its indentation) for every group in ``svg``."""
    for match in _SVG_FRAGMENT.finditer(svg):
        yield match.group(2).decode(), match.group(0)


# ---------------------------------------------------------------------- the writer

#: Saves a figure as SVG bytes; the writer passes ``live=`` on to :meth:`LiveCanvas.print_svg`.
SaveSVG = Callable[..., bytes]


class LiveSVG:
    """The SVG saves of one live figure, doing only what changed since the last.

    The figure must have a :class:`LiveCanvas` (:meth:`attach`) and its artists must be
    :class:`Reusable`, each with a distinct SVG id. ``save`` is how the caller saves
    SVG (rc settings, post-processing); the writer adds ``live=`` to it.
    """

    def __init__(self, *, swap_texts: bool) -> None:
        self._swap_texts = swap_texts
        self._last: bytes | None = None  # the SVG of what the figure shows, if known
        self._fragments: OrderedDict[Hashable, bytes] = OrderedDict()

    @staticmethod
    def attach(figure: Figure) -> None:
        """Give ``figure`` the canvas whose ``print_svg`` writes live saves."""
        LiveCanvas(figure)

    def save(
        self,
        save: SaveSVG,
        looks: Mapping[str, Hashable],
        text_changes: Mapping[str, str] | None,
    ) -> bytes:
        """The figure as SVG.

        ``looks`` maps each painted artist's SVG id to what it looks like (any hashable
        that is equal exactly when the artist paints the same); ``text_changes`` maps
        SVG ids to new label texts when nothing else changed since the last save.
        """
        if self._swap_texts and self._last is not None and text_changes is not None:
            data = _swap_texts(self._last, text_changes)
        else:
            known = {
                gid: self._fragments[look]
                for gid, look in looks.items()
                if look in self._fragments
            }
            data = _paste(save(live=_LiveSave(known.keys())), known)
            for gid, fragment in _fragments(data):
                look = looks.get(gid)
                if look is not None:
                    self._fragments[look] = fragment
                    self._fragments.move_to_end(look)
            while len(self._fragments) > FRAGMENT_CACHE_SIZE:
                self._fragments.popitem(last=False)
        self._last = data
        return data

    def forget_last(self) -> None:
        """The figure was saved otherwise or changed: the next save writes in full."""
        self._last = None

    def clear(self) -> None:
        """Drop everything remembered."""
        self._last = None
        self._fragments.clear()


def live_svg() -> LiveSVG | None:
    """A live SVG writer, or None where this matplotlib cannot run one (or ``enabled`` is off)."""
    if not (enabled and _capable()):
        return None
    return LiveSVG(swap_texts=_labels_stay_put())


class _ProbeText(Reusable, Text):
    pass


class _ProbeBox(Reusable, Rectangle):
    pass


class _ProbeWire(Reusable, Line2D):
    pass


def _has_parameters(function: Any, *names: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return all(name in parameters for name in names)


@cache
def _capable() -> bool:
    """Whether this matplotlib has the private machinery the writer uses, working.

    Checked once, on first use, by what matplotlib does rather than by its version:
    the constructors and helpers must take what :meth:`LiveCanvas.print_svg` passes,
    and a probe figure with a label, a box and a wire must come out byte for byte as
    ``savefig`` writes it through matplotlib's own SVG backend, both when the writer
    draws everything and when it pastes every fragment back in.
    """
    required = (
        _has_parameters(_RendererSVGBase, "width", "height", "svgwriter", "image_dpi", "metadata")
        and _has_parameters(
            _MixedModeRenderer, "figure", "width", "height", "dpi", "vector_renderer"
        )
        and _has_parameters(_MixedModeRenderer, "bbox_inches_restore")
        and callable(getattr(cbook, "open_file_cm", None))
        and callable(getattr(cbook, "file_requires_unicode", None))
        and callable(getattr(fontManager, "_find_fonts_by_props", None))
    )
    if not required:
        return False
    try:
        return _probe_matches()
    except Exception:  # any failure of private API means: use the public path
        return False


_PROBE_LABEL = "W_c  1×10"
_PROBE_ITEMS = ("text", "box", "wire")


def _probe(canvas: type[FigureCanvasAgg], label: str = _PROBE_LABEL) -> Figure:
    """A small figure with a diagram's kinds of artist: a label, a box and a wire."""
    figure = Figure(figsize=(2, 1), dpi=100)
    canvas(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    artists: list[Artist] = [
        _ProbeText(0.1, 0.5, label, fontsize=11, va="center", gid=svg_id("text")),
        _ProbeBox((0.1, 0.1), 0.5, 0.2, facecolor="#e69f00", gid=svg_id("box")),
        _ProbeWire([0.1, 0.9], [0.9, 0.8], color="#0072b2", gid=svg_id("wire")),
    ]
    for artist in artists:
        artist.set_clip_on(False)  # as a diagram's artists
        ax.add_artist(artist)
    return figure


def _save_probe(figure: Figure, **live: Any) -> bytes:
    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "probe"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, **live)
    return buffer.getvalue()


def _probe_matches() -> bool:
    public = _save_probe(_probe(FigureCanvasAgg))
    save = partial(_save_probe, _probe(LiveCanvas))
    writer = LiveSVG(swap_texts=False)
    looks = {svg_id(key): key for key in _PROBE_ITEMS}
    drawn = writer.save(save, looks, None)
    writer.forget_last()
    pasted = writer.save(save, looks, None)
    return drawn == public == pasted and len(writer._fragments) == len(looks)


@cache
def _labels_stay_put() -> bool:
    """Whether a label keeps its place when only its text changes, glyphs and all.

    A card's label, with its numbers swapped as a slider step swaps them (a ``0``
    stands a hair taller than a ``1``), must come out as matplotlib writes each
    swapped label afresh.
    """
    try:
        save = partial(_save_probe, _probe(LiveCanvas))
        looks = {svg_id(key): key for key in _PROBE_ITEMS}
        for label in ("W_c  1×11", "W_c  7×4,096", "W_c  1×10 = 1,234,567"):
            writer = LiveSVG(swap_texts=True)
            writer.save(save, looks, None)
            swapped = writer.save(save, looks, {svg_id("text"): label})
            if swapped != _save_probe(_probe(FigureCanvasAgg, label)):
                return False
        return True
    except Exception:  # any failure of private API means: draw changed labels again
        return False
