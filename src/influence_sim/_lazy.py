"""Lazy re-exports for package ``__init__`` modules: names are imported on first use.

A subpackage lists its public names once; importing the package stays cheap and free
of cycles (a module of the package may import a sibling while the package is still
being initialised).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports(
    package: str, names: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose names live in its modules.

    Args:
        package: The package's ``__name__``.
        names: Public name -> the module (relative to the package) that defines it.
    """

    def get(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        return value

    def listing() -> list[str]:
        return sorted(names)

    return get, listing
