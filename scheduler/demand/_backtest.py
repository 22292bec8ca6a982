"""Rolling-origin backtest of the forecaster against two anchors.

Each of the last ``weeks`` weeks of history is forecast from the data strictly before an
origin ``h - 1`` weeks earlier, for every horizon ``h`` = 1..``horizons``: so horizon 1 is
"next week from everything up to last Sunday", horizon 4 "the week four weeks out".  Three
methods are scored on the same days:

* ``forecaster``      -- ``scheduler.demand.forecast`` (day types, shapes, damped level).
* ``seasonal_naive``  -- the same interval in the last week before the origin (for
  horizon 1: one week earlier).
* ``mstl_ets``        -- the standard statistical anchor: MSTL decomposition with a daily and
  a weekly season (statsmodels), each season carried forward from its last cycle and the
  deseasonalised series forecast by exponential smoothing (simple or damped-trend, chosen by
  AICc).  This is what ``statsforecast.MSTL(season_length=[day, week],
  trend_forecaster=AutoETS(model="ZZN"))`` does; statsmodels is used because statsforecast
  pins pandas below 3.

Only open intervals (learned opening hours) feed the statistical anchor: a centre open
07:00-21:05 on weekdays gives a series of 29 half-hours a day and 5 days a week, as the
literature treats the North American bank's data.  Days missing from the history inside the
window are filled, for the anchor's input only, with the same day a week earlier.

wMAPE = sum |forecast - actual| / sum actual, at the scoring interval (``score_minutes``, the
forecast interval aggregated, 30 minutes by default) and per day.  Days missing from the
history, or whose seasonal-naive source day is missing, are left out of every method's score.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scheduler._calendar import HolidayCalendar
from scheduler.demand._errors import ForecastInputError
from scheduler.demand._forecast import (
    FloatArray,
    ForecastSettings,
    _day_types,
    _fit,
    _Grid,
    _grid,
    _predict,
)

#: Methods of ``rolling_backtest``, in report order.
BACKTEST_METHODS = ("forecaster", "seasonal_naive", "mstl_ets")

#: Weeks of history the statistical anchor is fitted on (the forecaster uses its own windows).
ANCHOR_WEEKS = 10


@dataclass(frozen=True)
class BacktestScore:
    """wMAPE of one method at one horizon and one level (``interval`` or ``daily``)."""

    method: str
    horizon_weeks: int
    level: str
    wmape: float
    actual_calls: float
    days: int


@dataclass(frozen=True)
class RollingBacktest:
    """Scores of every method, horizon and level over the same test weeks."""

    test_weeks: tuple[dt.date, ...]
    horizons: int
    score_minutes: int
    scores: tuple[BacktestScore, ...]

    def wmape(self, method: str, horizon_weeks: int, level: str = "interval") -> float:
        """The wMAPE of ``method`` at ``horizon_weeks`` and ``level``."""
        for score in self.scores:
            if (score.method, score.horizon_weeks, score.level) == (method, horizon_weeks, level):
                return score.wmape
        raise KeyError((method, horizon_weeks, level))

    def mean_wmape(self, method: str, level: str = "interval") -> float:
        """wMAPE pooled over all horizons."""
        chosen = [s for s in self.scores if s.method == method and s.level == level]
        actual = sum(s.actual_calls for s in chosen)
        error = sum(s.wmape * s.actual_calls for s in chosen if not math.isnan(s.wmape))
        return error / actual if actual > 0 else math.nan


def _statsmodels(module: str) -> Any:
    """A statsmodels module, untyped (statsmodels ships no type information)."""
    return importlib.import_module(f"statsmodels.{module}")


def _ets_forecast(y: FloatArray, steps: int) -> FloatArray:
    """Exponential smoothing of a non-seasonal series: ANN or AAdN, the lower AICc wins."""
    ets = _statsmodels("tsa.exponential_smoothing.ets")
    best: tuple[float, FloatArray] | None = None
    for trend, damped in ((None, False), ("add", True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter from the optimiser
            try:
                fitted = ets.ETSModel(
                    y, error="add", trend=trend, damped_trend=damped
                ).fit(disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
            criterion = float(fitted.aicc)
            path = np.asarray(fitted.forecast(steps), dtype=np.float64)
        if np.all(np.isfinite(path)) and (best is None or criterion < best[0]):
            best = (criterion, path)
    if best is None:
        return np.full(steps, float(y[-1]))
    return best[1]


def mstl_ets_forecast(y: FloatArray, periods: tuple[int, ...], steps: int) -> FloatArray:
    """MSTL with ``periods`` (statsmodels), seasons carried forward, ETS on the rest.

    Needs at least two cycles of the longest period; returns ``steps`` values (>= 0).
    """
    seasonal = _statsmodels("tsa.seasonal")
    series = np.asarray(y, dtype=np.float64)
    usable = tuple(p for p in periods if 2 * p <= series.size and p >= 2)
    if not usable:
        raise ForecastInputError("the statistical anchor needs two cycles of the daily season")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = seasonal.MSTL(series, periods=usable).fit()
    seasons = np.asarray(result.seasonal, dtype=np.float64).reshape(series.size, -1)
    future = np.zeros(steps)
    for k, period in enumerate(usable):
        last = seasons[-period:, k]
        future += np.resize(last, steps)
    deseasonalised = series - seasons.sum(axis=1)
    future += _ets_forecast(deseasonalised, steps)
    clipped: FloatArray = np.clip(future, 0.0, None)
    return clipped


def _anchor_matrix(
    grid: _Grid, origin: int, days: int, open_days: FloatArray, open_slots: FloatArray
) -> FloatArray:
    """The statistical anchor's forecast for grid days origin..origin+days-1 (day x slot)."""
    slots_open = np.flatnonzero(open_slots)
    weekdays_open = {int(w) for w in np.flatnonzero(open_days)}
    first = max(0, origin - 7 * ANCHOR_WEEKS)
    train_rows = []
    for day in range(first, origin):
        if grid.date(day).weekday() not in weekdays_open:
            continue
        row = grid.calls[day, slots_open]
        back = day - 7
        while np.isnan(row).any() and back >= 0:
            row = grid.calls[back, slots_open]
            back -= 7
        if np.isnan(row).any():
            continue  # nothing to fill a missing day with at the start of the history
        train_rows.append(row)
    target_days = [d for d in range(origin, origin + days)
                   if grid.date(d).weekday() in weekdays_open]
    out = np.zeros((days, grid.calls.shape[1]))
    if not train_rows or not target_days:
        return out
    series = np.concatenate(train_rows)
    per_day = slots_open.size
    path = mstl_ets_forecast(series, (per_day, per_day * len(weekdays_open)),
                             per_day * len(target_days))
    for k, day in enumerate(target_days):
        out[day - origin, slots_open] = path[k * per_day : (k + 1) * per_day]
    return out


def _score_slots(matrix: FloatArray, factor: int) -> FloatArray:
    """Day x slot calls summed into day x (slot / factor) scoring intervals."""
    days, slots = matrix.shape
    summed: FloatArray = matrix.reshape(days, slots // factor, factor).sum(axis=2)
    return summed


def rolling_backtest(
    history: pd.DataFrame,
    *,
    weeks: int = 8,
    horizons: int = 4,
    interval_minutes: int = 30,
    score_minutes: int = 30,
    calendar: HolidayCalendar | None = None,
    settings: ForecastSettings | None = None,
    methods: tuple[str, ...] = BACKTEST_METHODS,
) -> RollingBacktest:
    """Rolling-origin backtest of the last ``weeks`` weeks at horizons 1..``horizons`` weeks.

    ``score_minutes`` is the interval wMAPE is measured at; it must be a multiple of
    ``interval_minutes`` (the forecast interval is used when it is coarser).
    """
    calendar = calendar if calendar is not None else HolidayCalendar("CN")
    settings = settings if settings is not None else ForecastSettings()
    for name, value in (("weeks", weeks), ("horizons", horizons)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ForecastInputError(f"{name} must be a whole number >= 1, got {value!r}")
    unknown = [m for m in methods if m not in BACKTEST_METHODS]
    if unknown:
        raise ForecastInputError(f"unknown backtest method(s): {', '.join(unknown)}")
    grid = _grid(history, interval_minutes)
    score_minutes = max(score_minutes, interval_minutes)
    if score_minutes % interval_minutes or 1440 % score_minutes:
        raise ForecastInputError(
            f"score_minutes {score_minutes} must be a multiple of the {interval_minutes}-minute "
            "interval and divide a day"
        )
    factor = score_minutes // interval_minutes
    first_test = grid.days - 7 * weeks
    earliest_origin = first_test - 7 * (horizons - 1)
    if earliest_origin < 14:
        raise ForecastInputError(
            f"a {weeks}-week backtest at up to {horizons} weeks ahead needs at least 2 weeks "
            f"of history before its first origin; history has {grid.days} days"
        )
    kinds = _day_types([grid.date(i) for i in range(grid.days)], calendar)
    # forecasts[method][origin] = day x slot matrix for 7 * horizons days from origin
    forecasts: dict[str, dict[int, FloatArray]] = {m: {} for m in methods}
    span = 7 * horizons
    for origin in range(earliest_origin, grid.days, 7):
        length = min(span, grid.days - origin)
        model = _fit(grid, origin, kinds, settings)
        if "forecaster" in methods:
            predicted, _ = _predict(model, origin, length, kinds[origin : origin + length],
                                    settings)
            forecasts["forecaster"][origin] = predicted
        if "seasonal_naive" in methods:
            last_week = grid.calls[origin - 7 : origin]
            forecasts["seasonal_naive"][origin] = np.resize(
                last_week, (length, last_week.shape[1]))
        if "mstl_ets" in methods:
            open_days = np.asarray(model.open[:7].any(axis=1), dtype=np.float64)
            open_slots = np.asarray(model.open[:7].any(axis=0), dtype=np.float64)
            forecasts["mstl_ets"][origin] = _anchor_matrix(
                grid, origin, length, open_days, open_slots)

    scores: list[BacktestScore] = []
    for horizon in range(1, horizons + 1):
        actual_parts: list[FloatArray] = []
        predicted_parts: dict[str, list[FloatArray]] = {m: [] for m in methods}
        for week in range(weeks):
            begin = first_test + 7 * week
            origin = begin - 7 * (horizon - 1)
            offset = begin - origin
            actual = grid.calls[begin : begin + 7]
            naive_source = grid.calls[origin - 7 : origin]
            scored = ~np.isnan(actual[:, 0]) & ~np.isnan(naive_source[:, 0])
            actual_parts.append(_score_slots(actual[scored], factor))
            for method in methods:
                predicted = forecasts[method][origin][offset : offset + 7]
                predicted_parts[method].append(_score_slots(predicted[scored], factor))
        actual_all = np.concatenate(actual_parts)
        total = float(actual_all.sum())
        for method in methods:
            predicted_all = np.concatenate(predicted_parts[method])
            for level, error in (
                ("interval", float(np.abs(predicted_all - actual_all).sum())),
                ("daily", float(np.abs(predicted_all.sum(axis=1)
                                       - actual_all.sum(axis=1)).sum())),
            ):
                scores.append(BacktestScore(
                    method=method, horizon_weeks=horizon, level=level,
                    wmape=error / total if total > 0 else math.nan,
                    actual_calls=total, days=int(actual_all.shape[0])))
    return RollingBacktest(
        test_weeks=tuple(grid.date(first_test + 7 * w) for w in range(weeks)),
        horizons=horizons,
        score_minutes=score_minutes,
        scores=tuple(scores),
    )
