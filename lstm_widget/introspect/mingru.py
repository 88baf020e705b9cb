"""Reading lucidrains' minGRU-pytorch modules in a live PyTorch model.

A ``minGRU`` or ``minLSTM`` module is one recurrent family: one row holding its
``nn.Linear`` layers (the gates' and candidate's, and ``to_out`` where it projects),
counted as the registry's ``mingru_pytorch`` convention stores it. Its sizes are read
off those layers: ``dim`` is the Linear's input, the units its output over the number
of blocks, and a ``to_out`` Linear projects back to ``dim``. The package's language
model (``minLM``) is read as any PyTorch model, each of its minGRU or minLSTM modules a
row of its own.

The package is never imported here: a module is recognised by its class's name and the
package it comes from, so a model without it costs nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from ..conventions import framework_spec
from ._families import register_family
from ._folding import counted

#: The convention this package's modules are counted as.
FRAMEWORK = "mingru_pytorch"
#: The package's top-level module, which its classes come from.
PACKAGE = "minGRU_pytorch"


def _cell(module: Any) -> str:
    """The registry's cell ``module`` is an instance of; "" for any other module."""
    cells = {layout.class_name: cell for cell, layout in framework_spec(FRAMEWORK).cells.items()}
    return next(
        (
            cells[base.__name__]
            for base in type(module).__mro__
            if base.__name__ in cells and base.__module__.partition(".")[0] == PACKAGE
        ),
        "",
    )


def is_family(module: Any) -> bool:
    """Whether ``module`` is the package's minGRU or minLSTM."""
    return bool(_cell(module))


def read(module: Any) -> dict[str, Any]:
    """The module's settings, read off its Linear layers, counted as the convention."""
    cell = _cell(module)
    layout = framework_spec(FRAMEWORK).cells[cell]
    fused = getattr(module, layout.tensor_prefix)
    projecting = hasattr(module.to_out, "in_features")  # a Linear, not an Identity
    return counted(
        {
            "cell": cell,
            "framework": FRAMEWORK,
            "input_size": fused.in_features,
            "units": fused.out_features // len(layout.gate_order),
            "proj_size": module.to_out.out_features if projecting else 0,
        }
    )


def forward_work_unknown(module: Any) -> str:
    """Always "": a forward over a sequence runs each Linear once per position (the
    scan that follows multiplies no matrix), a step's work once a step."""
    return ""


# The module itself is this package's reader (is_family, read, forward_work_unknown).
register_family(PACKAGE, sys.modules[__name__])
