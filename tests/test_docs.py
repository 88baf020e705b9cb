"""The documentation builds with warnings as errors, and every example in it runs.

The Sphinx build executes every notebook in ``notebooks/`` and every page with code
cells (a failing cell fails the build), runs each ``lstm-params`` example through the
command line, and writes the reference from the code (the parsers, the settings, the
registry), so a broken cross-reference, a stale example or a flag missing from the
reference turns this red. The README's examples run as doctests.
"""

from __future__ import annotations

import argparse
import doctest
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import lstm_widget
from lstm_widget import cli, conventions, magics

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"

#: The README's quick start, verbatim: the demo, then the test command CI runs.
QUICK_START = (
    "pip install -e . && lstm-params --units 10 --input 1 --dense 1 --table --save seed.png",
    'python -m pip install -e ".[test]" -c tests/constraints.txt && python -m pytest',
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML site, built as the docs say: warnings are errors, nitpicky."""
    out = tmp_path_factory.mktemp("html")
    build = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    result = subprocess.run(
        [*build, str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    # -W makes any warning fail the build; the kernels' own start-up chatter (TensorFlow's,
    # for one) lands on stderr too, so the message keeps Sphinx's lines only.
    sphinx = [line for line in result.stderr.splitlines() if ": WARNING: " in line]
    assert result.returncode == 0, "\n".join(sphinx) or result.stderr[-5000:]
    return out


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_every_notebook_is_a_tutorial_page(site):
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = site / "tutorials" / f"{notebook.stem}.html"
        assert page.exists(), notebook.name
        assert 'class="output' in _text(page), f"{notebook.name} shows no executed output"


def test_every_image_has_a_text_alternative(site):
    """Diagrams, screenshots and cell outputs alike say in words what they show; a
    file name, which myst-nb writes for an image without one, is no description."""
    missing = []
    for page in sorted(site.rglob("*.html")):
        parser = _Images()
        parser.feed(_text(page))
        for image in parser.images:
            alt = (image.get("alt") or "").strip()
            if not alt or re.fullmatch(r"\S+\.(png|svg|jpe?g|gif)", alt):
                missing.append(f"{page.relative_to(site)}: {(image.get('src') or '')[:80]}")
    assert missing == []


def test_the_diagrams_alt_text_is_the_diagram_in_words(site):
    seed = lstm_widget.breakdown(units=10, input_size=1, dense=1)
    parser = _Images()
    parser.feed(_text(site / "how-to" / "diagrams.html"))
    assert seed.describe() in [image.get("alt") for image in parser.images]


def _arguments(parser: argparse.ArgumentParser) -> set[str]:
    """Every flag of ``parser`` and its positional arguments' names; not -h/--help,
    which the reference leaves out."""
    names = set()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        names.update(action.option_strings or [action.metavar or action.dest])
    return names


@pytest.mark.parametrize(
    ("page", "parser"),
    [("cli.html", cli.parser()), ("magic.html", magics.parser())],
    ids=["lstm-params", "%lstm_params"],
)
def test_the_flag_reference_lists_every_flag_of_the_parser(site, page, parser):
    listed = re.findall(r"<dt><kbd>(.*?)</kbd></dt>", _text(site / "reference" / page))
    documented = {flag for entry in listed for flag in entry.split(", ")}
    assert documented == _arguments(parser)


def test_the_conventions_table_lists_every_layer_in_the_registry(site):
    text = _text(site / "reference" / "conventions.html")
    for key, spec in conventions.FRAMEWORK_SPECS.items():
        for cell in spec.cells:
            kernel = (3, 3) if conventions.cell_spec(cell).kernel_dims else ()
            assert conventions.layer_name(key, cell, kernel) in text, (key, cell)


def test_the_settings_table_lists_every_setting(site):
    text = _text(site / "reference" / "settings.html")
    for name in lstm_widget.Settings.__dataclass_fields__:
        assert f'<span class="pre">{name}</span>' in text, name


def test_the_readme_is_a_short_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
    blocks = re.findall(r"```bash\n(.*?)\n```", "\n".join(lines), re.S)
    assert tuple(blocks[:2]) == QUICK_START


def test_ci_runs_the_readmes_test_command():
    assert QUICK_START[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readmes_examples_run():
    result = doctest.testfile(
        str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize(
    "page",
    [README, ROOT / "CONTRIBUTING.md", *sorted(DOCS.rglob("*.md"))],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_relative_links_point_at_files_that_exist(page):
    """Links between the Markdown files work on GitHub as they do in the site."""
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    local = [t for t in targets if "://" not in t]
    # The tutorials' notebooks are copied next to their index by each build.
    missing = [
        t
        for t in local
        if not (page.parent / t).exists()
        and not (page.parent == DOCS / "tutorials" and (ROOT / "notebooks" / t).exists())
    ]
    assert missing == []
