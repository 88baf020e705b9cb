"""Predict, then reveal: a question about one setting, and a diagnosis of each guess.

A wrong guess is checked against :data:`CATALOGUE`, the wrong formulas people use.
Each entry computes its wrong count from the question's breakdown (never a typed-in
number), says in one sentence what it missed, and names the role or gate to mark in
the diagram; where an entry applies follows from the registry (a cell's
:attr:`~lstm_widget.conventions.CellSpec.confused_with` and
:attr:`~lstm_widget.conventions.CellSpec.candidate_forgotten`, a convention's second
bias), never from a cell's or framework's name. The question shows the layer as its
framework's code writes it (:mod:`lstm_widget.snippets`). Several entries can give
the same number; all of them are offered. A guess no entry explains gets the
difference and the role whose size is nearest to it. Stdlib only, like counting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from .compare import with_changes
from .conventions import (
    CANDIDATE,
    MAX_SIZE,
    ROLE_LABELS,
    ROLES,
    cell_spec,
    framework_spec,
    with_article,
)
from .counting import Breakdown, SettingsError, WeightGroup, breakdown
from .snippets import write_code

__all__ = [
    "CATALOGUE",
    "Diagnosis",
    "Misconception",
    "Question",
    "Verdict",
    "check_target",
    "check_timesteps",
]

Target = Literal["layer", "model"]


@dataclass(frozen=True)
class Misconception:
    """A wrong formula: its count for a question (``None`` where it does not apply),
    what it misses, and what to mark in the diagram (a role or a gate's stable name, or
    how to find it for the question's cell)."""

    key: str
    mark: str | Callable[[Breakdown], str]
    count: Callable[[Breakdown, int], int | None]
    explain: Callable[[Breakdown, int], str]

    def marked(self, b: Breakdown) -> str:
        """What to mark on ``b``'s diagram."""
        return self.mark if isinstance(self.mark, str) else self.mark(b)


def _role(b: Breakdown, role: str) -> int:
    return sum(g.count for g in b.groups if g.role == role)


def _own_recurrent_only(b: Breakdown, timesteps: int) -> int | None:
    """Each unit fed back only its own output: U has ``units`` weights, not units × r."""
    own = sum(
        g.count // b.settings.state_width(g.layer) for g in b.groups if g.role == "recurrent"
    )
    return b.recurrent_total - _role(b, "recurrent") + own


def _cross_unit_only(b: Breakdown, timesteps: int) -> int | None:
    """Only the weights from other units' outputs: U less each unit's own."""
    recurrent = [g for g in b.groups if g.role == "recurrent"]
    return sum(g.count - g.count // b.settings.state_width(g.layer) for g in recurrent) or None


def _no_bias(b: Breakdown, timesteps: int) -> int | None:
    return b.recurrent_total - _role(b, "bias") - _role(b, "second_bias")


def _candidate(b: Breakdown) -> list[WeightGroup]:
    return [g for g in b.groups if g.role != "dense" and g.stable_gate == CANDIDATE]


def _no_candidate(b: Breakdown, timesteps: int) -> int | None:
    """A cell counted as its gates, the candidate left out (an LSTM's "three gates"),
    where the registry says people do."""
    if not b.settings.spec.candidate_forgotten:
        return None
    return b.recurrent_total - sum(g.count for g in _candidate(b))


def _no_candidate_text(b: Breakdown, timesteps: int) -> str:
    spec, blocks = b.settings.spec, b.settings.gates
    own = sorted({g.letter for g in _candidate(b)}, key="WUbb'".find)
    return (
        f"{_opening(spec.label)} has {blocks} weight blocks: "
        f"{blocks - 1} gates and the candidate, which has its own {_listed(own)}."
    )


def _opening(label: str) -> str:
    """``An LSTM``, ``A minGRU``: a cell's name with its article, opening a sentence
    (``str.capitalize`` would lower the name's own capitals)."""
    named = with_article(label)
    return named[0].upper() + named[1:]


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _confused(b: Breakdown, timesteps: int) -> int | None:
    """The count of the cell the registry says people give for this one (a GRU's for
    an LSTM)."""
    confused = b.settings.spec.confused_with
    if confused is None:
        return None
    return breakdown(with_changes(b.settings, {"cell": confused[0]})).recurrent_total


def _confused_text(b: Breakdown, timesteps: int) -> str:
    spec = b.settings.spec
    other, more = spec.confused_with or ("", "")
    theirs = cell_spec(other)
    return (
        f"That is {with_article(theirs.label)}'s count ({len(theirs.gates)} blocks); "
        f"{with_article(spec.label)} has {len(spec.gates)}, {more}."
    )


def _confused_mark(b: Breakdown) -> str:
    """The gate to mark: the last the cell has that the one it is taken for lacks."""
    spec = b.settings.spec
    other = cell_spec(spec.confused_with[0]) if spec.confused_with else spec
    return [g for g in spec.gate_names if g not in other.gate_names][-1]


def _missing_recurrent(b: Breakdown) -> int:
    """The weights a recurrent matrix U would add to a cell that has none (G × h × h per
    layer and direction): what is counted by habit for a minGRU or minLSTM."""
    s = b.settings
    return sum(s.directions * s.gates * h * s.state_width(k) for k, h in enumerate(s.widths))


def _recurrent_counted(b: Breakdown, timesteps: int) -> int | None:
    """A cell whose gates read xₜ alone counted with the U of the cells it comes from."""
    if b.settings.spec.recurrent_matrices:
        return None
    return b.recurrent_total + _missing_recurrent(b)


def _recurrent_counted_text(b: Breakdown, timesteps: int) -> str:
    s = b.settings
    return (
        f"{_opening(s.spec.label)}'s gates read xₜ alone: it has no "
        f"recurrent matrix U, which would add {s.gates} × {s.layer_units(0):,} × "
        f"{s.state_width(0):,} per layer ({_missing_recurrent(b):,} in all)."
    )


def _times_timesteps(b: Breakdown, timesteps: int) -> int | None:
    return b.recurrent_total * timesteps if timesteps > 1 else None


def _timesteps_as_features(b: Breakdown, timesteps: int) -> int | None:
    if timesteps < 1 or timesteps == b.settings.input_size:
        return None
    return breakdown(b.settings.replace(input_size=timesteps)).recurrent_total


def _twice_one_direction(b: Breakdown, timesteps: int) -> int | None:
    s = b.settings
    if not (s.bidirectional and s.layers > 1):
        return None
    return 2 * breakdown(s.replace(bidirectional=False)).recurrent_total


def _one_bias(b: Breakdown, timesteps: int) -> int | None:
    """A layer with two biases counted with one, where the second is always there (where
    an option adds it, see :func:`_second_bias_off`)."""
    if b.settings.convention.second_bias_when or not _role(b, "second_bias"):
        return None
    return b.recurrent_total - _role(b, "second_bias")


def _second_bias_off(b: Breakdown, timesteps: int) -> int | None:
    """The layer with the option that adds its second bias off: Keras 2's GRU for Keras
    3's (``reset_after=False``)."""
    s = b.settings
    option = s.convention.second_bias_when
    if not option or not getattr(s, option) or not s.bias:
        return None
    return breakdown(s.replace(**{option: False})).recurrent_total


def _second_bias_off_text(b: Breakdown, timesteps: int) -> str:
    option = b.settings.convention.second_bias_when
    return (
        f"That is the count with {option}=False; {with_article(b.settings.describe_layer())} "
        f"defaults to {option}=True, a second bias per gate: {_role(b, 'second_bias'):,} more."
    )


#: The wrong formulas, in the order their explanations are offered.
CATALOGUE: tuple[Misconception, ...] = (
    Misconception(
        "own_recurrent_only",
        "recurrent",
        _own_recurrent_only,
        lambda b, t: (
            f"Each unit reads all {b.settings.state_width(0):,} previous outputs, not only "
            f"its own: every gate's U is {b.settings.layer_units(0):,}×"
            f"{b.settings.state_width(0):,}."
        ),
    ),
    Misconception(
        "cross_unit_only",
        "recurrent",
        _cross_unit_only,
        lambda b, t: (
            "That is only the recurrent weights between different units; each unit's own "
            "recurrent weight, the input weights and the biases come on top."
        ),
    ),
    Misconception(
        "no_bias",
        "bias",
        _no_bias,
        lambda b, t: (
            f"Every gate has a bias of {b.settings.layer_units(0):,}: "
            f"{_role(b, 'bias') + _role(b, 'second_bias'):,} in all."
        ),
    ),
    Misconception("three_gates", CANDIDATE, _no_candidate, _no_candidate_text),
    Misconception("gru_for_lstm", _confused_mark, _confused, _confused_text),
    Misconception("recurrent_counted", "input", _recurrent_counted, _recurrent_counted_text),
    Misconception(
        "times_timesteps",
        "input",
        _times_timesteps,
        lambda b, t: f"The same weights serve all {t:,} timesteps: they are not multiplied.",
    ),
    Misconception(
        "timesteps_as_features",
        "input",
        _timesteps_as_features,
        lambda b, t: (
            f"The shape is (timesteps, features): {b.settings.input_size:,} feature"
            f"{'s' if b.settings.input_size != 1 else ''} per step, over {t:,} steps."
        ),
    ),
    Misconception(
        "twice_one_direction",
        "input",
        _twice_one_direction,
        lambda b, t: (
            "Layers after the first read both directions of the layer below: "
            f"{b.settings.layer_output(0):,} inputs per step, not {b.settings.state_width(0):,}."
        ),
    ),
    Misconception(
        "one_bias",
        "second_bias",
        _one_bias,
        lambda b, t: (
            f"{framework_spec(b.settings.framework).label} keeps two biases per gate "
            f"(input and recurrent): {_role(b, 'second_bias'):,} more."
        ),
    ),
    Misconception("keras2_gru", "second_bias", _second_bias_off, _second_bias_off_text),
)


@dataclass(frozen=True)
class Diagnosis:
    """A wrong formula that gives the guess."""

    key: str
    explanation: str
    mark: str


@dataclass(frozen=True)
class Verdict:
    """What a guess gets: confirmed, or diagnosed (or a hint where nothing fits).

    ``marks`` are the roles or gates to light up in the diagram: each diagnosis's
    missed term, or the hint's role, or the dense head for the other count.
    """

    guess: int
    answer: int
    right: bool
    message: str
    diagnoses: tuple[Diagnosis, ...] = ()
    marks: tuple[str, ...] = ()


def check_target(wants: object) -> Target:
    """``wants`` if a question can ask for it, else a one-sentence SettingsError."""
    if wants not in get_args(Target):
        raise SettingsError(f"the question wants layer or model, not {wants!r}.")
    return wants  # type: ignore[return-value]


def check_timesteps(timesteps: object) -> int:
    """``timesteps`` if a question can show them (0: an open time axis), else a
    one-sentence SettingsError."""
    if (
        isinstance(timesteps, int)
        and not isinstance(timesteps, bool)
        and 0 <= timesteps <= MAX_SIZE
    ):
        return timesteps
    raise SettingsError(f"timesteps must be an integer from 0 up, not {timesteps!r}.")


@dataclass(frozen=True)
class Question:
    """How many parameters? ``wants`` says which count: the recurrent ``layer`` alone,
    or the ``model`` with its dense head. ``timesteps`` (0: none) shows the input as
    the framework writes it, time axis included."""

    breakdown: Breakdown
    wants: Target = "layer"
    timesteps: int = 0

    def __post_init__(self) -> None:
        s = self.breakdown.settings
        if cell_spec(s.cell).kernel_dims:
            raise SettingsError(
                f"the quiz does not ask about a {s.describe_layer()}: its kernel area "
                "multiplies the input and recurrent terms, which the catalogue's wrong "
                "formulas leave out."
            )
        if not self.breakdown.per_unit:  # counted apart: heads, conv, projections
            raise SettingsError(
                f"the quiz does not ask about {with_article(s.describe_layer())}: the "
                "catalogue's wrong formulas are the gates' G × (x × h + h × h + h), which "
                "its heads, convolution and projections do not follow."
            )
        check_target(self.wants)
        if self.wants == "model" and not s.dense:
            raise SettingsError("the question can want the model only when it has a dense head.")
        check_timesteps(self.timesteps)

    @property
    def answer(self) -> int:
        b = self.breakdown
        return b.total if self.wants == "model" else b.recurrent_total

    def prompt(self) -> str:
        b = self.breakdown
        what = (
            "the whole model, dense head included"
            if self.wants == "model"
            else f"the {b.settings.describe_layer()} layer alone"
            + (" (not its dense head)" if b.settings.dense else "")
        )
        return f"How many parameters has {what}?"

    def code(self) -> str:
        return write_code(self.breakdown.settings, self.timesteps)

    def check(self, guess: int) -> Verdict:
        """Confirm a right guess; diagnose a wrong one (see the module's docstring)."""
        b, answer = self.breakdown, self.answer
        if guess == answer:
            return Verdict(guess, answer, True, f"Right: {answer:,}.")
        other = b.recurrent_total if self.wants == "model" else b.total
        if b.settings.dense and guess == other:
            named = "the layer without" if self.wants == "model" else "the model with"
            return Verdict(
                guess,
                answer,
                False,
                f"{guess:,} is {named} its dense head ({b.dense_total:,}); "
                f"the question asks for {answer:,}.",
                marks=("dense",),
            )
        head = b.dense_total if self.wants == "model" else 0
        found = tuple(
            Diagnosis(m.key, m.explain(b, self.timesteps), m.marked(b))
            for m in CATALOGUE
            if (value := m.count(b, self.timesteps)) is not None
            and value != b.recurrent_total
            and value + head == guess
        )
        if found:
            several = " Or: ".join(d.explanation for d in found)
            marks = tuple(dict.fromkeys(d.mark for d in found))  # each once, in order
            return Verdict(guess, answer, False, f"{guess:,} is not it. {several}", found, marks)
        gap = abs(guess - answer)
        nearest = min((r for r in ROLES if _role(b, r)), key=lambda r: abs(_role(b, r) - gap))
        side = "below" if guess < answer else "above"
        return Verdict(
            guess,
            answer,
            False,
            f"{guess:,} is {gap:,} {side} the count. Hint: look at the "
            f"{ROLE_LABELS[nearest]} ({_role(b, nearest):,} in all).",
            marks=(nearest,),
        )
