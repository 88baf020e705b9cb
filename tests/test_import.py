"""``import lstm_widget`` stays cheap and quiet: no plotting, widget or framework imports.

Each check runs in a fresh interpreter, because this test process has long since
imported matplotlib, torch and the rest.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lstm_widget

HEAVY = ("matplotlib", "ipywidgets", "torch", "keras", "tensorflow", "jax", "onnx")

LIST_MODULES = """
import json, sys
import lstm_widget
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def python(code: str, cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_import_loads_no_heavy_package(tmp_path):
    result = python(LIST_MODULES, str(tmp_path))
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "lstm_widget" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


@pytest.mark.parametrize("module", ["lstm_widget", "lstm_widget.cli"])
def test_import_prints_nothing(tmp_path, module):
    result = python(f"import {module}", str(tmp_path))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


#: The package's modules from the bottom up: each may import only modules before it,
#: lazily inside a function or not, so data flows one way (README, "Architecture").
LAYERS = (
    "counting",
    "style",
    "layout",
    "report",
    "_live_svg",
    "diagram",
    "display",
    "options",
    "introspect",
    "_panel",
    "magics",
    "cli",
    "__main__",
    "__init__",
)


def test_imports_point_one_way():
    package = Path(lstm_widget.__file__).parent
    assert {path.stem for path in package.glob("*.py")} == set(LAYERS), "a module to place"
    upward = []
    for rank, name in enumerate(LAYERS):
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [a.name for a in node.names]
                upward += [
                    f"{name} imports {target}"
                    for target in targets
                    if LAYERS.index(target.split(".")[0]) >= rank
                ]
    assert upward == []
