"""``import lstm_widget`` stays cheap and quiet: no plotting, widget or framework imports.

Each check runs in a fresh interpreter, because this test process has long since
imported matplotlib, torch and the rest.
"""

import json
import subprocess
import sys

import pytest

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
