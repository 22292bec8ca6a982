"""Break patterns (art. 32): every enumerated pattern is valid, and breaks follow the demand."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler import Breaks, break_patterns, check_roster, solve
from scheduler._breaks import BreakPattern, grids, hand_out, interval_minutes_on_phones, is_valid
from tests.scheduler.factories import agent, at, day, problem, shift, verify

RULES = [
    Breaks(),
    Breaks(max_continuous_work_minutes=180, min_work_before_first_break_minutes=90),
    Breaks(meal_minutes=45, rest_minutes=15),
    Breaks(work_threshold_minutes=300, meal_minutes=20, rest_minutes=10),
]


@pytest.mark.parametrize("rules", RULES)
@pytest.mark.parametrize("duration", [421, 480, 540, 600, 660])
@pytest.mark.parametrize("interval", [15, 30, 60])
def test_every_pattern_is_valid_and_the_checker_agrees(
    rules: Breaks, duration: int, interval: int
) -> None:
    patterns = break_patterns(duration, rules, interval_minutes=interval)
    work = duration - rules.meal_minutes - rules.rest_minutes
    if work > 3 * rules.max_continuous_work_minutes:
        assert patterns == ()  # three stretches cannot hold the work
        return
    assert patterns, "a valid pattern exists for these shifts"
    assert len(set(patterns)) == len(patterns)
    for pattern in patterns:
        assert is_valid(pattern, rules)
        assert sorted(kind for kind, _, _ in pattern.breaks) == ["meal", "rest"]
        stretches = pattern.stretches()
        assert sum(stretches) == duration - rules.meal_minutes - rules.rest_minutes
        assert max(stretches) <= rules.max_continuous_work_minutes
    # both orders are enumerated
    assert {p.meal_offset < p.rest_offset for p in patterns} == {True, False}
    # the most balanced pattern comes first
    assert max(patterns[0].stretches()) == min(max(p.stretches()) for p in patterns)


def test_patterns_pass_the_independent_checker() -> None:
    prob = problem()
    start = dt.datetime.combine(dt.date(2026, 11, 30), dt.time(8))
    for pattern in break_patterns(540, prob.rules.breaks):
        breaks = [
            {"kind": kind, "start": (start + dt.timedelta(minutes=offset)).isoformat(),
             "minutes": minutes}
            for kind, offset, minutes in pattern.breaks
        ]
        verify("breaks").given(prob, [shift(prob, 0, "D08", breaks=breaks)]).violates(0)


def test_breaks_align_to_the_intervals() -> None:
    rules = Breaks()
    assert grids(30, rules)[0] == 30
    # a shift starting at 07:15 (phase 15 minutes past an interval start) still breaks on :00/:30
    for pattern in break_patterns(540, rules, interval_minutes=30, phase=7 * 60 + 15):
        assert all((15 + offset) % 30 == 0 for _, offset, _ in pattern.breaks)
    # 45 + 15 minute breaks on 30-minute intervals: a 15-minute grid
    odd = Breaks(meal_minutes=45, rest_minutes=15)
    assert grids(30, odd)[0] == 15
    assert all(p.meal_offset % 15 == 0 for p in break_patterns(540, odd))


def test_a_shift_too_long_for_its_breaks_has_no_pattern() -> None:
    # 940 work minutes cannot be cut into three stretches of at most 240
    assert break_patterns(1000, Breaks()) == ()


def test_on_phone_minutes_per_interval() -> None:
    pattern = BreakPattern(60, 150, 30, 30, 240)
    assert pattern.on_phones() == ((0, 60), (90, 150), (180, 240))
    minutes = interval_minutes_on_phones(pattern.on_phones(), 600, 30)
    assert minutes == {600: 30, 630: 30, 690: 30, 720: 30, 780: 30, 810: 30}


def test_hand_out_is_deterministic_and_complete() -> None:
    assert list(hand_out(["A1", "A2", "A3"], [(4, 1), (2, 2)])) == [
        ("A1", 2), ("A2", 2), ("A3", 4)
    ]
    with pytest.raises(ValueError):
        list(hand_out(["A1"], [(0, 2)]))


def test_breaks_are_staggered_into_the_demand_dips() -> None:
    """Two agents on D08; demand is 2 except 1 in four half-hours: the breaks fill the dips."""
    dips = {"10:30", "11:00", "13:00", "13:30"}
    demand = [
        {"start": at(0, f"{h:02d}:{mm:02d}"), "agents": 1 if f"{h:02d}:{mm:02d}" in dips else 2,
         "weight_under": 10, "weight_over": 1}
        for h in range(8, 17)
        for mm in (0, 30)
    ]
    prob = problem(
        shift_types=[{"id": "D08", "start": "08:00", "duration_minutes": 540}],
        agents=[agent("A1", fixed=[{"date": day(0), "shift": "D08"}]),
                agent("A2", fixed=[{"date": day(0), "shift": "D08"}])],
        days=1,
        demand=demand,
    )
    result = solve(prob, time_limit_seconds=10, workers=2)
    report = check_roster(prob, result)
    assert report.ok and report.consistent, report.to_text()
    assert result.status == "OPTIMAL" and result.objective == 0
    starts = sorted(b.start.strftime("%H:%M") for a in result.assignments for b in a.breaks)
    assert set(starts) == dips
    assert all(line.on_phones == line.required for line in result.coverage)


def test_long_shift_without_demand_takes_the_balanced_pattern() -> None:
    prob = problem(agents=[agent(fixed=[{"date": day(0), "shift": "D08"}])], days=1)
    result = solve(prob, time_limit_seconds=5, workers=2)
    assert check_roster(prob, result).ok
    (assignment,) = result.assignments
    offsets = sorted(
        int((b.start - assignment.start).total_seconds() // 60) for b in assignment.breaks
    )
    assert offsets == [150, 330]  # 150 + 30 + 150 + 30 + 180: no stretch above 180
