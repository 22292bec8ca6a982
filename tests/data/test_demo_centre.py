"""The demo-centre generator: deterministic, realistic shape, calendar-aware."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from data.demo_centre import build_demo_centre, previous_quarter, quarter_bounds
from scheduler import HolidayCalendar

AS_OF = dt.date(2026, 11, 25)
DEMO = build_demo_centre(AS_OF)


def daily_calls() -> dict[dt.date, float]:
    totals: dict[dt.date, float] = defaultdict(float)
    for row in DEMO.volumes:
        totals[dt.date.fromisoformat(row["interval_start"][:10])] += float(row["calls"])
    return totals


def test_same_seed_same_centre_other_seed_other_centre() -> None:
    again = build_demo_centre(AS_OF)
    assert (again.agents, again.volumes, again.kpis, again.events) == (
        DEMO.agents, DEMO.volumes, DEMO.kpis, DEMO.events)
    assert build_demo_centre(AS_OF, seed=1).volumes != DEMO.volumes


def test_about_120_agents_in_4_teams_with_30_percent_not_night_eligible() -> None:
    assert len(DEMO.agents) == 120
    assert {a["team"] for a in DEMO.agents} == {"T1", "T2", "T3", "T4"}
    day_only = sum(a["night_eligible"] == "false" for a in DEMO.agents)
    assert 0.2 <= day_only / 120 <= 0.4


def test_career_starts_spread_over_0_to_25_years() -> None:
    years = [(AS_OF - dt.date.fromisoformat(a["career_start_date"])).days / 365.25
             for a in DEMO.agents]
    assert min(years) < 2 and max(years) > 20 and max(years) <= 25.01
    assert all(a["career_start_date"] <= a["hire_date"] for a in DEMO.agents)


def test_twelve_weeks_of_half_hours_ending_before_the_as_of_week() -> None:
    assert len(DEMO.volumes) == 12 * 7 * 48
    assert DEMO.history_end == dt.date(2026, 11, 23)  # the Monday of the as-of week


def test_daily_and_weekly_shape() -> None:
    totals = daily_calls()
    calendar = HolidayCalendar("CN")
    ordinary = {d: v for d, v in totals.items()
                if not calendar.is_holiday(d) and not calendar.is_makeup_workday(d)}
    mondays = [v for d, v in ordinary.items() if d.weekday() == 0]
    sundays = [v for d, v in ordinary.items() if d.weekday() == 6]
    assert min(mondays) > max(sundays)
    by_slot: dict[str, float] = defaultdict(float)
    for row in DEMO.volumes:
        by_slot[row["interval_start"][11:]] += float(row["calls"])
    assert by_slot["10:00"] > 5 * by_slot["03:00"]


def test_holidays_are_quieter_and_make_up_days_are_normal_working_days() -> None:
    totals = daily_calls()
    assert dt.date(2026, 10, 1) in DEMO.holidays_in_history
    assert dt.date(2026, 10, 10) in DEMO.makeup_days_in_history  # a Saturday worked
    weekdays = [v for d, v in totals.items() if d.weekday() < 5 and d not in
                DEMO.holidays_in_history]
    holiday_weekdays = [totals[d] for d in DEMO.holidays_in_history if d.weekday() < 5]
    assert max(holiday_weekdays) < 0.75 * min(weekdays)
    ordinary_saturdays = [v for d, v in totals.items() if d.weekday() == 5
                          and d not in DEMO.holidays_in_history
                          and d not in DEMO.makeup_days_in_history]
    assert totals[dt.date(2026, 10, 10)] > 1.2 * max(ordinary_saturdays)


def test_kpis_and_events_belong_to_the_last_quarter_and_employment() -> None:
    year, quarter = previous_quarter(AS_OF)
    first, last = quarter_bounds(year, quarter)
    assert (year, quarter) == (2026, 3) and (first, last) == (dt.date(2026, 7, 1),
                                                            dt.date(2026, 9, 30))
    hires = {a["agent_id"]: a["hire_date"] for a in DEMO.agents}
    assert len(DEMO.kpis) >= 100
    assert any(first.isoformat() < h <= last.isoformat() for h in hires.values())
    for event in DEMO.events:
        assert first.isoformat() <= event["date"] <= last.isoformat()
        assert event["date"] >= hires[event["agent_id"]]
    codes = {e["code"] for e in DEMO.events}
    assert {"LATE", "SICK", "P3", "R6", "G13"} <= codes


def test_quarter_helpers_wrap_the_year() -> None:
    assert previous_quarter(dt.date(2027, 2, 1)) == (2026, 4)
    assert quarter_bounds(2026, 4) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
