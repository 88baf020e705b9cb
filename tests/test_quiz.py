"""Predict, then reveal: each wrong formula of the catalogue, term by term."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_widget import SettingsError, breakdown
from lstm_widget.quiz import CATALOGUE, Question

WIDTHS = st.integers(1, 300)
STEPS = st.integers(2, 500)
BY_KEY = {m.key: m for m in CATALOGUE}


def _value(key: str, b: object, timesteps: int = 0) -> int | None:
    return BY_KEY[key].count(b, timesteps)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(x=WIDTHS, h=WIDTHS, t=STEPS)
def test_each_wrong_formula_on_a_keras_lstm(x: int, h: int, t: int) -> None:
    b = breakdown(input_size=x, units=h)
    assert _value("own_recurrent_only", b) == 4 * (x + 1 + 1) * h
    assert _value("cross_unit_only", b) == (4 * h * (h - 1) or None)
    assert _value("no_bias", b) == 4 * (x + h) * h
    assert _value("three_gates", b) == 3 * (x + h + 1) * h
    assert _value("gru_for_lstm", b) == 3 * (x + h + 2) * h  # Keras 3's GRU
    assert _value("times_timesteps", b, t) == 4 * (x + h + 1) * h * t
    assert _value("timesteps_as_features", b, t) == (4 * (t + h + 1) * h if t != x else None)
    for key in ("twice_one_direction", "one_bias", "keras2_gru"):
        assert _value(key, b, t) is None  # no bidirectional stack, one bias, no GRU


@settings(max_examples=40, deadline=None)
@given(x=WIDTHS, h=WIDTHS)
def test_the_wrong_formulas_of_other_settings(x: int, h: int) -> None:
    stack = breakdown(input_size=x, units=h, layers=2, bidirectional=True)
    one_direction = 4 * (x + h + 1) * h + 4 * (h + h + 1) * h
    assert _value("twice_one_direction", stack) == 2 * one_direction
    torch = breakdown(input_size=x, units=h, framework="pytorch")
    assert _value("one_bias", torch) == 4 * (x + h + 1) * h
    gru = breakdown(input_size=x, units=h, cell="gru")
    assert _value("keras2_gru", gru) == 3 * (x + h + 1) * h
    assert _value("three_gates", gru) is None and _value("gru_for_lstm", gru) is None
    assert _value("one_bias", gru) is None  # Keras's second bias is keras2_gru's


def test_the_seed_guess_is_diagnosed_and_marks_the_recurrent_weights() -> None:
    verdict = Question(breakdown(dense=1)).check(120)
    assert not verdict.right
    assert [d.key for d in verdict.diagnoses] == ["own_recurrent_only"]
    assert verdict.mark == "recurrent"
    assert "all 10 previous outputs" in verdict.message


def test_ties_offer_every_candidate() -> None:
    verdict = Question(breakdown()).check(360)
    assert {d.key for d in verdict.diagnoses} == {"cross_unit_only", "three_gates"}
    assert {d.mark for d in verdict.diagnoses} == {"recurrent", "candidate"}


@pytest.mark.parametrize(
    ("settings", "timesteps", "guess_of", "key"),
    [
        (dict(framework="pytorch"), 0, "one_bias", "one_bias"),
        (dict(layers=2, bidirectional=True), 0, "twice_one_direction", "twice_one_direction"),
        (dict(cell="gru"), 0, "keras2_gru", "keras2_gru"),
        (dict(), 3, "times_timesteps", "times_timesteps"),
        (dict(), 3, "timesteps_as_features", "timesteps_as_features"),
    ],
)
def test_each_setting_of_the_issue_gets_its_diagnosis(
    settings: dict[str, object], timesteps: int, guess_of: str, key: str
) -> None:
    b = breakdown(**settings)  # type: ignore[arg-type]
    guess = _value(guess_of, b, timesteps)
    assert guess is not None
    verdict = Question(b, timesteps=timesteps).check(guess)
    assert key in [d.key for d in verdict.diagnoses]
    assert verdict.mark == BY_KEY[key].mark


def test_right_other_count_and_unknown_guesses() -> None:
    b = breakdown(dense=1)
    assert Question(b).check(480).right
    assert Question(b, wants="model").check(491).right
    layer_asked = Question(b).check(491)
    assert "model with its dense head" in layer_asked.message and layer_asked.mark == "dense"
    model_asked = Question(b, wants="model").check(480)
    assert "layer without its dense head" in model_asked.message
    # A wrong formula aimed at the model: the head's 11 on top of the seed's 120.
    assert [d.key for d in Question(b, wants="model").check(131).diagnoses] == [
        "own_recurrent_only"
    ]
    unknown = Question(b).check(500)
    assert unknown.diagnoses == () and "20 above the count" in unknown.message
    assert unknown.mark is not None and "Hint" in unknown.message


def test_the_input_reads_as_the_framework_writes_it() -> None:
    assert Question(breakdown(dense=1), timesteps=3).code() == (
        "Sequential([Input(shape=(3, 1)), LSTM(10), Dense(1)])"
    )
    torch = Question(breakdown(framework="pytorch", layers=2), timesteps=3).code()
    assert torch.startswith("nn.LSTM(input_size=1, hidden_size=10, num_layers=2)")
    assert "(3, 1)" in torch


def test_bad_questions_are_one_sentence() -> None:
    with pytest.raises(SettingsError, match="only when it has a dense head"):
        Question(breakdown(), wants="model")
    with pytest.raises(SettingsError, match="layer or model"):
        Question(breakdown(), wants="all")  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="timesteps"):
        Question(breakdown(), timesteps=-1)
