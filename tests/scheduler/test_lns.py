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
