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
from typing import TYPE_CHECKING, Any, Literal, get_args

from .conventions import ROLES, Highlight, Highlights, Role, Variant, check_variant, framework_spec
from .counting import Breakdown, SettingsError, Source, to_breakdown
from .description import describe, describe_strip
from .model_summary import fit_text, summary_html, summary_legend, summary_text
from .report import formula_html, html_table, summary_line, text_table
from .style import DEFAULT_DPI, DEFAULT_THEME, LIGHT, Theme, theme_named

if TYPE_CHECKING:  # matplotlib loads only when a picture is drawn
    from matplotlib.figure import Figure

    from .counting_xlstm import XlstmSizes
    from .introspect import ExplainedLayer, ModelReport

ImageFormat = Literal["png", "svg"]
#: Image formats a notebook output can carry beside its HTML.
IMAGE_FORMATS: tuple[ImageFormat, ...] = get_args(ImageFormat)
_MIME: dict[ImageFormat, str] = {"png": "image/png", "svg": "image/svg+xml"}
#: A model report's HTML summary lists every layer up to this many; past it, runs of
#: repeated layers fold into one row each (:func:`~lstm_widget.introspect.fold_repeats`).
FOLDED_PAST = 50
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
    SVG brings its own (in points). The alt text is the diagram in words
    (:func:`~lstm_widget.description.describe`); a ``hidden`` diagram's leaves the
    counts out, as its picture does.
    """
    return picture_tag(image, fmt, describe(b, hidden=hidden), size)


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
    # matplotlib and the layout load only when a picture is drawn
    from .diagram import render_xlstm
    from .layout.xlstm import describe as describe_xlstm

    return picture_tag(render_xlstm(sizes, "png", theme=theme), "png", describe_xlstm(sizes))


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


# ------------------------------------------------------------------ model reports


def _item_line(report: ModelReport, item: ExplainedLayer) -> str:
    """``lstm (LSTM): 1 layer of LSTM ...; matches PyTorch's 1,120``."""
    verdict = "matches" if item.matches else "DOES NOT MATCH"
    return (
        f"{item.title}: {summary_line(item.breakdown)}; {verdict} "
        f"{framework_spec(report.framework).label}'s {item.framework_count:,}"
    )


def _unexplained_lines(report: ModelReport) -> list[str]:
    if not report.unexplained:
        return []
    width = max(len(u.title) for u in report.unexplained)
    count_width = max(len(f"{u.framework_count:,}") for u in report.unexplained)
    return [
        "Not explained (counted by the framework, not broken down):",
        *(
            f"  {u.title.ljust(width)}  {u.framework_count:>{count_width},}  {u.reason}"
            for u in report.unexplained
        ),
        "",
    ]


def _work_lines(report: ModelReport) -> list[str]:
    """Each layer's multiply-accumulates for the sequence, in the model's order, the
    work a run found outside every layer, then the model's, when a sequence length
    was given."""
    if report.steps is None:
        return []
    lines = [
        f"Work for a sequence of {report.steps:,} time steps, in multiply-accumulates "
        "(MACs; FLOPs = 2 × MACs):"
    ]
    notes = (*report.run_note.splitlines(), *([report.steps_note] if report.steps_note else []))
    lines += [f"  {note}" for note in notes]
    lines += [
        f"  {row.title}: {work.text()}" for row, work in report.row_work() if work is not None
    ]
    lines += [f"  {where}: not known, {why}" for where, why in report.outside]
    total, unknown = report.sequence_macs(), report.work_not_known()
    if total is not None:
        lines.append(f"  Whole model: {total:,} MACs = {2 * total:,} FLOPs for the sequence")
    elif unknown:
        lines.append(f"  No total for the whole model: not known for {', '.join(unknown)}")
    return [*lines, ""]


def _dense_notes(report: ModelReport) -> list[str]:
    """Why dense layers stayed apart from the recurrent layer before them."""
    notes = [f"  {layer.title}: {layer.note}" for layer in report.counted if layer.note]
    return ["Not a recurrent layer's dense head:", *notes, ""] if notes else []


def report_text(report: ModelReport, *, details: bool = False) -> str:
    """A model's report as plain text: the compact summary (one line a layer), the
    totals and the verdict, no line wider than 100 characters; with ``details``, each
    recurrent layer's weight-group table after them."""
    rows = report.rows()
    legend = summary_legend(rows)
    out = [report.heading, "", summary_text(rows), *([legend] if legend else []), ""]
    out += [report.shapes_note, ""] if report.shapes_note else []
    out += _dense_notes(report)
    out += [f"Total params: {report.framework_total:,}: {report.trainable_split()}", ""]
    out += _work_lines(report)
    out += _unexplained_lines(report)
    tables = []
    if details:
        for item in report.items:
            tables += [_item_line(report, item), text_table(item.breakdown), ""]
    elif report.items:
        out += ["Each recurrent layer's weight groups: report.text(details=True).", ""]
    return "\n".join([*fit_text(out), *tables, *fit_text([report.reconciliation()])])


def _strip_title(report: ModelReport) -> str:
    return f"{report.heading}: {report.framework_total:,} parameters"


def _report_theme(theme: object) -> Theme:
    """A report's theme: ``theme`` itself or by its name; light when None."""
    if theme is None:
        return LIGHT
    if not isinstance(theme, str | Theme):
        raise SettingsError(f"theme must be a Theme or its name, not {theme!r}.")
    return theme_named(theme)


def report_strip_figure(report: ModelReport, theme: object = None) -> Figure:
    """A model's strip: every layer a box with its count, in the model's order (a new
    pyplot-free matplotlib figure)."""
    from .diagram import draw_strip  # matplotlib loads only when a picture is drawn

    return draw_strip(report.rows(), title=_strip_title(report), theme=_report_theme(theme))


def report_strip(report: ModelReport, fmt: str = "png", *, theme: object = None) -> bytes:
    """:func:`report_strip_figure` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
    from .diagram import render_strip

    palette = _report_theme(theme)
    return render_strip(report.rows(), fmt, title=_strip_title(report), theme=palette)


def report_html(report: ModelReport, theme: object = None, *, diagrams: bool = True) -> str:
    """A model's report as HTML: the compact summary first, then each recurrent layer's
    details, folded (``<details>``), tables coloured by role with ``theme``'s colours;
    with ``diagrams``, the model's strip first and the diagram of each distinct
    configuration.

    So that a long model's page stays light, each distinct configuration's diagram
    and weight-group table are shown once, and every other layer sharing it points to
    the first (naming its own tensors); past :data:`FOLDED_PAST` layers, the summary
    folds its repeated runs as the strip does. The text and JSON keep every row."""
    from .introspect import fold_repeats  # loaded: the report came from it

    theme = _report_theme(theme)
    parts = [f"<h3>{escape(report.heading)}</h3>"]
    if diagrams:
        from .painting import notebook_png  # matplotlib loads only when a picture is drawn

        alt = describe_strip(report.rows(), _strip_title(report))
        strip = notebook_png(report_strip_figure(report, theme), DEFAULT_DPI, theme)
        parts.append(f"<div>{picture_tag(strip, 'png', alt)}</div>")
    listed = report.rows()
    parts.append(
        summary_html(fold_repeats(listed) if len(listed) > FOLDED_PAST else listed, theme)
    )
    if report.shapes_note:
        parts.append(f"<p>{escape(report.shapes_note)}</p>")
    parts.append(
        f"<p>Total params: {report.framework_total:,}: {escape(report.trainable_split())}</p>"
    )
    work = _work_lines(report)
    if work:
        parts.append("<p>" + "<br>".join(escape(line) for line in work if line) + "</p>")
    if report.unexplained:
        rows = "".join(
            f"<tr><td><code>{escape(u.path)}</code></td><td>{escape(u.class_name)}</td>"
            f'<td style="text-align:right">{u.framework_count:,}</td>'
            f"<td>{escape(u.reason)}</td></tr>"
            for u in report.unexplained
        )
        parts.append(
            "<p>Not explained (counted by the framework, not broken down):</p>"
            "<table><thead><tr><th>Layer</th><th>Class</th><th>Param #</th>"
            f"<th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    colour = theme.foreground if report.matches else theme.roles["recurrent"]
    parts.append(f'<p style="color:{colour}"><b>{escape(report.reconciliation())}</b></p>')
    drawn: dict[tuple[object, ...], str] = {}  # a configuration -> the layer drawing it
    for item in report.items:
        b = item.breakdown
        first = drawn.setdefault((b.settings, b.steps, b.head_positions), item.title)
        if not diagrams:
            image = ""
        elif first == item.title:
            image = f"<div>{image_html(b, theme=theme)}</div>"
        else:  # the same drawing again would add its whole image to the page
            image = f"<p>Diagram: as for {escape(first)}, the same configuration.</p>"
        if first == item.title:
            table = html_table(b, theme)
        else:  # the same table but for its tensors' names
            names = ", ".join(name for name, _ in item.framework_tensors)
            table = (
                f"<p>Weight groups: as for {escape(first)}, the same configuration; "
                f"here its tensors are {escape(names)}.</p>"
            )
        parts.append(
            f"<details><summary>{escape(_item_line(report, item))}</summary>"
            f"{image}{table}</details>"
        )
    return on_theme("".join(parts), theme, css_class="lstm-widget-model")
