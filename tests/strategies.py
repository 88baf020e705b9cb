"""Valid settings for hypothesis, generated from the registry (lstm_widget.conventions).

Which options exist for which framework and cell is the registry's to say, so no test
module restates it: a new convention, cell or option is generated here as soon as its
spec exists. An integer option is a width below every layer's ``units``
(``proj_size``), or the input's width where the projection maps back to it; a
boolean one may take either value where it applies; a tuple one is
a convolutional cell's kernel, one small size per axis, as many axes as the cell
takes. Half the stacks have layers of different widths, in up to three runs
(``(32, 32, 18)``), as stacks are built.
"""

from __future__ import annotations

from hypothesis import strategies as st

from lstm_widget.conventions import (
    CELLS,
    FRAMEWORK_SPECS,
    FRAMEWORKS,
    OPTIONS,
    cell_spec,
    convention,
)
from lstm_widget.counting.formula import APART

#: The conventions and cells counted by the gates' formula. xLSTM's blocks, counted
#: apart (their own formula, no per-unit reading), have their own strategies
#: (tests/xlstm_models.py) and are checked against the package in every front
#: (tests/test_xlstm_fronts.py).
GATED_FRAMEWORKS = tuple(fw for fw in FRAMEWORKS if FRAMEWORK_SPECS[fw].builder not in APART)
GATED_CELLS = tuple(
    cell for cell in CELLS if any(cell in FRAMEWORK_SPECS[fw].cells for fw in GATED_FRAMEWORKS)
)

#: Kernel sizes: small, so the real frameworks build them quickly.
KERNEL_SIZES = st.integers(1, 5)


def kernels(cell: str) -> st.SearchStrategy[tuple[int, ...]]:
    """A kernel of every length the cell takes (1D, 2D, 3D)."""
    lengths = st.sampled_from(cell_spec(cell).kernel_dims)
    return lengths.flatmap(lambda n: st.tuples(*[KERNEL_SIZES] * n))


def required_options(cell: str) -> dict[str, object]:
    """What a cell cannot do without, at a typical value: a ConvLSTM's 3×3 kernel."""
    dims = cell_spec(cell).kernel_dims
    return {"kernel": (3,) * (2 if 2 in dims else dims[0])} if dims else {}


def option_values(framework: str, cell: str, units: int) -> st.SearchStrategy[dict[str, object]]:
    """Every option that applies to this framework × cell, at any value it allows."""
    values: dict[str, st.SearchStrategy[object]] = {}
    for name in convention(framework, cell).options:
        neutral = OPTIONS[name].neutral
        if isinstance(neutral, bool):
            values[name] = st.booleans()
        elif isinstance(neutral, tuple):
            values[name] = kernels(cell)
        else:
            values[name] = st.integers(neutral, max(neutral, units - 1))
    return st.fixed_dictionaries(values)


def changed_options(settings: dict[str, object]) -> list[dict[str, object]]:
    """``settings`` with each option that applies moved off its neutral value, one at a
    time (for grids that walk every option without drawing at random)."""
    units = settings["units"]
    assert isinstance(units, int)
    variants = []
    for name in convention(str(settings["framework"]), str(settings["cell"])).options:
        neutral = OPTIONS[name].neutral
        if isinstance(neutral, bool):
            variants.append({**settings, name: not neutral})
        elif isinstance(neutral, tuple):
            dims = cell_spec(str(settings["cell"])).kernel_dims
            variants += [{**settings, name: tuple(range(2, 2 + n))} for n in dims]
        elif convention(str(settings["framework"]), str(settings["cell"])).projection_to_input:
            variants.append({**settings, name: settings["input_size"]})
        elif units > 1:
            variants.append({**settings, name: max(1, units // 3)})
    return variants


@st.composite
def stack_units(
    draw: st.DrawFn, widths: st.SearchStrategy[int], layers: int
) -> int | tuple[int, ...]:
    """``units`` for ``layers`` layers: one width, or one per layer in up to three runs."""
    first = draw(widths)
    if layers == 1 or not draw(st.booleans()):
        return first
    cuts = sorted(draw(st.sets(st.integers(1, layers - 1), min_size=1, max_size=2)))
    runs = [first, *(draw(widths) for _ in cuts)]
    bounds = [0, *cuts, layers]
    return tuple(
        width
        for width, start, stop in zip(runs, bounds[:-1], bounds[1:], strict=True)
        for _ in range(start, stop)
    )


#: Default widths, depths and heads: small enough to count fast, large enough to matter.
WIDTHS = st.integers(1, 600)
LAYERS = st.integers(1, 4)
DENSE = st.integers(0, 50)


@st.composite
def any_settings(
    draw: st.DrawFn,
    *,
    frameworks: tuple[str, ...] = GATED_FRAMEWORKS,
    cells: tuple[str, ...] = GATED_CELLS,
    widths: st.SearchStrategy[int] = WIDTHS,
    layers: st.SearchStrategy[int] = LAYERS,
    dense: st.SearchStrategy[int] = DENSE,
) -> dict[str, object]:
    """Keyword settings for ``breakdown``: every valid combination, options only where
    the framework has them for the cell."""
    framework = draw(st.sampled_from(frameworks))
    cell = draw(st.sampled_from([c for c in cells if c in FRAMEWORK_SPECS[framework].cells]))
    depth = draw(layers)
    units = draw(stack_units(widths, depth))
    layout = convention(framework, cell)
    chosen: dict[str, object] = dict(
        framework=framework,
        cell=cell,
        input_size=draw(widths),
        units=units,
        layers=depth,
        bidirectional=draw(st.booleans()) if layout.bidirectional else False,
        bias=draw(st.booleans()) if layout.optional_bias else True,
        dense=draw(dense),
    )
    narrowest = min(units) if isinstance(units, tuple) else units
    options = draw(option_values(framework, cell, narrowest))
    if layout.projection_to_input and options.get("proj_size"):
        options["proj_size"] = chosen["input_size"]  # a projection back to the input
    return {**chosen, **options}
