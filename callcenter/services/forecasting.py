"""Forecasting and staffing for the application: volume files, stored forecasts and plans.

Two ways in:

* **Files** (``callcenter forecast`` / ``callcenter staffing``, no database): volume files
  are read and validated by ``callcenter.volumes`` (re-exported here; it needs no pandas, so
  ``callcenter staffing`` starts fast); ``forecast_cells`` turns a forecast into contract CSV
  columns.
* **The database**: ``forecast_centre`` forecasts a centre from its stored ``CallVolume``
  history and stores a ``Forecast`` with its ``ForecastInterval`` rows; ``staff_forecast``
  stores a ``StaffingPlan`` with its ``StaffingRequirement`` rows; ``forecast_and_staff_demo``
  chains both for the demo and backtests the forecaster against seasonal-naive.

Times: the engine works on the centre's local wall clock (naive timestamps); the database
stores UTC-aware timestamps.  Conversions happen only here.  Services flush but never commit:
the caller's ``session_scope`` owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, col, select

from callcenter.errors import Problem, ValidationFailed
from callcenter.models import (
    CallVolume,
    Centre,
    Forecast,
    ForecastInterval,
    StaffingPlan,
    StaffingRequirement,
)
from callcenter.volumes import VolumeTable, fixed_cells, read_volumes
from scheduler import HolidayCalendar
from scheduler.demand import (
    BACKTEST_METHODS,
    Backtest,
    DemandError,
    ForecastSettings,
    RollingBacktest,
    StaffingTargets,
    agents_needed,
    backtest,
    forecast,
    rolling_backtest,
    shrinkage_fraction,
)

FloatArray = npt.NDArray[np.float64]

#: Name stored in ``Forecast.method``; bump the version when the model changes.
FORECAST_METHOD = "day-type-shape-damped-trend/1"

#: Output columns of ``callcenter forecast``; the file feeds ``callcenter staffing`` as is.
FORECAST_COLUMNS = ("interval_start", "calls", "aht_seconds")

#: Demo service targets.  80 % of calls answered within 20 s is the industry's usual standard
#: (and the contract's reference case); an 85 % occupancy cap keeps agents from running flat
#: out through the peaks; 30 % shrinkage covers the art. 32 meal and rest breaks, meetings,
#: coaching and absence on top of them.
DEMO_TARGETS = StaffingTargets(
    service_level=0.8, answer_seconds=20, max_occupancy=0.85, shrinkage="0.30"
)
DEMO_BACKTEST_WEEKS = 4




# --------------------------------------------------------------------------------------------
# Volume / history files
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Staffing from a file
# --------------------------------------------------------------------------------------------


def cells_as_rows(
    columns: Sequence[str], cells: Sequence[Sequence[str]]
) -> list[dict[str, object]]:
    """Column-wise cells as the row dicts ``write_table`` takes (for XLSX output)."""
    return [dict(zip(columns, row, strict=True)) for row in zip(*cells, strict=True)]


# --------------------------------------------------------------------------------------------
# Forecast from a file
# --------------------------------------------------------------------------------------------


def holiday_calendar(code: str) -> HolidayCalendar:
    """``CN`` (with make-up working days), ``none``, or any country the holidays library knows."""
    import holidays as holidays_lib

    upper = code.strip().upper()
    if upper not in {"CN", "NONE"} and upper not in holidays_lib.list_supported_countries():
        raise ValidationFailed(
            "options",
            [
                Problem(
                    "options",
                    "--holidays",
                    code,
                    "must be CN, none, or a country code the holidays library knows (US, IL, ...)",
                )
            ],
        )
    return HolidayCalendar(upper)


def forecast_history(
    history: pd.DataFrame,
    *,
    source: str,
    start: dt.date,
    days: int,
    interval_minutes: int,
    calendar: HolidayCalendar,
    settings: ForecastSettings | None = None,
    closed: str = "zero",
) -> pd.DataFrame:
    """``scheduler.demand.forecast`` with its refusals turned into ``ValidationFailed``."""
    try:
        return forecast(
            history,
            start=start,
            days=days,
            interval_minutes=interval_minutes,
            calendar=calendar,
            settings=settings,
            closed=closed,
        )
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "history", "", str(exc))]) from exc


def backtest_history(
    history: pd.DataFrame,
    *,
    source: str,
    weeks: int,
    interval_minutes: int,
    calendar: HolidayCalendar,
    settings: ForecastSettings | None = None,
) -> Backtest:
    """``scheduler.demand.backtest`` with its refusals turned into ``ValidationFailed``."""
    try:
        return backtest(
            history,
            weeks=weeks,
            interval_minutes=interval_minutes,
            calendar=calendar,
            settings=settings,
        )
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "history", "", str(exc))]) from exc


def check_closed_option(closed: str) -> None:
    """``--closed`` must be ``omit`` or ``zero``."""
    if closed not in ("omit", "zero"):
        raise ValidationFailed(
            "options", [Problem("options", "--closed", closed, "must be omit or zero")]
        )


def read_history(
    path: Path,
    *,
    interval_minutes: int | None,
    columns: str | None = None,
    source_interval_minutes: int | None = None,
    local_time: bool = False,
) -> VolumeTable:
    """A history file for the forecaster: the contract CSV as is, or -- with a column map,
    a source interval or ``local_time`` -- a real-world export re-binned to
    ``interval_minutes`` (30 when omitted) by ``realdata.read_interval_counts``."""
    if columns is None and source_interval_minutes is None and not local_time:
        return read_volumes(
            path, require_aht=False, interval_minutes=interval_minutes, unique_starts=True
        )
    from callcenter.services.realdata import (
        INTERVAL_FIELDS,
        parse_column_map,
        read_interval_counts,
    )

    return read_interval_counts(
        path,
        interval_minutes=interval_minutes or 30,
        columns=parse_column_map(columns, INTERVAL_FIELDS),
        source_interval_minutes=source_interval_minutes,
        local_time=local_time,
    )


def rolling_backtest_history(
    history: pd.DataFrame,
    *,
    source: str,
    weeks: int,
    horizons: int,
    interval_minutes: int,
    calendar: HolidayCalendar,
    settings: ForecastSettings | None = None,
) -> RollingBacktest:
    """``scheduler.demand.rolling_backtest`` (three methods), refusals as ``ValidationFailed``.

    When the history is too short for every horizon, the horizons are cut to what fits.
    """
    starts = pd.DatetimeIndex(history["interval_start"])
    span = (starts.max().normalize() - starts.min().normalize()).days + 1
    fitting = max(1, min(horizons, (span - 14 - 7 * weeks) // 7 + 1))
    try:
        return rolling_backtest(
            history,
            weeks=weeks,
            horizons=fitting,
            interval_minutes=interval_minutes,
            calendar=calendar,
            settings=settings,
        )
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "history", "", str(exc))]) from exc


def rolling_backtest_lines(result: RollingBacktest) -> list[str]:
    """The rolling backtest as a table: method x horizon, wMAPE at the scoring interval and
    per day."""

    def pct(value: float) -> str:
        return "   n/a" if math.isnan(value) else f"{100 * value:6.2f}"

    weeks = result.test_weeks
    lines = [
        f"rolling-origin backtest: {len(weeks)} week(s) from {weeks[0].isoformat()}, "
        f"horizons 1-{result.horizons} week(s) ahead; wMAPE % at {result.score_minutes} min "
        "/ daily",
        "  method           "
        + "".join(
            f"   h{h} {result.score_minutes}m  h{h} day" for h in range(1, result.horizons + 1)
        ),
    ]
    for method in BACKTEST_METHODS:
        cells = "".join(
            f"  {pct(result.wmape(method, h, 'interval'))} {pct(result.wmape(method, h, 'daily'))}"
            for h in range(1, result.horizons + 1)
        )
        lines.append(f"  {method:15s}{cells}")
    forecaster = result.wmape("forecaster", 1, "interval")
    naive = result.wmape("seasonal_naive", 1, "interval")
    anchor = result.wmape("mstl_ets", 1, "interval")
    if naive > 0 and not math.isnan(forecaster):
        lines.append(
            f"  1 week ahead at {result.score_minutes} min: forecaster "
            f"{100 * (1 - forecaster / naive):+.1f} % better than seasonal-naive, "
            f"{100 * (1 - forecaster / anchor):+.1f} % better than mstl_ets"
        )
    return lines


def forecast_cells(result: pd.DataFrame, *, has_aht: bool) -> list[list[str]]:
    """Forecast rows as text: local ``YYYY-MM-DDTHH:MM``, calls to 3 decimals, AHT to 2."""
    stamps = pd.DatetimeIndex(result["interval_start"])
    text = (
        stamps.strftime("%Y-%m-%dT%H:%M%z")
        if stamps.tz is not None
        else (stamps.strftime("%Y-%m-%dT%H:%M"))
    )
    aht = result["aht_seconds"].to_numpy(dtype=np.float64)
    return [
        list(text),
        fixed_cells(result["calls"].to_numpy(dtype=np.float64), 3),
        fixed_cells(aht, 2) if has_aht else [""] * len(aht),
    ]


def backtest_lines(result: Backtest) -> list[str]:
    """A readable backtest report: per week and overall wMAPE of both methods."""

    def pct(value: float) -> str:
        return "n/a" if math.isnan(value) else f"{100 * value:.2f} %"

    lines = [f"backtest, last {len(result.weeks)} week(s): wMAPE of calls per interval"]
    for week in result.weeks:
        lines.append(
            f"  week of {week.start.isoformat()}: forecaster {pct(week.forecast_wmape)}, "
            f"seasonal-naive {pct(week.naive_wmape)} ({week.actual_calls:,.0f} calls)"
        )
    verdict = (
        "forecaster beats seasonal-naive"
        if result.forecast_wmape < result.naive_wmape
        else "forecaster does NOT beat seasonal-naive"
    )
    lines.append(
        f"  overall: forecaster wMAPE {pct(result.forecast_wmape)}, "
        f"seasonal-naive wMAPE {pct(result.naive_wmape)} ({verdict})"
    )
    return lines


# --------------------------------------------------------------------------------------------
# The database: stored history, forecasts and staffing plans
# --------------------------------------------------------------------------------------------


def _local_midnight_utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def centre_history(
    session: Session, centre: Centre, *, before: dt.date | None = None
) -> pd.DataFrame:
    """The centre's stored call history as the engine's DataFrame (local wall clock).

    Rows that share a wall-clock slot (the repeated hour when daylight saving ends) are
    merged: calls summed, AHT calls-weighted.
    """
    zone = ZoneInfo(centre.timezone)
    statement = select(CallVolume.interval_start, CallVolume.calls, CallVolume.aht_seconds).where(
        CallVolume.centre_id == centre.id
    )
    if before is not None:
        statement = statement.where(CallVolume.interval_start < _local_midnight_utc(before, zone))
    rows = session.exec(statement.order_by(col(CallVolume.interval_start))).all()
    if not rows:
        return pd.DataFrame(
            {"interval_start": pd.DatetimeIndex([]), "calls": [], "aht_seconds": []}
        )
    starts = pd.DatetimeIndex([r[0] for r in rows]).tz_convert(zone).tz_localize(None)
    calls = np.array([r[1] for r in rows], dtype=np.float64)
    aht = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    aht = np.where(calls > 0, aht, np.nan_to_num(aht, nan=0.0))
    frame = pd.DataFrame({"interval_start": starts, "calls": calls, "aht_seconds": aht})
    if frame["interval_start"].duplicated().any():
        frame["handled"] = frame["calls"] * frame["aht_seconds"].fillna(0.0)
        merged = frame.groupby("interval_start", as_index=False)[["calls", "handled"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            merged["aht_seconds"] = np.where(
                merged["calls"] > 0, merged["handled"] / merged["calls"], 0.0
            )
        frame = merged[["interval_start", "calls", "aht_seconds"]]
    return frame


def _to_utc(stamps: pd.Series | pd.DatetimeIndex, zone: ZoneInfo) -> list[dt.datetime | None]:
    """Local wall-clock slots as UTC datetimes.

    A slot repeated when daylight saving ends is taken once, in daylight time; a slot that
    does not exist (the hour skipped when it starts) gives None: nobody calls at a time the
    clock never shows.
    """
    index = pd.DatetimeIndex(stamps)
    if index.tz is None:
        index = index.tz_localize(
            zone, ambiguous=np.ones(len(index), dtype=bool), nonexistent="NaT"
        )
    return [None if pd.isna(ts) else ts.to_pydatetime() for ts in index.tz_convert(dt.UTC)]


def forecast_centre(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int,
    *,
    interval_minutes: int | None = None,
    calendar: HolidayCalendar | None = None,
    settings: ForecastSettings | None = None,
) -> Forecast:
    """Forecast ``days`` days from ``start`` from the centre's stored history; store it.

    Uses the history before ``start`` only, the centre's planning interval unless told
    otherwise, and the Chinese calendar (holidays and make-up working days) by default.
    Raises ``ValidationFailed`` when the history cannot support a forecast.
    """
    assert centre.id is not None
    calendar = calendar if calendar is not None else HolidayCalendar("CN")
    settings = settings if settings is not None else ForecastSettings()
    interval = interval_minutes or centre.interval_minutes
    source = f"centre {centre.code} history"
    history = centre_history(session, centre, before=start)
    if history.empty:
        raise ValidationFailed(
            source,
            [
                Problem(
                    source,
                    "call_volume",
                    "",
                    f"no call history before {start.isoformat()}: "
                    "import volumes first (`callcenter import volumes FILE.csv`)",
                )
            ],
        )
    result = forecast_history(
        history,
        source=source,
        start=start,
        days=days,
        interval_minutes=interval,
        calendar=calendar,
        settings=settings,
    )
    zone = ZoneInfo(centre.timezone)
    stamps = _to_utc(result["interval_start"], zone)
    record = Forecast(
        centre_id=centre.id,
        method=FORECAST_METHOD,
        start_date=start,
        days=days,
        params=_forecast_params(history, interval, calendar, settings),
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    calls = result["calls"].to_numpy(dtype=np.float64).tolist()
    aht = result["aht_seconds"].to_numpy(dtype=np.float64).tolist()
    session.execute(
        insert(ForecastInterval),
        [
            {"forecast_id": record.id, "interval_start": s, "calls": c, "aht_seconds": a}
            for s, c, a in zip(stamps, calls, aht, strict=True)
            if s is not None
        ],
    )
    session.flush()
    return record


def _forecast_params(
    history: pd.DataFrame, interval: int, calendar: HolidayCalendar, settings: ForecastSettings
) -> dict[str, Any]:
    starts = pd.DatetimeIndex(history["interval_start"])
    return {
        "interval_minutes": interval,
        "holidays": calendar.country,
        "settings": asdict(settings),
        "history_from": starts.min().isoformat(),
        "history_to": starts.max().isoformat(),
        "history_intervals": len(history),
        "history_calls": round(float(history["calls"].sum()), 6),
    }


def forecast_intervals(session: Session, forecast_record: Forecast) -> list[ForecastInterval]:
    """The stored intervals of a forecast, in time order."""
    return list(
        session.exec(
            select(ForecastInterval)
            .where(ForecastInterval.forecast_id == forecast_record.id)
            .order_by(col(ForecastInterval.interval_start))
        ).all()
    )


def targets_record(targets: StaffingTargets) -> dict[str, Any]:
    """Targets as stored in ``StaffingPlan.targets`` (shrinkage kept as exact decimal text)."""
    shrink = shrinkage_fraction(targets.shrinkage)
    return {
        "service_level": targets.service_level,
        "answer_seconds": targets.answer_seconds,
        "max_asa_seconds": targets.max_asa_seconds,
        "max_occupancy": targets.max_occupancy,
        "shrinkage": _fraction_text(shrink),
        "patience_seconds": targets.patience_seconds,
    }


def _fraction_text(value: Fraction) -> str:
    text = f"{float(value)!r}"
    return text if Fraction(text) == value else f"{value.numerator}/{value.denominator}"


def staff_forecast(
    session: Session, centre: Centre, forecast_record: Forecast, targets: StaffingTargets
) -> StaffingPlan:
    """Agents needed for every interval of a stored forecast; stores the plan and its rows."""
    assert centre.id is not None and forecast_record.id is not None
    intervals = forecast_intervals(session, forecast_record)
    zone = ZoneInfo(centre.timezone)
    labels = [i.interval_start.astimezone(zone).isoformat(timespec="minutes") for i in intervals]
    interval = int(forecast_record.params.get("interval_minutes", centre.interval_minutes))
    calls = np.array([i.calls for i in intervals], dtype=np.float64)
    aht = np.array([i.aht_seconds for i in intervals], dtype=np.float64)
    source = f"forecast {forecast_record.id}"
    try:
        staffing = agents_needed(calls, aht, targets, interval_minutes=interval, labels=labels)
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "targets", "", str(exc))]) from exc
    plan = StaffingPlan(
        centre_id=centre.id,
        forecast_id=forecast_record.id,
        model="erlang_c" if targets.patience_seconds is None else "erlang_a",
        targets=targets_record(targets),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None

    def maybe(value: float) -> float | None:
        return None if math.isnan(value) else value

    session.execute(
        insert(StaffingRequirement),
        [
            {
                "plan_id": plan.id,
                "interval_start": row.interval_start,
                "calls": row.calls,
                "aht_seconds": row.aht_seconds,
                "agents": int(staffing.agents[k]),
                "scheduled_agents": int(staffing.scheduled_agents[k]),
                "service_level": float(staffing.service_level[k]),
                "asa_seconds": float(staffing.asa_seconds[k]),
                "occupancy": float(staffing.occupancy[k]),
                "abandon_rate": maybe(float(staffing.abandon_rate[k])),
            }
            for k, row in enumerate(intervals)
        ],
    )
    session.flush()
    return plan


def staffing_requirements(session: Session, plan: StaffingPlan) -> list[StaffingRequirement]:
    """The stored rows of a staffing plan, in time order."""
    return list(
        session.exec(
            select(StaffingRequirement)
            .where(StaffingRequirement.plan_id == plan.id)
            .order_by(col(StaffingRequirement.interval_start))
        ).all()
    )


# --------------------------------------------------------------------------------------------
# The demo: forecast the next weeks, staff them, backtest the forecaster
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandSummary:
    """What the demo's forecast and staffing step produced; ``lines()`` for the CLI."""

    forecast_id: int
    plan_id: int
    start: str
    days: int
    intervals: int
    interval_minutes: int
    calls: float
    peak_calls: float
    peak_interval: str
    peak_agents: int
    peak_scheduled_agents: int
    scheduled_agent_hours: float
    targets: str
    backtest_weeks: int
    forecast_wmape: float
    naive_wmape: float

    def lines(self) -> list[str]:
        end = dt.date.fromisoformat(self.start) + dt.timedelta(days=self.days - 1)
        return [
            f"Forecast   {self.start} .. {end.isoformat()}: {self.intervals} intervals, "
            f"{self.calls:,.0f} calls, peak {self.peak_calls:,.0f} at {self.peak_interval}",
            f"Backtest   last {self.backtest_weeks} weeks, wMAPE forecaster "
            f"{100 * self.forecast_wmape:.1f} % vs seasonal-naive {100 * self.naive_wmape:.1f} %",
            f"Staffing   {self.targets}: peak {self.peak_agents} agents on the phones, "
            f"{self.peak_scheduled_agents} scheduled; {self.scheduled_agent_hours:,.0f} "
            "scheduled agent-hours",
        ]


def _describe(targets: StaffingTargets) -> str:
    shrink = float(shrinkage_fraction(targets.shrinkage))
    text = (
        f"{100 * targets.service_level:g} % in {targets.answer_seconds:g} s, "
        f"occupancy <= {100 * targets.max_occupancy:g} %, shrinkage {100 * shrink:g} %"
    )
    if targets.patience_seconds is not None:
        text += f", patience {targets.patience_seconds:g} s (Erlang A)"
    return text


def _existing_demo_plan(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int,
    params: dict[str, Any],
    targets: dict[str, Any],
) -> tuple[Forecast, StaffingPlan] | None:
    """The forecast and plan of an earlier demo run on the same data, if any."""
    for record in session.exec(
        select(Forecast)
        .where(
            Forecast.centre_id == centre.id,
            Forecast.method == FORECAST_METHOD,
            Forecast.start_date == start,
            Forecast.days == days,
        )
        .order_by(col(Forecast.id))
    ):
        if record.params != params:
            continue
        plan = session.exec(
            select(StaffingPlan).where(StaffingPlan.forecast_id == record.id)
        ).first()
        if plan is not None and plan.targets == targets:
            return record, plan
    return None


def forecast_and_staff_demo(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int = 28,
    *,
    targets: StaffingTargets = DEMO_TARGETS,
) -> DemandSummary:
    """Forecast ``days`` days from ``start``, staff them with the demo targets, backtest.

    Running it again on the same history reuses the stored forecast and plan (the demo
    changes nothing the second time).
    """
    calendar = HolidayCalendar("CN")
    settings = ForecastSettings()
    interval = centre.interval_minutes
    history = centre_history(session, centre, before=start)
    source = f"centre {centre.code} history"
    existing = None
    if not history.empty:
        params = _forecast_params(history, interval, calendar, settings)
        existing = _existing_demo_plan(
            session, centre, start, days, params, targets_record(targets)
        )
    if existing is not None:
        forecast_record, plan = existing
    else:
        forecast_record = forecast_centre(
            session, centre, start, days, calendar=calendar, settings=settings
        )
        plan = staff_forecast(session, centre, forecast_record, targets)
    checked = backtest_history(
        history,
        source=source,
        weeks=DEMO_BACKTEST_WEEKS,
        interval_minutes=interval,
        calendar=calendar,
        settings=settings,
    )
    rows = staffing_requirements(session, plan)
    zone = ZoneInfo(centre.timezone)
    peak = max(rows, key=lambda r: (r.calls, -r.interval_start.timestamp()))
    assert forecast_record.id is not None and plan.id is not None
    return DemandSummary(
        forecast_id=forecast_record.id,
        plan_id=plan.id,
        start=start.isoformat(),
        days=days,
        intervals=len(rows),
        interval_minutes=interval,
        calls=float(sum(r.calls for r in rows)),
        peak_calls=peak.calls,
        peak_interval=peak.interval_start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        peak_agents=max(r.agents for r in rows),
        peak_scheduled_agents=max(r.scheduled_agents for r in rows),
        scheduled_agent_hours=sum(r.scheduled_agents for r in rows) * interval / 60,
        targets=_describe(targets),
        backtest_weeks=DEMO_BACKTEST_WEEKS,
        forecast_wmape=checked.forecast_wmape,
        naive_wmape=checked.naive_wmape,
    )
