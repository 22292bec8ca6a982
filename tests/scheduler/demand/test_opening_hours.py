"""Opening hours learned from the history, the holiday setting and the rolling backtest."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scheduler._calendar import HolidayCalendar
from scheduler.demand import ForecastInputError, forecast, rolling_backtest
from tests.scheduler.demand.synthetic import history

MONDAY = dt.date(2024, 1, 1)


def weekday_history(weeks: int, first: dt.date = MONDAY) -> pd.DataFrame:
    """Rows only on weekdays 09:00-11:30 (the centre is closed otherwise): the file simply
    has no rows then, like the North American bank's."""
    rng = np.random.default_rng(3)
    rows = []
    for day in range(7 * weeks):
        date = first + dt.timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for slot in range(18, 24):
            start = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=30 * slot)
            rows.append((start, float(rng.poisson(100 + 20 * (slot - 18))), 180.0))
    return pd.DataFrame(rows, columns=["interval_start", "calls", "aht_seconds"])


def test_weekends_and_night_hours_never_seen_are_closed_not_borrowed() -> None:
    hist = weekday_history(4)
    start = MONDAY + dt.timedelta(weeks=4)
    result = forecast(hist, start=start, days=7, calendar=HolidayCalendar("none"))
    assert len(result) == 7 * 48
    stamps = result["interval_start"]
    open_now = (stamps.dt.day_of_week < 5) & (stamps.dt.hour >= 9) & (stamps.dt.hour < 12)
    assert (result.loc[~open_now, "calls"] == 0).all()
    assert (result.loc[open_now, "calls"] > 50).all()

    omitted = forecast(hist, start=start, days=7, calendar=HolidayCalendar("none"),
                       closed="omit")
    assert len(omitted) == 5 * 6
    assert set(omitted["interval_start"].dt.hour) == {9, 10, 11}
    with pytest.raises(ForecastInputError):
        forecast(hist, start=start, days=7, closed="maybe")


def test_a_short_history_still_borrows_an_unseen_weekday() -> None:
    hist = weekday_history(1)  # 5 days: too little to call the weekend closed
    hist = pd.concat([hist, weekday_history(1, MONDAY + dt.timedelta(days=7))[:12]])
    result = forecast(hist, start=dt.date(2024, 1, 13), days=1, calendar=HolidayCalendar("none"))
    assert result["calls"].sum() > 0


def test_the_holiday_calendar_is_a_setting() -> None:
    # 4 July 2024 is a US holiday and an ordinary Thursday elsewhere.
    hist = weekday_history(8, dt.date(2024, 5, 6))
    us_holidays = HolidayCalendar("US")
    hist = hist[[not us_holidays.is_holiday(d) for d in hist["interval_start"].dt.date]]
    start = dt.date(2024, 7, 1)
    us = forecast(hist, start=start, days=5, calendar=HolidayCalendar("US"), closed="omit")
    plain = forecast(hist, start=start, days=5, calendar=HolidayCalendar("none"),
                     closed="omit")
    assert dt.date(2024, 7, 4) not in set(us["interval_start"].dt.date)
    assert dt.date(2024, 7, 4) in set(plain["interval_start"].dt.date)
    # Israel: Passover 2024-04-23 is a holiday there, not in the US.
    assert HolidayCalendar("IL").is_holiday(dt.date(2024, 4, 23))
    assert not HolidayCalendar("US").is_holiday(dt.date(2024, 4, 23))


def test_rolling_backtest_scores_three_methods_at_every_horizon() -> None:
    hist = history(dt.date(2023, 12, 4), 7 * 16)
    result = rolling_backtest(hist, weeks=2, horizons=2, calendar=HolidayCalendar("CN"))
    assert result.test_weeks == (dt.date(2024, 3, 11), dt.date(2024, 3, 18))
    assert {(s.method, s.horizon_weeks, s.level) for s in result.scores} == {
        (m, h, level) for m in ("forecaster", "seasonal_naive", "mstl_ets")
        for h in (1, 2) for level in ("interval", "daily")}
    for method in ("forecaster", "seasonal_naive", "mstl_ets"):
        assert 0 < result.wmape(method, 1) < 0.5
        assert result.wmape(method, 1, "daily") <= result.wmape(method, 1) + 1e-12
    assert result.wmape("forecaster", 1) < result.wmape("seasonal_naive", 1)
    assert 0 < result.mean_wmape("forecaster") < 0.5
    with pytest.raises(ForecastInputError, match="needs at least 2 weeks"):
        rolling_backtest(hist, weeks=14, horizons=4)
    with pytest.raises(ForecastInputError, match="unknown backtest method"):
        rolling_backtest(hist, weeks=1, methods=("prophet",))
