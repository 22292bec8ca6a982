"""Roster solve jobs.

The queue is the ``solve_job`` table, so any process that reaches the database can run jobs:
the web process only enqueues; ``callcenter worker`` processes (one on the same machine by
default, started by ``callcenter serve``) claim jobs one at a time with an atomic
``queued -> running`` update, report progress (objective, bound, elapsed) while CP-SAT runs,
and store the result as a draft roster. A cancel request keeps the best roster found. A worker
that dies leaves its job ``running`` with a stale heartbeat; the next worker to start marks it
``interrupted`` (nothing that finished is lost: rosters are written in the job's final
transaction). Workers run at a lower CPU priority (``solve_worker_nice``, nice 10 by
default), so a solve on the web server's machine uses only the CPU the web requests leave.
``JobRunner`` is the seam where a distributed worker pool can replace the local process.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

import scheduler
from callcenter.models import Centre, Roster, RosterProblem, SolveJob, utcnow as _utcnow
from callcenter.services.audit import record_audit
from callcenter.services.rosters import load_problem_row, store_roster

HEARTBEAT_SECONDS = 2.0
STALE_AFTER_SECONDS = 30.0


def enqueue(
    session: Session, problem: RosterProblem, *, time_limit_seconds: float, workers: int, actor: str
) -> SolveJob:
    """A new queued job for ``problem``."""
    assert problem.id is not None
    job = SolveJob(
        problem_id=problem.id,
        time_limit_seconds=time_limit_seconds,
        workers=workers,
        created_by=actor,
    )
    session.add(job)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="enqueue",
        entity="solve_job",
        entity_id=job.id,
        after={"problem": problem.name, "time_limit": time_limit_seconds},
    )
    return job


def request_cancel(session: Session, job: SolveJob, *, actor: str) -> SolveJob:
    """Queued jobs are cancelled at once; running ones stop and keep their best roster."""
    if job.status == "queued":
        job.status = "cancelled"
        job.finished_at = _utcnow()
    elif job.status == "running":
        job.cancel_requested = True
    session.flush()
    record_audit(session, actor=actor, action="cancel", entity="solve_job", entity_id=job.id)
    return job


def claim_next(engine: Engine, worker: str) -> int | None:
    """Atomically take the oldest queued job; None when there is none."""
    with Session(engine) as session:
        candidates = session.exec(
            select(SolveJob.id)
            .where(SolveJob.status == "queued")
            .order_by(col(SolveJob.id))
            .limit(5)
        ).all()
        for job_id in candidates:
            now = _utcnow()
            claimed = session.execute(
                update(SolveJob)
                .where(col(SolveJob.id) == job_id, col(SolveJob.status) == "queued")
                .values(status="running", worker=worker, started_at=now, heartbeat_at=now)
            )
            session.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                return job_id
    return None


def mark_interrupted(engine: Engine, *, stale_after: float = STALE_AFTER_SECONDS) -> list[int]:
    """Running jobs whose worker stopped sending heartbeats are marked ``interrupted``."""
    limit = _utcnow() - dt.timedelta(seconds=stale_after)
    with Session(engine) as session:
        stale = list(
            session.exec(
                select(SolveJob).where(
                    SolveJob.status == "running", col(SolveJob.heartbeat_at) < limit
                )
            )
        )
        for job in stale:
            job.status = "interrupted"
            job.finished_at = _utcnow()
            job.error = (
                f"worker {job.worker} stopped (no heartbeat since "
                f"{job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); resubmit the job"
            )
            record_audit(
                session,
                actor="worker",
                action="interrupted",
                entity="solve_job",
                entity_id=job.id,
                reason=job.error,
            )
        session.commit()
        return [j.id for j in stale if j.id is not None]


class _Progress:
    """Writes progress to the job row (at most every HEARTBEAT_SECONDS) and watches for a
    cancel request, which sets the solver's stop event."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        self.engine = engine
        self.job_id = job_id
        self.stop = threading.Event()
        self.latest: scheduler.SolveProgress | None = None
        self.solutions = 0
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> _Progress:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=10)

    def __call__(self, progress: scheduler.SolveProgress) -> None:
        with self._lock:
            self.latest = progress
            self.solutions += 1

    def _beat(self) -> None:
        while not self._done.wait(HEARTBEAT_SECONDS):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            latest, solutions = self.latest, self.solutions
        values: dict[str, object] = {"heartbeat_at": _utcnow(), "solutions_found": solutions}
        if latest is not None:
            values.update(
                objective=float(latest.objective),
                bound=float(latest.bound),
                elapsed_seconds=latest.seconds,
            )
        with Session(self.engine) as session:
            session.execute(
                update(SolveJob).where(col(SolveJob.id) == self.job_id).values(**values)
            )
            cancel = session.exec(
                select(SolveJob.cancel_requested).where(SolveJob.id == self.job_id)
            ).one()
            session.commit()
        if cancel:
            self.stop.set()


def run_job(engine: Engine, job_id: int) -> SolveJob:
    """Solve one claimed job and record its outcome."""
    with Session(engine, expire_on_commit=False) as session:
        job = session.get_one(SolveJob, job_id)
        problem_row = session.get_one(RosterProblem, job.problem_id)
        problem = load_problem_row(problem_row)
        time_limit, workers = job.time_limit_seconds, job.workers
    started = time.monotonic()
    outcome: dict[str, object] = {}
    roster: scheduler.Roster | None = None
    with _Progress(engine, job_id) as progress:
        try:
            roster = scheduler.solve(
                problem,
                time_limit_seconds=time_limit,
                workers=workers,
                on_progress=progress,
                stop_event=progress.stop,
            )
            report = scheduler.check_roster(problem, roster)
            if not (report.ok and report.objective_matches):
                roster = None
                outcome = {
                    "status": "failed",
                    "error": "the independent checker rejected the "
                    "solver's roster:\n" + report.to_text(),
                }
        except scheduler.InfeasibleError as exc:
            outcome = {"status": "failed", "error": "infeasible: " + "; ".join(exc.reasons)}
        except scheduler.EngineError as exc:
            cancelled = progress.stop.is_set()
            outcome = {"status": "cancelled" if cancelled else "failed", "error": str(exc)}
        except Exception as exc:  # a bug: recorded on the job, not lost in a worker log
            outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        progress.flush()
        cancelled = progress.stop.is_set()
    try:
        return _record(engine, job_id, roster, outcome, cancelled, started)
    except Exception as exc:  # storing failed: the job must not stay "running"
        return _record(
            engine,
            job_id,
            None,
            {"status": "failed", "error": f"storing the roster failed: {exc}"},
            cancelled,
            started,
        )


def _record(
    engine: Engine,
    job_id: int,
    roster: scheduler.Roster | None,
    outcome: dict[str, object],
    cancelled: bool,
    started: float,
) -> SolveJob:
    with Session(engine, expire_on_commit=False) as session:
        job = session.get_one(SolveJob, job_id)
        if roster is not None:
            problem_row = session.get_one(RosterProblem, job.problem_id)
            centre = session.get_one(Centre, problem_row.centre_id)
            based_on = None if job.based_on_id is None else session.get(Roster, job.based_on_id)
            row = store_roster(
                session,
                centre,
                problem_row,
                roster,
                actor=job.created_by or "worker",
                based_on=based_on,
            )
            job.roster_id = row.id
            job.objective = float(roster.objective)
            job.bound = None if roster.bound is None else float(roster.bound)
            outcome = {"status": "cancelled" if cancelled else "succeeded"}
        job.status = str(outcome["status"])
        error = outcome.get("error")
        job.error = None if error is None else str(error)
        job.elapsed_seconds = round(time.monotonic() - started, 3)
        job.finished_at = _utcnow()
        session.commit()
        return job


def lower_priority(nice: int) -> int:
    """Run this process at ``nice`` (never raising its priority); returns the nice level.

    Called first thing in a worker, before any thread starts: on Linux a nice level belongs
    to a thread, and the threads started later (CP-SAT's, the heartbeat) inherit it.
    """
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if nice > current:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    return os.getpriority(os.PRIO_PROCESS, 0)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    engine: Engine,
    *,
    poll_seconds: float = 1.0,
    once: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Claim and run jobs until told to stop; returns the number of jobs run."""
    name = worker_name()
    mark_interrupted(engine)
    done = 0
    while not should_stop():
        job_id = claim_next(engine, name)
        if job_id is None:
            if once:
                break
            time.sleep(poll_seconds)
            continue
        run_job(engine, job_id)
        done += 1
        if once:
            break
    return done


class JobRunner(Protocol):
    """Where solve jobs run. The local runner starts worker processes on this machine; a
    distributed pool only needs workers that reach the same database."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class LocalProcessRunner:
    """``callcenter worker`` subprocesses beside the web server."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._children: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        command = [sys.executable, "-m", "callcenter.cli", "worker"]
        self._children = [subprocess.Popen(command) for _ in range(self.processes)]

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers."""
        return [child.pid for child in self._children if child.poll() is None]

    def stop(self) -> None:
        for child in self._children:
            child.terminate()
        for child in self._children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
