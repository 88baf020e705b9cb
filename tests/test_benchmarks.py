"""Every benchmark script still runs and prints its figures (``--quick``; no time asserted).

Benchmarks are not run by anything else in CI, so a renamed attribute or a changed
page would otherwise break them silently. Each script runs as a user would run it, in
its own process; the test checks the exit status and that every figure and every
target line was printed, never what the figures are.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import require_browser

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

#: Script -> lines its output must contain (label, then a figure).
EXPECTED = {
    "bench_load": [
        r"import lstm_widget +median +[\d.]+ ms",
        r"%load_ext lstm_widget +median +[\d.]+ ms",
        r"import matplotlib.pyplot +median +[\d.]+ ms",
        r"target: import lstm_widget <= 30 ms, no matplotlib +[\d.]+ ms, [\d.]+x of pyplot",
        r"target: %load_ext lstm_widget <= 30 ms",
    ],
    "bench_scale": [
        r"breakdown\(\) +units=10\*\*6, 10 layers +median +[\d.]+ ms",
        r"render\(\) SVG, fresh figure +units=10, 10 layers +median +[\d.]+ ms",
        r"target: draw\(\): Figure and artists 10\*\*6 no slower than 10 units +[\d.]+x",
        r"characters drawn, units=10 vs 10\*\*6 \(10 layers\) +[\d,]+ vs [\d,]+: [\d.]+x",
        r"PNG render time per character drawn, 10\*\*6 vs 10 +[\d.]+x",
    ],
    "bench_diagram": [
        r"seed, svg +median +[\d.]+ ms",
        r"svg: count keeps its digits \(text swap\) +median +[\d.]+ ms",
        r"cache hit +median +[\d.]+ ms",
        r"RSS after \d+ warm-up renders, then after \d+ +[\d.]+ MB",
    ],
    "bench_update": [
        r"slider moved one step",
        r"any control set to any value",
        r"panel, live SVG fast path +median +[\d.]+ ms",
        r"panel, public savefig path +median +[\d.]+ ms",
        r"interactive \+ draw\(\) -> fresh Figure -> PNG +median +[\d.]+ ms",
        r"target: fast path median <= 5 ms +[\d.]+ ms",
        r"target: fast path median <= 15 ms +[\d.]+ ms",
        r"target: public path median <= 40 ms +[\d.]+ ms",
        r"target: public path >= 3x faster than interactive \+ PNG +[\d.]+x",
        r"public path / fast path \(medians\) +[\d.]+x",
    ],
    "bench_memory": [
        r"RSS after 200 more updates +[\d.]+ MB",
        r"updates that showed an error \(there should be none\) +0$",
        r"matplotlib.pyplot imported +False",
        r"figures registered with pyplot \(Gcf\) +0",
        r"live Figure objects after panel.close\(\) +\d+",
        r"target: growth < 10 MB, no figure left +[-+][\d.]+ MB",
    ],
    "bench_growth": [
        r"growth redraw, units axis +median +[\d.]+ ms",
        r"panel update, growth section closed +median +[\d.]+ ms",
        r"panel update, growth section open +median +[\d.]+ ms",
        r"target: growth redraw median <= 100 ms +[\d.]+ ms",
        r"open / closed panel update \(medians\) +[\d.]+x",
    ],
    "bench_report": [
        r"^  \d[\d,]* modules +median +[\d.]+ ms .*; [\d,.]+ KB",
        r"growth from [\d,]+ to [\d,]+ modules \(\d+x\) +time [\d.]+x, size [\d.]+x",
        r"target: 100 identical LSTMs <= 300 ms, <= 300 KB +[\d.]+ ms, [\d,.]+ KB",
        r"target: [\d,]+ modules <= 1000 ms +[\d.]+ ms",
        r"import lstm_widget after IPython +median +[\d.]+ ms",
        r"import matplotlib.pyplot after IPython +median +[\d.]+ ms",
        r"target: import lstm_widget after IPython <= 30 ms +[\d.]+ ms, [\d.]+x of pyplot",
    ],
    "bench_browser": [
        r"paced: panel, units slider +median +[\d.]+ ms",
        r"paced: floor, pre-rendered images +median +[\d.]+ ms",
        r"target \(paced\): panel <= 1.2x the floor +[\d.]+x",
        r"back to back: panel, units slider +median +[\d.]+ ms",
        r"back to back: replies the websocket held for an ACK +panel \d+ of 3, floor \d+ of 3",
        r"back to back: replies held, panel / floor +([\d.]+ / [\d.]+ ms|no such presses)",
        r"panel: 30-step drag to units=\d+ +final diagram +[\d.]+ ms after release",
        r"target: final diagram <= 250 ms after release +worst [\d.]+ ms",
    ],
    "bench_marimo": [
        r"view, live SVG fast path +median +[\d.]+ ms",
        r"view, public savefig path +median +[\d.]+ ms",
        r"public path / fast path \(medians\) +[\d.]+x",
        r"^  live SVG fast path +median +[\d.]+ ms",
        r"^  public savefig path +median +[\d.]+ ms",
        r"^  floor: the same view rendered in advance +median +[\d.]+ ms",
        r"fast path / floor \(medians\) +[\d.]+x",
    ],
}

#: Scripts that drive chromium.
BROWSER_SCRIPTS = ("bench_browser", "bench_marimo")


def run(script: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{script}.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("script", [s for s in EXPECTED if s not in BROWSER_SCRIPTS])
def test_benchmark_prints_its_figures(script: str) -> None:
    output = run(script)
    for pattern in EXPECTED[script]:
        assert re.search(pattern, output, re.M), f"{pattern!r} not in:\n{output}"


@pytest.mark.browser
@pytest.mark.parametrize("script", BROWSER_SCRIPTS)
def test_browser_benchmark_prints_its_figures(script: str) -> None:
    require_browser()
    output = run(script)
    for pattern in EXPECTED[script]:
        assert re.search(pattern, output, re.M), f"{pattern!r} not in:\n{output}"


def test_run_all_knows_every_script() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from run_all import SCRIPTS
    finally:
        sys.path.remove(str(BENCHMARKS))
    scripts = {path.stem for path in BENCHMARKS.glob("bench_*.py")}
    assert set(SCRIPTS) == scripts == set(EXPECTED)
