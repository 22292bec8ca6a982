"""One test per rule of the independent checker: a tiny problem where only that rule bites."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
from collections import Counter
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

import scheduler._check as check_module
from scheduler import check_roster, load_roster, roster_to_json, save_roster
from scheduler._check import HARD_RULES, SOFT_RULES
from tests.scheduler.factories import (
    agent,
    at,
    brk,
    day,
    problem,
    roster,
    shift,
    solved,
    verify,
)


def contract(**fields: Any) -> dict[str, Any]:
    return agent(contract=fields)


# --------------------------------------------------------------------------- the registry


def test_every_rule_is_registered_once_with_its_article() -> None:
    names = [rule.name for rule in HARD_RULES] + [rule.name for rule in SOFT_RULES]
    assert len(names) == len(set(names))
    articles = {rule.name: rule.article for rule in HARD_RULES}
    articles.update({rule.name: rule.article for rule in SOFT_RULES})
    assert articles["contract_hours"] == 31
    assert articles["breaks"] == 32
    assert articles["max_concurrent_annual_leave"] == 40
    assert articles["under_coverage"] == 30


def test_checker_shares_no_solver_code() -> None:
    tree = ast.parse(inspect.getsource(check_module))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name and ("ortools" in name or "solver" in name)}


def test_a_clean_roster_breaks_nothing() -> None:
    prob = problem()
    report = check_roster(prob, roster([shift(prob, 0, "D08"), shift(prob, 1, "N22")]))
    assert report.ok and report.objective == 0


# --------------------------------------------------------------------------- hard rules


def test_assignment_references() -> None:
    prob = problem()
    verify("assignment_references").given(prob, [shift(prob, 0, "D08", agent_id="ZZ")]).violates(1)
    verify("assignment_references").given(prob, [shift(prob, 0, "X99")]).violates(1)
    verify("assignment_references").given(prob, [shift(prob, 7, "D08")]).violates(1)


def test_one_shift_per_day() -> None:
    prob = problem()
    two = [shift(prob, 0, "D08"), shift(prob, 0, "N22")]
    verify("one_shift_per_day").given(prob, two).violates(1)


def test_shift_times_must_match_the_shift_type() -> None:
    prob = problem()
    late = shift(prob, 0, "S09", start=at(0, "09:30"), end=at(0, "13:30"))
    verify("shift_times").given(prob, [late]).violates(1)


def test_shift_times_accept_an_explicit_offset() -> None:
    prob = problem()
    same = shift(prob, 0, "S09", start=at(0, "01:00+00:00"), end=at(0, "05:00+00:00"))
    verify("shift_times").given(prob, [same]).violates(0)


def five_d08(prob: Any, first: int = 0, count: int = 5) -> list[dict[str, Any]]:
    return [shift(prob, first + i, "D08") for i in range(count)]


def test_contract_hours_per_block_art_31() -> None:
    prob = problem(agents=[contract(weekly_minutes=2400, averaging_weeks=1)])
    verify("contract_hours").given(prob, five_d08(prob)).violates(0)  # 5 x 480 = 2400
    report = verify("contract_hours").given(prob, five_d08(prob, count=4)).violates(1)
    assert report.violations[0].article == 31
    assert "1920 work minutes" in report.violations[0].message


def test_contract_hours_count_a_leave_day_as_a_fifth_of_the_week() -> None:
    leave = [{"date": day(4), "kind": "sick"}]
    prob = problem(agents=[agent(contract={"weekly_minutes": 2400}, leave=leave)])
    verify("contract_hours").given(prob, five_d08(prob, count=4)).violates(0)


def test_contract_hours_tolerance() -> None:
    prob = problem(agents=[contract(weekly_minutes=2500, tolerance_minutes=100)])
    verify("contract_hours").given(prob, five_d08(prob)).violates(0)
    prob = problem(agents=[contract(weekly_minutes=2501, tolerance_minutes=100)])
    verify("contract_hours").given(prob, five_d08(prob)).violates(1)


def test_contract_hours_last_shorter_block_is_pro_rata() -> None:
    # 10 days, 1-week blocks: 7 days (target 2400) then 3 days (target 2400 * 3 / 7 = 1028 4/7).
    prob = problem(
        days=10, agents=[contract(weekly_minutes=2400, averaging_weeks=1, tolerance_minutes=69)]
    )
    two_more = [shift(prob, 7, "D08"), shift(prob, 8, "D08")]  # 960: 68 4/7 short, within 69
    verify("contract_hours").given(prob, five_d08(prob) + two_more).violates(0)
    prob = problem(
        days=10, agents=[contract(weekly_minutes=2400, averaging_weeks=1, tolerance_minutes=68)]
    )
    report = verify("contract_hours").given(prob, five_d08(prob) + two_more).violates(1)
    assert report.violations[0].date == dt.date(2026, 12, 7)
    assert "target 1028.57" in report.violations[0].message


def test_contract_hours_use_due_breaks_not_the_roster() -> None:
    # A night shift works 600 - 60 = 540 minutes whatever breaks the roster shows.
    prob = problem(agents=[contract(weekly_minutes=540)])
    verify("contract_hours").given(prob, [shift(prob, 0, "N22")]).violates(0)


def test_min_and_max_work_minutes() -> None:
    prob = problem(agents=[contract(min_work_minutes=961)])
    verify("min_work_minutes").given(prob, five_d08(prob, count=2)).violates(1)
    prob = problem(agents=[contract(max_work_minutes=959)])
    verify("max_work_minutes").given(prob, five_d08(prob, count=2)).violates(1)
    prob = problem(agents=[contract(min_work_minutes=960, max_work_minutes=960)])
    verify("max_work_minutes").given(prob, five_d08(prob, count=2)).violates(0)


def test_max_shifts_per_type() -> None:
    prob = problem(agents=[contract(max_shifts={"N22": 1})])
    verify("max_shifts").given(prob, [shift(prob, 0, "N22"), shift(prob, 2, "N22")]).violates(1)
    verify("max_shifts").given(prob, [shift(prob, 0, "N22"), shift(prob, 2, "D08")]).violates(0)


def test_max_consecutive_work_days_also_at_the_edges() -> None:
    prob = problem(agents=[contract(max_consecutive_work_days=3)])
    verify("max_consecutive_work_days").given(prob, five_d08(prob, count=4)).violates(1)
    verify("max_consecutive_work_days").given(prob, five_d08(prob, 3, count=4)).violates(1)
    verify("max_consecutive_work_days").given(prob, five_d08(prob, count=3)).violates(0)


def test_min_consecutive_work_days_ignores_runs_touching_the_horizon() -> None:
    prob = problem(agents=[contract(min_consecutive_work_days=2)])
    verify("min_consecutive_work_days").given(prob, [shift(prob, 3, "D08")]).violates(1)
    verify("min_consecutive_work_days").given(prob, [shift(prob, 0, "D08")]).violates(0)
    verify("min_consecutive_work_days").given(prob, [shift(prob, 6, "D08")]).violates(0)


def test_min_consecutive_days_off_counts_leave_and_days_off_as_off() -> None:
    prob = problem(agents=[contract(min_consecutive_days_off=2)])
    one_off = five_d08(prob, count=2) + five_d08(prob, 3, count=4)
    verify("min_consecutive_days_off").given(prob, one_off).violates(1)
    edge_off = five_d08(prob, 1, count=6)
    verify("min_consecutive_days_off").given(prob, edge_off).violates(0)
    prob = problem(
        agents=[
            agent(
                contract={"min_consecutive_days_off": 2},
                days_off=[day(2)],
                leave=[{"date": day(3), "kind": "personal"}],
            )
        ]
    )
    two_off = five_d08(prob, count=2) + five_d08(prob, 4, count=3)
    verify("min_consecutive_days_off").given(prob, two_off).violates(0)


def test_max_weekends() -> None:
    prob = problem(days=14, agents=[contract(max_weekends=1)])
    same_weekend = [shift(prob, 5, "D08"), shift(prob, 6, "D08")]
    verify("max_weekends").given(prob, same_weekend).violates(0)
    two_weekends = [shift(prob, 5, "D08"), shift(prob, 13, "D08")]
    verify("max_weekends").given(prob, two_weekends).violates(1)


def test_days_off() -> None:
    prob = problem(agents=[agent(days_off=[day(1)])])
    verify("days_off").given(prob, [shift(prob, 1, "S09")]).violates(1)


def test_leave() -> None:
    prob = problem(agents=[agent(leave=[{"date": day(1), "kind": "marriage"}])])
    report = verify("leave").given(prob, [shift(prob, 1, "S09")]).violates(1)
    assert "marriage leave" in report.violations[0].message


def test_fixed_shift_and_fixed_some_shift() -> None:
    prob = problem(agents=[agent(fixed=[{"date": day(0), "shift": "N22"}])])
    verify("fixed").given(prob, [shift(prob, 0, "D08")]).violates(1)
    verify("fixed").given(prob, [shift(prob, 0, "N22")]).violates(0)
    prob = problem(agents=[agent(fixed=[{"date": day(0), "shift": None}])])
    verify("fixed").given(prob, []).violates(1)
    verify("fixed").given(prob, [shift(prob, 0, "S09")]).violates(0)


def test_night_eligible() -> None:
    prob = problem(agents=[agent(night_eligible=False)])
    verify("night_eligible").given(prob, [shift(prob, 0, "N22")]).violates(1)
    verify("night_eligible").given(prob, [shift(prob, 0, "D08")]).violates(0)


def test_min_rest_across_midnight_after_a_night_shift() -> None:
    prob = problem(rules={"min_rest_minutes": 720})
    night_then_day = [shift(prob, 0, "N22"), shift(prob, 1, "D08")]  # 08:00 -> 08:00: no rest
    report = verify("min_rest_between_shifts").given(prob, night_then_day).violates(1)
    assert "0 minutes of rest" in report.violations[0].message
    two_nights = [shift(prob, 0, "N22"), shift(prob, 1, "N22")]  # 14 h of rest
    verify("min_rest_between_shifts").given(prob, two_nights).violates(0)


def test_min_rest_applies_across_any_days() -> None:
    # D08 ends 17:00 on day 0; D08 on day 2 starts 39 hours later.
    prob = problem(rules={"min_rest_minutes": 39 * 60})
    two_days_apart = [shift(prob, 0, "D08"), shift(prob, 2, "D08")]
    verify("min_rest_between_shifts").given(prob, two_days_apart).violates(0)
    prob = problem(rules={"min_rest_minutes": 39 * 60 + 1})
    verify("min_rest_between_shifts").given(prob, two_days_apart).violates(1)


def test_overlapping_shifts_break_the_rest_rule_even_without_a_minimum() -> None:
    types = [
        {"id": "N22", "start": "22:00", "duration_minutes": 600, "night": True},
        {"id": "E06", "start": "06:00", "duration_minutes": 240},
    ]
    prob = problem(shift_types=types)
    verify("min_rest_between_shifts").given(
        prob, [shift(prob, 0, "N22"), shift(prob, 1, "E06")]
    ).violates(1)


def test_forbidden_successions_on_consecutive_days() -> None:
    prob = problem(rules={"forbidden_successions": [["N22", "D08"]]})
    verify("forbidden_successions").given(
        prob, [shift(prob, 0, "N22"), shift(prob, 1, "D08")]
    ).violates(1)
    verify("forbidden_successions").given(
        prob, [shift(prob, 0, "N22"), shift(prob, 2, "D08")]
    ).violates(0)
    verify("forbidden_successions").given(
        prob, [shift(prob, 0, "D08"), shift(prob, 1, "N22")]
    ).violates(0)


# --------------------------------------------------------------------------- breaks (art. 32)


def test_breaks_valid_day_and_night_shifts() -> None:
    prob = problem()
    night = shift(prob, 0, "N22", breaks=[brk("rest", 1, "00:30"), brk("meal", 1, "04:00")])
    verify("breaks").given(prob, [shift(prob, 1, "D08"), night]).violates(0)


def test_breaks_are_cited_as_art_32() -> None:
    prob = problem()
    report = verify("breaks").given(prob, [shift(prob, 0, "S09", breaks=[brk("meal", 0, "10:00")])])
    assert report.violates(1).violations[0].article == 32


def test_breaks_missing_on_a_long_shift() -> None:
    prob = problem()
    # No meal, no rest, and 540 minutes of continuous work.
    verify("breaks").given(prob, [shift(prob, 0, "D08", breaks=[])]).violates(3)


def test_breaks_of_the_wrong_length() -> None:
    prob = problem()
    wrong = shift(prob, 0, "D08", breaks=[brk("meal", 0, "10:40", 45), brk("rest", 0, "13:50")])
    verify("breaks").given(prob, [wrong]).violates(1)


def test_breaks_two_meals_no_rest() -> None:
    prob = problem()
    meals = shift(prob, 0, "D08", breaks=[brk("meal", 0, "10:40"), brk("meal", 0, "13:50")])
    verify("breaks").given(prob, [meals]).violates(2)


def test_break_in_the_first_hour() -> None:
    prob = problem()
    early = shift(prob, 0, "D08", breaks=[brk("meal", 0, "08:30"), brk("rest", 0, "12:45")])
    verify("breaks").given(prob, [early]).violates(1)
    on_time = shift(prob, 0, "D08", breaks=[brk("meal", 0, "09:00"), brk("rest", 0, "12:45")])
    verify("breaks").given(prob, [on_time]).violates(0)


def test_breaks_overlapping_or_outside_the_shift() -> None:
    prob = problem(rules={"breaks": {"max_continuous_work_minutes": 600}})
    overlap = shift(prob, 0, "D08", breaks=[brk("meal", 0, "11:00"), brk("rest", 0, "11:15")])
    verify("breaks").given(prob, [overlap]).violates(1)
    outside = shift(prob, 0, "D08", breaks=[brk("meal", 0, "11:00"), brk("rest", 0, "16:50")])
    verify("breaks").given(prob, [outside]).violates(1)


def test_continuous_work_stretch() -> None:
    prob = problem()
    late = shift(prob, 0, "D08", breaks=[brk("meal", 0, "09:00"), brk("rest", 0, "10:00")])
    report = verify("breaks").given(prob, [late]).violates(1)
    assert "390 minutes of continuous work" in report.violations[0].message


def test_short_shift_carries_no_break_and_threshold_is_strict() -> None:
    types = [{"id": "X", "start": "08:00", "duration_minutes": 420}]
    prob = problem(shift_types=types)
    verify("breaks").given(prob, [shift(prob, 0, "X")]).violates(0)
    with_break = shift(prob, 0, "X", breaks=[brk("rest", 0, "11:00")])
    verify("breaks").given(prob, [with_break]).violates(1)


# --------------------------------------------------------------------------- art. 40


def test_max_concurrent_annual_leave_art_40() -> None:
    annual = [{"date": day(3), "kind": "annual"}]
    prob = problem(agents=[agent("A003", leave=annual), agent("A044", leave=annual)])
    report = verify("max_concurrent_annual_leave").given(prob, []).violates(1)
    violation = report.violations[0]
    assert violation.article == 40
    assert str(violation) == (
        "art. 40 max_concurrent_annual_leave 2026-12-03: annual leave of A003 and A044 "
        "exceeds the limit of 1"
    )


# --------------------------------------------------------------------------- coverage (art. 30)


def demand(start: str, agents: int, under: int = 1, over: int = 1) -> dict[str, Any]:
    return {"start": start, "agents": agents, "weight_under": under, "weight_over": over}


def test_under_coverage_whole_agents() -> None:
    prob = problem(demand=[demand(at(0, "09:00"), 3, under=100)])
    report = verify("under_coverage").given(prob, [shift(prob, 0, "S09")]).penalizes(200)
    assert report.penalties[0].subject == "2026-11-30T09:00"
    assert report.coverage[0].on_phones == 1


def test_over_coverage() -> None:
    prob = problem(
        agents=[agent("A1"), agent("A2"), agent("A3")],
        demand=[demand(at(0, "09:00"), 1, over=7)],
    )
    three = [shift(prob, 0, "S09", agent_id=a) for a in ("A1", "A2", "A3")]
    verify("over_coverage").given(prob, three).penalizes(14)


def test_an_agent_on_a_meal_break_is_not_on_the_phones() -> None:
    prob = problem(demand=[demand(at(0, "11:00"), 1, under=100), demand(at(0, "11:30"), 1)])
    lunch = shift(prob, 0, "D08", breaks=[brk("meal", 0, "11:00"), brk("rest", 0, "14:00")])
    report = verify("under_coverage").given(prob, [lunch]).penalizes(100)
    assert [line.on_phones for line in report.coverage] == [0, 1]


def test_coverage_is_pro_rata_by_minutes_net_of_breaks() -> None:
    # Meal 10:40-11:10: 10 minutes on the phones in [10:30, 11:00), 20 in [11:00, 11:30).
    prob = problem(
        demand=[demand(at(0, "10:30"), 1, under=30), demand(at(0, "11:00"), 1, under=30)]
    )
    report = verify("under_coverage").given(prob, [shift(prob, 0, "D08")]).penalizes(20 + 10)
    assert [line.on_phones for line in report.coverage] == [Fraction(1, 3), Fraction(2, 3)]
    assert [line.on_phone_minutes for line in report.coverage] == [10, 20]


def test_coverage_penalty_rounds_up_per_interval() -> None:
    types = [{"id": "S0915", "start": "09:15", "duration_minutes": 240}]
    prob = problem(shift_types=types, demand=[demand(at(0, "09:00"), 1, under=10)])
    verify("under_coverage").given(prob, [shift(prob, 0, "S0915")]).penalizes(5)  # 10 x 15/30
    prob = problem(shift_types=types, demand=[demand(at(0, "09:00"), 1, under=1)])
    verify("under_coverage").given(prob, [shift(prob, 0, "S0915")]).penalizes(1)  # ceil(0.5)


def test_night_shift_covers_intervals_after_midnight() -> None:
    prob = problem(demand=[demand(at(1, "02:00"), 1, under=50)])
    verify("under_coverage").given(prob, [shift(prob, 0, "N22")]).penalizes(0)
    verify("under_coverage").given(prob, [shift(prob, 1, "N22")]).penalizes(50)


def test_cover_per_day_and_shift_type() -> None:
    cover = [{"date": day(0), "shift": "D08", "required": 2, "weight_under": 40, "weight_over": 3}]
    prob = problem(agents=[agent("A1"), agent("A2"), agent("A3")], cover=cover)
    verify("cover_under").given(prob, [shift(prob, 0, "D08")]).penalizes(40)
    three = [shift(prob, 0, "D08", agent_id=a) for a in ("A1", "A2", "A3")]
    verify("cover_over").given(prob, three).penalizes(3)


# --------------------------------------------------------------------------- requests


@pytest.mark.parametrize(
    ("wanted", "on", "worked", "amount"),
    [
        ("D08", True, None, 6),  # wants D08, is off
        ("D08", True, "S09", 6),  # wants D08, works S09
        ("D08", True, "D08", 0),
        (None, True, None, 6),  # wants to work, is off
        (None, True, "S09", 0),
        ("D08", False, "D08", 6),  # does not want D08, gets it
        ("D08", False, "S09", 0),
        (None, False, "S09", 6),  # wants the day off, works
        (None, False, None, 0),
    ],
)
def test_requests(wanted: str | None, on: bool, worked: str | None, amount: int) -> None:
    request = {"date": day(2), "shift": wanted, "on": on, "weight": 3}
    prob = problem(agents=[agent(requests=[request])], weights={"request": 2})
    worked_shifts = [shift(prob, 2, worked)] if worked else []
    verify("unmet_request").given(prob, worked_shifts).penalizes(amount)


# --------------------------------------------------------------------------- fairness


def test_fairness_nights_among_night_eligible_agents_of_a_team() -> None:
    agents = [agent("A1"), agent("A2"), agent("A3", night_eligible=False), agent("B1", team="T2")]
    prob = problem(agents=agents, weights={"fairness": 3})
    nights = [shift(prob, 0, "N22"), shift(prob, 2, "N22"), shift(prob, 0, "N22", agent_id="B1")]
    report = verify("fairness_nights").given(prob, nights).penalizes(6)
    assert [(t.subject, t.amount) for t in report.penalties] == [("T1", 6)]


def test_fairness_weekend_days_among_all_agents_of_a_team() -> None:
    prob = problem(agents=[agent("A1"), agent("A2", night_eligible=False)])
    weekend = [shift(prob, 5, "D08"), shift(prob, 6, "D08"), shift(prob, 0, "D08", agent_id="A2")]
    verify("fairness_weekends").given(prob, weekend).penalizes(2)


# --------------------------------------------------------------------------- change_from


def test_change_from_previous_roster() -> None:
    prob = problem()
    previous = roster([shift(prob, 0, "D08"), shift(prob, 1, "D08")]).model_dump(mode="json")
    prob = problem(previous_roster=previous, weights={"change_from": 5})
    # Day 1 D08 -> N22 and day 3 off -> S09 change; day 0 stays.
    now = [shift(prob, 0, "D08"), shift(prob, 1, "N22"), shift(prob, 3, "S09")]
    report = verify("change_from").given(prob, now).penalizes(10)
    assert {t.subject for t in report.penalties} == {"A1/2026-12-01", "A1/2026-12-03"}


# --------------------------------------------------------------------------- roster figures


def busy_problem() -> Any:
    agents = [agent("A1", requests=[{"date": day(1), "shift": None, "on": False}]), agent("A2")]
    return problem(
        agents=agents,
        demand=[demand(at(0, "10:30"), 2, under=30), demand(at(0, "09:00"), 1, over=5)],
        cover=[{"date": day(0), "shift": "D08", "required": 1}],
    )


def busy_assignments(prob: Any) -> list[dict[str, Any]]:
    return [
        shift(prob, 0, "D08"),
        shift(prob, 0, "D08", agent_id="A2"),
        shift(prob, 1, "S09"),
        shift(prob, 5, "N22", agent_id="A2"),
    ]


def test_a_solver_like_roster_is_consistent_and_survives_save(tmp_path: Any) -> None:
    prob = busy_problem()
    rostered = solved(prob, busy_assignments(prob))
    path = tmp_path / "roster.json"
    save_roster(rostered, path)
    report = check_roster(prob, load_roster(path))
    assert report.ok and report.consistent, report.to_text()
    assert report.objective == rostered.objective > 0


def test_wrong_objective_penalties_and_coverage_are_reported() -> None:
    prob = busy_problem()
    good = solved(prob, busy_assignments(prob))
    bad = good.model_copy(
        update={
            "objective": good.objective + 1,
            "penalties": good.penalties[1:],
            "coverage": good.coverage[:1],
        }
    )
    report = check_roster(prob, bad)
    assert report.ok
    assert not report.objective_matches and not report.penalties_match
    assert report.penalty_mismatches[0].startswith("missing: ")
    assert report.coverage_mismatches == ("coverage 2026-11-30T10:30: no line in the roster",)
    wrong_line = good.coverage[0].model_copy(update={"on_phones": 9})
    report = check_roster(
        prob, good.model_copy(update={"coverage": (wrong_line,) + good.coverage[1:]})
    )
    assert report.coverage_mismatches == (
        "coverage 2026-11-30T09:00: on_phones 9, recomputed 2 (60 agent-minutes)",
    )


def test_report_json_and_text() -> None:
    prob = problem(rules={"min_rest_minutes": 720}, demand=[demand(at(0, "09:00"), 2)])
    report = check_roster(prob, roster([shift(prob, 0, "N22"), shift(prob, 1, "D08")]))
    data = json.loads(report.to_json())
    assert data["ok"] is False
    assert data["violations"][0]["rule"] == "min_rest_between_shifts"
    assert data["violations"][0]["date"] == "2026-12-01"
    assert data["penalties"] == [
        {"rule": "under_coverage", "subject": "2026-11-30T09:00", "amount": 2}
    ]
    assert data["coverage"] == [
        {"start": "2026-11-30T09:00", "required": 2, "on_phones": 0, "on_phone_minutes": 0}
    ]
    assert data["objective_matches"] is False
    text = report.to_text()
    assert text.startswith("Roster check of tiny: 1 hard violation\n")
    assert "min_rest_between_shifts A1 2026-12-01: 0 minutes of rest" in text
    assert "Roster objective 0: differs from 2" in text


def test_a_roster_for_another_problem_is_noted() -> None:
    prob = problem()
    report = check_roster(prob, roster([], problem="other"))
    assert report.notes == ("the roster is for problem 'other', not 'tiny'",)


# --------------------------------------------------------------------------- properties

SHIFT_IDS = ("D08", "S09", "N22", "L10")
PROPERTY_TYPES = [
    {"id": "D08", "start": "08:00", "duration_minutes": 540},
    {"id": "S09", "start": "09:00", "duration_minutes": 240},
    {"id": "N22", "start": "22:00", "duration_minutes": 600, "night": True},
    {"id": "L10", "start": "10:10", "duration_minutes": 430},
]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, list[dict[str, Any]]]:
    """A small random problem and a random (often rule-breaking) roster for it."""
    days = draw(st.integers(2, 5))
    agent_ids = [f"A{i}" for i in range(draw(st.integers(1, 3)))]
    limits = st.none() | st.integers(1, 3)
    agents = [
        agent(
            agent_id,
            team=draw(st.sampled_from(["T1", "T2"])),
            night_eligible=draw(st.booleans()),
            contract={
                "weekly_minutes": draw(st.none() | st.sampled_from([960, 2400])),
                "max_consecutive_work_days": draw(limits),
                "min_consecutive_days_off": draw(limits),
                "max_weekends": draw(st.none() | st.integers(0, 1)),
            },
        )
        for agent_id in agent_ids
    ]
    demand_starts = draw(st.sets(st.integers(0, days * 48 - 1), max_size=8))
    demand_lines = [
        demand(
            (dt.datetime(2026, 11, 30) + dt.timedelta(minutes=30 * index)).isoformat(
                timespec="minutes"
            ),
            draw(st.integers(0, 3)),
            under=draw(st.integers(0, 50)),
            over=draw(st.integers(0, 7)),
        )
        for index in sorted(demand_starts)
    ]
    prob = problem(
        days=days,
        shift_types=PROPERTY_TYPES,
        agents=agents,
        demand=demand_lines,
        rules={"min_rest_minutes": draw(st.sampled_from([0, 600, 720]))},
    )
    assignments = []
    for agent_id in agent_ids:
        for index in range(days):
            shift_id = draw(st.none() | st.sampled_from(SHIFT_IDS))
            if shift_id is None:
                continue
            placed = shift(prob, index, shift_id, agent_id=agent_id)
            if draw(st.booleans()):  # random breaks instead of valid ones
                start = dt.datetime.fromisoformat(placed["start"])
                placed["breaks"] = [
                    {
                        "kind": draw(st.sampled_from(["meal", "rest"])),
                        "start": (
                            start + dt.timedelta(minutes=draw(st.integers(-30, 600)))
                        ).isoformat(timespec="minutes"),
                        "minutes": draw(st.sampled_from([15, 30, 45])),
                    }
                    for _ in range(draw(st.integers(0, 2)))
                ]
            assignments.append(placed)
    return prob, assignments


def brute_force_coverage_penalty(prob: Any, assignments: list[dict[str, Any]]) -> int:
    """Minute by minute, with naive wall-clock arithmetic (Asia/Shanghai has no DST)."""
    total = 0
    for line in prob.demand:
        on = 0
        for minute in range(30):
            moment = line.start + dt.timedelta(minutes=minute)
            for item in assignments:
                start = dt.datetime.fromisoformat(item["start"])
                end = dt.datetime.fromisoformat(item["end"])
                resting = any(
                    dt.datetime.fromisoformat(b["start"])
                    <= moment
                    < dt.datetime.fromisoformat(b["start"]) + dt.timedelta(minutes=b["minutes"])
                    for b in item["breaks"]
                )
                on += start <= moment < end and not resting
        want = line.agents * 30
        total += -(-line.weight_under * max(0, want - on) // 30)
        total += -(-line.weight_over * max(0, on - want) // 30)
    return total


@settings(max_examples=60, deadline=None)
@given(cases())
def test_coverage_penalties_equal_a_minute_by_minute_count(case: Any) -> None:
    prob, assignments = case
    report = check_roster(prob, roster(assignments))
    recomputed = report.penalty_of("under_coverage") + report.penalty_of("over_coverage")
    assert recomputed == brute_force_coverage_penalty(prob, assignments)
    assert all(isinstance(t.amount, int) and t.amount > 0 for t in report.penalties)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_a_roster_carrying_its_recomputed_figures_is_consistent(case: Any) -> None:
    prob, assignments = case
    rostered = load_roster(roster_to_json(solved(prob, assignments)))
    report = check_roster(prob, rostered)
    assert report.consistent, report.to_text()
    assert report.objective == sum(term.amount for term in report.penalties) == rostered.objective


@settings(max_examples=40, deadline=None)
@given(cases(), st.data())
def test_changing_one_agent_leaves_other_agents_hard_violations_alone(
    case: Any, data: st.DataObject
) -> None:
    prob, assignments = case
    moved = data.draw(st.sampled_from([a.id for a in prob.agents]))
    new_day = data.draw(st.integers(0, prob.days - 1))
    new_shift = data.draw(st.sampled_from(SHIFT_IDS))
    changed = [a for a in assignments if a["agent"] != moved or a["date"] != day(new_day)]
    changed.append(shift(prob, new_day, new_shift, agent_id=moved))

    def others(items: list[dict[str, Any]]) -> Counter[tuple[str, str | None]]:
        report = check_roster(prob, roster(items))
        return Counter((v.rule, v.agent) for v in report.violations if v.agent != moved)

    assert others(assignments) == others(changed)


def test_a_break_after_the_shift_does_not_extend_the_time_on_the_phones() -> None:
    # found by the minute-by-minute property: a meal starting after a 4-hour shift ended
    # used to stretch the shift's phone time to the meal's start
    from scheduler._check import _Placed

    placed = _Placed.__new__(_Placed)
    object.__setattr__(placed, "start", 540)
    object.__setattr__(placed, "end", 780)
    object.__setattr__(placed, "breaks", (("meal", 781, 796),))
    assert placed.on_phones() == [(540, 780)]
