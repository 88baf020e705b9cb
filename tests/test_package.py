"""The package builds as it would be published: an sdist and a wheel that PyPI accepts.

``python -m build`` makes both (in an isolated environment with the build backend
``pyproject.toml`` names) and ``twine check`` reads them as PyPI's upload would. The
wheel must hold the whole package, its ``py.typed`` marker and the license, and
nothing of the repository around it.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path, PurePosixPath

import pytest

import lstm_widget

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(lstm_widget.__file__).resolve().parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def _one(dist: Path, pattern: str) -> Path:
    (path,) = dist.glob(pattern)
    return path


def test_twine_accepts_both(dist):
    files = [str(_one(dist, "*.whl")), str(_one(dist, "*.tar.gz"))]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_wheel_holds_the_package_its_types_and_the_license(dist):
    wheel = _one(dist, "*.whl")
    assert wheel.name.startswith(f"lstm_widget-{lstm_widget.__version__}-py3-none-any")
    names = zipfile.ZipFile(wheel).namelist()
    modules = {
        f"lstm_widget/{path.relative_to(PACKAGE).as_posix()}" for path in PACKAGE.rglob("*.py")
    }
    assert modules | {"lstm_widget/py.typed"} <= set(names)
    info = f"lstm_widget-{lstm_widget.__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    top = {PurePosixPath(name).parts[0] for name in names}
    assert top == {"lstm_widget", info}, "only the package and its metadata"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_wheel_metadata_names_the_license_the_version_and_the_readme(dist):
    wheel = zipfile.ZipFile(_one(dist, "*.whl"))
    info = f"lstm_widget-{lstm_widget.__version__}.dist-info"
    metadata = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    assert metadata["Version"] == lstm_widget.__version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == (ROOT / "README.md").read_text().strip()
    entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert "lstm-params = lstm_widget.cli:main" in entry_points


def test_the_sdist_builds_the_same_package_again(dist):
    """An sdist holds what a rebuild needs: the sources, the metadata files, the license."""
    sdist = _one(dist, "*.tar.gz")
    prefix = f"lstm_widget-{lstm_widget.__version__}/"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(prefix) for name in archive.getnames()}
    assert {"pyproject.toml", "README.md", "LICENSE", "lstm_widget/py.typed"} <= names
    assert not [name for name in names if name.startswith(("artifacts/", "docs/_build/"))]
