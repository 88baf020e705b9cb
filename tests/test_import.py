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

HEAVY = ("matplotlib", "ipywidgets", "marimo", "torch", "keras", "tensorflow", "jax", "onnx")

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


#: The package's modules and subpackages from the bottom up: each may import only
#: those before it (and its own submodules), lazily inside a function or not, so data
#: flows one way (CONTRIBUTING.md, "Architecture").
LAYERS = (
    "conventions",
    "counting",
    "counting_xlstm",
    "snippets",
    "compare",
    "quiz",
    "layers",
    "style",
    "layout",
    "report",
    "_live_svg",
    "diagram",
    "display",
    "growth_plot",
    "options",
    "controls",
    "introspect",
    "_frontend",
    "_panel",
    "marimo",
    "magics",
    "cli",
    "__main__",
    "__init__",
)


def test_imports_point_one_way():
    package = Path(lstm_widget.__file__).parent
    files = {path.relative_to(package): path for path in package.rglob("*.py")}
    assert {path.parts[0].removesuffix(".py") for path in files} == set(LAYERS), "to place"
    upward = []
    for relative, path in files.items():
        own = relative.parts[0].removesuffix(".py")
        where = relative.parts[:-1]  # the subpackage a module sits in, if any
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = where[: len(where) - (node.level - 1)]
            targets = [node.module] if node.module else [a.name for a in node.names]
            for target in targets:
                top = (*base, *target.split("."))[0]
                if top != own and LAYERS.index(top) >= LAYERS.index(own):
                    upward.append(f"{relative} imports {top}")
    assert upward == []
