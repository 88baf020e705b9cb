"""The code stays lint-clean, formatted and strictly typed (configured in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "--no-fix", "lstm_widget", "tests", "benchmarks", "docs"],
        ["ruff", "format", "--check", "lstm_widget", "tests", "benchmarks", "docs"],
        ["mypy"],  # strict, on lstm_widget/: see [tool.mypy]
    ],
    ids=" ".join,
)
def test_tool_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
