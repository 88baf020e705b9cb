"""Two settings side by side: what the second adds, drops or resizes, and by how much.

Every sentence is read off the two breakdowns' weight groups, keyed by layer,
direction, role and stable gate, so a new convention or option is compared without a
line here: ``PyTorch LSTM adds a second bias per gate: 4 × 10 = 40`` comes from the
four ``b'`` groups PyTorch has and Keras lacks. Stdlib only, like counting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from html import escape
from typing import Any

from .conventions import (
    CELL_SPECS,
    FRAMEWORK_SPECS,
    MAX_LAYERS,
    OPTIONS,
    ROLE_LABELS,
    ROLES,
    SETTINGS,
    Role,
    SettingSpec,
    applies,
    cell_spec,
    setting_rules,
)
from .counting import (
    Breakdown,
    Direction,
    Settings,
    SettingsError,
    WeightGroup,
    breakdown,
)
from .snippets import write_code

__all__ = [
    "Change",
    "Comparison",
    "compare",
    "compare_with",
    "describe_changes",
    "parse_changes",
    "suggestions",
    "with_changes",
]

_BlockKey = tuple[int, Direction]
#: The settings a comparison may change: the layer's, as the setting table declares them.
_CHANGEABLE: Mapping[str, SettingSpec] = {
    name: spec for name, spec in SETTINGS.items() if spec.layer
}


def parse_changes(text: str) -> dict[str, Any]:
    """``"framework=pytorch, units=20"`` as settings changes, each value checked.

    The syntax of the magic's ``--compare`` and of the panel's compare choices: setting
    names as everywhere, ``True``/``False`` (any case) for the on/off settings, an
    integer for a number (one width for ``units``: the commas separate changes); each
    value is read by its kind in the setting table.
    """
    changes: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, equals, value = (part.strip() for part in item.partition("="))
        if not equals or name not in _CHANGEABLE:
            raise SettingsError(
                f"compare takes SETTING=VALUE pairs with a setting among "
                f"{', '.join(_CHANGEABLE)}, not {item!r}."
            )
        kind = _CHANGEABLE[name].kind
        if kind == "switch":
            if value.lower() not in ("true", "false"):
                raise SettingsError(f"{name} must be true or false, not {value!r}.")
            changes[name] = value.lower() == "true"
        elif kind in ("count", "widths"):
            try:
                changes[name] = int(value)  # 1_000 too, as in Python
            except ValueError:
                raise SettingsError(f"{name} must be an integer, not {value!r}.") from None
        else:
            changes[name] = value
    if not changes:
        raise SettingsError(
            "compare needs at least one SETTING=VALUE pair, e.g. framework=pytorch."
        )
    return changes


def describe_changes(changes: Mapping[str, Any]) -> str:
    """The inverse of :func:`parse_changes`: ``framework=pytorch, bias=False``."""
    return ", ".join(f"{name}={value}" for name, value in changes.items())


@dataclass(frozen=True)
class Change:
    """One thing the second setting has that the first has not, or has in another size.

    ``roles`` are the roles of the weights it counts (several for whole blocks);
    ``verb`` what happens (``adds``, ``drops``, ``changes``); ``what`` names the weights
    (``a second bias per gate``); ``formula`` shows the count (``4 × 10 = 40``);
    ``delta`` is the signed difference in parameters.
    """

    roles: frozenset[Role]
    verb: str
    what: str
    formula: str
    delta: int

    @property
    def role(self) -> Role | None:
        """The one role the weights have, whose colour the sentence takes; else None."""
        return next(iter(self.roles)) if len(self.roles) == 1 else None

    def text(self, subject: str) -> str:
        return f"{subject} {self.verb} {self.what}: {self.formula}"


def _product(shape: Sequence[int]) -> str:
    return "×".join(f"{n:,}" for n in shape)


def _expression(groups: Sequence[WeightGroup]) -> str:
    """How the groups' counts add up: ``4 × 10``, ``10×5`` (one group), ``4 × 10 + 4 × 100``."""
    if len(groups) == 1:
        shape = groups[0].shape
        return _product(shape) if len(shape) > 1 else f"{groups[0].count:,}"
    alike = Counter(g.count for g in groups)  # in order of first appearance
    return " + ".join(
        f"{n:,} × {count:,}" if n > 1 else f"{count:,}" for count, n in alike.items()
    )


def _equation(expression: str, total: int) -> str:
    """``expression = total``, or the total alone where the expression is just it."""
    return f"{total:,}" if expression == f"{total:,}" else f"{expression} = {total:,}"


def _per_gate(groups: Sequence[WeightGroup]) -> bool:
    """Whether ``groups`` are one per gate of each block they sit in."""
    keys = Counter((g.layer, g.direction, g.stable_gate) for g in groups)
    return all(g.stable_gate for g in groups) and set(keys.values()) == {1}


def _blocks_name(keys: Sequence[_BlockKey], layers: int) -> str:
    """``the backward direction``, ``a backward direction in 2 layers``, ``layers 3–7``."""
    if list(keys) == [(-1, "forward")]:
        return "the dense head"
    if all(direction == "backward" for _, direction in keys):
        return (
            "the backward direction"
            if layers == 1
            else (f"a backward direction in {len(keys):,} layers")
        )
    numbers = sorted({layer + 1 for layer, _ in keys})
    if len(numbers) == 1:
        return f"layer {numbers[0]:,}"
    return f"layers {numbers[0]:,}–{numbers[-1]:,}"


@dataclass(frozen=True)
class Comparison:
    """``before`` against ``after``: the totals and every :class:`Change`."""

    before: Breakdown
    after: Breakdown
    changes: tuple[Change, ...]

    @property
    def delta(self) -> int:
        return self.after.total - self.before.total

    @property
    def subject(self) -> str:
        """What ``after`` is called in the sentences: ``PyTorch LSTM``, ``Keras LSTM with
        units=20``. Settings the other layer lacks (options at their neutral value, the
        biases of a layer built without any) go unsaid.
        """
        a, b = self.before.settings, self.after.settings
        rules = setting_rules(b.framework, b.cell)
        differing = {
            f.name: getattr(b, f.name)
            for f in fields(Settings)
            if f.name not in ("framework", "cell")
            and getattr(a, f.name) != getattr(b, f.name)
            and rules.get(f.name, (True, None))[0]
        }
        name = b.describe_layer()
        return f"{name} with {describe_changes(differing)}" if differing else name

    @property
    def drawn(self) -> Breakdown:
        """The side to draw: the one with more weights, so that what differs is on it."""
        return self.after if self.after.total >= self.before.total else self.before

    @property
    def marks(self) -> tuple[Role, ...]:
        """The roles to mark on :attr:`drawn`: every one whose weights differ (in
        :data:`ROLES` order), the roles of added or dropped blocks included."""
        present = {g.role for g in self.drawn.groups}
        differing = {role for change in self.changes for role in change.roles}
        return tuple(role for role in ROLES if role in present and role in differing)

    def totals(self) -> str:
        """``Keras LSTM: 480 → PyTorch LSTM: 520 (+40)``: each side's own ``total``."""
        return (
            f"{self.before.settings.describe_layer()}: {self.before.total:,} → "
            f"{self.subject}: {self.after.total:,} ({self.delta:+,})"
        )

    def sentences(self) -> list[str]:
        if not self.changes:
            return [f"{self.subject} has the same weights."]
        return [change.text(self.subject) for change in self.changes]

    def code(self) -> tuple[str, str]:
        """Each side as its framework's users write it (:mod:`lstm_widget.snippets`), so
        the difference also reads in the code that makes it."""
        return write_code(self.before.settings), write_code(self.after.settings)

    def text(self) -> str:
        """The totals, a sentence per change, then each side's code."""
        before, after = self.code()
        return "\n".join([self.totals(), *self.sentences(), f"  {before}", f"→ {after}"])

    def html(self, colours: Mapping[Role, str]) -> str:
        """The totals in bold, one line per change, its weights in their colour, then
        each side's code."""
        lines = [f"<div><b>{escape(self.totals())}</b></div>"]
        if not self.changes:
            lines.append(f"<div>{escape(self.sentences()[0])}</div>")
        for change in self.changes:
            what = escape(change.what)
            if change.role is not None:
                what = f'<span style="color:{colours[change.role]}">{what}</span>'
            lines.append(
                f"<div>{escape(self.subject)} {escape(change.verb)} {what}: "
                f"<b>{escape(change.formula)}</b></div>"
            )
        lines += [f"<div><code>{escape(code)}</code></div>" for code in self.code()]
        return "".join(lines)


def _block_change(verb: str, keys: list[_BlockKey], side: Breakdown, sign: int) -> Change:
    """Whole blocks one side has: each block's role subtotals, identical blocks folded."""
    subtotals = [
        tuple(sum(g.count for g in side.block_groups(*key) if g.role == role) for role in ROLES)
        for key in keys
    ]
    alike = Counter(subtotals)
    total = sum(map(sum, subtotals))

    def term(block: tuple[int, ...], n: int) -> str:
        inner = " + ".join(f"{t:,}" for t in block if t)
        if n == 1:
            return f"({inner})" if len(alike) > 1 and "+" in inner else inner
        return f"{n:,} × ({inner})" if "+" in inner else f"{n:,} × {inner}"

    formula = _equation(" + ".join(term(b, n) for b, n in alike.items()), total)
    roles = frozenset(
        role for block in subtotals for role, t in zip(ROLES, block, strict=True) if t
    )
    return Change(roles, verb, _blocks_name(keys, side.settings.layers), formula, sign * total)


def _role_change(role: Role, old: list[WeightGroup], new: list[WeightGroup]) -> Change | None:
    """The role's weights in the blocks both sides have, if their counts differ.

    Counts, not shapes, are compared: Keras stores ``W`` as (input, units) and PyTorch as
    (units, input), the same weights either way.
    """
    if [g.count for g in old] == [g.count for g in new]:
        return None
    label = ROLE_LABELS[role]
    before, after = sum(g.count for g in old), sum(g.count for g in new)
    if not old or not new:
        groups, verb, sign = (new, "adds", 1) if new else (old, "drops", -1)
        plural = label.endswith("s") and not label.endswith("as")  # weights, not bias
        what = ("" if plural else "a ") + label
        if len(groups) > 1 and _per_gate(groups):
            what += " per gate"
        total = sum(g.count for g in groups)
        return Change(
            frozenset({role}), verb, what, _equation(_expression(groups), total), sign * total
        )
    formula = (
        f"{_equation(_expression(old), before)} → {_equation(_expression(new), after)}, "
        f"{after - before:+,}"
    )
    return Change(frozenset({role}), "changes", f"the {label}", formula, after - before)


def compare(before: Breakdown, after: Breakdown) -> Comparison:
    """What ``after`` adds, drops or resizes against ``before``, from their groups."""
    blocks_before = {(b.layer, b.direction) for b in before.blocks}
    blocks_after = {(b.layer, b.direction) for b in after.blocks}
    # The dense head last, whichever side has it.
    order = sorted(blocks_before | blocks_after, key=lambda k: (k[0] < 0, k))
    changes: list[Change] = []
    for verb, side, mine, theirs, sign in (
        ("adds", after, blocks_after, blocks_before, 1),
        ("drops", before, blocks_before, blocks_after, -1),
    ):
        only = [k for k in order if k in mine and k not in theirs and k[0] >= 0]
        if only:
            changes.append(_block_change(verb, only, side, sign))
    common = [k for k in order if k in blocks_before and k in blocks_after]
    for role in ROLES:
        old = [g for k in common for g in before.block_groups(*k) if g.role == role]
        new = [g for k in common for g in after.block_groups(*k) if g.role == role]
        change = _role_change(role, old, new)
        if change is not None:
            changes.append(change)
    for verb, side, mine, theirs, sign in (
        ("adds", after, blocks_after, blocks_before, 1),
        ("drops", before, blocks_before, blocks_after, -1),
    ):
        if (-1, "forward") in mine and (-1, "forward") not in theirs:
            changes.append(_block_change(verb, [(-1, "forward")], side, sign))
    return Comparison(before, after, tuple(changes))


def with_changes(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """``settings`` with ``changes``; options the new layer lacks fall back to their
    neutral value unless ``changes`` sets them. Bad changes raise SettingsError.

    Keras GRU's ``reset_after=False`` with ``framework=pytorch`` is PyTorch's GRU,
    which has no such option.
    """
    unknown = [name for name in changes if name not in _CHANGEABLE]
    if unknown:
        raise SettingsError(
            f"compare takes settings among {', '.join(_CHANGEABLE)}, not {unknown[0]!r}."
        )
    merged = {**asdict(settings), **changes}
    for name, option in OPTIONS.items():
        if name not in changes and not applies(name, merged["framework"], merged["cell"]):
            merged[name] = option.neutral
    return Settings(**merged)


def compare_with(before: Breakdown, changes: Mapping[str, Any]) -> Comparison:
    """``before`` against its settings with ``changes`` (see :func:`with_changes`)."""
    if not changes:
        raise SettingsError(
            "compare needs at least one setting to change, e.g. framework=pytorch."
        )
    return compare(before, breakdown(with_changes(before.settings, changes)))


def suggestions(settings: Settings) -> list[dict[str, Any]]:
    """The comparisons worth a click from ``settings``, read off the registry.

    Every other framework and cell (a cell this framework lacks in the first framework
    that has it); every on/off setting the layer has, flipped; one more layer; a
    projection where the layer can have one; the dense head on or off.
    Each is a changes mapping for :func:`compare_with`. Only a projection's size (half
    the narrowest layer, where a layer can have one) follows the widths; no choice is a
    width of its own (the growth plot shows what more units do), so elsewhere the
    panel's compare selector keeps its choices while a width is dragged.
    """
    framework, cell = settings.framework, settings.cell
    found: list[dict[str, Any]] = [
        {"framework": key} for key in FRAMEWORK_SPECS if key != framework
    ]
    residual = cell_spec(cell).residual
    for key in CELL_SPECS:
        # A cell this framework lacks, as the first convention that has it stores it. A
        # residual cell (xLSTM's) is as wide as its input, which a layer of another kind
        # need not be: between the two kinds, only a typed comparison says which width.
        having = [f for f, spec in FRAMEWORK_SPECS.items() if key in spec.cells]
        if key != cell and having and cell_spec(key).residual == residual:
            found.append(
                {"cell": key} if framework in having else {"framework": having[0], "cell": key}
            )
    rules = setting_rules(framework, cell)
    for name in ("bidirectional", "bias", *OPTIONS):
        value = getattr(settings, name)
        if isinstance(value, bool) and rules[name][0]:
            found.append({name: not value})
    # A stack of different widths changes its depth and widths in the panel's widths
    # entry; SETTING=VALUE pairs hold one width.
    one_width = isinstance(settings.units, int)
    if settings.layers < MAX_LAYERS and one_width:
        found.append({"layers": settings.layers + 1})
    narrowest = min(settings.widths)
    if settings.proj_size:
        found.append({"proj_size": 0})
    elif applies("proj_size", framework, cell) and settings.convention.projection_to_input:
        found.append({"proj_size": settings.input_size})
    elif applies("proj_size", framework, cell) and narrowest > 1:
        found.append({"proj_size": narrowest // 2})
    found.append({"dense": 0 if settings.dense else 1})
    return [changes for changes in found if _counts(settings, changes)]


def _counts(settings: Settings, changes: Mapping[str, Any]) -> bool:
    """Whether ``settings`` with ``changes`` can be counted (a ConvLSTM needs a kernel,
    say, which SETTING=VALUE pairs from another cell do not give)."""
    try:
        with_changes(settings, changes)
    except SettingsError:
        return False
    return True
