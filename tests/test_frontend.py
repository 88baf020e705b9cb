"""The running-cell lookup and the widget-frontend check, without a frontend.

ipykernel is exercised for real (``tests/test_panel.py`` runs a kernel, and the
browser tests run JupyterLab, Notebook 7 and Voila); JupyterLite's Pyodide kernel runs
only in a browser (``tests/test_jupyterlite.py``). Here: a terminal shell, and a kernel
whose ``get_parent`` has the Pyodide kernel's signature, which takes no channel.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from lstm_widget import _frontend


class _OneChannelKernel:
    """A kernel whose ``get_parent()`` takes no channel, as ``pyodide_kernel``'s."""

    def __init__(self, parent: dict[str, Any]) -> None:
        self._parent_header = parent
        self.comm_manager = object()

    def get_parent(self) -> dict[str, Any]:
        return self._parent_header


def _execute_request(metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": {"msg_id": "run-1", "msg_type": "execute_request"},
        "metadata": metadata,
        "content": {"code": "lstm_widget.panel()"},
    }


@pytest.fixture
def shell_with(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make ``get_ipython()`` return a shell served by the given kernel."""

    def install(kernel: object) -> object:
        shell = type("Interpreter", (), {"kernel": kernel})()
        monkeypatch.setattr("IPython.get_ipython", lambda: shell)
        return shell

    return install


@pytest.mark.parametrize(
    ("metadata", "key"),
    [({"cellId": "c01"}, "id:c01"), ({}, "source:lstm_widget.panel()")],
)
def test_a_kernel_without_channels_names_the_running_cell(
    shell_with: Any, metadata: dict[str, Any], key: str
) -> None:
    shell = shell_with(_OneChannelKernel(_execute_request(metadata)))
    assert _frontend.running_cell() == (key, "run-1")
    assert _frontend.has_widget_frontend(shell)


def test_no_cell_runs_in_a_widget_callback(shell_with: Any) -> None:
    comm_message = _execute_request({}) | {"header": {"msg_id": "m", "msg_type": "comm_msg"}}
    shell_with(_OneChannelKernel(comm_message))
    assert _frontend.running_cell() is None


def test_a_terminal_has_no_widget_frontend_and_no_cell() -> None:
    shell = InteractiveShell.instance()
    try:
        assert not _frontend.has_widget_frontend(shell)
        assert _frontend.running_cell() is None
    finally:
        InteractiveShell.clear_instance()


def test_asking_loads_neither_matplotlib_nor_ipywidgets() -> None:
    """The magic asks before it builds a panel, and JupyterLite may have no matplotlib."""
    script = (
        "import sys; from lstm_widget import _frontend, magics; "
        "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
