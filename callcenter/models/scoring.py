"""Scoring: events (art. 104-107 codes and attendance marks), quarterly KPIs and scores."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from callcenter.models._types import UTCDateTime, utcnow

EVENT_STATUSES = ("confirmed", "proposed", "deleted")


class ScoringEventBase(SQLModel):
    event_id: str = Field(max_length=64, unique=True, index=True)
    date: dt.date
    code: str = Field(max_length=16)
    note: str | None = None


class ScoringEvent(ScoringEventBase, table=True):
    """One reward, penalty or attendance mark; ``proposed`` ones await HR confirmation."""

    __tablename__ = "scoring_event"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    status: str = Field(default="confirmed", max_length=16)
    source: str = Field(default="import", max_length=32)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=100)


class QuarterlyKpi(SQLModel, table=True):
    __tablename__ = "quarterly_kpi"
    __table_args__ = (UniqueConstraint("agent_id", "year", "quarter"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    year: int
    quarter: int
    calls_answered: int
    quality_score: float
    exam_score: float
    training_required: int
    training_attended: int
    volume_bonus_awarded: bool = False


class QuarterlyScore(SQLModel, table=True):
    """A computed quarterly score, with the rule-table version used; frozen at quarter close."""

    __tablename__ = "quarterly_score"
    __table_args__ = (UniqueConstraint("agent_id", "year", "quarter"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    year: int
    quarter: int
    base_score: float
    reward_points: float
    penalty_points: float
    final_score: float
    zeroed: bool = False
    failed: bool = False
    disqualified_annual: bool = False
    termination_review: bool = False
    standby_training: bool = False
    failed_quarters_count: int = 0
    explanation: str = ""
    rule_table_version: str = Field(max_length=32)
    frozen: bool = False
    computed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AnnualScore(SQLModel, table=True):
    """Annual-excellence ranking and nomination (art. 104 R8)."""

    __tablename__ = "annual_score"
    __table_args__ = (UniqueConstraint("agent_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    year: int
    quarters_scored: int
    mean_final_score: float | None = None
    disqualified_annual: bool = False
    rank: int | None = None
    nominated: bool = False
    tie_at_cut: bool = False
    explanation: str = ""
    rule_table_version: str = Field(max_length=32)
    computed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
