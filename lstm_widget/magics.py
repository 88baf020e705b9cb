"""``%lstm_params``: the breakdown, formula and diagram of a layer as one rich output.

``%load_ext lstm_widget`` imports this module and registers the magic. The flags come
from :func:`lstm_widget.options.make_parser`, the parser ``lstm-params`` uses, plus the
magic's own extras, so a flag means the same in a terminal and in a notebook.
matplotlib (drawing), ipywidgets (the panel) and Keras / PyTorch (a model NAME) are
imported only when a call needs them, so loading the extension stays cheap.
"""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Callable
from html import escape
from typing import Any

import IPython.display
from IPython.core.error import UsageError

from ._frontend import has_widget_frontend
from .compare import Comparison, compare_with, parse_changes
from .conventions import derived
from .counting import SETTING_NAMES, Breakdown, Settings, SettingsError, breakdown
from .display import IMAGE_FORMATS, mimebundle, on_theme
from .options import (
    MAGIC_RULES,
    PANEL_RULES,
    FlagParser,
    add_diagram_arguments,
    add_quiz_arguments,
    check_combinations,
    make_parser,
    parse_guess,
)
from .quiz import Question
from .style import THEMES, Theme

#: IPython's ``display``, typed here: some IPython releases annotate it and some ship no
#: types at all, and type-checking must not change with the installed release.
display: Callable[..., object] = IPython.display.display

_DESCRIPTION = """\
Show every trainable weight of a recurrent layer, exactly as its framework counts
them: table, formula, per-unit reading and block diagram. With NAME, explain a Keras
model or layer, a PyTorch module, a Keras 2 model, a built TensorFlow 1 cell or a Flax
NNX module from your namespace."""

_MAGIC_EXAMPLES = """\
Examples
--------
  %lstm_params --widget --cell gru -u 64 -i 32    the live panel, preset
  %lstm_params --highlight recurrent -u 4 -i 3    light up the recurrent weights
  %lstm_params --compare framework=pytorch        what PyTorch counts that Keras does not
  %lstm_params --quiz -u 10 -i 1                  the question, every count hidden
  %lstm_params --guess 120 -u 10 -i 1             diagnosed: each unit reads all 10 outputs
  %lstm_params model                              explain the model in `model`
  %lstm_params model --example batch --steps 30   PyTorch: shapes and work from one run
  %lstm_params model --steps 30 --json            the model's report as JSON data
  result = %lstm_params -o -u 128 -i 32           keep the Breakdown, like %timeit -o
"""


def parser() -> FlagParser:
    """The shared setting flags plus the magic's own: NAME, -o, --widget and looks.

    Made once per state of the registry: a cell or framework registered after the
    first use is one of ``--cell`` / ``--framework``'s choices and in ``--help``.
    """
    return derived("the magic's parser", _make_parser)


def _make_parser() -> FlagParser:
    """:func:`parser`, made from the registry as it is."""
    # Setting flags left out of the line stay out of the namespace: a NAME must not be
    # combined with them, and the panel is preset only with what was asked for.
    made = make_parser("%lstm_params", _DESCRIPTION, defaults=False)
    add = made.add_argument
    add("name", nargs="?", metavar="NAME",
        help="a model or layer in your namespace (Keras, PyTorch, Keras 2, "
             "TensorFlow 1 cell, Flax NNX)")  # fmt: skip
    add("--example", metavar="OTHER",
        help="with a PyTorch model NAME: an input batch in your namespace (a tensor, or a "
             "tuple of the forward's arguments) to run the model on once, so the report "
             "shows each layer's output shape and, with --steps, its work for the "
             "sequence")  # fmt: skip
    add("--json", action="store_true",
        help="show the breakdown, or NAME's report, as JSON data (its to_dict()) "
             "instead of tables and diagrams")  # fmt: skip
    add("-o", dest="return_result", action="store_true",
        help="also return the result (Breakdown, model report or panel), "
             "like %%timeit -o")  # fmt: skip
    add("--widget", action="store_true",
        help="open the live panel preset to these flags "
             "(the static output where widgets cannot show)")  # fmt: skip
    add("--compare", metavar="SETTING=VALUE,...",
        help="compare with these settings changed, e.g. --compare framework=pytorch "
             "or --compare bidirectional=true,layers=2: each difference as a sentence "
             "with its formula, and the diagram of the side with more weights "
             "(in the panel too, with --widget)")  # fmt: skip
    add_quiz_arguments(made)
    add_diagram_arguments(made)
    add("--format", dest="image_format", choices=IMAGE_FORMATS,
        help="diagram image format (default: png)")  # fmt: skip
    return made


def _help() -> str:
    return parser().format_help()


def _split(line: str) -> list[str]:
    try:
        # A trailing "# ..." is a comment, as everywhere else in a cell.
        return shlex.split(line, comments=True)
    except ValueError as error:  # an unbalanced quote
        raise UsageError(f"Could not split {line!r} into flags: {error}.") from None


def _parse(tokens: list[str]) -> tuple[argparse.Namespace, dict[str, Any]]:
    """The parsed flags and the settings given on the line; bad input, or flags that do
    not go together (:data:`~lstm_widget.options.MAGIC_RULES`) -> UsageError."""
    try:
        args = parser().parse_args(tokens)
        check_combinations(parser(), args, MAGIC_RULES)
    except SettingsError as error:
        raise UsageError(str(error)) from None
    given = {name: getattr(args, name) for name in SETTING_NAMES if hasattr(args, name)}
    return args, given


def _lookup(
    shell: Any, name: str, flag: str = "NAME", what: str = "model", such: str = "model.encoder"
) -> object:
    """``name`` or ``name.attr...`` from the user's namespace, never evaluated as code;
    ``flag``, ``what`` and ``such`` name the argument and say what it looks like."""
    head, *attributes = name.split(".")
    if not all(part.isidentifier() for part in (head, *attributes)):
        raise UsageError(f"{flag} must be a variable name such as {what} or {such}, not {name!r}.")
    if head not in shell.user_ns:
        raise UsageError(f"{head!r} is not defined in this namespace; define the {what} first.")
    obj = shell.user_ns[head]
    for depth, attribute in enumerate(attributes, start=1):
        path = ".".join([head, *attributes[: depth - 1]])
        try:
            obj = getattr(obj, attribute)
        except AttributeError as error:
            missing = f"{path!r} has no attribute {attribute!r}"
            # Only an object's own reason says more than that (Keras: "never called").
            reason = "" if f"no attribute {attribute!r}" in str(error) else f": {error}"
            raise UsageError(_sentence(missing + reason)) from None
        except Exception as error:  # a property may raise anything; still one sentence
            raise UsageError(
                _sentence(f"Reading {path}.{attribute} failed: {type(error).__name__}: {error}")
            ) from None
    return obj


def _sentence(text: str) -> str:
    """``text`` on one line and ending in a full stop, as every UsageError here reads."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _lead_with(data: dict[str, Any], text: str, html: str, theme: Theme) -> None:
    """Put ``text`` and ``html`` (on the theme's background) before a diagram's output."""
    data["text/plain"] = f"{text}\n\n{data['text/plain']}"
    padded = on_theme(html, theme, css_class="lstm-widget-output", padding="0.25em 0.5em")
    data["text/html"] = padded + data["text/html"]


def _quizzing(args: argparse.Namespace) -> bool:
    """Whether the line asks the quiz's question: ``--quiz``, or ``--guess N`` alone."""
    return bool(args.quiz or args.guess is not None)


class LstmMagics:
    """The ``%lstm_params`` line magic of one shell.

    Registered as a plain function (``register_magic_function``) rather than through
    IPython's ``Magics`` class and decorators, whose typing differs between releases.
    """

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def lstm_params(self, line: str = "") -> object:
        tokens = _split(line)
        # argparse would print the help and exit the kernel; print it and stop instead.
        if "-h" in tokens or "--help" in tokens:
            print(_help())
            return None
        args, given = _parse(tokens)
        quizzing = _quizzing(args)
        if args.name is not None:
            return self._explain(args)
        try:
            result = breakdown(Settings(**given), steps=args.steps)
            compared = compare_with(result, parse_changes(args.compare)) if args.compare else None
            question = (
                Question(result, args.quiz_wants or "layer", args.quiz_timesteps or 0)
                if quizzing
                else None
            )
            guess = parse_guess(args.guess) if args.guess is not None else None
        except SettingsError as error:
            raise UsageError(str(error)) from None
        if args.json:
            _show_json(result.to_dict(), args)
            return result if args.return_result else None
        if args.widget and has_widget_frontend(self.shell):
            live = self._open_panel(result, args)
            return live if args.return_result else None
        if args.widget:
            print("No widget frontend here (terminal IPython): showing the static output.")
        if question is not None:
            answer = self._show_quiz(question, guess, args, tokens)
            return answer if args.return_result else None
        if compared is not None:
            self._show_comparison(compared, args)
            return compared if args.return_result else None
        self._show(result, args)
        return result if args.return_result else None

    def _open_panel(self, result: Breakdown, args: argparse.Namespace) -> object:
        """Display the live panel preset to ``result``'s settings, and return it."""
        from ._panel import panel

        try:
            check_combinations(parser(), args, PANEL_RULES)
            live = panel(
                result.settings,
                theme=args.theme,
                highlight=args.highlight,
                compare=args.compare or None,
                quiz=_quizzing(args),
                quiz_wants=args.quiz_wants or "layer",
                quiz_timesteps=args.quiz_timesteps or 0,
            )
        except SettingsError as error:  # a --highlight the layer does not have
            raise UsageError(str(error)) from None
        if args.guess is not None:
            live.guess.value = args.guess  # checked as if typed, before it is shown
        display(live)
        return live

    def _show(self, result: Breakdown, args: argparse.Namespace) -> None:
        """The breakdown as one output: HTML with the diagram, the image, plain text."""
        try:
            data, metadata = mimebundle(
                result, theme=args.theme, highlight=args.highlight, fmt=args.image_format or "png"
            )
        except SettingsError as error:  # e.g. a --highlight the layer does not have
            raise UsageError(str(error)) from None
        display(data, raw=True, metadata=metadata)

    def _show_comparison(self, compared: Comparison, args: argparse.Namespace) -> None:
        """The differences as sentences, then the diagram of the side with more weights,
        every role whose weights differ marked (or the asked-for highlight)."""
        theme = THEMES[args.theme]
        try:
            data, metadata = mimebundle(
                compared.drawn,
                theme=args.theme,
                highlight=args.highlight or compared.marks or None,
                fmt=args.image_format or "png",
            )
        except SettingsError as error:  # a --highlight the drawn side does not have
            raise UsageError(str(error)) from None
        _lead_with(data, compared.text(), compared.html(theme.roles), theme)
        display(data, raw=True, metadata=metadata)

    def _show_quiz(
        self, question: Question, guess: int | None, args: argparse.Namespace, tokens: list[str]
    ) -> object:
        """The question over the diagram with every count hidden; or, with a guess, its
        verdict over the revealed diagram, marked where a wrong guess went wrong.
        Returns the :class:`~lstm_widget.quiz.Question`, or the guess's ``Verdict``."""
        result = question.breakdown
        asked = [question.prompt(), question.code()]
        if guess is None:
            # The same line with --guess instead of --quiz, so the answer is one edit away.
            flags = shlex.join(t for t in tokens if t not in ("--quiz", "-o"))
            answered: object = question
            lines, mark, hidden = [*asked, f"Answer: %lstm_params --guess N {flags}"], None, True
        else:
            verdict = answered = question.check(guess)
            mark = verdict.marks or None
            lines, hidden = [*asked, verdict.message], False
        try:
            data, metadata = mimebundle(
                result,
                theme=args.theme,
                highlight=args.highlight or mark,
                fmt=args.image_format or "png",
                hidden=hidden,
            )
        except SettingsError as error:  # a --highlight the layer does not have
            raise UsageError(str(error)) from None
        theme = THEMES[args.theme]
        prompt, code, last = (escape(line) for line in lines)
        html = f"<div>{prompt}</div><div><code>{code}</code></div><div><b>{last}</b></div>"
        _lead_with(data, "\n".join(lines), html, theme)
        display(data, raw=True, metadata=metadata)
        return answered

    def _explain(self, args: argparse.Namespace) -> object:
        obj = _lookup(self.shell, args.name)
        example = None
        if args.example is not None:
            example = _lookup(self.shell, args.example, "--example", "batch", "data.batch")
        from .introspect import explain  # the model adapters load when a model is named

        try:
            report = explain(obj, name=args.name, steps=args.steps, example=example)
        except SettingsError as error:
            raise UsageError(str(error)) from None
        if args.json:
            _show_json(report.to_dict(), args)
        else:
            bundle = {"text/plain": report.text(), "text/html": report.html(THEMES[args.theme])}
            display(bundle, raw=True)
        return report if args.return_result else None


def _drawing_flags(args: argparse.Namespace) -> str:
    """``--highlight and --format``: the flags given that style a diagram; "" for none."""
    given = (("--highlight", args.highlight), ("--format", args.image_format))
    return " and ".join(flag for flag, value in given if value is not None)


def _show_json(data: dict[str, Any], args: argparse.Namespace) -> None:
    """``data`` as JSON: a tree in a notebook, indented text in a terminal; a flag that
    styles a diagram is refused, since none is drawn."""
    drawing = _drawing_flags(args)
    if drawing:
        verb = "style" if " and " in drawing else "styles"
        raise UsageError(f"{drawing} {verb} the diagram, which --json does not draw; drop it.")
    display({"application/json": data, "text/plain": json.dumps(data, indent=2)}, raw=True)


def _doc() -> str:
    """The magic's docstring, its flags as the registry has them now."""
    return f"""Show where a recurrent layer's parameter count comes from.

Displays the weight-group table, the formula with numbers substituted, the per-unit
reading and a block diagram as one output (HTML and an image, plain text in a
terminal). The setting flags are those of the ``lstm-params`` command.

{_MAGIC_EXAMPLES}
{_help()}"""


LstmMagics.lstm_params.__doc__ = _doc()
# ``%lstm_params?`` asks an object's getdoc() before its __doc__, and a bound method
# hands the lookup to its function: the help is made when asked, so it lists a cell
# registered since import.
LstmMagics.lstm_params.getdoc = _doc  # type: ignore[attr-defined]


#: The magic's name, as typed after ``%``.
MAGIC_NAME = "lstm_params"


def load(ipython: Any) -> None:
    """Register ``%lstm_params`` with ``ipython``."""
    ipython.register_magic_function(
        LstmMagics(ipython).lstm_params, magic_kind="line", magic_name=MAGIC_NAME
    )


def unload(ipython: Any) -> None:
    """Remove ``%lstm_params`` again, so ``%reload_ext`` starts from a clean slate."""
    manager = ipython.magics_manager
    manager.magics["line"].pop(MAGIC_NAME, None)
    # register_magic_function also keeps the function on the shell's user magics.
    if hasattr(manager.user_magics, MAGIC_NAME):
        delattr(manager.user_magics, MAGIC_NAME)
