"""Every trainable weight of the described layers: :func:`breakdown` and its result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..conventions import ROLES, Cell, Highlights, Role, SettingsError, cell_spec, with_article
from .builders import dense_groups, layer_groups
from .formula import (
    APART,
    Formula,
    FormulaLine,
    formula_of,
    layer_line,
    layers_label,
    mac_line,
    stack_lines,
)
from .groups import Block, Direction, WeightGroup
from .per_unit import PerUnit, per_unit_of
from .settings import SETTING_NAMES, Settings, check_steps
from .work import Work, dtype_bytes, work_of


@dataclass(frozen=True)
class Breakdown:
    """Every trainable weight of the described layers, grouped, summed and explained."""

    settings: Settings
    groups: tuple[WeightGroup, ...]
    blocks: tuple[Block, ...]
    formula: Formula
    per_unit: tuple[PerUnit, ...]
    output_shapes: tuple[tuple[str, tuple[int | None, ...]], ...]
    #: Time steps of the sequence the work is counted for; ``None``: not asked.
    steps: int | None = None
    #: Positions the dense head runs at over the sequence, where a model shows them
    #: (a classifier's head reads the last step only); ``None``: at every step.
    head_positions: int | None = None
    total: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(g.count for g in self.groups))

    @property
    def layer_totals(self) -> tuple[int, ...]:
        """Subtotal of each recurrent layer, both directions together."""
        totals = [0] * self.settings.layers
        for block in self.blocks:
            if block.layer >= 0:
                totals[block.layer] += block.count
        return tuple(totals)

    @property
    def dense_total(self) -> int:
        return sum(b.count for b in self.blocks if b.layer < 0)

    def per_unit_runs(self) -> tuple[tuple[str, PerUnit], ...]:
        """The per-unit reading of every layer: one for each run of identical layers
        (``layer 1``, ``each of layers 2–5``), as the formula has one line for each."""
        if not self.per_unit:  # a layer counted apart has no per-unit reading
            return ()
        runs = self.settings.runs()
        each = ["each of " if last > first else "" for first, last in runs]
        return tuple(
            (f"{lead}{layers_label(first, last)}", self.per_unit[first])
            for lead, (first, last) in zip(each, runs, strict=True)
        )

    def layer_lines(
        self, first: int = 0, last: int | None = None, *, work: bool = False
    ) -> tuple[FormulaLine, ...]:
        """The formula lines of layers ``first`` to ``last`` (0-based, both included;
        the last layer by default), identical neighbours as one line as in
        :attr:`formula`: the parameters, or with ``work`` the MACs per step. What a
        framework layer holding some of the stack's layers shows in a summary row."""
        line = mac_line if work else layer_line
        return tuple(stack_lines(self.settings, line, first, last))

    @property
    def recurrent_total(self) -> int:
        """The recurrent layers' own count: every layer and direction, no dense head."""
        return self.total - self.dense_total

    def headline_parts(self) -> tuple[str, str]:
        """The headline's answer and its aside (``""`` without a dense head).

        ``("Keras LSTM: 480 parameters", "model with dense head: 491")``: the question
        is about the recurrent layer, so its own count leads and the model's total,
        which includes the head, stands beside it. A view with room puts both on one
        line (:meth:`headline`); a narrow one may set the aside under the answer.
        """
        s = self.settings
        spec = cell_spec(s.cell)
        stack = []
        if s.kernel:  # a ConvLSTM's filters and kernel, as its constructor takes them
            sizes = "×".join(f"{n:,}" for n in s.kernel)
            filters = "" if isinstance(s.units, tuple) else f"{spec.count(s.units)}, "
            stack.append(f"{filters}kernel {sizes}")
        if s.layers > 1:
            stack.append(f"{s.layers} layers")
        if isinstance(s.units, tuple):
            stack[-1] += f" of {s.units_text()} {spec.units}"
        if s.bidirectional:
            stack.append("bidirectional")
        name = s.describe_layer() + (f" ({', '.join(stack)})" if stack else "")
        answer = f"{name}: {self.recurrent_total:,} parameters"
        aside = f"model with dense head: {self.total:,}" if s.dense else ""
        return answer, aside

    def headline(self) -> str:
        """What every view says first, e.g. ``Keras LSTM: 480 parameters (model with
        dense head: 491)``: the diagram's title, the tables' summary, the image's alt text.
        """
        answer, aside = self.headline_parts()
        return f"{answer} ({aside})" if aside else answer

    def block_groups(self, layer: int, direction: Direction) -> tuple[WeightGroup, ...]:
        """One layer and direction's groups in display order (``layer`` -1: the head).

        Gates come in textbook order (the cell's
        :attr:`~lstm_widget.conventions.CellSpec.gates`), each gate's roles in
        :data:`ROLES` order, a projection last; the tensor slices in their names keep
        the framework's storage order visible.
        """
        mine = [g for g in self.groups if (g.layer, g.direction) == (layer, direction)]
        return tuple(sorted(mine, key=partial(_display_rank, self.settings.cell)))

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        """Shape of the last output as Keras prints it (batch and time unknown)."""
        return self.output_shapes[-1][1]

    def role_totals(self) -> dict[Role, int]:
        """Count per role, in :data:`ROLES` order, roles that are absent left out."""
        totals: dict[Role, int] = {}
        for role in ROLES:
            count = sum(g.count for g in self.groups if g.role == role)
            if count:
                totals[role] = count
        return totals

    @property
    def highlights(self) -> Highlights:
        """What a highlight may name on this layer's views (its roles, then its gates),
        and what fades beside each: the registry's rules for its cell and roles."""
        return Highlights.of(self.settings.cell, self.role_totals())

    def tensors(self) -> dict[str, tuple[int, ...]]:
        """The framework's own tensors (name → shape) that the groups slice."""
        return {g.tensor: g.tensor_shape for g in self.groups}

    def memory_bytes(self, dtype: str = "float32") -> int:
        """Bytes the weights take when stored as ``dtype``."""
        return self.total * dtype_bytes(dtype)

    @property
    def work_known(self) -> bool:
        """Whether :attr:`work` is counted: not for a layer counted apart."""
        return bool(self.per_unit)

    @property
    def work(self) -> Work:
        """Multiply-accumulates and kept values for ``steps`` time steps (1 if not given),
        the head at its :attr:`head_positions`."""
        return work_of(self.settings, self.steps or 1, self.head_positions)

    def __str__(self) -> str:
        """The text table, as ``lstm-params`` prints it: ``print(breakdown(...))``."""
        return presented().text(self)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Notebooks show the diagram and the table; terminals get the text table."""
        return presented().mimebundle(self)

    def _mime_(self) -> tuple[str, str]:
        """marimo's display protocol: the HTML a notebook shows (diagram and table).

        marimo reads ``_repr_mimebundle_`` too, but before 0.16 it did not unpack the
        (data, metadata) pair that method returns, and showed nothing.
        """
        data, _ = presented().mimebundle(self)
        return "text/html", data["text/html"]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: settings, totals, groups, formula (text and LaTeX),
        per-unit reading, memory; what ``lstm-params --json`` prints."""
        return presented().data(self)

    def describe(self) -> str:
        """The diagram in words, its text alternative: every gate's count with its
        input, recurrent and bias parts, each layer's total, the dense head's."""
        return presented().describe(self)


@dataclass(frozen=True)
class Presentation:
    """How a :class:`Breakdown` prints, displays in a notebook, turns into JSON data
    and into words, and how a model's report prints, displays and draws its strip.

    The modules that do this (tables, HTML, LaTeX, the diagram) sit above this one,
    which must stay stdlib-only and import none of them. So they hand their functions
    down instead: the package's ``__init__`` wires them in with :func:`present_with`
    when ``lstm_widget`` is imported, which happens before any of its modules is.
    """

    text: Callable[[Breakdown], str]
    mimebundle: Callable[[Breakdown], tuple[dict[str, Any], dict[str, Any]]]
    data: Callable[[Breakdown], dict[str, Any]]
    describe: Callable[[Breakdown], str]
    #: The same for a model's report (:class:`lstm_widget.introspect.ModelReport`),
    #: which introspection hands over as data: its text (``details=``), its HTML
    #: (``theme``, ``diagrams=``), its strip as a figure (``theme``) and as bytes
    #: (``fmt``, ``theme=``). Introspection sits above counting, so they are not
    #: typed by it here.
    report_text: Callable[..., str]
    report_html: Callable[..., str]
    report_strip_figure: Callable[..., Any]
    report_strip: Callable[..., bytes]


_presentation: list[Presentation] = []


def present_with(presentation: Presentation) -> None:
    """Make ``presentation`` how every :class:`Breakdown` shows itself."""
    _presentation[:] = [presentation]


def presented() -> Presentation:
    """How results show themselves, as :func:`present_with` was last given it."""
    (presentation,) = _presentation  # wired in by lstm_widget/__init__.py
    return presentation


def _display_rank(cell: Cell, group: WeightGroup) -> tuple[int, int]:
    """Sort key: the gate's textbook place, then the role's; ungated groups last."""
    gates = cell_spec(cell).gate_names
    gate = group.stable_gate
    place = gates.index(gate) if group.gate and gate in gates else len(gates)
    return place, ROLES.index(group.role)


def breakdown(
    settings: Settings | None = None, /, *, steps: int | None = None, **changes: Any
) -> Breakdown:
    """Count every trainable weight of the described recurrent layer(s).

    Call it with keyword settings (``breakdown(units=10, input_size=1)``) or with a
    :class:`Settings`, optionally changed by keywords. ``steps``, the length of a
    sequence, adds the work of running it to every view (:attr:`Breakdown.work`
    counts it either way, for one step unless told). Raises :class:`SettingsError` (a
    ``ValueError``) with a one-sentence message for any bad value.

    Examples
    --------
    >>> breakdown(units=10, input_size=1, dense=1).total
    491
    >>> breakdown(framework="pytorch", units=10, input_size=1).total
    520
    >>> breakdown(units=128, input_size=64, steps=50).work.macs
    4915200
    """
    steps = check_steps(steps)
    unknown = sorted(set(changes) - set(SETTING_NAMES))
    if unknown:
        raise SettingsError(
            f"unknown setting {unknown[0]!r}; settings are {', '.join(SETTING_NAMES)}."
        )
    s = settings.replace(**changes) if settings else Settings(**changes)
    apart = s.builder in APART
    if apart and steps is not None:
        raise SettingsError(
            f"steps={steps} is not counted for {with_article(s.describe_layer())}: its "
            "work per step is in lstm_widget.counting_xlstm.macs_per_step; leave steps out."
        )
    groups: list[WeightGroup] = []
    blocks: list[Block] = []
    for layer in range(s.layers):
        for direction in _directions(s):
            block = layer_groups(s, layer, direction)
            groups.extend(block)
            blocks.append(
                Block(layer, direction, s.layer_input(layer), sum(g.count for g in block))
            )
    if s.dense:
        head = dense_groups(s)
        groups.extend(head)
        blocks.append(Block(-1, "forward", s.output_width, sum(g.count for g in head)))
    return Breakdown(
        settings=s,
        groups=tuple(groups),
        blocks=tuple(blocks),
        formula=formula_of(s),
        # What one unit owns: none of a block counted apart (its heads, convolution
        # and projections are shared by groups of units, not owned by one).
        per_unit=() if apart else tuple(per_unit_of(s, layer) for layer in range(s.layers)),
        output_shapes=_output_shapes(s),
        steps=steps,
    )


#: What the drawing and display functions accept: a breakdown or what makes one.
Source = Breakdown | Settings | Mapping[str, Any]


def to_breakdown(source: Source) -> Breakdown:
    """A :class:`Breakdown` from a breakdown, a :class:`Settings` or a dict of settings."""
    if isinstance(source, Breakdown):
        return source
    if isinstance(source, Settings):
        return breakdown(source)
    if isinstance(source, Mapping):
        return breakdown(**source)
    raise TypeError(
        f"expected a Breakdown, a Settings or a dict of settings, not {type(source).__name__}."
    )


def _directions(s: Settings) -> tuple[Direction, ...]:
    return ("forward", "backward") if s.bidirectional else ("forward",)


def _output_shapes(s: Settings) -> tuple[tuple[str, tuple[int | None, ...]], ...]:
    """Per layer and head: (None, None, width), as Keras prints sequence outputs.

    A ConvLSTM's spatial axes come between: their sizes depend on the input's and on
    padding and strides, none of which changes a count, so they stay unknown (None).
    """
    name = s.describe_layer()
    lead = (None, None) + (None,) * len(s.kernel)
    shapes: list[tuple[str, tuple[int | None, ...]]] = [
        (f"{name} {layer + 1}", (*lead, s.layer_output(layer))) for layer in range(s.layers)
    ]
    if s.dense:
        shapes.append(("dense head", (*lead, s.dense)))
    return tuple(shapes)
