"""Factories that keep tests short: a centre with teams, agents, and CSV files."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from callcenter.models import Agent, Centre, Team
from callcenter.services.centres import create_centre, create_team


def make_centre(session: Session, teams: Sequence[str] = ("T1", "T2")) -> Centre:
    centre = create_centre(session, code="C1", name="Test centre")
    for code in teams:
        create_team(session, centre, code=code, name=f"Team {code}")
    session.commit()
    return centre


def make_agent(session: Session, centre: Centre, team: Team, employee_no: str = "A001",
               hire: dt.date = dt.date(2020, 1, 6), **fields: object) -> Agent:
    assert centre.id is not None and team.id is not None
    agent = Agent(centre_id=centre.id, team_id=team.id, employee_no=employee_no,
                  name=f"Agent {employee_no}", hire_date=hire,
                  career_start_date=fields.pop("career_start_date", hire),  # type: ignore[arg-type]
                  **fields)  # type: ignore[arg-type]
    session.add(agent)
    session.commit()
    return agent


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


AGENT_HEADER = ["agent_id", "name", "team", "hire_date", "career_start_date", "weekly_minutes",
                "night_eligible"]
