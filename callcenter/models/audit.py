"""Append-only audit log, and the log of scheduled-job runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from callcenter.models._types import UTCDateTime, utcnow


class AuditLog(SQLModel, table=True):
    """Who did what, when, to which record, with the before/after images and the reason.

    Rows are only ever inserted: the database refuses UPDATE and DELETE (triggers in the
    migration) and the ORM refuses to flush a change to an existing row.
    """

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=64, index=True)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = None


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (forecast refresh, quarter close, ...) and its outcome."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64, index=True)
    attempt: int = 1
    status: str = Field(default="running", max_length=16)  # running | succeeded | failed
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    message: str | None = None
