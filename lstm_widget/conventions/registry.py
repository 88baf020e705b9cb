"""The registry's tables and what every view asks of them.

:data:`CELL_SPECS` and :data:`FRAMEWORK_SPECS` hold every cell family and convention by
key; the code registered against their keys (builders, schematics, code writers,
introspection adapters) sits in :class:`CodeTable` instances in the modules that define
it. :func:`register_cell` and :func:`register_framework` add entries, and
:func:`scratch` puts every table back as it was afterwards, so a test can register a
whole new cell and see every view of it without leaving it behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Literal, TypeVar, get_args, overload

from . import cells, frameworks
from .settings import OPTIONS, SETTINGS
from .specs import CellConvention, CellSpec, FrameworkSpec

#: A cell family's key (``"lstm"``, ...): any key :data:`CELL_SPECS` holds.
Cell = str
#: A convention's key (``"keras"``, ...): any key :data:`FRAMEWORK_SPECS` holds.
Framework = str
Role = Literal[
    "input",
    "recurrent",
    "bias",
    "second_bias",
    "peephole",
    "projection",
    "conv",
    "scale",
    "feedforward",
    "dense",
]
ROLES: tuple[Role, ...] = get_args(Role)

#: How each role is named in tables, legends and the formula.
ROLE_LABELS: Mapping[Role, str] = {
    "input": "input weights",
    "recurrent": "recurrent weights",
    "bias": "bias",
    "second_bias": "second bias",
    "peephole": "peepholes",
    "projection": "projection",
    "conv": "causal conv",
    "scale": "norm and skip scales",
    "feedforward": "feed-forward",
    "dense": "dense head",
}

_CELL_TABLE: dict[str, CellSpec] = {spec.key: spec for spec in cells.BUILT_IN}
_FRAMEWORK_TABLE: dict[str, FrameworkSpec] = {spec.key: spec for spec in frameworks.BUILT_IN}
#: Every cell family, by key, in the order choices are offered.
CELL_SPECS: Mapping[Cell, CellSpec] = _CELL_TABLE
#: Every convention, by key, in the order choices are offered.
FRAMEWORK_SPECS: Mapping[Framework, FrameworkSpec] = _FRAMEWORK_TABLE


class SettingsError(ValueError):
    """A setting has a value the chosen cell and framework do not allow.

    The message is one sentence naming the bad value and what is allowed, meant to be
    shown to the user as it is.
    """


class Keys(Sequence[str]):
    """A table's keys as they are now, in order: a live view, never a copy, so a
    choice registered later is offered too."""

    def __init__(self, table: Mapping[str, object]) -> None:
        self._table = table

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return tuple(self._table)[index]

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def __repr__(self) -> str:
        return repr(tuple(self._table))


#: Every cell family's key, as the registry holds them now.
CELLS = Keys(_CELL_TABLE)
#: Every convention's key, as the registry holds them now.
FRAMEWORKS = Keys(_FRAMEWORK_TABLE)

T = TypeVar("T")

#: Every table of registered code, so that :func:`scratch` can put them back.
_CODE_TABLES: list[CodeTable[Any]] = []
#: What is worked out from the tables and kept until they change.
_DERIVED: dict[str, Any] = {}


class CodeTable(dict[str, T], Generic[T]):
    """Code registered against a registry key: builders, schematics, code writers.

    ``kind`` names what it holds, for the sentence refusing a key nothing is
    registered under.
    """

    def __init__(self, kind: str, how: str) -> None:
        super().__init__()
        self.kind, self.how = kind, how
        _CODE_TABLES.append(self)

    def registered(self, key: str) -> T:
        """The code registered under ``key``, or a LookupError naming what is missing."""
        try:
            return self[key]
        except KeyError:
            raise LookupError(
                f"no {self.kind} is registered for {key!r}; add one with {self.how}."
            ) from None

    def register(self, key: str) -> Callable[[T], T]:
        """A decorator registering what it decorates under ``key``."""

        def register(code: T) -> T:
            self[key] = code
            return code

        return register


def register_cell(spec: CellSpec) -> CellSpec:
    """Add ``spec`` to the cell families (after those there are)."""
    _CELL_TABLE[spec.key] = spec
    _DERIVED.clear()
    return spec


def register_framework(spec: FrameworkSpec) -> FrameworkSpec:
    """Add ``spec`` to the conventions (after those there are)."""
    _FRAMEWORK_TABLE[spec.key] = spec
    _DERIVED.clear()
    return spec


@contextmanager
def scratch() -> Iterator[None]:
    """Put every table (cells, conventions, registered code) back as it was on leaving.

    >>> with scratch():
    ...     _ = register_cell(CellSpec("toy", "toy", (), "toy"))
    ...     "toy" in CELL_SPECS
    True
    >>> "toy" in CELL_SPECS
    False
    """
    tables: list[dict[str, Any]] = [_CELL_TABLE, _FRAMEWORK_TABLE, *_CODE_TABLES]
    saved = [dict(table) for table in tables]
    try:
        yield
    finally:
        for table, entries in zip(tables, saved, strict=True):
            table.clear()
            table.update(entries)
        _DERIVED.clear()


def derived(name: str, work: Callable[[], T]) -> T:
    """``work()``, kept under ``name`` until the tables change: what is made from the
    registry (a flag parser, a table of letters) is made once per state of it, and a
    cell or framework registered later is in it from then on."""
    if name not in _DERIVED:
        _DERIVED[name] = work()
    value: T = _DERIVED[name]
    return value


# ------------------------------------------------------------------------- lookups


def cell_spec(cell: str) -> CellSpec:
    return _CELL_TABLE[cell]


def framework_spec(framework: str) -> FrameworkSpec:
    return _FRAMEWORK_TABLE[framework]


def convention(framework: str, cell: str) -> CellConvention:
    """How ``framework`` stores ``cell``."""
    return framework_spec(framework).cells[cell]


def layer_name(
    framework: str, cell: str, kernel: tuple[int, ...] = (), layout: CellConvention | None = None
) -> str:
    """The layer class as its users know it, e.g. ``"Keras SimpleRNN"``.

    A convolutional cell's class ends in its kernel's dimensionality when one is
    given (``"Keras ConvLSTM2D"``), and names the family without it; ``layout`` is
    the convention an option switched to, when one did (``"Flax OptimizedLSTMCell"``).
    """
    stored = layout or convention(framework, cell)
    name = stored.class_name + (f"{len(kernel)}D" if kernel else "")
    return f"{framework_spec(framework).label} {name}"


def cell_refusal(cell: str, framework: str) -> str | None:
    """The one sentence refusing ``cell`` in a framework that lacks it, or None.

    >>> print(cell_refusal("convlstm", "pytorch"))
    cell='convlstm' (ConvLSTM) exists only in Keras, not in PyTorch; use framework='keras'.
    """
    cells = framework_spec(framework).cells
    if cell in cells:
        return None
    having = [key for key, spec in FRAMEWORK_SPECS.items() if cell in spec.cells]
    if len(having) == 1:  # a cell of one framework: point there
        return (
            f"cell={cell!r} ({cell_spec(cell).label}) exists only in "
            f"{framework_spec(having[0]).label}, not in {framework_spec(framework).label}; "
            f"use framework={having[0]!r}."
        )
    offered = ", ".join(f"{key} ({layout.class_name})" for key, layout in cells.items())
    return f"framework={framework!r} has no {cell} cell; it has {offered}."


#: Letters whose spoken name starts with a vowel sound: "an LSTM", "an sLSTM", "an RNN".
_VOWEL_NAMED_LETTERS = "aefhilmnorsx"


def with_article(noun: str) -> str:
    """``"a Keras GRU"``, ``"an ONNX LSTM"``, ``"an LSTM"``, ``"an sLSTM"``, ``"an xlstm
    block"``, ``"a minGRU"``, ``"a str"``, ``"an int"``: ``noun`` with the article its
    first word is said with. An initialism (a single letter, all capitals, or a small
    letter before capitals) is said letter by letter; a word by its first sound, an x
    before a consonant being said "ex"."""
    word = noun.split()[0]
    first = word[0].lower()
    if len(word) == 1 or word.isupper() or word[1:2].isupper():
        vowel_sound = first in _VOWEL_NAMED_LETTERS
    else:
        vowel_sound = first in "aeiou" or (first == "x" and word[1].lower() not in "aeiouy")
    return f"{'an' if vowel_sound else 'a'} {noun}"


# ------------------------------------------------------------------------ settings


def applies(option: str, framework: str, cell: str) -> bool:
    """Whether ``option`` can leave its neutral value for this framework × cell (never
    where the framework lacks the cell)."""
    layout = framework_spec(framework).cells.get(cell)
    return layout is not None and option in layout.options


def applies_to(option: str) -> tuple[str, ...]:
    """The layers ``option`` exists for, e.g. ``("PyTorch LSTM",)``."""
    return tuple(
        layer_name(framework, cell)
        for framework, spec in FRAMEWORK_SPECS.items()
        for cell in spec.cells
        if applies(option, framework, cell)
    )


def option_refusal(option: str, value: object, framework: str, cell: str) -> str | None:
    """The one sentence refusing ``option=value`` on this layer, or None if allowed.

    An option at its neutral value is allowed everywhere: it is what every layer
    without the option counts as.
    """
    neutral = OPTIONS[option].neutral
    if value == neutral or applies(option, framework, cell):
        return None
    *others, last = (with_article(name) for name in applies_to(option))
    where = f"{', '.join(others)} or {last}" if others else last
    return (
        f"{option}={value!r} applies only to {where}, not "
        f"{with_article(layer_name(framework, cell))}; use {option}={neutral!r}."
    )


#: Settings that are no option but that some layers hold at their default, with why.
HELD: Mapping[str, str] = {
    "input_size": "its input is as wide as its units (each block adds its input to its "
    "output), so give units alone or the same width",
}


def held_refusal(name: str, value: object, framework: str, cell: str) -> str | None:
    """The one sentence refusing ``name=value`` (a :data:`HELD` setting) on a layer
    that holds it at its default, or None if allowed."""
    held, default = setting_rules(framework, cell).get(name, (True, None))
    if held or value == default:
        return None
    layer = with_article(layer_name(framework, cell))
    return f"{name}={value!r} does not apply to {layer}: {HELD[name]}; use {name}={default!r}."


def setting_rules(framework: str, cell: str) -> dict[str, tuple[bool, Any]]:
    """Each option's (whether this layer has it, its value where it does not).

    Biases are an option too where a layer can drop them; elsewhere they count as the
    layer has them: on, or off for a layer built without any. Two directions are one
    where the layer can run backwards.
    """
    layout = framework_spec(framework).cells.get(cell)
    rules = {name: (applies(name, framework, cell), o.neutral) for name, o in OPTIONS.items()}
    if layout is None:  # an unknown pair is the Settings' sentence to say
        rules["bias"] = (True, True)
        rules["bidirectional"] = (True, False)
        return rules
    rules["bias"] = (layout.optional_bias and layout.biases > 0, layout.biases > 0)
    rules["bidirectional"] = (layout.bidirectional, False)
    if cell_spec(cell).residual:  # its input is its width (HELD)
        rules["input_size"] = (False, SETTINGS["input_size"].default)
    return rules


def setting_help(name: str) -> str:
    """A setting flag's help: its table entry's text, filled in from the registry, and
    its default where it has one worth saying."""
    spec = SETTINGS[name]
    renamed = [cell for cell in CELL_SPECS.values() if cell.inputs != "input_size"]
    fields = {
        "layers": ", ".join(applies_to(name)),
        "cells": _cell_names(),
        "inputs": "".join(f", {with_article(c.label)}'s {c.inputs}" for c in renamed),
        "units": "".join(
            f" ({with_article(c.label)}'s {c.units})"
            for c in CELL_SPECS.values()
            if c.units != "units"
        ),
    }
    text = spec.help.format(**fields)
    if spec.kind in ("choice", "count", "widths", "factor") and spec.default is not None:
        text += f" (default: {spec.default})"
    return text


def _cell_names() -> str:
    """``lstm, gru or rnn (simple RNN)``: each cell's key, and its name where it differs."""
    names = [
        key if spec.label.lower() == key else f"{key} ({spec.label})"
        for key, spec in CELL_SPECS.items()
    ]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def choices(name: str) -> Sequence[str]:
    """The values a choice setting takes: the cells or the conventions, as they are
    now, or the setting's own (xLSTM's ``scope``)."""
    return {"cell": CELLS, "framework": FRAMEWORKS}.get(name) or SETTINGS[name].choices


# --------------------------------------------------------------------------- gates


def _letters() -> Mapping[str, str]:
    """Every convention's gate letters by stable name; a letter never names two gates."""
    letters: dict[str, str] = {}
    for spec in FRAMEWORK_SPECS.values():
        for layout in spec.cells.values():
            for letter in layout.gate_order:
                stable = layout.stable_gate(letter)
                if letters.setdefault(letter, stable) != stable:
                    raise AssertionError(f"gate letter {letter!r} names two gates")
    return letters


def stable_name(name: str) -> str:
    """``name``'s stable name if it is a gate letter (``g``: ``candidate``), else itself
    (a role, or a name already stable)."""
    return derived("letters", _letters).get(name, name)


def stable_gate(letter: str) -> str:
    """The framework-independent name of a gate letter: the candidate's is ``candidate``.

    >>> stable_gate("g"), stable_gate("f")
    ('candidate', 'f')
    """
    return derived("letters", _letters)[letter]


def gate_letters(cell: str) -> Mapping[str, str]:
    """Every framework's gate letters for ``cell``, each with its stable name.

    A highlight may name a gate the way any framework does (``g`` in a Keras LSTM is
    the same candidate as its ``c``), so the names mean the same gate everywhere.
    """
    return {
        letter: layout.stable_gate(letter)
        for spec in FRAMEWORK_SPECS.values()
        if cell in spec.cells
        for layout in (spec.cells[cell],)
        for letter in layout.gate_order
        if letter
    }


def letter_display(letter: str) -> str:
    """What tables call the gate a framework's ``letter`` names, in any cell having it."""

    def displays() -> Mapping[str, str]:
        # A letter two cells use (z: a GRU's update gate, an sLSTM's cell input) keeps
        # the words of the first cell registered.
        words: dict[str, str] = {}
        for spec in FRAMEWORK_SPECS.values():
            for cell, layout in spec.cells.items():
                for letter in layout.gate_order:
                    words.setdefault(letter, gate_display(cell, letter))
        return words

    return derived("displays", displays)[letter]


def gate_display(cell: str, letter: str) -> str:
    """What tables call a gate, by any framework's letter: ``forget gate``, ``candidate``."""
    return cell_spec(cell).gate(stable_gate(letter)).display
