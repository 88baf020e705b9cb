"""How the panel looks: the image format, the lecture variant's stylesheet and sizes,
the lines under it, and the panel's HTML on a theme's background."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import ipywidgets as widgets
from traitlets import Unicode

from ..display import on_theme
from ..style import Theme

#: The Image widget's format. SVG keeps text as text: smaller, faster to render than
#: rasterising, and sharp on a projector.
IMAGE_FORMAT: Final = "svg"
WIDGET_FORMAT: Final = "svg+xml"

#: In the lecture column the widths' sliders are logarithmic: on a linear 1-1,024 track
#: one unit is a third of a pixel and 10 -> 20 a 3 px drag; on a log track each tenth
#: of it doubles the width. (The full panel keeps linear tracks, whose arrow keys step
#: by one: benchmarks/bench_browser.py times those key presses.) Values are rounded to
#: whole numbers.
LOG_BASE: Final = 2
LOG_SLIDERS: Final = frozenset({"input_size", "units"})
#: A log slider's step in powers of the base: eight steps per doubling, so an arrow key
#: moves a width by about 9 %, enough to change it by at least one from 10 up, and a
#: drag over 1-1,024 has 80 positions.
LOG_STEP: Final = 0.125
#: The lecture column's width: the rest of a 1280 px wide JupyterLab notebook in
#: presentation mode, with its file browser closed, beside the lecture diagram.
LECTURE_COLUMN: Final = 240
#: Below this width (CSS px) the lecture panel stacks: the diagram on top, the controls
#: under it in rows with the numbers first, then the formula and the rest. It is the
#: column beside the widest lecture drawing (598 pt = 797 px, a PyTorch LSTM with a
#: projection), so the two never squeeze each other. At 1280x720, JupyterLab as it
#: opens (file browser open) leaves the panel 848 px and its presentation mode 802 px,
#: where the column beside the diagram would push the diagram below the screen;
#: Notebook 7 leaves 1,108 px and Voila 1,250 px, where they sit side by side.
SIDE_BY_SIDE: Final = 1040
#: The lecture variant's class and stylesheet. ipywidgets sizes every control from
#: these custom properties, so setting them on the panel's own element scales its
#: controls and nothing else on the page. The panel is a CSS size container, so its
#: arrangement follows the width it really has (file browser open or closed,
#: presentation mode, zoom) with no JavaScript and nothing changed outside it.
LECTURE_CLASS: Final = "lstm-widget-lecture"
LECTURE_CSS: Final = f"""<style>
.{LECTURE_CLASS} {{
  container-type: inline-size;
  --jp-widgets-font-size: 18px;
  --jp-widgets-inline-height: 34px;
  --jp-widgets-inline-label-width: 6em;
  --jp-widgets-inline-width: {LECTURE_COLUMN}px;
  --jp-widgets-inline-width-short: 5em;
  --jp-widgets-inline-width-tiny: 5em;
  --jp-widgets-slider-handle-size: 22px;
  font-size: 18px;
}}
.{LECTURE_CLASS} .widget-html-content {{ font-size: 18px; line-height: 1.35; }}
.{LECTURE_CLASS} .widget-html-content code {{ font-size: 18px; }}
.{LECTURE_CLASS} .widget-toggle-button {{ width: auto; padding: 0 0.25em; }}
.{LECTURE_CLASS} .widget-inline-hbox {{ width: auto; }}
.{LECTURE_CLASS} .widget-text input, .{LECTURE_CLASS} .widget-dropdown select {{
  min-width: 0;
  width: 0;
}}
.{LECTURE_CLASS} .widget-checkbox label {{ white-space: normal; }}
/* A closed section's title is the secondary font colour on the secondary layout
   colour: 4.45:1 in Voila's light theme, under the 4.5:1 its 18 px text needs. */
.{LECTURE_CLASS} .jupyter-widget-Collapse-header {{ color: var(--jp-ui-font-color1); }}
.{LECTURE_CLASS} .{LECTURE_CLASS}-body {{ flex-flow: row wrap; align-items: flex-start; }}
.{LECTURE_CLASS} .{LECTURE_CLASS}-controls {{ width: {LECTURE_COLUMN}px; flex: 0 0 auto; }}
.{LECTURE_CLASS} .{LECTURE_CLASS}-views {{ flex: 0 0 auto; width: min-content; }}
.{LECTURE_CLASS} .widget-image {{ max-width: none; flex: 0 0 auto; align-self: flex-start; }}
@container (width < {SIDE_BY_SIDE}px) {{
  .{LECTURE_CLASS} .{LECTURE_CLASS}-body {{ flex-direction: column; }}
  .{LECTURE_CLASS} .{LECTURE_CLASS}-views {{ display: contents; }}
  .{LECTURE_CLASS} .{LECTURE_CLASS}-views > * {{ order: 2; }}
  .{LECTURE_CLASS} .{LECTURE_CLASS}-views > .{LECTURE_CLASS}-picture {{ order: 0; }}
  .{LECTURE_CLASS} .{LECTURE_CLASS}-controls {{
    order: 1;
    width: auto;
    flex-flow: row wrap;
    column-gap: 1em;
  }}
  .{LECTURE_CLASS} .{LECTURE_CLASS}-controls > * {{ width: {LECTURE_COLUMN}px; }}
  .{LECTURE_CLASS} .{LECTURE_CLASS}-controls > .{LECTURE_CLASS}-number {{ order: -1; }}
  .{LECTURE_CLASS} .widget-image {{ max-width: calc(100% - 2 * var(--jp-widgets-margin)); }}
}}
</style>"""

#: Under every panel. Its views stay on the page when the kernel goes away (a restart,
#: a closed notebook), and without custom JavaScript a panel cannot notice that.
RERUN_HINT: Final = (
    "If the controls stop answering (after a kernel restart, say), run this cell again."
)

#: Under the still a panel leaves for static viewers (see Panel._ipython_display_).
STILL_CAPTION: Final = "A still of the panel above, for viewers that cannot run widgets."


def panel_html(html: str, theme: Theme) -> str:
    """``html`` on the theme's background, with the panel's tighter padding."""
    return on_theme(html, theme, css_class="lstm-widget-panel-text", padding="0.25em 0.5em")


def image_layout(lecture: bool) -> widgets.Layout:
    """An image's layout: shrunk to the panel's width, or in the lecture layout as its
    stylesheet says (at its natural size, the size its text was chosen for, wherever
    the panel is wide enough, so browser zoom can only enlarge it)."""
    return widgets.Layout() if lecture else widgets.Layout(max_width="100%")


class NamedImage(widgets.Image):
    """An image whose ``tooltip`` reaches the page as its title, its accessible name.

    ipywidgets' views write the tooltip as the title only where the model's description
    is empty, and read that description's length to know: an Image has none, and the
    stock view fails there. An empty one, synced, lets it set the title.
    """

    description = Unicode("").tag(sync=True)


def widget_tree(root: widgets.Widget) -> Iterator[widgets.Widget]:
    """``root`` and every widget under it: children, and each one's layout and style."""
    pending = [root]
    while pending:
        widget = pending.pop()
        yield widget
        pending.extend(getattr(widget, "children", ()))
        pending.extend(
            part
            for part in (getattr(widget, "layout", None), getattr(widget, "style", None))
            if isinstance(part, widgets.Widget)
        )
