"""Scheduled jobs (APScheduler 3.x), exactly one scheduler for the whole deployment.

| job | when (centre time) | what |
|---|---|---|
| ``forecast_refresh`` | nightly 02:00 | forecast the next 4 weeks and staff them (art. 30) |
| ``weekly_draft_roster`` | Sunday 03:00 | queue a solve for the period after next |
| ``monthly_attendance`` | 1st of the month 04:00 | absences of last month -> proposed P1/S6/G3 |
| ``quarter_close`` | 1st of Jan/Apr/Jul/Oct 05:00 | score the last quarter and freeze it |
| ``expire_requests`` | daily 00:30 | pending requests past their first day expire |

Every run is a ``job_run`` row with its outcome; a failed run is retried up to
``scheduled_job_attempts`` times, each attempt its own row, so failures stay visible.

One scheduler only: on PostgreSQL the process holding the advisory lock runs it (other web
workers skip it); on SQLite, a single machine by nature, an exclusive lock file beside the
database decides. ``callcenter scheduler`` runs it as a dedicated process instead.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from callcenter.config import Settings
from callcenter.models import Centre, JobRun, SwapRequest, utcnow as _utcnow
from callcenter.services.audit import record_audit

ADVISORY_LOCK_KEY = 0x43414C4C  # "CALL"

JobFunction = Callable[[Session, Centre, dt.date, Settings], str]


def forecast_refresh(session: Session, centre: Centre, today: dt.date, settings: Settings) -> str:
    from callcenter.services.forecasting import forecast_centre, staff_forecast
    from scheduler.demand import StaffingTargets

    start = today + dt.timedelta(days=1)
    forecast = forecast_centre(session, centre, start, settings.roster_period_days)
    targets = StaffingTargets(
        service_level=settings.target_service_level,
        answer_seconds=settings.target_answer_seconds,
        max_occupancy=settings.target_max_occupancy,
        shrinkage=settings.target_shrinkage,
    )
    plan = staff_forecast(session, centre, forecast, targets)
    return f"forecast {forecast.id} and staffing plan {plan.id} from {start}"


def weekly_draft_roster(
    session: Session, centre: Centre, today: dt.date, settings: Settings
) -> str:
    from callcenter.jobs.solve import enqueue
    from callcenter.services.rosters import build_problem, planned_demand, store_problem

    next_monday = today + dt.timedelta(days=7 - today.weekday())
    start = next_monday + dt.timedelta(days=7)  # the period after next
    days = settings.roster_period_days
    problem = build_problem(
        session,
        centre,
        start,
        days,
        settings=settings,
        demand=planned_demand(session, centre, start, days),
    )
    row = store_problem(session, centre, problem, actor="scheduler")
    job = enqueue(
        session,
        row,
        time_limit_seconds=settings.solver_time_limit_seconds,
        workers=settings.solver_workers,
        actor="scheduler",
    )
    return f"solve job {job.id} queued for {start} + {days} days"


def monthly_attendance(session: Session, centre: Centre, today: dt.date, settings: Settings) -> str:
    from callcenter.services.attendance import propose_absence_events

    last_month = today.replace(day=1) - dt.timedelta(days=1)
    events = propose_absence_events(
        session, centre, last_month.year, last_month.month, actor="scheduler"
    )
    return f"{len(events)} absence event(s) proposed for {last_month:%Y-%m}"


def quarter_close(session: Session, centre: Centre, today: dt.date, settings: Settings) -> str:
    from callcenter.services.scores import compute_quarter

    quarter = (today.month - 1) // 3 + 1
    year, previous = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    scores = compute_quarter(
        session, centre, year, previous, settings=settings, actor="scheduler", freeze=True
    )
    return f"{year} Q{previous} closed: {len(scores)} scores frozen"


def expire_requests(session: Session, centre: Centre, today: dt.date, settings: Settings) -> str:
    from callcenter.services.leave import expire_stale_leave

    leave = expire_stale_leave(session, today=today)
    swaps = 0
    for swap in session.exec(select(SwapRequest).where(SwapRequest.status == "pending")):
        if min(swap.requester_date, swap.partner_date) < today:
            swap.status = "expired"
            swap.version += 1
            record_audit(
                session,
                actor="scheduler",
                action="expired",
                entity="swap_request",
                entity_id=swap.id,
                reason="not decided before its date",
            )
            swaps += 1
    return f"{leave} leave and {swaps} swap request(s) expired"


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    function: JobFunction
    cron: dict[str, str]


JOBS = [
    ScheduledJob("forecast_refresh", forecast_refresh, {"hour": "2", "minute": "0"}),
    ScheduledJob(
        "weekly_draft_roster",
        weekly_draft_roster,
        {"day_of_week": "sun", "hour": "3", "minute": "0"},
    ),
    ScheduledJob(
        "monthly_attendance", monthly_attendance, {"day": "1", "hour": "4", "minute": "0"}
    ),
    ScheduledJob(
        "quarter_close",
        quarter_close,
        {"month": "1,4,7,10", "day": "1", "hour": "5", "minute": "0"},
    ),
    ScheduledJob("expire_requests", expire_requests, {"hour": "0", "minute": "30"}),
]


def run_logged(
    engine: Engine,
    job: ScheduledJob,
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[JobRun]:
    """Run ``job`` for every centre, one ``job_run`` row per attempt; retry on failure."""
    runs: list[JobRun] = []
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    for attempt in range(1, settings.scheduled_job_attempts + 1):
        with Session(engine, expire_on_commit=False) as log:
            run = JobRun(job=job.name, attempt=attempt, started_at=_utcnow())
            log.add(run)
            log.commit()
        messages: list[str] = []
        try:
            with Session(engine, expire_on_commit=False) as session:
                for centre in session.exec(select(Centre)):
                    today = clock().astimezone(ZoneInfo(centre.timezone)).date()
                    messages.append(
                        f"{centre.code}: {job.function(session, centre, today, settings)}"
                    )
                session.commit()
            status, message = "succeeded", "; ".join(messages) or "no centre"
        except Exception as exc:
            status, message = "failed", f"{type(exc).__name__}: {exc}"
        with Session(engine, expire_on_commit=False) as log:
            stored = log.get_one(JobRun, run.id)
            stored.status, stored.message, stored.finished_at = status, message, _utcnow()
            log.commit()
            runs.append(stored)
        if status == "succeeded":
            break
        if attempt < settings.scheduled_job_attempts:
            sleep(settings.scheduled_job_retry_seconds)
    return runs


class Leadership:
    """Holds the right to run the scheduler: a PostgreSQL advisory lock on a dedicated
    connection, or an exclusive lock file for SQLite. Released when the process ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._file: IO[Any] | None = None

    def acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
            ).scalar_one()
            connection.commit()
            if got:
                self._connection = connection
            else:
                connection.close()
            return bool(got)
        handle = open(self._lock_path(), "a+")  # noqa: SIM115 (held for the process lifetime)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute(
                text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY}
            )
            self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def _lock_path(self) -> Path:
        database = make_url(self.engine.url).database
        if database and database != ":memory:":
            return Path(f"{database}.scheduler.lock")
        return Path(".callcenter-scheduler.lock")


def build_scheduler(engine: Engine, settings: Settings, *, blocking: bool) -> Any:
    """An APScheduler with every job on its cron trigger in the default time zone."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo(settings.default_timezone)
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone)
    for job in JOBS:
        scheduler.add_job(
            run_logged,
            CronTrigger(timezone=zone, **job.cron),
            args=(engine, job, settings),
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler
