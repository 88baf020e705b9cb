"""The Binder configuration, built the way repo2docker builds it, runs every notebook.

repo2docker cannot run here (it needs Docker), so this test repeats its steps for a
repository with a ``binder/`` folder and a ``requirements.txt`` that names a local
path (repo2docker/buildpacks/python/__init__.py):

1. a fresh Python environment holding what repo2docker's base image adds for a
   notebook (ipykernel, and nbclient, which comes with jupyter_server there);
2. the whole repository in place, then ``pip install -r binder/requirements.txt``
   from the repository root;
3. ``binder/postBuild``, if the repository has one, with that environment first on
   PATH;
4. every notebook executed in a fresh kernel of that environment.

The one deliberate difference is pip's cache: repo2docker passes ``--no-cache-dir``
because an image build starts empty anyway; here the cache spares the network.

Every package the requirements bring in or change is pinned there with ``==``, at
versions inside pyproject.toml's bounds, so a later build installs what was tested.
Keras and PyTorch are not part of the Binder environment, so each notebook must
explain that and still draw a diagram.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import nbformat
import pytest
from notebook_support import MISSING_FRAMEWORK, NOTEBOOKS, errors, mime_types, stream_text
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10; pytest depends on tomli there
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
BINDER = REPO / "binder"

#: What repo2docker's base environment already provides to a notebook's kernel.
BASE_IMAGE_PACKAGES = ["ipykernel", "nbclient"]


def run(command: list[str], **kwargs: Any) -> str:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    shown = " ".join(map(str, command))
    assert done.returncode == 0, f"{shown} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def binder_requirements() -> list[str]:
    """``binder/requirements.txt`` without comments and blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in (BINDER / "requirements.txt").open())
    return [line for line in lines if line]


def binder_pins() -> dict[str, str]:
    """Canonical package name -> the version Binder pins it to."""
    pins = {}
    for line in binder_requirements():
        if line == ".":
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==" and "*" not in specifier.version, line
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def installed(python: Path, env: dict[str, str]) -> dict[str, str]:
    """Canonical package name -> version, for the environment of ``python``."""
    listed = run([str(python), "-m", "pip", "list", "--format=json"], env=env)
    return {canonicalize_name(p["name"]): p["version"] for p in json.loads(listed)}


class BinderBuild(NamedTuple):
    #: Packages that ``pip install -r binder/requirements.txt`` added or changed.
    brought_in: dict[str, str]
    notebooks: dict[str, nbformat.NotebookNode]


@pytest.fixture(scope="module")
def binder_build(tmp_path_factory):
    """Build the environment as repo2docker would and execute the notebooks in it."""
    base = tmp_path_factory.mktemp("binder")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    env = dict(
        os.environ,
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        VIRTUAL_ENV=str(venv),
        # The kernel must be the environment's own, never a user-wide "python3" spec.
        JUPYTER_DATA_DIR=str(base / "jupyter-data"),
        JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
        JUPYTER_PATH="",
        IPYTHONDIR=str(base / "ipython"),
        MPLCONFIGDIR=str(base / "matplotlib"),
    )
    env.pop("KERAS_BACKEND", None)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    run([*pip, *BASE_IMAGE_PACKAGES], env=env)
    before = installed(python, env)
    run([*pip, "-r", str(BINDER / "requirements.txt")], cwd=REPO, env=env)
    after = installed(python, env)
    brought_in = {name: v for name, v in after.items() if before.get(name) != v}
    post_build = BINDER / "postBuild"
    if post_build.exists():
        run([str(post_build)], cwd=REPO, env=env)
    executed = base / "executed"
    run(
        [str(python), str(REPO / "tests" / "notebook_support.py"), str(executed),
         *map(str, NOTEBOOKS)],
        cwd=REPO, env=env,
    )  # fmt: skip
    notebooks = {p.name: nbformat.read(executed / p.name, as_version=4) for p in NOTEBOOKS}
    shutil.rmtree(venv)  # a few hundred MB that pytest would otherwise keep for three runs
    return BinderBuild(brought_in, notebooks)


@pytest.fixture(scope="module")
def binder_notebooks(binder_build):
    return binder_build.notebooks


def test_requirements_install_the_repository_and_pin_the_rest_exactly():
    assert "." in binder_requirements()
    pins = binder_pins()  # asserts one == per line
    assert "torch" not in pins and "keras" not in pins


def test_pins_lie_within_the_bounds_of_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = binder_pins()
    # The package's own dependencies, and onnx for notebook 02's operator check.
    onnx = next(r for r in project["optional-dependencies"]["test"] if r.startswith("onnx"))
    for line in [*project["dependencies"], onnx]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"binder/requirements.txt does not pin {name}"
        assert pins[name] in requirement.specifier, f"{name}=={pins[name]} is outside {line}"


def test_the_build_brings_in_only_pinned_versions(binder_build):
    brought_in = dict(binder_build.brought_in)
    assert brought_in.pop("lstm-widget", None) is not None  # the "." line
    pins = binder_pins()
    assert {name: brought_in[name] for name in brought_in if name not in pins} == {}
    assert {name: v for name, v in brought_in.items() if pins[name] != v} == {}


def test_runtime_is_one_the_package_supports():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-3.")
    minor = int(runtime.removeprefix("python-3."))
    assert minor >= 10  # pyproject.toml: requires-python = ">=3.10"


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_notebook_runs_on_binder(binder_notebooks, name):
    nb = binder_notebooks[name]
    assert errors(nb) == []
    assert "Traceback" not in stream_text(nb)


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_notebook_explains_missing_frameworks_and_still_draws(binder_notebooks, name):
    nb = binder_notebooks[name]
    printed = stream_text(nb)
    source = "".join(cell.source for cell in nb.cells)
    if "import keras" in source:
        assert f"Keras {MISSING_FRAMEWORK}" in printed
    if "import torch" in source:
        assert f"PyTorch {MISSING_FRAMEWORK}" in printed
    assert "image/png" in mime_types(nb)


def test_seed_numbers_come_through_without_keras(binder_notebooks):
    printed = stream_text(binder_notebooks["01_seed_question.ipynb"])
    assert "LSTM layer: 480 | dense head: 11 | total: 491" in printed
    assert "= 48; × 10 units = 480" in printed


def test_onnx_cell_runs_on_binder(binder_notebooks):
    printed = stream_text(binder_notebooks["02_frameworks_side_by_side.ipynb"])
    assert "ONNX ran the layer" in printed
    assert "ONNX LSTM with peepholes: counted 550 | framework's own 550 -> matches" in printed
