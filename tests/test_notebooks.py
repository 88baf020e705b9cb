"""Every notebook runs top to bottom in a fresh kernel, with Keras and PyTorch present.

With the frameworks installed no notebook may fall back to its "not available"
message: the framework cells must really run and confirm the counts. A static render
of each executed notebook (nbconvert's HTML, with no widget manager, as GitHub and
nbviewer show it) must still carry the diagrams as images. ``test_binder.py`` runs
the same notebooks without the frameworks.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbconvert import HTMLExporter
from notebook_support import MISSING_FRAMEWORK, NOTEBOOKS, errors, execute, stream_text

pytestmark = pytest.mark.frameworks

EMBEDDED_PNG = re.compile(r'<img[^>]+src="data:image/png;base64,')


def test_the_notebooks_are_stored_without_outputs():
    assert len(NOTEBOOKS) >= 4
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (path.name, cell.source)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("executed")
    return {path.name: nbformat.read(execute(path, out), as_version=4) for path in NOTEBOOKS}


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_notebook_runs_with_every_framework_cell(executed, name):
    nb = executed[name]
    assert errors(nb) == []
    printed = stream_text(nb)
    assert MISSING_FRAMEWORK not in printed
    assert "Skipped" not in printed


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_static_render_shows_the_diagram(executed, name):
    html, _ = HTMLExporter().from_notebook_node(executed[name])
    assert EMBEDDED_PNG.search(html), f"{name} shows no diagram without widgets"


def test_seed_notebook_reproduces_keras_numbers(executed):
    printed = stream_text(executed["01_seed_question.ipynb"])
    assert "per layer: [480, 11]\ntotal: 491" in printed
    assert "x 10, ten isolated units:    120" in printed
    assert "= 48; × 10 units = 480" in printed
    assert "360 = 480 - 120" in printed


def test_gallery_confirms_each_entry_with_a_framework(executed):
    printed = stream_text(executed["02_frameworks_side_by_side.ipynb"])
    confirmations = re.findall(r"counted ([\d,]+) \| framework's own ([\d,]+) -> (\w+)", printed)
    assert len(confirmations) >= 15
    assert all(ours == theirs and verdict == "matches" for ours, theirs, verdict in confirmations)


def test_own_model_notebook_reconciles_and_reports_a_bad_name(executed):
    printed = stream_text(executed["04_your_own_model.ipynb"])
    assert "matches PyTorch: True" in printed
    assert "UsageError: 'no_such_model' is not defined" in printed
    assert "Traceback" not in printed


def test_own_model_notebook_leads_with_the_compact_summary_and_finds_the_384m(executed):
    printed = stream_text(executed["04_your_own_model.ipynb"])
    assert re.search(r"^Layer +Type +Output shape +Param # +Formula +Reconciles$", printed, re.M)
    assert "about 384M parameters" in printed
    # The sentence wraps to the report's width; its words are what is checked.
    words = " ".join(printed.split())
    assert "matches PyTorch sum(p.numel() for p in parameters()) = 384,144,000." in words


def test_own_model_notebook_sets_an_lstm_beside_the_package_s_slstm_and_mlstm(executed):
    import torch
    from xlstm_models import build

    from lstm_widget.counting_xlstm import XlstmSizes

    printed = stream_text(executed["04_your_own_model.ipynb"])
    lstm = sum(p.numel() for p in torch.nn.LSTM(32, 32).parameters())
    assert f"LSTM: {lstm:,} parameters, matches PyTorch: True" in printed
    for cell in ("slstm", "mlstm"):
        stack = build(XlstmSizes(cell, 32, heads=4, scope="stack"), context=16)
        name = f"{cell[0]}LSTM"
        total = sum(p.numel() for p in stack.parameters())
        assert f"{name}: {total:,} parameters, matches PyTorch: True" in printed
    # Four heads keep a quarter of each of the LSTM's 4 × d² input and recurrent weights.
    full, cut = 4 * 32 * 32, 4 * 32 * 32 // 4
    assert f"from {full:,} and {full:,} to {cut:,} and {cut:,}" in printed
