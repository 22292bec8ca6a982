"""Organisation: centres (sites), teams, agents, user accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcenter.models._types import UTCDateTime, utcnow

ROLES = ("agent", "supervisor", "hr", "admin")


class CentreBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    interval_minutes: int = 30
    max_concurrent_annual_leave: int = 1


class Centre(CentreBase, table=True):
    """A contact-centre site, with its IANA time zone and planning interval."""

    __tablename__ = "centre"
    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TeamBase(SQLModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    # Art. 40 limit per team, when the centre sets one; None = only the centre limit applies.
    max_concurrent_annual_leave: int | None = None


class Team(TeamBase, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)


class AgentBase(SQLModel):
    employee_no: str = Field(max_length=32)
    name: str = Field(max_length=200)
    hire_date: dt.date
    # Start of total working years (all employers), for annual-leave entitlement.
    career_start_date: dt.date
    weekly_minutes: int = 2400
    night_eligible: bool = True
    active: bool = True
    left_date: dt.date | None = None


class Agent(AgentBase, table=True):
    """A customer-service representative."""

    __tablename__ = "agent"
    __table_args__ = (UniqueConstraint("centre_id", "employee_no"),)
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserBase(SQLModel):
    username: str = Field(max_length=100, unique=True, index=True)
    role: str = Field(max_length=16)  # one of ROLES
    active: bool = True


class User(UserBase, table=True):
    """A login; an agent account links to its agent, staff accounts to a centre."""

    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    centre_id: int | None = Field(default=None, foreign_key="centre.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
