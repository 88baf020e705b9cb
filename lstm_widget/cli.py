"""``lstm-params`` / ``python -m lstm_widget``: the breakdown in a terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .counting import Breakdown, SettingsError, breakdown
from .options import (
    CLI_RULES,
    FlagParser,
    add_diagram_arguments,
    add_png_size_arguments,
    check_combinations,
    make_parser,
    settings_from,
)
from .report import text_table


def parser() -> FlagParser:
    """The command line's parser: every setting flag, then its own (also read by the
    documentation's flag reference)."""
    made = make_parser(
        "lstm-params",
        "Show every trainable weight of a recurrent layer, exactly as Keras, PyTorch "
        "or ONNX count them, with the formula and the per-unit reading.",
    )
    made.add_argument("--json", action="store_true", help="print the breakdown as JSON")
    made.add_argument(
        "--save",
        metavar="FILE",
        type=Path,
        help="write the block diagram to FILE (.png, .svg or .pdf picks the format) and "
        "print only where it went",
    )
    made.add_argument("--table", action="store_true", help="with --save, print the table as well")
    add_diagram_arguments(made)
    add_png_size_arguments(made)
    return made


def _save_diagram(result: Breakdown, args: argparse.Namespace) -> str:
    """Write the diagram; the line saying where (and, for a PNG, its size in pixels).

    matplotlib loads only when a picture is asked for.
    """
    path: Path = args.save
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise SettingsError(f"--save needs a .png, .svg or .pdf file name, not {str(path)!r}.")
    from .diagram import render

    image = render(
        result, fmt, theme=args.theme, highlight=args.highlight, dpi=args.dpi, width=args.width
    )
    try:
        path.write_bytes(image)
    except OSError as error:
        raise SettingsError(f"cannot write {str(path)!r}: {error.strerror}.") from None
    if fmt != "png":
        return f"wrote {path}"
    # A PNG's IHDR chunk, first after the signature, holds its width and height.
    width, height = (int.from_bytes(image[at : at + 4], "big") for at in (16, 20))
    return f"wrote {path} ({width:,} × {height:,} px)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    try:
        flags = parser()
        args = flags.parse_args(argv)
        result = breakdown(settings_from(args), steps=args.steps)
        result.highlights.resolve(args.highlight)  # a bad name first, then a missing --save
        check_combinations(flags, args, CLI_RULES)
        if args.save:
            wrote = _save_diagram(result, args)
    except SettingsError as error:
        print(f"lstm-params: error: {error}", file=sys.stderr)
        return 2
    try:
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        elif args.table or not args.save:
            print(text_table(result))
        if args.save:
            # Beside JSON, the line goes to stderr: stdout stays one JSON document.
            print(wrote, file=sys.stderr if args.json else sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (say `| head`) stopped early, which is no error of ours. Point
        # stdout at devnull, or Python's own flush at exit raises the same again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    return 0
