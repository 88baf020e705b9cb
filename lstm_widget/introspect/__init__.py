"""Explain a live model: framework-neutral assembly, one adapter module per framework.

:func:`explain` recognises the framework by the modules the object's classes come
from and hands it to that framework's :class:`Adapter` (``keras.py``, ``torch.py``,
``tensorflow.py``, ``flax.py``), registered against the
:attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key of its convention
(``_registry.py``); ``_folding.py`` turns what the adapter found into a
:class:`ModelReport` (``_model_report.py``) made of the records in ``_records.py``.
All of it is data: the presentation modules above print, display and draw it.
Importing this package imports no framework: an adapter imports its framework only
when handed one of its objects.
"""

from __future__ import annotations

# Each registers its adapter, or its package's family reader for the PyTorch adapter.
from . import flax, keras, mingru, tensorflow, torch, xlstm  # noqa: F401
from ._folding import explain
from ._model_report import ModelReport, RowWork
from ._records import (
    FOLDS_FROM,
    CountedLayer,
    ExplainedLayer,
    FoldedLayer,
    IntrospectionError,
    Layer,
    RepeatedRows,
    RowFamily,
    Runs,
    Sharing,
    SummaryRow,
    UnexplainedLayer,
    Walk,
    WeightlessLayer,
    fold_repeats,
)
from ._registry import Adapter, register_adapter

__all__ = [
    "FOLDS_FROM",
    "Adapter",
    "CountedLayer",
    "ExplainedLayer",
    "FoldedLayer",
    "IntrospectionError",
    "Layer",
    "ModelReport",
    "RepeatedRows",
    "RowFamily",
    "RowWork",
    "Runs",
    "Sharing",
    "SummaryRow",
    "UnexplainedLayer",
    "Walk",
    "WeightlessLayer",
    "explain",
    "fold_repeats",
    "register_adapter",
]
