"""lstm_widget: see where a recurrent layer's parameter count comes from.

``breakdown()`` counts every weight group exactly as Keras, PyTorch or ONNX store
them. Importing this package loads only stdlib code (the registry and counting); the
tables, model introspection, drawing (matplotlib) and the panel (ipywidgets) load on
first use, so ``import lstm_widget`` and ``%load_ext lstm_widget`` stay cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .counting import (
    Breakdown,
    Presentation,
    Settings,
    SettingsError,
    WeightGroup,
    breakdown,
    present_with,
    register_builder,
)
from .counting.formula import Apart, register_apart
from .counting.settings import register_check

if TYPE_CHECKING:
    from ._panel import Panel, panel
    from .diagram import draw, render
    from .growth_plot import growth
    from .introspect import IntrospectionError, ModelReport, explain

__all__ = [
    "Breakdown",
    "IntrospectionError",
    "ModelReport",
    "Panel",
    "Settings",
    "SettingsError",
    "WeightGroup",
    "breakdown",
    "draw",
    "explain",
    "growth",
    "load_ipython_extension",
    "panel",
    "render",
    "unload_ipython_extension",
]

__version__ = "0.1.0"


def _on_first_use(module: str, name: str) -> Callable[..., Any]:
    """The function ``name`` of ``module``, imported when it is first called: a
    result's tables, HTML and words load when one is first shown, not at import."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module, __name__), name)(*args, **kwargs)

    return call


# xLSTM's blocks are counted by counting_xlstm (above counting, as it reads the package's
# modules too), which loads when one is first described.
register_builder("xlstm")(_on_first_use(".counting_xlstm", "package_groups"))
register_check("xlstm", _on_first_use(".counting_xlstm", "xlstm_sizes"))
register_apart(
    "xlstm",
    Apart(
        *(
            _on_first_use(".counting_xlstm", name)
            for name in ("block_line", "block_mac_line", "stack_tail")
        )
    ),
)

# counting and introspection sit below every view, so the views hand down how a
# Breakdown and a model's report print, display, serialise and describe themselves,
# rather than those importing upwards.
present_with(
    Presentation(
        text=_on_first_use(".report", "text_table"),
        mimebundle=_on_first_use(".display", "mimebundle"),
        data=_on_first_use(".report", "breakdown_data"),
        describe=_on_first_use(".description", "describe"),
        report_text=_on_first_use(".display", "report_text"),
        report_html=_on_first_use(".display", "report_html"),
        report_strip_figure=_on_first_use(".display", "report_strip_figure"),
        report_strip=_on_first_use(".display", "report_strip"),
    )
)

#: Public names whose modules import ipywidgets or matplotlib, or read models, loaded
#: on first use.
_LAZY = {
    "explain": ".introspect",
    "ModelReport": ".introspect",
    "IntrospectionError": ".introspect",
    "panel": "._panel",
    "Panel": "._panel",
    "draw": ".diagram",
    "render": ".diagram",
    "growth": ".growth_plot",
}


#: Submodules reached as attributes (``lstm_widget.marimo.controls()``), imported on
#: first use: the marimo front end imports marimo, an optional dependency.
_SUBMODULES = frozenset({"marimo"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext lstm_widget``: register ``%lstm_params``."""
    from .magics import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext lstm_widget``: remove ``%lstm_params`` again."""
    from .magics import unload

    unload(ipython)
