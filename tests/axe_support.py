"""An accessibility audit of a page the browser tests have open: axe-core, from npm.

axe-core (``tests/axe/package.json``, pinned with its lock) is installed with ``npm ci``
into a test-owned folder, once per test session, and its script is evaluated in each
page the tests already drive: no page is opened for the audit alone. :func:`audit`
runs the WCAG 2.0, 2.1 A and AA rules on the whole page and sorts every violation by
where it sits: inside the package's own output (:data:`OURS`: the notebook's outputs
and its rendered Markdown) or in the host application around it (JupyterLab's menus,
Voila's template, marimo's editor), which this package cannot change. The tests
refuse serious and critical violations of the first kind; the second kind is written
to ``artifacts/browser/axe-<page>.json`` and listed in the documentation
(``docs/accessibility.md``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tests" / "axe"
ARTIFACTS = ROOT / "artifacts" / "browser"

#: Every WCAG 2.0 and 2.1 rule at levels A and AA that axe-core has.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: The impacts refused inside the package's output.
REFUSED = frozenset({"serious", "critical"})
#: What the package writes into a Jupyter page: cell outputs (widgets included) and the
#: notebook's own rendered Markdown; the rest of the page is the host's.
OURS = ".jp-OutputArea-output, .jp-MarkdownOutput"
#: The same in a marimo page: what its cells output, the controls and the view among
#: them (and, in the editor, the notebook's rendered Markdown). The output area around
#: them is marimo's: its editor scrolls a tall output inside it.
MARIMO_OURS = ".output-area > *"

_RUN = """async ([tags, ours]) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  // A target's last entry is the element's selector, or a list of them, one per
  // shadow root on the way to it (marimo draws its controls in shadow roots).
  const find = target => {
    const last = target[target.length - 1];
    let element = null;
    for (const selector of Array.isArray(last) ? last : [last]) {
      element = (element === null ? document : element.shadowRoot).querySelector(selector);
      if (element === null) return null;
    }
    return element;
  };
  // Inside ``ours`` when the element or a shadow root's host above it matches.
  const inside = target => {
    for (let node = find(target); node; node = node.parentElement || node.getRootNode().host) {
      if (node.matches(ours)) return true;
    }
    return false;
  };
  return {
    ours: document.querySelectorAll(ours).length,
    violations: result.violations.flatMap(v => v.nodes.map(n => ({
      rule: v.id, impact: n.impact || v.impact, help: v.help, html: n.html.slice(0, 300),
      target: n.target.flat().join(' '), summary: n.failureSummary || '', ours: inside(n.target),
    }))),
  };
}"""


def install_axe(scratch: Path) -> str:
    """``npm ci`` of the pinned axe-core in ``scratch``; its browser script's text."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PINS / name, scratch / name)
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=scratch,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return (scratch / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One element failing one rule."""

    rule: str
    impact: str
    help: str
    html: str
    target: str
    summary: str
    ours: bool


@dataclass(frozen=True)
class Audit:
    """Every violation on a page, each marked as the package's or the host's."""

    name: str
    violations: tuple[Violation, ...]

    @property
    def refused(self) -> list[Violation]:
        """Serious or critical violations inside the package's output."""
        return [v for v in self.violations if v.ours and v.impact in REFUSED]

    def report(self) -> str:
        return "\n".join(
            f"{v.impact} {v.rule} ({v.help}) at {v.target}: {v.html}\n  {v.summary}"
            for v in self.refused
        )


def audit(page: Any, name: str, axe_source: str, ours: str = OURS) -> Audit:
    """Run axe-core on ``page`` (injected on first use); save the findings as ``name``."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        # evaluate, not a <script> tag: the page's content security policy may refuse
        # inline scripts, and the audit must not depend on it.
        page.evaluate(axe_source)
    result = page.evaluate(_RUN, [list(WCAG_TAGS), ours])
    # A selector that matched nothing would pass every page: the package's output must
    # be there to be audited.
    assert result["ours"] > 0, f"{name}: nothing on the page matches {ours!r}"
    found = tuple(Violation(**v) for v in result["violations"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps([v.__dict__ for v in found], indent=1), encoding="utf-8"
    )
    return Audit(name, found)
