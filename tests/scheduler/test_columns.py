"""Column generation (``scheduler._columns``): where it applies, what pricing returns, the
Lagrangian bound, the dives' rosters, and when the solver uses it."""

from __future__ import annotations

import itertools
import logging
import math
import random
import time
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from ortools.linear_solver import linear_solver_pb2, pywraplp

from scheduler import (
    RosterProblem,
    _columns,
    _solver,
    check_roster,
    curtois_evaluate,
    curtois_problem,
    solve,
)
from scheduler._lns import Outcome, Planner, State, search
from tests.scheduler.factories import agent, day, problem
from tests.scheduler.test_curtois import instance
from tests.scheduler.test_solver import cover_only


def separable(prob: RosterProblem) -> RosterProblem:
    """The problem without its fairness weight: agents then meet only in the cover."""
    return prob.model_copy(update={"weights": prob.weights.model_copy(update={"fairness": 0})})


def first_roster(prob: RosterProblem, seconds: float) -> State:
    """The search's roster in ``seconds`` (twice as long, up to three times, when a loaded
    machine found none: CI once had no roster of Curtois 1 within 0.5 s)."""
    for attempt in range(3):
        outcome = search(prob, deadline=time.monotonic() + seconds * 2**attempt, workers=2,
                         seed=0, stop_event=None, report=lambda objective, bound: None,
                         reserve=0.0, aggregate=False, step_seconds=0.25)
        if outcome is not None:
            return outcome.state
    raise AssertionError(f"no roster of {prob.name} in {7 * seconds:g} s")


def priced_and_dived(prob: RosterProblem, start: State, seconds: float,
                     reports: list[tuple[int, int]]) -> Outcome:
    return _columns.price_and_dive(
        prob, start, deadline=time.monotonic() + seconds, workers=2, seed=0, stop_event=None,
        report=lambda objective, bound: reports.append((objective, bound)))


def test_it_applies_only_where_agents_meet_in_cover_alone() -> None:
    prob = cover_only()
    assert prob.weights.fairness and not _columns.applies(prob)  # fairness couples agents
    assert _columns.applies(separable(prob))
    with_demand = separable(problem(days=7, agents=[agent("A1")],
                                    demand=[{"start": f"{day(0)}T10:00", "agents": 1}]))
    assert not _columns.applies(with_demand)
    assert _columns.applies(curtois_problem(instance(1)))


def test_a_columns_cost_is_its_agents_request_penalties() -> None:
    parsed = instance(3)
    prob = curtois_problem(parsed)
    planner = Planner(prob, 1, 0, None)
    rng = random.Random(3)
    shifts = [None] + [s.id for s in parsed.shifts]
    for a, person in enumerate(parsed.staff):
        pricer = _columns._Pricer(planner, a)
        row = [rng.choice(shifts) for _ in range(parsed.days)]
        expected = sum(r.weight for r in parsed.on_requests
                       if r.employee == person.id and row[r.day] != r.shift)
        expected += sum(r.weight for r in parsed.off_requests
                        if r.employee == person.id and row[r.day] == r.shift)
        assert pricer.cost(row) == expected


def test_pricing_keeps_the_dives_fixings_and_prices_by_the_duals() -> None:
    prob = curtois_problem(instance(3))
    planner = Planner(prob, 1, 0, None)
    pricer = _columns._Pricer(planner, 0)
    shift = next(iter(pricer.m.shifts_of[0][3]))
    pricer.fixed = {0: None, 3: shift}
    # a large reward for working day 5 on that shift type: the best rows take it
    rows, lower = pricer.price({(5, shift): 1000.0}, 5.0, None)
    assert rows and lower > -1e9
    assert all(row[0] is None and row[3] == shift for row in rows)
    assert rows[-1][5] == shift
    # the proven lower bound is below the best row's reduced cost
    best = pricer.cost(rows[-1]) - 1000.0
    assert lower <= best + 1e-6


@pytest.mark.parametrize(("number", "optimum"), [(1, 607), (3, 1001)])
def test_the_bound_is_below_the_optimum_and_every_dive_roster_keeps_the_rules(
    number: int, optimum: int,
) -> None:
    # optimum: proven by the whole model (Instance 1 in the Curtois tests; 3 in the benchmark)
    parsed = instance(number)
    prob = curtois_problem(parsed)
    start = first_roster(prob, 2.0)
    reports: list[tuple[int, int]] = []
    outcome = priced_and_dived(prob, start, 10, reports)
    assert 0 < outcome.bound <= optimum <= outcome.state.objective <= start.objective
    assert optimum - outcome.bound <= 0.1 * optimum  # the LP bound is close on these (558, 1,001)
    rows = outcome.state.rows
    score = curtois_evaluate(parsed, {p.id: list(row or []) for p, row in
                                      zip(parsed.staff, rows, strict=True)})
    assert score.feasible and score.objective == outcome.state.objective
    assert reports and all(bound <= objective for objective, bound in reports)
    assert [bound for _, bound in reports] == sorted(bound for _, bound in reports)


def test_the_solver_runs_column_generation_when_the_time_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    price_and_dive = _columns.price_and_dive

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return price_and_dive(*args, **kwargs)

    monkeypatch.setattr(_columns, "price_and_dive", spy)
    monkeypatch.setattr(_solver, "WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND", 0)
    prob = separable(cover_only(agents=4))
    size = _solver.shift_variables(prob)
    # too little time for the columns: the search and the hinted whole model as before
    monkeypatch.setattr(_solver, "COLUMN_SECONDS_PER_VARIABLE", 10.0 / size)
    roster = solve(prob, time_limit_seconds=4, workers=2)
    assert calls == [] and check_roster(prob, roster).ok
    # enough: pricing and dives between the search and the whole model
    monkeypatch.setattr(_solver, "COLUMN_SECONDS_PER_VARIABLE", 1.0 / size)
    started = time.monotonic()
    roster = solve(prob, time_limit_seconds=6, workers=2)
    [call] = calls
    assert call["deadline"] - started == pytest.approx(
        (1 - _solver.COLUMN_POLISH_SHARE) * 6, abs=0.3)
    report = check_roster(prob, roster)
    assert report.ok and report.objective_matches and report.penalties_match
    assert roster.bound <= roster.objective


def test_a_fresh_master_lp_has_the_same_columns_bounds_and_duals() -> None:
    # the master is moved to a fresh GLOP when the incremental one fails (seen as ABNORMAL
    # after many dives on Curtois 8): the same LP, every handle pointing into the new solver
    prob = curtois_problem(instance(3))
    planner = Planner(prob, 1, 0, None)
    start = first_roster(prob, 1.0)
    master = _columns._Master(planner, len(prob.agents))
    for a, row in enumerate(start.rows):
        assert row is not None
        master.add(a, _columns._Column(row, _columns._Pricer(planner, a).cost(row)))
        master.add(a, _columns._Column([None] * prob.days, 0))  # (only the LP is tested)
    master.restrict(0, lambda row: any(row))  # agent 0: its day-off-only column is out
    before = master.solve()
    master._fresh()
    after = master.solve()
    assert after[0] == pytest.approx(before[0])  # (duals of a degenerate LP need not agree)
    assert set(after[1]) == set(before[1]) and len(after[2]) == len(prob.agents)
    assert master.weights_of(0)[1] == 0.0
    # new columns go into the new solver
    assert master.add(1, _columns._Column(["D"] + [None] * (prob.days - 1), 0))
    assert master.solve()[0] <= after[0] + 1e-9


def test_after_fixings_the_master_solves_by_dual_simplex_to_the_lp_a_fresh_glop_solves() -> None:
    # a dive's fixings only tighten bounds: the master re-solves from its basis by dual simplex;
    # columns added or fixings undone go back to primal. Either way it is the same LP.
    prob = curtois_problem(instance(3))
    planner = Planner(prob, 1, 0, None)
    start = first_roster(prob, 1.0)
    pricers = [_columns._Pricer(planner, a) for a in range(len(prob.agents))]

    def built() -> _columns._Master:
        master = _columns._Master(planner, len(prob.agents))
        for a, row in enumerate(start.rows):
            assert row is not None
            master.add(a, _columns._Column(row, pricers[a].cost(row)))
        return master

    dived = built()
    for _ in range(3):  # a few pricing rounds: several columns per agent
        _, duals, _ = dived.solve()
        for a, pricer in enumerate(pricers):
            for row in pricer.price(duals, 0.2, None)[0]:
                dived.add(a, _columns._Column(row, pricer.cost(row)))
    assert not dived.tightened
    dived.solve()
    assert dived.tightened
    keep = {a: dived.columns[a][-1].row for a in range(0, len(prob.agents), 3)}
    for a, row in keep.items():  # fix every third agent to its last column's row
        dived.restrict(a, lambda r, row=row: r == row)
        assert dived.tightened  # (bounds only: the next solve is a dual simplex)
    value = dived.solve()[0]
    fresh = built()
    for a, columns in enumerate(dived.columns):
        for column in columns:
            fresh.add(a, column)
    for a, row in keep.items():
        fresh.restrict(a, lambda r, row=row: r == row)
    assert value == pytest.approx(fresh.solve()[0])
    assert all(w == 0.0 or dived.columns[a][c].row == keep[a]
               for a in keep for c, w in enumerate(dived.weights_of(a)))
    dived.unfix(0)
    assert not dived.tightened


@st.composite
def supports(draw: st.DrawFn) -> list[tuple[list[str | None], float]]:
    """An agent's columns with weight in a master LP solution: rows over a few days, weights
    summing to 1."""
    days = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(st.sampled_from([None, "E", "L"]), min_size=days,
                                  max_size=days), min_size=1, max_size=5))
    weights = draw(st.lists(st.floats(0.01, 1.0), min_size=len(rows), max_size=len(rows)))
    return [(row, weight / sum(weights)) for row, weight in zip(rows, weights, strict=True)]


@settings(max_examples=300, deadline=None)
@given(supports())
def test_a_dive_fixes_what_all_columns_agree_on_and_cells_some_heavy_column_keeps(
    support: list[tuple[list[str | None], float]],
) -> None:
    days = range(len(support[0][0]))
    agreed, heaviest, take = _columns._settled(support, list(days))
    for d, shift in agreed:
        assert all(row[d] == shift for row, _ in support)
    undecided = [d for d in days if d not in dict(agreed)]
    if not take:
        assert not undecided
        return
    share = {(d, shift): sum(w for row, w in support if row[d] == shift)
             for d in undecided for shift in (None, "E", "L")}
    # the heaviest undecided cell first, then cells whose columns keep enough weight together
    assert take[0] in share and share[take[0]] == pytest.approx(heaviest)
    assert heaviest == pytest.approx(max(share.values()))
    keeping = sum(w for row, w in support if all(row[d] == shift for d, shift in take))
    assert keeping >= min(heaviest, 1 - _columns.DIVE_LOSS) - 1e-9 and keeping > 0
    assert len({d for d, _ in take}) == len(take) and not set(take) & set(agreed)


def reduced_cost(column: Any, duals: dict[tuple[int, str], float]) -> float:
    return float(column.cost) - sum(duals.get((d, s), 0.0) for d, s in enumerate(column.row) if s)


def test_enumeration_gives_every_row_within_its_reduced_cost_limit_and_says_when_cut_short(
) -> None:
    prob = curtois_problem(instance(1))
    planner = Planner(prob, 1, 0, None)
    pricer = _columns._Pricer(planner, 0)
    rng = random.Random(1)
    duals = {(d, s): rng.uniform(-1.0, 60.0)
             for d in range(prob.days) for s in pricer.m.shifts_of[0][d]}
    every, complete = pricer.enumerate(duals, 1e6, 30.0, 10**6, None)
    assert complete and len(every) > 20
    assert len({tuple(c.row) for c in every}) == len(every)
    # a dive's fixings (left in the model as assumptions by pricing) do not hold here
    worked = next(d for d in range(prob.days) if any(c.row[d] for c in every))
    pricer.fixed = {worked: None}
    rows, lower = pricer.price(duals, 5.0, None)
    assert all(row[worked] is None for row in rows)
    again, complete = pricer.enumerate(duals, 1e6, 30.0, 10**6, None)
    assert complete and {tuple(c.row) for c in again} == {tuple(c.row) for c in every}
    costs = sorted(reduced_cost(c, duals) for c in every)
    assert costs[0] <= min(reduced_cost(_columns._Column(r, pricer.cost(r)), duals)
                           for r in rows) + 1e-6
    limit = costs[len(costs) // 3]
    within, complete = pricer.enumerate(duals, limit, 30.0, 10**6, None)
    assert complete
    assert ({tuple(c.row) for c in within}
            == {tuple(c.row) for c in every if reduced_cost(c, duals) <= limit + 1e-6})
    assert {c.cost for c in within} <= {c.cost for c in every}
    capped, complete = pricer.enumerate(duals, 1e6, 30.0, 3, None)
    assert not complete and len(capped) == 3


def two_rows_each() -> tuple[Planner, Any, list[list[Any]], int]:
    """Curtois 1's first roster's row and one other for each agent: the planner, a master, the
    candidates and the least objective of any roster of them (every combination scored)."""
    prob = curtois_problem(instance(1))
    planner = Planner(prob, 1, 0, None)
    start = first_roster(prob, 1.0)
    rng = random.Random(5)
    candidates = []
    for a, row in enumerate(start.rows):
        assert row is not None
        pricer = _columns._Pricer(planner, a)
        duals = {(d, s): rng.uniform(0.0, 50.0)
                 for d in range(prob.days) for s in pricer.m.shifts_of[0][d]}
        other = pricer.price(duals, 1.0, None)[0][-1]
        candidates.append([_columns._Column(r, pricer.cost(r))
                           for r in ([row, other] if other != row else [row])])
    assert sum(len(c) for c in candidates) >= len(candidates) + 4
    least = min(planner.objective(State(rows=[list(c.row) for c in pick]))
                for pick in itertools.product(*candidates))
    return planner, _columns._Master(planner, len(prob.agents)), candidates, least


@pytest.mark.parametrize(("solver", "copies"), [("CBC", 1), ("SCIP", 1), ("SCIP", 2)])
def test_combining_candidate_rows_finds_the_least_roster_and_proves_there_is_none_below(
    solver: str, copies: int,
) -> None:
    planner, master, candidates, least = two_rows_each()
    rows, proven = _columns._combine(master, candidates, least, 30.0, solver, copies)
    assert proven and rows is not None
    assert planner.objective(State(rows=list(rows))) == least
    assert _columns._combine(master, candidates, least - 1, 30.0, solver, copies) == (None, True)


def test_combining_reads_the_roster_off_the_copy_that_ended_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planner, master, candidates, least = two_rows_each()

    def copy_ends_first(mip: Any, solver: str, seconds: float, copies: int) -> Any:
        proto = linear_solver_pb2.MPModelProto()
        mip.ExportModelToProto(proto)
        copy = pywraplp.Solver.CreateSolver(solver)
        copy.LoadModelFromProto(proto)
        return copy, copy.Solve()

    monkeypatch.setattr(_columns, "_first_to_end", copy_ends_first)
    rows, proven = _columns._combine(master, candidates, least, 30.0, "SCIP", 2)
    assert proven and rows is not None
    assert planner.objective(State(rows=list(rows))) == least


def test_enumerating_every_row_that_could_do_better_proves_the_roster_optimal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Instance 1 (optimum 607; the Lagrangian bound alone is 558): its agents have a few
    # hundred rows each, so the enumeration below the best roster is complete at any gap
    monkeypatch.setattr(_columns, "ENUM_GAP", 10**6)
    parsed = instance(1)
    prob = curtois_problem(parsed)
    start = first_roster(prob, 1.0)
    reports: list[tuple[int, int]] = []
    outcome = priced_and_dived(prob, start, 30, reports)
    assert outcome.optimal and outcome.state.objective == outcome.bound == 607
    score = curtois_evaluate(parsed, {p.id: list(row or []) for p, row in
                                      zip(parsed.staff, outcome.state.rows, strict=True)})
    assert score.feasible and score.objective == 607
    assert reports[-1] == (607, 607)
    # without it, the dives alone stop at the Lagrangian bound
    monkeypatch.setattr(_columns, "ENUM_GAP", -1)
    outcome = priced_and_dived(prob, start, 10, [])
    assert outcome.bound < 607 and not outcome.optimal


def pricers_agents(monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """The agent of each pricer built from now on, by the pricer's ``id``."""
    agent_of: dict[int, int] = {}
    real_init = _columns._Pricer.__init__

    def init(self: Any, planner: Planner, a: int) -> None:
        real_init(self, planner, a)
        agent_of[id(self)] = a

    monkeypatch.setattr(_columns._Pricer, "__init__", init)
    return agent_of


def cut_short_after_the_first_dive(monkeypatch: pytest.MonkeyPatch, given: int) -> None:
    """The enumeration after the first dive, every agent's list cut short (3 rows), at most
    ``given`` of its rows given to the integer master."""
    monkeypatch.setattr(_columns, "ENUM_GAP", 10**6)
    monkeypatch.setattr(_columns, "_ENUM_CAP", 3)
    monkeypatch.setattr(_columns, "_ENUM_GIVEN", given)


@pytest.mark.parametrize("given", [10**6, 5])  # every listed row; the 5 least
def test_an_incomplete_enumeration_gives_the_integer_master_its_rows_of_least_reduced_cost(
    monkeypatch: pytest.MonkeyPatch, given: int,
) -> None:
    cut_short_after_the_first_dive(monkeypatch, given)
    prob = curtois_problem(instance(1))
    start = first_roster(prob, 1.0)
    agent_of = pricers_agents(monkeypatch)
    # (agent, row, all of them, its reduced cost above its agent's least, less a constant)
    listed: list[tuple[int, tuple[str | None, ...], bool, float]] = []
    real_enumerate = _columns._Pricer.enumerate

    def enumerate_rows(self: Any, *args: Any) -> Any:
        columns, whole = real_enumerate(self, *args)
        duals, limit = args[0], args[1]  # (the limit: the room above the agent's least)
        if args[3] == _columns._ENUM_CAP:  # (the enumeration's lists, not reach's)
            listed.extend((agent_of[id(self)], tuple(c.row), whole,
                           c.cost - _columns._worked(c.row, duals) - limit) for c in columns)
        return columns, whole

    seen: list[tuple[int, list[set[tuple[str | None, ...]]]]] = []  # (rows listed, columns)
    real_least = _columns._least_roster

    def least_roster(master: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((len(listed), [set(known) for known in master.known]))
        return real_least(master, *args, **kwargs)

    monkeypatch.setattr(_columns._Pricer, "enumerate", enumerate_rows)
    monkeypatch.setattr(_columns, "_least_roster", least_roster)
    outcome = priced_and_dived(prob, start, 20, [])
    assert len(listed) > 5 and not all(whole for _, _, whole, _ in listed)  # (no proof)
    assert not outcome.optimal
    # an integer master after the enumeration, over its rows of least reduced cost too
    after = [known for count, known in seen if count == len(listed)]
    assert after
    ranked = sorted(listed, key=lambda item: item[3])
    last = ranked[min(given, len(ranked)) - 1][3]  # the last given row's (ties either way)
    assert all(row in after[0][a] for a, row, _, cost in ranked if cost < last - 1e-6)
    assert sum(row in after[0][a] for a, row, _, _ in listed) >= min(given, len(listed))
    assert check_roster(prob, _solver._searched_roster(prob, outcome, outcome.bound,
                                                       time.monotonic())).ok


def test_after_an_enumeration_cut_short_scip_combines_rows_listed_afresh_up_to_shares_of_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cut_short_after_the_first_dive(monkeypatch, 0)  # its rows not given to the integer master
    monkeypatch.setattr(_columns, "_REACH_ROWS", 10**6)  # every row within the level to SCIP
    prob = curtois_problem(instance(1))
    planner = Planner(prob, 1, 0, None)
    start = first_roster(prob, 1.0)
    # (agent, the duals, its limit, its rows, all of them) of each list reach asked for
    reach_lists: list[tuple[int, Any, float, list[Any], bool]] = []
    enumerated: list[tuple[int, Any, list[Any]]] = []  # (agent, duals, the enumeration's rows)
    agent_of = pricers_agents(monkeypatch)
    real_enumerate = _columns._Pricer.enumerate

    def enumerate_rows(self: Any, *args: Any) -> Any:
        columns, whole = real_enumerate(self, *args)
        if args[3] == _columns._REACH_CAP:
            reach_lists.append((agent_of[id(self)], args[0], args[1], columns, whole))
        else:
            enumerated.append((agent_of[id(self)], args[0], columns))
        return columns, whole

    calls: list[tuple[int, list[set[tuple[str | None, ...]]], list[Any] | None, bool]] = []
    real_combine = _columns._combine

    def combine(master: Any, candidates: Any, limit: int, seconds: float,
                solver: str = "CBC", copies: int = 1) -> Any:
        rows, proven = real_combine(master, candidates, limit, seconds, solver, copies)
        if solver == "SCIP":
            assert copies == 2  # one search a worker
            calls.append((limit, [{tuple(c.row) for c in columns} for columns in candidates],
                          rows, proven))
        return rows, proven

    monkeypatch.setattr(_columns._Pricer, "enumerate", enumerate_rows)
    monkeypatch.setattr(_columns, "_combine", combine)
    outcome = priced_and_dived(prob, start, 20, [])
    assert calls and any(columns for _, _, columns in enumerated)
    n = len(prob.agents)
    # before each SCIP step every agent's rows listed afresh (a few hundred each on Instance 1:
    # all of them), under the enumeration's duals
    assert len(calls) <= len(_columns.REACH_STEPS) and len(reach_lists) == n * len(calls)
    duals = enumerated[0][1]
    assert all(listed[1] is duals for listed in reach_lists)
    steps = [reach_lists[k * n:(k + 1) * n] for k in range(len(calls))]
    # one below the best (a roster SCIP found lowers it); the rows' room goes up while SCIP
    # proves there is none better
    found = [rows for _, _, rows, _ in calls if rows is not None]
    for k, (step, (target, candidates, _, _)) in enumerate(zip(steps, calls, strict=True)):
        assert sorted(a for a, *_ in step) == list(range(n))
        limits = {a: limit for a, _, limit, _, _ in step}
        assert all(whole for *_, whole in step)
        # SCIP over every row listed, and every row the enumeration listed that fits as well
        assert all({tuple(c.row) for c in columns} <= candidates[a] for a, _, _, columns, _ in step)
        assert all(tuple(c.row) in candidates[a] for a, _, columns in enumerated for c in columns
                   if c.cost - _columns._worked(c.row, duals) <= limits[a] + 1e-6)
        if k:
            before, _, rows, proven = calls[k - 1]
            assert proven
            if rows is None:
                assert target == before
                assert all(limits[a] > limit for a, _, limit, _, _ in steps[k - 1])
            else:
                assert target == planner.objective(State(rows=list(rows))) - 1
    if found:  # SCIP's rosters are kept
        assert outcome.state.objective <= planner.objective(State(rows=list(found[-1])))
    assert check_roster(prob, _solver._searched_roster(prob, outcome, outcome.bound,
                                                       time.monotonic())).ok


def test_reach_gives_scip_each_agents_least_reduced_costs_first_then_twice_as_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cut_short_after_the_first_dive(monkeypatch, 0)  # its rows not given to the integer master
    monkeypatch.setattr(_columns, "_REACH_ROWS", 2)
    prob = curtois_problem(instance(1))
    start = first_roster(prob, 1.0)
    agent_of = pricers_agents(monkeypatch)
    # ("enumeration" | "reach", (agent, duals, limit, rows)); ("scip", (the rows of the
    # master's columns that fit, the rows given, its roster, proven, its limit))
    events: list[tuple[str, Any]] = []
    real_enumerate = _columns._Pricer.enumerate

    def enumerate_rows(self: Any, *args: Any) -> Any:
        columns, whole = real_enumerate(self, *args)
        kind = "reach" if args[3] == _columns._REACH_CAP else "enumeration"
        events.append((kind, (agent_of[id(self)], args[0], args[1], columns)))
        return columns, whole

    real_combine = _columns._combine

    def combine(master: Any, candidates: Any, limit: int, seconds: float,
                solver: str = "CBC", copies: int = 1) -> Any:
        if solver == "SCIP":
            fitting = [[tuple(c.row) for c in columns]
                       for columns in _columns._fitting(master, limit)]
        rows, proven = real_combine(master, candidates, limit, seconds, solver, copies)
        if solver == "SCIP":
            events.append(("scip", (fitting, [[tuple(c.row) for c in columns]
                                              for columns in candidates], rows, proven, limit)))
        return rows, proven

    monkeypatch.setattr(_columns._Pricer, "enumerate", enumerate_rows)
    monkeypatch.setattr(_columns, "_combine", combine)
    priced_and_dived(prob, start, 20, [])
    scips = [i for i, (kind, _) in enumerate(events) if kind == "scip"]
    assert scips
    enumerated: dict[int, list[Any]] = {}
    for kind, event in events:
        if kind == "enumeration":
            enumerated.setdefault(event[0], []).extend(event[3])
    duals = next(event[1] for kind, event in events if kind == "enumeration")
    planner = Planner(prob, 1, 0, None)
    pricers = [_columns._Pricer(planner, a) for a in range(len(prob.agents))]

    def rc(a: int, row: Any) -> float:
        return float(pricers[a].cost(list(row))) - _columns._worked(list(row), duals)

    cap = 0
    ranked: dict[int, dict[tuple[str | None, ...], float]] = {}  # each agent's rows in the level
    first_limit = 0  # the limit of the level's first SCIP search
    for k, i in enumerate(scips):
        fitting, given, _, _, limit = events[i][1]
        since = events[scips[k - 1] + 1:i] if k else events[:i]
        listing = {event[0]: event for kind, event in since if kind == "reach"}
        if listing:  # rows listed afresh (the first or a higher level): the least few
            cap, first_limit = _columns._REACH_ROWS, limit
            ranked = {a: {row: rc(a, row) for row in [
                *fitting[a], *(tuple(c.row) for c in [*enumerated.get(a, []), *columns])]
                if rc(a, row) <= level + 1e-6} for a, (_, _, level, columns) in listing.items()}
        else:  # the same rows, SCIP having proved none better among those given: twice as many
            cap *= 2
            _, before, rows, proven, _ = events[scips[k - 1]][1]
            assert proven and any(len(b) == cap // 2 for b in before)
            if rows is not None:  # kept: one below it now
                assert limit == planner.objective(State(rows=list(rows))) - 1
        for a, rows_given in enumerate(given):
            keys = set(rows_given)
            assert keys <= ranked[a].keys() and len(keys) == len(rows_given) <= cap
            if limit == first_limit:  # (a lower limit leaves out the rows it has no room for)
                assert len(keys) == min(cap, len(ranked[a]))
                omitted = [gap for row, gap in ranked[a].items() if row not in keys]
                if rows_given and omitted:  # the least reduced costs first
                    assert max(ranked[a][row] for row in keys) <= min(omitted) + 1e-6


def test_the_integer_master_over_the_columns_found_ends_the_dives_and_its_roster_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_columns, "ENUM_GAP", -1)  # the dives and the integer master alone
    prob = curtois_problem(instance(1))
    planner = Planner(prob, 1, 0, None)
    start = first_roster(prob, 0.5)
    calls: list[tuple[int, bool, list[list[Any]] | None]] = []
    real = _columns._combine

    def spy(master: Any, candidates: Any, limit: int, seconds: float) -> Any:
        rows, proven = real(master, candidates, limit, seconds)
        calls.append((limit, proven, rows))
        # the master's columns that could be part of a roster up to the limit
        assert all(all(any(c is d for d in every) for c in columns)
                   for columns, every in zip(candidates, master.columns, strict=True))
        assert [len(c) for c in candidates] == [len(c) for c in _columns._fitting(master, limit)]
        return rows, proven

    monkeypatch.setattr(_columns, "_combine", spy)
    reports: list[tuple[int, int]] = []
    outcome = priced_and_dived(prob, start, 10, reports)
    assert calls  # (the last after the dives; others after repaired dives)
    limit, proven, rows = calls[-1]
    if rows is None:  # nothing below the dives' best among the columns (unless cut short)
        assert outcome.state.objective == limit + 1 or not proven
    else:
        found = planner.objective(State(rows=rows))
        assert outcome.state.objective == found <= limit
        assert reports[-1][0] == found
    assert check_roster(prob, _solver._searched_roster(prob, outcome, outcome.bound,
                                                       time.monotonic())).ok


def test_a_roster_left_short_is_repaired_around_its_shortfalls_by_rows_that_keep_the_rules(
) -> None:
    parsed = instance(1)
    prob = curtois_problem(parsed)
    planner = Planner(prob, 1, 0, None)

    def scored(rows: Any) -> State:
        state = State(rows=list(rows))
        state.patterns = planner.place_breaks(state)
        state.objective = planner.objective(state)
        return state

    # a roster made for a cover that wants nobody on days 4-6: under the real cover, short there
    emptied = {prob.dates[d] for d in (4, 5, 6)}
    lowered = prob.model_copy(update={"cover": tuple(
        item.model_copy(update={"required": 0}) if item.date in emptied else item
        for item in prob.cover)})
    short = scored(first_roster(lowered, 1.0).rows)
    days, cost = _columns._shortfall(planner, short)
    assert cost > 0 and set(days) <= {4, 5, 6}

    repaired, found = _columns._repair(planner, short, scored, lambda: False,
                                       time.monotonic() + 20)
    assert repaired.objective < short.objective
    assert _columns._shortfall(planner, repaired)[1] < cost
    # every roster found keeps every agent's rules (its rows become columns) and outside the
    # window the rows are the ones before
    assert found
    for rows in found:
        score = curtois_evaluate(parsed, {p.id: list(row) for p, row in
                                          zip(parsed.staff, rows, strict=True)})
        assert score.feasible
    score = curtois_evaluate(parsed, {p.id: list(row or []) for p, row in
                                      zip(parsed.staff, repaired.rows, strict=True)})
    assert score.feasible and score.objective == repaired.objective
    assert all(row[0] == before[0] and row[-1] == before[-1]
               for row, before in zip(found[0], short.rows, strict=True) if before)


def priced_master() -> tuple[Planner, Any, int]:
    """A master over Curtois 3's search roster and columns priced by the LP's duals and by
    random ones, and the least roster's objective among its columns."""
    prob = curtois_problem(instance(3))
    planner = Planner(prob, 1, 0, None)
    master = _columns._Master(planner, len(prob.agents))
    pricers = [_columns._Pricer(planner, a) for a in range(len(prob.agents))]
    start = first_roster(prob, 1.0)
    rng = random.Random(3)
    for a, row in enumerate(start.rows):
        assert row is not None
        master.add(a, _columns._Column(list(row), pricers[a].cost(list(row))))
    for _ in range(3):
        _, duals, _ = master.solve()
        for noisy in (duals, {key: rng.uniform(-1, 100) for key in duals}):
            for a, pricer in enumerate(pricers):
                for row in pricer.price(noisy, 0.5, None)[0]:
                    master.add(a, _columns._Column(row, pricer.cost(row)))
    every, _ = _columns._combine(master, master.columns, 10**6, 60)
    assert every is not None
    return planner, master, planner.objective(State(rows=list(every)))


def test_columns_left_out_of_the_integer_master_cannot_be_part_of_a_roster_below_its_limit(
) -> None:
    planner, master, least = priced_master()
    kept = []
    for limit in (least, least + 5, least + 50):
        fits = _columns._fitting(master, limit)
        kept.append(sum(map(len, fits)))
        rows, proven = _columns._combine(master, fits, limit, 60)
        assert proven and rows is not None
        assert planner.objective(State(rows=list(rows))) == least
    # the tightest limit leaves some columns out (the pool's random ones cost far more), and a
    # looser one keeps at least as many (at least + 50 may keep them all: the pool varies by run)
    assert kept[0] < sum(map(len, master.columns))
    assert kept == sorted(kept)
    # below the least over every column, none among the fitting ones either
    assert _columns._combine(master, _columns._fitting(master, least - 1), least - 1, 60) == (
        None, True)


@pytest.mark.parametrize("case", ["tight", "undecided", "far"])
def test_the_integer_master_raises_its_limit_one_at_a_time_while_cbc_proves_there_is_none(
    monkeypatch: pytest.MonkeyPatch, case: str,
) -> None:
    planner, master, least = priced_master()
    # (the master LP's value is far below here, the pool's random columns cost far more)
    assert math.ceil(master.solve()[0] - 1e-6) <= least - 3
    low = least - 3
    below = least + (50 if case == "far" else _columns.TIGHT_GAP - 3)
    calls: list[tuple[int, bool, bool]] = []
    real = _columns._combine

    def spy(master: Any, candidates: Any, limit: int, seconds: float) -> Any:
        if case == "undecided" and not calls:  # CBC cut short at the first limit
            calls.append((limit, False, False))
            return None, False
        rows, proven = real(master, candidates, limit, seconds)
        calls.append((limit, proven, rows is not None))
        return rows, proven

    monkeypatch.setattr(_columns, "_combine", spy)
    rows = _columns._least_roster(master, low, below, time.monotonic() + 120, lambda: False)
    assert rows is not None and planner.objective(State(rows=list(rows))) == least
    if case == "tight":  # none proven up to least - 1, the least found at its own limit
        assert calls == [(limit, True, limit == least) for limit in range(low, least + 1)]
    elif case == "undecided":  # then straight to the limit one below the best
        assert calls == [(low, False, False), (below - 1, True, True)]
    else:  # the best far above the least: the loose limit alone
        assert calls == [(below - 1, True, True)]
    # nothing below what a roster of these columns can cost: no try
    calls.clear()
    assert _columns._least_roster(master, least, least, time.monotonic() + 60,
                                  lambda: False) is None
    assert not calls


def test_the_dives_go_on_when_the_final_integer_master_ends_early(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_columns, "ENUM_GAP", -1)  # the dives and the integer master alone
    monkeypatch.setattr(_columns, "MASTER_IP_SHARE", 0.5)  # (time for dives after it)
    # no bound proven: no dive's roster ends the search
    monkeypatch.setattr(_columns._Master, "lagrangian", lambda *_: -math.inf)
    prob = curtois_problem(instance(2))
    start = first_roster(prob, 0.5)
    tries: list[tuple[float, float]] = []  # (until, wall-clock time of the call)

    def proven_none(master: Any, least: int, below: int, until: float, stopped: Any) -> None:
        tries.append((until, time.time()))  # CBC proves at once there is none
        return None

    monkeypatch.setattr(_columns, "_least_roster", proven_none)
    caplog.set_level(logging.DEBUG, logger="scheduler._columns")
    deadline = time.monotonic() + 12
    outcome = _columns.price_and_dive(prob, start, deadline=deadline, workers=2, seed=0,
                                      stop_event=None, report=lambda objective, bound: None)
    assert not outcome.optimal
    # the final integer master: the first up to the deadline (the dives' before it end earlier)
    final = next(when for until, when in tries if until == deadline)
    assert all(until <= deadline for until, _ in tries)
    dives = [record.created for record in caplog.records if " dive " in record.getMessage()]
    # dives before it, and again in the time it left
    assert min(dives) < final < max(dives)
    assert time.monotonic() < deadline + 2.0


@pytest.mark.parametrize("share", [0.5, 0.0])
def test_a_column_dive_past_its_end_goes_on_fixing_columns_without_pricing(
    monkeypatch: pytest.MonkeyPatch, share: float,
) -> None:
    monkeypatch.setattr(_columns, "ENUM_GAP", -1)  # the dives and the integer master alone
    monkeypatch.setattr(_columns, "DIVES", ("column",))
    monkeypatch.setattr(_columns, "DIVE_SHARE", share)  # 0: the first dive's end is its start
    parsed = instance(1)
    prob = curtois_problem(parsed)
    start = first_roster(prob, 0.5)
    events: list[str] = []
    real_price, real_restrict = _columns._Pricer.price, _columns._Master.restrict
    real_unfix = _columns._Master.unfix

    def price(self: Any, *args: Any) -> Any:
        events.append("price")
        return real_price(self, *args)

    def restrict(self: Any, a: int, keep: Any) -> None:
        events.append("fix")
        real_restrict(self, a, keep)

    def unfix(self: Any, a: int) -> None:
        events.append("end")
        real_unfix(self, a)

    monkeypatch.setattr(_columns._Pricer, "price", price)
    monkeypatch.setattr(_columns._Master, "restrict", restrict)
    monkeypatch.setattr(_columns._Master, "unfix", unfix)
    outcome = priced_and_dived(prob, start, 10, [])
    first = events.index("fix")
    dive = events[first:events.index("end", first)]
    # every agent fixed to a column in the first dive, one agent (or those the LP weighs
    # whole) a step; priced between steps only while before its end
    assert dive.count("fix") == len(prob.agents)
    assert ("price" in dive) == (share > 0)
    assert outcome.state.objective <= start.objective
    score = curtois_evaluate(parsed, {p.id: list(row or []) for p, row in
                                      zip(parsed.staff, outcome.state.rows, strict=True)})
    assert score.feasible and score.objective == outcome.state.objective


@pytest.mark.parametrize("kind", _columns.DIVES)
def test_every_kind_of_dive_leaving_cover_short_is_repaired_and_its_rows_become_columns(
    monkeypatch: pytest.MonkeyPatch, kind: str,
) -> None:
    monkeypatch.setattr(_columns, "ENUM_GAP", -1)  # the dives and the integer master alone
    monkeypatch.setattr(_columns, "DIVES", (kind,))
    prob = curtois_problem(instance(1))
    start = first_roster(prob, 0.5)
    real_shortfall, real_repair = _columns._shortfall, _columns._repair

    def shortfall(planner: Planner, state: State) -> tuple[list[int], int]:
        # every roster looks far short (on Instance 1 the dives' rarely are): day 3 at least
        days, _ = real_shortfall(planner, state)
        return days or [3], 10**6

    repaired: list[list[list[Any]]] = []

    def repair(*args: Any) -> Any:
        state, found = real_repair(*args)
        repaired.extend(found)
        return state, found

    added: list[tuple[str | None, ...]] = []
    real_add = _columns._Master.add

    def add(self: Any, a: int, column: Any) -> bool:
        fresh = real_add(self, a, column)
        if fresh:
            added.append(tuple(column.row))
        return fresh

    monkeypatch.setattr(_columns, "_shortfall", shortfall)
    monkeypatch.setattr(_columns, "_repair", repair)
    monkeypatch.setattr(_columns._Master, "add", add)
    outcome = priced_and_dived(prob, start, 10, [])
    assert repaired  # after the dives of this kind
    # the repairs' rows are the master's columns (new ones added, the others known)
    assert {tuple(row) for rows in repaired for row in rows} <= set(added)
    assert check_roster(prob, _solver._searched_roster(prob, outcome, outcome.bound,
                                                       time.monotonic())).ok


@pytest.mark.parametrize("kinds", [("column",), _columns.DIVES])
def test_column_dives_fix_whole_columns_into_rosters_that_keep_the_rules(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    kinds: tuple[str, ...],
) -> None:
    monkeypatch.setattr(_columns, "ENUM_GAP", -1)  # the dives and the integer master alone
    monkeypatch.setattr(_columns, "DIVES", kinds)
    parsed = instance(1)
    prob = curtois_problem(parsed)
    start = first_roster(prob, 0.5)
    dived: list[list[Any]] = []
    real = _columns._Master.unfix

    def unfix(self: Any, a: int) -> None:  # a dive's end: its fixings are the roster's rows
        if a == 0:
            dived.append([])
        fixed = self.lambdas[a]
        dived[-1].append([column.row for column, var in zip(self.columns[a], fixed, strict=True)
                          if var.ub() > 0])
        real(self, a)

    monkeypatch.setattr(_columns._Master, "unfix", unfix)
    caplog.set_level("DEBUG", logger="scheduler._columns")
    outcome = priced_and_dived(prob, start, 10, [])
    logged = [message.split(" dive ")[0] for message in caplog.messages if " dive " in message]
    assert logged and logged == [kinds[i % len(kinds)] for i in range(len(logged))]
    if kinds == ("column",):
        # every column dive ends with each agent held to one whole column: the LP's own
        # rows, no cell rounded
        assert dived and all(len({tuple(row) for row in kept}) == 1
                             for roster in dived for kept in roster)
    assert 0 < outcome.bound <= 607 <= outcome.state.objective <= start.objective
    score = curtois_evaluate(parsed, {p.id: list(row or []) for p, row in
                                      zip(parsed.staff, outcome.state.rows, strict=True)})
    assert score.feasible and score.objective == outcome.state.objective
