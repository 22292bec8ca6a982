"""Forecasting and staffing services: volume files, stored forecasts and staffing plans."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.errors import ValidationFailed
from callcenter.models import (
    CallVolume,
    Centre,
    Forecast,
    ForecastInterval,
    StaffingPlan,
    StaffingRequirement,
)
from callcenter.services.centres import create_centre
from callcenter.services.forecasting import (
    forecast_and_staff_demo,
    forecast_centre,
    forecast_intervals,
    staff_forecast,
    staffing_requirements,
)
from callcenter.volumes import read_volumes, staff_volumes, targets_from_options
from scheduler import HolidayCalendar
from scheduler.demand import StaffingTargets, forecast
from tests.factories import write_csv
from tests.scheduler.demand.synthetic import history

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = dt.date(2026, 9, 7)  # a Monday


def store_history(session: Session, centre: Centre, frame: pd.DataFrame) -> None:
    """Naive local history rows as CallVolume rows (UTC-aware, as the import stores them)."""
    zone = ZoneInfo(centre.timezone)
    assert centre.id is not None
    for stamp, calls, aht in frame[["interval_start", "calls", "aht_seconds"]].itertuples(
        index=False
    ):
        session.add(CallVolume(
            centre_id=centre.id,
            interval_start=stamp.to_pydatetime().replace(tzinfo=zone).astimezone(dt.UTC),
            calls=float(calls), aht_seconds=float(aht) if calls else None,
        ))
    session.commit()


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def centre(session: Session) -> Centre:
    centre = create_centre(session, code="C1", name="Test centre")
    session.commit()
    return centre


# ---------------------------------------------------------------------------- volume files


def test_read_volumes_lists_every_bad_row_with_line_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "volumes.csv", ["interval_start", "calls", "aht_seconds"], [
        ["2026-11-30T08:00", 100, 180],
        ["yesterday", -5, 180],
        ["2026-11-30T09:00", "many", -1],
        ["2026-11-30T09:30", 10, ""],
        ["2026-11-30T10:00", 10, 0],
    ])
    with pytest.raises(ValidationFailed) as caught:
        read_volumes(path)
    found = [(p.where, p.column, p.value) for p in caught.value.problems]
    assert found == [
        (f"{path}: line 3", "interval_start", "yesterday"),
        (f"{path}: line 3", "calls", "-5"),
        (f"{path}: line 4", "calls", "many"),
        (f"{path}: line 4", "aht_seconds", "-1"),
        (f"{path}: line 5", "aht_seconds", ""),
        (f"{path}: line 6", "aht_seconds", "0"),
    ]
    assert "nothing written" in str(caught.value)


def test_read_volumes_header_problems_and_aht_fallback(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v.csv", ["interval_start", "calls"],
                     [["2026-11-30T08:00", 100], ["2026-11-30T08:30", 0]])
    with pytest.raises(ValidationFailed, match="aht_seconds.*--aht-seconds"):
        read_volumes(path)
    table = read_volumes(path, aht_seconds=180)
    assert table.aht_seconds.tolist() == [180, 180] and table.lines.tolist() == [2, 3]
    missing = write_csv(tmp_path / "m.csv", ["when", "calls"], [["x", 1]])
    with pytest.raises(ValidationFailed, match="interval_start"):
        read_volumes(missing, aht_seconds=180)


def test_read_volumes_for_a_forecast_checks_the_grid_and_duplicates(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", ["interval_start", "calls", "aht_seconds"], [
        ["2026-11-30T08:00", 1, 200],
        ["2026-11-30T08:10", 1, 200],
        ["2026-11-30T08:00+08:00", 1, 200],
    ])
    with pytest.raises(ValidationFailed) as caught:
        read_volumes(path, require_aht=False, interval_minutes=30, unique_starts=True)
    rules = [(p.where.rsplit(" ", 1)[-1], p.rule) for p in caught.value.problems]
    assert rules == [("3", "is not on a 30-minute interval boundary"),
                     ("4", "duplicate of line 2")]


def test_staffing_a_file_reproduces_the_reference_case(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v.csv", ["interval_start", "calls", "aht_seconds"],
                     [["2026-11-30T08:00", 100, 180], ["2026-11-30T08:30", 0, ""]])
    targets = targets_from_options(service_level=0.8, answer_seconds=20, shrinkage="0.3")
    staffing = staff_volumes(read_volumes(path), targets)
    assert staffing.agents.tolist() == [14, 0]
    assert staffing.scheduled_agents.tolist() == [20, 0]
    assert staffing.service_level[0] == pytest.approx(0.8884, abs=5e-5)


def test_unreachable_target_names_the_interval_and_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v.csv", ["interval_start", "calls", "aht_seconds"],
                     [["2026-11-30T08:00", 0, 180], ["2026-11-30T08:30", 50, 180]])
    targets = targets_from_options(service_level=1.0, answer_seconds=20)
    with pytest.raises(ValidationFailed) as caught:
        staff_volumes(read_volumes(path), targets)
    (problem,) = caught.value.problems
    assert problem.where == f"{path}: line 3" and problem.value == "2026-11-30T08:30"


def test_bad_options_are_named() -> None:
    with pytest.raises(ValidationFailed) as caught:
        targets_from_options(service_level=80, answer_seconds=-1, shrinkage="1")
    assert [p.column for p in caught.value.problems] == [
        "--service-level", "--answer-seconds", "--shrinkage"]


# ------------------------------------------------------------------------------ database


def test_forecast_is_stored_with_utc_aware_intervals(session: Session, centre: Centre) -> None:
    frame = history(FIRST, 21)
    store_history(session, centre, frame)
    start = FIRST + dt.timedelta(days=21)
    record = forecast_centre(session, centre, start, 7)
    session.commit()
    assert record.id is not None and record.start_date == start and record.days == 7
    assert record.params["interval_minutes"] == 30 and record.params["holidays"] == "CN"
    assert record.params["history_intervals"] == 21 * 48
    intervals = forecast_intervals(session, record)
    assert len(intervals) == 7 * 48
    first = intervals[0].interval_start
    assert first.tzinfo is not None and first.utcoffset() == dt.timedelta(0)
    assert first == dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI)
    # The same numbers as the engine on the same history.
    expected = forecast(frame, start=start, days=7)
    assert [i.calls for i in intervals] == pytest.approx(expected["calls"].tolist())
    assert [i.aht_seconds for i in intervals] == pytest.approx(expected["aht_seconds"].tolist())


def test_forecast_uses_only_history_before_start(session: Session, centre: Centre) -> None:
    store_history(session, centre, history(FIRST, 28))
    record = forecast_centre(session, centre, FIRST + dt.timedelta(days=14), 2)
    assert record.params["history_intervals"] == 14 * 48


def test_forecast_without_history_is_refused(session: Session, centre: Centre) -> None:
    with pytest.raises(ValidationFailed, match="no call history"):
        forecast_centre(session, centre, FIRST, 7)


def test_forecast_skips_the_hour_lost_to_daylight_saving(session: Session) -> None:
    berlin = create_centre(session, code="B1", name="Berlin", timezone="Europe/Berlin")
    session.commit()
    spring = dt.date(2026, 3, 29)  # clocks go from 02:00 to 03:00
    store_history(session, berlin, history(spring - dt.timedelta(days=14), 14,
                                           calendar=HolidayCalendar("none")))
    record = forecast_centre(session, berlin, spring, 1, calendar=HolidayCalendar("none"))
    stamps = [i.interval_start for i in forecast_intervals(session, record)]
    assert len(stamps) == 46 and len(set(stamps)) == 46
    assert stamps[0] == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)


def test_staffing_plan_rows_follow_the_forecast(session: Session, centre: Centre) -> None:
    store_history(session, centre, history(FIRST, 21))
    record = forecast_centre(session, centre, FIRST + dt.timedelta(days=21), 2)
    targets = StaffingTargets(service_level=0.8, answer_seconds=20, max_occupancy=0.85,
                              shrinkage="0.3")
    plan = staff_forecast(session, centre, record, targets)
    session.commit()
    assert plan.model == "erlang_c" and plan.forecast_id == record.id
    assert plan.targets["shrinkage"] == "0.3" and plan.targets["max_occupancy"] == 0.85
    rows = staffing_requirements(session, plan)
    intervals = forecast_intervals(session, record)
    assert [r.interval_start for r in rows] == [i.interval_start for i in intervals]
    assert rows[0].interval_start.tzinfo is not None
    for row in rows:
        assert row.scheduled_agents == math.ceil(row.agents * 10 / 7 - 1e-9)
        assert row.abandon_rate is None
        if row.calls == 0:
            assert row.agents == 0
        else:
            assert row.service_level is not None and row.service_level >= 0.8 - 1e-9
            assert row.occupancy is not None and row.occupancy <= 0.85 + 1e-9
    assert max(r.agents for r in rows) > 0

    erlang_a = staff_forecast(session, centre, record, StaffingTargets(
        service_level=0.8, answer_seconds=20, patience_seconds=300))
    a_rows = staffing_requirements(session, erlang_a)
    assert erlang_a.model == "erlang_a"
    assert all(r.abandon_rate is not None for r in a_rows)
    assert count(session, StaffingPlan) == 2


def test_demo_flow_forecasts_staffs_backtests_and_reruns_unchanged(
    session: Session, centre: Centre
) -> None:
    store_history(session, centre, history(FIRST, 42))
    start = FIRST + dt.timedelta(days=42)
    summary = forecast_and_staff_demo(session, centre, start, days=7)
    session.commit()
    assert summary.intervals == 7 * 48 and summary.days == 7
    assert summary.peak_scheduled_agents > summary.peak_agents > 0
    assert 0 < summary.forecast_wmape < summary.naive_wmape
    text = "\n".join(summary.lines())
    for needle in ("Forecast", "Backtest", "Staffing", "seasonal-naive", "80 % in 20 s"):
        assert needle in text
    counts = {m.__name__: count(session, m)
              for m in (Forecast, ForecastInterval, StaffingPlan, StaffingRequirement)}
    assert counts == {"Forecast": 1, "ForecastInterval": 336, "StaffingPlan": 1,
                      "StaffingRequirement": 336}
    again = forecast_and_staff_demo(session, centre, start, days=7)
    session.commit()
    assert again == summary
    assert count(session, Forecast) == 1 and count(session, StaffingRequirement) == 336
