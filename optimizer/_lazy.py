"""Lazy re-exports for package ``__init__`` modules (PEP 562): a name is imported on first use.

A package whose ``__init__`` imported all its modules would make every import of one of its light modules (a
constant, a small helper) pay for its heavy ones (pandas, httpx). With :func:`lazy_exports` the ``__init__``
lists where each public name lives, and ``optimizer --help`` or ``optimizer tariffs list`` stay fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose public ``name`` lives in the module
    ``exports[name]`` (absolute, or relative to the package when it starts with a dot); ``namespace`` is the
    package's ``globals()``, where a name is cached once imported."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__


def exports_of(modules: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{name: module}`` from ``{module: names}``."""
    return {name: module for module, names in modules.items() for name in names}
