"""Compare mode: differences read off two breakdowns' groups, and the panel's selector."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import any_settings

import lstm_widget
from lstm_widget import Settings, SettingsError, breakdown
from lstm_widget.compare import (
    compare,
    compare_with,
    describe_changes,
    parse_changes,
    suggestions,
)


def _text(html: str) -> str:
    """What a reader sees of ``html``: its text, tags dropped."""
    return re.sub(r"<[^>]+>", "", html)


def test_the_seed_against_pytorch_is_the_second_bias_with_its_formula() -> None:
    result = compare_with(breakdown(), {"framework": "pytorch"})
    assert result.sentences() == ["PyTorch LSTM adds a second bias per gate: 4 × 10 = 40"]
    assert result.totals() == "Keras LSTM: 480 → PyTorch LSTM: 520 (+40)"
    assert result.drawn.settings.framework == "pytorch"
    assert result.marks == ("second_bias",)


def test_each_confusion_of_the_issue_is_one_derived_sentence() -> None:
    gru = compare_with(breakdown(cell="gru", units=5, input_size=2), {"reset_after": False})
    assert gru.sentences() == [
        "Keras GRU with reset_after=False drops a second bias per gate: 3 × 5 = 15"
    ]
    stacked = compare_with(breakdown(layers=2), {"bidirectional": True})
    # Layer 2 of a bidirectional stack sees 2h = 20 inputs: its input weights double.
    assert stacked.sentences() == [
        "Keras LSTM with bidirectional=True adds a backward direction in 2 layers: "
        "(40 + 400 + 40) + (800 + 400 + 40) = 1,720",
        "Keras LSTM with bidirectional=True changes the input weights: "
        "4 × 10 + 4 × 100 = 440 → 4 × 10 + 4 × 200 = 840, +400",
    ]
    projected = compare_with(breakdown(framework="pytorch"), {"proj_size": 5})
    assert "PyTorch LSTM with proj_size=5 adds a projection: 5×10 = 50" in projected.sentences()
    peep = compare_with(breakdown(framework="onnx"), {"peepholes": True})
    assert peep.sentences() == [
        "ONNX LSTM with peepholes=True adds peepholes per gate: 3 × 10 = 30"
    ]


def test_options_the_other_layer_lacks_fall_back_and_go_unsaid() -> None:
    result = compare_with(breakdown(cell="gru", reset_after=False), {"framework": "pytorch"})
    assert result.after.settings.reset_after is True  # PyTorch's GRU, which has no option
    assert result.sentences() == ["PyTorch GRU adds a second bias per gate: 3 × 10 = 30"]


def test_the_same_weights_say_so() -> None:
    same = compare_with(breakdown(), {"units": 10})
    assert same.changes == ()
    assert same.sentences() == ["Keras LSTM has the same weights."]


@settings(max_examples=150, deadline=None)
@given(any_settings(widths=st.integers(1, 60)), st.data())
def test_the_changes_account_for_every_parameter(chosen: dict[str, Any], data: Any) -> None:
    before = breakdown(**chosen)
    changes = data.draw(st.sampled_from(suggestions(before.settings)))
    result = compare_with(before, changes)
    assert sum(c.delta for c in result.changes) == result.after.total - before.total
    for change in result.changes:
        # Every formula ends in the number it explains.
        assert change.formula.endswith(f"{abs(change.delta):,}"), change
        assert change.verb in ("adds", "drops", "changes")
        if change.verb == "adds":
            assert change.delta > 0
        if change.verb == "drops":
            assert change.delta < 0
    assert compare(before, before).changes == ()


def test_suggestions_are_all_valid_and_come_from_the_registry() -> None:
    for framework in ("keras", "pytorch", "onnx"):
        for cell in ("lstm", "gru", "rnn"):
            found = suggestions(Settings(framework=framework, cell=cell))  # type: ignore[arg-type]
            names = {name for changes in found for name in changes}
            assert ("proj_size" in names) == ((framework, cell) == ("pytorch", "lstm"))
            assert ("peepholes" in names) == ((framework, cell) == ("onnx", "lstm"))
            assert ("reset_after" in names) == ((framework, cell) == ("keras", "gru"))
            for changes in found:
                compare_with(breakdown(framework=framework, cell=cell), changes)


def test_a_width_step_keeps_the_panels_compare_choices() -> None:
    """A drag on a width sends the new diagram, not a new list of comparisons."""
    p = lstm_widget.panel(units=10, input_size=1, dense=1)
    try:
        offered = p.compare.options
        for setting in ("units", "input_size"):
            p.controls[setting].value += 1
            assert p.compare.options is offered, setting
    finally:
        p.close()


def test_changes_parse_and_print_back() -> None:
    text = "framework=pytorch, bias=False, units=1_000"
    assert parse_changes(text) == {"framework": "pytorch", "bias": False, "units": 1000}
    assert parse_changes(describe_changes({"bias": False, "units": 20})) == {
        "bias": False,
        "units": 20,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour=red", "compare takes SETTING=VALUE pairs"),
        ("units", "compare takes SETTING=VALUE pairs"),
        ("bias=maybe", "bias must be true or false, not 'maybe'."),
        ("units=many", "units must be an integer, not 'many'."),
        ("", "compare needs at least one SETTING=VALUE pair"),
    ],
)
def test_bad_changes_are_one_sentence(text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        parse_changes(text)
    assert str(caught.value).count("\n") == 0


def test_an_impossible_comparison_is_refused_in_one_sentence() -> None:
    with pytest.raises(SettingsError, match="proj_size"):
        compare_with(breakdown(), {"proj_size": 3})
    with pytest.raises(SettingsError, match="not 'colour'"):
        compare_with(breakdown(), {"colour": 3})


def test_the_panel_compares_and_follows_the_controls() -> None:
    p = lstm_widget.panel(compare={"framework": "pytorch"}, variant="lecture")
    try:
        assert p.compare.value == "framework=pytorch"
        assert "PyTorch LSTM adds a second bias per gate: 4 × 10 = 40" in _text(p.comparison.value)
        assert "4 × 10 = 40" in _text(p.comparison.value)
        assert p._drawing() == (p.compared.drawn, ("second_bias",))  # type: ignore[union-attr]
        p.controls["units"].value = 20
        assert p.compared is not None and p.compared.before == p.result
        assert "4 × 20 = 80" in _text(p.comparison.value)
        # A chosen highlight wins over the mark.
        p.highlight.value = "f"
        assert p._drawing()[1] == "f"
        p.compare.value = "bidirectional=True"
        assert "adds the backward direction" in _text(p.comparison.value)
        p.compare.value = ""
        assert p.compared is None and p.comparison.value == ""
        assert p._drawing() == (p.result, "f")
    finally:
        p.close()


def test_a_comparison_that_cannot_be_counted_is_a_message_and_the_panel_works() -> None:
    p = lstm_widget.panel(framework="pytorch", compare="proj_size=5")
    try:
        assert p.compared is not None
        p.controls["framework"].value = "keras"  # Keras has no proj_size
        assert p.compared is None
        assert "Cannot compare with proj_size=5" in _text(p.comparison.value)
        assert p.error is None and p.result.settings.framework == "keras"
        p.controls["units"].value = 12
        assert p.result.settings.units == 12
    finally:
        p.close()


def test_the_static_fallback_carries_the_comparison() -> None:
    p = lstm_widget.panel(compare="framework=pytorch")
    try:
        html = p._repr_mimebundle_()["text/html"]
        assert "PyTorch LSTM adds a second bias per gate: 4 × 10 = 40" in _text(html)
    finally:
        p.close()


@pytest.mark.parametrize("bad", ["colour=red", {"units": 0}])
def test_the_panel_refuses_a_bad_comparison(bad: Any) -> None:
    with pytest.raises(SettingsError):
        lstm_widget.panel(compare=bad)


def test_a_stack_of_different_widths_compares_layer_by_layer() -> None:
    stack = breakdown(units=(32, 16), input_size=8)
    result = compare_with(stack, {"framework": "pytorch"})
    assert result.sentences() == [
        "PyTorch LSTM adds a second bias per gate: 4 × 32 + 4 × 16 = 192"
    ]
    assert {"layers", "units"}.isdisjoint(k for c in suggestions(stack.settings) for k in c)


def test_every_role_whose_weights_differ_is_marked_on_the_drawn_side() -> None:
    stack = compare_with(breakdown(layers=2), {"bidirectional": True})
    # The backward blocks bring every role; layer 2's input weights also grow.
    assert stack.marks == ("input", "recurrent", "bias")
    wider = compare_with(breakdown(dense=1), {"units": 20})
    assert wider.marks == ("input", "recurrent", "bias", "dense")
    # Dropping the biases draws the side that has them, with them marked.
    fewer = compare_with(breakdown(framework="pytorch"), {"bias": False})
    assert fewer.drawn is fewer.before and fewer.marks == ("bias", "second_bias")
    # A projection narrower than h shrinks U more than it adds: the side without it
    # is drawn, its recurrent weights marked (it has no projection to mark).
    projected = compare_with(breakdown(framework="pytorch"), {"proj_size": 5})
    assert projected.drawn is projected.before and projected.marks == ("recurrent",)
    assert compare_with(breakdown(), {"units": 10}).marks == ()


def test_the_panel_marks_every_differing_role() -> None:
    p = lstm_widget.panel(layers=2, compare="bidirectional=True")
    try:
        assert p._drawing()[1] == ("input", "recurrent", "bias")
        p.compare.value = "framework=pytorch"
        assert p._drawing()[1] == ("second_bias",)
        p.controls["framework"].value = "pytorch"  # now the same weights: nothing marked
        assert p.compared is not None and p.compared.changes == ()
        assert p._drawing()[1] is None
    finally:
        p.close()
