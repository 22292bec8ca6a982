"""Interval forecast of calls and AHT, and its backtest against seasonal-naive.

Model (multiplicative): calls(day, slot) = level(day) x day_factor(day type) x shape(day type, slot)

* Day types: the seven weekdays; statutory holidays; make-up working days (调休), which follow
  a working-day schedule and so get the pooled Monday-Friday factor and shape.
* ``shape`` is the intraday profile (ratio of summed calls to summed daily totals over the
  last ``shape_weeks`` weeks of ordinary days -- pooling several weeks averages out noise).
  A slot with no calls on any ordinary day of that weekday in the window forecasts 0, so a
  centre's closed hours stay closed.
* ``day_factor`` is the weekday's mean daily volume over the mean of the seven weekdays.
* ``level`` is the deseasonalised daily volume (total / day_factor), fitted by a weighted
  straight line over the last ``level_weeks`` weeks (weights halve every
  ``level_half_life_weeks``); the slope is damped (``trend_damping`` per week) so a noisy
  trend cannot run away over the horizon.
* Holidays and make-up days are left out of every estimate above.  The holiday factor is
  learned from history (sum of holiday volumes over the sum of the local level around each
  holiday, i.e. relative to an average day), with the holidays' own pooled shape; without
  holidays in history, ``default_holiday_ratio`` and the weekend shape are used (a centre
  closed at weekends is taken to be closed on holidays too).
* AHT: calls-weighted mean per weekday and slot over the shape window, falling back to the
  slot over all days, then to the overall mean.

History rows: ``interval_start`` (naive local time, or tz-aware -- its wall clock is used and
the forecast carries the same zone), ``calls``, ``aht_seconds``.  A day with at least one row
is observed and its missing slots count as 0 calls; a day with no rows is missing and ignored.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from scheduler._calendar import HolidayCalendar
from scheduler.demand._errors import ForecastInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

HISTORY_COLUMNS = ("interval_start", "calls", "aht_seconds")

_HOLIDAY = 7
_MAKEUP = 8
_WEEKDAYS = range(7)
_WORKDAYS = range(5)


@dataclass(frozen=True)
class ForecastSettings:
    """Tuning of the forecaster; the defaults suit half-hourly contact-centre history."""

    shape_weeks: int = 8
    level_weeks: int = 8
    level_half_life_weeks: float = 2.0
    trend_damping: float = 0.8
    default_holiday_ratio: float = 0.6
    holiday_window_days: int = 14
    min_open_share: float = 0.5
    month_day_min_months: int = 3
    month_day_shrinkage: float = 3.0

    def __post_init__(self) -> None:
        if self.shape_weeks < 1 or self.level_weeks < 1:
            raise ForecastInputError("shape_weeks and level_weeks must be >= 1")
        if not self.level_half_life_weeks > 0:
            raise ForecastInputError("level_half_life_weeks must be > 0")
        if not 0 <= self.trend_damping <= 1:
            raise ForecastInputError("trend_damping must be in [0, 1]")
        if not self.default_holiday_ratio >= 0:
            raise ForecastInputError("default_holiday_ratio must be >= 0")
        if not 0 < self.min_open_share <= 1:
            raise ForecastInputError("min_open_share must be in (0, 1]")


@dataclass(frozen=True)
class BacktestWeek:
    """One backtested week: forecast made from the data strictly before ``start``."""

    start: dt.date
    actual_calls: float
    forecast_wmape: float
    naive_wmape: float


@dataclass(frozen=True)
class Backtest:
    """Per-week and overall wMAPE (sum |error| / sum actual) of the forecaster and of
    seasonal-naive (the same interval one week earlier)."""

    weeks: tuple[BacktestWeek, ...]
    forecast_wmape: float
    naive_wmape: float


@dataclass(frozen=True)
class _Grid:
    """History as a day x slot matrix; rows of days without any data are NaN."""

    first: dt.date
    calls: FloatArray
    aht: FloatArray
    tz: object
    interval_minutes: int
    present: BoolArray  # True where the history gave a row for the slot


    @property
    def days(self) -> int:
        return int(self.calls.shape[0])

    def date(self, index: int) -> dt.date:
        return self.first + dt.timedelta(days=index)


def _day_types(dates: list[dt.date], calendar: HolidayCalendar) -> npt.NDArray[np.int64]:
    kinds = []
    for day in dates:
        if calendar.is_holiday(day):
            kinds.append(_HOLIDAY)
        elif calendar.is_makeup_workday(day):
            kinds.append(_MAKEUP)
        else:
            kinds.append(day.weekday())
    return np.array(kinds, dtype=np.int64)


def _check_interval_minutes(interval_minutes: int) -> int:
    if (
        isinstance(interval_minutes, bool)
        or not isinstance(interval_minutes, int)
        or interval_minutes <= 0
        or 1440 % interval_minutes
    ):
        raise ForecastInputError(
            f"interval_minutes must be a whole divisor of 1440, got {interval_minutes!r}"
        )
    return interval_minutes


def _grid(history: pd.DataFrame, interval_minutes: int) -> _Grid:
    interval_minutes = _check_interval_minutes(interval_minutes)
    if not isinstance(history, pd.DataFrame):
        raise ForecastInputError("history must be a pandas DataFrame")
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ForecastInputError(f"history is missing column(s): {', '.join(missing)}")
    if history.empty:
        raise ForecastInputError("history has no rows")
    labels = list(history.index)
    raw_start = history["interval_start"]
    starts = pd.to_datetime(raw_start, errors="coerce")
    bad = starts.isna()
    if bad.any():
        row = labels[int(np.flatnonzero(bad.to_numpy())[0])]
        raise ForecastInputError(
            f"row {row}: column interval_start: {raw_start.loc[row]!r} is not a timestamp"
        )
    tz = starts.dt.tz
    wall = starts.dt.tz_localize(None) if tz is not None else starts
    calls = pd.to_numeric(history["calls"], errors="coerce").to_numpy(dtype=np.float64)
    aht = pd.to_numeric(history["aht_seconds"], errors="coerce").to_numpy(dtype=np.float64)
    for position in np.flatnonzero(~np.isfinite(calls) | (calls < 0)):
        raise ForecastInputError(
            f"row {labels[int(position)]}: column calls must be a finite number >= 0"
        )
    bad_aht = (np.isfinite(aht) & (aht < 0)) | (~np.isfinite(aht) & (calls > 0))
    bad_aht |= np.isinf(aht)
    for position in np.flatnonzero(bad_aht):
        raise ForecastInputError(
            f"row {labels[int(position)]}: column aht_seconds must be a finite number >= 0"
        )
    minutes = (wall.dt.hour * 60 + wall.dt.minute).to_numpy()
    misaligned = (minutes % interval_minutes != 0) | (wall.dt.second.to_numpy() != 0)
    misaligned |= wall.dt.microsecond.to_numpy() != 0
    for position in np.flatnonzero(misaligned):
        raise ForecastInputError(
            f"row {labels[int(position)]}: column interval_start: {wall.iloc[int(position)]} "
            f"is not on the {interval_minutes}-minute grid"
        )
    duplicated = wall.duplicated().to_numpy()
    for position in np.flatnonzero(duplicated):
        raise ForecastInputError(
            f"row {labels[int(position)]}: column interval_start: {wall.iloc[int(position)]} "
            "appears twice"
        )
    dates = wall.dt.date.to_numpy()
    first: dt.date = min(dates)
    last: dt.date = max(dates)
    day_index = np.array([(d - first).days for d in dates], dtype=np.int64)
    slot = minutes // interval_minutes
    slots = 1440 // interval_minutes
    days = (last - first).days + 1
    grid_calls = np.full((days, slots), np.nan)
    grid_calls[np.unique(day_index)] = 0.0
    grid_calls[day_index, slot] = calls
    grid_aht = np.full((days, slots), np.nan)
    grid_aht[day_index, slot] = np.where(calls > 0, aht, np.nan)
    present = np.zeros((days, slots), dtype=bool)
    present[day_index, slot] = True
    return _Grid(first, grid_calls, grid_aht, tz, interval_minutes, present)


@dataclass(frozen=True)
class _Model:
    last_day: int  # grid index of the last history day used
    level: float
    slope: float  # per day
    factor: FloatArray  # by day type 0..8
    shape: FloatArray  # day type x slot
    aht: FloatArray  # day type x slot
    open: BoolArray  # day type x slot: the centre takes calls then (learned opening hours)
    month_day: FloatArray  # multiplier by day of the month, index 1..31
    first: dt.date  # date of grid day 0


def _ratio_shape(calls: FloatArray) -> FloatArray:
    total = float(np.nansum(calls))
    if total <= 0:
        return np.zeros(calls.shape[1])
    shape: FloatArray = np.nansum(calls, axis=0) / total
    return shape


def _weighted_aht(calls: FloatArray, aht: FloatArray) -> FloatArray:
    weight = np.where(np.isfinite(aht) & (calls > 0), calls, 0.0)
    total = weight.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.where(
            total > 0, (weight * np.nan_to_num(aht)).sum(axis=0) / total, np.nan
        )
    return result


def _fit(grid: _Grid, end: int, kinds: npt.NDArray[np.int64], settings: ForecastSettings) -> _Model:
    """Estimate the model from grid days 0..end-1."""
    calls = grid.calls[:end]
    aht = grid.aht[:end]
    present = grid.present[:end]
    kinds = kinds[:end]
    observed = ~np.isnan(calls[:, 0])
    if int(observed.sum()) < 7:
        raise ForecastInputError("history needs at least 7 days with data before the forecast")
    totals = np.where(observed, np.nansum(calls, axis=1), np.nan)
    ordinary = observed & (kinds < 7)
    day = np.arange(end, dtype=np.float64)
    shape_window = ordinary & (day >= end - 7 * settings.shape_weeks)

    slots = calls.shape[1]
    means = np.full(7, np.nan)
    shape = np.zeros((9, slots))
    aht_table = np.full((9, slots), np.nan)
    opening = np.ones((9, slots), dtype=bool)
    for weekday in _WEEKDAYS:
        chosen = shape_window & (kinds == weekday)
        if not chosen.any():
            chosen = ordinary & (kinds == weekday)
        if chosen.any():
            means[weekday] = float(np.mean(totals[chosen]))
            shape[weekday] = _ratio_shape(calls[chosen])
            aht_table[weekday] = _weighted_aht(calls[chosen], aht[chosen])
            opening[weekday] = _open_slots(present[chosen], settings)
    known = ~np.isnan(means)
    if not known.any():
        raise ForecastInputError("history has no ordinary (non-holiday) days")
    typical = float(np.mean(means[known]))
    # A weekday never seen in two weeks or more of history is a day the centre is closed
    # (the North American bank's weekends); in a shorter history it borrows the pooled
    # ordinary-day profile.
    closed_weekdays = end >= 14
    for weekday in _WEEKDAYS:
        if not known[weekday]:
            if closed_weekdays:
                means[weekday] = 0.0
                opening[weekday] = False
            else:
                means[weekday] = typical
                shape[weekday] = _ratio_shape(calls[shape_window | ordinary])
                opening[weekday] = _open_slots(present[ordinary], settings)
    factor = np.zeros(9)
    if typical > 0:
        factor[:7] = means / typical

    # Make-up working days: pooled Monday-Friday schedule.
    factor[_MAKEUP] = float(np.mean(factor[list(_WORKDAYS)]))
    workdays = shape_window & (kinds < 5)
    shape[_MAKEUP] = _ratio_shape(calls[workdays]) if workdays.any() else shape[0]
    opening[_MAKEUP] = opening[list(_WORKDAYS)].any(axis=0)

    # Deseasonalised daily level, with a damped weighted linear trend.
    day_factor = np.where(kinds < 7, factor[np.minimum(kinds, 6)], 0.0)
    usable = ordinary & (day_factor > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        level_series = np.where(usable, totals / np.where(day_factor > 0, day_factor, 1.0), np.nan)
    month_day = _month_day_effect(grid, end, usable, level_series, settings)
    day_of_month = np.array([grid.date(i).day for i in range(end)], dtype=np.int64)
    level_series = level_series / month_day[day_of_month]
    recent = usable & (day >= end - 7 * settings.level_weeks)
    if not recent.any():
        recent = usable
    level, slope = _weighted_line(day[recent] - (end - 1), level_series[recent], settings)

    # Holidays: learned ratio to the local level, else the default and the weekend shape.
    ratio_num = 0.0
    ratio_den = 0.0
    holiday_days = np.flatnonzero(observed & (kinds == _HOLIDAY))
    for index in holiday_days:
        near = usable & (np.abs(day - index) <= settings.holiday_window_days)
        if near.any():
            ratio_num += float(totals[index])
            ratio_den += float(np.mean(level_series[near]))
    weekend_shape = _ratio_shape(calls[shape_window & (kinds >= 5) & (kinds < 7)])
    if ratio_den > 0:
        factor[_HOLIDAY] = ratio_num / ratio_den
        shape[_HOLIDAY] = _ratio_shape(calls[holiday_days])
        aht_table[_HOLIDAY] = _weighted_aht(calls[holiday_days], aht[holiday_days])
        opening[_HOLIDAY] = _open_slots(present[holiday_days], settings)
    elif weekend_shape.any():
        factor[_HOLIDAY] = settings.default_holiday_ratio
        shape[_HOLIDAY] = weekend_shape
        opening[_HOLIDAY] = opening[5:7].any(axis=0)
    if not shape[_HOLIDAY].any():
        factor[_HOLIDAY] = 0.0
        opening[_HOLIDAY] = False

    # AHT fallbacks: the slot over every recent observed day, then the overall mean.
    recent_days = observed & (day >= end - 7 * settings.shape_weeks)
    slot_aht = _weighted_aht(calls[recent_days], aht[recent_days])
    pooled = float(_weighted_aht(calls.reshape(-1, 1), aht.reshape(-1, 1))[0])
    overall = 0.0 if math.isnan(pooled) else pooled
    slot_aht = np.where(np.isnan(slot_aht), overall, slot_aht)
    aht_table[_MAKEUP] = _weighted_aht(calls[workdays], aht[workdays])
    aht_table = np.where(np.isnan(aht_table), slot_aht[np.newaxis, :], aht_table)
    return _Model(
        end - 1, level, slope, factor, shape, aht_table, opening, month_day, grid.first
    )


def _month_day_effect(
    grid: _Grid, end: int, usable: BoolArray, level_series: FloatArray,
    settings: ForecastSettings,
) -> FloatArray:
    """Multiplier by day of the month (index 1..31; index 0 unused), 1 where unknown.

    Banks see more calls in the first days of a month (salaries, statements): the Anonymous
    Bank's 1st-3rd carry 20-40 % above the weekday level.  Each ordinary day's volume is
    compared with the median level of the surrounding two weeks; the ratios of one day of the
    month, over every month of history, are averaged and shrunk towards 1 by
    ``month_day_shrinkage`` pseudo-observations, so a day seen once or twice barely moves.
    Needs ``month_day_min_months`` months of history, else every multiplier is 1.
    """
    effect = np.ones(32)
    if settings.month_day_min_months == 0 or end < 30 * settings.month_day_min_months:
        return effect
    series = pd.Series(np.where(usable, level_series, np.nan))
    local = series.rolling(15, center=True, min_periods=5).median().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(usable & (local > 0), level_series / local, np.nan)
    sums = np.zeros(32)
    counts = np.zeros(32)
    for index in np.flatnonzero(np.isfinite(ratio)):
        dom = grid.date(int(index)).day
        sums[dom] += float(ratio[index])
        counts[dom] += 1
    k = settings.month_day_shrinkage
    effect[1:] = (sums[1:] + k) / (counts[1:] + k)
    return effect


def _open_slots(present: BoolArray, settings: ForecastSettings) -> BoolArray:
    """Slots given a row on at least ``min_open_share`` of the chosen days.

    Opening hours are learned from which intervals the history *has*: a file that lists an
    interval with 0 calls says the centre was open and idle, one that leaves it out says the
    centre was closed (the North American bank's file stops at 21:05).
    """
    if present.shape[0] == 0:
        return np.zeros(present.shape[1], dtype=bool)
    share: FloatArray = present.mean(axis=0)
    result: BoolArray = share >= settings.min_open_share
    return result


def _weighted_line(x: FloatArray, y: FloatArray, settings: ForecastSettings) -> tuple[float, float]:
    """Weighted least-squares line; returns (value at x = 0, slope)."""
    weights = 0.5 ** (-x / (7.0 * settings.level_half_life_weeks))
    total = float(weights.sum())
    mean_x = float((weights * x).sum()) / total
    mean_y = float((weights * y).sum()) / total
    spread = float((weights * (x - mean_x) ** 2).sum())
    if spread <= 0 or settings.trend_damping == 0:
        return max(mean_y, 0.0), 0.0
    slope = float((weights * (x - mean_x) * (y - mean_y)).sum()) / spread
    return mean_y - slope * mean_x, slope


def _predict(
    model: _Model,
    first_day: int,
    days: int,
    kinds: npt.NDArray[np.int64],
    settings: ForecastSettings,
) -> tuple[FloatArray, FloatArray]:
    """Calls and AHT matrices for grid days first_day..first_day+days-1."""
    damping = settings.trend_damping ** (1.0 / 7.0)
    calls = np.zeros((days, model.shape.shape[1]))
    aht = np.zeros_like(calls)
    for offset in range(days):
        horizon = first_day + offset - model.last_day
        if damping >= 1.0:
            trend = model.slope * horizon
        else:
            trend = model.slope * damping * (1 - damping**horizon) / (1 - damping)
        level = max(0.0, model.level + trend)
        level *= float(model.month_day[(model.first + dt.timedelta(
            days=first_day + offset)).day])
        kind = int(kinds[offset])
        calls[offset] = np.where(model.open[kind], level * model.factor[kind] * model.shape[kind],
                                 0.0)
        aht[offset] = model.aht[kind]
    return calls, aht


def _timestamps(grid: _Grid, start: dt.date, days: int) -> pd.DatetimeIndex:
    step = pd.Timedelta(minutes=grid.interval_minutes)
    slots = 1440 // grid.interval_minutes
    base = pd.Timestamp(start)
    stamps = pd.DatetimeIndex(
        [base + pd.Timedelta(days=d) + step * s for d in range(days) for s in range(slots)]
    )
    if grid.tz is not None:
        # Wall-clock slots; a slot skipped by a DST jump moves forward, a repeated one is
        # taken in daylight time.
        stamps = stamps.tz_localize(
            str(grid.tz),
            ambiguous=np.ones(len(stamps), dtype=bool),
            nonexistent="shift_forward",
        )
    return stamps


def forecast(
    history: pd.DataFrame,
    *,
    start: dt.date,
    days: int,
    interval_minutes: int = 30,
    calendar: HolidayCalendar | None = None,
    settings: ForecastSettings | None = None,
    closed: str = "zero",
) -> pd.DataFrame:
    """Forecast ``calls`` and ``aht_seconds`` per interval for ``days`` days from ``start``.

    Returns a DataFrame with columns ``interval_start, calls, aht_seconds``, one row per
    interval of every forecast day.  ``start`` must be after the last day of history.
    ``calendar`` defaults to ``HolidayCalendar("CN")``.  Intervals outside the opening hours
    learned from the history forecast 0 calls; with ``closed="omit"`` they are left out.
    """
    if closed not in ("zero", "omit"):
        raise ForecastInputError(f"closed must be 'zero' or 'omit', got {closed!r}")
    calendar = calendar if calendar is not None else HolidayCalendar("CN")
    settings = settings if settings is not None else ForecastSettings()
    if not isinstance(days, int) or days < 1:
        raise ForecastInputError(f"days must be a whole number >= 1, got {days!r}")
    grid = _grid(history, interval_minutes)
    first_day = (start - grid.first).days
    if first_day < grid.days:
        raise ForecastInputError(
            f"start {start.isoformat()} must be after the last day of history "
            f"{grid.date(grid.days - 1).isoformat()}"
        )
    history_dates = [grid.date(i) for i in range(grid.days)]
    model = _fit(grid, grid.days, _day_types(history_dates, calendar), settings)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    kinds = _day_types(dates, calendar)
    calls, aht = _predict(model, first_day, days, kinds, settings)
    result = pd.DataFrame(
        {
            "interval_start": _timestamps(grid, start, days),
            "calls": calls.reshape(-1),
            "aht_seconds": aht.reshape(-1),
        }
    )
    if closed == "omit":
        result = result[model.open[kinds].reshape(-1)].reset_index(drop=True)
    return result


def _wmape(error: float, actual: float) -> float:
    return error / actual if actual > 0 else math.nan


def backtest(
    history: pd.DataFrame,
    *,
    weeks: int = 4,
    interval_minutes: int = 30,
    calendar: HolidayCalendar | None = None,
    settings: ForecastSettings | None = None,
) -> Backtest:
    """Forecast each of the last ``weeks`` weeks of history from the data strictly before it.

    Scores calls by wMAPE = sum |forecast - actual| / sum actual, for the forecaster and for
    seasonal-naive (the same interval one week earlier).  Days missing from the history, or
    whose day a week earlier is missing, are left out of both scores.
    """
    calendar = calendar if calendar is not None else HolidayCalendar("CN")
    settings = settings if settings is not None else ForecastSettings()
    if not isinstance(weeks, int) or weeks < 1:
        raise ForecastInputError(f"weeks must be a whole number >= 1, got {weeks!r}")
    grid = _grid(history, interval_minutes)
    first_test = grid.days - 7 * weeks
    if first_test < 14:
        raise ForecastInputError(
            f"a {weeks}-week backtest needs at least 2 weeks of history before it; "
            f"history has {grid.days} days"
        )
    kinds = _day_types([grid.date(i) for i in range(grid.days)], calendar)
    results = []
    total_actual = total_forecast_error = total_naive_error = 0.0
    for week in range(weeks):
        begin = first_test + 7 * week
        model = _fit(grid, begin, kinds, settings)
        predicted, _ = _predict(model, begin, 7, kinds[begin : begin + 7], settings)
        actual = grid.calls[begin : begin + 7]
        naive = grid.calls[begin - 7 : begin]
        scored = ~np.isnan(actual[:, 0]) & ~np.isnan(naive[:, 0])
        week_actual = float(actual[scored].sum())
        forecast_error = float(np.abs(predicted[scored] - actual[scored]).sum())
        naive_error = float(np.abs(naive[scored] - actual[scored]).sum())
        results.append(
            BacktestWeek(
                start=grid.date(begin),
                actual_calls=week_actual,
                forecast_wmape=_wmape(forecast_error, week_actual),
                naive_wmape=_wmape(naive_error, week_actual),
            )
        )
        total_actual += week_actual
        total_forecast_error += forecast_error
        total_naive_error += naive_error
    return Backtest(
        weeks=tuple(results),
        forecast_wmape=_wmape(total_forecast_error, total_actual),
        naive_wmape=_wmape(total_naive_error, total_actual),
    )
