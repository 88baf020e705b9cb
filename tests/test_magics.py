"""``%lstm_params`` in a real IPython shell: loading, output, -o, help and bad input."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from IPython import get_ipython
from IPython.core.error import UsageError
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from lstm_widget import Breakdown, breakdown
from lstm_widget import magics as magics_module
from lstm_widget.conventions import (
    CANDIDATE,
    KERAS,
    CellConvention,
    CellSpec,
    GateSpec,
    register_cell,
    register_framework,
    scratch,
)


@pytest.fixture(scope="module")
def shell() -> Any:
    start_ipython()  # returns the shell only on its first call in a process
    return get_ipython()


@pytest.fixture
def ip(shell: Any) -> Iterator[Any]:
    shell.run_line_magic("load_ext", "lstm_widget")
    yield shell
    shell.run_line_magic("unload_ext", "lstm_widget")
    shell.run_line_magic("reset", "-f")


def _outputs(ip: Any, line: str) -> tuple[Any, list[dict[str, Any]], str]:
    """Run ``%lstm_params line``; return its value, the displayed bundles and stdout."""
    with capture_output() as captured:
        value = ip.run_line_magic("lstm_params", line)
    return value, [output.data for output in captured.outputs], captured.stdout


def assert_refused(ip: Any, cases: dict[str, str]) -> None:
    """Each line refused in one sentence holding its fragment."""
    for line, fragment in cases.items():
        with pytest.raises(UsageError, match=r"^[^\n]*\.$") as raised:
            ip.run_line_magic("lstm_params", line)
        assert fragment in str(raised.value), line


def _run_cell(ip: Any, cell: str) -> tuple[str, str, Any]:
    with capture_output() as captured:
        result = ip.run_cell(cell)
    return captured.stdout, captured.stderr, result


def test_load_unload_reload(shell: Any) -> None:
    line_magics = shell.magics_manager.magics["line"]
    shell.run_line_magic("load_ext", "lstm_widget")
    assert "lstm_params" in line_magics
    shell.run_line_magic("unload_ext", "lstm_widget")
    assert "lstm_params" not in line_magics
    assert not hasattr(shell.magics_manager.user_magics, "lstm_params")
    with pytest.raises(UsageError, match="not found"):
        shell.run_line_magic("lstm_params", "")
    shell.run_line_magic("load_ext", "lstm_widget")
    shell.run_line_magic("reload_ext", "lstm_widget")
    assert "lstm_params" in line_magics
    value, bundles, _ = _outputs(shell, "-o -u 3 -i 2")
    assert value.total == breakdown(units=3, input_size=2).total
    assert len(bundles) == 1
    shell.run_line_magic("unload_ext", "lstm_widget")
    assert "lstm_params" not in line_magics


def test_loading_imports_nothing_heavy_and_drawing_never_pyplot() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output

        heavy = ("matplotlib", "ipywidgets", "torch", "keras")
        ip = InteractiveShell.instance()
        before = [m for m in heavy if m in sys.modules]
        ip.run_line_magic("load_ext", "lstm_widget")
        loaded = [m for m in heavy if m in sys.modules]
        with capture_output():
            ip.run_line_magic("lstm_params", "-u 20 -i 3 --dense 2")
        from matplotlib import _pylab_helpers
        print(json.dumps({
            "before": before,
            "loaded": loaded,
            "matplotlib_after_drawing": "matplotlib" in sys.modules,
            "pyplot": "matplotlib.pyplot" in sys.modules,
            "figures": _pylab_helpers.Gcf.get_num_fig_managers(),
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["before"] == []
    assert facts["loaded"] == []
    assert facts["matplotlib_after_drawing"] is True
    assert facts["pyplot"] is False
    assert facts["figures"] == 0


def test_one_bundle_with_html_png_and_text(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "--units 10 --input 1 --dense 1")
    assert value is None
    assert len(bundles) == 1
    bundle = bundles[0]
    assert set(bundle) == {"text/plain", "text/html", "image/png"}
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = breakdown(units=10, input_size=1, dense=1)
    for mime in ("text/plain", "text/html"):
        assert f"{expected.total:,}" in bundle[mime]
    assert bundle["image/png"] in bundle["text/html"]  # the HTML embeds the same image
    assert "<table" in bundle["text/html"]
    assert "lstm-widget-formula" in bundle["text/html"]
    assert expected.formula.text().splitlines()[0] in bundle["text/plain"]
    assert expected.per_unit[0].text() in bundle["text/plain"]


def test_svg_format_theme_and_highlight(ip: Any) -> None:
    _, plain, _ = _outputs(ip, "-u 4 -i 3 --format svg")
    _, lit, _ = _outputs(ip, "-u 4 -i 3 --format svg --highlight recurrent")
    _, dark, _ = _outputs(ip, "-u 4 -i 3 --format svg --theme high-contrast")
    for bundles in (plain, lit, dark):
        assert set(bundles[0]) == {"text/plain", "text/html", "image/svg+xml"}
        assert "<svg" in bundles[0]["image/svg+xml"]
    svgs = {bundles[0]["image/svg+xml"] for bundles in (plain, lit, dark)}
    assert len(svgs) == 3
    assert "#000000" in dark[0]["text/html"]  # the high-contrast background


def test_dash_o_returns_the_breakdown(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-o --framework pytorch -u 10 -i 1 --layers 2")
    assert isinstance(value, Breakdown)
    assert value.total == breakdown(framework="pytorch", units=10, input_size=1, layers=2).total
    assert len(bundles) == 1
    _, stderr, result = _run_cell(ip, "kept = %lstm_params -o -u 7 -i 2")
    assert result.success and not stderr
    assert ip.user_ns["kept"].total == breakdown(units=7, input_size=2).total


def test_a_conv_lstm_from_the_shared_flags(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-o --cell convlstm --kernel 3,3 -u 16 -i 16")
    assert value.total == 18_496
    assert value.settings.kernel == (3, 3)
    (bundle,) = bundles
    assert "Per filter (layer 1): each filter: " in bundle["text/plain"]
    assert "× 16 filters = 18,496" in bundle["text/html"]


def test_help_does_not_exit_and_shows_examples(ip: Any) -> None:
    for flag in ("-h", "--help", "-u 5 --help"):
        value, bundles, stdout = _outputs(ip, flag)
        assert value is None and bundles == []
        assert "--units" in stdout and "--widget" in stdout and "examples" in stdout
    stdout, _, result = _run_cell(ip, "%lstm_params?")
    assert result.success
    for text in (
        "--units",
        "--proj",
        "-o",
        "%lstm_params model",
        "%lstm_params --widget",
        "--quiz",
        "--guess N",
        "--quiz-wants",
        "--quiz-timesteps",
    ):
        assert text in stdout


BAD_LINES = {
    "--units x": "'x'",
    "--units 0": "units must be an integer from 1 to 1,000,000,000,000, not 0",
    "--units -3": "not -3",
    "--cell lstmm": "lstmm",
    "--framework tensorflow": "tensorflow",
    "--bogus": "Unrecognized arguments: --bogus; %lstm_params -h lists every flag.",
    "--proj 5 -u 10": "proj_size=5",
    "--framework pytorch --proj 10 -u 10": "smaller than",
    "--layers 0": "layers",
    "--layers 1000": "not 1,000.",
    "--units 32,18 --layers 3": "units lists 2 widths (32 → 18) but layers=3; give one width "
    "per layer, or leave layers at 1.",
    "--units 32,,18": "expected whole numbers separated by commas, such as 32,18, not '32,,18'.",
    "--no-reset-after": "reset_after",
    "--peepholes --framework pytorch": "peepholes",
    "--theme dark": "dark",
    "--format jpg": "jpg",
    "--highlight forget": "highlight must be one of",
    "--kernel 3": "kernel=(3,) applies only to a Keras ConvLSTM",
    "--cell convlstm --kernel 3,3 --framework pytorch": "exists only in Keras, not in PyTorch",
    "--highlight f --cell gru": "'f'",
    "--highlight peephole": "one of input, recurrent, bias, f, i, candidate, o (or the "
    "candidate's letter c, g, j), not 'peephole'.",
    "--widget --highlight projection": "not 'projection'",
    "--dense": "--dense",
    "-u 10 first second": "second",
    '--units "10': "quotation",
    "not_defined_anywhere": "not_defined_anywhere",
    "1abc": "1abc",
    "nothing_here.attribute": "'nothing_here' is not defined",
    "-u 10 --flag-nobody-has  # a comment": "--flag-nobody-has",
    "--compare colour=red": "not 'colour=red'.",
    "--compare proj_size=5": "proj_size",
    "--compare units=many": "units must be an integer, not 'many'.",
    "--guess twenty": "A guess is a whole number such as 480, not 'twenty'.",
    "--guess -5": "not '-5'.",
    "--quiz-wants model --dense 1": "add --quiz or --guess N.",
    "--quiz-timesteps 3": "add --quiz or --guess N.",
    "--quiz --quiz-wants all": "'all'",
    "--quiz --quiz-wants model": "only when it has a dense head.",
    "--quiz --quiz-timesteps=-1": "timesteps must be an integer from 0 up, not -1.",
    "--quiz --compare framework=pytorch": "guess first, then compare.",
    "--quiz --cell convlstm --kernel 3,3": "its kernel area multiplies",
}


@pytest.mark.parametrize("line", sorted(BAD_LINES))
def test_bad_input_is_one_usage_error_sentence(ip: Any, line: str) -> None:
    with pytest.raises(UsageError) as raised:
        ip.run_line_magic("lstm_params", line)
    message = str(raised.value)
    assert BAD_LINES[line] in message
    assert "\n" not in message
    stdout, stderr, result = _run_cell(ip, f"%lstm_params {line}")
    assert not result.success
    assert "Traceback" not in stdout + stderr
    assert stderr.strip() == f"UsageError: {message}"


def test_name_errors_in_the_namespace(ip: Any) -> None:
    ip.user_ns["number"] = 42
    ip.user_ns["holder"] = type("Holder", (), {"broken": property(lambda self: 1 / 0)})()
    cases = {
        "number": "number is an int",
        "holder.missing": "'holder' has no attribute 'missing'.",
        "holder.broken": "Reading holder.broken failed: ZeroDivisionError: division by zero.",
        "number --units 5": "drop the setting flags (units)",
        "number --widget": "--widget",
        "number --highlight f": "--highlight applies to the diagram drawn from flags",
        "number --format svg --highlight f": "drop --highlight and --format",
        "number --compare framework=pytorch": "--compare compares settings given as flags",
        "number --quiz": "--quiz and --guess ask about settings given as flags",
        "number --guess 480": "--quiz and --guess ask about settings given as flags",
    }
    for line, fragment in cases.items():
        with pytest.raises(UsageError, match=r"^[^\n]*$") as raised:
            ip.run_line_magic("lstm_params", line)
        assert fragment in str(raised.value)


def test_a_trailing_comment_is_ignored(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-o -u 10 -i 1 --dense 1  # the classic question, '480?'")
    assert value.settings == breakdown(units=10, input_size=1, dense=1).settings
    assert len(bundles) == 1


def test_name_is_looked_up_never_evaluated(ip: Any) -> None:
    ip.user_ns["calls"] = []
    line = "calls.append(1)"
    with pytest.raises(UsageError):
        ip.run_line_magic("lstm_params", line)
    assert ip.user_ns["calls"] == []


def test_widget_falls_back_to_static_output_in_a_terminal(ip: Any) -> None:
    value, bundles, stdout = _outputs(ip, "--widget -o -u 12 -i 3")
    assert "No widget frontend" in stdout
    assert len(bundles) == 1 and "image/png" in bundles[0]
    assert isinstance(value, Breakdown) and value.settings.units == 12


def test_units_per_layer_count_a_stack_of_different_widths(ip: Any) -> None:
    value, _, _ = _outputs(ip, "-o --units 32,18 -i 3 --dense 1")
    assert isinstance(value, Breakdown)
    assert value.settings.units == (32, 18) and value.settings.layers == 2
    assert value.layer_totals == (4_608, 3_672) and value.total == 8_299


def test_widget_opens_the_preset_panel_in_a_kernel(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(magics_module, "has_widget_frontend", lambda shell: True)
    value, bundles, _ = _outputs(
        ip, "--widget -o --framework pytorch --cell gru -u 64 -i 32 --theme high-contrast"
    )
    from lstm_widget import Panel

    assert isinstance(value, Panel)
    assert value.controls["units"].value == 64
    assert value.controls["cell"].value == "gru"
    assert value.controls["framework"].value == "pytorch"
    assert value.theme.value == "high-contrast"
    assert (
        value.result.total
        == breakdown(framework="pytorch", cell="gru", units=64, input_size=32).total
    )
    assert len(bundles) == 1
    assert "application/vnd.jupyter.widget-view+json" in bundles[0]


def test_widget_with_a_bad_highlight_or_a_format_is_one_usage_error(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(magics_module, "has_widget_frontend", lambda shell: True)
    with pytest.raises(UsageError, match=r"^highlight must be one of[^\n]*'f'") as raised:
        ip.run_line_magic("lstm_params", "--widget --cell gru --highlight f")
    with pytest.raises(UsageError) as static:  # the same sentence without --widget
        ip.run_line_magic("lstm_params", "--cell gru --highlight f")
    assert str(raised.value) == str(static.value)
    with pytest.raises(UsageError, match=r"^--format sets the static output's image"):
        ip.run_line_magic("lstm_params", "--widget --format png")


@pytest.mark.frameworks
def test_name_explains_a_keras_model(ip: Any) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    model = keras.Sequential(
        [
            keras.Input((3, 1)),
            keras.layers.LSTM(10, return_sequences=True),
            keras.layers.TimeDistributed(keras.layers.Dense(1)),
        ]
    )
    ip.user_ns["model"] = model
    value, bundles, _ = _outputs(ip, "model -o")
    assert value.matches
    assert value.framework_total == model.count_params()
    assert len(bundles) == 1 and set(bundles[0]) == {"text/plain", "text/html"}
    assert f"{model.count_params():,}" in bundles[0]["text/plain"]
    # the whole model's strip leads, and each explained layer is drawn too, as the flag
    # form of the magic draws it
    html = bundles[0]["text/html"]
    assert html.count('<img src="data:image/png;base64,') == 1 + len(value.items)
    assert html.index('alt="Strip. ') < html.index("lstm-widget-summary")


@pytest.mark.frameworks
def test_name_explains_a_pytorch_module_and_its_attribute(ip: Any) -> None:
    import torch

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = torch.nn.LSTM(8, 16, num_layers=2, bidirectional=True, proj_size=4)
            self.head = torch.nn.Linear(8, 3)

    model = Tagger()
    ip.user_ns["tagger"] = model
    whole, bundles, _ = _outputs(ip, "tagger -o")
    assert whole.matches
    assert whole.framework_total == sum(p.numel() for p in model.parameters())
    assert f"{whole.framework_total:,}" in bundles[0]["text/html"]
    part, _, _ = _outputs(ip, "tagger.rnn -o")
    assert part.framework_total == sum(p.numel() for p in model.rnn.parameters())


def test_a_frameworks_gate_letter_highlights_the_same_gate(ip: Any) -> None:
    _, by_name, _ = _outputs(ip, "--cell gru --format svg --highlight candidate")
    for letter in ("h", "n"):  # Keras's and PyTorch's letter for a GRU's candidate
        _, by_letter, _ = _outputs(ip, f"--cell gru --format svg --highlight {letter}")
        assert by_letter[0]["image/svg+xml"] == by_name[0]["image/svg+xml"]


def test_compare_states_each_difference_and_draws_the_side_with_more(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-o -u 10 -i 1 --compare framework=pytorch")
    from lstm_widget.compare import Comparison

    assert isinstance(value, Comparison)
    assert value.before.settings.framework == "keras"
    assert value.after.settings.framework == "pytorch"
    (bundle,) = bundles
    assert bundle["text/plain"].splitlines()[:2] == [
        "Keras LSTM: 480 → PyTorch LSTM: 520 (+40)",
        "PyTorch LSTM adds a second bias per gate: 4 × 10 = 40",
    ]
    assert "a second bias per gate</span>: <b>4 × 10 = 40</b>" in bundle["text/html"]
    assert "PyTorch LSTM: 520 parameters" in bundle["text/html"]  # the drawn side's alt text
    assert "image/png" in bundle


def test_compare_with_widget_presets_the_panels_selector(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(magics_module, "has_widget_frontend", lambda shell: True)
    value, _, _ = _outputs(ip, "--widget -o --cell gru --compare reset_after=false")
    assert value.compare.value == "reset_after=False"
    assert value.compared.sentences() == [
        "Keras GRU with reset_after=False drops a second bias per gate: 3 × 10 = 30"
    ]
    value.close()


def test_quiz_asks_with_every_count_hidden_and_says_how_to_answer(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-o --quiz -u 10 -i 1 --dense 1 --quiz-timesteps 3")
    from lstm_widget.quiz import Question

    assert isinstance(value, Question) and value.timesteps == 3
    (bundle,) = bundles
    lines = bundle["text/plain"].splitlines()
    assert lines[:3] == [
        "How many parameters has the Keras LSTM layer alone (not its dense head)?",
        "Sequential([Input(shape=(3, 1)), LSTM(10), Dense(1)])",
        "Answer: %lstm_params --guess N -u 10 -i 1 --dense 1 --quiz-timesteps 3",
    ]
    assert "Keras LSTM: ? parameters" in lines
    for count in ("480", "491", "120", "48", "400"):
        assert count not in bundle["text/plain"]
        assert count not in bundle["text/html"].split("<img")[0]
    assert "counts hidden" in bundle["text/html"] and "image/png" in bundle


def test_guess_is_diagnosed_and_the_diagram_marks_the_missed_term(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-o --guess 120 -u 10 -i 1 --format svg")
    from lstm_widget.quiz import Verdict

    assert isinstance(value, Verdict) and not value.right and value.marks == ("recurrent",)
    (bundle,) = bundles
    assert "120 is not it. Each unit reads all 10 previous outputs" in bundle["text/plain"]
    assert "480" in bundle["text/plain"]  # revealed
    _, marked, _ = _outputs(ip, "-u 10 -i 1 --format svg --highlight recurrent")
    assert bundle["image/svg+xml"] == marked[0]["image/svg+xml"]
    # A tie offers each wrong formula; a right guess is confirmed and marks nothing.
    _, tie, _ = _outputs(ip, "--guess 360 -u 10 -i 1")
    assert " Or: " in tie[0]["text/plain"]
    value, plain, _ = _outputs(ip, "-o --guess 1,760 -u 20 -i 1 --format svg")
    assert value.right and "Right: 1,760." in plain[0]["text/plain"]
    _, unmarked, _ = _outputs(ip, "-u 20 -i 1 --format svg")
    assert plain[0]["image/svg+xml"] == unmarked[0]["image/svg+xml"]


def test_guess_with_widget_checks_it_in_the_panel(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(magics_module, "has_widget_frontend", lambda shell: True)
    value, _, _ = _outputs(ip, "--widget -o --guess 131 --dense 1 --quiz-wants model")
    try:
        assert value.quiz.value and value.question.wants == "model"
        assert value.last_verdict is not None and value.last_verdict.guess == 131
        assert "all 10 previous outputs" in value.verdict.value  # the seed plus the head
    finally:
        value.close()
    value, _, _ = _outputs(ip, "--widget -o --quiz")
    try:
        assert value.question is not None and value.last_verdict is None
    finally:
        value.close()


def test_steps_add_the_work_to_the_output_and_to_an_explained_model(ip: Any) -> None:
    value, bundles, _ = _outputs(ip, "-i 64 -u 128 --steps 50 -o")
    assert value.work.macs == 4_915_200
    for kind in ("text/plain", "text/html"):
        assert "4,915,200 MACs" in bundles[0][kind], kind
    for other in ("--widget", "--compare framework=pytorch", "--quiz", "--guess 480"):
        with pytest.raises(UsageError, match=r"^--steps adds the work to one layer's static"):
            ip.run_line_magic("lstm_params", f"{other} --steps 5")
    with pytest.raises(UsageError, match=r"^steps must be an integer from 1"):
        ip.run_line_magic("lstm_params", "--steps 0")


@pytest.mark.frameworks
def test_steps_with_a_name_count_each_recurrent_layers_work(ip: Any) -> None:
    import torch

    ip.user_ns["encoder"] = torch.nn.GRU(8, 16, num_layers=2)
    report, bundles, _ = _outputs(ip, "encoder --steps 10 -o")
    (item,) = report.items
    assert item.breakdown.steps == 10
    assert item.breakdown.work.macs == 10 * (3 * 16 * (8 + 16) + 3 * 16 * (16 + 16))
    assert f"{item.breakdown.work.macs:,} MACs" in bundles[0]["text/plain"]


@pytest.mark.frameworks
def test_example_runs_a_pytorch_model_for_its_shapes_and_work(ip: Any) -> None:
    import torch

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(4, 8, batch_first=True)
            self.head = torch.nn.Linear(8, 3)

        def forward(self, x: Any) -> Any:
            return self.head(self.lstm(x)[0][:, -1])

    ip.user_ns["model"] = Classifier()
    ip.user_ns["batch"] = torch.randn(2, 5, 4)
    report, bundles, _ = _outputs(ip, "model --example batch --steps 5 -o")
    assert [row.output_shape for row in report.rows()] == ["(2, 5, 8)", "(2, 3)"]
    assert report.sequence_macs() == 5 * 4 * 8 * (4 + 8) + 8 * 3  # the head runs once
    assert f"Whole model: {report.sequence_macs():,} MACs" in bundles[0]["text/plain"]
    ip.user_ns["wrong"] = torch.randn(2, 5, 7)
    cases = {
        "model --example missing": "'missing' is not defined in this namespace; define the batch",
        "--example batch -u 3": "--example gives a PyTorch model NAME an input to run on",
        "model --example wrong": "model (Classifier) cannot run on the example given: Runtime",
        "model --example 1+1": "--example must be a variable name such as batch",
    }
    assert_refused(ip, cases)


@pytest.mark.frameworks
def test_json_shows_a_named_models_report_or_a_breakdown_as_data(ip: Any) -> None:
    import keras

    x = keras.Input((None, 3))
    ip.user_ns["model"] = keras.Model(x, keras.layers.Dense(2)(keras.layers.GRU(4)(x)))
    report, bundles, _ = _outputs(ip, "model --steps 6 --json -o")
    (bundle,) = bundles
    assert bundle["application/json"] == report.to_dict()
    assert json.loads(bundle["text/plain"]) == report.to_dict()
    assert bundle["application/json"]["sequence_macs"] == 6 * 3 * 4 * (3 + 4) + 4 * 2
    result, bundles, _ = _outputs(ip, "-u 10 -i 1 --json -o")
    assert bundles == [{"application/json": result.to_dict(),
                        "text/plain": json.dumps(result.to_dict(), indent=2)}]  # fmt: skip
    cases = {
        "-u 3 --json --highlight bias": "--highlight styles the diagram, which --json does",
        "--json --widget": "--json shows one layer's breakdown as data",
        "--json --compare framework=pytorch": "--json shows one layer's breakdown as data",
    }
    assert_refused(ip, cases)


#: A cell registered after the magic's first use: the minimal gated unit (a forget gate
#: and a candidate), in Keras, whose builder writes any gate order.
MGU = CellSpec("mgu", "MGU", (GateSpec("f", "forget gate"), GateSpec(CANDIDATE, CANDIDATE)), "mgu")
MGU_IN_KERAS = CellConvention("MGU", ("f", "h"), candidate="h", tensor_prefix="mgu")


def _cell_flag(help_text: str) -> tuple[str, str]:
    """``--cell``'s choices and its help sentence, out of the magic's help."""
    entry = " ".join(help_text[help_text.index("  --cell") : help_text.index("  -i X")].split())
    listed, sentence = entry.removeprefix("--cell {").split("} ", 1)
    return listed, sentence


def test_a_cell_registered_after_first_use_is_a_choice_and_in_the_help(ip: Any) -> None:
    """The magic's parser follows the registry: a cell registered once the magic has
    run is one of ``--cell``'s choices, named in ``--help`` and ``%lstm_params?``, and
    gone from them when the registry is put back."""
    _, _, before = _outputs(ip, "--help")  # first use: the parser is made
    assert "mgu" not in _cell_flag(before)[0]
    with scratch():
        register_cell(MGU)
        register_framework(replace(KERAS, cells={**KERAS.cells, "mgu": MGU_IN_KERAS}))
        _, _, stdout = _outputs(ip, "--help")
        listed, sentence = _cell_flag(stdout)
        assert listed.split(",")[-1] == "mgu" and sentence.endswith(" or mgu (default: lstm)")
        inspected, _, result = _run_cell(ip, "%lstm_params?")
        assert result.success and " or mgu (default: lstm)" in " ".join(inspected.split())
        value, _, _ = _outputs(ip, "-o --json --cell mgu -u 4 -i 3")
        assert value.total == 2 * (3 * 4 + 4 * 4 + 4)  # two blocks of x·h + h·h + h
    _, _, after = _outputs(ip, "--help")
    assert _cell_flag(after) == _cell_flag(before)
    assert_refused(ip, {"--cell mgu": "mgu"})
