"""Sphinx configuration: MyST pages, the notebooks executed by myst-nb, furo.

Build with ``python -m sphinx -W --keep-going docs docs/_build/html`` (the test suite's
``tests/test_docs.py`` does, warnings as errors). Every code cell on a page and every
notebook in ``notebooks/`` runs during the build, and a cell that fails stops it, so
an example that no longer runs cannot be published.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import lstm_widget

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "lstm_widget"
author = "lstm_widget contributors"
copyright = "lstm_widget contributors"
release = version = lstm_widget.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinxarg.ext",
    "lstm_widget_docs",
]

# The tutorials are the notebooks in notebooks/, which stay where Jupyter, Binder and
# the JupyterLite site find them; each build copies them in (git ignores the copies).
TUTORIALS = DOCS / "tutorials"
for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
    shutil.copyfile(notebook, TUTORIALS / notebook.name)

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "jupyter_execute"]

# Cross-references to this package's own objects must resolve; everything outside it
# (the standard library, matplotlib, ipywidgets, the frameworks) has no inventory here,
# because the build runs without internet.
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(?!lstm_widget\.).*")]

# MyST: $…$ maths in the notebooks' Markdown, headings linkable as page.md#heading.
myst_enable_extensions = ["dollarmath", "colon_fence", "substitution"]
myst_heading_anchors = 3

# Every notebook and code cell runs on every build, in a kernel started in the page's
# folder, and an error fails the build; cells tagged raises-exception show theirs.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
# A static page has no kernel to answer a panel's controls: it shows the still image
# the panel leaves for such viewers, and loads no widget code from a CDN.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = False
napoleon_use_rtype = False

html_theme = "furo"
html_title = f"lstm_widget {release}"

# The Binder badge needs the GitHub repository (owner/name) this project is published
# from: GitHub Actions sets GITHUB_REPOSITORY; elsewhere set it when building.
binder_repository = os.environ.get("GITHUB_REPOSITORY", "")
