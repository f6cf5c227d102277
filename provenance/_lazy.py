"""Lazy re-exports for package ``__init__`` modules (PEP 562).

A wing's ``__init__`` names its public API without importing it: the module that defines a
name is imported the first time the name is read. That keeps ``import provenance.vocab`` (or
``provenance --help``) from paying for SQLAlchemy, pydantic, web3 or FastAPI that the caller
never uses. Type checkers see the names through the ``TYPE_CHECKING`` imports beside them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package``.

    ``exports`` maps each public name to the module that defines it, relative to the package
    (``{"Ledger": ".ledger"}``). A name that is read is imported once and then cached on the
    package, so later reads are ordinary attribute look-ups.
    """
    table = dict(exports)

    def __getattr__(name: str) -> Any:  # noqa: N807  (PEP 562 hook)
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807  (PEP 562 hook)
        return sorted(set(table) | set(vars(sys.modules[package])))

    return __getattr__, __dir__
