"""Statutory-holiday calendars, taken from libraries rather than hand lists.

China (``CN``) uses ``chinese_calendar``, which knows the make-up working days (调休) the
State Council announces each year; for a year it does not cover yet, the ``holidays``
library's statutory days are used and make-up days are unknown (weekends count as rest).
Other countries (``IL``, ``US``, ...) come from ``holidays``; ``none`` has no holidays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import holidays as holidays_lib


@dataclass(frozen=True)
class HolidayCalendar:
    """Answers whether a date is a statutory holiday, a make-up working day, or a working day."""

    country: str = "CN"
    _cache: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _year(self, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        """(holidays, make-up working days) of one year."""
        if year not in self._cache:
            self._cache[year] = _load_year(self.country.upper(), year)
        return self._cache[year]

    def is_holiday(self, day: dt.date) -> bool:
        """True on a statutory holiday (including the rest days moved next to it)."""
        return day in self._year(day.year)[0]

    def is_makeup_workday(self, day: dt.date) -> bool:
        """True on a weekend day that is an official working day (调休)."""
        return day in self._year(day.year)[1]

    def is_working_day(self, day: dt.date) -> bool:
        """Office working day: Monday-Friday except holidays, plus make-up working days."""
        if self.is_makeup_workday(day):
            return True
        return day.weekday() < 5 and not self.is_holiday(day)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The date ``count`` working days after ``day`` (``count`` >= 0)."""
        current = day
        remaining = count
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current


@cache
def _load_year(country: str, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    if country == "NONE":
        return frozenset(), frozenset()
    if country == "CN":
        try:
            import chinese_calendar

            days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
            days = [d for d in days if d.year == year]
            off = frozenset(
                d
                for d in days
                if chinese_calendar.is_holiday(d)
                and (d.weekday() < 5 or chinese_calendar.get_holiday_detail(d)[1] is not None)
            )
            makeup = frozenset(
                d for d in days if d.weekday() >= 5 and chinese_calendar.is_workday(d)
            )
            return off, makeup
        except NotImplementedError:
            pass  # year not covered by chinese_calendar yet: fall back to statutory days only
    return frozenset(holidays_lib.country_holidays(country, years=year).keys()), frozenset()
