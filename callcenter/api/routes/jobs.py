"""Supervisors: roster solve jobs (POST starts, GET reports, DELETE cancels)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlmodel import Session, select

import scheduler
from callcenter.api.deps import (
    RecordId,
    SessionDep,
    SettingsDep,
    Supervisor,
    same_centre,
    user_centre,
)
from callcenter.api.routes.me import ERRORS
from callcenter.models import Agent, RosterProblem, SolveJob, Team
from callcenter.services.rosters import build_problem, planned_demand, store_problem

router = APIRouter(prefix="/api/roster-jobs", tags=["rosters"])


class JobCreate(BaseModel):
    """Either a whole roster problem (the PROBLEM.json contract) or a period to build one
    from the centre's agents, approved leave and latest staffing plan."""

    problem: dict[str, Any] | None = None
    start_date: dt.date | None = None
    days: int | None = Field(default=None, ge=1, le=366)
    team: str | None = None
    time_limit_seconds: float | None = Field(default=None, gt=0, le=3600)
    workers: int | None = Field(default=None, ge=1, le=64)


class JobOut(BaseModel):
    id: int
    status: str
    problem: str
    objective: float | None
    bound: float | None
    elapsed_seconds: float | None
    solutions_found: int
    roster_id: RecordId | None
    error: str | None
    cancel_requested: bool


def job_out(session: Session, job: SolveJob) -> JobOut:
    problem = session.get_one(RosterProblem, job.problem_id)
    assert job.id is not None
    return JobOut(
        id=job.id,
        status=job.status,
        problem=problem.name,
        objective=job.objective,
        bound=job.bound,
        elapsed_seconds=job.elapsed_seconds,
        solutions_found=job.solutions_found,
        roster_id=job.roster_id,
        error=job.error,
        cancel_requested=job.cancel_requested,
    )


@router.post("", status_code=202, responses={**ERRORS, 409: {"description": "Refused"}})
def start(body: JobCreate, user: Supervisor, session: SessionDep, settings: SettingsDep) -> JobOut:
    """Queue a solve; poll GET for progress. 202 with the job id."""
    from callcenter.jobs.solve import enqueue

    centre = user_centre(session, user)
    team = None
    if body.problem is not None:
        problem = scheduler.load_problem(json.dumps(body.problem))
    elif body.start_date is not None and body.days is not None:
        if body.team is not None:
            team = session.exec(
                select(Team).where(Team.centre_id == centre.id, Team.code == body.team)
            ).first()
            if team is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"team {body.team} not found")
        problem = build_problem(
            session,
            centre,
            body.start_date,
            body.days,
            settings=settings,
            team=team,
            demand=planned_demand(session, centre, body.start_date, body.days),
        )
    else:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "give either 'problem' or 'start_date' and 'days'",
        )
    known = set(session.exec(select(Agent.employee_no).where(Agent.centre_id == centre.id)))
    unknown = [
        f"agents[{i}].id: {a.id} is not an agent of centre {centre.code}"
        for i, a in enumerate(problem.agents)
        if a.id not in known
    ]
    if unknown:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(unknown[:20]))
    scheduler.ensure_annual_leave_within_limit(problem)
    row = store_problem(session, centre, problem, actor=user.username, team=team)
    job = enqueue(
        session,
        row,
        actor=user.username,
        time_limit_seconds=body.time_limit_seconds or settings.solver_time_limit_seconds,
        workers=body.workers or settings.solver_workers,
    )
    return job_out(session, job)


def _job(session: Session, user: Supervisor, job_id: RecordId) -> SolveJob:
    job = session.get(SolveJob, job_id)
    problem = None if job is None else session.get(RosterProblem, job.problem_id)
    if job is None or problem is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"solve job {job_id} not found")
    same_centre(user, problem.centre_id, session)
    return job


@router.get("/{job_id}", responses=ERRORS)
def progress(job_id: RecordId, user: Supervisor, session: SessionDep) -> JobOut:
    """Status, progress (objective, bound, elapsed) and, when done, the draft roster's id."""
    return job_out(session, _job(session, user, job_id))


@router.delete("/{job_id}", responses=ERRORS)
def cancel(job_id: RecordId, user: Supervisor, session: SessionDep) -> JobOut:
    """Cancel: a queued job stops at once; a running one stops and keeps its best roster."""
    from callcenter.jobs.solve import request_cancel

    return job_out(
        session, request_cancel(session, _job(session, user, job_id), actor=user.username)
    )
