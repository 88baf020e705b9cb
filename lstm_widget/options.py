"""The one definition of the setting flags, shared by the CLI and ``%lstm_params``.

The setting flags are made from the registry's setting table
(:data:`~lstm_widget.conventions.settings.SETTINGS`), and which flags go together is data, all
of it here: :data:`CLI_RULES`, :data:`MAGIC_RULES` and :data:`PANEL_RULES` list
:class:`Combination` rules, and :func:`check_combinations` refuses the first one
broken with its sentence. Both front ends build their parser with
:func:`make_parser`, add the diagram's
``--theme`` and ``--highlight`` with :func:`add_diagram_arguments`, and then only their
own extras (``--json``, ``--save``, ``--table`` and, from
:func:`add_png_size_arguments`, ``--dpi`` and ``--width`` for the CLI; ``NAME``, ``-o``,
``--widget``, ``--format`` and, from :func:`add_quiz_arguments`, the quiz's flags
for the magic), so a flag means the same thing everywhere. Parsing never exits the
process: errors raise :class:`OptionsError` with one sentence, which the CLI turns into
exit status 2 and the magic into a ``UsageError``.
"""

from __future__ import annotations

import argparse
import re
import reprlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NoReturn, get_args

from .conventions import SETTINGS, choices, setting_help
from .counting import SETTING_NAMES, Settings, SettingsError
from .quiz import Target
from .style import DEFAULT_DPI, DEFAULT_THEME, MAX_DPI, MAX_WIDTH, MIN_WIDTH, THEME_NAMES


class OptionsError(SettingsError):
    """A flag or its value was not understood."""


class FlagParser(argparse.ArgumentParser):
    """A parser that raises :class:`OptionsError` instead of exiting, and knows each
    flag as it is typed (its last name: ``--units``) by its destination, for the
    sentence refusing flags that do not go together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.typed: dict[str, str] = {}  # before argparse adds -h
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.option_strings:
            self.typed[action.dest] = action.option_strings[-1]
        return action

    def error(self, message: str) -> NoReturn:
        sentence = message[0].upper() + message[1:].rstrip(".")
        if message.startswith("unrecognized arguments"):  # argparse lists none it knows
            sentence += f"; {self.prog} -h lists every flag"
        raise OptionsError(sentence + ".")


#: ``1000``, ``1,000`` or ``1_000``, in ASCII digits (``int`` alone would also take
#: ``,,5``, ``1,0`` or other scripts' digits).
_WHOLE_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)", re.ASCII)


def _integer(text: str) -> int:
    if not _WHOLE_NUMBER.fullmatch(text):
        # reprlib shortens a pasted wall of text to something a message can hold.
        raise argparse.ArgumentTypeError(f"expected a whole number, not {reprlib.repr(text)}")
    sign = text[0] if text[0] in "+-" else ""
    significant = text.lstrip("+-").replace(",", "").replace("_", "").lstrip("0") or "0"
    try:
        return int(sign + significant)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise argparse.ArgumentTypeError(
            f"a number of {len(significant):,} digits is beyond every setting's range"
        ) from None


def parse_guess(text: str) -> int:
    """A guessed count as people type it (``480``, ``1,320``, ``1_320``), for the
    panel's entry and the magic's ``--guess`` alike; anything else is one sentence."""
    try:
        guess = _integer(text.strip())
    except argparse.ArgumentTypeError:
        guess = -1
    if guess < 0:
        raise SettingsError(f"A guess is a whole number such as 480, not {reprlib.repr(text)}.")
    return guess


#: Digits grouped in threes by commas and nothing else: a number as people write it.
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+", re.ASCII)


def parse_units(text: str) -> int | tuple[int, ...]:
    """``--units``: one width, or one per layer separated by commas (``32,18``).

    Commas separate layers here, so one wide layer groups its digits with ``_``
    (``1_000``), never with a comma; a text that reads either way is refused. Raises
    ``argparse.ArgumentTypeError`` with the reason, as a phrase.
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 1:
        return _integer(parts[0])
    # "1,024" reads as one width with a thousands separator as readily as layers 1 and
    # 24: refused, never guessed. A space after the comma ("1, 24") means layers.
    if _THOUSANDS.fullmatch(text) or any(
        len(part) > 1 and part.startswith("0") for part in parts[1:]
    ):
        raise argparse.ArgumentTypeError(
            f"{reprlib.repr(text)} could be one width or one per layer: write one width "
            "with _ (such as 1_024), and layers with a space after each comma (1, 24)"
        )
    try:
        return tuple(_integer(part) for part in parts)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers separated by commas, such as 32,18, not {reprlib.repr(text)}"
        ) from None


EXAMPLES = """\
examples:
  --units 10 --input 1 --dense 1             the classic Keras LSTM(10): 480 + 11 = 491
  --framework pytorch -u 10 -i 1             the same layer in PyTorch: 520 (two biases)
  --cell gru -u 5 -i 4 --no-reset-after      Keras 2's GRU: 150 instead of 165
  --framework pytorch -i 32 -u 128 --layers 2 --bidirectional
  --framework pytorch -i 10 -u 20 --proj 5   LSTM with projection: 1,460
  --framework onnx --peepholes -u 10 -i 1    ONNX LSTM with peepholes
  --units 32,18 --input 3 --dense 1          LSTM(32) → LSTM(18) → Dense(1): 8,299
  --cell convlstm --kernel 3,3 -u 16 -i 1    Keras ConvLSTM2D(16, (3, 3)): 9,856
  --framework cudnn -i 300 -u 300 --bidirectional
                                             Bidirectional(CuDNNLSTM(300)): 1,444,800
  --framework tf1 -i 7 -u 13 --peepholes --proj 5
                                             TF1 LSTMCell with peepholes and num_proj: 780
  --framework flax --cell gru -i 7 -u 13     Flax NNX GRUCell: 819
  -i 64 -u 128 --steps 50                    the work: 98,304 MACs a step, 4,915,200 in all
"""


def sizes(text: str) -> tuple[int, ...] | None:
    """``3,3`` or ``3, 3`` → (3, 3), blank → (); None if ``text`` is not sizes.

    A kernel is typed this way in the flags and the panel alike; the counting core
    then checks how many sizes there are and their range.
    """
    # Spaces only around commas: "3 3" is no kernel, not a 33.
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    if not all(re.fullmatch(r"\d{1,30}", part, re.ASCII) for part in parts):
        return None
    return tuple(int(part) for part in parts)


def _kernel(text: str) -> tuple[int, ...]:
    parsed = sizes(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"expected sizes separated by commas such as 3,3, not {reprlib.repr(text)}"
        )
    return parsed


def _factor(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number such as 1.3, not {reprlib.repr(text)}"
        ) from None


#: How a flag's text becomes a setting's value, by the setting's kind; a choice is
#: checked against its choices, a switch takes no value.
_READERS: dict[str, Callable[[str], Any]] = {
    "count": _integer,
    "widths": parse_units,
    "sizes": _kernel,
    "factor": _factor,
}


def make_parser(prog: str, description: str, defaults: bool = True) -> FlagParser:
    """A parser with a flag for every setting of the registry's table; callers add
    their own extras.

    With ``defaults`` False, a layer's setting left off the line stays out of the
    namespace, so a caller knows exactly what was asked for.
    """
    parser = FlagParser(
        prog=prog,
        description=description,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    for name, spec in SETTINGS.items():
        flag: dict[str, Any] = {"dest": name, "help": setting_help(name)}
        if spec.kind == "switch":
            flag["action"] = "store_false" if spec.turned_off else "store_true"
        elif spec.kind == "choice":
            flag |= {"choices": choices(name), "default": spec.default}
        else:
            flag |= {"type": _READERS[spec.kind], "default": spec.default}
            flag["metavar"] = spec.metavar
        if spec.layer and not defaults:
            flag["default"] = argparse.SUPPRESS
        parser.add_argument(*spec.flags, **flag)
    return parser


def add_diagram_arguments(parser: argparse.ArgumentParser) -> None:
    """``--theme`` and ``--highlight``: how the diagram looks, for every front end."""
    parser.add_argument("--theme", choices=THEME_NAMES, default=DEFAULT_THEME,
        help="colours: light, or high-contrast for projectors "
             f"(default: {DEFAULT_THEME})")  # fmt: skip
    parser.add_argument("--highlight", metavar="GROUP",
        help="light up one role the layer has (input, recurrent, bias, ...) "
             "or one of its gate letters (f, ...)")  # fmt: skip


def add_quiz_arguments(parser: argparse.ArgumentParser) -> None:
    """``--quiz``, ``--guess`` and the question's ``--quiz-wants`` and
    ``--quiz-timesteps``, named as :func:`lstm_widget.panel`'s quiz keywords."""
    add = parser.add_argument
    add("--quiz", action="store_true",
        help="predict first: the question and the diagram with every count as ?; "
             "answer with --guess N and the same flags")  # fmt: skip
    add("--guess", metavar="N",
        help="check a guess of the quiz's count (480, 1,320 or 1_320): confirmed, or "
             "diagnosed against the known wrong formulas, then the counts with the "
             "missed term marked (with --widget: typed into the panel)")  # fmt: skip
    add("--quiz-wants", choices=get_args(Target),
        help="which count the question asks for: the recurrent layer alone, or the "
             "model with its dense head (default: layer)")  # fmt: skip
    add("--quiz-timesteps", type=_integer, metavar="T",
        help="show the input as its framework writes it, with T timesteps: the "
             "timesteps trap (default: 0, an open time axis)")  # fmt: skip


def add_png_size_arguments(parser: argparse.ArgumentParser) -> None:
    """``--dpi`` or ``--width``: a saved PNG's size (the painter checks the values)."""
    parser.add_argument("--dpi", type=_integer, metavar="N",
        help=f"PNG resolution, 1 to {MAX_DPI:,} dots per inch "
             f"(default: {DEFAULT_DPI})")  # fmt: skip
    parser.add_argument("--width", type=_integer, metavar="PX",
        help=f"PNG width in pixels, {MIN_WIDTH} to {MAX_WIDTH:,}, instead of --dpi")  # fmt: skip


def settings_from(args: argparse.Namespace) -> Settings:
    """The validated :class:`Settings` that parsed flags describe.

    Every flag's ``dest`` is its setting's name, so the flags map one to one.
    """
    return Settings(**{name: getattr(args, name) for name in SETTING_NAMES})


@dataclass(frozen=True)
class Combination:
    """Which flags go together, as data: whenever one of ``flags`` is given, one of
    ``needs`` must be given too (if any are named) and none of ``refuses``.

    ``sentence`` is the refusal. Besides any flag's value by its destination
    (``{name}``), it may say ``{refused}``, the refused flags given, as they are
    typed and joined by "and", with ``{applies}`` agreeing with them, or
    ``{refused_names}``, their destinations.
    """

    flags: tuple[str, ...]
    sentence: str
    needs: tuple[str, ...] = ()
    refuses: tuple[str, ...] = ()


#: Every setting flag's destination: what a rule names to refuse them all.
SETTING_FLAGS: tuple[str, ...] = tuple(name for name, spec in SETTINGS.items() if spec.layer)


def check_combinations(
    parser: FlagParser, args: argparse.Namespace, rules: Iterable[Combination]
) -> None:
    """Raise :class:`OptionsError` with the first of ``rules`` the flags in ``args``
    break; a flag counts as given when its value differs from its default."""
    values = vars(args)
    given = {dest for dest, value in values.items() if value != parser.get_default(dest)}
    for rule in rules:
        if not given.intersection(rule.flags):
            continue
        refused = [dest for dest in rule.refuses if dest in given]
        if refused or (rule.needs and not given.intersection(rule.needs)):
            flags = " and ".join(parser.typed.get(dest, dest) for dest in refused)
            raise OptionsError(
                rule.sentence.format(
                    **values,
                    refused=flags,
                    applies="applies" if len(refused) == 1 else "apply",
                    refused_names=", ".join(sorted(refused)),
                )
            )


#: Which of ``lstm-params``' own flags go together.
CLI_RULES: tuple[Combination, ...] = (
    Combination(
        ("json",), "--json and --table each choose what prints; give one.", refuses=("table",)
    ),
    Combination(
        ("theme", "highlight"),
        "--theme and --highlight style the diagram; add --save FILE.",
        needs=("save",),
    ),
    Combination(
        ("dpi", "width"),
        "--dpi and --width size the saved PNG; add --save FILE.png.",
        needs=("save",),
    ),
)


#: Which of ``%lstm_params``' flags go together, checked in this order.
MAGIC_RULES: tuple[Combination, ...] = (
    Combination(
        ("quiz_wants", "quiz_timesteps"),
        "--quiz-wants and --quiz-timesteps set the quiz's question; add --quiz or --guess N.",
        needs=("quiz", "guess"),
    ),
    Combination(
        ("name",),
        "NAME explains {name!r} as it was built; drop the setting flags ({refused_names}).",
        refuses=SETTING_FLAGS,
    ),
    Combination(
        ("name",),
        "--widget presets the panel from flags; it cannot take a NAME.",
        refuses=("widget",),
    ),
    Combination(
        ("name",),
        "--compare compares settings given as flags; it cannot take a NAME.",
        refuses=("compare",),
    ),
    Combination(
        ("name",),
        "--quiz and --guess ask about settings given as flags, not a NAME.",
        refuses=("quiz", "guess"),
    ),
    Combination(
        ("name",),
        "{refused} {applies} to the diagram drawn from flags, not to the report on "
        "{name!r}; drop {refused}.",
        refuses=("highlight", "image_format"),
    ),
    Combination(
        ("example",),
        "--example gives a PyTorch model NAME an input to run on; name the model too, as "
        "in %lstm_params model --example {example}.",
        needs=("name",),
    ),
    Combination(
        ("quiz", "guess"),
        "--compare shows the counts the quiz hides; guess first, then compare.",
        refuses=("compare",),
    ),
    Combination(
        ("steps",),
        "--steps adds the work to one layer's static output; drop --steps, or --widget, "
        "--compare and the quiz.",
        refuses=("widget", "compare", "quiz", "guess"),
    ),
    Combination(
        ("json",),
        "--json shows one layer's breakdown as data; drop --json, or --widget, --compare "
        "and the quiz.",
        refuses=("widget", "compare", "quiz", "guess"),
    ),
)
#: What ``%lstm_params --widget`` cannot take where the panel opens (a widget frontend).
PANEL_RULES: tuple[Combination, ...] = (
    Combination(
        ("image_format",),
        "--format sets the static output's image; the panel always draws SVG.",
        refuses=("widget",),
    ),
)
