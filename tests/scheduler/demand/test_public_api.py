import scheduler.demand as demand
from scheduler.demand import (
    DemandError,
    ForecastInputError,
    StaffingInfeasibleError,
    StaffingInputError,
)


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert demand.__all__ == sorted(demand.__all__)
    assert len(set(demand.__all__)) == len(demand.__all__)
    for name in demand.__all__:
        assert getattr(demand, name) is not None, name


def test_every_public_name_of_the_package_is_exported() -> None:
    public = {
        name
        for name, value in vars(demand).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith(
            "scheduler.demand._"
        )
    }
    assert public <= set(demand.__all__)


def test_errors_form_one_hierarchy() -> None:
    for error in (StaffingInfeasibleError, StaffingInputError, ForecastInputError):
        assert issubclass(error, DemandError)
    assert issubclass(DemandError, ValueError)
