"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class BreakOut(BaseModel):
    kind: str
    start: dt.datetime
    minutes: int


class ShiftOut(BaseModel):
    agent: str
    date: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime
    arrive_by: dt.datetime = Field(description="Art. 41: 10 minutes before the shift")
    breaks: list[BreakOut]
    roster_id: int
    roster_version: int


class LeaveCreate(BaseModel):
    kind: str = Field(description="annual, marriage, maternity, bereavement, sick or personal")
    start_date: dt.date
    end_date: dt.date
    emergency: bool = False
    reason: str | None = None
    certificate_ref: str | None = None


class LeaveOut(BaseModel):
    id: int
    agent: str
    kind: str
    start_date: dt.date
    end_date: dt.date
    status: str
    emergency: bool
    days_charged: int
    reason: str | None
    decision_reason: str | None
    decided_by: str | None
    replan_jobs: list[int] = Field(
        default=[], description="Re-plans of published rosters started by this approval"
    )


class Decision(BaseModel):
    approve: bool
    reason: str | None = None
    override_reason: str | None = Field(
        default=None, description="Overrides an 'in principle' rule of art. 35 (recorded)"
    )


class SwapCreate(BaseModel):
    partner: str = Field(description="Employee number of the other agent")
    requester_date: dt.date
    partner_date: dt.date
    reason: str | None = None
    requester: str | None = Field(
        default=None, description="Supervisors filing on an agent's behalf: that agent"
    )
    override_reason: str | None = Field(
        default=None, description="Supervisors only: overrides art. 35 (recorded)"
    )


class SwapOut(BaseModel):
    id: int
    requester: str
    partner: str
    requester_date: dt.date
    partner_date: dt.date
    status: str
    partner_consented: bool
    override_reason: str | None
    decision_reason: str | None
    draft_roster_id: int | None = None
    changes: list[str] = []


class EventCreate(BaseModel):
    event_id: str
    agent_id: str
    date: dt.date
    code: str
    note: str = ""
    reason: str | None = Field(default=None, description="Required to correct an existing id")


class EventOut(BaseModel):
    event_id: str
    agent_id: str
    date: dt.date
    code: str
    note: str | None
    status: str


class ScoreOut(BaseModel):
    agent_id: str
    year: int
    quarter: int
    base_score: float
    reward_points: float
    penalty_points: float
    final_score: float
    zeroed: bool
    failed: bool
    disqualified_annual: bool
    termination_review: bool
    standby_training: bool
    explanation: str
    rule_table_version: str


class RosterOut(BaseModel):
    id: int
    name: str
    version: int
    status: str
    start_date: dt.date
    days: int
    objective: float | None
    bound: float | None
    based_on_id: int | None
