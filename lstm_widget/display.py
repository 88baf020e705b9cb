"""Notebook display: the rich outputs, the theme's background, the diagram as an image.

Everything a notebook shows goes through here: a breakdown's mimebundle (the diagram
and the table as HTML, the image alone, plain text), the ``<img>`` tag that carries a
diagram inside HTML, and :func:`on_theme`, the one wrapper that puts HTML on a
theme's background so its role colours keep their contrast. The panel, the magic and
model reports use these; :mod:`lstm_widget.report` renders what goes inside.

This module imports matplotlib only when it draws, so the package can wire
:func:`mimebundle` into :class:`~lstm_widget.counting.Breakdown` at import time.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any, Literal, get_args

from .conventions import ROLES, Highlight, Highlights, Role, Variant, check_variant
from .counting import Breakdown, SettingsError, Source, to_breakdown
from .counting_xlstm import XlstmSizes
from .layout.xlstm import describe
from .report import formula_html, html_table, summary_line, text_table
from .style import DEFAULT_THEME, Theme, theme_named

ImageFormat = Literal["png", "svg"]
#: Image formats a notebook output can carry beside its HTML.
IMAGE_FORMATS: tuple[ImageFormat, ...] = get_args(ImageFormat)
_MIME: dict[ImageFormat, str] = {"png": "image/png", "svg": "image/svg+xml"}
#: JupyterLab's own padding of a rendered table's cells.
TABLE_CELL_PADDING = "0.5em"


def on_theme(html: str, theme: Theme, *, css_class: str, padding: str = "0.5em") -> str:
    """``html`` in a ``div`` of class ``css_class`` on the theme's background and in its
    text colour, so its role colours keep their contrast in any notebook's own theme.

    A table inside gets JupyterLab's cell padding wherever it is shown: marimo's
    stylesheet leaves table cells without any, and the columns run together.
    """
    style = f"background:{theme.background};color:{theme.foreground};padding:{padding}"
    cells = (
        f"<style>.{css_class.split()[0]} :is(td, th) {{ padding: {TABLE_CELL_PADDING}; }}</style>"
        if "<table" in html
        else ""
    )
    return f'{cells}<div class="{css_class}" style="{style}">{html}</div>'


def _gate_html(result: Breakdown, rules: Highlights, gate: str, theme: Theme) -> str:
    """One gate's own weights in layer 1, each in its role's colour."""
    groups = [g for g in result.block_groups(0, "forward") if g.stable_gate == gate]
    parts = " + ".join(
        f'<span style="color:{theme.roles[g.role]}">{escape(g.symbol)} '
        f"({'×'.join(f'{n:,}' for n in g.shape)}) {g.count:,}</span>"
        for g in groups
    )
    total = sum(g.count for g in groups)
    return f"<div>{escape(rules.label(gate))}, layer 1: {parts} = <b>{total:,}</b></div>"


def formula_reading(
    result: Breakdown, theme: Theme, highlight: str | None, rules: Highlights
) -> str:
    """What a live view shows under its diagram: the summary line, then the formula
    with numbers substituted in the role colours, the ``highlight`` role bright (or,
    for a gate, a line with that gate's own weights)."""
    role: Role | None = highlight if highlight in ROLES else None
    gate = "" if highlight is None or role else _gate_html(result, rules, highlight, theme)
    return (
        f"<b>{escape(summary_line(result))}</b>"
        f"{formula_html(result.formula, theme.roles, highlight=role)}{gate}"
    )


def per_unit_reading(result: Breakdown) -> str:
    """One unit's share of each layer; identical layers read the same, so one line
    covers each run of them, as in the formula."""
    return "".join(
        f"<div>{label[0].upper()}{label[1:]}: {escape(per_unit.text())}</div>"
        for label, per_unit in result.per_unit_runs()
    )


def _image_format(fmt: str) -> ImageFormat:
    if fmt not in IMAGE_FORMATS:
        raise SettingsError(f"notebook image format must be png or svg, not {fmt!r}.")
    return fmt


def image_tag(
    image: bytes,
    fmt: str,
    b: Breakdown,
    size: tuple[int, int] | None = None,
    hidden: bool = False,
) -> str:
    """An ``<img>`` carrying ``b``'s diagram ``image`` as a data URI, with alt text.

    A data URI keeps the picture inside the HTML, which static viewers (nbviewer,
    GitHub, exported HTML) show as it is. ``size`` is the CSS size a PNG shows at; an
    SVG brings its own (in points). A ``hidden`` diagram's alt text names the layer,
    not its count.
    """
    what = b.settings.describe_layer() + ", counts hidden" if hidden else b.headline()
    return picture_tag(image, fmt, f"Diagram. {what}", size)


def picture_tag(image: bytes, fmt: str, alt: str, size: tuple[int, int] | None = None) -> str:
    """An ``<img>`` carrying any drawing's ``image`` as a data URI, with ``alt`` text."""
    uri = f"data:{_MIME[_image_format(fmt)]};base64,{base64.b64encode(image).decode('ascii')}"
    width_height = f'width="{size[0]}" height="{size[1]}" ' if size else ""
    return (
        f'<img src="{uri}" {width_height}alt="{escape(alt)}" style="max-width:100%;height:auto">'
    )


def embedded_image(
    b: Breakdown,
    palette: Theme,
    highlight: Highlight,
    fmt: str,
    variant: Variant = "full",
    hidden: bool = False,
) -> tuple[bytes, str, tuple[int, int]]:
    """The diagram's bytes, an ``<img>`` carrying them, and its CSS size: what a
    notebook output holds (the panel's still for static viewers, too)."""
    from .diagram import notebook_image  # matplotlib loads only when a picture is drawn

    kind = _image_format(fmt)
    image, size = notebook_image(
        b, kind, theme=palette, highlight=highlight, variant=variant, hidden=hidden
    )
    return image, image_tag(image, kind, b, size, hidden), size


def xlstm_image_html(sizes: XlstmSizes, *, theme: str | Theme = DEFAULT_THEME) -> str:
    """xLSTM's lecture drawing (:func:`lstm_widget.diagram.draw_xlstm`) as an ``<img>``
    tag whose ``alt`` text says every card in words, for a notebook's ``HTML``."""
    from .diagram import render_xlstm  # matplotlib loads only when a picture is drawn

    return picture_tag(render_xlstm(sizes, "png", theme=theme), "png", describe(sizes))


def image_html(
    result_or_settings: Source, *, theme: str | Theme = DEFAULT_THEME, fmt: str = "png"
) -> str:
    """Just the diagram as an ``<img>`` tag, for HTML that brings its own tables."""
    return embedded_image(to_breakdown(result_or_settings), theme_named(theme), None, fmt)[1]


def mimebundle(
    result_or_settings: Source,
    *,
    theme: str | Theme = DEFAULT_THEME,
    highlight: Highlight = None,
    fmt: str = "png",
    variant: Variant = "full",
    hidden: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a notebook shows for a breakdown: the diagram, the table, and plain text.

    Frontends pick the richest type they know, and HTML outranks images, so the HTML
    carries the diagram itself (a data URI) followed by the coloured table, on the
    theme's background. The image alone (``fmt``: ``"png"`` or ``"svg"``) serves
    frontends without HTML; ``text/plain`` is the table for terminals. ``variant``
    picks the drawing (see :func:`~lstm_widget.draw`). ``hidden`` asks the class
    first: every count on the diagram reads "?", and the table and plain text, which
    hold the answer, give only the layer's name. Returns (data, metadata) as
    ``_repr_mimebundle_`` and ``display(..., raw=True)`` expect.
    """
    b = to_breakdown(result_or_settings)
    palette = theme_named(theme)
    image, tag, (width, height) = embedded_image(
        b, palette, highlight, fmt, check_variant(variant), hidden
    )
    table = "" if hidden else html_table(b, palette)
    html = on_theme(f"{tag}{table}", palette, css_class="lstm-widget-output")
    mime = _MIME[_image_format(fmt)]
    # Notebook JSON holds PNG as base64 text and SVG as text; both display as they are
    # through _repr_mimebundle_ and through display(..., raw=True).
    payload = base64.b64encode(image).decode("ascii") if fmt == "png" else image.decode()
    text = f"{b.settings.describe_layer()}: ? parameters" if hidden else text_table(b)
    data = {"text/plain": text, "text/html": html, mime: payload}
    return data, {mime: {"width": width, "height": height}}
