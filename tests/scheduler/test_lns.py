"""Solving at scale: the aggregate bound, construction, neighbourhood search and their
invariants (every roster passes the checker, objective exact, bound a proven lower bound)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from scheduler import InfeasibleError, RosterProblem, SolveProgress, _solver, check_roster, solve
from scheduler._aggregate import solve_aggregate
from scheduler._lns import Planner, State, _groups, exact_objective, free_variables, model_values
from scheduler._rules import build
from tests.scheduler.factories import agent, day, problem
from tests.scheduler.test_solver import (
    assert_checked,
    centre_problem,
    small_centre,
    small_problems,
)


@pytest.fixture
def at_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every problem, however small, goes through construction and neighbourhood search."""
    monkeypatch.setattr(_solver, "WHOLE_MODEL_VARIABLES", 0)
    monkeypatch.setattr(_solver, "WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND", 0)
    monkeypatch.setattr(_solver, "HINTED_MODEL_VARIABLES", 0)


def constructed(prob: RosterProblem, seconds: float = 1.0) -> tuple[Planner, State]:
    planner = Planner(prob, 2, 0, None)
    sizes = free_variables(prob)
    state = State(rows=[None] * len(prob.agents))
    for group in _groups(list(range(len(prob.agents))), sizes, 500):
        rows = planner.construct(state, group, seconds)
        assert rows is not None
        for a, row in zip(group, rows, strict=True):
            state.rows[a] = row
    state.patterns = planner.place_breaks(state)
    return planner, state


def with_extras(prob: RosterProblem) -> RosterProblem:
    """Requests, shift cover and a previous roster on top of a centre problem."""
    data: dict[str, Any] = prob.model_dump(mode="json")
    data["agents"][0]["requests"] = [{"date": day(1), "shift": "M07", "on": True, "weight": 3}]
    data["cover"] = [{"date": day(2), "shift": "N23", "required": 3, "weight_under": 7}]
    data["previous_roster"] = {
        "problem": prob.name, "status": "FEASIBLE", "objective": 0,
        "assignments": [{"agent": "A002", "date": day(0), "shift": "D09",
                         "start": f"{day(0)}T09:00", "end": f"{day(0)}T18:00"}],
    }
    data["weights"] = {"request": 2, "fairness": 3, "change_from": 5}
    return RosterProblem.model_validate(data)


# --------------------------------------------------------------------------- the stages


@pytest.mark.parametrize("prob", [small_centre(), with_extras(centre_problem(16, 14, seed=2,
                                                                             averaging_weeks=2))])
def test_the_search_objective_equals_the_rules_exact_lines(prob: RosterProblem) -> None:
    planner, state = constructed(prob)
    m, terms = build(prob)
    rows = [row for row in state.rows if row is not None]
    assert planner.objective(state) == exact_objective(terms, model_values(m, rows,
                                                                           state.patterns))


def test_the_aggregate_bound_is_below_every_roster() -> None:
    prob = centre_problem(16, 14, seed=4, averaging_weeks=2)
    aggregate = solve_aggregate(prob, 2, 2)
    roster = solve(prob, time_limit_seconds=3, workers=2)
    assert_checked(prob, roster)
    assert 0 < aggregate.bound <= roster.objective
    planner, state = constructed(prob, 0.5)
    assert aggregate.bound <= planner.objective(state)


def test_the_aggregate_optimum_is_the_optimum_when_only_coverage_counts() -> None:
    # one agent, no contract: any number of shifts; the aggregate is exact
    prob = problem(agents=[agent("A1")], demand=[
        {"start": f"{day(d)}T10:00", "agents": 1, "weight_under": 5} for d in range(3)
    ], days=3)
    aggregate = solve_aggregate(prob, 5, 1)
    roster = solve(prob, time_limit_seconds=5)
    assert aggregate.optimal and aggregate.bound == roster.objective == 0


# --------------------------------------------------------------------------- solve at scale


@pytest.mark.usefixtures("at_scale")
def test_the_search_returns_a_checked_roster_and_reports_progress() -> None:
    prob = with_extras(centre_problem(24, 14, seed=5, averaging_weeks=2))
    progress: list[SolveProgress] = []
    roster = solve(prob, time_limit_seconds=5, workers=2, on_progress=progress.append)
    assert_checked(prob, roster)
    assert progress and all(p.bound <= p.objective for p in progress)
    assert [p.objective for p in progress] == sorted((p.objective for p in progress),
                                                     reverse=True)
    assert progress[-1].objective == roster.objective
    assert roster.bound is not None and roster.bound > 0  # the aggregate bound


@pytest.mark.usefixtures("at_scale")
def test_cancel_during_the_search_keeps_the_first_roster() -> None:
    prob = centre_problem(24, 14, seed=5, averaging_weeks=2)
    stop = threading.Event()
    roster = solve(prob, time_limit_seconds=30, workers=2,
                   on_progress=lambda p: stop.set(), stop_event=stop)
    assert_checked(prob, roster)


@pytest.mark.usefixtures("at_scale")
def test_an_agent_whose_rules_conflict_is_named_by_the_search() -> None:
    prob = problem(agents=[
        agent("A1", contract={"max_consecutive_work_days": 3},
              fixed=[{"date": day(d)} for d in range(4)]),
        agent("A2", contract={"max_consecutive_work_days": 3}),
    ])
    with pytest.raises(InfeasibleError) as caught:
        solve(prob, time_limit_seconds=10)
    assert caught.value.reasons == [
        "fixed_assignments: A1: fixed to a shift on 2026-11-30, a shift on 2026-12-01, "
        "a shift on 2026-12-02, a shift on 2026-12-03",
        "max_consecutive_work_days: A1: at most 3 work days in a row",
    ]


@pytest.mark.usefixtures("at_scale")
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(small_problems())
def test_every_roster_of_the_search_passes_the_checker(prob: RosterProblem) -> None:
    try:
        roster = solve(prob, time_limit_seconds=1, workers=2)
    except InfeasibleError as exc:
        assert exc.reasons
        return
    assert_checked(prob, roster)
    report = check_roster(prob, roster)
    assert roster.bound is not None and roster.bound <= report.objective


# --------------------------------------------------------------------------- long horizons


def long_problem(days: int = 35) -> RosterProblem:
    """Curtois-like: cover per (day, shift type), totals, runs, weekends, a succession ban;
    agent ``Ai`` has day ``3i + 1`` off."""
    contract = {"min_work_minutes": 480 * (days * 2 // 5),
                "max_work_minutes": 480 * (days * 3 // 5),
                "max_consecutive_work_days": 5, "min_consecutive_work_days": 2,
                "min_consecutive_days_off": 2, "max_weekends": days // 14 + 1}
    return problem(
        days=days,
        shift_types=[{"id": "E", "start": "06:00", "duration_minutes": 480},
                     {"id": "L", "start": "14:00", "duration_minutes": 480}],
        agents=[agent(f"A{i}", contract=contract, days_off=[day(3 * i + 1)],
                      requests=[{"date": day(i), "shift": "E", "on": True, "weight": 2}])
                for i in range(min(6, (days - 2) // 3))],
        cover=[{"date": day(d), "shift": s, "required": 2, "weight_under": 100,
                "weight_over": 1} for d in range(days) for s in ("E", "L")],
        rules={"forbidden_successions": [["L", "E"]],
               "breaks": {"work_threshold_minutes": 1440}},
    )


@pytest.mark.parametrize(("row", "holds"), [
    ("..EE..LLL..EEE", True),
    ("..EEEEEE..EE..", False),  # six days in a row
    (".EEE..LLL..EEE", False),  # a shift on A0's day off (day 1)
    ("..EE..LLE..EEE", False),  # L then E the next day
    ("..EE.LLL...EEE", False),  # one day off between two runs
    ("..EE..L....EEE", False),  # a lone shift inside the horizon
    ("..EE.........E", False),  # under the minimum work minutes
    ("..EEEEE..EEEEE", False),  # over the maximum work minutes (ten shifts)
])
def test_a_row_is_held_to_every_hard_rule_of_its_agent(row: str, holds: bool) -> None:
    planner = Planner(long_problem(14), 1, 0, None)
    assert planner.holds([0], [[None if c == "." else c for c in row]], 5) is holds


def test_a_window_neighbourhood_keeps_each_row_outside_its_window() -> None:
    prob = long_problem()
    planner, state = constructed(prob)
    rows = [row for row in state.rows if row is not None]
    free = [0, 2, 4]
    window = range(10, 17)
    trial = State([None if a in free else row for a, row in enumerate(state.rows)])
    current = [rows[a] for a in free]
    found = planner.construct(trial, free, 5, current=current, window=window)
    assert found is not None
    for before, after in zip(current, found, strict=True):
        assert [s for d, s in enumerate(after) if d not in window] == [
            s for d, s in enumerate(before) if d not in window]
    assert planner.holds(free, found, 5)


def test_a_sketch_with_room_to_spare_obeys_its_agents_rules() -> None:
    prob = long_problem()
    planner = Planner(prob, 1, 0, None)
    state = State(rows=[None] * len(prob.agents))
    sketch = planner.sketch(state, 0)
    assert planner.holds([0], [sketch], 5)
    assert sketch[1] is None  # the day off
    assert all((a, b) != ("L", "E") for a, b in zip(sketch, sketch[1:], strict=False))


def test_the_roster_model_writes_the_same_lines_as_the_full_model() -> None:
    from scheduler._lns import pinned

    prob = with_extras(centre_problem(16, 14, seed=2, averaging_weeks=2))
    planner, state = constructed(prob)
    rows = [row for row in state.rows if row is not None]
    full, full_terms = build(prob)
    small, small_terms = build(pinned(prob, rows), constraints=False)
    value_full = model_values(full, rows, state.patterns)
    value_small = model_values(small, rows, state.patterns)

    def lines(terms: Any, value: Any) -> list[tuple[str, str, int]]:
        return sorted((t.rule, t.subject, a) for t in terms if (a := t.amount(value)))

    assert lines(full_terms, value_full) == lines(small_terms, value_small)
    assert lines(full_terms, value_full)  # the roster has penalty lines to compare


@pytest.mark.usefixtures("at_scale")
def test_a_long_horizon_starts_from_sketches_and_passes_the_checker() -> None:
    prob = long_problem(56)
    stop = threading.Event()
    roster = solve(prob, time_limit_seconds=60, workers=2, on_progress=lambda p: stop.set(),
                   stop_event=stop)
    assert_checked(prob, roster)
