"""Lazy public names for a package: a submodule is imported on first use of one of its names.

``import scheduler.demand._staffing`` (what ``callcenter staffing`` needs) must not pay for
OR-Tools, pydantic and pandas, which the package's other modules import.  A package lists
its names per submodule and gets a module ``__getattr__`` (PEP 562) that imports the
submodule when a name is first asked for and caches the value in the package; type checkers
see the same names through ordinary imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_exports(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a submodule (absolute name) to the public names it provides.
    """
    where = {name: module for module, names in exports.items() for name in names}
    if len(where) != sum(len(names) for names in exports.values()):
        raise ValueError(f"{package}: a public name is exported by two submodules")

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return sorted(where), __getattr__, __dir__
