"""xLSTM's cells in every front: the command line, the magic and the panel give the
count the ``xlstm`` package's own modules hold (``sum(p.numel())``), and refuse the
flags that do not apply with one sentence.

Each configuration of tests/test_xlstm.py's table that a front can describe (a stack's
blocks by ``--layers``) is typed as flags made from the setting table, read by each
front, and compared with the module the package builds (the sLSTM on its vanilla
backend, which builds on CPU).
"""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
from test_xlstm import TABLE
from xlstm_models import build, short

from lstm_widget import cli, magics, panel
from lstm_widget.conventions import SETTINGS
from lstm_widget.counting import Settings
from lstm_widget.counting_xlstm import XlstmSizes, xlstm_sizes

pytestmark = pytest.mark.frameworks

#: The configurations the fronts can describe: a block, a layer or a stack.
FRONT_TABLE = [s for s in TABLE if s.blocks == 1 or s.scope == "stack"]


def flags(s: XlstmSizes) -> list[str]:
    """``s`` as the command line's flags, each from its setting's table entry."""
    typed = ["--framework", "xlstm", "--cell", s.cell, "-u", str(s.width)]
    if s.blocks > 1:
        typed += ["--layers", str(s.blocks)]
    for field in fields(XlstmSizes):
        spec = SETTINGS.get(field.name)
        value = getattr(s, field.name)
        if spec is None or value == spec.default:
            continue
        typed += [spec.flags[-1]] if spec.kind == "switch" else [spec.flags[-1], str(value)]
    return typed


def package_count(s: XlstmSizes) -> int:
    return sum(p.numel() for p in build(s).parameters())


def test_the_fronts_cover_twenty_configurations_and_every_package_setting():
    assert len(FRONT_TABLE) >= 20
    typed = {flag for s in FRONT_TABLE for flag in flags(s)}
    for name in ("scope", "heads", "conv_kernel", "proj_factor", "qkv_blocksize", "proj_bias"):
        assert SETTINGS[name].flags[-1] in typed


@pytest.mark.parametrize("s", FRONT_TABLE, ids=short)
def test_the_command_line_counts_what_the_package_builds(s, capsys):
    assert cli.main([*flags(s), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == package_count(s)
    assert data["work"] is None  # not counted here: said, not guessed


@pytest.mark.parametrize("s", FRONT_TABLE, ids=short)
def test_the_magic_reads_the_same_flags(s):
    _, given = magics._parse(flags(s))
    settings = Settings(**given)
    assert xlstm_sizes(settings) == s
    from lstm_widget import breakdown

    assert breakdown(settings).total == package_count(s)


@pytest.mark.parametrize("s", FRONT_TABLE[::4], ids=short)
def test_the_panel_follows_its_controls_to_the_package_s_count(s):
    live = panel(framework="xlstm", cell=s.cell, units=s.width)
    try:
        for field in fields(XlstmSizes):
            if field.name in SETTINGS and getattr(s, field.name) != SETTINGS[field.name].default:
                live.controls[field.name].value = getattr(s, field.name)
        live.controls["layers"].value = s.blocks
        assert live.error is None
        assert live.result.total == package_count(s)
        assert b"<svg" in live.image.value or live.image.value  # the xLSTM drawing shown
    finally:
        live.close()


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (["--cell", "slstm", "-u", "64"], "exists only in xlstm"),
        (["--framework", "xlstm", "--cell", "slstm", "-u", "64", "--proj", "3"], "proj_size=3"),
        (["--cell", "lstm", "--heads", "2"], "heads=2 applies only to"),
        (["--framework", "xlstm", "--cell", "mlstm", "--no-norm-weight"], "norm_weight=False"),
        (["--framework", "xlstm", "--cell", "slstm", "-u", "64", "-i", "3"], "input_size=3"),
        (["--framework", "xlstm", "--cell", "slstm", "--bidirectional"], "bidirectional=True"),
        (["--framework", "xlstm", "--cell", "slstm", "-u", "10", "--heads", "3"], "heads=3"),
        (
            ["--framework", "xlstm", "--cell", "slstm", "-u", "64", "--layers", "2"],
            "scope='stack'",
        ),
        (["--framework", "xlstm", "--cell", "mlstm", "--proj-factor", "nan"], "proj_factor"),
    ],
)
def test_flags_that_do_not_apply_are_refused_with_one_sentence(line, says, capsys):
    assert cli.main(line) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err and err.count("\n") == 1


def test_the_panel_says_what_does_not_apply_and_keeps_working():
    live = panel(framework="xlstm", cell="slstm", units=64)
    try:
        live.controls["heads"].value = 5
        assert live.error is not None and "heads=5 must divide" in live.error
        live.controls["heads"].value = 8
        assert live.error is None
        assert live.result.total == package_count(XlstmSizes("slstm", 64, heads=8))
        assert live.controls["proj_size"].disabled and live.controls["input_size"].disabled
    finally:
        live.close()


@pytest.mark.parametrize("s", FRONT_TABLE[1::5], ids=short)
def test_marimo_s_controls_follow_to_the_package_s_count(s):
    from lstm_widget.marimo import controls

    live = controls(framework="xlstm", cell=s.cell, units=s.width)
    values = dict(live.value)
    for field in fields(XlstmSizes):
        if field.name in SETTINGS:
            values[field.name] = getattr(s, field.name)
    values["layers"] = s.blocks
    live.live.html(values)
    assert live.live.error is None
    assert live.live.result.total == package_count(s)
