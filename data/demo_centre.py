"""A deterministic, seeded demo centre: a bank's 7x24 customer-service hotline.

About 120 agents in 4 teams (about 30 % not night-eligible, career starts spread over
0-25 years), 12 weeks of half-hourly call history with daily and weekly shape, lower volume
on Chinese statutory holidays and normal volume on make-up working days (calendar from
``chinese_calendar`` via ``scheduler.HolidayCalendar``), handle time per interval, and the
last quarter's KPIs plus a realistic sprinkle of scoring events. Same seed and ``as_of``
date give byte-identical output.

The generator returns rows shaped exactly like the import CSVs (all strings), so the demo is
loaded through the same validation as a user's files.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from scheduler import HolidayCalendar

TIMEZONE = "Asia/Shanghai"
INTERVAL_MINUTES = 30
HISTORY_WEEKS = 12

TEAMS = [("T1", "Team Azure"), ("T2", "Team Jade"), ("T3", "Team Amber"), ("T4", "Team Coral")]

# Shift types: 9 hours each, so a shift carries one 30-minute meal and one 30-minute rest
# (art. 32) and 8 hours of work; five shifts make the 40-hour week of art. 31.
SHIFT_TYPES = [
    {"id": "M07", "start": "07:00", "duration_minutes": 540, "night": False},
    {"id": "D09", "start": "09:00", "duration_minutes": 540, "night": False},
    {"id": "E13", "start": "13:00", "duration_minutes": 540, "night": False},
    {"id": "S16", "start": "16:00", "duration_minutes": 540, "night": False},
    {"id": "N23", "start": "23:00", "duration_minutes": 540, "night": True},
]

# Share of a working day's calls in each half hour (00:00 ... 23:30), a bank hotline's
# typical double hump (late morning and mid-afternoon) with a quiet night.
_DAY_SHAPE = np.array([
    0.6, 0.5, 0.4, 0.35, 0.3, 0.3, 0.3, 0.3, 0.35, 0.4, 0.5, 0.7,   # 00:00-05:30
    1.0, 1.5, 2.2, 3.0, 3.6, 4.0, 4.3, 4.4, 4.3, 4.1, 3.8, 3.4,     # 06:00-11:30
    3.1, 3.2, 3.6, 3.9, 4.0, 3.9, 3.7, 3.4, 3.1, 2.8, 2.6, 2.5,     # 12:00-17:30
    2.4, 2.3, 2.2, 2.1, 2.0, 1.9, 1.7, 1.5, 1.3, 1.1, 0.9, 0.7,     # 18:00-23:30
])
_DAY_SHAPE = _DAY_SHAPE / _DAY_SHAPE.sum()

# Mondays are busiest; weekends quieter. Make-up working days follow working-day volume.
_WEEKDAY_FACTOR = [1.15, 1.05, 1.0, 1.0, 1.05, 0.72, 0.68]
_HOLIDAY_FACTOR = 0.55
_WEEKDAY_CALLS = 5200.0
_WEEKLY_GROWTH = 0.004


@dataclass(frozen=True)
class DemoCentre:
    """Everything the demo loads, as CSV-shaped rows (strings) plus the centre's settings."""

    code: str
    name: str
    timezone: str
    interval_minutes: int
    as_of: dt.date
    history_start: dt.date
    history_end: dt.date  # exclusive
    teams: list[tuple[str, str]]
    shift_types: list[dict[str, object]]
    agents: list[dict[str, str]] = field(default_factory=list)
    volumes: list[dict[str, str]] = field(default_factory=list)
    kpis: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    holidays_in_history: list[dt.date] = field(default_factory=list)
    makeup_days_in_history: list[dt.date] = field(default_factory=list)
    last_quarter: tuple[int, int] = (0, 0)


def previous_quarter(day: dt.date) -> tuple[int, int]:
    """(year, quarter) of the quarter before the one containing ``day``."""
    quarter = (day.month - 1) // 3 + 1
    return (day.year, quarter - 1) if quarter > 1 else (day.year - 1, 4)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    nxt = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def build_demo_centre(as_of: dt.date, seed: int = 20261125, agents: int = 120) -> DemoCentre:
    """The demo centre as it stands on ``as_of`` (history ends on the Monday of that week)."""
    rng = np.random.default_rng(seed)
    calendar = HolidayCalendar("CN")
    history_end = as_of - dt.timedelta(days=as_of.weekday())
    history_start = history_end - dt.timedelta(weeks=HISTORY_WEEKS)
    year, quarter = previous_quarter(as_of)
    centre = DemoCentre(
        code="DEMO", name="Demo Bank 7x24 Customer Service Centre", timezone=TIMEZONE,
        interval_minutes=INTERVAL_MINUTES, as_of=as_of, history_start=history_start,
        history_end=history_end, teams=list(TEAMS), shift_types=list(SHIFT_TYPES),
        last_quarter=(year, quarter),
    )
    _agents(centre, rng, agents, quarter_bounds(year, quarter))
    _volumes(centre, rng, calendar)
    _kpis(centre, rng)
    _events(centre, rng)
    return centre


def _agents(centre: DemoCentre, rng: np.random.Generator, count: int,
            last_quarter: tuple[dt.date, dt.date]) -> None:
    surnames = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo"]
    given = ["Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Ling", "Tao", "Xin",
             "Yu", "Hong", "Qiang", "Na", "Ping", "Bo", "Li", "Hao", "Mei"]
    q_start, q_end = last_quarter
    for i in range(count):
        career_years = float(rng.uniform(0.3, 25.0))
        career_start = centre.as_of - dt.timedelta(days=int(career_years * 365.25))
        tenure_days = int(rng.uniform(0.25, min(career_years, 10.0)) * 365.25)
        hire = max(career_start, centre.as_of - dt.timedelta(days=tenure_days))
        if i % 40 == 7:  # a few hired during the last quarter: scored for full months only
            hire = q_start + dt.timedelta(days=int(rng.integers(10, 60)))
        night_eligible = bool(rng.random() >= 0.3)
        weekly = 1920 if i % 30 == 11 else 2400
        centre.agents.append({
            "agent_id": f"A{i + 1:03d}",
            "name": f"{surnames[i % len(surnames)]} {given[(i * 7) % len(given)]}",
            "team": TEAMS[i % len(TEAMS)][0],
            "hire_date": hire.isoformat(),
            "career_start_date": career_start.isoformat(),
            "weekly_minutes": str(weekly),
            "night_eligible": "true" if night_eligible else "false",
        })
    assert q_end >= q_start


def _volumes(centre: DemoCentre, rng: np.random.Generator, calendar: HolidayCalendar) -> None:
    per_day = 24 * 60 // centre.interval_minutes
    day = centre.history_start
    week = 0
    while day < centre.history_end:
        if calendar.is_makeup_workday(day):
            factor = _WEEKDAY_FACTOR[4]
            centre.makeup_days_in_history.append(day)
        elif calendar.is_holiday(day):
            factor = _HOLIDAY_FACTOR
            centre.holidays_in_history.append(day)
        else:
            factor = _WEEKDAY_FACTOR[day.weekday()]
        week = (day - centre.history_start).days // 7
        level = _WEEKDAY_CALLS * factor * (1 + _WEEKLY_GROWTH * week)
        expected = level * _DAY_SHAPE * rng.lognormal(0.0, 0.04)
        calls = rng.poisson(expected)
        for slot in range(per_day):
            minute = slot * centre.interval_minutes
            start = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
            night = slot < 12 or slot >= 44
            base_aht = 300.0 if night else 240.0
            aht = base_aht * math.exp(float(rng.normal(0.0, 0.06))) if calls[slot] else 0.0
            centre.volumes.append({
                "interval_start": start.isoformat(timespec="minutes"),
                "calls": str(int(calls[slot])),
                "aht_seconds": f"{aht:.1f}",
            })
        day += dt.timedelta(days=1)
    assert week < HISTORY_WEEKS


def _kpis(centre: DemoCentre, rng: np.random.Generator) -> None:
    year, quarter = centre.last_quarter
    _, q_end = quarter_bounds(year, quarter)
    for i, agent in enumerate(centre.agents):
        if dt.date.fromisoformat(agent["hire_date"]) > q_end:
            continue
        weak = i % 17 == 5  # a handful of struggling agents, to show failed quarters
        calls = max(0, int(rng.normal(1800 if weak else 2700, 350)))
        quality = float(np.clip(rng.normal(52 if weak else 86, 6), 0, 100))
        exam = float(np.clip(rng.normal(45 if weak else 84, 8), 0, 100))
        required = int(rng.integers(0, 5))
        attended = required - int(rng.integers(0, 2)) if required else 0
        centre.kpis.append({
            "agent_id": agent["agent_id"], "year": str(year), "quarter": str(quarter),
            "calls_answered": str(calls), "quality_score": f"{quality:.1f}",
            "exam_score": f"{round(exam):d}", "training_required": str(required),
            "training_attended": str(max(0, attended)),
            "volume_bonus_awarded": "true" if i % 37 == 3 else "false",
        })


# Relative frequency of the event codes the demo sprinkles over the last quarter.
_EVENT_MIX = [
    ("LATE", 30), ("EARLY", 8), ("SICK", 14), ("PERSONAL", 8), ("SWAP", 10),
    ("P1", 3), ("P3", 6), ("P5", 3), ("P7", 6), ("P9", 4), ("P11", 4), ("P12", 3),
    ("R6", 5), ("R7", 4), ("R5", 1), ("S5", 1), ("S3", 1), ("G11", 1),
]


def _events(centre: DemoCentre, rng: np.random.Generator) -> None:
    year, quarter = centre.last_quarter
    q_start, q_end = quarter_bounds(year, quarter)
    codes = [c for c, _ in _EVENT_MIX]
    weights = np.array([w for _, w in _EVENT_MIX], dtype=float)
    weights /= weights.sum()
    span = (q_end - q_start).days + 1
    number = 1
    for _ in range(170):
        agent = centre.agents[int(rng.integers(0, len(centre.agents)))]
        day = q_start + dt.timedelta(days=int(rng.integers(0, span)))
        if day < dt.date.fromisoformat(agent["hire_date"]):
            continue
        code = codes[int(rng.choice(len(codes), p=weights))]
        centre.events.append({
            "event_id": f"EV-{year}Q{quarter}-{number:04d}", "agent_id": agent["agent_id"],
            "date": day.isoformat(), "code": code, "note": f"demo {code}",
        })
        number += 1
    # One grave case, to show a zeroed quarter and a termination-review flag (art. 107).
    victim = centre.agents[41]
    day = max(q_start + dt.timedelta(days=40), dt.date.fromisoformat(victim["hire_date"]))
    centre.events.append({
        "event_id": f"EV-{year}Q{quarter}-{number:04d}", "agent_id": victim["agent_id"],
        "date": day.isoformat(), "code": "G13", "note": "demo: operational error, customer loss",
    })
