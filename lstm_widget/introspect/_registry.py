"""The adapter registry: one :class:`Adapter` per framework that can read live models,
registered against the :attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key of its
convention."""

from __future__ import annotations

from typing import Protocol

from ..conventions import FRAMEWORK_SPECS, CodeTable, Framework, framework_spec, with_article
from ._records import IntrospectionError, Walk


class Adapter(Protocol):
    """One framework's introspection: how to read its live models.

    ``packages`` are the top-level modules its classes come from (how a model is
    recognised without importing the framework); ``accepts`` names what it reads, for
    the sentence refusing anything else; ``total_source`` says how its users count a
    model's parameters.
    """

    packages: tuple[str, ...]
    accepts: str
    total_source: str

    def walk(self, obj: object, label: str) -> Walk | None:
        """``obj``'s layers, or None when it is no model or layer of this framework.

        Raises :class:`IntrospectionError` for a model that cannot be read yet (not
        built, lazy parameters); ``label`` is what to call it then.
        """
        ...


#: Adapters by :attr:`~lstm_widget.conventions.FrameworkSpec.adapter` key.
ADAPTERS: CodeTable[Adapter] = CodeTable("introspection adapter", "register_adapter")


def register_adapter(key: str, adapter: Adapter) -> None:
    """Register ``adapter`` for the conventions whose ``adapter`` key is ``key``."""
    ADAPTERS[key] = adapter


def adapter(framework: str) -> Adapter:
    """The adapter reading ``framework``'s models."""
    key = framework_spec(framework).adapter
    if key is None or key not in ADAPTERS:
        raise IntrospectionError(f"lstm_widget cannot read live {framework} models.")
    return ADAPTERS[key]


def readable_frameworks() -> dict[Framework, Adapter]:
    """Every convention whose models can be read, in the registry's order."""
    return {
        key: ADAPTERS[spec.adapter]
        for key, spec in FRAMEWORK_SPECS.items()
        if spec.adapter is not None and spec.adapter in ADAPTERS
    }


def frameworks_of(
    obj: object, readable: dict[Framework, Adapter], *, as_class: bool = False
) -> list[Framework]:
    """Whose class ``obj`` may be (or, ``as_class``, whose class ``obj`` itself may be),
    judged by the modules its classes are defined in, in the registry's order."""
    cls = obj if as_class and isinstance(obj, type) else type(obj)
    modules = [base.__module__ for base in cls.__mro__]

    def from_package(package: str) -> bool:
        return any(m == package or m.startswith(f"{package}.") for m in modules)

    return [key for key, a in readable.items() if any(map(from_package, a.packages))]


def describe(obj: object) -> str:
    if obj is None:
        return "None"
    kind = type(obj)
    qualified = kind.__qualname__
    if kind.__module__ != "builtins":
        qualified = f"{kind.__module__.partition('.')[0]}.{qualified}"
    return with_article(qualified)
