"""The panel over a kernel's life: what it leaves for static viewers, and closing the
panels an earlier run of the same notebook cell made."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any, Protocol

import ipywidgets as widgets

from .._frontend import in_voila, running_cell
from ..conventions import Highlight, Variant
from ..counting import Breakdown
from ..display import embedded_image
from ..style import THEMES
from .look import STILL_CAPTION


class StillState(Protocol):
    """What the still reads off the panel."""

    result: Breakdown
    image: widgets.Image
    comparison: widgets.HTML
    formula: widgets.HTML
    explanation: widgets.HTML
    theme: widgets.ToggleButtons
    variant: Variant
    _view_count: int | None
    _last_still: tuple[object, tuple[bytes, str]]

    @property
    def _hidden(self) -> bool: ...
    def _drawing(self) -> tuple[Breakdown, Highlight]: ...
    def _still(self) -> tuple[bytes, str]: ...
    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]: ...
    def observe(self, handler: Callable[..., Any], names: str) -> None: ...
    def unobserve(self, handler: Callable[..., Any], names: str) -> None: ...


class Still:
    """The panel as a still (a PNG and its HTML), for viewers that cannot run widgets."""

    _last_still: tuple[object, tuple[bytes, str]]

    def _ipython_display_(self: StillState) -> None:
        """Show the panel and, under it until a frontend shows the panel, a still of it.

        The still is for a notebook saved with its widget state, as ``jupyter nbconvert
        --execute`` and nbclient save it: static viewers then pick the widget view over
        the HTML fallback and, without the widget code, show an empty box. A frontend
        that shows the panel reports its view (ipywidgets' ``_view_count``, counted by
        the stock widget views) and the still is cleared at once, so a live page never
        keeps a copy beside the panel that goes stale as the controls move.
        """
        import IPython.display

        # Typed here: some IPython releases annotate display and some do not.
        display: Callable[..., Any] = IPython.display.display
        self._view_count = 0  # before the view exists, so that its creation is counted
        bundle = self._repr_mimebundle_()
        display(bundle, raw=True)
        if "image/png" not in bundle or running_cell() is None or in_voila():
            return  # nothing drawn yet, or no notebook (a terminal shows the table)
        png, tag = self._still()
        still = display(
            {"text/html": f"<div>{tag}<div>{escape(STILL_CAPTION)}</div></div>", "image/png": png},
            raw=True,
            display_id=True,
        )

        def clear_still(change: dict[str, Any]) -> None:
            if change["new"]:
                still.update({"text/plain": ""}, raw=True)
                self.unobserve(clear_still, names="_view_count")

        self.observe(clear_still, names="_view_count")

    def _still(self: StillState) -> tuple[bytes, str]:
        """The diagram now shown as a PNG and an ``<img>`` carrying it (one kept)."""
        drawn, highlight = self._drawing()
        key = (drawn, self.theme.value, highlight, self._hidden)
        if self._last_still[0] != key:
            png, tag, _ = embedded_image(
                drawn,
                THEMES[self.theme.value],
                highlight,
                "png",
                self.variant,
                self._hidden,
            )
            self._last_still = (key, (png, tag))
        return self._last_still[1]


#: The panels each notebook cell's latest run made: cell -> (that run's request, panels).
CELL_PANELS: dict[str, tuple[str, list[widgets.Widget]]] = {}


def release_earlier_runs(panel: widgets.Widget) -> None:
    """Close the panels an earlier run of the running cell made, and note ``panel``.

    The previous run's output is gone from the page, but its widgets, observers and
    figures would stay in the kernel until the kernel ends. Panels made by one run
    (``a = panel(); b = panel()``) all stay.
    """
    running = running_cell()
    if running is None:
        return
    cell, run = running
    last_run, panels = CELL_PANELS.get(cell, (run, []))
    if last_run != run:
        for earlier in panels:
            earlier.close()  # which forgets it
        panels = []
    CELL_PANELS[cell] = (run, [*panels, panel])


def forget(panel: widgets.Widget) -> None:
    """Drop a closed ``panel`` from :data:`CELL_PANELS`."""
    for cell, (run, panels) in list(CELL_PANELS.items()):
        rest = [p for p in panels if p is not panel]
        if not rest:
            del CELL_PANELS[cell]
        elif len(rest) < len(panels):
            CELL_PANELS[cell] = (run, rest)
