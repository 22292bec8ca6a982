"""Scheduled jobs: each runs on the demo centre, every run is logged, failures are retried,
and only one process may hold the scheduler."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, select

from callcenter.config import Settings
from callcenter.jobs import scheduled
from callcenter.jobs.scheduled import JOBS, Leadership, ScheduledJob, build_scheduler, run_logged
from callcenter.models import (
    Centre,
    Forecast,
    JobRun,
    LeaveRequest,
    QuarterlyScore,
    SolveJob,
    StaffingPlan,
)
from callcenter.services.demo import load_demo

SETTINGS = Settings(_env_file=None, scheduled_job_retry_seconds=0)  # type: ignore[call-arg]
AS_OF = dt.date(2026, 11, 25)


def at(day: dt.date, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def job(name: str) -> ScheduledJob:
    return next(j for j in JOBS if j.name == name)


def demo(engine: Engine) -> None:
    with Session(engine) as session:
        load_demo(session, AS_OF)
        session.commit()


def test_forecast_refresh_stores_a_forecast_and_a_staffing_plan(engine: Engine) -> None:
    demo(engine)
    runs = run_logged(engine, job("forecast_refresh"), SETTINGS, now=lambda: at(AS_OF))
    assert [r.status for r in runs] == ["succeeded"], runs[0].message
    with Session(engine) as session:
        assert len(session.exec(select(Forecast)).all()) == 1
        assert len(session.exec(select(StaffingPlan)).all()) == 1


def test_weekly_draft_roster_queues_a_solve_for_the_period_after_next(engine: Engine) -> None:
    demo(engine)
    run_logged(engine, job("forecast_refresh"), SETTINGS, now=lambda: at(AS_OF))
    runs = run_logged(engine, job("weekly_draft_roster"), SETTINGS, now=lambda: at(AS_OF))
    assert runs[-1].status == "succeeded", runs[-1].message
    assert "2026-12-07" in (runs[-1].message or "")  # Wed 25 Nov: next Monday + 7 days
    with Session(engine) as session:
        assert session.exec(select(SolveJob)).one().status == "queued"


def test_quarter_close_freezes_the_last_quarter(engine: Engine) -> None:
    demo(engine)
    runs = run_logged(engine, job("quarter_close"), SETTINGS,
                      now=lambda: at(dt.date(2026, 10, 1), 5))
    assert runs[-1].status == "succeeded" and "2026 Q3 closed: 120" in (runs[-1].message or "")
    with Session(engine) as session:
        assert all(s.frozen for s in session.exec(select(QuarterlyScore)))


def test_expiry_and_monthly_attendance_run(engine: Engine) -> None:
    demo(engine)
    with Session(engine) as session:
        session.add(LeaveRequest(agent_id=1, kind="annual", start_date=dt.date(2026, 11, 20),
                                 end_date=dt.date(2026, 11, 20)))
        session.commit()
    runs = run_logged(engine, job("expire_requests"), SETTINGS, now=lambda: at(AS_OF))
    assert "1 leave and 0 swap request(s) expired" in (runs[-1].message or "")
    runs = run_logged(engine, job("monthly_attendance"), SETTINGS,
                      now=lambda: at(dt.date(2026, 12, 1), 4))
    assert runs[-1].status == "succeeded" and "2026-11" in (runs[-1].message or "")


def test_a_failing_run_is_logged_and_retried(engine: Engine) -> None:
    calls: list[int] = []

    def flaky(session: Session, centre: Centre, today: dt.date, settings: Settings) -> str:
        calls.append(1)
        if len(calls) < 2:
            raise RuntimeError("database hiccup")
        return "ok"

    demo(engine)
    runs = run_logged(engine, ScheduledJob("flaky", flaky, {}), SETTINGS, sleep=lambda _s: None)
    assert [(r.attempt, r.status) for r in runs] == [(1, "failed"), (2, "succeeded")]
    assert "RuntimeError: database hiccup" in (runs[0].message or "")
    with Session(engine) as session:
        assert len(session.exec(select(JobRun).where(JobRun.job == "flaky")).all()) == 2


def test_only_one_process_holds_the_scheduler(engine: Engine) -> None:
    first, second = Leadership(engine), Leadership(engine)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_scheduler_has_every_job_on_its_trigger(engine: Engine) -> None:
    sched = build_scheduler(engine, SETTINGS, blocking=False)
    assert sorted(j.id for j in sched.get_jobs()) == sorted(j.name for j in JOBS)
    assert scheduled.ADVISORY_LOCK_KEY > 0
