"""A real ``marimo run`` (or ``marimo edit``) server and an offline chromium page on it.

The server listens on 127.0.0.1 on a free port without a token, keeps marimo's
config, state and cache in a temporary tree (so a test never reads or writes the
user's), and skips marimo's update check, the one request it would make to the
internet. :func:`offline_page` opens chromium with every request that is not for
127.0.0.1 aborted and noted, and a proxy that goes nowhere behind that, so nothing
the page asks for can leave the machine; the tests assert that nothing was asked.

The test (``tests/test_marimo.py``) and the benchmark (``benchmarks/bench_marimo.py``)
share these, and the page helpers of :class:`MarimoPage`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    spawn,
    stop_group,
    wait_until_answers,
)

#: Kernel start, the first matplotlib import and the first drawing, on a busy 2-core box.
FIRST_VIEW_TIMEOUT_MS = 120_000
#: One redraw after a change.
REDRAW_TIMEOUT_MS = 30_000

#: The view's diagram (``lstm_widget.marimo.VIEW_CLASS``); its alt text is the headline,
#: then the diagram in words.
VIEW_IMAGE = ".lstm-widget-marimo-view img"

#: Notes in ``window.__shown`` when the diagram whose alt text starts with the headline
#: ``arg`` has been decoded, in the page's clock, and in ``window.__keydown`` when Enter went down:
#: a MutationObserver sees the new <img> arrive, and decode() waits until it can be
#: painted.
WATCH = """headline => {
  window.__shown = null;
  window.__keydown = null;
  document.addEventListener('keydown', e => {
    if (e.key === 'Enter' && window.__keydown === null) window.__keydown = performance.now();
  }, {capture: true});
  const check = () => {
    const img = [...document.querySelectorAll('.lstm-widget-marimo-view img')]
      .find(i => i.alt.startsWith(headline + '. '));
    if (!img) return;
    observer.disconnect();
    const done = () => { window.__shown = performance.now(); };
    img.decode().then(done, done);
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, attributes: true});
  check();
}"""


@dataclass
class MarimoServer:
    """A running ``marimo run`` or ``marimo edit`` and what a test needs to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        """Stop the server's whole process group (its kernels run in it)."""
        stop_group(self.process)


def start_marimo(notebook: Path, base: Path, mode: str = "run") -> MarimoServer:
    """Serve ``notebook`` with ``marimo run`` (the app) or ``marimo edit``."""
    env = dict(
        os.environ,
        MARIMO_SKIP_UPDATE_CHECK="1",
        XDG_CONFIG_HOME=str(base / "config"),
        XDG_STATE_HOME=str(base / "state"),
        XDG_CACHE_HOME=str(base / "cache"),
        MPLCONFIGDIR=str(base / "matplotlib"),
    )
    port = free_port()
    command = [
        sys.executable, "-m", "marimo", "-q", mode, str(notebook),
        "--headless", "--host", "127.0.0.1", f"--port={port}", "--no-token",
    ]  # fmt: skip
    log = base / f"marimo-{mode}.log"
    server = MarimoServer(spawn(command, env, log), port, log)

    def health() -> None:
        with urllib.request.urlopen(f"{server.url}health", timeout=5):
            pass

    try:
        wait_until_answers(server.process, health, f"marimo {mode}", log)
    except BaseException:
        server.stop()
        raise
    return server


@dataclass
class Offline:
    """What the page asked for beyond 127.0.0.1 (every such request is aborted), and
    the errors it reported."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def offline_page(playwright: Any, origin: str, viewport: dict[str, int]) -> Iterator[Any]:
    """A chromium page that reaches ``origin`` (and data: and blob: URLs) and nothing
    else; ``page.offline`` is its :class:`Offline` record."""
    record = Offline()
    # A proxy on a port nobody listens on: anything the page's routing does not see
    # (a service worker's request, say) fails to connect instead of going out.
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{free_port()}"],
    )
    local = (origin.rstrip("/") + "/", origin.replace("http", "ws", 1).rstrip("/") + "/")

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith((*local, "data:", "blob:")):
            request_route.continue_()
        else:
            record.blocked.append(url)
            request_route.abort()

    try:
        context = browser.new_context(viewport=viewport)
        context.route("**/*", route)
        page = context.new_page()
        page.on(
            "console",
            lambda m: m.type == "error" and record.errors.append(f"{m.text} at {m.location}"),
        )
        page.on("pageerror", lambda error: record.errors.append(str(error)))
        page.offline = record
        yield page
    finally:
        browser.close()


@contextlib.contextmanager
def marimo_page(
    notebook: Path, base: Path, viewport: dict[str, int], mode: str = "run"
) -> Iterator[Any]:
    """``notebook`` served from a copy in ``base`` and opened in an offline page; the
    server stops afterwards. (marimo writes its session beside the notebook it runs,
    ``__marimo__/``, which must not land in the repository.)"""
    from playwright.sync_api import sync_playwright

    copy = base / notebook.name
    shutil.copy(notebook, copy)
    server = start_marimo(copy, base, mode)
    try:
        with (
            sync_playwright() as playwright,
            offline_page(playwright, server.url, viewport) as page,
        ):
            page.goto(server.url)
            yield page
    finally:
        server.stop()


class MarimoPage:
    """The lecture notebook's page: its controls and view, and a user's moves."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait_for_view(self) -> None:
        image = self.page.locator(VIEW_IMAGE).first
        image.wait_for(state="visible", timeout=FIRST_VIEW_TIMEOUT_MS)
        self.page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=image.element_handle(),
            timeout=FIRST_VIEW_TIMEOUT_MS,
        )

    def headline(self) -> str:
        """The diagram's alt text up to its first full stop: the breakdown's headline."""
        alt = str(self.page.locator(VIEW_IMAGE).first.get_attribute("alt"))
        return alt.split(". Block diagram of ")[0]

    def number_entry(self, setting: str) -> Any:
        """The typed entry beside the slider labelled ``setting``."""
        slider = self.page.locator("marimo-slider").filter(
            has=self.page.get_by_text(setting, exact=True)
        )
        return slider.locator("input").first

    def type_number(self, setting: str, value: int, headline: str) -> float:
        """Type ``value`` into ``setting``'s entry and press Enter; the milliseconds from
        the key going down to the new diagram, decoded, that has ``headline``."""
        entry = self.number_entry(setting)
        entry.click()
        entry.press("Control+a")
        entry.type(str(value))
        self.page.evaluate(WATCH, headline)
        entry.press("Enter")
        self.page.wait_for_function("() => window.__shown !== null", timeout=REDRAW_TIMEOUT_MS)
        times = self.page.evaluate("() => [window.__keydown, window.__shown]")
        return float(times[1]) - float(times[0])

    def choose(self, option: str) -> None:
        """Click a radio button of the controls (a framework, a cell, a theme)."""
        self.page.get_by_role("radio", name=option, exact=True).click()
