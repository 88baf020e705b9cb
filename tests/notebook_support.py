"""Execute the project's notebooks in a fresh kernel and read what they produced.

Used in-process by ``test_notebooks.py`` and, as a script, by ``test_binder.py`` inside
the Binder-like virtual environment, so the kernel always runs the interpreter whose
packages are under test::

    python tests/notebook_support.py OUTPUT_DIR NOTEBOOK [NOTEBOOK ...]

Needs only nbclient, nbformat and ipykernel, which every Jupyter install has.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

#: Per cell; the slowest cells build Keras models or import matplotlib on first use.
CELL_TIMEOUT = 300

#: The sentence each notebook prints where a framework it would use is missing.
MISSING_FRAMEWORK = "is not available here"


def execute(source: Path, output_dir: Path) -> Path:
    """Run ``source`` top to bottom in a fresh kernel; the executed copy's path.

    The kernel starts in the notebooks folder, as it would in JupyterLab. A cell that
    fails raises ``nbclient.exceptions.CellExecutionError`` unless it is tagged
    ``raises-exception`` (a deliberate error shown to the reader).
    """
    nb = nbformat.read(source, as_version=4)
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
    ).execute()
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / source.name
    nbformat.write(nb, target)
    return target


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def stream_text(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed, stdout and stderr."""
    return "".join(
        output.get("text", "")
        for cell in code_cells(nb)
        for output in cell.outputs
        if output.output_type == "stream"
    )


def mime_types(nb: nbformat.NotebookNode) -> set[str]:
    """Every mimetype among the notebook's rich outputs."""
    return {
        mime
        for cell in code_cells(nb)
        for output in cell.outputs
        if output.output_type in ("display_data", "execute_result")
        for mime in output.data
    }


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """``ename: evalue`` of every error output, and the cells they came from."""
    return [
        f"{output.ename}: {output.evalue} in\n{cell.source}"
        for cell in code_cells(nb)
        for output in cell.outputs
        if output.output_type == "error"
    ]


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for notebook in sys.argv[2:]:
        print(execute(Path(notebook), out))
