"""``lstm-params`` / ``python -m lstm_widget``: the breakdown in a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .counting import SettingsError, breakdown
from .options import make_parser, settings_from
from .report import text_table


def _parser() -> argparse.ArgumentParser:
    parser = make_parser(
        "lstm-params",
        "Show every trainable weight of a recurrent layer, exactly as Keras, PyTorch "
        "or ONNX count them, with the formula and the per-unit reading.",
    )
    parser.add_argument("--json", action="store_true", help="print the breakdown as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    try:
        args = _parser().parse_args(argv)
        result = breakdown(settings_from(args))
    except SettingsError as error:
        print(f"lstm-params: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2) if args.json else text_table(result))
    return 0
