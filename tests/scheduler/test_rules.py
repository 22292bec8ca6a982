"""One test per solver rule: a tiny problem where only that rule bites, solved to optimality.

Each test asserts that the rule fires and by how much (the objective and its penalty lines),
and every roster is validated by the independent checker (``check_roster``): no hard rule
broken, objective and penalty lines equal to the recomputation.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from scheduler import CheckReport, ProblemError, Roster, RosterProblem, check_roster, solve
from scheduler._rules import HARD_RULES, SOFT_RULES
from tests.scheduler.factories import START, agent, at, day, problem


def solved(prob: RosterProblem) -> tuple[Roster, CheckReport]:
    roster = solve(prob, time_limit_seconds=10, workers=2)
    report = check_roster(prob, roster)
    assert report.ok, [str(v) for v in report.violations]
    assert report.consistent, report.to_text()
    assert roster.status == "OPTIMAL" and roster.bound == roster.objective
    return roster, report


def days_worked(roster: Roster, agent_id: str = "A1") -> list[int]:
    return sorted((a.date - START).days for a in roster.assignments if a.agent == agent_id)


def every_day(on: bool, shift: str | None = None, weight: int = 1, days: int = 7) -> list[Any]:
    return [{"date": day(d), "shift": shift, "on": on, "weight": weight} for d in range(days)]


# --------------------------------------------------------------------------- registry


def test_rules_are_registered_once_with_their_articles() -> None:
    names = [rule.name for rule in HARD_RULES] + [rule.name for rule in SOFT_RULES]
    assert len(names) == len(set(names))
    articles = {rule.name: rule.article for rule in HARD_RULES}
    articles.update({rule.name: rule.article for rule in SOFT_RULES})
    assert articles["contract_hours"] == 31
    assert articles["meal_and_rest_breaks"] == 32
    assert articles["max_concurrent_annual_leave"] == 40
    assert articles["demand_coverage"] == 30


def test_solver_rules_do_not_import_the_checker() -> None:
    import ast
    import inspect

    import scheduler._breaks
    import scheduler._rules
    import scheduler._solver

    for module in (scheduler._rules, scheduler._solver, scheduler._breaks):
        tree = ast.parse(inspect.getsource(module))
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
        assert not any("_check" in name for name in imported), module.__name__


# --------------------------------------------------------------------------- hard rules


def test_one_shift_per_day() -> None:
    prob = problem(cover=[
        {"date": day(0), "shift": "D08", "required": 1, "weight_under": 5},
        {"date": day(0), "shift": "S09", "required": 1, "weight_under": 5},
    ])
    roster, report = solved(prob)
    assert len(roster.assignments) == 1
    assert report.penalty_of("cover_under") == 5 and roster.objective == 5


def test_contract_hours() -> None:
    # 2,400 minutes in one week, every day off wanted: at least 5 days (540-minute work max)
    prob = problem(agents=[agent(contract={"weekly_minutes": 2400, "averaging_weeks": 1},
                                 requests=every_day(False))])
    roster, report = solved(prob)
    work = {"D08": 480, "S09": 240, "N22": 540}
    assert sum(work[a.shift] for a in roster.assignments) == 2400
    assert report.penalty_of("unmet_request") == 5 and roster.objective == 5


def test_contract_hours_credit_leave_days() -> None:
    prob = problem(
        shift_types=[{"id": "D08", "start": "08:00", "duration_minutes": 540}],
        agents=[agent(contract={"weekly_minutes": 2400, "averaging_weeks": 1},
                      leave=[{"date": day(2), "kind": "sick"}])],
    )
    roster, _ = solved(prob)
    assert len(roster.assignments) == 4 and 2 not in days_worked(roster)


def test_min_work_minutes() -> None:
    prob = problem(agents=[agent(contract={"min_work_minutes": 1000}, requests=every_day(False))])
    roster, _ = solved(prob)
    assert roster.objective == 2  # two shifts (N22 + N22 = 1,080 or D08 + N22 = 1,020)


def test_max_work_minutes() -> None:
    prob = problem(agents=[agent(contract={"max_work_minutes": 500}, requests=every_day(True))])
    roster, _ = solved(prob)
    assert roster.objective == 5  # two S09 (480 minutes); five requests unmet


def test_max_shifts_per_type() -> None:
    prob = problem(agents=[agent(contract={"max_shifts": {"D08": 2}},
                                 requests=every_day(True, "D08"))])
    roster, _ = solved(prob)
    assert Counter(a.shift for a in roster.assignments)["D08"] == 2
    assert roster.objective == 5


def test_max_consecutive_work_days() -> None:
    prob = problem(agents=[agent(contract={"max_consecutive_work_days": 3},
                                 requests=every_day(True))])
    roster, _ = solved(prob)
    assert len(days_worked(roster)) == 6 and days_worked(roster) == [0, 1, 2, 4, 5, 6]
    assert roster.objective == 1


def test_min_consecutive_work_days() -> None:
    requests = every_day(False)
    requests[3] = {"date": day(3), "on": True, "weight": 10}
    prob = problem(agents=[agent(contract={"min_consecutive_work_days": 3}, requests=requests)])
    roster, _ = solved(prob)
    worked = days_worked(roster)
    assert len(worked) == 3 and 3 in worked and worked[2] - worked[0] == 2
    assert roster.objective == 2


def test_min_consecutive_work_days_spares_runs_at_the_edges() -> None:
    requests = every_day(False)
    requests[0] = {"date": day(0), "on": True, "weight": 10}
    prob = problem(agents=[agent(contract={"min_consecutive_work_days": 3}, requests=requests)])
    roster, _ = solved(prob)
    assert days_worked(roster) == [0] and roster.objective == 0


def test_min_consecutive_days_off() -> None:
    requests = every_day(True)
    requests[3] = {"date": day(3), "on": False, "weight": 10}
    prob = problem(agents=[agent(contract={"min_consecutive_days_off": 2}, requests=requests)])
    roster, _ = solved(prob)
    off = sorted(set(range(7)) - set(days_worked(roster)))
    assert len(off) == 2 and 3 in off and off[1] - off[0] == 1
    assert roster.objective == 1  # the on-request of the second day off


def test_max_weekends() -> None:
    requests = [{"date": day(5), "on": True}, {"date": day(12), "on": True}]
    prob = problem(days=14, agents=[agent(contract={"max_weekends": 1}, requests=requests)])
    roster, _ = solved(prob)
    assert len(roster.assignments) == 1 and roster.objective == 1


def test_max_weekends_counts_saturday_and_sunday_as_one_weekend() -> None:
    # both days of the first weekend are one weekend: max_weekends 1 grants both requests
    requests = [{"date": day(5), "on": True}, {"date": day(6), "on": True},
                {"date": day(12), "on": True}]
    prob = problem(days=14, agents=[agent(contract={"max_weekends": 1}, requests=requests)])
    roster, _ = solved(prob)
    assert {a.date.isoformat() for a in roster.assignments} == {day(5), day(6)}
    assert roster.objective == 1


def test_days_off_and_leave() -> None:
    prob = problem(agents=[agent(days_off=[day(1)], leave=[{"date": day(2), "kind": "sick"}],
                                 requests=every_day(True))])
    roster, report = solved(prob)
    assert days_worked(roster) == [0, 3, 4, 5, 6]
    assert report.penalty_of("unmet_request") == 2


def test_fixed_assignments() -> None:
    prob = problem(agents=[agent(fixed=[{"date": day(0), "shift": "N22"}, {"date": day(2)}],
                                 requests=every_day(False))])
    roster, _ = solved(prob)
    assert [(a.shift, (a.date.day)) for a in roster.assignments][0] == ("N22", 30)
    assert days_worked(roster) == [0, 2] and roster.objective == 2


def test_night_eligibility() -> None:
    prob = problem(agents=[agent(night_eligible=False,
                                 requests=[{"date": day(0), "shift": "N22", "on": True}])])
    roster, _ = solved(prob)
    assert not any(a.shift == "N22" for a in roster.assignments)
    assert roster.objective == 1


def test_min_rest_between_shifts() -> None:
    requests = [{"date": day(0), "shift": "N22", "on": True},
                {"date": day(1), "shift": "D08", "on": True}]
    without = problem(agents=[agent(requests=requests)])
    assert solved(without)[0].objective == 0  # N22 ends 08:00, D08 starts 08:00: no overlap
    prob = problem(agents=[agent(requests=requests)], rules={"min_rest_minutes": 720})
    roster, _ = solved(prob)
    assert len(roster.assignments) == 1 and roster.objective == 1


def test_min_rest_forbids_overlap_even_without_a_minimum() -> None:
    requests = [{"date": day(0), "shift": "N22", "on": True},
                {"date": day(1), "shift": "S09", "on": True, "weight": 1}]
    prob = problem(shift_types=[{"id": "N22", "start": "22:00", "duration_minutes": 720,
                                 "night": True},
                                {"id": "S09", "start": "09:00", "duration_minutes": 240}],
                   agents=[agent(requests=requests)],
                   rules={"breaks": {"max_continuous_work_minutes": 300}})
    roster, _ = solved(prob)
    assert roster.objective == 1  # N22 runs to 10:00, S09 starts 09:00


def test_forbidden_successions() -> None:
    requests = [{"date": day(0), "shift": "N22", "on": True},
                {"date": day(1), "shift": "S09", "on": True}]
    prob = problem(agents=[agent(requests=requests)],
                   rules={"forbidden_successions": [["N22", "S09"]]})
    roster, _ = solved(prob)
    assert len(roster.assignments) == 1 and roster.objective == 1


def test_meal_and_rest_breaks() -> None:
    prob = problem(agents=[agent(fixed=[{"date": day(d), "shift": s}
                                        for d, s in ((0, "D08"), (1, "S09"), (2, "N22"))])])
    roster, _ = solved(prob)
    breaks = {a.shift: [b.kind for b in a.breaks] for a in roster.assignments}
    assert sorted(breaks["D08"]) == sorted(breaks["N22"]) == ["meal", "rest"]
    assert breaks["S09"] == []


def test_max_concurrent_annual_leave() -> None:
    prob = problem(agents=[agent("A1", leave=[{"date": day(3), "kind": "annual"}]),
                           agent("A2", leave=[{"date": day(3), "kind": "annual"}])])
    with pytest.raises(ProblemError, match=r"art\. 40: 2026-12-03: annual leave of A1 and A2"):
        solve(prob, time_limit_seconds=5)


# --------------------------------------------------------------------------- soft rules


def test_demand_coverage_under_and_over() -> None:
    prob = problem(
        agents=[agent(fixed=[{"date": day(0), "shift": "S09"}])],
        shift_types=[{"id": "S09", "start": "09:00", "duration_minutes": 240}],
        days=1,
        demand=[{"start": at(0, "09:00"), "agents": 3, "weight_under": 7},
                {"start": at(0, "10:00"), "agents": 0, "weight_over": 3},
                {"start": at(0, "11:00"), "agents": 1}],
    )
    roster, report = solved(prob)
    assert report.penalty_of("under_coverage") == 14  # two agents short x 7
    assert report.penalty_of("over_coverage") == 3
    assert roster.objective == 17
    assert [line.on_phones for line in roster.coverage] == [1, 1, 1]


def test_demand_coverage_is_pro_rata_and_rounded_up_per_interval() -> None:
    """Hourly intervals: two 30-minute breaks in one hour cost ceil(3 x 60/60) = 3; split over
    two hours they would cost ceil(3 x 30/60) x 2 = 4. The solver puts them together."""
    prob = problem(
        agents=[agent(fixed=[{"date": day(0), "shift": "D08"}])],
        shift_types=[{"id": "D08", "start": "08:00", "duration_minutes": 540}],
        days=1,
        interval_minutes=60,
        demand=[{"start": at(0, f"{h:02d}:00"), "agents": 1, "weight_under": 3}
                for h in range(8, 17)],
    )
    roster, report = solved(prob)
    assert report.penalty_of("under_coverage") == 3 and roster.objective == 3
    assert sorted(line.on_phones for line in roster.coverage)[0] == 0


def test_shift_cover() -> None:
    prob = problem(
        agents=[agent(fixed=[{"date": day(1), "shift": "S09"}])],
        cover=[{"date": day(0), "shift": "D08", "required": 2, "weight_under": 5},
               {"date": day(1), "shift": "S09", "required": 0, "weight_over": 4}],
    )
    roster, report = solved(prob)
    assert report.penalty_of("cover_under") == 5  # one D08 worked, one short
    assert report.penalty_of("cover_over") == 4
    assert roster.objective == 9


def test_agent_requests() -> None:
    requests = [
        {"date": day(0), "shift": "S09", "on": True, "weight": 2},  # unmet: fixed to D08
        {"date": day(0), "shift": "D08", "on": False, "weight": 3},  # unmet
        {"date": day(1), "shift": None, "on": True, "weight": 4},  # met
        {"date": day(2), "shift": None, "on": False, "weight": 5},  # met
    ]
    prob = problem(agents=[agent(fixed=[{"date": day(0), "shift": "D08"}], requests=requests)],
                   weights={"request": 2})
    roster, report = solved(prob)
    lines = {p.subject: p.amount for p in roster.penalties}
    assert lines == {f"A1/{day(0)}/S09": 4, f"A1/{day(0)}/D08": 6}
    assert report.penalty_of("unmet_request") == 10 and 1 in days_worked(roster)


def test_fairness() -> None:
    # three nights wanted over three days, two night-eligible agents: 2 and 1 -> spread 1
    prob = problem(
        days=3,
        agents=[agent("A1"), agent("A2"), agent("A3", night_eligible=False)],
        cover=[{"date": day(d), "shift": "N22", "required": 1, "weight_under": 10,
                "weight_over": 10} for d in range(3)],
        weights={"fairness": 3},
    )
    roster, report = solved(prob)
    assert report.penalty_of("fairness_nights") == 3 and roster.objective == 3
    assert report.penalty_of("fairness_weekends") == 0


def test_fairness_weekends() -> None:
    prob = problem(
        days=6,  # Monday to Saturday
        shift_types=[{"id": "D08", "start": "08:00", "duration_minutes": 540}],
        agents=[agent("A1"), agent("A2")],
        cover=[{"date": day(5), "shift": "D08", "required": 1, "weight_under": 10,
                "weight_over": 10}],
    )
    roster, report = solved(prob)
    assert report.penalty_of("fairness_weekends") == 1 and roster.objective == 1


def test_change_from_previous() -> None:
    base = problem(agents=[agent(fixed=[{"date": day(0), "shift": "D08"},
                                        {"date": day(1), "shift": "S09"}])])
    previous, _ = solved(base)
    replanned = problem(
        agents=[agent(leave=[{"date": day(0), "kind": "sick"}])],
        previous_roster=previous.model_dump(mode="json"),
        weights={"change_from": 2},
    )
    roster, report = solved(replanned)
    assert days_worked(roster) == [1]  # keeps S09 on day 1 although nothing requires it
    assert [(p.rule, p.subject, p.amount) for p in roster.penalties] == [
        ("change_from", f"A1/{day(0)}", 2)
    ]
    assert report.penalty_of("change_from") == 2
