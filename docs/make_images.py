"""Regenerate the documentation's diagram and growth images: ``python docs/make_images.py``.

Each image is rendered with :func:`lstm_widget.render` (the growth plot with
:func:`lstm_widget.growth`) and stored as a 64-colour palette PNG (they use a dozen
flat colours plus anti-aliasing), which keeps the repository small without visible
loss.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from lstm_widget import growth, render

FOLDER = Path(__file__).resolve().parent / "images"

SEED: dict[str, Any] = {"units": 10, "input_size": 1, "dense": 1}

#: File name: (settings, render options).
IMAGES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "seed.png": (SEED, {}),
    "seed-high-contrast.png": (SEED, {"theme": "high-contrast"}),
    "seed-lecture.png": (SEED, {"theme": "high-contrast", "variant": "lecture"}),
    "pytorch-bidirectional-projection.png": (
        dict(
            framework="pytorch", input_size=10, units=20, layers=3, bidirectional=True, proj_size=5
        ),
        {},
    ),
    "keras-gru-reset-after.png": ({"cell": "gru", "input_size": 4, "units": 5}, {}),
    "keras-gru-reset-before.png": (
        {"cell": "gru", "input_size": 4, "units": 5, "reset_after": False},
        {},
    ),
    "onnx-peepholes.png": (
        {"framework": "onnx", "input_size": 1, "units": 10, "peepholes": True},
        {},
    ),
    # Two ConvLSTM2D(16, (3, 3)) on 1 channel: 9,856, then 18,496; the second drawn.
    "keras-convlstm2d.png": (
        {"cell": "convlstm", "kernel": (3, 3), "input_size": 1, "units": 16, "layers": 2},
        {"block": (1, "forward")},
    ),
}


def _store(name: str, png: bytes) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(FOLDER / name, optimize=True)
    print(f"{name}: {(FOLDER / name).stat().st_size // 1024} KB")


def main() -> None:
    for name, (settings, options) in IMAGES.items():
        _store(name, render(settings, "png", dpi=110, **options))
    buffer = io.BytesIO()
    growth(SEED, over="units").savefig(buffer, format="png", dpi=110)
    _store("growth-units.png", buffer.getvalue())


if __name__ == "__main__":
    main()
