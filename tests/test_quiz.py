"""Predict, then reveal: each wrong formula of the catalogue, term by term."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_widget import SettingsError, breakdown, draw
from lstm_widget.options import parse_guess
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
    assert verdict.marks == ("recurrent",)
    assert "all 10 previous outputs" in verdict.message


def test_ties_offer_every_candidate() -> None:
    verdict = Question(breakdown()).check(360)
    assert {d.key for d in verdict.diagnoses} == {"cross_unit_only", "three_gates"}
    assert {d.mark for d in verdict.diagnoses} == {"recurrent", "candidate"}
    assert set(verdict.marks) == {"recurrent", "candidate"}  # each candidate's term lit


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
    assert BY_KEY[key].mark in verdict.marks
    draw(b, highlight=verdict.marks).clear()  # each mark is a role or gate the layer has


def test_right_other_count_and_unknown_guesses() -> None:
    b = breakdown(dense=1)
    assert Question(b).check(480).right
    assert Question(b, wants="model").check(491).right
    layer_asked = Question(b).check(491)
    assert "model with its dense head" in layer_asked.message and layer_asked.marks == ("dense",)
    model_asked = Question(b, wants="model").check(480)
    assert "layer without its dense head" in model_asked.message
    # A wrong formula aimed at the model: the head's 11 on top of the seed's 120.
    assert [d.key for d in Question(b, wants="model").check(131).diagnoses] == [
        "own_recurrent_only"
    ]
    unknown = Question(b).check(500)
    assert unknown.diagnoses == () and "20 above the count" in unknown.message
    assert len(unknown.marks) == 1 and "Hint" in unknown.message


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


def _svg_texts(image: object) -> list[str]:
    import re

    svg = bytes(image).decode()  # type: ignore[call-overload]
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg) + re.findall(r"<!-- (.*?) -->", svg)


def test_the_panel_hides_every_count_until_a_guess_then_marks_the_missed_term() -> None:
    import lstm_widget

    p = lstm_widget.panel(dense=1, quiz=True, quiz_timesteps=3, variant="lecture")
    try:
        assert "Input(shape=(3, 1))" in p.prompt.value
        texts = " ".join(_svg_texts(p.image.value))
        assert "?" in texts and "480" not in texts and "120" not in texts and "48" not in texts
        assert "480" not in p.formula.value and p.explanation.value == ""
        p.table_section.selected_index = 0
        assert p.table.value == ""
        p.guess.value = "120"
        assert p.last_verdict is not None and not p.last_verdict.right
        assert "all 10 previous outputs" in p.verdict.value
        assert p._drawing() == (p.result, ("recurrent",))
        assert "480" in " ".join(_svg_texts(p.image.value)) and "480" in p.formula.value
        assert "480" in p.table.value
        # Another setting is another question: hidden again.
        p.controls["units"].value = 20
        assert p.last_verdict is None and p.guess.value == "" and "?" in p.formula.value
        p.guess.value = "twenty"
        assert "A guess is a whole number such as 480, not 'twenty'." in p.verdict.value.replace(
            "&#x27;", "'"
        )
        p.guess.value = "1,760"
        assert p.last_verdict is not None and p.last_verdict.right
        assert "Right: 1,760." in p.verdict.value
        p.quiz.value = False
        assert p.question is None and p.quiz_box.layout.display == "none"
    finally:
        p.close()


def test_the_quiz_hides_a_comparison_until_the_guess() -> None:
    import lstm_widget

    p = lstm_widget.panel(quiz=True, compare="framework=pytorch")
    try:
        assert "shows after your guess" in p.comparison.value and "40" not in p.comparison.value
        p.check.click()  # no guess typed: nothing happens
        assert p.last_verdict is None
        p.guess.value = "480"
        assert "4 × 10 = 40" in p.comparison.value
    finally:
        p.close()


def test_the_panel_refuses_a_bad_quiz_in_one_sentence() -> None:
    import lstm_widget

    with pytest.raises(SettingsError, match="layer or model, not 'all'"):
        lstm_widget.panel(quiz=True, quiz_wants="all")  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="timesteps must be"):
        lstm_widget.panel(quiz=True, quiz_timesteps=-3)
    # Asking for the model before there is a head asks for the layer until one is set.
    p = lstm_widget.panel(quiz=True, quiz_wants="model")
    try:
        assert p.question is not None and p.question.wants == "layer"
        p.controls["dense"].value = 1
        assert p.question.wants == "model" and "dense head included" in p.prompt.value
    finally:
        p.close()


def test_a_convlstm_is_refused_in_one_sentence_and_the_panel_shows_its_counts() -> None:
    import lstm_widget

    conv = breakdown(cell="convlstm", units=16, kernel=(3, 3))
    with pytest.raises(SettingsError, match="kernel area multiplies") as caught:
        Question(conv)
    assert str(caught.value).count(".") == 1
    with pytest.raises(SettingsError, match="ConvLSTM2D"):
        lstm_widget.panel(cell="convlstm", kernel=(3, 3), quiz=True)
    lstm_widget.panel(cell="convlstm", kernel=(3, 3)).close()  # no quiz: nothing to refuse
    p = lstm_widget.panel(quiz=True)
    try:
        p.controls["cell"].value = "convlstm"
        assert p.error is None and p.question is None and not p._hidden
        assert "kernel area multiplies" in p.prompt.value
        assert f"{p.result.total:,}" in p.formula.value
        p.guess.value = "100"  # nothing asked: nothing checked
        assert p.last_verdict is None
        p.controls["cell"].value = "lstm"
        assert p.question is not None and p._hidden
    finally:
        p.close()


@pytest.mark.parametrize("text", ["480", "1,320", "1_320", " 7 "])
def test_a_guess_reads_with_its_separators(text: str) -> None:
    assert parse_guess(text) == int(text.replace(",", "").replace("_", ""))


@pytest.mark.parametrize("text", ["twenty", "-5", "4.5", "²", "1,0", "9" * 5000])
def test_a_bad_guess_is_one_sentence(text: str) -> None:
    with pytest.raises(SettingsError, match="A guess is a whole number such as 480"):
        parse_guess(text)
