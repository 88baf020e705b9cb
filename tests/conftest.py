"""Shared test setup.

Keras 3 picks its backend once, at first import; the tests use the PyTorch backend
(the one installed with the ``test`` extra), so it is set before any test module
imports keras.
"""

import os
from pathlib import Path
from types import EllipsisType

import numpy as np
import pytest

from lstm_widget import Breakdown

os.environ.setdefault("KERAS_BACKEND", "torch")


def _numpy_index(index: str) -> tuple[int | slice | EllipsisType, ...]:
    """``"[0, 4:8, :]"`` as a numpy index; ``""`` selects the whole tensor."""
    if not index:
        return (...,)
    parts: list[int | slice | EllipsisType] = []
    for part in index.strip("[]").split(", "):
        if part == ":":
            parts.append(slice(None))
        elif ":" in part:
            start, stop = part.split(":")
            parts.append(slice(int(start), int(stop)))
        else:
            parts.append(int(part))
    return tuple(parts)


def _check_groups_tile_tensors(b: Breakdown) -> None:
    """Every element of every tensor belongs to exactly one group of the right shape."""
    covered = {name: np.zeros(shape, dtype=int) for name, shape in b.tensors().items()}
    for group in b.groups:
        assert group.tensor_shape == b.tensors()[group.tensor], group.name
        view = covered[group.tensor][_numpy_index(group.index)]
        assert view.shape == group.shape, group.name
        assert view.size == group.count, group.name
        view += 1
    for name, marks in covered.items():
        assert (marks == 1).all(), f"{name} is not covered exactly once by its groups"
        assert sum(g.count for g in b.groups if g.tensor == name) == marks.size


@pytest.fixture(scope="session")
def check_groups_tile_tensors():
    """The check above, as a fixture so hypothesis tests in any module can use it."""
    return _check_groups_tile_tensors


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core's browser script, installed once a session for the pages' audits."""
    from axe_support import install_axe
    from browser_support import require_npm

    require_npm("the accessibility audit")
    scratch: Path = tmp_path_factory.mktemp("axe")
    return install_axe(scratch)
