"""The JupyterLite site (``jupyterlite/build.py``): its build, and two sites offline.

The site is built by its one command, with everything from the package registries:
the Pyodide runtime from npm (``jupyterlite/package.json``), the pure-Python wheels
Pyodide's kernel loads at start-up from PyPI (see ``lite_support``), this package's
wheel and the wheels it needs beside Pyodide's own. It is served on 127.0.0.1 and
opened in headless chromium, where every request for anything else is blocked and
counted.

Pyodide 314's compiled wasm wheels (numpy, matplotlib, pillow) are published only in
its release archive and on its CDN, which this machine cannot reach. So on the
shipped stack the test installs this package without its dependencies
(``deps=False``) and checks everything that needs no matplotlib: the kernel starts,
the package installs from the site and imports, ``breakdown()`` and its text and HTML
tables come out exactly as in CPython, stock ipywidgets controls render and a value
typed into one (Enter) reaches the kernel, whose replies redraw the page. The
notebooks' own first cells (the install) and their framework cells run as stored.
The diagram and the live panel (both drawn by matplotlib) run on a second,
test-only site with Pyodide 0.27.7, whose release wheels are on PyPI (see
``matplotlib_site``).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import importlib.metadata
import json
import re
import socketserver
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from axe_support import audit
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    require_browser,
    require_npm,
)
from lite_support import (
    BUNDLED_WHEELS,
    LITE,
    PYODIDE_0_27,
    ROOT,
    UnverifiedWheel,
    assemble_pyodide,
    assemble_release_pyodide,
    build_script,
    download_bundle,
    download_pure_wheels,
    handle_keys_as_jupyterlite_0_7,
    install_pyodide_npm,
    make_build_venv,
    normal,
    resolve_in_pyodide,
)
from notebook_support import MISSING_FRAMEWORK, NOTEBOOK_DIR, NOTEBOOKS

import lstm_widget
from lstm_widget.report import html_table, text_table

ARTIFACTS = ROOT / "artifacts" / "jupyterlite"
#: The lecture notebook, run as stored on the site with matplotlib.
NOTEBOOK = NOTEBOOK_DIR / "03_lecture_demo.ipynb"
#: The notebooks' metadata as stored: ipykernel's kernel name (``python3``), which
#: JupyterLite lacks, and Python as their language, by which it picks its own kernel.
STORED_METADATA = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["metadata"]
#: The name JupyterLite's toolbar shows for its Pyodide kernel.
PYODIDE_KERNEL = "Python (Pyodide)"
KERNEL_PLUGIN = build_script.KERNEL_PLUGIN
#: Served by the site beside this package's own wheel.
SITE_WHEELS = {normal(name) for name in build_script.SITE_WHEELS}

#: Kernel start (Pyodide's 10 MB of wasm, micropip, IPython) on a busy 2-core box.
KERNEL_TIMEOUT_MS = 180_000
#: A typed value to the kernel and its reply back on the page, on a busy box.
REPLY_TIMEOUT_MS = 30_000

#: A name that can never resolve: the kernel asks for it to prove the blocking works.
PROBE_URL = "http://lstm-widget-probe.invalid/from-the-kernel"
SETTINGS = dict(input_size=1, units=10, dense=1)
#: The label of the smoke notebook's typed entry (a stock IntText).
TYPED = "typed"

#: The one change the smoke notebook makes to the notebooks' own first cells: they
#: install lstm_widget without its dependencies, since matplotlib's wasm wheel (and
#: numpy's, pillow's) cannot be had offline.
NO_DEPENDENCIES = """\
import functools, piplite
install_with_dependencies = piplite.install
piplite.install = functools.partial(install_with_dependencies, deps=False)"""

#: After the notebooks' first cells: the panel's widget libraries from the site
#: (anywidget with psygnal, and ipywidgets with comm and jupyterlab_widgets), with their
#: dependencies, which Pyodide has; then the package at work.
SMOKE_CELLS = [
    """\
import sys
piplite.install = install_with_dependencies
await piplite.install("anywidget")
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
    # A typed value reaches an observer, whose replies reach the page: a label, and an
    # image whose bytes travel as a binary buffer, as the panel's diagram does.
    f"""\
svg = "<svg xmlns='http://www.w3.org/2000/svg' width='{{}}' height='10'/>"
typed = ipywidgets.IntText(value=10, description="{TYPED}")
echo = ipywidgets.Label("echo 10")
picture = ipywidgets.Image(value=svg.format(10).encode(), format="svg+xml")
def follow(change):
    echo.value = f"echo {{change['new']}}"
    picture.value = svg.format(change["new"]).encode()
typed.observe(follow, names="value")
ipywidgets.VBox([typed, echo, picture])""",
]

#: The running-cell lookup and the widget-frontend check, asked in the Pyodide kernel,
#: in a cell of this id: its key names the cell (JupyterLite's execute requests carry
#: ``metadata.cellId``, so a re-run releases the panels of the run before).
FRONTEND_CELL_ID = "frontend"
FRONTEND_CELL = """\
from lstm_widget._frontend import has_widget_frontend, running_cell
frontend, (cell, _) = has_widget_frontend(get_ipython()), running_cell()
print("widget frontend", frontend, "| running cell", cell)"""
FRONTEND_KEY = f"id:{FRONTEND_CELL_ID}"

#: What matplotlib logs to stderr the first time it is imported anywhere: not an error.
FONT_CACHE_NOTICE = "Matplotlib is building the font cache; this may take a moment."

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


def test_jupyterlite_picks_its_kernel_for_each_notebook() -> None:
    """Each notebook names ipykernel's kernel, for JupyterLab, Binder and nbclient, and
    Python as its language: JupyterLite, which has no kernel of that name, picks its
    one Python kernel by the language instead of asking (the browser tests open
    notebooks with this metadata). Without the language it stops at "Select Kernel".
    """
    for path in NOTEBOOKS:
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert metadata == STORED_METADATA, path.name
    assert STORED_METADATA["kernelspec"]["name"] == "python3"
    assert STORED_METADATA["language_info"]["name"] == "python"


@pytest.fixture(scope="module")
def pyodide_npm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The npm ``pyodide`` package, installed from ``jupyterlite/package-lock.json``."""
    require_npm("the JupyterLite test")
    return install_pyodide_npm(tmp_path_factory.mktemp("npm"))


def _build(output: Path, *options: str, python: Path = Path(sys.executable)) -> None:
    command = [str(python), str(LITE / "build.py"), "--output", str(output), *options]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
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
    # The wheels the kernel extension serves itself (ipykernel, an empty
    # widgetsnbextension, ...).
    kernel_index = json.loads(
        (
            build_script.lab_extension(build_script.KERNEL_EXTENSION) / "static/pypi/all.json"
        ).read_text(encoding="utf-8")
    )
    from_lock, elsewhere = resolve_in_pyodide(lock, provided=frozenset(kernel_index))
    missing = elsewhere - SITE_WHEELS
    assert missing == set(), f"needed in Pyodide, neither in Pyodide nor on the site: {missing}"
    assert elsewhere == SITE_WHEELS, "the site serves wheels nothing needs"
    assert {"ipython", "matplotlib", "traitlets", "typing-extensions"} <= from_lock


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
        "anywidget",
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
    given = (option.format(tmp=tmp_path) for option in options)
    command = [sys.executable, str(LITE / "build.py"), *output, *given]
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


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """A notebook of ``cells`` with the stored notebooks' metadata (their kernel)."""
    return {"cells": cells, "metadata": STORED_METADATA, "nbformat": 4, "nbformat_minor": 5}


def _code_cell(cell_id: str, source: str) -> dict[str, Any]:
    return {
        "cell_type": "code", "id": cell_id, "metadata": {}, "outputs": [],
        "execution_count": None, "source": source,
    }  # fmt: skip


def _render_every_output(site: Path) -> None:
    """Render every cell's output, not only those in view, so the test reads them all."""
    config_path = site / "jupyter-lite.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    overrides = config["jupyter-config-data"].setdefault("settingsOverrides", {})
    overrides["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    config_path.write_text(json.dumps(config), encoding="utf-8")


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory, pyodide_npm: Path) -> Path:
    """The site, built with the registries' Pyodide and a smoke-test notebook."""
    require_browser()
    scratch = tmp_path_factory.mktemp("lite")
    pyodide = scratch / "pyodide"
    assemble_pyodide(pyodide_npm, scratch / "wheels", pyodide)
    contents = scratch / "contents"
    contents.mkdir()
    sources = [NO_DEPENDENCIES, *_first_cells(), *SMOKE_CELLS, *_framework_cells()]
    cells = [
        *(_code_cell(f"smoke{i}", source) for i, source in enumerate(sources)),
        _code_cell(FRONTEND_CELL_ID, FRONTEND_CELL),
        _code_cell("probe", PROBE_CELL),
    ]
    (contents / "smoke.ipynb").write_text(json.dumps(_notebook(cells)), encoding="utf-8")
    site = scratch / "site"
    _build(site, "--pyodide", str(pyodide), "--contents", str(contents / "smoke.ipynb"))
    _render_every_output(site)
    return site


@dataclass
class _OfflinePage:
    """A page of the site in headless chromium, offline, and what it asked for."""

    page: Any
    origin: str
    #: Paths the site served.
    served: list[str]
    #: Requests of the page and its workers (the kernel's) for anywhere else, refused.
    blocked: list[str]
    #: Console errors and uncaught exceptions.
    errors: list[str]

    def run_all(self) -> None:
        """Run every cell from the menu, once the kernel has started.

        The notebook names ipykernel's kernel, as stored: JupyterLite must pick its
        own by the notebook's language, not stop at a "Select Kernel" dialog.
        """
        kernel = self.page.locator(".jp-KernelName").filter(has_text=PYODIDE_KERNEL)
        dialog = self.page.locator(".jp-Dialog")
        kernel.or_(dialog).first.wait_for(timeout=KERNEL_TIMEOUT_MS)
        assert dialog.count() == 0, f"the notebook opened at a dialog: {dialog.inner_text()}"
        self.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
            timeout=KERNEL_TIMEOUT_MS
        )
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    def wait_for_the_last_cell(self) -> list[str]:
        """Until the probe (the last cell) or an error printed; every output's text.

        Run All stops at the first error: the error's text is then the assertion's.
        """
        outputs = self.page.locator(".jp-OutputArea-output")
        probe = outputs.filter(has_text=re.compile(r"^probe "))
        stderr = self.page.locator("[data-mime-type='application/vnd.jupyter.stderr']").filter(
            has_not_text=FONT_CACHE_NOTICE
        )
        probe.or_(stderr).first.wait_for(timeout=KERNEL_TIMEOUT_MS)
        error_outputs = stderr.all_inner_texts()
        assert error_outputs == [], "\n".join(error_outputs)
        return list(outputs.all_inner_texts())


@contextlib.contextmanager
def _offline_page(site_dir: Path, name: str) -> Iterator[_OfflinePage]:
    """``site_dir`` served on 127.0.0.1 and opened in chromium, with nothing let out.

    Every request of the page and its workers (the kernel runs in one) meets the
    context's routing first: the site's own are served, anything else is refused and
    noted in ``blocked``. What the routing never sees, chromium's own background calls
    (its component updater, Google services), goes to a local proxy that refuses
    everything; its log (``artifacts/jupyterlite/NAME-proxy.log``) is for diagnosis only,
    since what chromium calls by itself differs from one machine to the next.
    """
    from playwright.sync_api import sync_playwright

    site = http.server.ThreadingHTTPServer(
        ("127.0.0.1", free_port()), partial(_Site, directory=str(site_dir))
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
    try:
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
                    lambda m: (
                        m.type == "error" and errors.append(f"{m.text} at {m.location['url']}")
                    ),
                )
                page.on("pageerror", lambda error: errors.append(str(error)))
                offline = _OfflinePage(page, origin, site.requested, blocked, errors)  # type: ignore[attr-defined]
                try:
                    yield offline
                except BaseException:
                    page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"))
                    raise
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            finally:
                browser.close()
    finally:
        log = ARTIFACTS / f"{name}-proxy.log"
        log.write_text("".join(f"{line}\n" for line in trap.seen), encoding="utf-8")
        print(f"chromium's own requests, refused by the proxy: {len(trap.seen)} ({log})")


@pytest.mark.browser
def test_offline_site_in_chromium(offline_site: Path) -> None:
    assert (
        build_script.kernel_settings(offline_site)["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    )
    expected = lstm_widget.breakdown(**SETTINGS)
    with _offline_page(offline_site, "smoke") as offline:
        page = offline.page
        page.goto(f"{offline.origin}/lab/index.html?path=smoke.ipynb")
        offline.run_all()
        texts = offline.wait_for_the_last_cell()
        slider = page.locator(".widget-slider").filter(has_text="params")
        slider_shown = slider.is_visible()
        readout = slider.locator(".widget-readout").inner_text()
        table_rows = page.locator(".jp-OutputArea-output table tr").count()
        # Typed and sent with Enter, as a user does; the observer's replies come back.
        typed = _entry(page, page, TYPED)
        _type(typed, "20")
        typed.press("Enter")
        echo = page.locator(".widget-label").filter(has_text=re.compile(r"^echo 20$"))
        echo.wait_for(timeout=REPLY_TIMEOUT_MS)
        picture = page.locator(".widget-vbox").filter(has=echo).locator("img.widget-image")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth === 20",
            arg=picture.element_handle(),
            timeout=REPLY_TIMEOUT_MS,
        )

    text = "\n".join(texts)
    assert f"platform emscripten | lstm_widget {lstm_widget.__version__}" in text
    for name in ("lstm_widget", *SITE_WHEELS):  # installed from the site's own wheels
        version = importlib.metadata.version(name)
        wheel = f"/pypi/{name.replace('-', '_')}-{version}-py3-none-any.whl"
        assert wheel in offline.served
    assert (
        f"total {expected.total} | text {_digest(text_table(expected))}"
        f" | html {_digest(html_table(expected))}"
    ) in text
    assert table_rows == html_table(expected).count("<tr")
    assert slider_shown and readout == str(expected.total)
    # The running-cell lookup and the frontend check, in the Pyodide kernel (no
    # matplotlib here, so no panel): see FRONTEND_CELL.
    assert f"widget frontend True | running cell {FRONTEND_KEY}" in text
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
    _assert_nothing_left(offline, text)


def _assert_nothing_left(offline: _OfflinePage, text: str) -> None:
    """Nothing left 127.0.0.1: the kernel's probe was the only request the page or its
    workers made for another address, and it was blocked, so the kernel's requests are
    seen too."""
    assert "probe blocked: JsException" in text
    assert offline.blocked == [PROBE_URL]
    assert offline.errors == [], "\n".join(offline.errors)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


#: Cells the matplotlib site's notebook runs after the lecture notebook's own: the
#: diagram of a displayed Breakdown, and the panel from the magic.
BREAKDOWN_CELL = "lstm_widget.breakdown(units=10, input_size=1, dense=1)"
MAGIC_CELL = "%load_ext lstm_widget\n%lstm_params --units 10 --input 1 --dense 1 --widget"


@pytest.fixture(scope="module")
def matplotlib_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, float]]]:
    """The test-only site with Pyodide 0.27.7 and matplotlib, and how long it took.

    It differs from the shipped site only where Pyodide 0.27 requires: it is built by
    jupyterlite-core 0.5.1 and jupyterlite-pyodide-kernel 0.5.2 (in a venv of their
    own), whose kernel loads ``pyodide.js`` rather than ``pyodide.mjs``, and it serves
    Pyodide 0.27.7 from the site (npm's runtime and official lock, the bundle's
    verified wheels). Its pages handle keys as the shipped site's do
    (:func:`~lite_support.handle_keys_as_jupyterlite_0_7`: Enter in a widget's text box
    sends the value). The widget frontend and the wheels served beside this package are
    the shipped site's versions.
    """
    require_browser()
    require_npm("the JupyterLite test")
    scratch = tmp_path_factory.mktemp("lite-0.27")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    python = make_build_venv(scratch / "venv")
    (scratch / "npm").mkdir()
    npm = install_pyodide_npm(scratch / "npm", PYODIDE_0_27)
    bundle = download_bundle(scratch / "bundle")
    pure = download_pure_wheels(scratch / "pure")
    pyodide = scratch / "pyodide"
    served = assemble_release_pyodide(npm, bundle, pyodide, pure)
    assert any(name.startswith("matplotlib-3.8.4-") for name in served)
    seconds["inputs (venv, npm, bundle, verified wheels)"] = time.perf_counter() - started
    lecture = json.loads(NOTEBOOK.read_text(encoding="utf-8"))  # as stored, then:
    lecture["cells"] += [
        _code_cell("breakdown", BREAKDOWN_CELL),
        _code_cell("magic", MAGIC_CELL),
        _code_cell(FRONTEND_CELL_ID, FRONTEND_CELL),
        _code_cell("probe", PROBE_CELL),
    ]
    notebook = scratch / "contents" / "lecture.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(json.dumps(lecture), encoding="utf-8")
    site = scratch / "site"
    started = time.perf_counter()
    _build(site, "--pyodide", str(pyodide), "--contents", str(notebook), python=python)
    seconds["site build (jupyterlite/build.py)"] = time.perf_counter() - started
    _render_every_output(site)
    handle_keys_as_jupyterlite_0_7(site)
    yield site, seconds
    print(
        "Pyodide 0.27.7 test site, seconds: "
        + ", ".join(f"{step} {value:.1f}" for step, value in seconds.items())
    )


@pytest.mark.browser
def test_diagram_and_panel_with_matplotlib_in_jupyterlite(
    matplotlib_site: tuple[Path, dict[str, float]], axe_source: str
) -> None:
    """The lecture notebook as stored, on Pyodide 0.27.7 with matplotlib 3.8.4, offline."""
    from playwright.sync_api import expect

    site, seconds = matplotlib_site
    # The 0.5 kernel loads pyodide.js, and the build's check follows it.
    assert build_script.kernel_settings(site)["pyodideUrl"] == "./static/pyodide/pyodide.js"
    grown = lstm_widget.breakdown(units=20, input_size=1, dense=1)
    with _offline_page(site, "pyodide-0.27.7") as offline:
        page = offline.page
        started = time.perf_counter()
        page.goto(f"{offline.origin}/lab/index.html?path=lecture.ipynb")
        offline.run_all()
        seconds["kernel start"] = time.perf_counter() - started
        started = time.perf_counter()
        lecture_panel = page.locator(".lstm-widget-lecture").first
        diagram = lecture_panel.locator("img.widget-image").first
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=diagram.element_handle(timeout=KERNEL_TIMEOUT_MS),
            timeout=KERNEL_TIMEOUT_MS,
        )
        seconds["first diagram (install with dependencies, import, draw)"] = (
            time.perf_counter() - started
        )
        texts = offline.wait_for_the_last_cell()
        cells = page.locator(".jp-CodeCell")
        # A displayed Breakdown: its HTML embeds the diagram as a PNG.
        breakdown_image = cells.nth(_cell_index("breakdown")).locator("img").first
        breakdown_drawn = breakdown_image.evaluate("img => img.complete && img.naturalWidth")
        magic = cells.nth(_cell_index("magic"))
        magic_panel = magic.locator(".widget-vbox").filter(has=page.locator("img.widget-image"))
        magic_panel.first.wait_for(timeout=KERNEL_TIMEOUT_MS)
        magic_text = magic.locator(".jp-OutputArea").inner_text()
        # Type 20 into the lecture panel's units entry and press Enter, as a user does.
        units = _entry(page, lecture_panel, "units")
        _type(units, "20")
        before = str(diagram.get_attribute("src"))
        started = time.perf_counter()
        units.press("Enter")
        page.wait_for_function(
            "([img, old]) => img.getAttribute('src') !== old && img.complete"
            " && img.naturalWidth > 0",
            arg=[diagram.element_handle(), before],
            timeout=REPLY_TIMEOUT_MS,
        )
        seconds["one typed redraw (units 10 -> 20, Enter to the new diagram shown)"] = (
            time.perf_counter() - started
        )
        lecture_panel.get_by_text("(model with dense head: 1,781);").first.wait_for(
            timeout=REPLY_TIMEOUT_MS
        )
        headline = lecture_panel.get_by_text(re.compile(r" at float32$")).first.inner_text()
        # The live diagram is named by its words, the units slider (anywidget's, from
        # the site) by its setting and follows the typed width, and the page passes
        # the audit.
        expect(diagram).to_have_accessible_name(grown.describe(), timeout=REPLY_TIMEOUT_MS)
        slider = lecture_panel.get_by_role("slider", name="units", exact=True)
        expect(slider).to_have_attribute("aria-valuetext", "20", timeout=REPLY_TIMEOUT_MS)
        found = audit(page, "jupyterlite-lecture", axe_source)
        svg_texts = diagram.evaluate(
            """async img => [...new DOMParser().parseFromString(
                 await (await fetch(img.src)).text(), 'image/svg+xml').querySelectorAll('text')
               ].map(t => t.textContent)"""
        )

    assert found.refused == [], found.report()
    text = "\n".join(texts)
    # The lecture notebook's first cell, as stored, installed the package with its
    # dependencies: matplotlib and numpy from the site's Pyodide, ipywidgets and
    # anywidget (the panel's slider) from its wheel index.
    for wheel in ("matplotlib-3.8.4-", "numpy-2.0.2-", "pillow-10.2.0-", "kiwisolver-1.4.5-"):
        assert any(path.startswith(f"/static/pyodide/{wheel}") for path in offline.served), wheel
    for name in ("ipywidgets", "anywidget", "psygnal"):
        wheel = f"/pypi/{name}-{importlib.metadata.version(name)}-py3-none-any.whl"
        assert wheel in offline.served, wheel
    assert breakdown_drawn and breakdown_drawn > 0
    assert "No widget frontend here" not in magic_text
    assert f"widget frontend True | running cell {FRONTEND_KEY}" in text
    assert (grown.total, sum(grown.layer_totals)) == (1781, 1760)
    assert "Keras LSTM: 1,760 parameters (model with dense head: 1,781)" in headline
    assert any("1,760" in t for t in svg_texts) and any("1,781" in t for t in svg_texts)
    _assert_nothing_left(offline, text)


def _entry(page: Any, scope: Any, label: str) -> Any:
    """The box of the ipywidgets text entry labelled ``label`` in ``scope``."""
    labelled = page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))
    return scope.locator(".widget-text").filter(has=labelled).locator("input").first


def _type(entry: Any, text: str) -> None:
    """Click into ``entry`` and replace its text with ``text`` from the keyboard."""
    entry.click()
    entry.press("Control+a")
    entry.type(text)


def _cell_index(cell_id: str) -> int:
    """Where the code cell ``cell_id`` is among the matplotlib site notebook's code cells."""
    lecture = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    stored = [cell["id"] for cell in lecture["cells"] if cell["cell_type"] == "code"]
    return [*stored, "breakdown", "magic", FRONTEND_CELL_ID, "probe"].index(cell_id)


def test_the_test_site_refuses_a_wheel_that_is_not_pyodides(tmp_path: Path) -> None:
    """One byte changed in a bundled wheel, and nothing is built."""
    lock = {
        "info": {"python": "3.12.7"},
        "packages": {
            "micropip": {"name": "micropip", "version": "0.9.0", "depends": [],
                         "file_name": "micropip-0.9.0-py3-none-any.whl",
                         "sha256": _digest("the release's bytes")},
        },
    }  # fmt: skip
    npm = tmp_path / "npm"
    npm.mkdir()
    (npm / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    bundle = tmp_path / "bundle.whl"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr(f"{BUNDLED_WHEELS}micropip-0.9.0-py3-none-any.whl", "other bytes")
    with pytest.raises(UnverifiedWheel, match=r"micropip-0\.9\.0-py3-none-any\.whl has sha256"):
        assemble_release_pyodide(npm, bundle, tmp_path / "pyodide")
    assert not (tmp_path / "pyodide").exists()
