"""Workflows: leave requests (art. 38-40), shift swaps (art. 34-35), attendance records."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from callcenter.models._types import UTCDateTime, utcnow

LEAVE_KINDS = ("annual", "marriage", "maternity", "bereavement", "sick", "personal")
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled", "expired")


class LeaveRequestBase(SQLModel):
    kind: str = Field(max_length=16)  # one of LEAVE_KINDS
    start_date: dt.date
    end_date: dt.date
    emergency: bool = False
    reason: str | None = None
    certificate_ref: str | None = Field(default=None, max_length=200)


class LeaveRequest(LeaveRequestBase, table=True):
    __tablename__ = "leave_request"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    status: str = Field(default="pending", max_length=16, index=True)
    days_charged: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=100)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=100)
    decision_reason: str | None = None
    override_reason: str | None = None
    # Bumped on every state change: optimistic concurrency for simultaneous decisions.
    version: int = 1


class SwapRequestBase(SQLModel):
    requester_date: dt.date
    partner_date: dt.date
    reason: str | None = None


class SwapRequest(SwapRequestBase, table=True):
    """Two agents exchange the shifts of the given dates; both must consent (art. 34-35)."""

    __tablename__ = "swap_request"
    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="agent.id", index=True)
    partner_id: int = Field(foreign_key="agent.id", index=True)
    roster_id: int | None = Field(default=None, foreign_key="roster.id")
    status: str = Field(default="pending", max_length=16, index=True)
    partner_consented_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=100)
    decision_reason: str | None = None
    override_reason: str | None = None
    version: int = 1


class AttendanceRecord(SQLModel, table=True):
    """What happened on a rostered day: present, late, early leave, or absent (art. 38)."""

    __tablename__ = "attendance_record"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    date: dt.date = Field(index=True)
    status: str = Field(max_length=16)  # present | late | early | absent
    minutes: int = 0
    approved: bool = False
    note: str | None = None
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
