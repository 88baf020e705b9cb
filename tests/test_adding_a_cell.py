"""Adding a cell, as CONTRIBUTING.md lists it, gives every view of it.

A toy cell, the minimal gated unit (MGU: a forget gate and a candidate, Zhou et al.,
2016), is registered in a scratch registry the way a contributor adds one: a
:class:`CellSpec`, a :class:`CellConvention` in the framework that has it and a
schematic; Keras's builder already writes any gate order, so it needs no builder.
Then every front end is asked about it: the count, the diagram, the command line,
the magic, the panel, a comparison, the quiz and the documentation's tables. The
registry is put back afterwards, so nothing of the toy leaks into other tests.

The steps are CONTRIBUTING.md's list; :data:`CHECKLIST` keeps the two the same.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from lstm_widget import breakdown, cli, magics, panel
from lstm_widget.compare import compare_with, suggestions
from lstm_widget.conventions import (
    CANDIDATE,
    CELLS,
    KERAS,
    CellConvention,
    CellSpec,
    GateSpec,
    cell_refusal,
    register_cell,
    register_framework,
    scratch,
    setting_help,
)
from lstm_widget.diagram import render
from lstm_widget.layout import Canvas, Item, layout, register_drawing
from lstm_widget.layout.canvas import top_row
from lstm_widget.quiz import Question
from lstm_widget.snippets import write_code

ROOT = Path(__file__).resolve().parents[1]

#: CONTRIBUTING.md's steps for adding a cell family, each as its list says it; the
#: toy below takes each of them (the builder only where the tensors are new).
CHECKLIST = (
    "one `CellSpec` in `conventions/cells.py`",
    "a `CellConvention` for it in each framework that has it",
    '`@register_builder("<key>")`',
    '`@register_drawing("<key>", out_column=...)`',
)

#: The toy's layer: x inputs, h units, in Keras.
X, H = 3, 4
#: Two blocks (the forget gate and the candidate), each x·h + h·h + h.
EXPECTED = 2 * (X * H + H * H + H)

MGU = CellSpec(
    key="mgu",
    label="MGU",
    gates=(GateSpec("f", "forget gate"), GateSpec(CANDIDATE, CANDIDATE)),
    drawing="mgu",
    # σ for f, tanh for the candidate; f⊙h (the candidate's input), (1 − f)⊙h and
    # f⊙h̃; 1 − f and the sum.
    elementwise=(2, 3, 2),
)


def _mgu_schematic(cell: Canvas, gates: Sequence[str], top: float) -> tuple[list[Item], float]:
    """The gates side by side on the bus, the state across the top."""
    y_h = top_row(cell, top)
    y_g = y_h + cell.y(56)
    y_bus = y_g + cell.y(46)
    items: list[Item] = [cell.out_label("out:h", y_h, "hₜ")]
    for gate in gates:
        items += cell.gate_box(f"box:{gate}", cell.cols.centres[gate], y_g, "σ", gate)
    bus, bottom = cell.bus(gates, y_g, y_bus)
    return items + bus, bottom + cell.y(12)


@pytest.fixture
def toy() -> Iterator[None]:
    """The registry with the MGU added as CONTRIBUTING.md says, then put back."""
    with scratch():
        register_cell(MGU)  # 1. its CellSpec
        # 2. its CellConvention in the framework that has it (Keras's letters: h is
        # the candidate, as in Keras's GRU).
        mgu = CellConvention("MGU", ("f", "h"), candidate="h", tensor_prefix="mgu")
        register_framework(replace(KERAS, cells={**KERAS.cells, "mgu": mgu}))
        # (no builder: Keras's writes the fused blocks of any gate order)
        register_drawing("mgu", out_column=False)(_mgu_schematic)  # 3. its schematic
        yield


def test_contributings_checklist_is_the_steps_this_test_takes():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("Adding a **cell family** takes:", 1)[1].split("\n\n", 2)[1]
    steps = [" ".join(step.split()) for step in re.split(r"^\d\. ", section, flags=re.M)[1:]]
    assert len(steps) == len(CHECKLIST)
    for step, expected in zip(steps, CHECKLIST, strict=True):
        assert expected in step
    assert "tests/test_adding_a_cell.py" in text


@pytest.mark.usefixtures("toy")
def test_the_toy_is_counted_and_drawn():
    b = breakdown(framework="keras", cell="mgu", input_size=X, units=H)
    assert b.total == EXPECTED
    assert {g.stable_gate for g in b.groups} == {"f", CANDIDATE}
    # The registry's element-wise operations per unit, plus a bias addition per gate.
    work = breakdown(framework="keras", cell="mgu", input_size=X, units=H, steps=5).work
    assert work.elementwise.activations == 2 * H
    assert (work.elementwise.products, work.elementwise.additions) == (3 * H, (2 + 2) * H)
    keys = {item.key for item in layout(b).items}
    assert {"box:f", f"box:{CANDIDATE}", "card:f", f"card:{CANDIDATE}"} <= keys
    assert b"<svg" in render(b, "svg")
    assert cell_refusal("mgu", "pytorch") == (
        "cell='mgu' (MGU) exists only in Keras, not in PyTorch; use framework='keras'."
    )


@pytest.mark.usefixtures("toy")
def test_the_toy_is_a_choice_of_the_command_line(capsys):
    assert setting_help("cell").endswith(" or mgu (default: lstm)")
    assert cli.main(["--cell", "mgu", "-i", str(X), "-u", str(H)]) == 0
    assert f"{EXPECTED:,}" in capsys.readouterr().out
    assert cli.main(["--cell", "mgu", "--framework", "pytorch"]) == 2
    assert "exists only in Keras" in capsys.readouterr().err


@pytest.mark.usefixtures("toy")
def test_the_toy_is_a_choice_of_the_magic():
    # The magic's own parser and its reading of the line, without starting a shell:
    # a process-wide IPython shell would change what later tests see.
    args, given = magics._parse(["--cell", "mgu", "-i", str(X), "-u", str(H)])
    assert breakdown(**given).total == EXPECTED
    assert args.name is None


@pytest.mark.usefixtures("toy")
def test_the_toy_is_a_button_of_the_panel():
    live = panel(cell="gru", input_size=X, units=H)
    try:
        assert ("MGU", "mgu") in [tuple(o) for o in live.controls["cell"].options]
        live.controls["cell"].value = "mgu"
        assert live.error is None and live.result.total == EXPECTED
    finally:
        live.close()


@pytest.mark.usefixtures("toy")
def test_the_toy_is_compared_and_suggested():
    lstm = breakdown(cell="lstm", input_size=X, units=H)
    assert {"cell": "mgu"} in suggestions(lstm.settings)
    compared = compare_with(lstm, {"cell": "mgu"})
    assert compared.delta == EXPECTED - lstm.total
    assert f"MGU({H})" in compared.text()  # as its framework writes it


@pytest.mark.usefixtures("toy")
def test_the_toy_is_asked_about_in_its_frameworks_code():
    question = Question(breakdown(cell="mgu", input_size=X, units=H), "layer", 3)
    assert question.code() == f"Sequential([Input(shape=(3, {X})), MGU({H})])"
    assert question.code() == write_code(question.breakdown.settings, 3)
    assert question.check(EXPECTED).right
    wrong = question.check(EXPECTED - 2 * H)  # the biases left out
    assert not wrong.right and "bias" in wrong.marks


@pytest.mark.usefixtures("toy")
def test_the_toy_is_in_the_documentations_tables():
    path = ROOT / "docs" / "_ext" / "lstm_widget_docs.py"
    spec = importlib.util.spec_from_file_location("lstm_widget_docs", path)
    assert spec is not None and spec.loader is not None
    docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs)
    x, h = docs.EXAMPLE["input_size"], docs.EXAMPLE["units"]
    row = rf"\| `keras` \| Keras MGU \| `f h` \|.*\| {2 * (x * h + h * h + h):,} \|"
    assert re.search(row, "\n".join(docs.conventions_table()))
    settings = "\n".join(docs.settings_table())
    assert "`'mgu'`" in settings


def test_the_toy_is_gone_afterwards():
    assert "mgu" not in CELLS
    assert cell_refusal("lstm", "keras") is None
