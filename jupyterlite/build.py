"""Build the JupyterLite site: the notebooks, running in the browser with no server.

    python jupyterlite/build.py                       # -> jupyterlite/_output
    python jupyterlite/build.py --output public       # anywhere else
    python jupyterlite/build.py --pyodide pyodide-314.0.6.tar.bz2   # Pyodide served by the site
    python jupyterlite/build.py --contents my_class.ipynb            # more files beside them

The site is static files: serve the output folder from any web server. It holds the
four notebooks, JupyterLab with the Pyodide kernel and the ipywidgets and anywidget
frontends, and a wheel index (``pypi/``) with this package and the pure-Python wheels
it needs that Pyodide does not ship (ipywidgets, comm, jupyterlab_widgets, anywidget,
psygnal), so ``piplite.install`` finds them on the site; PyPI is never asked
(``disablePyPIFallback``). Pyodide itself (Python, numpy, matplotlib, pillow) comes
from ``pyodideUrl`` in ``jupyter-lite.json`` beside this file (jsDelivr's copy of the
release the kernel expects), or from the site itself when ``--pyodide`` names a
Pyodide distribution (a folder or the release ``.tar.bz2``).

Every build starts from nothing: a fresh build folder and an emptied output folder,
because an incremental ``jupyter lite build`` can drop ``pyodideUrl``. The build needs
the packages in ``requirements.txt`` beside this file in the running Python; it reaches
PyPI only to download the wheels it serves (and hatchling to build this package's).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUTPUT = HERE / "_output"

#: The site's runtime settings: the explicit pyodideUrl and disablePyPIFallback.
LITE_JSON = HERE / "jupyter-lite.json"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"

#: What this package needs in Pyodide beyond Pyodide's own packages (IPython,
#: traitlets, typing_extensions and matplotlib are there) and the kernel's stand-in
#: widgetsnbextension. Each is served at the version installed here, so the kernel's
#: ipywidgets and anywidget are the ones the site's widget frontends (jupyterlab_widgets
#: and anywidget, from this environment) were built for. All are pure-Python wheels.
SITE_WHEELS = ("ipywidgets", "comm", "jupyterlab_widgets", "anywidget", "psygnal")

#: The only JupyterLab extensions the site gets, whatever else this environment has
#: (a Voila or Notebook extension would need a server the site does not have), each
#: with the Python package that installs it.
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
LAB_EXTENSIONS = {
    KERNEL_EXTENSION: "jupyterlite-pyodide-kernel",
    "@jupyter-widgets/jupyterlab-manager": "jupyterlab_widgets",
    # The panel's slider (lstm_widget/_panel/track.py) is an anywidget.
    "anywidget": "anywidget",
}

REQUIREMENTS = HERE / "requirements.txt"
#: The build tools, as ``requirements.txt`` names them.
TOOLS = ("jupyterlite-core", "jupyterlite-pyodide-kernel", "jupyter_server")

#: Where the kernel's build step looks for an unpacked Pyodide, in the lite dir and in
#: the site alike; ``pyodideUrl`` then points at its entry file (:func:`pyodide_entry`).
LOCAL_PYODIDE = Path("static", "pyodide")


class BuildError(RuntimeError):
    """A build step failed; the message says which and how to fix it."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="the site folder (emptied first)"
    )
    parser.add_argument(
        "--contents",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="a file or folder to serve beside the notebooks (repeatable)",
    )
    parser.add_argument(
        "--pyodide",
        metavar="PATH_OR_URL",
        help="a Pyodide distribution (folder or .tar.bz2) to serve from the site itself",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        build_site(args.output.resolve(), args.pyodide, args.contents)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"built {args.output} in {time.perf_counter() - started:.1f} s")
    return 0


def build_site(output: Path, pyodide: str | None = None, contents: Sequence[Path] = ()) -> None:
    """Build the site into ``output`` from scratch."""
    for tool in TOOLS:
        _installed_version(tool)
    extensions = [lab_extension(name) for name in LAB_EXTENSIONS]
    pins = [f"{name}=={_installed_version(name)}" for name in SITE_WHEELS]
    _check_pyodide_source(pyodide)
    _empty_output(output)
    with tempfile.TemporaryDirectory(prefix="lstm-widget-lite-") as scratch:
        lite_dir = Path(scratch)
        shutil.copy(LITE_JSON, lite_dir / LITE_JSON.name)
        wheels = lite_dir / "wheels"
        _run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)],
            "building this package's wheel",
        )
        # Pure-Python wheels only: psygnal also publishes wheels compiled for CPython,
        # which pip would pick for this machine and Pyodide cannot load.
        _run(
            [
                sys.executable, "-m", "pip", "download", "--no-deps",
                "--only-binary=:all:", "--platform=any", "--implementation=py",
                "--abi=none", "-d", str(wheels), *pins,
            ],
            f"downloading {', '.join(pins)}",
        )  # fmt: skip
        # Every build setting in one config file of the scratch folder (the lite dir).
        config: dict[str, dict[str, object]] = {
            "LiteBuildConfig": {
                "output_dir": str(output),
                "contents": [str(path.resolve()) for path in (NOTEBOOKS, *contents)],
                "no_sourcemaps": True,
                # Only the extensions named above, never whatever this environment holds.
                "ignore_sys_prefix": ["federated_extensions"],
                "federated_extensions": [str(path) for path in extensions],
            },
            "PipliteAddon": {"piplite_urls": [str(wheels)]},
        }
        if pyodide is not None and Path(pyodide).is_dir():
            shutil.copytree(pyodide, lite_dir / LOCAL_PYODIDE)
        elif pyodide is not None:
            config["PyodideAddon"] = {
                "pyodide_url": pyodide if "://" in pyodide else str(Path(pyodide).resolve())
            }
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(config, indent=2))
        _run(
            [sys.executable, "-m", "jupyterlite_core", "build", f"--lite-dir={lite_dir}"],
            "jupyter lite build",
            cwd=lite_dir,
        )
    check_site(output, local_pyodide=pyodide is not None)


def check_site(output: Path, local_pyodide: bool) -> None:
    """Refuse a site that lacks what the notebooks rely on."""
    settings = kernel_settings(output)
    wanted = f"./{LOCAL_PYODIDE.as_posix()}/{pyodide_entry()}" if local_pyodide else _cdn_pyodide()
    if settings.get("pyodideUrl") != wanted:
        raise BuildError(
            f"{output}/jupyter-lite.json has pyodideUrl {settings.get('pyodideUrl')!r}, "
            f"not {wanted!r}"
        )
    if settings.get("disablePyPIFallback") is not True:
        raise BuildError(f"{output}/jupyter-lite.json does not disable the PyPI fallback")
    index = json.loads((output / "pypi" / "all.json").read_text(encoding="utf-8"))
    missing = [name for name in ("lstm-widget", *SITE_WHEELS) if normal(name) not in index]
    if missing:
        raise BuildError(f"the site's wheel index lacks {', '.join(missing)}")
    notebooks = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    served = {path.name for path in (output / "files").glob("*.ipynb")}
    if not served.issuperset(notebooks):
        raise BuildError(f"the site serves {sorted(served)}, not all of {notebooks}")


def kernel_settings(output: Path) -> dict[str, object]:
    """The Pyodide kernel's settings in a built site's ``jupyter-lite.json``."""
    config = json.loads((output / "jupyter-lite.json").read_text(encoding="utf-8"))
    plugins = config["jupyter-config-data"].get("litePluginSettings", {})
    return dict(plugins.get(KERNEL_PLUGIN, {}))


def pyodide_entry() -> str:
    """The file of a Pyodide distribution that the installed kernel loads.

    The kernel package names it: ``pyodide.mjs`` (Pyodide's ES module) in
    jupyterlite-pyodide-kernel 0.8, which the site is built with; ``pyodide.js`` in
    0.5, which the test site with Pyodide 0.27 is built with.
    """
    from jupyterlite_pyodide_kernel import constants

    return str(getattr(constants, "PYODIDE_MJS", None) or constants.PYODIDE_JS)


def _cdn_pyodide() -> str:
    config = json.loads(LITE_JSON.read_text(encoding="utf-8"))
    return str(config["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]["pyodideUrl"])


def _check_pyodide_source(pyodide: str | None) -> None:
    """A folder holding the kernel's Pyodide entry file, or a release .tar.bz2 (a path or
    a URL)."""
    if pyodide is None:
        return
    if Path(pyodide).is_dir():
        entry = pyodide_entry()
        if not (Path(pyodide) / entry).exists():
            raise BuildError(f"--pyodide {pyodide}: the folder holds no {entry}")
    elif not pyodide.endswith(".tar.bz2"):
        raise BuildError(f"--pyodide {pyodide}: give a folder or a Pyodide .tar.bz2 release")
    elif "://" not in pyodide and not Path(pyodide).is_file():
        raise BuildError(f"--pyodide {pyodide}: no such file")


def _empty_output(output: Path) -> None:
    """Remove a previous site; refuse to empty a folder that is not one."""
    if not output.exists():
        return
    if any(output.iterdir()) and not (output / "jupyter-lite.json").exists():
        raise BuildError(
            f"--output {output} is a folder with other files in it, not a JupyterLite "
            "site; give an empty or new folder"
        )
    shutil.rmtree(output)


def lab_extension(name: str) -> Path:
    """The folder of the JupyterLab extension ``name``, as its Python package installed it.

    Found among that package's own files rather than on Jupyter's search path, so the
    extension is always the installed package's release, also where the search path
    holds another environment's copy (``JUPYTER_PATH``, a venv over a system Python).
    """
    package = LAB_EXTENSIONS[name]
    _installed_version(package)
    wanted = f"share/jupyter/labextensions/{name}/package.json"
    for file in importlib.metadata.distribution(package).files or []:
        if file.as_posix().endswith(wanted):
            return Path(str(file.locate())).resolve().parent
    raise BuildError(
        f"{package} installed no JupyterLab extension {name}; "
        f"pip install -r {REQUIREMENTS.relative_to(ROOT)}"
    )


def _installed_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise BuildError(
            f"{name} is not installed here; pip install -r {REQUIREMENTS.relative_to(ROOT)}"
        ) from None


def normal(name: str) -> str:
    """A package name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(command: list[str], step: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"{step} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


if __name__ == "__main__":
    sys.exit(main())
