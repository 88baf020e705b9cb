"""Where every box, line and label of the diagram goes: pure geometry, no matplotlib.

:func:`layout` turns a :class:`~lstm_widget.counting.Breakdown` into a :class:`Layout`:
a canvas size and a flat tuple of value objects (:class:`Label`, :class:`Rect`,
:class:`Circle`, :class:`Path`, :class:`Polygon`) in points, with y growing downwards.
Painting (``painting.py``) is a thin step over this.

The rooms, from the bottom up:

``items``
    text metrics, the value objects, :class:`Layout`, the drawing primitives and the
    two variants' :class:`Sizes`
``cards``
    a gate's weight card
``canvas``
    what a cell schematic draws on, :func:`register_drawing`, and the cell drawing
    (schematic over cards)
``cells``
    the schematics, one per drawing key: add a schematic here
``strip``
    a layer's settings as a strip of its layers, above the cell
``model_strip``
    a whole model as a strip of boxes, one a layer of its summary
``compose``
    the whole drawing in either variant, and its counts hidden for a quiz
``xlstm``
    xLSTM's sLSTM and mLSTM blocks drawn for a lecture, from their own sizes
"""

from __future__ import annotations

from . import cells, xlstm  # noqa: F401  (register the schematics and xLSTM's drawing)
from .canvas import Canvas, register_drawing
from .compose import check_block, layout
from .items import (
    FONT_FAMILY,
    LECTURE,
    Circle,
    Ink,
    Item,
    Label,
    Layout,
    LineStyle,
    Path,
    Polygon,
    Rect,
    text_width,
)

__all__ = [
    "FONT_FAMILY",
    "LECTURE",
    "Canvas",
    "Circle",
    "Ink",
    "Item",
    "Label",
    "Layout",
    "LineStyle",
    "Path",
    "Polygon",
    "Rect",
    "check_block",
    "layout",
    "register_drawing",
    "text_width",
]
