"""Explain a live model: framework-neutral assembly, one adapter module per framework.

:func:`explain` recognises the framework by the modules the object's classes come
from and hands it to that framework's :class:`Adapter` (``keras.py``, ``torch.py``,
``tensorflow.py``, ``flax.py``),
registered against the :attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key of
its convention; ``_assembly.py`` turns what the adapter found into a
:class:`ModelReport`. Importing this package imports no framework: an adapter imports
its framework only when handed one of its objects.
"""

from __future__ import annotations

from . import flax, keras, tensorflow, torch  # noqa: F401  (each registers its adapter)
from ._assembly import (
    Adapter,
    ExplainedLayer,
    FoldedLayer,
    IntrospectionError,
    Layer,
    ModelReport,
    UnexplainedLayer,
    Walk,
    WeightlessLayer,
    explain,
    register_adapter,
)

__all__ = [
    "Adapter",
    "ExplainedLayer",
    "FoldedLayer",
    "IntrospectionError",
    "Layer",
    "ModelReport",
    "UnexplainedLayer",
    "Walk",
    "WeightlessLayer",
    "explain",
    "register_adapter",
]
