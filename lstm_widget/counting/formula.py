"""The count as arithmetic: one formula line per run of identical layers, as pieces.

A line reads ``directions × gates × (inner) + outer``; its terms carry their symbols,
the numbers substituted and their role, so every view (text, HTML, LaTeX, the
diagram's coloured labels) renders the same pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from ..conventions import CodeTable, Role, cell_spec
from .settings import Settings


@dataclass(frozen=True)
class Term:
    """One summand of a formula: its symbols, the numbers substituted, and its role."""

    role: Role
    symbolic: str
    numeric: str
    value: int


#: One piece of a formula or reading: its text and what colours it, a role, or
#: ``None`` for the arithmetic between terms. Every view renders the same pieces:
#: :mod:`~lstm_widget.report` as text, HTML and LaTeX, the layout as coloured labels.
Piece = tuple[str, Role | None]


Side = Literal["symbolic", "numeric"]


def plain(pieces: Iterable[Piece]) -> str:
    """The pieces' text, joined: what they read as without colour."""
    return "".join(text for text, _ in pieces)


@dataclass(frozen=True)
class FormulaLine:
    """``directions × gates × (inner) + outer`` for one layer, or the dense head.

    ``repeat`` > 1 collapses identical stacked layers into one line.
    """

    label: str
    repeat: int
    directions: int
    gates: int
    inner: tuple[Term, ...]
    outer: tuple[Term, ...]

    @property
    def value(self) -> int:
        inner = sum(t.value for t in self.inner)
        outer = sum(t.value for t in self.outer)
        return self.repeat * self.directions * (self.gates * inner + outer)

    def pieces(self, side: Side) -> tuple[Piece, ...]:
        """The expression with its terms' ``symbolic`` or ``numeric`` text, each term a
        piece of its role and the operators between them pieces of none."""

        def terms(group: tuple[Term, ...]) -> list[Piece]:
            out: list[Piece] = []
            for k, term in enumerate(group):
                if k:
                    out.append((" + ", None))
                out.append((getattr(term, side), term.role))
            return out

        expression = terms(self.inner)
        if self.gates > 1:
            expression = [(f"{self.gates} × (", None), *expression, (")", None)]
        if self.outer:
            expression = [*expression, (" + ", None), *terms(self.outer)]
        factors = [n for n in (self.repeat, self.directions) if n > 1]
        if factors:
            if self.outer or (self.gates == 1 and len(self.inner) > 1):
                expression = [("(", None), *expression, (")", None)]
            expression = [("".join(f"{n} × " for n in factors), None), *expression]
        return tuple(merged(expression))

    def render(self, side: Side) -> str:
        """The expression as plain text, e.g. ``4 × (1 × 10 + 10 × 10 + 10)``."""
        return plain(self.pieces(side))


def merged(pieces: Iterable[Piece]) -> Iterator[Piece]:
    """Adjacent pieces of no role as one: ``") + "`` rather than ``")"``, ``" + "``."""
    pending = ""
    for text, role in pieces:
        if role is None:
            pending += text
            continue
        if pending:
            yield pending, None
            pending = ""
        yield text, role
    if pending:
        yield pending, None


@dataclass(frozen=True)
class Formula:
    """The count as arithmetic: one line per distinct layer, then the total."""

    lines: tuple[FormulaLine, ...]
    total: int

    def sums(self) -> str:
        """The lines' values added up, ``480 + 11``; the total line shows it."""
        return " + ".join(f"{line.value:,}" for line in self.lines)

    def text(self) -> str:
        """Plain text: each line symbolic, then with numbers, then the total."""
        rows = [
            f"{line.label}: {line.render('symbolic')} = {line.render('numeric')} = {line.value:,}"
            for line in self.lines
        ]
        if len(self.lines) > 1:
            rows.append(f"total: {self.sums()} = {self.total:,}")
        return "\n".join(rows)


def formula_of(s: Settings) -> Formula:
    """One line per run of identical layers (see :meth:`Settings.runs`), one for the head.

    A uniform stack reads as layer 1 and one line for the layers above it, or a
    single line when layer 1's input is as wide as the layers above.
    """
    lines = stack_lines(s, layer_line)
    apart = APART.get(s.builder)
    if apart:
        lines += apart.tail(s)
    if s.dense:
        f, n = s.output_width, s.dense
        inner = (
            Term("dense", f"{width_symbol(s)} × n", f"{f:,} × {n:,}", f * n),
            Term("dense", "n", f"{n:,}", n),
        )
        lines.append(FormulaLine("dense head", 1, 1, 1, inner, ()))
    return Formula(tuple(lines), sum(line.value for line in lines))


def layers_label(first: int, last: int) -> str:
    """``layer 2`` or ``layers 2–5``, for 0-based layers."""
    return f"layer {first + 1}" if first == last else f"layers {first + 1}–{last + 1}"


LineBuilder = Callable[[Settings, int, int, str], FormulaLine]


@dataclass(frozen=True)
class Apart:
    """The formula of layers counted apart from the gates' ``G × (x × h + h × h + h)``
    (xLSTM's blocks): a run of identical layers' parameters (``line``) and
    multiply-accumulates per step (``mac_line``), and the lines past the layers
    (``tail``: a stack's final norm). Such layers have no per-unit reading."""

    line: LineBuilder
    mac_line: LineBuilder
    tail: Callable[[Settings], list[FormulaLine]]


#: The formulas of the builders that count apart, by builder key.
APART: CodeTable[Apart] = CodeTable("formula", "register_apart")


def register_apart(key: str, apart: Apart) -> None:
    """Count the layers of the builder ``key`` by ``apart``'s formula."""
    APART[key] = apart


def stack_lines(
    s: Settings, line: LineBuilder, first: int = 0, last: int | None = None
) -> list[FormulaLine]:
    """``line`` for each run of identical layers (``repeat`` of them), of layers
    ``first`` to ``last`` (0-based, both included; every layer by default)."""
    end = s.layers - 1 if last is None else last
    runs = [(max(a, first), min(b, end)) for a, b in s.runs() if a <= end and b >= first]
    return [line(s, a, b - a + 1, layers_label(a, b)) for a, b in runs]


def width_symbol(s: Settings) -> str:
    """Symbol for a layer's output width D·r: h, P, 2h or 2P (a ConvLSTM's f or 2f)."""
    state = "P" if s.proj_size else cell_spec(s.cell).unit_symbol
    return f"2{state}" if s.bidirectional else state


def kernel_text(kernel: tuple[int, ...]) -> str:
    """``"3·3 × "``: a kernel's sizes as the factor k they multiply into, or nothing."""
    return f"{'·'.join(f'{n:,}' for n in kernel)} × " if kernel else ""


def _matrix_terms(s: Settings, layer: int) -> list[Term]:
    """A gate's input and recurrent weights: x × h and r × h (no r × h for a cell without
    recurrent matrices); a ConvLSTM's kernel area k leads both products, ``k × c × f``
    and ``k × f × f``, k written out as ``3·3``."""
    h, x, r = s.layer_units(layer), s.layer_input(layer), s.state_width(layer)
    area, spec = s.kernel_area, cell_spec(s.cell)
    h_symbol = spec.unit_symbol
    # Above layer 1 the input is the layer below's output: D·h when it is as wide as
    # this layer (or D·P), else a width of its own, x (a ConvLSTM's c).
    below_alike = layer and (s.proj_size or s.layer_units(layer - 1) == h)
    x_symbol = width_symbol(s) if below_alike else spec.input_symbol
    r_symbol = "P" if s.proj_size else h_symbol
    k_symbol, k_text = ("k × " if s.kernel else ""), kernel_text(s.kernel)
    terms = [
        Term("input", f"{k_symbol}{x_symbol} × {h_symbol}", f"{k_text}{x:,} × {h:,}", area * x * h)
    ]
    if spec.recurrent_matrices:  # minGRU's and minLSTM's gates read xₜ alone: no U
        terms.append(
            Term(
                "recurrent",
                f"{k_symbol}{r_symbol} × {h_symbol}",
                f"{k_text}{r:,} × {h:,}",
                area * r * h,
            )
        )
    return terms


def _projection_terms(s: Settings, layer: int) -> list[Term]:
    if not s.proj_size:
        return []
    h = s.layer_units(layer)
    return [Term("projection", "P × h", f"{s.proj_size:,} × {h:,}", s.proj_size * h)]


def layer_line(s: Settings, layer: int, repeat: int, label: str) -> FormulaLine:
    """``G × (x × h + h × h + h)``, a ConvLSTM's ``4 × (k × c × f + k × f × f + f)``."""
    apart = APART.get(s.builder)
    if apart:
        return apart.line(s, layer, repeat, label)
    h, h_symbol = s.layer_units(layer), cell_spec(s.cell).unit_symbol
    inner = _matrix_terms(s, layer)
    if s.bias_vectors:
        inner.append(Term("bias", h_symbol, f"{h:,}", h))
    if s.bias_vectors == 2:
        inner.append(Term("second_bias", h_symbol, f"{h:,}", h))
    outer = []
    if s.peephole_count:
        n = s.peephole_count
        outer.append(Term("peephole", f"{n} × h", f"{n} × {h:,}", n * h))
    outer += _projection_terms(s, layer)
    return FormulaLine(label, repeat, s.directions, s.gates, tuple(inner), tuple(outer))


def mac_line(s: Settings, layer: int, repeat: int, label: str) -> FormulaLine:
    """Multiply-accumulates per time step: every weight of a matrix once, biases and
    peepholes (added and multiplied element-wise) not."""
    apart = APART.get(s.builder)
    if apart:
        return apart.mac_line(s, layer, repeat, label)
    inner = _matrix_terms(s, layer)
    outer = _projection_terms(s, layer)
    return FormulaLine(label, repeat, s.directions, s.gates, tuple(inner), tuple(outer))
