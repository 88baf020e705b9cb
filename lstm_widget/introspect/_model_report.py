"""A model's report: every recurrent layer explained, the rest listed, totals
reconciled, and each layer's work for a sequence, as data.

How it prints, displays and draws is handed down by the presentation modules
(:class:`~lstm_widget.counting.Presentation`), which sit above introspection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..conventions import Framework, framework_spec
from ..counting import (
    FormulaLine,
    Piece,
    plain,
    presented,
)
from ._records import (
    CountedLayer,
    ExplainedLayer,
    FoldedLayer,
    SummaryRow,
    UnexplainedLayer,
    WeightlessLayer,
    row_name,
    sharing_pieces,
)
from ._registry import adapter

if TYPE_CHECKING:  # matplotlib loads only when a picture is drawn
    from matplotlib.figure import Figure


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
    formula = (*pieces, (f" = {ours:,}", None), *sharing_pieces(layer.sharing))
    return SummaryRow(layer.path, layer.class_name, layer.output_shape, ours, formula,
                      verdict, "recurrent", group)  # fmt: skip


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
        return [row for _, row, _ in self._entries]

    @cached_property
    def _entries(self) -> tuple[tuple[int, SummaryRow, RowWork | None], ...]:
        """Every layer's row and its work, in the model's order (work only with
        :attr:`steps`, and none for a layer without weights); made once, since the
        text, HTML, strip and JSON each read them all."""
        entries: list[tuple[int, SummaryRow, RowWork | None]] = []
        steps = self.steps
        for item in self.items:
            entries += self._item_entries(item)
        for layer in self.counted:
            verdict = "yes" if layer.matches else "DOES NOT MATCH"
            formula = (*layer.count.pieces(numeric=True), (f" = {layer.count.total:,}", None))
            row = SummaryRow(layer.path, layer.class_name, layer.output_shape, layer.count.total,
                             (*(formula if layer.count.tensors else (("0", None),)),
                              *sharing_pieces(layer.sharing)), verdict)  # fmt: skip
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
        return tuple(sorted(entries, key=lambda entry: entry[0]))

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
        totals = b.layer_totals  # once: each call adds up every block of the stack
        for layer in (bottom, *item.stacked):
            last = first + layer.depth - 1
            lines = b.layer_lines(first, last)
            ours = sum(totals[first : last + 1])
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

    @property
    def heading(self) -> str:
        """``PyTorch model: Seq2Seq``: what the report's title calls the model."""
        return f"{framework_spec(self.framework).label} model: {self.model_name}"

    def row_work(self) -> list[tuple[SummaryRow, RowWork | None]]:
        """Every layer's row with its work for the sequence, in the model's order (work
        only with :attr:`steps`, and none for a layer without weights)."""
        return [(row, work) for _, row, work in self._entries]

    def sequence_macs(self) -> int | None:
        """The whole model's multiply-accumulates for a sequence of :attr:`steps`: every
        layer's, when every one is known; None otherwise, or without ``steps``."""
        if self.steps is None or self.work_not_known():
            return None
        return sum(work.total or 0 for _, _, work in self._entries if work is not None)

    def work_not_known(self) -> list[str]:
        """What the work for the sequence is not known for: unexplained layers, layers
        whose positions or steps are not known (a ConvLSTM without its grid), and
        products a run found outside every layer."""
        unknown = [
            row.title for _, row, work in self._entries if work is not None and work.total is None
        ]
        return unknown + [where for where, _ in self.outside]

    def text(self, *, details: bool = False) -> str:
        """Plain text: the compact summary (one line a layer), the totals and the verdict,
        no line wider than 100 characters; with ``details``, each recurrent layer's
        weight-group table after them."""
        return presented().report_text(self, details=details)

    def strip_figure(self, theme: object = None) -> Figure:
        """The model as a strip: every layer a box with its count, in the model's order
        (a new pyplot-free matplotlib figure). ``theme``: a
        :class:`~lstm_widget.style.Theme` or its name, light when None."""
        figure: Figure = presented().report_strip_figure(self, theme)
        return figure

    def strip(self, fmt: str = "png", *, theme: object = None) -> bytes:
        """:meth:`strip_figure` as ``"png"``, ``"svg"`` or ``"pdf"`` bytes."""
        return presented().report_strip(self, fmt, theme=theme)

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
            "rows": [_row_data(row, work) for _, row, work in self._entries],
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
            "work_not_known": self.work_not_known() if self.steps is not None else [],
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

    def html(self, theme: object = None, *, diagrams: bool = True) -> str:
        """HTML: the compact summary first, then each recurrent layer's details, folded
        (``<details>``), tables coloured by role with ``theme``'s colours (a
        :class:`~lstm_widget.style.Theme` or its name, light when None).

        With ``diagrams`` the model's strip (:meth:`strip`) leads, and each explained
        layer also gets its block diagram (drawing loads matplotlib, so it happens only
        here, when HTML is asked for).
        """
        return presented().report_html(self, theme, diagrams=diagrams)

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """A terminal IPython shows the whole text report, as ``print`` does."""
        printer.text(self.text())

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<ModelReport of {self.heading}: {self.reconciliation()}>"
