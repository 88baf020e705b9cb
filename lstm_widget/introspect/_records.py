"""What introspection finds in a model, as plain records: the layers an adapter walked,
how each ran, the tensors they share, and what the report holds about each (explained,
counted, folded, not explained, without weights), with the summary's rows.

Data only: the presentation modules above (:mod:`lstm_widget.display`,
:mod:`lstm_widget.report`, :mod:`lstm_widget.diagram`) turn these into text, HTML and
pictures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from ..counting import (
    Breakdown,
    Piece,
    Settings,
    SettingsError,
)
from ..layers import LayerCount

Shape = tuple[int, ...]
TensorShapes = tuple[tuple[str, Shape], ...]
#: An output's axes as the framework records them; None where it is open (Keras' batch
#: and, for a sequence of any length, time axis).
Dims = tuple[int | None, ...]
#: Whether a dense or recurrent layer (second) takes a recurrent layer's (first) output.
Feeds = Callable[[Any, Any], bool]
#: What a framework layer (first) calls one of counting's tensor names (second).
WeightName = Callable[[Any, str], str]
#: How an adapter reads a layer kind: framework class name -> the layer's registry key,
#: the sizes of its shape symbols and its switches.
Readers = Mapping[str, Callable[[Any], tuple[str, dict[str, int], dict[str, bool]]]]


class IntrospectionError(SettingsError):
    """The object cannot be explained (not a model, or not built yet); one sentence."""


def position_count(positions: Dims, steps: int) -> int:
    """How many positions a layer runs at, an open axis being ``steps`` long."""
    return math.prod(steps if n is None else n for n in positions)


def layer_title(path: str, class_name: str) -> str:
    """``encoder (LSTM)``; just the class for a model's root module, whose path is empty."""
    return f"{path} ({class_name})" if path else class_name


def row_name(path: str, class_name: str) -> str:
    """What a row calls a layer: its path, or its class for a model's root module (its
    own tensors, a CRF's transitions), as torchinfo names its first row."""
    return path or class_name


#: A recurrent layer (with what folds into it), a layer counted from its spec, one
#: without weights, one not explained.
RowFamily = Literal["recurrent", "counted", "weightless", "unexplained"]


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a model's compact summary, as ``model.summary()`` has it, with the
    derivation added: its formula with numbers, and whether it reconciles."""

    name: str
    kind: str
    output_shape: str
    params: int
    formula: tuple[Piece, ...]
    verdict: str
    #: What the row is to lstm_widget, for the model's strip diagram to tell apart.
    family: RowFamily = "counted"
    #: The name of the row whose breakdown this layer is part of (a recurrent layer
    #: with those stacked on it and its dense head); "" for a layer counted alone.
    group: str = ""

    @property
    def folded(self) -> bool:
        """Whether this layer is counted in the breakdown of a layer listed before it."""
        return bool(self.group) and self.group != self.name

    @property
    def title(self) -> str:
        """``encoder (LSTM)``; a model's root module (named by its class) by its class."""
        return self.name if self.name == self.kind else layer_title(self.name, self.kind)


#: The longest block of layers a run of repeats is looked for in: a transformer-like
#: block of a handful of layers, not a whole model repeated twice.
LONGEST_REPEATED_BLOCK = 8
#: How often a block must stand in a row to fold: its first and last stay, so fewer
#: would fold nothing.
FOLDS_FROM = 3


@dataclass(frozen=True)
class RepeatedRows:
    """The middle of a run of identical blocks of layers, folded into one entry: the
    blocks before it and after it stay as rows. ``rows`` holds every folded row."""

    rows: tuple[SummaryRow, ...]
    #: Layers in one block.
    block: int

    @property
    def times(self) -> int:
        """How many blocks are folded."""
        return len(self.rows) // self.block

    @property
    def params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def kinds(self) -> str:
        """``LSTM, Linear, LayerNorm``: one block's layer types."""
        return ", ".join(row.kind for row in self.rows[: self.block])

    @property
    def text(self) -> str:
        """``396 more of (LSTM, Linear, LayerNorm): 1,234,567``."""
        what = self.kinds if self.block == 1 else f"({self.kinds})"
        return f"{self.times:,} more of {what}: {self.params:,}"


def _row_key(row: SummaryRow) -> tuple[object, ...]:
    """What makes two rows the same layer but for its name."""
    return (row.kind, row.output_shape, row.params, row.verdict, row.family, row.folded)


def fold_repeats(rows: Sequence[SummaryRow]) -> list[SummaryRow | RepeatedRows]:
    """``rows`` with every run of one block of layers standing :data:`FOLDS_FROM` or
    more times in a row as its first block, the blocks between as one
    :class:`RepeatedRows`, and its last block, as a deep stack's table folds its
    middle layers. The longest run wins; of equal ones, the shortest block."""
    keys = [_row_key(row) for row in rows]
    folded: list[SummaryRow | RepeatedRows] = []
    start = 0
    while start < len(rows):
        best = (0, 1)  # (layers covered, block)
        for block in range(1, LONGEST_REPEATED_BLOCK + 1):
            times = 1
            pattern = keys[start : start + block]
            while keys[start + times * block : start + (times + 1) * block] == pattern:
                times += 1
            if len(pattern) == block and times >= FOLDS_FROM and times * block > best[0]:
                best = (times * block, block)
        covered, block = best
        if not covered:
            folded.append(rows[start])
            start += 1
            continue
        end = start + covered
        folded += rows[start : start + block]
        folded.append(RepeatedRows(tuple(rows[start + block : end - block]), block))
        folded += rows[end - block : end]
        start = end
    return folded


@dataclass(frozen=True)
class Runs:
    """How a layer runs over one example: as forward hooks counted it on a run (PyTorch),
    or as the shapes a model records show it for the sequence (Keras).

    ``each`` holds every call's positions for one example of the batch (a recurrent
    module's time steps, 1 for a cell's step, a convolution's output pixels) with the
    keys it attended over (attention's S; 1 for any other layer), in call order; None
    when they are not known. ``why`` says why its work is not known, when it is not:
    no positions, or a figure per position that does not hold for the run.
    """

    calls: int
    each: tuple[tuple[int, int], ...] | None
    why: str = ""
    #: A ConvLSTM's output grid (Keras records it): each of its steps runs at every
    #: position of it, so ``each`` counts steps × the grid's positions.
    grid: Shape = ()

    @property
    def positions(self) -> int | None:
        """Positions over all calls, for one example; None when not known."""
        return None if self.each is None else sum(n for n, _ in self.each)

    @property
    def steps(self) -> int | None:
        """Time steps over all calls (positions, less a ConvLSTM's grid); None when not
        known."""
        positions = self.positions
        return None if positions is None else positions // math.prod(self.grid)

    def repeated(self, times: int) -> Runs:
        """The same run ``times`` over: a forward that is one time step, once a step."""
        each = None if self.each is None else self.each * times
        return Runs(self.calls * times, each, self.why, self.grid)

    def text(self) -> str:
        """``7 steps``, ``30 steps in 30 calls``, ``10 steps × 8 × 8 grid positions``."""
        steps = self.steps or 0
        text = f"{steps:,} step{'s' * (steps != 1)}"
        if self.calls > 1:
            text += f" in {self.calls:,} calls"
        return text + (
            f" × {' × '.join(f'{n:,}' for n in self.grid)} grid positions" if self.grid else ""
        )

    def macs(self, per_position: Callable[[int], int]) -> int | None:
        """``per_position`` (MACs at one position, given the keys) at every position of
        every call; None when its work is not known."""
        if self.each is None or self.why:
            return None
        return sum(per_position(keys) * n for n, keys in self.each)


@dataclass(frozen=True)
class Sharing:
    """A tensor one layer holds with another (tied weights): counted once, by the first
    layer holding it (``counted_here``), and named in both rows."""

    name: str
    shape: Shape
    #: The other layer: its path, or its class for a model's root module.
    other: str
    counted_here: bool

    @property
    def note(self) -> str:
        """``weight shared with dec``; ``weight (1000, 32) shared with emb, counted there``."""
        if self.counted_here:
            return f"{self.name} shared with {self.other}"
        return f"{self.name} {self.shape} shared with {self.other}, counted there"


def sharing_pieces(
    sharing: Sequence[Sharing], *, first: bool = False
) -> tuple[tuple[str, None], ...]:
    """A row's formula's tail naming its shared tensors, ``; weight shared with dec``
    (``first``: with nothing before it)."""
    notes = "; ".join(s.note for s in sharing)
    return ((notes if first else f"; {notes}", None),) if notes else ()


@dataclass(frozen=True)
class FoldedLayer:
    """A layer folded into the breakdown of the recurrent layer it follows: a recurrent
    layer stacked on it, or the dense head."""

    path: str
    class_name: str
    framework_count: int
    position: int = 0
    output_shape: str = ""
    #: How many of the breakdown's layers it holds (a PyTorch ``num_layers``); 0 for
    #: a dense head.
    depth: int = 1
    #: Tensors it holds with other layers (tied weights), counted here.
    sharing: tuple[Sharing, ...] = ()


@dataclass(frozen=True)
class ExplainedLayer:
    """A recurrent layer (plus those stacked on it and the dense head) with its breakdown.

    ``stacked`` are the recurrent layers above it that make one stack with it (each
    feeding the next), ``head`` the dense head the stack feeds. ``framework_tensors``
    are the framework's own tensor names and shapes, in the framework's order; the
    breakdown's groups carry those real names.
    """

    path: str
    class_name: str
    breakdown: Breakdown
    framework_count: int
    framework_tensors: TensorShapes
    head: FoldedLayer | None = None
    stacked: tuple[FoldedLayer, ...] = ()
    position: int = 0
    output_shape: str = ""
    frozen: bool = False
    #: The output axes the dense head runs at, as for a :class:`CountedLayer`; None
    #: when its output shape is not known (it is then counted at every step).
    head_positions: Dims | None = None
    #: Measured on a run over an example: how each layer of the breakdown ran (a
    #: module of ``num_layers`` layers gives each of them its runs), and the head;
    #: empty and None when nothing was measured.
    layer_runs: tuple[Runs, ...] = ()
    head_ran: Runs | None = None
    #: Tensors its layers hold with other layers (tied weights), counted here.
    sharing: tuple[Sharing, ...] = ()

    def head_runs(self, steps: int) -> int | None:
        """How often the dense head runs over a sequence of ``steps``: as a run over an
        example counted it, else once on the last step (a classifier), at every step,
        or at the positions its output shows; None when a run could not tell."""
        if self.head_ran is not None:
            return None if self.head_ran.why else self.head_ran.positions
        return steps if self.head_positions is None else position_count(self.head_positions, steps)

    def ran_steps(self) -> int | None:
        """The time steps its layers ran on the example, when measured and the same for
        every layer; None otherwise."""
        steps = {runs.steps for runs in self.layer_runs}
        return steps.pop() if len(steps) == 1 else None

    @property
    def title(self) -> str:
        """``lstm (LSTM) + lstm_1 (LSTM) + time_distributed (TimeDistributed)``."""
        folded = (*self.stacked, *((self.head,) if self.head else ()))
        return " + ".join(layer_title(layer.path, layer.class_name) for layer in (self, *folded))

    @cached_property
    def matches(self) -> bool:
        """Same total and the same tensor shapes, in order, as the framework holds.

        Kept once known: every row of a deep stack reads it, and it reads every tensor.
        """
        ours = tuple(self.breakdown.tensors().values())
        theirs = tuple(shape for _, shape in self.framework_tensors)
        return self.breakdown.total == self.framework_count and ours == theirs


@dataclass(frozen=True)
class CountedLayer:
    """A layer around the recurrent ones (embedding, dense, convolution, norm, attention),
    counted from the registry's spec of its kind."""

    path: str
    class_name: str
    count: LayerCount
    framework_count: int
    framework_tensors: TensorShapes
    position: int = 0
    output_shape: str = ""
    frozen: bool = False
    #: Why a dense layer was not folded into the recurrent layer before it, if it was
    #: a candidate.
    note: str = ""
    #: The sizes of the output axes the layer runs at, batch and features left out
    #: (None for the sequence's length); None when its output shape is not known.
    positions: Dims | None = None
    #: How it ran on a run over an example (PyTorch), which then counts instead of
    #: ``positions``: every call's positions, and attention's keys at each.
    runs: Runs | None = None
    #: Tensors it holds with other layers (tied weights). ``count`` has only those
    #: counted here; ``whole`` all of its kind's tensors, which its work multiplies,
    #: when some are counted elsewhere.
    sharing: tuple[Sharing, ...] = ()
    whole: LayerCount | None = None

    @property
    def title(self) -> str:
        return layer_title(self.path, self.class_name)

    @property
    def work_count(self) -> LayerCount:
        """Its kind's count with every tensor it multiplies, shared ones included."""
        return self.whole or self.count

    def sequence_macs(self, steps: int) -> int | None:
        """Multiply-accumulates for a sequence of ``steps`` (also attention's keys): the
        figure per position times the positions a run counted or its output shape
        shows; None when its work or its positions are not known. A layer doing no
        product does 0 anyway."""
        count = self.work_count
        if count.spec.work_unknown:
            return None
        per_position = count.macs(steps)
        if self.runs is not None and per_position:
            return self.runs.macs(count.macs)
        if not per_position or self.positions is None:
            return None if per_position else 0
        return per_position * position_count(self.positions, steps)

    def position_count(self, steps: int) -> int | None:
        """The positions it runs at for a sequence of ``steps``; None when not known."""
        if self.runs is not None:
            return self.runs.positions
        return position_count(self.positions or (), steps)

    @property
    def non_trainable(self) -> int:
        """What the framework never trains here: all of a frozen layer, else the
        weights its kind keeps untrained (Keras' moving statistics)."""
        return self.count.total if self.frozen else self.count.non_trainable

    @property
    def matches(self) -> bool:
        """Same total and the same tensor shapes, as many of each, as the framework holds."""
        ours = Counter(t.shape for t in self.count.tensors)
        theirs = Counter(shape for _, shape in self.framework_tensors)
        return self.count.total == self.framework_count and ours == theirs


@dataclass(frozen=True)
class UnexplainedLayer:
    """A layer with parameters that lstm_widget does not break down, and why."""

    path: str
    class_name: str
    framework_count: int
    reason: str
    position: int = 0
    output_shape: str = ""
    #: Its tensors counted here, by their names within the layer, with their shapes.
    tensors: TensorShapes = ()
    sharing: tuple[Sharing, ...] = ()

    @property
    def title(self) -> str:
        return layer_title(self.path, self.class_name)

    def tensor_pieces(self) -> tuple[tuple[str, None], ...]:
        """``transitions (5, 5)``, each of its tensors, then any it shares."""
        named = " + ".join(f"{name} {shape}" for name, shape in self.tensors)
        if not named:
            return sharing_pieces(self.sharing, first=True)
        return ((named, None), *sharing_pieces(self.sharing))


@dataclass(frozen=True)
class WeightlessLayer:
    """A layer without parameters (Dropout, Flatten, Activation, pooling, Reshape, ...),
    listed as the framework lists it, at 0."""

    path: str
    class_name: str
    position: int = 0
    output_shape: str = ""


@dataclass(frozen=True)
class Layer:
    """One layer, as a walker found it, before heads are folded in; one without
    parameters has no ``tensors``.

    ``tensors`` carry the full names a table shows, ``names`` the same tensors' names
    within the layer (what the standard layout is checked against), and ``module`` is
    the framework's own object. ``settings`` describes a recurrent layer we count,
    ``other`` a layer of a kind the registry lists (a dense layer with a bias also has
    ``head``, its input and output width, in case it folds into the recurrent layer
    before it), and ``reason`` says why a layer is neither.
    """

    path: str
    class_name: str
    count: int
    tensors: TensorShapes
    names: tuple[str, ...]
    module: Any
    settings: Settings | None = None
    head: tuple[int, int] | None = None
    other: LayerCount | None = None
    reason: str = ""
    #: The output's axes as the framework records them (Keras) or a run on an example
    #: showed them (PyTorch); None when neither did.
    output_dims: Dims | None = None
    frozen: bool = False
    #: The sizes of the output axes the layer runs at (its positions: time steps, a
    #: convolution's grid), a sequence's open length as None; None when not known.
    positions: Dims | None = None
    #: How it ran on a run over an example (PyTorch); None when it was not run.
    runs: Runs | None = None
    #: Tensors it holds with other layers. ``tensors``, ``names`` and ``count`` are
    #: those counted here; the ones counted where they first appear are ``borrowed``.
    sharing: tuple[Sharing, ...] = ()

    @property
    def borrowed(self) -> tuple[Sharing, ...]:
        return tuple(s for s in self.sharing if not s.counted_here)

    @property
    def weightless(self) -> bool:
        return not self.tensors and not self.borrowed

    @property
    def output_shape(self) -> str:
        """``(None, 30, 512)``, as ``model.summary()`` and torchinfo print it; "" unknown."""
        return "" if self.output_dims is None else str(self.output_dims)


@dataclass(frozen=True)
class Walk:
    """What an adapter found in a model: its layers, in order (those without parameters
    too, as the framework lists them), and what the neutral assembly needs to ask of the
    framework.

    ``feeds`` tells whether a dense or recurrent layer takes a recurrent layer's output;
    ``weight_name`` what a framework layer calls one of counting's tensor names.
    """

    model_name: str
    layers: Sequence[Layer]
    total: int
    feeds: Feeds
    weight_name: WeightName
    trainable_total: int | None = None
    #: Where a framework records no output shapes (PyTorch): runs the model on an
    #: example input and returns what the run showed.
    run_example: Callable[[object], Run] | None = None
    shapes_note: str = ""
    #: Filled from a run over an example, as :class:`ModelReport` has them.
    run_note: str = ""
    outside: tuple[tuple[str, str], ...] = ()
    #: Whether forward handed back a tensor shaped as one it was given after its input
    #: (a state, fed in again by the caller's loop).
    returns_state: bool = False
    #: Where a framework records its graph (Keras): the walk with how every layer
    #: runs over one example of a sequence of ``steps`` time steps, which fill only
    #: the inputs' open time axes.
    at_steps: Callable[[Walk, int], Walk] | None = None
    #: What ``steps`` filled, when it is worth saying (the inputs record their length).
    steps_note: str = ""


@dataclass(frozen=True)
class Run:
    """What one run over an example showed (PyTorch): each layer's output shape and how
    it ran, by its module's id, and work found outside every layer (where, and why it
    is not known)."""

    shapes: Mapping[int, Dims]
    runs: Mapping[int, Runs]
    outside: tuple[tuple[str, str], ...] = ()
    returns_state: bool = False
