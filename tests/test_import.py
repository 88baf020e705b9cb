"""``import lstm_widget`` stays cheap and quiet: no plotting, widget or framework imports.

Each check runs in a fresh interpreter, because this test process has long since
imported matplotlib, torch and the rest.
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lstm_widget

HEAVY = ("matplotlib", "ipywidgets", "marimo", "torch", "keras", "tensorflow", "jax", "onnx")

LIST_MODULES = """
import json, sys
import lstm_widget
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def python(code: str, cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_import_loads_no_heavy_package(tmp_path):
    result = python(LIST_MODULES, str(tmp_path))
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "lstm_widget" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


#: The package's own layers ``import lstm_widget`` loads: the registry and counting,
#: all a :class:`~lstm_widget.Breakdown` needs to exist. Its tables, HTML and words
#: (handed down to counting through ``present_with``), the geometry, the drawing, model
#: reading and the panel load when first used.
LOADED_AT_IMPORT = {"conventions", "counting"}

LOADED_MODULES = """
import json, sys
before = set(sys.modules)
import lstm_widget
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_import_loads_the_registry_and_counting_and_nothing_else_of_the_package(tmp_path):
    result = python(LOADED_MODULES, str(tmp_path))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    layers = {name.split(".")[1] for name in loaded if name.startswith("lstm_widget.")}
    assert layers == LOADED_AT_IMPORT


def test_import_loads_only_the_standard_library_beside_the_package(tmp_path):
    """Whatever an interpreter had loaded before (``site`` may load more) aside."""
    result = python(LOADED_MODULES, str(tmp_path))
    assert result.returncode == 0, result.stderr
    tops = {name.split(".")[0] for name in json.loads(result.stdout)}
    outside = tops - set(sys.stdlib_module_names) - {"lstm_widget"}
    assert outside == set()


def test_a_breakdown_shows_itself_once_its_views_load_on_first_use(tmp_path):
    """The hand-off works before any view is imported: printing, serialising and
    describing a breakdown load the tables and words then, and give what they give
    when called directly."""
    code = (
        "import json, sys, lstm_widget\n"
        "b = lstm_widget.breakdown(units=10, input_size=1, dense=1)\n"
        "before = 'lstm_widget.report' in sys.modules\n"
        "shown = [str(b), b.to_dict(), b.describe()]\n"
        "from lstm_widget.description import describe\n"
        "from lstm_widget.report import breakdown_data, text_table\n"
        "print(json.dumps([before, shown == [text_table(b), breakdown_data(b), describe(b)]]))"
    )
    result = python(code, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, True]


@pytest.mark.parametrize("module", ["lstm_widget", "lstm_widget.cli"])
def test_import_prints_nothing(tmp_path, module):
    result = python(f"import {module}", str(tmp_path))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


#: The package's modules and subpackages from the bottom up: each may import only
#: those before it (and its own submodules), lazily inside a function or not, so data
#: flows one way (CONTRIBUTING.md, "Architecture").
LAYERS = (
    "conventions",
    "counting",
    "layers",
    "counting_xlstm",
    "snippets",
    "compare",
    "quiz",
    "introspect",
    "style",
    "layout",
    "report",
    "model_summary",
    "description",
    "_live_svg",
    "painting",
    "diagram",
    "display",
    "growth_plot",
    "options",
    "controls",
    "_frontend",
    "_panel",
    "marimo",
    "magics",
    "cli",
    "__main__",
    "__init__",
)


#: (importer, imported) pairs LAYERS would allow but the layering forbids: the strip
#: is drawn from a report's rows, not through the tables, and the tables know no
#: geometry.
APART = (("diagram", "report"), ("report", "layout"))


def package_imports() -> dict[Path, set[str]]:
    """Each module of the package (relative path) and the package's top-level modules
    and subpackages it imports, lazily inside a function or not, TYPE_CHECKING too."""
    package = Path(lstm_widget.__file__).parent
    imports: dict[Path, set[str]] = {}
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        where = relative.parts[:-1]  # the subpackage a module sits in, if any
        tops = imports.setdefault(relative, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = where[: len(where) - (node.level - 1)]
            targets = [node.module] if node.module else [a.name for a in node.names]
            tops.update((*base, *target.split("."))[0] for target in targets)
    return imports


def test_imports_point_one_way():
    imports = package_imports()
    assert {path.parts[0].removesuffix(".py") for path in imports} == set(LAYERS), "to place"
    upward = [
        f"{relative} imports {top}"
        for relative, tops in imports.items()
        for own in [relative.parts[0].removesuffix(".py")]
        for top in sorted(tops)
        if top != own and LAYERS.index(top) >= LAYERS.index(own)
    ]
    assert upward == []


def test_introspection_returns_data_and_views_stay_apart():
    """Introspection knows no tables, HTML, pictures or colours: it sits below them
    and hands its reports up as data; the strip is drawn from rows, not through the
    tables; and the tables know no geometry."""
    imports = package_imports()
    views = {"report", "model_summary", "display", "painting", "diagram", "style"}
    crossing = [
        f"{relative} imports {sorted(tops & views)}"
        for relative, tops in imports.items()
        if relative.parts[0] == "introspect" and tops & views
    ]
    crossing += [
        f"{relative} imports {imported}"
        for relative, tops in imports.items()
        for importer, imported in APART
        if relative.parts[0].removesuffix(".py") == importer and imported in tops
    ]
    assert crossing == []


def test_the_contributors_module_table_is_the_layers_in_order():
    """CONTRIBUTING.md's architecture table says each module imports only those above
    it: it lists the same modules as :data:`LAYERS`, in the same order."""
    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text("utf-8")
    table = text.split("| module | role |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    listed = [re.match(r"\| `([^`]+)`", row).group(1) for row in table.splitlines()]
    names = [name.rstrip("/").removesuffix(".py") for name in listed]
    assert names == [name for name in LAYERS if name not in ("__main__", "__init__")]


#: Layers that must not import another although it sits below them (DESIGN.md, "The
#: shape of the package"): the presentation reads no geometry, and the fronts reach the
#: drawing only through the diagram and display layers.
FORBIDDEN = {
    "report": {"layout"},
    "model_summary": {"layout"},
    "options": {"layout"},
    "controls": {"layout"},
    "_panel": {"layout"},
    "marimo": {"layout"},
    "magics": {"layout"},
    "cli": {"layout"},
}


def _imported_layers(relative: Path, path: Path) -> set[str]:
    """The package's top-level modules and subpackages ``path`` imports (relatively)."""
    where = relative.parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = where[: len(where) - (node.level - 1)]
            targets = [node.module] if node.module else [a.name for a in node.names]
            found.update((*base, *target.split("."))[0] for target in targets)
    return found


def test_no_layer_imports_what_it_must_not():
    package = Path(lstm_widget.__file__).parent
    broken = []
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        own = relative.parts[0].removesuffix(".py")
        wrong = _imported_layers(relative, path) & FORBIDDEN.get(own, set())
        broken += [f"{relative} imports {layer}" for layer in sorted(wrong)]
    assert broken == []


#: A file longer than this holds more than one room (DESIGN.md).
MAX_LINES = 600
#: The files still over it, each waiting for its split; the list may only shrink.
STILL_OVER: set[str] = set()


def test_no_file_grows_past_the_limit():
    package = Path(lstm_widget.__file__).parent
    over = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert over == STILL_OVER  # a file split off this list: take it off the list too
