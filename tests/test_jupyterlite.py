"""The JupyterLite site (``jupyterlite/build.py``): its build, and a smoke test offline.

The site is built by its one command, with everything from the package registries:
the Pyodide runtime from npm (``jupyterlite/package.json``), the pure-Python wheels
Pyodide's kernel loads at start-up from PyPI (see ``lite_support``), this package's
wheel and the wheels it needs beside Pyodide's own. It is served on 127.0.0.1 and
opened in headless chromium, where every request for anything else is blocked and
counted.

What cannot be exercised here: Pyodide's compiled wasm wheels (numpy, matplotlib,
pillow) are published only in Pyodide's release archive and on its CDN, which this
machine cannot reach. So inside JupyterLite the test installs this package without
its dependencies (``deps=False``) and checks everything that needs no matplotlib: the
kernel starts, the package installs from the site and imports, ``breakdown()`` and
its text and HTML tables come out exactly as in CPython, and a stock ipywidgets
control renders through the site's widget frontend. The notebooks' own first cells
(the install) and their framework cells run as stored. The diagram and the live panel
(both drawn by matplotlib) are not run in JupyterLite here.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import importlib.metadata
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, REQUIRE_BROWSER, free_port, require_browser
from lite_support import LITE, ROOT, assemble_pyodide, build_script, install_pyodide_npm, normal
from notebook_support import MISSING_FRAMEWORK, NOTEBOOKS
from packaging.requirements import Requirement

import lstm_widget
from lstm_widget.report import html_table, text_table

BUILD = [sys.executable, str(LITE / "build.py")]
ARTIFACTS = ROOT / "artifacts" / "jupyterlite"
KERNEL_PLUGIN = build_script.KERNEL_PLUGIN
#: Served by the site beside this package's own wheel.
SITE_WHEELS = {normal(name) for name in build_script.SITE_WHEELS}
#: Pyodide's platform, for the markers in requirements (its Python is in its lock).
PYODIDE_MARKERS = {"sys_platform": "emscripten", "platform_system": "Emscripten"}

#: Kernel start (Pyodide's 10 MB of wasm, micropip, IPython) on a busy 2-core box.
KERNEL_TIMEOUT_MS = 180_000

#: A name that can never resolve: the kernel asks for it to prove the blocking works.
PROBE_URL = "http://lstm-widget-probe.invalid/from-the-kernel"
SETTINGS = dict(input_size=1, units=10, dense=1)

#: Chromium's own Google services, which it calls in any session whatever the page
#: shows (seen here: accounts.google.com, content-autofill.googleapis.com,
#: android.clients.google.com). They reach the trap and are refused like anything
#: else; the site's own requests (pages and workers) meet the page's routing first.
BROWSER_OWN_DOMAINS = re.compile(r"^CONNECT ([\w.-]+\.)?(google|googleapis)\.com:443 ")

#: The one change the smoke notebook makes to the notebooks' own first cells: they
#: install lstm_widget without its dependencies, since matplotlib's wasm wheel (and
#: numpy's, pillow's) cannot be had offline.
NO_DEPENDENCIES = """\
import functools, piplite
install_with_dependencies = piplite.install
piplite.install = functools.partial(install_with_dependencies, deps=False)"""

#: After the notebooks' first cells: ipywidgets (with comm and jupyterlab_widgets) from
#: the site, with its dependencies, which Pyodide has; then the package at work.
SMOKE_CELLS = [
    """\
import sys
piplite.install = install_with_dependencies
await piplite.install("ipywidgets")
import lstm_widget
print("platform", sys.platform, "| lstm_widget", lstm_widget.__version__)""",
    # The notebooks' framework cells below count with ``breakdown`` as the notebooks
    # import it.
    f"""\
import hashlib
from IPython.display import HTML
from lstm_widget import breakdown
from lstm_widget.report import html_table, text_table
b = breakdown(**{SETTINGS!r})
digest = lambda text: hashlib.sha256(text.encode()).hexdigest()
print("total", b.total, "| text", digest(text_table(b)), "| html", digest(html_table(b)))
HTML(html_table(b))""",
    """\
import ipywidgets
ipywidgets.IntSlider(value=b.total, max=1000, description="params")""",
]

#: Last, so its output says every cell before it has run.
PROBE_CELL = f"""\
from js import fetch
try:
    await fetch("{PROBE_URL}")
    print("probe answered")
except Exception as error:
    print("probe blocked:", type(error).__name__)"""


def _code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _first_cells() -> list[str]:
    """Each notebook's first code cell: in Pyodide, the install from the site."""
    return [_code_cells(path)[0] for path in NOTEBOOKS]


#: What a first cell prints in Pyodide when its notebook has framework cells.
EXPLANATION = "not run in the browser (Pyodide): "


def _framework_cells() -> list[str]:
    """The notebooks' own cells that look for Keras, PyTorch or ONNX, or skip without.

    They need no matplotlib, so they run offline as stored: in Pyodide each must say
    the framework is missing, or print its "Skipped: ..." sentence.
    """
    return [
        source for path in NOTEBOOKS for source in _code_cells(path) if _needs_framework(source)
    ]


def _needs_framework(source: str) -> bool:
    return MISSING_FRAMEWORK in source or 'print("Skipped' in source


def test_each_notebook_installs_the_package_first_in_jupyterlite() -> None:
    for path, source in zip(NOTEBOOKS, _first_cells(), strict=True):
        assert 'if sys.platform == "emscripten":' in source, path.name
        assert 'await piplite.install("lstm_widget")' in source, path.name
        # and, where some cells need a framework, says why they will skip
        needs_framework = any(_needs_framework(cell) for cell in _code_cells(path))
        assert (EXPLANATION in source) == needs_framework, path.name


def _require_npm() -> None:
    if shutil.which("npm"):
        return
    if os.environ.get(REQUIRE_BROWSER):
        pytest.fail(f"the JupyterLite test needs npm, and {REQUIRE_BROWSER} is set", pytrace=False)
    pytest.skip("the JupyterLite test needs npm")


@pytest.fixture(scope="module")
def pyodide_npm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The npm ``pyodide`` package, installed from ``jupyterlite/package-lock.json``."""
    _require_npm()
    return install_pyodide_npm(tmp_path_factory.mktemp("npm"))


def _build(output: Path, *options: str) -> None:
    done = subprocess.run(
        [*BUILD, "--output", str(output), *options], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"built {output}" in done.stdout


def test_pyodide_pins_are_the_kernels() -> None:
    """npm's pyodide, the CDN URL and the kernel package name one Pyodide release."""
    from jupyterlite_pyodide_kernel.constants import PYODIDE_CDN_URL, PYODIDE_VERSION

    package = json.loads((LITE / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((LITE / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["pyodide"] == PYODIDE_VERSION
    assert lock["packages"]["node_modules/pyodide"]["version"] == PYODIDE_VERSION
    config = json.loads((LITE / "jupyter-lite.json").read_text(encoding="utf-8"))
    settings = config["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]
    assert settings["pyodideUrl"] == f"{PYODIDE_CDN_URL}/pyodide.mjs"
    assert settings["disablePyPIFallback"] is True


def test_build_requirements_are_the_tested_versions() -> None:
    """jupyterlite/requirements.txt pins what tests/constraints.txt pins."""
    constraints = _pins(ROOT / "tests" / "constraints.txt")
    wanted = _pins(LITE / "requirements.txt")
    assert wanted, "jupyterlite/requirements.txt pins nothing"
    assert {name: constraints.get(name) for name in wanted} == wanted


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[normal(name)] = version
    return pins


def test_everything_pyodide_lacks_is_served(pyodide_npm: Path) -> None:
    """Resolved as micropip does: Pyodide's packages by its lock, the rest by metadata."""
    lock = json.loads((pyodide_npm / "pyodide-lock.json").read_text(encoding="utf-8"))
    in_pyodide = {normal(name) for name in lock["packages"]}
    python = lock["info"]["python"]
    markers = dict(
        PYODIDE_MARKERS, python_full_version=python, python_version=python.rsplit(".", 1)[0]
    )
    # The wheels the kernel extension serves itself (ipykernel, an empty
    # widgetsnbextension, ...).
    kernel_index = json.loads(
        (
            build_script.lab_extension(build_script.KERNEL_EXTENSION) / "static/pypi/all.json"
        ).read_text(encoding="utf-8")
    )
    kernel_wheels = set(kernel_index)
    served: set[str] = set()
    missing: set[str] = set()
    pending = ["lstm-widget"]
    while pending:
        name = pending.pop()
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(markers):
                continue
            dependency = normal(requirement.name)
            if dependency in in_pyodide or dependency in kernel_wheels | served:
                continue
            (served if dependency in SITE_WHEELS else missing).add(dependency)
            pending.append(dependency)
    assert missing == set(), f"needed in Pyodide, neither in Pyodide nor on the site: {missing}"
    assert served == SITE_WHEELS, "the site serves wheels nothing needs"
    assert {"ipython", "matplotlib", "traitlets"} <= in_pyodide


def test_one_command_builds_the_site(tmp_path: Path) -> None:
    """The default build: the notebooks, the wheels, Pyodide from the explicit URL."""
    site = tmp_path / "site"
    (site / "stale").mkdir(parents=True)  # a previous build's leftovers are removed
    (site / "jupyter-lite.json").write_text("{}")
    _build(site)
    assert not (site / "stale").exists()
    settings = build_script.kernel_settings(site)
    assert settings["pyodideUrl"].startswith("https://cdn.jsdelivr.net/pyodide/v")
    assert settings["disablePyPIFallback"] is True
    assert settings["pipliteUrls"][0].startswith("./pypi/all.json?sha256=")
    index = json.loads((site / "pypi" / "all.json").read_text(encoding="utf-8"))
    assert index["lstm-widget"]["releases"].keys() == {lstm_widget.__version__}
    for name in SITE_WHEELS:  # the versions the site's widget frontend was built with
        assert index[name]["releases"].keys() == {importlib.metadata.version(name)}
    served = sorted(path.name for path in (site / "files").glob("*.ipynb"))
    assert served == sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    extensions = {ext["name"] for ext in config["jupyter-config-data"]["federated_extensions"]}
    assert extensions == {
        "@jupyterlite/pyodide-kernel-extension",
        "@jupyter-widgets/jupyterlab-manager",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--output", "{tmp}"], "is a folder with other files in it, not a JupyterLite site"),
        (["--pyodide", "{tmp}"], "the folder holds no pyodide.mjs"),
        (["--pyodide", "{tmp}/pyodide.zip"], "give a folder or a Pyodide .tar.bz2 release"),
        (["--pyodide", "{tmp}/pyodide.tar.bz2"], "no such file"),
    ],
)
def test_the_build_refuses_bad_folders_in_one_sentence(
    tmp_path: Path, options: list[str], message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a site")
    output = ["--output", str(tmp_path / "site")]
    command = [*BUILD, *output, *(option.format(tmp=tmp_path) for option in options)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "notes.txt").exists()


class _Site(http.server.SimpleHTTPRequestHandler):
    """The built site as ``python -m http.server`` serves it, noting each path asked for."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requested.append(self.path.split("?")[0])  # type: ignore[attr-defined]
        super().do_GET()


class _Trap(socketserver.StreamRequestHandler):
    """The browser's proxy: anything not for 127.0.0.1 arrives here, is noted, refused."""

    def handle(self) -> None:
        line = self.rfile.readline(2048).decode("latin-1").strip()
        self.server.seen.append(line)  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")


class _Recorder(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", free_port()), handler)
        self.seen: list[str] = []


@contextlib.contextmanager
def _serve(server: socketserver.BaseServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory, pyodide_npm: Path) -> Path:
    """The site, built with the registries' Pyodide and a smoke-test notebook."""
    require_browser()
    scratch = tmp_path_factory.mktemp("lite")
    pyodide = scratch / "pyodide"
    assemble_pyodide(pyodide_npm, scratch / "wheels", pyodide)
    contents = scratch / "contents"
    contents.mkdir()
    cells = [
        {"cell_type": "code", "id": f"smoke{i}", "metadata": {}, "outputs": [],
         "execution_count": None, "source": source}
        for i, source in enumerate(
            [NO_DEPENDENCIES, *_first_cells(), *SMOKE_CELLS, *_framework_cells(), PROBE_CELL]
        )
    ]  # fmt: skip
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python", "display_name": "Python (Pyodide)"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (contents / "smoke.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    site = scratch / "site"
    _build(site, "--pyodide", str(pyodide), "--contents", str(contents / "smoke.ipynb"))
    # Render every cell's output, not only those in view, so the test reads them all.
    config_path = site / "jupyter-lite.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    overrides = config["jupyter-config-data"].setdefault("settingsOverrides", {})
    overrides["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return site


@pytest.mark.browser
def test_offline_site_in_chromium(offline_site: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert (
        build_script.kernel_settings(offline_site)["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    )
    expected = lstm_widget.breakdown(**SETTINGS)
    site = http.server.ThreadingHTTPServer(
        ("127.0.0.1", free_port()), partial(_Site, directory=str(offline_site))
    )
    site.requested = []  # type: ignore[attr-defined]
    trap = _Recorder(_Trap)
    origin = f"http://127.0.0.1:{site.server_address[1]}"
    blocked: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith((f"{origin}/", "data:", "blob:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _serve(site), _serve(trap), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # Whatever the page's routing misses goes to the trap instead of out.
            args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{trap.server_address[1]}"],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda m: m.type == "error" and errors.append(f"{m.text} at {m.location['url']}"),
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            try:
                page.goto(f"{origin}/lab/index.html?path=smoke.ipynb")
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
                    timeout=KERNEL_TIMEOUT_MS
                )  # the kernel started
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                outputs = page.locator(".jp-OutputArea-output")
                probe = outputs.filter(has_text=re.compile(r"^probe "))
                # Run All stops at the first error: wait for the last cell or for that.
                stderr = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
                probe.or_(stderr).first.wait_for(timeout=KERNEL_TIMEOUT_MS)
                error_outputs = stderr.all_inner_texts()
                assert error_outputs == [], "\n".join(error_outputs)
                page.screenshot(path=str(ARTIFACTS / "smoke.png"))
                texts = outputs.all_inner_texts()
                slider = page.locator(".widget-slider").filter(has_text="params")
                slider_shown = slider.is_visible()
                readout = slider.locator(".widget-readout").inner_text()
                table_rows = page.locator(".jp-OutputArea-output table tr").count()
            except BaseException:
                page.screenshot(path=str(ARTIFACTS / "failure.png"))
                raise
        finally:
            browser.close()

    text = "\n".join(texts)
    assert f"platform emscripten | lstm_widget {lstm_widget.__version__}" in text
    for name in ("lstm_widget", *SITE_WHEELS):  # installed from the site's own wheels
        version = importlib.metadata.version(name)
        wheel = f"/pypi/{name.replace('-', '_')}-{version}-py3-none-any.whl"
        assert wheel in site.requested  # type: ignore[attr-defined]
    assert (
        f"total {expected.total} | text {_digest(text_table(expected))}"
        f" | html {_digest(html_table(expected))}"
    ) in text
    assert table_rows == html_table(expected).count("<tr")
    assert slider_shown and readout == str(expected.total)
    # The notebooks' first cells, run as stored (but for deps=False): each installed
    # the package, and those of notebooks with framework cells said why they skip.
    explained = sum(EXPLANATION in source for source in _first_cells())
    assert explained > 0 and text.count(EXPLANATION) == explained
    # The notebooks' framework cells, run as stored: every framework is missing and
    # every cell that needs one says "Skipped: ..." instead.
    framework_cells = _framework_cells()
    missing = sum(MISSING_FRAMEWORK in source for source in framework_cells)
    skipped = sum(source.count('print("Skipped') for source in framework_cells)
    assert missing > 0 and skipped > 0
    assert text.count(MISSING_FRAMEWORK) == missing
    assert len(re.findall(r"^Skipped: ", text, re.M)) == skipped
    assert "probe blocked: JsException" in text
    assert errors == [], "\n".join(errors)
    # Nothing left 127.0.0.1: the kernel's probe was the only request the site made
    # for another address, and it was blocked, so requests from the kernel's worker
    # are seen too. The trap only ever saw the browser's own calls, and refused them.
    assert blocked == [PROBE_URL]
    assert all(BROWSER_OWN_DOMAINS.match(line) for line in trap.seen), "\n".join(trap.seen)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
