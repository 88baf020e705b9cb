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
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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

#: The runtime files the kernel loads from the Pyodide folder.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")

#: What the kernel takes from Pyodide's lock when it starts (see the kernel's worker:
#: micropip first, then ``piplite.install`` of ipykernel, comm, pyodide-kernel, jedi
#: and ipython, of which these are Pyodide's), with their dependencies from the lock.
STARTUP_PACKAGES = ("micropip", "jedi", "ipython")


def install_pyodide_npm(scratch: Path) -> Path:
    """``npm ci`` of ``jupyterlite/package.json`` in ``scratch``; the package's folder."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(LITE / name, scratch / name)
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
    """A Pyodide folder at ``target``: the npm runtime, PyPI's wheels, a lock for them."""
    lock = json.loads((npm_package / "pyodide-lock.json").read_text(encoding="utf-8"))
    chosen = lock_closure(lock, STARTUP_PACKAGES)
    pins = [f"{spec['name']}=={spec['version']}" for spec in chosen.values()]
    python = lock["info"]["python"]
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", "--implementation=py", "--abi=none", "--platform=any",
            f"--python-version={'.'.join(python.split('.')[:2])}", "-d", str(wheels), *pins,
        ],
    )  # fmt: skip
    target.mkdir(parents=True)
    for name in RUNTIME_FILES:
        shutil.copy(npm_package / name, target / name)
    packages: dict[str, object] = {}
    for name, spec in chosen.items():
        wheel = _wheel_for(wheels, name, str(spec["version"]))
        shutil.copy(wheel, target / wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        packages[name] = dict(spec, file_name=wheel.name, sha256=digest)
    lock["packages"] = packages
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")


def _wheel_for(wheels: Path, name: str, version: str) -> Path:
    for wheel in wheels.glob("*.whl"):
        wheel_name, wheel_version = wheel.name.split("-")[:2]
        if normal(wheel_name) == name and wheel_version == version:
            return wheel
    raise FileNotFoundError(f"pip downloaded no wheel of {name} {version} into {wheels}")


def _run(command: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command[:4])} ...:\n{done.stdout}{done.stderr}"
