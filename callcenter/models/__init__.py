"""SQLModel tables of the whole domain. Imports nothing else of the application."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import SQLModel

from callcenter.models._types import UTCDateTime, utcnow
from callcenter.models.audit import AuditLog, JobRun
from callcenter.models.demand import (
    CallVolume,
    Forecast,
    ForecastInterval,
    ShiftType,
    StaffingPlan,
    StaffingRequirement,
)
from callcenter.models.org import ROLES, Agent, Centre, Team, User
from callcenter.models.roster import (
    JOB_STATUSES,
    ROSTER_STATUSES,
    Assignment,
    Roster,
    RosterProblem,
    ShiftBreak,
    SolveJob,
)
from callcenter.models.scoring import (
    EVENT_STATUSES,
    AnnualScore,
    QuarterlyKpi,
    QuarterlyScore,
    ScoringEvent,
)
from callcenter.models.workflow import (
    LEAVE_KINDS,
    REQUEST_STATUSES,
    AttendanceRecord,
    LeaveRequest,
    SwapRequest,
)

metadata = SQLModel.metadata


@event.listens_for(OrmSession, "before_flush")
def _audit_log_is_append_only(session: OrmSession, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog):
            raise PermissionError("audit_log is append-only: rows cannot be changed or deleted")


__all__ = [
    "EVENT_STATUSES",
    "JOB_STATUSES",
    "LEAVE_KINDS",
    "REQUEST_STATUSES",
    "ROLES",
    "ROSTER_STATUSES",
    "Agent",
    "AnnualScore",
    "Assignment",
    "AttendanceRecord",
    "AuditLog",
    "CallVolume",
    "Centre",
    "Forecast",
    "ForecastInterval",
    "JobRun",
    "LeaveRequest",
    "QuarterlyKpi",
    "QuarterlyScore",
    "Roster",
    "RosterProblem",
    "ScoringEvent",
    "ShiftBreak",
    "ShiftType",
    "SolveJob",
    "StaffingPlan",
    "StaffingRequirement",
    "SwapRequest",
    "Team",
    "UTCDateTime",
    "User",
    "metadata",
    "utcnow",
]
