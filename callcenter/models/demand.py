"""Demand: shift types, call-volume history, forecasts and staffing requirements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcenter.models._types import UTCDateTime, utcnow


class ShiftType(SQLModel, table=True):
    """A shift pattern: local start time and length; night shifts need night eligibility."""

    __tablename__ = "shift_type"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    code: str = Field(max_length=16)
    start_time: dt.time
    duration_minutes: int
    night: bool = False
    active: bool = True


class CallVolume(SQLModel, table=True):
    """Observed traffic of one interval (history): offered, answered, abandoned, handle time."""

    __tablename__ = "call_volume"
    __table_args__ = (UniqueConstraint("centre_id", "interval_start"),)
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    interval_start: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    interval_minutes: int = 30
    calls: float
    aht_seconds: float | None = None
    calls_answered: float | None = None
    calls_abandoned: float | None = None
    agents_active: float | None = None
    source: str = Field(default="import", max_length=64)


class Forecast(SQLModel, table=True):
    """One forecast run: method, horizon and parameters; its intervals follow."""

    __tablename__ = "forecast"
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    method: str = Field(max_length=64)
    start_date: dt.date
    days: int
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ForecastInterval(SQLModel, table=True):
    __tablename__ = "forecast_interval"
    __table_args__ = (UniqueConstraint("forecast_id", "interval_start"),)
    id: int | None = Field(default=None, primary_key=True)
    forecast_id: int = Field(foreign_key="forecast.id", index=True, ondelete="CASCADE")
    interval_start: dt.datetime = Field(sa_type=UTCDateTime)
    calls: float
    aht_seconds: float


class StaffingPlan(SQLModel, table=True):
    """Agents needed per interval for a forecast under given service targets."""

    __tablename__ = "staffing_plan"
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    forecast_id: int | None = Field(default=None, foreign_key="forecast.id")
    model: str = Field(max_length=16)  # erlang_c | erlang_a
    targets: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffingRequirement(SQLModel, table=True):
    __tablename__ = "staffing_requirement"
    __table_args__ = (UniqueConstraint("plan_id", "interval_start"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="staffing_plan.id", index=True, ondelete="CASCADE")
    interval_start: dt.datetime = Field(sa_type=UTCDateTime)
    calls: float
    aht_seconds: float
    agents: int
    scheduled_agents: int
    service_level: float | None = None
    asa_seconds: float | None = None
    occupancy: float | None = None
    abandon_rate: float | None = None
