"""The roster solver end to end: a 7x24 centre, infeasibility explained, minimal change,
progress and cancellation, and a property test against the independent checker.

``python -m tests.scheduler.test_solver [AGENTS] [SECONDS]`` measures the demo-size centre
(120 agents x 28 days, five 9-hour shift types, half-hourly demand) - not part of the suite.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from ortools.sat.python import cp_model

from scheduler import (
    InfeasibleError,
    ProblemError,
    Roster,
    RosterProblem,
    SolveProgress,
    SolverError,
    _lns,
    _solver,
    check_roster,
    solve,
)
from scheduler._rules import build
from tests.scheduler.factories import START, agent, day, problem

# --------------------------------------------------------------------------- generated centres

DAY_SHAPE = [10] * 7 + [18, 26, 35, 35, 35, 30, 30, 34, 34, 34, 28, 28, 28, 22, 22, 14, 14]
DEMO_SHIFTS = (("M07", "07:00"), ("D09", "09:00"), ("E13", "13:00"), ("S16", "16:00"),
               ("N23", "23:00"))


def centre_problem(agents: int = 120, days: int = 28, seed: int = 7, *,
                   averaging_weeks: int = 4, scale: float | None = None) -> RosterProblem:
    """A demo-like centre: M07/D09/E13/S16 day and N23 night shifts of 540 minutes, 2,400
    weekly minutes averaged over ``averaging_weeks``, 12 h minimum rest, no N23 -> M07/D09,
    at most 6 days in a row, half-hourly demand of ~10-35 agents (per 120) shaped like a day."""
    rng = random.Random(seed)
    scale = agents / 120 if scale is None else scale
    leave_days = list(range(days))
    rng.shuffle(leave_days)
    people: list[dict[str, Any]] = []
    for i in range(agents):
        person: dict[str, Any] = {
            "id": f"A{i + 1:03d}", "team": f"T{i % 4 + 1}", "night_eligible": i % 3 != 0,
            "contract": {"weekly_minutes": 2400, "averaging_weeks": averaging_weeks,
                         "max_consecutive_work_days": 6},
        }
        if i % 4 == 0 and i // 4 < days:
            when = START + dt.timedelta(days=leave_days[i // 4])
            person["leave"] = [{"date": when.isoformat(), "kind": "annual"}]
        if i % 5 == 1:
            when = START + dt.timedelta(days=rng.randrange(days))
            person["requests"] = [{"date": when.isoformat(), "on": False, "weight": 2}]
        people.append(person)
    demand = []
    for d in range(days):
        date = START + dt.timedelta(days=d)
        weekend = 0.8 if date.weekday() >= 5 else 1.0
        for hour in range(24):
            for minute in (0, 30):
                wanted = DAY_SHAPE[hour] * weekend * scale + rng.uniform(-1.5, 1.5)
                demand.append({"start": f"{date}T{hour:02d}:{minute:02d}",
                               "agents": max(1, round(wanted)),
                               "weight_under": 100, "weight_over": 1})
    return RosterProblem.model_validate({
        "name": f"centre-{agents}x{days}",
        "start_date": START.isoformat(),
        "days": days,
        "shift_types": [{"id": sid, "start": clock, "duration_minutes": 540,
                         "night": sid == "N23"} for sid, clock in DEMO_SHIFTS],
        "agents": people,
        "demand": demand,
        "rules": {"min_rest_minutes": 720,
                  "forbidden_successions": [["N23", "M07"], ["N23", "D09"]]},
    })


def small_centre() -> RosterProblem:
    """12 agents x 14 days, four shift types (one short), interval demand around the clock."""
    prob = centre_problem(12, 14, seed=3, averaging_weeks=2, scale=0.12)
    data = prob.model_dump(mode="json")
    data["shift_types"] = [
        {"id": "M07", "start": "07:00", "duration_minutes": 540},
        {"id": "E15", "start": "15:00", "duration_minutes": 540},
        {"id": "S10", "start": "10:00", "duration_minutes": 240},
        {"id": "N23", "start": "23:00", "duration_minutes": 540, "night": True},
    ]
    data["rules"]["forbidden_successions"] = [["N23", "M07"]]
    for person in data["agents"]:
        person["contract"]["tolerance_minutes"] = 240
    return RosterProblem.model_validate(data)


def assert_checked(prob: RosterProblem, roster: Roster) -> None:
    report = check_roster(prob, roster)
    assert report.ok, [str(v) for v in report.violations][:10]
    assert report.consistent, report.to_text()[-2000:]
    assert roster.objective == report.objective == sum(p.amount for p in roster.penalties)
    assert roster.bound is not None and roster.bound <= roster.objective


# --------------------------------------------------------------------------- a 7x24 centre


def test_small_centre_solves_to_a_roster_the_checker_accepts() -> None:
    prob = small_centre()
    progress: list[SolveProgress] = []
    roster = solve(prob, time_limit_seconds=6, workers=2, on_progress=progress.append)
    assert_checked(prob, roster)
    assert roster.status in ("OPTIMAL", "FEASIBLE")
    assert progress and all(p.bound <= p.objective for p in progress)
    assert progress[-1].objective >= roster.objective  # the model's value bounds the exact one
    assert len(roster.coverage) == 14 * 48
    long = [a for a in roster.assignments if a.shift != "S10"]
    assert long and all(len(a.breaks) == 2 for a in long)


# --------------------------------------------------------------------------- infeasibility


def test_unreachable_weekly_minutes_name_the_agent_and_weeks() -> None:
    prob = problem(
        shift_types=[{"id": "D08", "start": "08:00", "duration_minutes": 540}],
        agents=[agent("A017", contract={"weekly_minutes": 2300, "averaging_weeks": 1})],
        days=14,
    )
    with pytest.raises(InfeasibleError) as caught:
        solve(prob, time_limit_seconds=5)
    (first, second) = caught.value.reasons
    assert first.startswith("art. 31 contract_hours: A017: 2,300 weekly minutes cannot be "
                            "reached with the allowed shift lengths over weeks 1\u20131")
    assert "weeks 2\u20132" in second and "closest possible 1,920 or 2,400" in first


def test_leave_and_max_consecutive_days_count_in_the_hours_precheck() -> None:
    prob = problem(
        shift_types=[{"id": "D08", "start": "08:00", "duration_minutes": 540}],
        agents=[agent("A5", contract={"weekly_minutes": 2880, "averaging_weeks": 1,
                                      "max_consecutive_work_days": 2})],
    )  # six shifts needed; WW-WW-W is at most five
    with pytest.raises(InfeasibleError, match=r"A5: 2,880 weekly minutes .* at most 5 of 7 days"):
        solve(prob, time_limit_seconds=5)


def test_art_40_conflict_is_refused() -> None:
    prob = problem(agents=[agent("A003", leave=[{"date": day(4), "kind": "annual"}]),
                           agent("A044", leave=[{"date": day(4), "kind": "annual"}])])
    with pytest.raises(ProblemError, match="2026-12-04: annual leave of A003 and A044 exceeds"):
        solve(prob, time_limit_seconds=5)


def test_fixed_shift_on_a_leave_day_is_named() -> None:
    prob = problem(agents=[agent("A3", leave=[{"date": day(2), "kind": "annual"}],
                                 fixed=[{"date": day(2), "shift": "D08"}]),
                           agent("A4", night_eligible=False,
                                 fixed=[{"date": day(1), "shift": "N22"}])])
    with pytest.raises(InfeasibleError) as caught:
        solve(prob, time_limit_seconds=5)
    assert caught.value.reasons == [
        "fixed_assignments: A3: fixed to D08 on 2026-12-02, a day of annual leave (leave)",
        "night_eligibility: A4: fixed to night shift N22 on 2026-12-01, but A4 is not "
        "night-eligible",
    ]


def test_a_conflict_found_by_search_names_a_small_set_of_rules_and_agents() -> None:
    # fixed to work four days in a row, but at most three in a row: only CP-SAT sees it
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


# --------------------------------------------------------------------------- minimal change


def test_replanning_after_a_leave_approval_moves_few_shifts() -> None:
    prob = small_centre()
    first = solve(prob, time_limit_seconds=5, workers=2)
    assert_checked(prob, first)
    # approve one day of sick leave on a day A002 works
    target = next(a for a in first.assignments if a.agent == "A002")
    data = prob.model_dump(mode="json")
    person = next(p for p in data["agents"] if p["id"] == "A002")
    person.setdefault("leave", []).append({"date": target.date.isoformat(), "kind": "sick"})
    data["previous_roster"] = first.model_dump(mode="json")
    data["weights"]["change_from"] = 500
    replanned_problem = RosterProblem.model_validate(data)
    # the re-plan repairs the previous roster (repair_hint); the limit is generous so a busy
    # machine cannot turn it into a fresh solve
    again = solve(replanned_problem, time_limit_seconds=30, workers=2)
    assert_checked(replanned_problem, again)
    changes = [p for p in again.penalties if p.rule == "change_from"]
    assert f"A002/{target.date}" in {p.subject for p in changes}
    # The first roster is only FEASIBLE (5 s), so the re-plan may also move a few shifts that
    # pay for themselves; it must never do worse than the one-move repair (drop the shift).
    assert 1 <= len(changes) <= 6
    trivial = first.model_copy(update={"assignments": tuple(
        a for a in first.assignments if (a.agent, a.date) != ("A002", target.date))})
    repair = check_roster(replanned_problem, trivial)
    if repair.ok:
        assert again.objective <= repair.objective


# --------------------------------------------------------------------------- progress, cancel


def test_cancel_keeps_the_best_roster_found() -> None:
    prob = centre_problem(24, 14, seed=5, averaging_weeks=2)
    stop = threading.Event()
    seen: list[SolveProgress] = []

    def on_progress(progress: SolveProgress) -> None:
        seen.append(progress)
        stop.set()  # cancel as soon as a roster exists

    started = time.monotonic()
    roster = solve(prob, time_limit_seconds=30, workers=2, on_progress=on_progress,
                   stop_event=stop)
    assert time.monotonic() - started < 25
    assert seen
    assert_checked(prob, roster)


def test_cancel_before_any_roster_raises_solver_error() -> None:
    prob = centre_problem(24, 14, seed=5, averaging_weeks=2)
    stop = threading.Event()
    stop.set()
    try:
        roster = solve(prob, time_limit_seconds=20, workers=2, stop_event=stop)
    except SolverError as exc:
        assert "cancelled" in str(exc)
    else:  # presolve alone may already have found one: then it is kept
        assert_checked(prob, roster)


def test_errors_in_the_progress_callback_surface_after_the_solve() -> None:
    def broken(progress: SolveProgress) -> None:
        raise RuntimeError("display went away")

    with pytest.raises(RuntimeError, match="display went away"):
        solve(small_centre(), time_limit_seconds=5, on_progress=broken)


def test_model_creates_variables_only_for_allowed_shifts() -> None:
    prob = problem(agents=[agent("A1", night_eligible=False, days_off=[day(0)],
                                 contract={"max_shifts": {"S09": 0}})])
    m, _ = build(prob)
    assert m.shifts_of[0][0] == {}
    assert set(m.shifts_of[0][1]) == {"D08"}


# --------------------------------------------------------------------------- property


@st.composite
def small_problems(draw: st.DrawFn) -> RosterProblem:
    days = draw(st.integers(2, 6))
    n_agents = draw(st.integers(1, 4))
    agents = []
    for i in range(n_agents):
        contract: dict[str, Any] = {}
        if draw(st.booleans()):
            contract["max_consecutive_work_days"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            contract["min_consecutive_days_off"] = draw(st.integers(1, 2))
        if draw(st.booleans()):
            contract["max_shifts"] = {"N22": draw(st.integers(0, 2))}
        if draw(st.booleans()):
            contract.update(weekly_minutes=draw(st.sampled_from([960, 1200, 1440])),
                            tolerance_minutes=240)
        requests = [
            {"date": day(draw(st.integers(0, days - 1))),
             "shift": draw(st.sampled_from([None, "D08", "S09", "N22"])),
             "on": draw(st.booleans()), "weight": draw(st.integers(0, 3))}
            for _ in range(draw(st.integers(0, 3)))
        ]
        agents.append(agent(f"A{i}", team=draw(st.sampled_from(["T1", "T2"])),
                            night_eligible=draw(st.booleans()), contract=contract,
                            requests=requests))
    demand = [
        {"start": f"{day(d)}T{h:02d}:{m:02d}", "agents": draw(st.integers(0, 3)),
         "weight_under": draw(st.integers(0, 9)), "weight_over": draw(st.integers(0, 2))}
        for d in range(days)
        for h in sorted(set(draw(st.lists(st.integers(0, 23), max_size=4))))
        for m in (0, 30)
    ]
    cover = [{"date": day(d), "shift": "D08", "required": draw(st.integers(0, 2))}
             for d in range(days) if draw(st.booleans())]
    return problem(
        days=days, agents=agents, demand=demand, cover=cover,
        interval_minutes=30,
        rules={"min_rest_minutes": draw(st.sampled_from([0, 600, 720])),
               "forbidden_successions": [["N22", "D08"]] if draw(st.booleans()) else []},
        weights={"request": draw(st.integers(0, 2)), "fairness": draw(st.integers(0, 2))},
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_every_solved_roster_passes_the_checker(prob: RosterProblem) -> None:
    try:
        roster = solve(prob, time_limit_seconds=3, workers=2)
    except InfeasibleError as exc:
        assert exc.reasons
        event("infeasible")
        return
    event(f"{roster.status}, {len(roster.assignments) > 0} assignments")
    assert_checked(prob, roster)
    if roster.status == "OPTIMAL":
        assert roster.bound == roster.objective


# --------------------------------------------------------------------------- measurement


def measure(agents: int = 120, seconds: float = 60.0) -> None:  # pragma: no cover - manual
    prob = centre_problem(agents)
    started = time.monotonic()
    m, terms = build(prob)
    built = time.monotonic() - started
    proto = m.model.proto
    print(f"{prob.name}: model built in {built:.1f} s: {len(proto.variables)} variables, "
          f"{len(proto.constraints)} constraints, {len(terms)} penalty terms")
    roster = solve(prob, time_limit_seconds=seconds, workers=2,
                   on_progress=lambda p: print(f"  {p.seconds:6.1f} s  {p.objective}  "
                                               f"bound {p.bound}"))
    report = check_roster(prob, roster)
    bound = roster.bound or 0
    gap = (roster.objective - bound) / roster.objective if roster.objective else 0.0
    short = sum(max(0.0, line.required - line.on_phones) for line in roster.coverage)
    print(f"{roster.status} objective {roster.objective} bound {bound} gap {gap:.1%} "
          f"in {roster.seconds} s; checker ok={report.ok} consistent={report.consistent}; "
          f"agent-intervals short {short:g}")


if __name__ == "__main__":  # pragma: no cover
    measure(int(sys.argv[1]) if len(sys.argv) > 1 else 120,
            float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)


def test_without_demand_the_whole_model_has_its_own_size_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Curtois-like problems (cover, no demand intervals) are solved whole up to their own limit
    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("the neighbourhood search was used")

    monkeypatch.setattr(_solver, "search", no_search)
    monkeypatch.setattr(_solver, "WHOLE_MODEL_VARIABLES", 10)
    monkeypatch.setattr(_solver, "WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND", 10_000)
    prob = problem(days=7, agents=[agent("A1"), agent("A2")],
                   cover=[{"date": day(0), "shift": "S09", "required": 2, "weight_under": 5}])
    assert 10 < _solver.shift_variables(prob) <= 10_000
    roster = solve(prob, time_limit_seconds=10, workers=1)
    assert roster.status == "OPTIMAL" and roster.objective == 0


@pytest.mark.parametrize(("with_demand", "workers", "interleaved"), [
    (False, 2, True), (True, 2, False), (False, 8, False)])
def test_small_cover_only_models_run_the_whole_portfolio_interleaved(
    monkeypatch: pytest.MonkeyPatch, with_demand: bool, workers: int, interleaved: bool
) -> None:
    made: list[Any] = []
    make = _solver._solver

    def spy(*args: Any) -> Any:
        made.append(make(*args))
        return made[-1]

    monkeypatch.setattr(_solver, "_solver", spy)
    demand = [{"start": f"{day(0)}T10:00", "agents": 1}] if with_demand else []
    prob = problem(days=7, agents=[agent("A1")], demand=demand,
                   cover=[{"date": day(0), "shift": "S09", "required": 1, "weight_under": 5}])
    roster = solve(prob, time_limit_seconds=10, workers=workers)
    assert roster.status == "OPTIMAL"
    assert made[0].parameters.interleave_search is interleaved


# --------------------------------------------------------------------------- hinted whole model


def cover_only(agents: int = 3, days: int = 14) -> RosterProblem:
    """Curtois-like: cover per (day, shift type), requests, consecutive-day rules, no demand."""
    people = [
        agent(f"A{i}", contract={"max_consecutive_work_days": 5, "min_consecutive_work_days": 2,
                                 "min_consecutive_days_off": 2, "max_weekends": 1},
              requests=[{"date": day(i), "shift": "S09", "on": True, "weight": 2}])
        for i in range(agents)
    ]
    cover = [{"date": day(d), "shift": s, "required": 1 + (d + k) % 2, "weight_under": 10,
              "weight_over": 1}
             for d in range(days) for k, s in enumerate(("D08", "S09"))]
    return problem(days=days, agents=people, cover=cover)


@pytest.fixture
def hinted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every cover-only problem goes the hinted way; records what the search and hints saw."""
    monkeypatch.setattr(_solver, "WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND", 0)
    monkeypatch.setattr(_solver, "HINTED_MODEL_VARIABLES", 10_000)
    seen: dict[str, list[Any]] = {"search": [], "hints": []}
    search, hint = _solver.search, _solver.hint_roster

    def spy_search(*args: Any, **kwargs: Any) -> Any:
        seen["search"].append(kwargs)
        return search(*args, **kwargs)

    def spy_hint(*args: Any) -> None:
        seen["hints"].append(args)
        hint(*args)

    monkeypatch.setattr(_solver, "search", spy_search)
    monkeypatch.setattr(_solver, "hint_roster", spy_hint)
    return seen


def test_mid_sized_cover_only_problems_hint_the_whole_model_with_the_search_roster(
    hinted: dict[str, list[Any]],
) -> None:
    prob = cover_only()
    progress: list[SolveProgress] = []
    roster = solve(prob, time_limit_seconds=8, workers=2, on_progress=progress.append)
    assert_checked(prob, roster)
    # the search ran first, for its share of the time and without the aggregate bound
    [call] = hinted["search"]
    assert call["aggregate"] is False
    assert call["deadline"] - time.monotonic() < 0.25 * 8
    assert len(hinted["hints"]) == 1
    # the bound is the whole model's (the search alone proves none without the aggregate)
    assert roster.status == "OPTIMAL" and roster.bound == roster.objective
    # reports only ever improve, across the two phases
    objectives = [p.objective for p in progress]
    assert objectives and objectives == sorted(objectives, reverse=True)
    assert len(set(objectives)) == len(objectives)


def test_larger_cover_only_problems_give_most_of_the_time_to_short_search_steps(
    hinted: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_solver, "HINT_WHOLE_VARIABLES", 0)  # every problem counts as larger
    steps: list[float] = []
    construct = _lns.Planner.construct

    def spy_construct(self: _lns.Planner, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("current") is not None:  # a neighbourhood step, not the construction
            steps.append(args[2])
        return construct(self, *args, **kwargs)

    monkeypatch.setattr(_lns.Planner, "construct", spy_construct)
    prob = cover_only()
    started = time.monotonic()
    roster = solve(prob, time_limit_seconds=8, workers=2)
    assert_checked(prob, roster)
    [call] = hinted["search"]
    assert call["deadline"] - started == pytest.approx(_solver.HINT_SEARCH_SHARE * 8, abs=0.5)
    assert call["step_seconds"] == _solver.SEARCH_STEP_SECONDS < _lns.STEP_SECONDS
    assert steps and max(steps) <= _solver.SEARCH_STEP_SECONDS
    assert len(hinted["hints"]) == 1  # then the whole model, hinted


def test_the_search_roster_is_kept_when_the_whole_model_finds_nothing_better(
    hinted: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_solver, "_run", lambda *args: int(cp_model.UNKNOWN))
    prob = cover_only()
    progress: list[SolveProgress] = []
    roster = solve(prob, time_limit_seconds=4, workers=2, on_progress=progress.append)
    assert_checked(prob, roster)
    assert progress and roster.objective == progress[-1].objective


def test_cancel_during_the_hinted_search_keeps_its_roster(hinted: dict[str, list[Any]]) -> None:
    prob = cover_only(agents=6, days=28)
    stop = threading.Event()

    def on_progress(progress: SolveProgress) -> None:
        stop.set()  # cancel at the first roster, before the whole model

    started = time.monotonic()
    roster = solve(prob, time_limit_seconds=30, workers=2, on_progress=on_progress,
                   stop_event=stop)
    assert time.monotonic() - started < 10
    assert_checked(prob, roster)
    assert hinted["hints"] == []  # the whole model was never built
