"""``lstm-params`` / ``python -m lstm_widget``: table, JSON, flags and bad input."""

import json
import subprocess
import sys
import sysconfig
from dataclasses import asdict
from pathlib import Path

import pytest

from lstm_widget import Settings, breakdown
from lstm_widget.cli import main
from lstm_widget.counting import SETTING_NAMES
from lstm_widget.diagram import render
from lstm_widget.options import make_parser
from lstm_widget.report import text_table


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lstm_widget", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_default_table_has_rows_subtotals_total_formula_and_per_unit():
    result = run_module("--units", "10", "--input", "1", "--dense", "1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert "lstm/lstm_cell/kernel[:, 10:20]" in out  # one row per weight group
    assert "time_distributed/dense/kernel" in out
    assert "Keras LSTM: 480 parameters (model with dense head: 491); 1.92 KB at float32" in out
    assert "= 480" in out and "total: 480 + 11 = 491" in out
    assert (
        "each unit: 4 blocks (3 gates + candidate) × (1 input + 10 recurrent + 1 bias) = 48; "
        "× 10 units = 480"
    ) in out
    rows = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(rows) == len(breakdown(units=10, input_size=1, dense=1).groups)


def test_json_prints_the_breakdown_with_the_whole_count_on_top():
    result = run_module(
        "--framework", "pytorch", "-u", "128", "-i", "32", "--layers", "2", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == 215_040
    assert data["layer_totals"] == [82_944, 132_096]
    assert data["settings"]["framework"] == "pytorch"


def test_console_script_is_installed_and_runs():
    script = Path(sysconfig.get_path("scripts")) / "lstm-params"
    assert script.exists(), f"{script} missing: install the package (pip install -e .)"
    result = subprocess.run(
        [str(script), "--cell", "gru", "-u", "5", "-i", "4", "--no-reset-after", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 150


FLAGS = [
    (["--framework", "pytorch"], dict(framework="pytorch")),
    (["--framework", "onnx"], dict(framework="onnx")),
    (["--cell", "gru"], dict(cell="gru")),
    (["--cell", "rnn"], dict(cell="rnn")),
    (["--input", "7"], dict(input_size=7)),
    (["-i", "7"], dict(input_size=7)),
    (["--units", "12"], dict(units=12)),
    (["-u", "12"], dict(units=12)),
    (["-u", "1_000"], dict(units=1000)),
    (["-u", "32,18"], dict(units=(32, 18))),
    (["--units", "32, 18, 18", "--layers", "3"], dict(units=(32, 18, 18))),
    (["-u", "8,8"], dict(units=8, layers=2)),
    (["-u", "1, 24"], dict(units=(1, 24))),  # spaced: layers, as the refusal suggests
    (["--layers", "3"], dict(layers=3)),
    (["--bidirectional"], dict(bidirectional=True)),
    (["--no-bias"], dict(bias=False)),
    (["--framework", "pytorch", "--proj", "4"], dict(framework="pytorch", proj_size=4)),
    (["--cell", "gru", "--no-reset-after"], dict(cell="gru", reset_after=False)),
    (["--framework", "onnx", "--peepholes"], dict(framework="onnx", peepholes=True)),
    (["--dense", "3"], dict(dense=3)),
    (["--cell", "convlstm", "--kernel", "3,3"], dict(cell="convlstm", kernel=(3, 3))),
    (["--cell", "convlstm", "--kernel", "5"], dict(cell="convlstm", kernel=(5,))),
    (["--cell", "convlstm", "--kernel", "1, 2, 3"], dict(cell="convlstm", kernel=(1, 2, 3))),
]


@pytest.mark.parametrize(("argv", "changes"), FLAGS, ids=[" ".join(a) for a, _ in FLAGS])
def test_every_flag_sets_its_setting(capsys, argv, changes):
    status, out, err = run_main(capsys, *argv, "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    expected = breakdown(**changes)
    for name in SETTING_NAMES:
        assert data["settings"][name] == expected.to_dict()["settings"][name], name
    assert data["total"] == expected.total


def test_the_shared_parser_defaults_are_the_settings_defaults():
    defaults = vars(make_parser("lstm-params", "").parse_args([]))
    assert defaults == asdict(Settings()) | {"steps": None}  # no sequence unless asked


def test_help_states_the_settings_defaults_for_every_valued_flag(monkeypatch):
    from dataclasses import replace

    from lstm_widget import conventions

    # Other defaults than today's, so a help text that spells a number out is caught.
    changed = {"input_size": 7, "units": 6, "layers": 3, "proj_size": 4, "dense": 5,
               "scope": "stack", "heads": 2, "conv_kernel": 3, "ffn_factor": 1.5,
               "proj_factor": 1.5, "qkv_blocksize": 8, "round_to": 32}  # fmt: skip
    table = {
        name: replace(spec, default=changed.get(name, spec.default))
        for name, spec in conventions.SETTINGS.items()
    }
    monkeypatch.setattr(conventions.registry, "SETTINGS", table)
    monkeypatch.setattr("lstm_widget.options.SETTINGS", table)
    valued = [
        action
        for action in make_parser("lstm-params", "")._actions
        # --kernel states no default: a ConvLSTM needs one given, other cells none.
        if action.dest in SETTING_NAMES and not isinstance(action.default, bool | tuple)
    ]
    assert {action.dest for action in valued} == {"framework", "cell", *changed}
    for action in valued:
        assert f"(default: {action.default})" in action.help, action.dest
        assert action.default == changed.get(action.dest, getattr(Settings(), action.dest))


def test_help_lists_every_flag():
    result = run_module("--help")
    assert result.returncode == 0
    flags = "--framework --cell --input --units --layers --bidirectional --no-bias --proj"
    flags += " --no-reset-after --peepholes --kernel --dense --steps"
    extras = ["--json", "--save", "--table"]
    for flag in [*flags.split(), *extras, "--dpi", "--width", "--theme", "--highlight"]:
        assert flag in result.stdout, flag


BAD = [
    (["--units", "0"], "units must be an integer from 1 to 1,000,000,000,000, not 0"),
    (["--units", "-5"], "not -5"),
    (["--units", "abc"], "'abc'"),
    (["--units", "2.5"], "'2.5'"),
    (["--units", ",,5"], "expected whole numbers separated by commas, such as 32,18, not ',,5'"),
    (
        ["--units", "1,0"],
        "units of layer 2 must be an integer from 1 to 1,000,000,000,000, not 0.",
    ),
    (
        ["-u", "1,000"],
        "'1,000' could be one width or one per layer: write one width with _ "
        "(such as 1_024), and layers with a space after each comma (1, 24).",
    ),
    (["-u", "1,024"], "'1,024' could be one width or one per layer"),
    (["-u", "32,180,512"], "'32,180,512' could be one width or one per layer"),
    (
        ["-u", "32,18", "--layers", "3"],
        "units lists 2 widths (32 → 18) but layers=3; give one "
        "width per layer, or leave layers at 1.",
    ),
    (["-u", "32,x"], "expected whole numbers separated by commas, such as 32,18, not '32,x'."),
    (["--units", "\u0665"], "expected a whole number"),  # an Arabic-Indic five
    (["--units", "9" * 31], "not a number of 31 digits"),
    (["--units", "9" * 6000], "a number of 6,000 digits is beyond every setting's range"),
    (["--layers", "0" * 6000 + "700"], "layers must be an integer from 1 to 100, not 700."),
    (["--units", "x" * 6000], "expected a whole number, not 'xxxxx"),
    (["--units"], "expected one argument"),
    (["--input", "0"], "input_size must be an integer from 1 to 1,000,000,000,000"),
    (["--layers", "0"], "layers must be an integer from 1"),
    (["--dense", "-1"], "dense must be an integer from 0 to 1,000,000,000,000"),
    (["--cell", "lstmx"], "'lstmx'"),
    (["--framework", "tensorflow"], "'tensorflow'"),
    (["--proj", "3"], "proj_size=3 applies only to a PyTorch LSTM"),
    (["--framework", "pytorch", "-u", "4", "--proj", "4"], "proj_size=4 must be smaller"),
    (["--framework", "pytorch", "--cell", "gru", "--proj", "2"], "not a PyTorch GRU"),
    (["--framework", "pytorch", "--no-reset-after"], "reset_after=False applies only"),
    (["--peepholes"], "peepholes=True applies only to an ONNX LSTM"),
    (["--kernel", "3,3"], "kernel=(3, 3) applies only to a Keras ConvLSTM, not a Keras LSTM"),
    (["--cell", "convlstm"], "A Keras ConvLSTM needs kernel, a tuple of 1 to 3 sizes"),
    (["--cell", "convlstm", "--kernel", "3,x"], "expected sizes separated by commas such as 3,3"),
    (["--cell", "convlstm", "--kernel", "3,3,3,3"], "not (3, 3, 3, 3)."),
    (["--cell", "convlstm", "--kernel", "3 3"], "such as 3,3, not '3 3'"),
    (["--cell", "convlstm", "--kernel", "3", "--framework", "onnx"], "exists only in Keras"),
    (["--cell", "convlstm", "--kernel", "3", "--peepholes"], "not a Keras ConvLSTM"),
    (["--frobnicate"], "--frobnicate"),
    (["10"], "Unrecognized arguments: 10; lstm-params -h lists every flag."),
    (["--highlight", "f"], "--theme and --highlight style the diagram; add --save FILE"),
    (["--highlight", "forget"], "one of input, recurrent, bias, f, i, candidate, o (or the"),
    (["--theme", "dark"], "'dark'"),
    (["--dpi", "200"], "--dpi and --width size the saved PNG; add --save FILE.png."),
    (["--width", "1280"], "--dpi and --width size the saved PNG; add --save FILE.png."),
    (["--dpi", "high"], "expected a whole number, not 'high'"),
    (["--json", "--table"], "--json and --table each choose what prints; give one."),
]


@pytest.mark.parametrize(("argv", "named"), BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_exits_2_with_one_error_line(capsys, argv, named):
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("lstm-params: error: ")
    assert len(err) < 300, "a long value is shortened, not repeated"
    assert named in err
    assert "Traceback" not in err


BAD_SIZES = [
    ("slide.svg", ["--dpi", "200"], "dpi applies only to PNG: SVG is vector"),
    ("slide.pdf", ["--width", "1280"], "width applies only to PNG: PDF is vector"),
    ("slide.png", ["--dpi", "0"], "dpi must be a number from 1 to 1,200, not 0."),
    ("slide.png", ["--dpi", "1,201"], "dpi must be a number from 1 to 1,200, not 1201."),
    ("slide.png", ["--width", "99"], "from 100 to 10,000, not 99."),
    ("slide.png", ["--width", "10_001"], "from 100 to 10,000, not 10001."),
    ("slide.png", ["--width", "1280", "--dpi", "100"], "give dpi or width, not both"),
]


@pytest.mark.parametrize(("name", "argv", "named"), BAD_SIZES, ids=[n for n, _, _ in BAD_SIZES])
def test_a_size_that_does_not_apply_exits_2_and_writes_nothing(
    capsys, tmp_path, name, argv, named
):
    path = tmp_path / name
    status, out, err = run_main(capsys, "--save", str(path), *argv)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("lstm-params: error: ")
    assert named in err
    assert not path.exists()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_save_prints_only_where_it_wrote_and_the_pngs_size(capsys, tmp_path):
    path = tmp_path / "slide.png"
    status, out, err = run_main(capsys, "-u", "10", "-i", "1", "--save", str(path))
    width, height = png_size(path)
    assert (status, err) == (0, "")
    assert out == f"wrote {path} ({width:,} × {height:,} px)\n"
    vector = tmp_path / "slide.pdf"
    assert run_main(capsys, "-u", "10", "--save", str(vector)) == (0, f"wrote {vector}\n", "")


def test_save_with_table_prints_the_table_then_where_it_wrote(capsys, tmp_path):
    path = tmp_path / "slide.svg"
    status, out, err = run_main(
        capsys, "-u", "10", "-i", "1", "--dense", "1", "--save", str(path), "--table"
    )
    assert (status, err) == (0, "")
    assert out == text_table(breakdown(units=10, input_size=1, dense=1)) + f"\nwrote {path}\n"


def test_save_with_json_keeps_stdout_one_json_document(capsys, tmp_path):
    path = tmp_path / "slide.png"
    status, out, err = run_main(capsys, "-u", "10", "--save", str(path), "--json")
    assert status == 0
    assert json.loads(out)["total"] == breakdown(units=10).total
    assert err.startswith(f"wrote {path} (") and err.count("\n") == 1


def test_width_and_dpi_size_the_png(capsys, tmp_path):
    default, wide, sharp = (tmp_path / f"{name}.png" for name in ("default", "wide", "sharp"))
    assert run_main(capsys, "-u", "10", "--save", str(default))[0] == 0
    assert run_main(capsys, "-u", "10", "--save", str(wide), "--width", "1,920")[0] == 0
    assert run_main(capsys, "-u", "10", "--save", str(sharp), "--dpi", "300")[0] == 0
    (w, h), (ww, wh), (sw, sh) = png_size(default), png_size(wide), png_size(sharp)
    assert ww == 1920 and wh == pytest.approx(h * 1920 / w, abs=2)  # the same picture, scaled
    assert (sw, sh) == (pytest.approx(3 * w, abs=3), pytest.approx(3 * h, abs=3))
    assert wide.read_bytes() == render(breakdown(units=10), "png", width=1920)


def test_a_highlight_the_layer_lacks_exits_2_and_writes_nothing(capsys, tmp_path):
    path = tmp_path / "lstm.svg"
    status, out, err = run_main(capsys, "--save", str(path), "--highlight", "projection")
    assert (status, out) == (2, "")
    assert err == (
        "lstm-params: error: highlight must be one of input, recurrent, bias, f, i, candidate, "
        "o (or the candidate's letter c, g, j), not 'projection'.\n"
    )
    assert not path.exists()


def test_bad_input_in_a_real_process_has_no_traceback():
    result = run_module("--units", "zero", "--cell", "gru")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "lstm-params: error: Argument -u/--units: expected a whole number, not 'zero'."
    ]


def test_a_reader_that_stops_early_gets_no_traceback():
    # The JSON of 100 bidirectional layers is far more than a pipe buffer holds.
    with subprocess.Popen(
        [sys.executable, "-m", "lstm_widget", "--framework", "pytorch", "--layers", "100",
         "--bidirectional", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as cli:  # fmt: skip
        assert cli.stdout is not None and cli.stderr is not None
        first = cli.stdout.readline()
        cli.stdout.close()
        stderr = cli.stderr.read().decode()
        status = cli.wait(timeout=60)
    assert first == b"{\n"
    assert stderr == "" and status == 1


@pytest.mark.parametrize("letter", ["g", "c", "candidate"])
def test_a_gate_may_be_highlighted_by_any_frameworks_letter(capsys, tmp_path, letter):
    from lstm_widget.diagram import render

    path = tmp_path / "lit.svg"
    status, _, err = run_main(
        capsys, "--framework", "pytorch", "--save", str(path), "--highlight", letter
    )
    assert (status, err) == (0, "")
    expected = render(breakdown(framework="pytorch"), "svg", highlight="candidate")
    assert path.read_bytes() == expected


def test_a_stack_of_three_widths_reads_each_layer_in_text_and_json(capsys):
    """``--units 128,64,32``: every layer its own per-unit line and its own element-wise
    figure (5 activations, 3 products, 1 + 4 bias additions per unit of an LSTM), the
    same in the text and the JSON, and no per-layer key holding the sum."""
    argv = ["--units", "128,64,32", "-i", "10", "--dense", "1", "--steps", "20"]
    status, text, _ = run_main(capsys, *argv)
    assert status == 0
    status, out, _ = run_main(capsys, *argv, "--json")
    assert status == 0
    data = json.loads(out)
    inputs, widths = (10, 128, 64), (128, 64, 32)
    per_unit = [4 * (x + h + 1) for x, h in zip(inputs, widths, strict=True)]
    assert [p["per_unit"] for p in data["per_unit"]] == per_unit
    for layer, (p, h) in enumerate(zip(data["per_unit"], widths, strict=True), start=1):
        assert f"Per unit (layer {layer}): {p['text']}" in text
        assert p["text"].endswith(f"= {p['per_unit']:,}; × {h} units = {p['per_unit'] * h:,}")
    elementwise = data["work"]["elementwise_per_step"]
    assert "each_layer" not in elementwise
    assert [e["total"] for e in elementwise["layers"]] == [13 * h for h in widths]
    for layer, e in enumerate(elementwise["layers"], start=1):
        assert (
            f"layer {layer}: {e['activations']:,} activations + {e['products']:,} products + "
            f"{e['additions']:,} additions (biases included) = {e['total']:,}\n"
        ) in text
    assert elementwise["recurrent"]["total"] == 13 * sum(widths) == 2_912
    assert elementwise["total"] == 2_912 + 1  # the head's bias
    assert "every layer: 1,664 + 832 + 416 = 2,912; dense head: 1 bias addition" in text
    assert "in each layer" not in text
