"""Directives that write documentation from the code itself, so the pages cannot drift.

- ``lstm-params FLAGS``: runs the command line with those flags during the build and
  shows the command and what it printed; an exit status other than the one expected
  (``:returncode:``, 0 unless given) fails the build.
- ``settings-table``: every setting of a layer, its type, default, allowed values and
  the layers it applies to, read from :class:`lstm_widget.Settings` and the registry's
  setting table.
- ``conventions-table``: every framework × cell the registry holds, how it stores the
  cell, and the count of one example layer, counted by :func:`lstm_widget.breakdown`.
- ``binder-badge``: the Binder badge for the repository named by the
  ``binder_repository`` setting, or a one-line instruction where it is not set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import shlex
import tempfile
import typing
from collections.abc import Iterable
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import lstm_widget
from lstm_widget import Settings, breakdown, conventions
from lstm_widget.cli import main as lstm_params

BINDER_PATH = "HEAD?urlpath=lab/tree/notebooks/01_seed_question.ipynb"


class _MarkdownDirective(SphinxDirective):
    """A directive whose body is Markdown it writes, parsed as the page's own text."""

    def markdown(self) -> Iterable[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        lines = StringList(list(self.markdown()), source=self.get_source_info()[0])
        self.state.nested_parse(lines, self.content_offset, container)
        return container.children


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A Markdown pipe table (a ``|`` inside a cell escaped)."""
    row_list = [list(header), *map(list, rows)]
    lines = [" | ".join(cell.replace("|", "\\|") for cell in row) for row in row_list]
    lines = [f"| {line} |" for line in lines]
    lines.insert(1, "|" + "---|" * len(row_list[0]))
    return lines


def _code(value: object) -> str:
    return f"`{value!r}`"


class LstmParams(SphinxDirective):
    """``lstm-params FLAGS``: the command and its output, produced during the build."""

    required_arguments = 1
    final_argument_whitespace = True
    option_spec: typing.ClassVar[dict[str, Any]] = {"returncode": directives.nonnegative_int}

    def run(self) -> list[nodes.Node]:
        argv = shlex.split(self.arguments[0])
        expected = self.options.get("returncode", 0)
        output = io.StringIO()
        here = os.getcwd()
        # Files the example writes (--save) land in a scratch folder, not the sources.
        with tempfile.TemporaryDirectory() as scratch:
            os.chdir(scratch)
            try:
                with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                    try:
                        status = lstm_params(argv)
                    except SystemExit as exit:  # -h and argparse's own exits
                        status = exit.code if isinstance(exit.code, int) else 1
            finally:
                os.chdir(here)
        if status != expected:
            raise self.error(
                f"lstm-params {self.arguments[0]} exited with {status}, not {expected}:\n"
                + output.getvalue()
            )
        text = f"$ lstm-params {self.arguments[0]}\n{output.getvalue().rstrip()}"
        block = nodes.literal_block(text, text, language="console")
        self.set_source_info(block)
        return [block]


# ------------------------------------------------------------------------ settings


def _parameter_docs(doc: str) -> dict[str, str]:
    """Each parameter's description from a numpy-style docstring's Parameters section."""
    section = doc.split("Parameters\n    ----------\n", 1)[1]
    found: dict[str, str] = {}
    for match in re.finditer(r"^    (\w+)\n((?:        .*\n|\n)+)", section, re.M):
        found[match.group(1)] = " ".join(match.group(2).split())
    return found


def _allowed(name: str) -> str:
    """The values ``Settings`` accepts for ``name``, from the registry's setting table."""
    spec = conventions.SETTINGS[name]
    if spec.kind == "choice":
        return ", ".join(_code(key) for key in conventions.choices(name))
    if spec.kind == "switch":
        return "`True` or `False`"
    text = spec.kind_text.replace("(32, 18)", "`(32, 18)`")
    return f"{text}; `()` for a cell without a kernel" if spec.kind == "sizes" else text


def _applies(name: str) -> str:
    """The layers a setting applies to: an option's, or every layer but those whose
    convention fixes it (biases always kept or never there, one direction only)."""
    if name in conventions.OPTIONS:
        return ", ".join(conventions.applies_to(name))
    fixed = [
        conventions.layer_name(framework, cell)
        for framework, spec in conventions.FRAMEWORK_SPECS.items()
        for cell in spec.cells
        if not conventions.setting_rules(framework, cell).get(name, (True, None))[0]
    ]
    return f"every layer but {', '.join(fixed)}" if fixed else "every layer"


def settings_table() -> list[str]:
    """Every field of :class:`lstm_widget.Settings`: what it is and what it takes."""
    described = _parameter_docs(Settings.__doc__ or "")
    rows = []
    for field in dataclasses.fields(Settings):
        if field.name not in described:
            raise ValueError(f"Settings' docstring does not describe {field.name!r}")
        rows.append(
            [
                f"`{field.name}`",
                _code(field.default),
                _allowed(field.name),
                _applies(field.name),
                described[field.name],
            ]
        )
    return _table(["setting", "default", "allowed values", "applies to", "meaning"], rows)


class SettingsTable(_MarkdownDirective):
    """``settings-table``: :func:`settings_table` on the page."""

    def markdown(self) -> Iterable[str]:
        return settings_table()


# --------------------------------------------------------------------- conventions

#: The example layer each row counts: x inputs, h units (a ConvLSTM's kernel 3×3).
EXAMPLE = {"input_size": 1, "units": 10}


def _biases(layout: conventions.CellConvention) -> str:
    if layout.biases == 0:
        return "none"
    if layout.biases == 1:
        text = "one"
    elif layout.second_bias_when:
        text = f"two with `{layout.second_bias_when}`, else one"
    else:
        text = "two"
    return text + ("" if layout.optional_bias else ", always")


def conventions_table() -> list[str]:
    """Every framework × cell in the registry, with an example layer's count."""
    rows = []
    for key, spec in conventions.FRAMEWORK_SPECS.items():
        for cell, layout in spec.cells.items():
            kernel = (3, 3) if conventions.cell_spec(cell).kernel_dims else ()
            example = dict(EXAMPLE)
            residual = conventions.cell_spec(cell).residual
            if residual:  # its input is as wide as its units
                # and its heads divide them (an sLSTM's d/H each): one head here.
                example |= {"input_size": example["units"], "heads": 1}
            counted = breakdown(framework=key, cell=cell, kernel=kernel, **example)
            order = " ".join(letter or "(one block)" for letter in layout.gate_order)
            rows.append(
                [
                    f"`{key}`",
                    conventions.layer_name(key, cell, kernel),
                    f"`{order}`",
                    _biases(layout),
                    ", ".join(f"`{o}`" for o in layout.options) or "none",
                    f"{counted.total:,}" + (" (x = h, 1 head)" if residual else ""),
                    layout.note,
                ]
            )
    example = f"x = {EXAMPLE['input_size']}, h = {EXAMPLE['units']}"
    return _table(
        [
            "`framework`",
            "layer",
            "gate storage order",
            "biases per gate",
            "options",
            f"count at {example}",
            "where it differs",
        ],
        rows,
    )


class ConventionsTable(_MarkdownDirective):
    """``conventions-table``: :func:`conventions_table` on the page."""

    def markdown(self) -> Iterable[str]:
        return conventions_table()


class BinderBadge(SphinxDirective):
    """The Binder badge, or how to get it where the repository is not known."""

    def run(self) -> list[nodes.Node]:
        repository = self.config.binder_repository
        if not repository:
            text = (
                "The Binder badge appears here when these pages are built with "
                "GITHUB_REPOSITORY=owner/lstm_widget (GitHub Actions sets it)."
            )
            return [nodes.paragraph(text, text)]
        url = f"https://mybinder.org/v2/gh/{repository}/{BINDER_PATH}"
        image = nodes.image(uri="https://mybinder.org/badge_logo.svg", alt="Launch on Binder")
        return [nodes.paragraph("", "", nodes.reference("", "", image, refuri=url))]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("binder_repository", "", "env", types=[str])
    app.add_directive("lstm-params", LstmParams)
    app.add_directive("settings-table", SettingsTable)
    app.add_directive("conventions-table", ConventionsTable)
    app.add_directive("binder-badge", BinderBadge)
    return {"version": lstm_widget.__version__, "parallel_read_safe": True}
