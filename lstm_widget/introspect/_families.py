"""Recurrent families from packages built on a framework: modules read as one row each.

A package may build its recurrent layers out of a framework's own modules (xlstm's
sLSTM and mLSTM blocks, minGRU-pytorch's minGRU and minLSTM out of ``nn.Linear``).
Each such package registers a :class:`Family` reader here, and the framework's adapter
asks every reader: the outermost module a reader recognises is one row, holding the
tensors of every module inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..conventions import CodeTable


class Family(Protocol):
    """One package's recurrent modules: which they are, what they count, and whether a
    forward over a sequence is their step's work once a step."""

    def is_family(self, module: Any) -> bool:
        """Whether ``module`` is one of the package's recurrent modules."""
        ...

    def read(self, module: Any) -> dict[str, Any]:
        """What ``module`` is to the adapter: recurrent settings (``counted``), a layer
        counted from a spec (``other``), or the reason it cannot be counted."""
        ...

    def forward_work_unknown(self, module: Any) -> str:
        """Why a forward over a sequence is not the step's work once a step; "" when it is."""
        ...


#: Family readers by the package they read.
FAMILIES: CodeTable[Family] = CodeTable("family reader", "register_family")


def register_family(key: str, family: Family) -> None:
    """Register ``family`` as the reader of the package ``key`` names."""
    FAMILIES[key] = family


def _reader(module: Any) -> Family | None:
    return next((f for f in FAMILIES.values() if f.is_family(module)), None)


def is_family(module: Any) -> bool:
    """Whether ``module`` is a recurrent module of a registered package."""
    return _reader(module) is not None


def read(module: Any) -> dict[str, Any]:
    """What the family ``module`` is to the adapter (see :meth:`Family.read`)."""
    reader = _reader(module)
    assert reader is not None, "read() is asked only about families"
    return reader.read(module)


def forward_work_unknown(module: Any) -> str:
    """Why the family ``module``'s forward is not its step repeated; "" when it is."""
    reader = _reader(module)
    return reader.forward_work_unknown(module) if reader is not None else ""


def family_roots(named_modules: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The outermost families among ``named_modules`` (``model.named_modules()``), by
    path: each is one row, and what is inside it belongs to it."""
    roots: dict[str, Any] = {}
    for path, module in named_modules:
        if is_family(module) and not within(path, roots):
            roots[path] = module
    return roots


def within(path: str, roots: Iterable[str]) -> bool:
    """Whether the module at ``path`` sits inside one of ``roots`` (not one itself)."""
    return any(path != root and (not root or path.startswith(f"{root}.")) for root in roots)
