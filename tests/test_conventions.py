"""The registry is consistent with itself and with the code registered against its keys.

Adding a cell or a convention is one spec plus what it names (a builder, a drawing, an
adapter); these checks say which piece is missing when one is forgotten.
"""

import ast
import sys
from pathlib import Path

import pytest

from lstm_widget import Settings, SettingsError, breakdown, conventions
from lstm_widget.conventions import (
    CANDIDATE,
    CELL_SPECS,
    FRAMEWORK_SPECS,
    OPTIONS,
    Highlights,
    applies_to,
    option_refusal,
    setting_help,
    with_article,
)
from lstm_widget.counting.builders import BUILDERS
from lstm_widget.introspect._registry import ADAPTERS
from lstm_widget.layout.canvas import registered_drawing

CONVENTIONS = [
    (framework, cell) for framework, spec in FRAMEWORK_SPECS.items() for cell in spec.cells
]


@pytest.mark.parametrize(("framework", "cell"), CONVENTIONS)
def test_every_convention_stores_its_cells_gates_and_only_its_options(framework, cell):
    layout, spec = FRAMEWORK_SPECS[framework].cells[cell], CELL_SPECS[cell]
    stored = sorted(layout.stable_gate(letter) for letter in layout.gate_order)
    assert stored == sorted(spec.gate_names)
    assert set(layout.options) <= set(spec.options) <= set(OPTIONS)
    assert (CANDIDATE in spec.gate_names) == (layout.candidate is not None)
    assert layout.second_bias_when in (None, *layout.options)


def test_every_key_has_its_code_registered():
    builders = {spec.builder for spec in FRAMEWORK_SPECS.values()}
    builders |= {c.builder for spec in FRAMEWORK_SPECS.values() for c in spec.cells.values()}
    assert builders - {""} <= set(BUILDERS)
    for spec in CELL_SPECS.values():
        registered_drawing(spec.drawing)  # a LookupError names a missing one
    adapters = {spec.adapter for spec in FRAMEWORK_SPECS.values()} - {None}
    assert adapters == set(ADAPTERS)  # none missing, none left over


def test_options_neutral_values_are_the_settings_defaults():
    defaults = Settings()
    assert {name: getattr(defaults, name) for name in OPTIONS} == {
        name: option.neutral for name, option in OPTIONS.items()
    }


def test_an_option_outside_its_scope_is_refused_with_the_layers_it_applies_to():
    assert applies_to("proj_size") == (
        "PyTorch LSTM",
        "TF1 LSTMCell",
        "minGRU-pytorch minGRU",
        "minGRU-pytorch minLSTM",
    )
    assert applies_to("reset_after") == ("Keras GRU",)
    assert option_refusal("proj_size", 0, "keras", "gru") is None  # neutral: fine anywhere
    assert option_refusal("reset_after", False, "keras", "gru") is None
    assert option_refusal("peepholes", True, "pytorch", "lstm") == (
        "peepholes=True applies only to an ONNX LSTM or a TF1 LSTMCell, not a PyTorch LSTM; "
        "use peepholes=False."
    )
    with pytest.raises(SettingsError, match=r"^reset_after=False applies only to a Keras GRU"):
        breakdown(framework="onnx", cell="gru", reset_after=False)
    assert setting_help("proj_size") == (
        "PyTorch LSTM, TF1 LSTMCell, minGRU-pytorch minGRU, minGRU-pytorch minLSTM "
        "proj_size, 0 for none (default: 0)"
    )


@pytest.mark.parametrize(
    ("noun", "said"),
    [
        # Initialisms are said letter by letter: a single letter, all capitals, or a
        # small letter before capitals.
        ("LSTM", "an LSTM"),
        ("GRU", "a GRU"),
        ("RNN", "an RNN"),
        ("ONNX LSTM", "an ONNX LSTM"),
        ("TF1 LSTMCell", "a TF1 LSTMCell"),
        ("sLSTM", "an sLSTM"),
        ("mLSTM", "an mLSTM"),
        ("h", "an h"),
        # Words by their first sound; an x before a consonant is said "ex".
        ("xlstm sLSTMBlock", "an xlstm sLSTMBlock"),
        ("str", "a str"),
        ("numpy.ndarray", "a numpy.ndarray"),
        ("minGRU", "a minGRU"),
        ("Keras GRU", "a Keras GRU"),
        ("SimpleRNN", "a SimpleRNN"),
        ("int", "an int"),
    ],
)
def test_an_article_follows_how_the_name_is_said(noun, said):
    assert with_article(noun) == said


def test_highlights_offer_roles_then_gates_and_fade_their_own_kind():
    rules = Highlights.of("gru", ["bias", "input", "recurrent"])
    assert rules.choices == ("input", "recurrent", "bias", "r", "z", CANDIDATE)
    assert rules.label("r") == "reset gate (r)" and rules.label(CANDIDATE) == CANDIDATE
    assert rules.resolve("n") == CANDIDATE  # PyTorch's letter, the same candidate
    assert rules.carry("f") is None and rules.carry("g") == CANDIDATE
    assert "z" in rules.rivals("r") and "bias" not in rules.rivals("r")
    with pytest.raises(SettingsError, match="highlight must be one of input, recurrent, bias"):
        rules.resolve("peephole")


def test_the_registry_imports_only_stdlib_and_itself():
    """The bottom of the import order: nothing of the package above it, nothing installed."""
    for path in Path(conventions.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, (path.name, node.module)  # within conventions/
            elif isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] in sys.stdlib_module_names, path.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in sys.stdlib_module_names, path.name


def test_a_cell_a_framework_lacks_is_refused_with_the_frameworks_that_have_it():
    assert conventions.cell_refusal("convlstm", "keras") is None
    assert conventions.cell_refusal("convlstm", "onnx") == (
        "cell='convlstm' (ConvLSTM) exists only in Keras, not in ONNX; use framework='keras'."
    )
    assert applies_to("kernel") == ("Keras ConvLSTM",)
    assert conventions.layer_name("keras", "convlstm", (3, 3)) == "Keras ConvLSTM2D"
