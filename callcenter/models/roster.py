"""Rostering: problems, solve jobs, roster versions, assignments and their breaks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcenter.models._types import UTCDateTime, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
ROSTER_STATUSES = ("draft", "published", "superseded")


class RosterProblem(SQLModel, table=True):
    """A roster problem as the JSON contract defines it, kept verbatim in ``document``."""

    __tablename__ = "roster_problem"
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    name: str = Field(max_length=200)
    start_date: dt.date
    days: int
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=100)


class SolveJob(SQLModel, table=True):
    """A background solve: status, live progress (objective, bound, elapsed) and result."""

    __tablename__ = "solve_job"
    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="roster_problem.id", index=True)
    status: str = Field(default="queued", max_length=16, index=True)  # one of JOB_STATUSES
    time_limit_seconds: float
    workers: int
    objective: float | None = None
    bound: float | None = None
    elapsed_seconds: float | None = None
    solutions_found: int = 0
    roster_id: int | None = Field(default=None, foreign_key="roster.id")
    # A re-plan: the roster version the result is based on (minimal change against it).
    based_on_id: int | None = Field(default=None, foreign_key="roster.id")
    error: str | None = None
    cancel_requested: bool = False
    worker: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=100)


class Roster(SQLModel, table=True):
    """A roster version: draft or published, derived from an earlier one (``based_on_id``)."""

    __tablename__ = "roster"
    __table_args__ = (UniqueConstraint("centre_id", "name", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    problem_id: int | None = Field(default=None, foreign_key="roster_problem.id")
    name: str = Field(max_length=200)
    version: int = 1
    status: str = Field(default="draft", max_length=16)  # one of ROSTER_STATUSES
    based_on_id: int | None = Field(default=None, foreign_key="roster.id")
    start_date: dt.date
    days: int
    solver_status: str | None = Field(default=None, max_length=16)
    objective: float | None = None
    bound: float | None = None
    penalties: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by: str | None = Field(default=None, max_length=100)


class Assignment(SQLModel, table=True):
    """One agent's shift on one date of a roster (the date the shift starts)."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("roster_id", "agent_id", "date"),)
    id: int | None = Field(default=None, primary_key=True)
    roster_id: int = Field(foreign_key="roster.id", index=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", index=True)
    date: dt.date = Field(index=True)
    shift_code: str = Field(max_length=16)
    start: dt.datetime = Field(sa_type=UTCDateTime)
    end: dt.datetime = Field(sa_type=UTCDateTime)


class ShiftBreak(SQLModel, table=True):
    """A meal or rest break inside an assignment (art. 32)."""

    __tablename__ = "shift_break"
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=8)  # meal | rest
    start: dt.datetime = Field(sa_type=UTCDateTime)
    minutes: int
