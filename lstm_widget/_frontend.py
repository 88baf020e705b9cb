"""What the kernel can tell about the frontend it serves, asked by capability.

Which notebook cell is running, whether the frontend can show widgets, and whether it
is Voila. Each is answered from what the kernel object can do rather than from its
class, so that ipykernel (JupyterLab, Notebook 7, VS Code, Colab, Voila) and
JupyterLite's Pyodide kernel, whose shell and kernel are classes of their own, are
both recognised.

The module imports neither matplotlib nor ipywidgets, so the magic can ask before it
builds a panel, and JupyterLite can be checked without matplotlib.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from typing import Any


def has_widget_frontend(shell: object) -> bool:
    """Whether ``shell`` is served by a kernel that can show widgets in a frontend.

    Widgets need the comm protocol: ipykernel's kernel and the Pyodide kernel both
    have a comm manager; a terminal IPython has no kernel at all.
    """
    return getattr(getattr(shell, "kernel", None), "comm_manager", None) is not None


def running_cell() -> tuple[str, str] | None:
    """The notebook cell whose code is running now, and this run's request id.

    JupyterLab and Notebook 7 name the cell in each execute request's metadata
    (``cellId``), JupyterLite's too. Where a frontend does not (nbclient, and so
    Voila; classic notebook frontends), the cell's source stands in for its name:
    re-running an unchanged cell is what a re-run usually is, and an edited cell's
    old panel simply stays until closed. ``None`` outside a kernel, or where no cell
    runs (a widget callback, say).
    """
    from IPython import get_ipython

    request = _parent_request(getattr(get_ipython(), "kernel", None))
    if request is None or request.get("header", {}).get("msg_type") != "execute_request":
        return None
    cell = request.get("metadata", {}).get("cellId")
    if isinstance(cell, str) and cell:
        key = f"id:{cell}"
    else:
        key = f"source:{request['content']['code']}"
    return key, str(request["header"]["msg_id"])


def _parent_request(kernel: object) -> Mapping[str, Any] | None:
    """The message the kernel is answering now, or ``None`` where it cannot say.

    ipykernel keeps one per channel and is asked for the shell's; the Pyodide kernel
    has one channel and its ``get_parent()`` takes no argument.
    """
    get_parent: Callable[..., Any] | None = getattr(kernel, "get_parent", None)
    if get_parent is None:
        return None
    request = get_parent("shell") if _takes_channel(get_parent) else get_parent()
    return request if isinstance(request, Mapping) else None


def _takes_channel(get_parent: Callable[..., Any]) -> bool:
    try:
        inspect.signature(get_parent).bind("shell")
    except TypeError:
        return False
    return True


def in_voila() -> bool:
    """Whether Voila runs this kernel: it names itself in the CGI-style variables it sets.

    Voila shows every widget, and renders other outputs once, as static HTML: a still
    left there could never be cleared.
    """
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")
