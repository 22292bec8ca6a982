"""Seeded synthetic contact-centre history: daily and weekly shape, trend, holidays, noise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from scheduler._calendar import HolidayCalendar

# Relative volume by weekday (Monday first).
WEEKLY = (1.25, 1.1, 1.0, 1.0, 0.95, 0.6, 0.45)
HOLIDAY_RATIO = 0.5


def daily_shape(slots: int = 48) -> np.ndarray:
    """Open 08:00-22:00 with a late-morning peak and an early-evening bump; closed at night."""
    hours = (np.arange(slots) + 0.5) * 24 / slots
    shape = np.exp(-((hours - 10.5) ** 2) / 6) + 0.6 * np.exp(-((hours - 19.0) ** 2) / 4) + 0.15
    shape[(hours < 8) | (hours >= 22)] = 0.0
    return shape / shape.sum()


def history(
    first: dt.date,
    days: int,
    *,
    seed: int = 7,
    daily_calls: float = 2400.0,
    weekly_growth: float = 0.005,
    calendar: HolidayCalendar | None = None,
) -> pd.DataFrame:
    """Half-hourly history: Poisson calls around the seasonal mean, AHT with noise."""
    calendar = calendar if calendar is not None else HolidayCalendar("CN")
    rng = np.random.default_rng(seed)
    shape = daily_shape()
    holiday_shape = np.roll(shape, 2)  # holidays start later in the day
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        level = daily_calls * (1 + weekly_growth) ** (offset / 7)
        if calendar.is_holiday(day):
            mean = level * HOLIDAY_RATIO * holiday_shape
        elif calendar.is_makeup_workday(day):
            mean = level * np.mean(WEEKLY[:5]) * shape
        else:
            mean = level * WEEKLY[day.weekday()] * shape
        calls = rng.poisson(mean)
        aht = 200 + 20 * np.sin(np.arange(48) / 48 * 2 * np.pi) + rng.normal(0, 8, 48)
        start = pd.Timestamp(day)
        for slot in range(48):
            rows.append(
                {
                    "interval_start": start + pd.Timedelta(minutes=30 * slot),
                    "calls": float(calls[slot]),
                    "aht_seconds": float(aht[slot]) if calls[slot] > 0 else 0.0,
                }
            )
    return pd.DataFrame(rows)
