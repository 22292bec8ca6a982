import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scheduler._calendar import HolidayCalendar
from scheduler.demand import ForecastInputError, backtest, forecast
from tests.scheduler.demand.synthetic import HOLIDAY_RATIO, WEEKLY, daily_shape, history

FIRST = dt.date(2023, 12, 4)  # a Monday; 19 weeks run to Sunday 2024-04-14
HISTORY = history(FIRST, 7 * 19)


def daily_totals(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(frame["interval_start"].dt.date)["calls"].sum()


def test_forecaster_beats_seasonal_naive_over_a_backtest_with_a_holiday() -> None:
    result = backtest(HISTORY, weeks=4)
    assert [week.start for week in result.weeks] == [
        dt.date(2024, 3, 18), dt.date(2024, 3, 25), dt.date(2024, 4, 1), dt.date(2024, 4, 8)
    ]
    # Qingming (4-6 April 2024) falls in the third week; seasonal-naive pays twice for it.
    assert result.forecast_wmape < 0.8 * result.naive_wmape
    assert all(w.forecast_wmape < w.naive_wmape for w in result.weeks)
    assert result.forecast_wmape < 0.12
    holiday_week = result.weeks[2]
    assert holiday_week.naive_wmape > 0.25 and holiday_week.forecast_wmape < 0.12


def test_forecast_follows_the_weekly_and_daily_shape() -> None:
    result = forecast(HISTORY, start=dt.date(2024, 4, 15), days=7)
    assert len(result) == 7 * 48
    assert list(result.columns) == ["interval_start", "calls", "aht_seconds"]
    totals = daily_totals(result).to_numpy()
    expected = np.array(WEEKLY) / WEEKLY[2]
    assert totals / totals[2] == pytest.approx(expected, rel=0.08)
    monday = result["calls"].to_numpy()[:48]
    assert monday / monday.sum() == pytest.approx(daily_shape(), abs=0.004)
    assert result["aht_seconds"].between(170, 230).all()


def test_closed_hours_forecast_zero() -> None:
    result = forecast(HISTORY, start=dt.date(2024, 4, 15), days=14)
    hours = result["interval_start"].dt.hour
    closed = (hours < 8) | (hours >= 22)
    assert (result.loc[closed, "calls"] == 0).all()
    assert (result.loc[~closed, "calls"] > 0).all()


def test_holidays_use_the_learned_ratio_and_make_up_days_a_working_schedule() -> None:
    # Labour Day: 1-5 May 2024 off; Sunday 28 April and Saturday 11 May are make-up workdays.
    result = daily_totals(forecast(HISTORY, start=dt.date(2024, 4, 15), days=28))
    calendar = HolidayCalendar("CN")
    assert calendar.is_makeup_workday(dt.date(2024, 4, 28))
    weekday_mean = result[[dt.date(2024, 4, 22) + dt.timedelta(days=i) for i in range(5)]].mean()
    assert result[dt.date(2024, 4, 28)] == pytest.approx(weekday_mean, rel=0.05)
    assert result[dt.date(2024, 4, 21)] < 0.6 * weekday_mean  # an ordinary Sunday
    level = weekday_mean / np.mean(WEEKLY[:5])
    assert result[dt.date(2024, 5, 1)] == pytest.approx(HOLIDAY_RATIO * level, rel=0.1)


def test_without_holidays_in_history_the_default_ratio_applies() -> None:
    short = history(dt.date(2024, 2, 19), 7 * 6)  # after Spring Festival, before Qingming
    result = daily_totals(forecast(short, start=dt.date(2024, 4, 1), days=7))
    thursday = result[dt.date(2024, 4, 4)]  # Qingming, a holiday
    wednesday = result[dt.date(2024, 4, 3)]
    assert thursday == pytest.approx(0.6 * wednesday / WEEKLY[2], rel=0.1)


def test_timezone_aware_history_keeps_its_zone() -> None:
    aware = HISTORY.assign(interval_start=HISTORY["interval_start"].dt.tz_localize("Asia/Shanghai"))
    result = forecast(aware, start=dt.date(2024, 4, 15), days=1)
    assert str(result["interval_start"].dt.tz) == "Asia/Shanghai"
    assert result["interval_start"].iloc[0] == pd.Timestamp("2024-04-15 00:00", tz="Asia/Shanghai")
    naive = forecast(HISTORY, start=dt.date(2024, 4, 15), days=1)
    assert result["calls"].to_numpy() == pytest.approx(naive["calls"].to_numpy())


def test_an_always_closed_weekday_forecasts_zero() -> None:
    sunday = HISTORY["interval_start"].dt.day_of_week == 6
    closed = HISTORY.assign(
        calls=HISTORY["calls"].where(~sunday, 0.0),
        aht_seconds=HISTORY["aht_seconds"].where(~sunday, 0.0),
    )
    totals = daily_totals(forecast(closed, start=dt.date(2024, 4, 15), days=7))
    assert totals[dt.date(2024, 4, 21)] == 0
    assert (totals.drop(dt.date(2024, 4, 21)) > 0).all()


def test_days_without_rows_are_missing_not_closed() -> None:
    gappy = HISTORY[HISTORY["interval_start"].dt.date != dt.date(2024, 4, 8)]
    totals = daily_totals(forecast(gappy, start=dt.date(2024, 4, 15), days=1))
    full = daily_totals(forecast(HISTORY, start=dt.date(2024, 4, 15), days=1))
    assert totals.iloc[0] == pytest.approx(full.iloc[0], rel=0.05)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="aht_seconds"), "missing column.*aht_seconds"),
        (lambda f: f.assign(calls=f["calls"].where(f.index != 5, -1.0)), "row 5: column calls"),
        (
            lambda f: f.assign(interval_start=f["interval_start"].astype(object).where(
                f.index != 7, "not a time")),
            "row 7: column interval_start",
        ),
        (
            lambda f: f.assign(interval_start=f["interval_start"].where(
                f.index != 3, pd.Timestamp("2023-12-04 01:10"))),
            "row 3: column interval_start.*30-minute grid",
        ),
        (lambda f: pd.concat([f, f.iloc[[10]]]), "row 10: column interval_start.*twice"),
        (
            lambda f: f.assign(aht_seconds=f["aht_seconds"].where(f.index != 30, np.nan)),
            "row 30: column aht_seconds",
        ),
    ],
)
def test_bad_history_is_refused_naming_row_and_column(change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ForecastInputError, match=message):
        forecast(change(HISTORY.copy()), start=dt.date(2024, 4, 15), days=1)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ForecastInputError, match="after the last day"):
        forecast(HISTORY, start=dt.date(2024, 4, 14), days=1)
    with pytest.raises(ForecastInputError, match="interval_minutes"):
        forecast(HISTORY, start=dt.date(2024, 4, 15), days=1, interval_minutes=7)
    with pytest.raises(ForecastInputError, match="at least 2 weeks"):
        backtest(HISTORY, weeks=18)
    with pytest.raises(ForecastInputError, match="7 days"):
        forecast(HISTORY.iloc[: 48 * 3], start=dt.date(2024, 1, 1), days=1)
