"""Explain a live Keras 3 or PyTorch model: every recurrent layer, reconciled.

:func:`explain` walks a user's own model, reads each recurrent layer's settings off
the built object (cell, input size, units, stacking, direction, bias, projection,
``reset_after``), counts it with :func:`~lstm_widget.counting.breakdown` and checks
the result against the framework's own numbers twice: the layer's tensor shapes, in
the framework's order, and its parameter count. The model's total is reconciled with
Keras ``count_params()`` or PyTorch ``sum(p.numel() for p in model.parameters())``.

A recurrent layer is explained only when its tensors (names and shapes, as the
framework calls them) are exactly the ones its breakdown predicts; one with extra or
reparametrised weights (LoRA, quantisation scales, weight norm, a learnt initial
state) is listed as not explained, so no breakdown claims weights it does not hold.

What is folded into a recurrent layer's breakdown: the recurrent layers stacked on it,
each the same cell with the same options, taking exactly the features the one before
hands on and fed by it (in a Keras model by its recorded graph, in a PyTorch module by
the order of definition), so ``LSTM(32) → LSTM(18)`` is one stack of two widths, as
separate ``nn.LSTM`` modules are in PyTorch; and then a ``Dense`` / ``TimeDistributed(Dense)``
(Keras) or ``nn.Linear`` (PyTorch) with a bias and exactly its standard tensors, when it
is the next layer with parameters and takes the recurrent layer's output width. In a
Keras model whose graph is recorded, every call of it must also take one of the
recurrent layer's outputs (its output or a final state from ``return_state``, all as
wide), directly, through layers without weights that keep its shape (Dropout,
GaussianNoise, Activation, ...) or into a nested model that holds it; the mask Keras
passes along behind ``Embedding(mask_zero=True)`` is not another input. A subclassed
Keras model or a PyTorch module records no graph, so there the order of definition
decides. It becomes that breakdown's dense head. Every other layer with parameters is
counted from the registry's spec of its kind (embeddings, convolutions, norms,
attention, other dense layers) or, when none fits its tensors, listed as *not
explained*, with the framework's own count and the reason, so the totals still add up
and nothing is silently dropped. Layers without parameters are rows at 0.

Cells on their own are explained too, as one layer: PyTorch's ``LSTMCell`` /
``GRUCell`` / ``RNNCell`` hold exactly a one-layer module's tensors (``weight_ih``,
``weight_hh``, ``bias_ih``, ``bias_hh``), and Keras's ``LSTMCell`` / ``GRUCell`` /
``SimpleRNNCell`` the same three tensors as the layers that wrap them.

This module is the framework-neutral part: the report, the folding of dense heads, the
checks against the framework's tensors. What differs per framework (walking a model,
reading a layer's settings, telling whether a dense layer takes a recurrent layer's
output, naming tensors) is an :class:`Adapter`, registered against the
:attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key of its convention. Frameworks
are recognised by the modules their classes come from, so no adapter imports Keras or
PyTorch unless the object handed in comes from it (and then the framework is already
loaded). Conventions are tried in the registry's order, Keras before PyTorch, because a
Keras 3 model on the torch backend is also a ``torch.nn.Module``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from ..conventions import FRAMEWORK_SPECS, CodeTable, Framework, framework_spec, with_article
from ..conventions.layers import LayerSpec
from ..counting import (
    SETTING_NAMES,
    Breakdown,
    FormulaLine,
    Piece,
    Settings,
    SettingsError,
    breakdown,
    check_steps,
    plain,
)
from ..display import image_html, on_theme, picture_tag
from ..layers import LayerCount, count_layer
from ..report import (
    SummaryRow,
    fit_text,
    html_table,
    summary_html,
    summary_legend,
    summary_line,
    summary_text,
    text_table,
)
from ..style import LIGHT, Theme

if TYPE_CHECKING:  # matplotlib loads only when a picture is drawn
    from matplotlib.figure import Figure

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


def _position_count(positions: Dims, steps: int) -> int:
    """How many positions a layer runs at, an open axis being ``steps`` long."""
    return math.prod(steps if n is None else n for n in positions)


def _label(path: str, class_name: str) -> str:
    """``encoder (LSTM)``; just the class for a model's root module, whose path is empty."""
    return f"{path} ({class_name})" if path else class_name


def _row_title(row: SummaryRow) -> str:
    """``encoder (LSTM)``; a model's root module (its row named by its class) by its class."""
    return row.name if row.name == row.kind else _label(row.name, row.kind)


def row_name(path: str, class_name: str) -> str:
    """What a row calls a layer: its path, or its class for a model's root module (its
    own tensors, a CRF's transitions), as torchinfo names its first row."""
    return path or class_name


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


def _sharing_pieces(
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
        return (
            steps if self.head_positions is None else _position_count(self.head_positions, steps)
        )

    def ran_steps(self) -> int | None:
        """The time steps its layers ran on the example, when measured and the same for
        every layer; None otherwise."""
        steps = {runs.steps for runs in self.layer_runs}
        return steps.pop() if len(steps) == 1 else None

    @property
    def title(self) -> str:
        """``lstm (LSTM) + lstm_1 (LSTM) + time_distributed (TimeDistributed)``."""
        folded = (*self.stacked, *((self.head,) if self.head else ()))
        return " + ".join(_label(layer.path, layer.class_name) for layer in (self, *folded))

    @property
    def matches(self) -> bool:
        """Same total and the same tensor shapes, in order, as the framework holds."""
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
        return _label(self.path, self.class_name)

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
        return per_position * _position_count(self.positions, steps)

    def position_count(self, steps: int) -> int | None:
        """The positions it runs at for a sequence of ``steps``; None when not known."""
        if self.runs is not None:
            return self.runs.positions
        return _position_count(self.positions or (), steps)

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
class RowWork:
    """One layer's multiply-accumulates for a sequence: per position (a time step, a
    grid position) with the arithmetic, where it runs, and the product of the two."""

    #: The figure per position with its arithmetic, ``a × b = 16 × 3 = 48``; "" when
    #: it is not counted.
    formula: str
    macs: int
    #: Where it runs, ``7 steps`` or ``10 steps × 8 × 8 grid positions``; None when
    #: not known.
    runs: str | None
    total: int | None
    #: Why the total is not known, where it is not.
    unknown: str = ""

    def text(self) -> str:
        """``4 × (12 × 16 + 16 × 16) = 1,792 MACs × 7 steps = 12,544 MACs``, or why not."""
        if self.total is not None and not self.macs:
            return "0 MACs, no matrix product (a lookup or element-wise)"
        if self.total is not None:
            return f"{self.formula} MACs × {self.runs} = {self.total:,} MACs"
        if self.formula:
            return f"{self.formula} MACs per position; how often is not known: {self.unknown}"
        return f"not known, {self.unknown}"


def _plural_positions(n: int) -> str:
    return f"{n:,} position{'s' * (n != 1)}"


def _recurrent_work(item: ExplainedLayer, first: int, last: int, steps: int) -> RowWork:
    """The work of the stack's layers ``first`` to ``last`` (one framework layer): at
    every step a run counted, else at each of ``steps``."""
    b = item.breakdown
    lines = b.layer_lines(first, last, work=True)
    macs = sum(b.work.layer_macs[first : last + 1])
    formula = " + ".join(line.render("numeric") for line in lines) + f" = {macs:,}"
    if not item.layer_runs:
        if b.work.per_position:
            return RowWork(formula, macs, None, None, "a ConvLSTM's grid is not recorded")
        return RowWork(formula, macs, f"{steps:,} steps", macs * steps)
    runs = item.layer_runs[first : last + 1]
    counts = [r.positions for r in runs if not r.why]
    known = [n for n in counts if n is not None]
    if len(known) < len(runs):
        why = next((r.why for r in runs if r.why), "no positions")
        return RowWork(formula, macs, None, None, why)
    total = sum(m * n for m, n in zip(b.work.layer_macs[first : last + 1], known, strict=True))
    return RowWork(formula, macs, runs[0].text(), total)


def _head_work(item: ExplainedLayer, steps: int) -> RowWork:
    """The work of a stack's dense head, as often as it runs."""
    work = item.breakdown.work
    formula = f"{work.lines[-1].render('numeric')} = {work.head_macs:,}"
    runs = item.head_runs(steps)
    if runs is None:
        why = item.head_ran.why if item.head_ran and item.head_ran.why else "no positions"
        return RowWork(formula, work.head_macs, None, None, why)
    return RowWork(formula, work.head_macs, _plural_positions(runs), work.head_macs * runs)


def _counted_work(layer: CountedLayer, steps: int) -> RowWork:
    """A layer counted from its spec: its work per position (attention's with the keys
    each call attended over, else S = ``steps``) times the positions it runs at."""
    count = layer.work_count
    if count.spec.work_unknown:
        return RowWork("", 0, None, None, count.spec.work_unknown)
    macs, total, n = count.macs(steps), layer.sequence_macs(steps), layer.position_count(steps)
    keys = {k for _, k in layer.runs.each} if layer.runs and layer.runs.each else {steps}
    if not macs:
        formula = ""
    elif len(keys) == 1:
        formula = count.work_formula(keys.pop())
    else:  # attention over keys of another length at each call (a growing cache)
        formula = f"{count.work_symbols()}, S the keys of each call,"
    if total is None or n is None:
        why = "its output shape, unknown or open, gives no positions"
        return RowWork(formula, macs, None, None, layer.runs.why if layer.runs else why)
    return RowWork(formula, macs, _plural_positions(n), total)


def _row_data(row: SummaryRow, work: RowWork | None) -> dict[str, Any]:
    """A summary row, and its work for the sequence when it was counted, as JSON data."""
    data: dict[str, Any] = {
        "name": row.name,
        "type": row.kind,
        "output_shape": row.output_shape,
        "params": row.params,
        "formula": plain(row.formula),
        "verdict": row.verdict,
        "family": row.family,
        "group": row.group,
    }
    if work is not None:
        data["work"] = {
            "formula": work.formula,
            "macs_per_position": work.macs,
            "runs": work.runs,
            "macs": work.total,
            "not_known": work.unknown,
        }
    return data


def _folded_row(
    item: ExplainedLayer,
    layer: FoldedLayer,
    lines: Sequence[FormulaLine],
    ours: int,
    group: str,
) -> SummaryRow:
    """A framework layer of an explained stack (or its head) as its own summary row."""
    pieces: list[Piece] = []
    for k, line in enumerate(lines):
        pieces += [(" + ", None)] if k else []
        pieces += line.pieces("numeric")
    verdict = "yes" if item.matches and ours == layer.framework_count else "DOES NOT MATCH"
    formula = (*pieces, (f" = {ours:,}", None), *_sharing_pieces(layer.sharing))
    return SummaryRow(layer.path, layer.class_name, layer.output_shape, ours, formula,
                      verdict, "recurrent", group)  # fmt: skip


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
        return _label(self.path, self.class_name)

    def tensor_pieces(self) -> tuple[tuple[str, None], ...]:
        """``transitions (5, 5)``, each of its tensors, then any it shares."""
        named = " + ".join(f"{name} {shape}" for name, shape in self.tensors)
        if not named:
            return _sharing_pieces(self.sharing, first=True)
        return ((named, None), *_sharing_pieces(self.sharing))


@dataclass(frozen=True)
class WeightlessLayer:
    """A layer without parameters (Dropout, Flatten, Activation, pooling, Reshape, ...),
    listed as the framework lists it, at 0."""

    path: str
    class_name: str
    position: int = 0
    output_shape: str = ""


@dataclass(frozen=True, repr=False)  # the generated repr spells out every tensor: pages
class ModelReport:
    """Every recurrent layer of a model explained, the rest listed, totals reconciled.

    ``framework_total`` is the framework's own count of every parameter: Keras
    ``count_params()`` (trainable and non-trainable weights, the "Total params" of
    ``model.summary()``) or PyTorch ``sum(p.numel() for p in model.parameters())``.
    """

    framework: Framework
    model_name: str
    items: tuple[ExplainedLayer, ...]
    unexplained: tuple[UnexplainedLayer, ...]
    framework_total: int
    counted: tuple[CountedLayer, ...] = ()
    #: The framework's trainable count (Keras ``trainable_weights``, PyTorch parameters
    #: with ``requires_grad``); None where it was not read.
    framework_trainable: int | None = None
    weightless: tuple[WeightlessLayer, ...] = ()
    #: Why the summary's output shapes are blank, when they are.
    shapes_note: str = ""
    #: The sequence's length the work is counted for, when one was given.
    steps: int | None = None
    #: How a run over an example was read for the work (PyTorch), when there was one.
    run_note: str = ""
    #: Work a run found outside every layer (where, why not known): a matrix product
    #: written in a module's own forward, a layer's weights used outside it.
    outside: tuple[tuple[str, str], ...] = ()
    #: What ``steps`` filled, when it is worth saying (the inputs record their length).
    steps_note: str = ""

    @property
    def explained_total(self) -> int:
        recurrent = sum(item.breakdown.total for item in self.items)
        return recurrent + sum(layer.count.total for layer in self.counted)

    @property
    def unexplained_total(self) -> int:
        return sum(layer.framework_count for layer in self.unexplained)

    @property
    def non_trainable_total(self) -> int:
        """What lstm_widget says the framework never trains: frozen layers whole, and the
        untrained weights of the layers that keep them; unexplained layers not counted."""
        frozen = sum(item.breakdown.total for item in self.items if item.frozen)
        return frozen + sum(layer.non_trainable for layer in self.counted)

    def trainable_split(self) -> str:
        """``trainable 2,757,761 + non-trainable 0``, checked against the framework's."""
        total = self.explained_total + self.unexplained_total
        ours = f"trainable {total - self.non_trainable_total:,} + non-trainable "
        ours += f"{self.non_trainable_total:,}"
        frozen = [item.title for item in self.items if item.frozen]
        frozen += [layer.title for layer in self.counted if layer.frozen]
        kept = [
            layer.title for layer in self.counted if layer.count.non_trainable and not layer.frozen
        ]
        why = []
        if frozen:
            why.append(f"frozen: {', '.join(frozen)}")
        if kept:
            why.append(f"moving statistics: {', '.join(kept)}")
        reason = f" ({'; '.join(why)})" if why else ""
        if self.framework_trainable is None or self.unexplained:
            return ours + reason
        agrees = self.framework_trainable == total - self.non_trainable_total
        verdict = "as" if agrees else "but"
        return (
            f"{ours}{reason}, {verdict} {framework_spec(self.framework).label} counts "
            f"{self.framework_trainable:,} trainable"
        )

    def rows(self) -> list[SummaryRow]:
        """The compact summary: one row per layer as the framework lists it, in the
        model's order, each with its own count; a layer without parameters at 0,
        reconciling with the framework's 0. The layers of one breakdown (a stack and
        its head) share a ``group``."""
        return [row for _, row, _ in self._entries()]

    def _entries(self) -> list[tuple[int, SummaryRow, RowWork | None]]:
        """Every layer's row and its work, in the model's order (work only with
        :attr:`steps`, and none for a layer without weights)."""
        entries: list[tuple[int, SummaryRow, RowWork | None]] = []
        steps = self.steps
        for item in self.items:
            entries += self._item_entries(item)
        for layer in self.counted:
            verdict = "yes" if layer.matches else "DOES NOT MATCH"
            formula = (*layer.count.pieces(numeric=True), (f" = {layer.count.total:,}", None))
            row = SummaryRow(layer.path, layer.class_name, layer.output_shape, layer.count.total,
                             (*(formula if layer.count.tensors else (("0", None),)),
                              *_sharing_pieces(layer.sharing)), verdict)  # fmt: skip
            work = None if steps is None else _counted_work(layer, steps)
            entries.append((layer.position, row, work))
        for u in self.unexplained:
            row = SummaryRow(row_name(u.path, u.class_name), u.class_name, u.output_shape,
                             u.framework_count, u.tensor_pieces(), "not explained (below)",
                             "unexplained")  # fmt: skip
            work = None if steps is None else RowWork("", 0, None, None, "not explained (below)")
            entries.append((u.position, row, work))
        for w in self.weightless:
            row = SummaryRow(w.path, w.class_name, w.output_shape, 0, (("no weights", None),),
                             "yes", "weightless")  # fmt: skip
            entries.append((w.position, row, None))
        return sorted(entries, key=lambda entry: entry[0])

    def _item_entries(self, item: ExplainedLayer) -> list[tuple[int, SummaryRow, RowWork | None]]:
        """A breakdown's rows: each framework layer of the stack with the breakdown's
        layers it holds, then its head, each with the framework's own count of it."""
        b, steps = item.breakdown, self.steps
        folded = (*item.stacked, *((item.head,) if item.head else ()))
        group = item.path if folded else ""
        theirs = {s for layer in folded for s in layer.sharing}
        bottom = FoldedLayer(
            item.path,
            item.class_name,
            item.framework_count - sum(layer.framework_count for layer in folded),
            item.position,
            item.output_shape,
            b.settings.layers - sum(layer.depth for layer in item.stacked),
            tuple(s for s in item.sharing if s not in theirs),
        )
        entries: list[tuple[int, SummaryRow, RowWork | None]] = []
        first = 0
        for layer in (bottom, *item.stacked):
            last = first + layer.depth - 1
            lines = b.layer_lines(first, last)
            ours = sum(b.layer_totals[first : last + 1])
            work = None if steps is None else _recurrent_work(item, first, last, steps)
            entries.append((layer.position, _folded_row(item, layer, lines, ours, group), work))
            first = last + 1
        if item.head is not None:
            head_line = b.formula.lines[-1]
            work = None if steps is None else _head_work(item, steps)
            row = _folded_row(item, item.head, (head_line,), b.dense_total, group)
            entries.append((item.head.position, replace(row, family="counted"), work))
        return entries

    @property
    def matches(self) -> bool:
        """Explained plus unexplained equals the framework's total, and every item matches."""
        added_up = self.explained_total + self.unexplained_total == self.framework_total
        return (
            added_up
            and all(item.matches for item in self.items)
            and all(layer.matches for layer in self.counted)
        )

    def reconciliation(self) -> str:
        """One sentence saying plainly whether our numbers agree with the framework's."""
        source = f"{adapter(self.framework).total_source} = {self.framework_total:,}"
        explained = (
            f"lstm_widget explains {self.explained_total:,} of {self.framework_total:,} parameters"
        )
        others = ""
        if self.unexplained:
            others = f"; the other {self.unexplained_total:,} are listed as not explained"
        if self.matches:
            return f"{explained}{others}; matches {source}."
        wrong = [item.title for item in self.items if not item.matches]
        wrong += [layer.title for layer in self.counted if not layer.matches]
        detail = f" (breakdown differs for {', '.join(wrong)})" if wrong else ""
        return (
            f"MISMATCH: lstm_widget counts {self.explained_total:,} explained + "
            f"{self.unexplained_total:,} not explained = "
            f"{self.explained_total + self.unexplained_total:,}, but {source}{detail}."
        )

    def _heading(self) -> str:
        return f"{framework_spec(self.framework).label} model: {self.model_name}"

    def _item_line(self, item: ExplainedLayer) -> str:
        verdict = "matches" if item.matches else "DOES NOT MATCH"
        return (
            f"{item.title}: {summary_line(item.breakdown)}; {verdict} "
            f"{framework_spec(self.framework).label}'s {item.framework_count:,}"
        )

    def _unexplained_lines(self) -> list[str]:
        if not self.unexplained:
            return []
        width = max(len(u.title) for u in self.unexplained)
        count_width = max(len(f"{u.framework_count:,}") for u in self.unexplained)
        return [
            "Not explained (counted by the framework, not broken down):",
            *(
                f"  {u.title.ljust(width)}  {u.framework_count:>{count_width},}  {u.reason}"
                for u in self.unexplained
            ),
            "",
        ]

    def _work_lines(self) -> list[str]:
        """Each layer's multiply-accumulates for the sequence, in the model's order, the
        work a run found outside every layer, then the model's, when a sequence length
        was given."""
        if self.steps is None:
            return []
        lines = [
            f"Work for a sequence of {self.steps:,} time steps, in multiply-accumulates "
            "(MACs; FLOPs = 2 × MACs):"
        ]
        notes = (*self.run_note.splitlines(), *([self.steps_note] if self.steps_note else []))
        lines += [f"  {note}" for note in notes]
        lines += [
            f"  {_row_title(row)}: {work.text()}"
            for _, row, work in self._entries()
            if work is not None
        ]
        lines += [f"  {where}: not known, {why}" for where, why in self.outside]
        total, unknown = self.sequence_macs(), self._work_not_known()
        if total is not None:
            lines.append(f"  Whole model: {total:,} MACs = {2 * total:,} FLOPs for the sequence")
        elif unknown:
            lines.append(f"  No total for the whole model: not known for {', '.join(unknown)}")
        return [*lines, ""]

    def sequence_macs(self) -> int | None:
        """The whole model's multiply-accumulates for a sequence of :attr:`steps`: every
        layer's, when every one is known; None otherwise, or without ``steps``."""
        if self.steps is None or self._work_not_known():
            return None
        return sum(work.total or 0 for _, _, work in self._entries() if work is not None)

    def _work_not_known(self) -> list[str]:
        """What the work for the sequence is not known for: unexplained layers, layers
        whose positions or steps are not known (a ConvLSTM without its grid), and
        products a run found outside every layer."""
        unknown = [
            _row_title(row)
            for _, row, work in self._entries()
            if work is not None and work.total is None
        ]
        return unknown + [where for where, _ in self.outside]

    def _notes(self) -> list[str]:
        """Why dense layers stayed apart from the recurrent layer before them."""
        notes = [f"  {layer.title}: {layer.note}" for layer in self.counted if layer.note]
        return ["Not a recurrent layer's dense head:", *notes, ""] if notes else []

    def text(self, *, details: bool = False) -> str:
        """Plain text: the compact summary (one line a layer), the totals and the verdict,
        no line wider than 100 characters; with ``details``, each recurrent layer's
        weight-group table after them."""
        rows = self.rows()
        legend = summary_legend(rows)
        out = [self._heading(), "", summary_text(rows), *([legend] if legend else []), ""]
        out += [self.shapes_note, ""] if self.shapes_note else []
        out += self._notes()
        out += [f"Total params: {self.framework_total:,}: {self.trainable_split()}", ""]
        out += self._work_lines()
        out += self._unexplained_lines()
        tables = []
        if details:
            for item in self.items:
                tables += [self._item_line(item), text_table(item.breakdown), ""]
        elif self.items:
            out += ["Each recurrent layer's weight groups: report.text(details=True).", ""]
        return "\n".join([*fit_text(out), *tables, *fit_text([self.reconciliation()])])

    def strip_figure(self, theme: str | Theme = LIGHT) -> Figure:
        """The model as a strip: every layer a box with its count, in the model's order
        (a new pyplot-free matplotlib figure)."""
        from ..diagram import draw_strip  # matplotlib loads only when a picture is drawn

        return draw_strip(self.rows(), title=self._strip_title(), theme=theme)

    def strip(self, fmt: str = "png", *, theme: str | Theme = LIGHT) -> bytes:
        """:meth:`strip_figure` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
        from ..diagram import render_strip

        return render_strip(self.rows(), fmt, title=self._strip_title(), theme=theme)

    def _strip_title(self) -> str:
        return f"{self._heading()}: {self.framework_total:,} parameters"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (what ``%lstm_params NAME --json`` shows): every summary
        row with its work, the totals with the trainable split, the sequence's MACs,
        each recurrent breakdown in full and the verdict. Counts are ints; a figure that
        is not known is None, with the reason beside it."""
        sequence = self.sequence_macs()
        total = self.explained_total + self.unexplained_total
        return {
            "framework": self.framework,
            "model": self.model_name,
            "rows": [_row_data(row, work) for _, row, work in self._entries()],
            "totals": {
                "framework": self.framework_total,
                "explained": self.explained_total,
                "not_explained": self.unexplained_total,
                "trainable": total - self.non_trainable_total,
                "non_trainable": self.non_trainable_total,
                "framework_trainable": self.framework_trainable,
                "trainable_split": self.trainable_split(),
            },
            "steps": self.steps,
            "sequence_macs": sequence,
            "sequence_flops": None if sequence is None else 2 * sequence,
            "work_not_known": self._work_not_known() if self.steps is not None else [],
            "not_explained": [
                {
                    "name": u.path,
                    "type": u.class_name,
                    "params": u.framework_count,
                    "reason": u.reason,
                }
                for u in self.unexplained
            ],
            "breakdowns": [
                {
                    "rows": [item.path, *(f.path for f in item.stacked)],
                    "head": item.head.path if item.head else None,
                    "breakdown": item.breakdown.to_dict(),
                }
                for item in self.items
            ],
            "notes": [note for note in (self.shapes_note, self.run_note, self.steps_note) if note],
            "outside": [{"where": where, "why": why} for where, why in self.outside],
            "matches": self.matches,
            "reconciliation": self.reconciliation(),
        }

    def html(self, theme: Theme = LIGHT, *, diagrams: bool = True) -> str:
        """HTML: the compact summary first, then each recurrent layer's details, folded
        (``<details>``), tables coloured by role with ``theme``'s colours.

        With ``diagrams`` the model's strip (:meth:`strip`) leads, and each explained
        layer also gets its block diagram (drawing loads matplotlib, so it happens only
        here, when HTML is asked for).
        """
        parts = [f"<h3>{escape(self._heading())}</h3>"]
        if diagrams:
            alt = f"Strip. {self._strip_title()}: " + ", ".join(
                f"{row.name} {row.params:,}" for row in self.rows()
            )
            parts.append(f"<div>{picture_tag(self.strip('png', theme=theme), 'png', alt)}</div>")
        parts.append(summary_html(self.rows(), theme))
        if self.shapes_note:
            parts.append(f"<p>{escape(self.shapes_note)}</p>")
        parts.append(
            f"<p>Total params: {self.framework_total:,}: {escape(self.trainable_split())}</p>"
        )
        work = self._work_lines()
        if work:
            parts.append("<p>" + "<br>".join(escape(line) for line in work if line) + "</p>")
        if self.unexplained:
            rows = "".join(
                f"<tr><td><code>{escape(u.path)}</code></td><td>{escape(u.class_name)}</td>"
                f'<td style="text-align:right">{u.framework_count:,}</td>'
                f"<td>{escape(u.reason)}</td></tr>"
                for u in self.unexplained
            )
            parts.append(
                "<p>Not explained (counted by the framework, not broken down):</p>"
                "<table><thead><tr><th>Layer</th><th>Class</th><th>Param #</th>"
                f"<th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        colour = theme.foreground if self.matches else theme.roles["recurrent"]
        parts.append(f'<p style="color:{colour}"><b>{escape(self.reconciliation())}</b></p>')
        for item in self.items:
            image = f"<div>{image_html(item.breakdown, theme=theme)}</div>" if diagrams else ""
            parts.append(
                f"<details><summary>{escape(self._item_line(item))}</summary>"
                f"{image}{html_table(item.breakdown, theme)}</details>"
            )
        return on_theme("".join(parts), theme, css_class="lstm-widget-model")

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """A terminal IPython shows the whole text report, as ``print`` does."""
        printer.text(self.text())

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<ModelReport of {self._heading()}: {self.reconciliation()}>"


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


class Adapter(Protocol):
    """One framework's introspection: how to read its live models.

    ``packages`` are the top-level modules its classes come from (how a model is
    recognised without importing the framework); ``accepts`` names what it reads, for
    the sentence refusing anything else; ``total_source`` says how its users count a
    model's parameters.
    """

    packages: tuple[str, ...]
    accepts: str
    total_source: str

    def walk(self, obj: object, label: str) -> Walk | None:
        """``obj``'s layers, or None when it is no model or layer of this framework.

        Raises :class:`IntrospectionError` for a model that cannot be read yet (not
        built, lazy parameters); ``label`` is what to call it then.
        """
        ...


#: Adapters by :attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key.
ADAPTERS: CodeTable[Adapter] = CodeTable("introspection adapter", "register_adapter")


def register_adapter(key: str, adapter: Adapter) -> None:
    """Register ``adapter`` for the conventions whose ``adapter`` key is ``key``."""
    ADAPTERS[key] = adapter


def adapter(framework: str) -> Adapter:
    """The adapter reading ``framework``'s models."""
    key = framework_spec(framework).adapter
    if key is None or key not in ADAPTERS:
        raise IntrospectionError(f"lstm_widget cannot read live {framework} models.")
    return ADAPTERS[key]


def _readable() -> dict[Framework, Adapter]:
    """Every convention whose models can be read, in the registry's order."""
    return {
        key: ADAPTERS[spec.adapter]
        for key, spec in FRAMEWORK_SPECS.items()
        if spec.adapter is not None and spec.adapter in ADAPTERS
    }


def explain(
    obj: object, *, name: str | None = None, steps: int | None = None, example: object = None
) -> ModelReport:
    """Explain every recurrent layer of a Keras 3 / PyTorch model and reconcile totals.

    Parameters
    ----------
    obj
        A built Keras ``Model``/``Sequential`` or layer, or a ``torch.nn.Module`` (a
        whole model or a single ``nn.LSTM``/``nn.GRU``/``nn.RNN`` or cell).
    name
        What to call ``obj`` in error messages (e.g. the notebook variable's name).
    steps
        Time steps of a sequence: each recurrent layer's breakdown adds its work
        (multiply-accumulates per step and for the sequence, values kept).
    example
        An input batch for a PyTorch model (a tensor, or a tuple of the forward's
        arguments): the model runs on it once, in eval mode and without gradients,
        and each layer's output shape is read off the run. Keras records its own.
        With ``steps``, the work is what the run did: forward hooks count each
        layer's calls and the positions of each call. A forward that is one time
        step (every layer with weights ran once, at one position) is called
        ``steps`` times; otherwise the run is the sequence.

    Raises
    ------
    IntrospectionError
        With one sentence, when ``obj`` is not a Keras/PyTorch model or layer, when
        it is not built yet (so its weights do not exist), or when the example's run
        is a sequence of other lengths than ``steps``.

    Examples
    --------
    >>> report = explain(model)  # doctest: +SKIP
    >>> report.matches, report.explained_total, report.framework_total  # doctest: +SKIP
    (True, 491, 491)
    """
    label = name or "the object"
    counted = check_steps(steps)
    report = _explain(obj, label, example, counted)
    if counted is None:
        return report
    items = tuple(replace(i, breakdown=_run_over(i, counted)) for i in report.items)
    return replace(report, items=items, steps=counted)


def _run_over(item: ExplainedLayer, steps: int) -> Breakdown:
    """An item's breakdown with the work of a sequence of ``steps`` as the item runs
    it, so its details read the summary's figures: its layers at the steps they ran on
    the example, when a run counted them, its head at the positions it runs at. No
    work when no one figure holds: its layers ran different lengths or never ran, or
    how often the head runs is not known."""
    ran = item.ran_steps() if item.layer_runs else steps
    head = item.head_runs(steps) if item.head else None
    if not ran or (item.head and head is None):
        return replace(item.breakdown, steps=None)
    if head and item.breakdown.work.per_position:
        # A ConvLSTM's breakdown counts one position of its grid, its head's there too
        # (the head runs on the grid's every position); with no grid, at every step.
        grid = math.prod(item.layer_runs[-1].grid) if item.layer_runs else 0
        head = head // grid if grid and head % grid == 0 else None
    return replace(item.breakdown, steps=ran, head_positions=head)


def _explain(obj: object, label: str, example: object, steps: int | None) -> ModelReport:
    readable = _readable()
    # Several conventions may read one package (Keras 2 layers and TensorFlow 1 cells
    # both come from tf_keras): the first whose adapter recognises the object reads it.
    for framework in _frameworks_of(obj, readable):
        walk = readable[framework].walk(obj, label)
        if walk is not None:
            walk = _with_shapes(framework, walk, example, label, steps)
            if steps is not None and walk.at_steps is not None:
                walk = walk.at_steps(walk, steps)
            return _assemble(framework, walk)
    if isinstance(obj, type) and _frameworks_of(obj, readable, as_class=True):
        # nn.LSTM, not nn.LSTM(...)
        raise IntrospectionError(
            f"{label} is the class {obj.__qualname__} itself; pass a model or layer built "
            f"from it, such as {obj.__qualname__}(...)."
        )
    *others, last = (a.accepts for a in readable.values())
    accepted = f"{', '.join(others)} or {last}" if others else last
    raise IntrospectionError(f"{label} is {_describe(obj)}, not {accepted}.")


def _with_shapes(
    framework: Framework, walk: Walk, example: object, label: str, steps: int | None
) -> Walk:
    """``walk`` with its layers' output shapes, and how they ran for a sequence of
    ``steps``, read off a run on ``example``, for a framework that records none; a note
    saying how to get them when none is given."""
    if walk.run_example is None:
        if example is not None:
            raise IntrospectionError(
                f"example= is for PyTorch modules, which record no output shapes; "
                f"{label} is a {framework_spec(framework).label} model, whose shapes its "
                "framework records."
            )
        return walk
    if example is None:
        note = (
            "Output shapes: PyTorch knows them only once the model runs; "
            "explain(model, example=<an input batch>) runs it once and reads them."
        )
        return replace(walk, shapes_note=note)
    run = walk.run_example(example)
    shaped = [
        replace(layer, output_dims=run.shapes.get(key), runs=run.runs.get(key))
        for layer in walk.layers
        for key in [id(layer.module)]
    ]
    ran = replace(walk, layers=shaped, outside=run.outside, returns_state=run.returns_state)
    return ran if steps is None else _for_the_sequence(ran, steps, label)


def _for_the_sequence(walk: Walk, steps: int, label: str) -> Walk:
    """``walk``'s runs over the example, as a sequence of ``steps``.

    A forward that is one time step (:func:`_one_step`: a char-RNN's step, the loop in
    the caller) is called once a step, so its runs are repeated ``steps`` times.
    Otherwise the run is the sequence, and a recurrent layer must have run ``steps``
    steps: in one call (an ``nn.LSTM`` over the sequence) or in all its calls (a cell
    stepped in a loop); a decoder may run other lengths beside it.
    """
    one_step = _one_step(walk)
    if one_step:
        layers = [
            replace(layer, runs=layer.runs.repeated(steps)) if layer.runs else layer
            for layer in walk.layers
        ]
        note = (
            "forward is one time step here: each layer with weights ran once, at one position,"
            f"\nand {one_step}; so the sequence is {steps:,} calls of it."
        )
        return replace(walk, layers=layers, run_note=note)
    recurrent = [
        (layer, layer.runs)
        for layer in walk.layers
        if layer.settings is not None and layer.runs and layer.runs.each and layer.runs.calls
    ]
    lengths = [{runs.positions, *(n for n, _ in runs.each or ())} for _, runs in recurrent]
    if recurrent and not any(steps in ran for ran in lengths):
        ran = ", ".join(
            f"{_label(layer.path, layer.class_name)} {runs.positions:,}"
            for layer, runs in recurrent
        )
        raise IntrospectionError(
            f"steps={steps:,} is not the example's sequence: on it {label} ran {ran} "
            f"steps; give steps= as many, an example of {steps:,} steps, or one step's "
            "input (steps then counts the calls of forward)."
        )
    note = "Each layer's calls and positions as forward hooks counted them on the example."
    return replace(walk, run_note=note)


def _one_step(walk: Walk) -> str:
    """Why ``walk``'s run is one time step of a sequence; "" when it is not.

    Every layer with weights ran at most once, at one position, and either a recurrent
    layer ran (so one step), or forward handed back a tensor shaped as one it was
    given after its input: the state the caller feeds in again, as a char-RNN built
    from ``nn.Linear`` does. A model reading one position of a longer input (a head on
    its last step) ran once at one position too, but is a whole sequence.
    """
    working = [layer.runs for layer in walk.layers if layer.runs and not layer.weightless]
    if not all(runs.calls <= 1 and (runs.positions or 0) <= 1 and runs.each is not None
               for runs in working):  # fmt: skip
        return ""
    if any(
        layer.settings is not None and layer.runs and layer.runs.calls for layer in walk.layers
    ):
        return "its recurrent layers ran one step"
    return "it handed back the state it was given" if walk.returns_state else ""


def _frameworks_of(
    obj: object, readable: dict[Framework, Adapter], *, as_class: bool = False
) -> list[Framework]:
    """Whose class ``obj`` may be (or, ``as_class``, whose class ``obj`` itself may be),
    judged by the modules its classes are defined in, in the registry's order."""
    cls = obj if as_class and isinstance(obj, type) else type(obj)
    modules = [base.__module__ for base in cls.__mro__]

    def from_package(package: str) -> bool:
        return any(m == package or m.startswith(f"{package}.") for m in modules)

    return [key for key, a in readable.items() if any(map(from_package, a.packages))]


def _describe(obj: object) -> str:
    if obj is None:
        return "None"
    kind = type(obj)
    qualified = kind.__qualname__
    if kind.__module__ != "builtins":
        qualified = f"{kind.__module__.partition('.')[0]}.{qualified}"
    return with_article(qualified)


def _assemble(framework: Framework, walk: Walk) -> ModelReport:
    """Explain each standard recurrent layer with the dense head it feeds; list the rest.

    Layers without parameters sit in the summary at their place but play no part in
    folding: a Dropout between an LSTM and its Dense leaves the Dense its head.
    """
    feeds, weight_name = walk.feeds, walk.weight_name
    items: list[ExplainedLayer] = []
    unexplained: list[UnexplainedLayer] = []
    others: list[CountedLayer] = []

    position = {id(layer): k for k, layer in enumerate(walk.layers)}
    weightless = tuple(
        WeightlessLayer(layer.path, layer.class_name, position[id(layer)], layer.output_shape)
        for layer in walk.layers
        if layer.weightless
    )
    layers = [layer for layer in walk.layers if not layer.weightless]

    def not_folded(layer: Layer, reason: str, *, countable: bool = True) -> None:
        """A layer that is no recurrent layer's head: counted from its spec when its
        tensors are exactly the spec's, else listed with the reason."""
        other = layer.other if countable else None
        unlike = _unlike_spec(layer, other, weight_name) if other else reason
        if other is None or unlike:
            unexplained.append(replace(_unexplained(layer, unlike), position=position[id(layer)]))
        else:
            counted = _counted_layer(layer, other, position[id(layer)], weight_name)
            others.append(replace(counted, note=reason if layer.head else ""))

    def explained(
        stack: Sequence[Layer], b: Breakdown, head: Layer | None = None
    ) -> ExplainedLayer:
        item = _explained(stack, b, head)
        return replace(
            item,
            position=position[id(stack[0])],
            output_shape=stack[0].output_shape,
            head_positions=None if head is None else head.positions,
            head=_folded(head, position[id(head)]) if head else None,
            stacked=tuple(_folded(layer, position[id(layer)]) for layer in stack[1:]),
            **_measured_stack(stack, head),
        )

    index = 0
    while index < len(layers):
        layer = layers[index]
        index += 1
        if layer.settings is None:
            reason = layer.reason
            if layer.head:
                reason = _dense_reason(layer.head, "not right after an explained recurrent layer")
            not_folded(layer, reason)
            continue
        settings = layer.settings
        unlike = _borrowing(layer) or _unlike_standard(
            layer, breakdown(settings).tensors().items(), weight_name
        )
        if unlike:
            not_folded(layer, unlike, countable=False)
            continue
        stack = [layer]
        while index < len(layers):
            taller = _stacked(settings, stack[-1], layers[index], walk)
            if taller is None:
                break
            settings = taller
            stack.append(layers[index])
            index += 1
        plain = breakdown(settings)
        following = layers[index] if index < len(layers) else None
        if following is None or following.head is None:
            items.append(explained(stack, plain))
            continue
        index += 1
        with_head = breakdown(settings.replace(dense=following.head[1]))
        width = settings.output_width
        if following.head[0] != width:
            why_not = _dense_reason(
                following.head,
                f"on {following.head[0]:,} features, not the {width:,} the recurrent layer "
                "before it concatenates",
            )
        elif not feeds(stack[-1].module, following.module):
            why_not = _dense_reason(
                following.head,
                "not fed by the recurrent layer before it, as far as the model's graph shows",
            )
        elif following.borrowed:
            why_not = _dense_reason(following.head, f"whose {_borrowing(following)}")
        else:
            # The head's own tensors: a convention may name the recurrent ones
            # differently once a head sits beside them (Flax: layers.0.cell...).
            head_tensors = {(g.tensor, g.tensor_shape) for g in with_head.groups if g.layer < 0}
            why_not = _unlike_standard(following, head_tensors, weight_name)
        if why_not:
            items.append(explained(stack, plain))
            not_folded(following, why_not)
        else:
            items.append(explained(stack, with_head, following))
    return ModelReport(
        framework,
        walk.model_name,
        tuple(items),
        tuple(unexplained),
        walk.total,
        counted=tuple(others),
        framework_trainable=walk.trainable_total,
        weightless=weightless,
        shapes_note=walk.shapes_note,
        run_note=walk.run_note,
        outside=walk.outside,
        steps_note=walk.steps_note,
    )


def _measured_stack(stack: Sequence[Layer], head: Layer | None) -> dict[str, Any]:
    """How a stack's layers and its head ran, where a run counted it: each module's
    runs for each of its layers (``num_layers`` of them), the head's; and the tensors
    they share, counted here."""
    runs = [layer.runs for layer in stack]
    per_layer = () if None in runs else tuple(
        r for layer, r in zip(stack, runs, strict=True)
        for _ in range(layer.settings.layers if layer.settings else 1)
    )  # fmt: skip
    folded = (*stack, *((head,) if head else ()))
    return {
        "layer_runs": per_layer,
        "head_ran": head.runs if head else None,
        "sharing": tuple(s for layer in folded for s in layer.sharing),
    }


def _borrowing(layer: Layer) -> str:
    """``weight is emb's (tied), counted there``: what of a layer's kind is another
    layer's, so a breakdown of its own would count it twice; "" for none."""
    if not layer.borrowed:
        return ""
    names = ", ".join(s.name for s in layer.borrowed)
    owners = ", ".join(sorted({s.other for s in layer.borrowed}))
    verb = "is" if len(layer.borrowed) == 1 else "are"
    return f"{names} {verb} {owners}'s (tied), counted there"


def _unlike_spec(layer: Layer, count: LayerCount, weight_name: WeightName) -> str:
    """How ``layer``'s tensors, shared ones included, differ from its kind's spec; ""
    when they do not.

    As for a recurrent layer (:func:`_unlike_standard`): by name within the layer (a
    spec's ``query/kernel`` is Keras' ``kernel`` of the ``query`` sublayer) and shape,
    so extra weights (LoRA, quantisation scales) or reshaped ones show up.
    """
    spec = [(t.name, t.shape) for t in count.tensors]
    borrowed = layer.borrowed
    whole = replace(
        layer,
        names=layer.names + tuple(s.name for s in borrowed),
        tensors=layer.tensors + tuple((s.name, s.shape) for s in borrowed),
    )
    return _unlike_standard(whole, spec, weight_name)


def _counted_layer(
    layer: Layer, count: LayerCount, position: int, weight_name: WeightName
) -> CountedLayer:
    """``layer`` counted from its kind's ``count``: only the tensors counted here (a
    tied weight is counted where it first appears), its work with all of them."""
    borrowed = {s.name for s in layer.borrowed}
    own = tuple(t for t in count.tensors if weight_name(layer.module, t.name) not in borrowed)
    return CountedLayer(
        layer.path,
        layer.class_name,
        replace(count, tensors=own),
        layer.count,
        layer.tensors,
        position=position,
        output_shape=layer.output_shape,
        frozen=layer.frozen,
        positions=layer.positions,
        runs=layer.runs,
        sharing=layer.sharing,
        whole=count if borrowed else None,
    )


def other_layer(
    packages: tuple[str, ...],
    specs: Mapping[str, LayerSpec],
    readers: Readers,
    module: Any,
    recurrent: Sequence[str],
) -> dict[str, Any]:
    """``{"other": ...}``: ``module`` counted from the registry's spec of its kind, read
    by the framework's reader for its class; ``{"reason": ...}`` for a class it lacks.

    Only the framework's own classes (from its adapter's ``packages``) are read by
    name: a user's class that happens to be called ``Attention`` is not Keras'
    ``Attention``.
    """
    own = type(module).__module__.partition(".")[0] in packages
    reader = readers.get(type(module).__name__) if own else None
    if reader is None:
        kinds = ", ".join([*recurrent, *(spec.label for spec in specs.values())])
        return {"reason": f"not one of the layers lstm_widget counts ({kinds})"}
    key, sizes, switches = reader(module)
    return {"other": count_layer(specs[key], sizes, switches)}


#: Settings a layer stacked on another may differ in: its own widths and depth.
_STACK_SHAPE = frozenset({"input_size", "units", "layers"})


def _stacked(below: Settings, top: Layer, above: Layer, walk: Walk) -> Settings | None:
    """``below`` with ``above`` stacked on it, or None when ``above`` does not continue it.

    It continues the stack when it is the same standard cell with the same options,
    takes exactly the features the stack's top layer (``top``) hands on, and is fed
    by it (as far as the framework records: Keras by its graph, PyTorch by the order
    of definition). Separate layers are how Keras, and PyTorch beyond one ``nn.LSTM``,
    stack layers of different widths.
    """
    more = above.settings
    if more is None or more.input_size != below.output_width or above.borrowed:
        return None
    if any(
        getattr(more, name) != getattr(below, name)
        for name in SETTING_NAMES
        if name not in _STACK_SHAPE
    ):
        return None
    standard = breakdown(more).tensors().items()
    if _unlike_standard(above, standard, walk.weight_name) or not walk.feeds(
        top.module, above.module
    ):
        return None
    try:
        return below.replace(units=below.widths + more.widths, layers=below.layers + more.layers)
    except SettingsError:  # deeper than any stack counting draws
        return None


def _explained(stack: Sequence[Layer], b: Breakdown, head: Layer | None = None) -> ExplainedLayer:
    """The explained item of a stack of recurrent layers, and the dense head it feeds."""
    bottom, folded = stack[0], (*stack[1:], *((head,) if head else ()))
    tensors = tuple(t for layer in (bottom, *folded) for t in layer.tensors)
    return ExplainedLayer(
        path=bottom.path,
        class_name=bottom.class_name,
        breakdown=_named(b, tensors),
        framework_count=sum(layer.count for layer in (bottom, *folded)),
        framework_tensors=tensors,
        frozen=all(layer.frozen for layer in stack),
    )


def _folded(layer: Layer, position: int) -> FoldedLayer:
    depth = layer.settings.layers if layer.settings else 0
    return FoldedLayer(
        layer.path, layer.class_name, layer.count, position, layer.output_shape, depth,
        layer.sharing,
    )  # fmt: skip


def _unexplained(layer: Layer, reason: str) -> UnexplainedLayer:
    tensors = tuple(zip(layer.names, (shape for _, shape in layer.tensors), strict=True))
    return UnexplainedLayer(
        layer.path, layer.class_name, layer.count, reason, output_shape=layer.output_shape,
        tensors=tensors, sharing=layer.sharing,
    )  # fmt: skip


def _dense_reason(head: tuple[int, int], why: str) -> str:
    """Why a dense layer (input and output width) is not a dense head, with its arithmetic."""
    f, n = head
    return f"a dense layer {why}: {f:,} × {n:,} + {n:,}"


def _unlike_standard(
    layer: Layer, standard: Iterable[tuple[str, Shape]], weight_name: WeightName
) -> str:
    """How ``layer``'s tensors differ from counting's ``standard`` ones; "" when they do not.

    Compared by name within the layer and shape, in any order (the order is checked
    later, by :attr:`ExplainedLayer.matches`), so LoRA factors, quantisation scales,
    weight norm's magnitudes and directions or a learnt initial state all show up.
    """
    actual = Counter(zip(layer.names, (shape for _, shape in layer.tensors), strict=True))
    expected = Counter((weight_name(layer.module, name), shape) for name, shape in standard)
    extra = [name for name, _ in actual - expected]
    missing = [name for name, _ in expected - actual]
    reshaped = set(extra) & set(missing)
    differences = {
        "extra or reparametrised weights": [n for n in extra if n not in reshaped],
        "weights of another shape": [n for n in extra if n in reshaped],
        "missing weights": [n for n in missing if n not in reshaped],
    }
    return "; ".join(f"{kind}: {', '.join(names)}" for kind, names in differences.items() if names)


def _named(b: Breakdown, tensors: TensorShapes) -> Breakdown:
    """``b`` with the framework's real tensor names, when its tensors line up with them.

    counting names tensors after a default model ("lstm/lstm_cell/kernel"); the user's
    model has its own names ("sequential/encoder/lstm_cell/kernel"), which is what a
    table explaining *their* model should show. When the shapes disagree the default
    names stay and the item reports the mismatch.
    """
    ours = b.tensors()
    if tuple(ours.values()) != tuple(shape for _, shape in tensors):
        return b
    names = dict(zip(ours, (real for real, _ in tensors), strict=True))
    return replace(b, groups=tuple(replace(g, tensor=names[g.tensor]) for g in b.groups))


def counted(settings: dict[str, Any]) -> dict[str, Any]:
    """``{"settings": ...}`` read off a framework object, or ``{"reason": ...}`` if invalid."""
    try:
        return {"settings": Settings(**settings)}
    except SettingsError as error:
        return {"reason": f"lstm_widget cannot count it: {error}"}
