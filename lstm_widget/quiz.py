"""Predict, then reveal: a question about one setting, and a diagnosis of each guess.

A wrong guess is checked against :data:`CATALOGUE`, the wrong formulas people use.
Each entry computes its wrong count from the question's breakdown (never a typed-in
number), says in one sentence what it missed, and names the role or gate to mark in
the diagram. Several entries can give the same number; all of them are offered. A
guess no entry explains gets the difference and the role whose size is nearest to
it. Stdlib only, like counting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from .compare import with_changes
from .conventions import ROLE_LABELS, ROLES, cell_spec, framework_spec
from .counting import MAX_SIZE, Breakdown, Settings, SettingsError, breakdown

__all__ = [
    "CATALOGUE",
    "Diagnosis",
    "Misconception",
    "Question",
    "Verdict",
    "check_target",
    "check_timesteps",
    "input_code",
]

Target = Literal["layer", "model"]


@dataclass(frozen=True)
class Misconception:
    """A wrong formula: its count for a question (``None`` where it does not apply),
    what it misses, and what to mark in the diagram (a role or a gate's stable name)."""

    key: str
    mark: str
    count: Callable[[Breakdown, int], int | None]
    explain: Callable[[Breakdown, int], str]


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


def _no_candidate(b: Breakdown, timesteps: int) -> int | None:
    """An LSTM counted as its three gates, the candidate left out."""
    if b.settings.cell != "lstm":
        return None
    candidate = sum(
        g.count for g in b.groups if g.role != "dense" and g.stable_gate == "candidate"
    )
    return b.recurrent_total - candidate


def _gru_for_lstm(b: Breakdown, timesteps: int) -> int | None:
    if b.settings.cell != "lstm":
        return None
    return breakdown(with_changes(b.settings, {"cell": "gru"})).recurrent_total


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
    """A framework with two biases counted with one (not Keras: see _keras2_gru)."""
    if b.settings.framework == "keras" or not _role(b, "second_bias"):
        return None
    return b.recurrent_total - _role(b, "second_bias")


def _keras2_gru(b: Breakdown, timesteps: int) -> int | None:
    s = b.settings
    if (s.framework, s.cell) != ("keras", "gru") or not s.reset_after or not s.bias:
        return None
    return breakdown(s.replace(reset_after=False)).recurrent_total


def _gates(b: Breakdown) -> int:
    return b.settings.gates


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
    Misconception(
        "three_gates",
        "candidate",
        _no_candidate,
        lambda b, t: (
            f"An LSTM has {_gates(b)} weight blocks: three gates and the candidate, "
            "which has its own W, U and b."
        ),
    ),
    Misconception(
        "gru_for_lstm",
        "o",
        _gru_for_lstm,
        lambda b, t: (
            f"That is a GRU's count (3 blocks); an LSTM has {_gates(b)}, "
            "with a forget and an output gate."
        ),
    ),
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
    Misconception(
        "keras2_gru",
        "second_bias",
        _keras2_gru,
        lambda b, t: (
            "That is Keras 2's GRU (reset_after=False); Keras 3 defaults to "
            f"reset_after=True, a second bias per gate: {_role(b, 'second_bias'):,} more."
        ),
    ),
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


def input_code(s: Settings, timesteps: int) -> str:
    """The layer as its framework's code writes it, the input shape included.

    ``timesteps`` 0 leaves the time axis open (``None``); more sets the timesteps
    trap: ``Input(shape=(3, 1))`` is 3 steps of 1 feature.
    """
    steps = f"{timesteps:,}".replace(",", "_") if timesteps else "None"
    if s.framework == "keras":
        cls = s.convention.class_name
        options: list[str] = []
        if not s.bias:
            options.append("use_bias=False")
        if s.cell == "gru" and not s.reset_after:
            options.append("reset_after=False")
        layers = []
        for layer in range(s.layers):
            more = [*options, "return_sequences=True"] if layer < s.layers - 1 else options
            text = f"{cls}({', '.join([str(s.layer_units(layer)), *more])})"
            layers.append(f"Bidirectional({text})" if s.bidirectional else text)
        if s.dense:
            layers.append(f"Dense({s.dense})")
        return f"Sequential([Input(shape=({steps}, {s.input_size})), {', '.join(layers)}])"
    if s.framework == "pytorch":
        cls = s.convention.class_name
        options = [f"input_size={s.input_size}", f"hidden_size={s.units_text()}"]
        if s.layers > 1:
            options.append(f"num_layers={s.layers}")
        if s.bidirectional:
            options.append("bidirectional=True")
        if not s.bias:
            options.append("bias=False")
        if s.proj_size:
            options.append(f"proj_size={s.proj_size}")
        head = f"; nn.Linear({s.output_width}, {s.dense})" if s.dense else ""
        shape = f"x: ({steps}, {s.input_size})  # (timesteps, features)"
        return f"nn.{cls}({', '.join(options)}){head}; {shape}"
    direction = "bidirectional" if s.bidirectional else "forward"
    head = f"; a dense head of {s.dense}" if s.dense else ""
    return (
        f"{s.convention.class_name}(hidden_size={s.units_text()}, direction={direction!r}); "
        f"X: ({steps}, batch, {s.input_size}){head}"
    )


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
        return input_code(self.breakdown.settings, self.timesteps)

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
            Diagnosis(m.key, m.explain(b, self.timesteps), m.mark)
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
