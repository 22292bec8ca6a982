"""The public API is explicit: a sorted, complete ``__all__`` over private modules."""

import dataclasses
import inspect
import pkgutil
from pathlib import Path

import scoring


def test_all_is_sorted() -> None:
    assert scoring.__all__ == sorted(scoring.__all__)


def test_all_is_complete_and_resolves() -> None:
    public = {n for n in vars(scoring) if not n.startswith("_")}
    assert public == set(scoring.__all__)


def test_every_error_and_data_type_is_exported() -> None:
    modules = [m for n, m in vars(scoring).items() if n.startswith("_") and inspect.ismodule(m)]
    for module in modules:
        for name, obj in vars(module).items():
            if (
                name.startswith("_")
                or not inspect.isclass(obj)
                or obj.__module__ != module.__name__
            ):
                continue
            if issubclass(obj, scoring.ScoringError) or dataclasses.is_dataclass(obj):
                assert name in scoring.__all__, f"{module.__name__}.{name} is not exported"


def test_implementation_modules_are_private() -> None:
    names = [m.name for m in pkgutil.iter_modules(scoring.__path__)]
    assert names and all(n.startswith("_") for n in names)


def test_types_marker_shipped() -> None:
    assert (Path(scoring.__file__).parent / "py.typed").exists()
