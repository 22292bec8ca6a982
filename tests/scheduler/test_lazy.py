"""The packages load their submodules lazily, and still offer every public name."""

from __future__ import annotations

import subprocess
import sys

import pytest

import scheduler
import scheduler.demand


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


def test_the_erlang_engine_imports_without_the_solver_or_the_forecaster() -> None:
    loaded = _modules_after("import scheduler.demand._staffing")
    assert "numpy" in loaded
    for heavy in ("ortools", "pandas", "pydantic", "statsmodels", "scheduler._solver"):
        assert heavy not in loaded, heavy


def test_a_public_name_imports_its_submodule_on_first_use() -> None:
    loaded = _modules_after("from scheduler import check_roster")
    assert "scheduler._check" in loaded
    assert "scheduler._solver" not in loaded


@pytest.mark.parametrize("package", [scheduler, scheduler.demand])
def test_every_public_name_resolves_to_its_submodule_object(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    for name in names:
        value = getattr(package, name)
        assert value is not None, name
        assert name in dir(package)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = scheduler.nothing_here
