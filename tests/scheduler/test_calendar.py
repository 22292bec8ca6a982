"""Statutory holidays and make-up working days come from the calendar libraries."""

from __future__ import annotations

import datetime as dt

from scheduler import HolidayCalendar

CN = HolidayCalendar("CN")


def test_national_day_is_a_holiday_including_its_weekend() -> None:
    assert CN.is_holiday(dt.date(2026, 10, 1))
    assert CN.is_holiday(dt.date(2026, 10, 4))  # Sunday inside the Golden Week


def test_make_up_working_day_is_a_working_day_not_a_holiday() -> None:
    saturday = dt.date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert CN.is_makeup_workday(saturday)
    assert not CN.is_holiday(saturday)
    assert CN.is_working_day(saturday)


def test_ordinary_weekend_is_not_a_working_day() -> None:
    assert not CN.is_working_day(dt.date(2026, 11, 28))


def test_working_days_skip_the_golden_week() -> None:
    assert CN.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_year_beyond_chinese_calendar_falls_back_to_statutory_days() -> None:
    assert CN.is_holiday(dt.date(2027, 1, 1))
    assert not CN.is_makeup_workday(dt.date(2027, 1, 2))


def test_other_countries_and_none() -> None:
    assert HolidayCalendar("US").is_holiday(dt.date(2026, 7, 3))  # Independence Day observed
    assert not HolidayCalendar("none").is_holiday(dt.date(2026, 10, 1))
