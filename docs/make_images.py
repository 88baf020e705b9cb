"""Regenerate the README's diagram images: ``python docs/make_images.py``.

Each image is rendered with :func:`lstm_widget.render` and stored as a 64-colour
palette PNG (the diagrams use a dozen flat colours plus anti-aliasing), which keeps
the repository small without visible loss.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from lstm_widget import render

DOCS = Path(__file__).resolve().parent

IMAGES: dict[str, tuple[dict[str, Any], str]] = {
    "seed.png": ({"units": 10, "input_size": 1, "dense": 1}, "light"),
    "seed-high-contrast.png": ({"units": 10, "input_size": 1, "dense": 1}, "high-contrast"),
    "pytorch-bidirectional-projection.png": (
        dict(
            framework="pytorch", input_size=10, units=20, layers=3, bidirectional=True, proj_size=5
        ),
        "light",
    ),
    "keras-gru-reset-after.png": ({"cell": "gru", "input_size": 4, "units": 5}, "light"),
    "keras-gru-reset-before.png": (
        {"cell": "gru", "input_size": 4, "units": 5, "reset_after": False},
        "light",
    ),
    "onnx-peepholes.png": (
        {"framework": "onnx", "input_size": 1, "units": 10, "peepholes": True},
        "light",
    ),
}


def main() -> None:
    for name, (settings, theme) in IMAGES.items():
        png = render(settings, "png", theme=theme, dpi=110)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(DOCS / name, optimize=True)
        print(f"{name}: {(DOCS / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
