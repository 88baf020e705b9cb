"""In-kernel update: from a control's new value to the new diagram bytes in the panel.

Runs in a fresh IPython kernel, where every widget change becomes a comm message as
it does for a user. A seeded random walk changes one control at a time (numbers as if
typed into their entry, choices, check boxes) and never returns to settings seen
before, so no change is served from an image cache. Each change is applied to two
panels, one whose diagram takes the live SVG fast path and one forced onto the public
``savefig`` path (what a matplotlib without the fast path's machinery gets), and right
after to the obvious alternative: ``ipywidgets.interactive`` over a function that
draws a fresh figure with :func:`lstm_widget.draw` and renders it to PNG (and, for
reference, to SVG), each time. Interleaving them makes all see the same machine load.

Usage: ``python benchmarks/bench_update.py [--quick] [--changes N]``
"""

from __future__ import annotations

import io
import random
import time
from typing import Any

import _common as common

#: Targets per kind of change: fast path, public path (both also >= 3x interactive + PNG).
TARGET_MS = {"fast": {"steps": 5.0, "jumps": 15.0}, "public": {"steps": 40.0, "jumps": 40.0}}
TARGET_SPEEDUP = 3.0
PATHS = ("fast", "public")

START: dict[str, Any] = dict(
    cell="lstm", framework="keras", input_size=1, units=10, layers=1,
    bidirectional=False, bias=True, dense=1,
)  # fmt: skip
#: What each control may be set to: the panel's slider ranges, every choice.
CHOICES: dict[str, tuple[Any, ...]] = {
    "units": tuple(range(1, 1025)),
    "input_size": tuple(range(1, 513)),
    "layers": tuple(range(1, 11)),
    "dense": tuple(range(0, 129)),
    "cell": ("lstm", "gru", "rnn"),
    "framework": ("keras", "pytorch", "onnx"),
    "bidirectional": (False, True),
    "bias": (False, True),
}
NUMBERS = ("units", "input_size", "layers", "dense")
KINDS = ("steps", "jumps")


def changes(count: int, kind: str, seed: int = 6) -> list[tuple[str, Any]]:
    """``count`` single-control changes, each reaching valid settings never seen before.

    ``kind`` is ``"steps"``: a number moves by one (what a slider's drag or arrow key
    sends), or ``"jumps"``: any control takes any value (a number typed into an entry,
    a choice or a check box clicked).
    """
    from lstm_widget import SettingsError, breakdown

    rng = random.Random(seed)
    state = dict(START)
    seen = {tuple(sorted(state.items()))}
    steps: list[tuple[str, Any]] = []
    names = list(CHOICES) if kind == "jumps" else list(NUMBERS)
    while len(steps) < count:
        name = rng.choice(names)
        choices = CHOICES[name]
        if kind == "jumps":
            value = rng.choice(choices)
        else:
            value = state[name] + rng.choice((-1, 1))
            if value not in choices:
                continue
        candidate = dict(state, **{name: value})
        key = tuple(sorted(candidate.items()))
        if key in seen:
            continue
        try:
            breakdown(**candidate)
        except SettingsError:
            continue
        seen.add(key)
        state = candidate
        steps.append((name, value))
    return steps


def _stamper(widget: Any) -> list[float]:
    """Times at which ``widget.value`` changed."""
    stamps: list[float] = []
    widget.observe(lambda change: stamps.append(time.perf_counter()), names="value")
    return stamps


def _alternative(fmt: str) -> tuple[Any, Any]:
    """``interactive`` over a function drawing a fresh figure; returns (widget, image)."""
    import ipywidgets as widgets

    from lstm_widget import draw

    image = widgets.Image(format="png" if fmt == "png" else "svg+xml")

    def show(**settings: Any) -> None:
        figure = draw(settings)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt)
        image.value = buffer.getvalue()

    controls: dict[str, Any] = {}
    for name, value in START.items():
        if isinstance(value, bool):
            controls[name] = widgets.Checkbox(value=value)
        elif isinstance(value, int):
            controls[name] = widgets.IntText(value=value)
        else:
            controls[name] = widgets.ToggleButtons(options=CHOICES[name], value=value)
    return widgets.interactive(show, **controls), image


def measure(count: int) -> dict[str, Any]:
    """Latencies in seconds per kind of change, for the panel and the alternatives.

    Runs wherever it is called; ``main`` calls it inside a kernel.
    """
    import lstm_widget
    from lstm_widget import _live_svg

    def make_panel(path: str) -> Any:
        _live_svg.enabled = path == "fast"  # read when the panel makes its painter
        try:
            panel = lstm_widget.panel(**START)
        finally:
            _live_svg.enabled = True
        if (panel._painters[panel.theme.value]._live is not None) != (path == "fast"):
            raise RuntimeError(f"the {path} panel does not take the {path} path")
        return panel

    alternatives = {fmt: _alternative(fmt) for fmt in ("png", "svg")}
    alternative_images = {fmt: _stamper(image) for fmt, (_, image) in alternatives.items()}
    result: dict[str, Any] = {"errors": []}

    def timed(control: Any, value: Any, stamps: list[float]) -> float:
        seen = len(stamps)
        start = time.perf_counter()
        control.value = value
        if len(stamps) == seen:
            raise RuntimeError(f"the image did not change for {value!r}")
        return stamps[-1] - start

    for kind in KINDS:
        panels = {path: make_panel(path) for path in PATHS}
        panel_images = {path: _stamper(panel.image) for path, panel in panels.items()}
        for widget, _ in alternatives.values():
            for child, value in zip(widget.children[: len(START)], START.values(), strict=True):
                child.value = value
        latencies: dict[str, list[float]] = {"fast": [], "public": [], "png": [], "svg": []}
        by_control: dict[str, list[float]] = {}
        for name, value in changes(count, kind):
            for path, panel in panels.items():
                latency = timed(panel.controls[name], value, panel_images[path])
                if panel.error:
                    result["errors"].append(panel.error)
                latencies[path].append(latency)
            by_control.setdefault(name, []).append(latencies["fast"][-1])
            for fmt, (widget, _) in alternatives.items():
                child = widget.children[list(START).index(name)]
                latencies[fmt].append(timed(child, value, alternative_images[fmt]))
        result[kind] = {"latencies": latencies, "by_control": by_control}
    return result


def main() -> None:
    count, _ = common.parse_count(
        __doc__.splitlines()[0], "--changes", "changes per kind", full=120, quick=6
    )
    with common.kernel() as run:
        common.run_in_kernel(run, "__import__('bench_update').measure(3)")  # warm up
        result = common.run_in_kernel(run, f"__import__('bench_update').measure({count})")
    titles = {
        "steps": "a numeric slider moved one step (drag, arrow key)",
        "jumps": "any control set to any value (typed number, choice, check box)",
    }
    for kind in KINDS:
        lat = result[kind]["latencies"]
        common.heading(f"In-kernel update, {count} changes: {titles[kind]}")
        common.line("panel, live SVG fast path", common.describe_ms(lat["fast"]))
        common.line("panel, public savefig path", common.describe_ms(lat["public"]))
        common.line("interactive + draw() -> fresh Figure -> PNG", common.describe_ms(lat["png"]))
        common.line("interactive + draw() -> fresh Figure -> SVG", common.describe_ms(lat["svg"]))
        for name, values in sorted(result[kind]["by_control"].items()):
            common.line(f"  fast path, changing {name}", common.describe_ms(values))
        png_ms = common.median_ms(lat["png"])
        for path in PATHS:
            panel_ms, target = common.median_ms(lat[path]), TARGET_MS[path][kind]
            common.line(
                f"target: {path} path median <= {target:g} ms",
                f"{panel_ms:.2f} ms: {common.verdict(panel_ms <= target)}",
            )
            speedup = png_ms / panel_ms
            common.line(
                f"target: {path} path >= {TARGET_SPEEDUP:g}x faster than interactive + PNG",
                f"{speedup:.1f}x: {common.verdict(speedup >= TARGET_SPEEDUP)}",
            )
        ratio = common.median_ms(lat["public"]) / common.median_ms(lat["fast"])
        common.line("public path / fast path (medians)", f"{ratio:.1f}x")
    if result["errors"]:
        common.line("panel errors (there should be none)", repr(result["errors"][:3]))


if __name__ == "__main__":
    main()
