"""A real Jupyter server and a real headless chromium for the browser tests.

One ``jupyter lab`` process serves all three frontends under test: JupyterLab
(``/lab/tree/...``), Notebook 7 (``/notebooks/...``) and Voila (``/voila/render/...``),
each of which is a server extension of the same Jupyter server. It listens on
127.0.0.1 on a free port with a random token, serves a temporary root directory, and
keeps its settings, workspaces and runtime files in that temporary tree so a test run
never reads or writes the user's Jupyter state.

Everything started here is stopped by :meth:`JupyterServer.stop`: kernels first
(jupyter_client starts them in their own session, so killing the server's process
group would orphan them), then the server's whole process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Debian's chromium; playwright cannot download its own browser where CI runs.
CHROMIUM = Path("/usr/bin/chromium")

#: Flags that keep chromium from phoning home or waiting for a GPU in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Set by .ci/run: a missing browser is then a failure, never a skip.
REQUIRE_BROWSER = "LSTM_WIDGET_REQUIRE_BROWSER"

SERVER_START_TIMEOUT = 90.0
SERVER_STOP_TIMEOUT = 15.0

#: JupyterLab settings for a quiet, reproducible page: no news or update pop-ups
#: covering the notebook, no autosave, and the notebook's own kernel started without
#: the "Select Kernel" dialog (which otherwise appears when the page asks for kernel
#: specs before the server has listed them).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


#: Page config for every frontend the server runs: the test environment also holds
#: jupyterlite-pyodide-kernel (it builds the JupyterLite site), whose JupyterLab
#: extension is made for JupyterLite only; loaded by a Jupyter server's page it fails
#: ("Shared module @jupyterlite/services doesn't exist"). JupyterLab, Notebook 7 and
#: Voila all read this file from the server's config folder.
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlite/pyodide-kernel-extension": True}}


#: Where a range input's thumb is: its position along the track, inside the thumb's
#: half width at each end (chromium's thumb is 16 px wide at 100 % zoom).
THUMB_CENTRE = """input => {
  const box = input.getBoundingClientRect(), half = 8;
  const at = (input.value - input.min) / (input.max - input.min);
  return [box.left + half + at * (box.width - 2 * half), box.top + box.height / 2];
}"""


def thumb_centre(slider: Any) -> tuple[float, float]:
    """The page coordinates of a range input's thumb, where a mouse grabs it."""
    x, y = slider.evaluate(THUMB_CENTRE)
    return float(x), float(y)


def require_browser() -> None:
    """Skip when chromium or playwright is missing, unless CI demands the browser."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"chromium ({CHROMIUM})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if not missing:
        return
    reason = "browser tests need " + " and ".join(missing)
    if os.environ.get(REQUIRE_BROWSER):
        pytest.fail(f"{reason}, and {REQUIRE_BROWSER} is set", pytrace=False)
    pytest.skip(reason)


def require_npm(purpose: str) -> None:
    """Skip when npm is missing, unless CI demands the browser tests: ``purpose`` names
    what needs it."""
    if shutil.which("npm"):
        return
    if os.environ.get(REQUIRE_BROWSER):
        pytest.fail(f"{purpose} needs npm, and {REQUIRE_BROWSER} is set", pytrace=False)
    pytest.skip(f"{purpose} needs npm")


def free_port() -> int:
    """A port nobody listens on right now (the server is told not to try others)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class JupyterServer:
    """A running ``jupyter lab`` and what a test needs to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    root: Path
    log: Path

    def url(self, path: str) -> str:
        """``path`` on this server, with the token that logs the browser in."""
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_for_connected_kernel(self, timeout: float) -> None:
        """Until a kernel is idle with a browser connected to it: ready to run cells.

        The page's own status indicator says "idle" once before the kernel's websocket
        is up, and cells run from the menu in that window are lost.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                kernels = self.api("kernels")
            except OSError:  # seen once as a transient 500 while the kernel started
                kernels = None
            if isinstance(kernels, list) and any(
                k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels
            ):
                return
            time.sleep(0.25)
        raise TimeoutError(f"no kernel became ready in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log, lines)

    def stop(self) -> None:
        """Shut kernels down, then the server; kill whatever does not go quietly."""
        if self.process.poll() is None:
            try:
                kernels = self.api("kernels")
                for kernel in kernels if isinstance(kernels, list) else []:
                    self.api(f"kernels/{kernel['id']}", method="DELETE")
            except (OSError, urllib.error.URLError):
                pass  # the server is already unreachable; the signals below still apply
        stop_group(self.process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process``'s whole process group: SIGTERM, then SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(SERVER_STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):  # it went quietly
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server in a process group of its own, its output in ``log``."""
    with log.open("wb") as sink:
        return subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def wait_until_answers(
    process: subprocess.Popen[bytes], probe: Callable[[], object], name: str, log: Path
) -> None:
    """Until ``probe()`` stops raising OSError; fails if the server exits or takes
    longer than :data:`SERVER_START_TIMEOUT`."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{_tail(log)}")
        try:
            probe()
            return
        except OSError:  # urllib's URLError is one
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer in {SERVER_START_TIMEOUT}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _base_installation_paths() -> dict[str, str]:
    """``JUPYTER_PATH`` and ``JUPYTER_CONFIG_PATH`` for the base Python's Jupyter files.

    A virtual environment made with ``--system-site-packages`` imports the base
    installation's packages (JupyterLab, Voila, jupyterlab_widgets, ...), but
    jupyter_core looks for their data (the labextensions) and config (which server
    extensions are enabled) under the environment's own prefix only: the server would
    run with no widget frontend, no Voila and no Notebook 7. Where the base
    installation's packages are importable, its Jupyter folders are searched too.
    """
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    if sys.prefix == sys.base_prefix or base["purelib"] not in sys.path:
        return {}
    extra = {
        "JUPYTER_PATH": Path(base["data"], "share", "jupyter"),
        "JUPYTER_CONFIG_PATH": Path(base["data"], "etc", "jupyter"),
    }
    return {
        name: os.pathsep.join(p for p in (os.environ.get(name), str(path)) if p)
        for name, path in extra.items()
    }


def start_server(base: Path) -> JupyterServer:
    """Start ``jupyter lab`` serving ``base/root``; state and log stay under ``base``."""
    root = base / "root"
    settings = base / "settings"
    for relative, values in LAB_SETTINGS.items():
        target = settings / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    root.mkdir(exist_ok=True)
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps(PAGE_CONFIG))
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        IPYTHONDIR=str(base / "ipython"),
        MPLCONFIGDIR=str(base / "matplotlib"),
        **_base_installation_paths(),
    )
    port, token = free_port(), secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI containers run as root; the server refuses otherwise
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log = base / "server.log"
    server = JupyterServer(spawn(command, env, log), port, token, root, log)
    try:
        wait_until_answers(server.process, lambda: server.api("status"), "jupyter lab", log)
    except BaseException:
        server.stop()
        raise
    return server


def copy_notebook(source: Path, server: JupyterServer) -> str:
    """Put a copy of ``source`` in the server's root; returns its name there."""
    shutil.copy(source, server.root / source.name)
    return source.name
