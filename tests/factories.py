"""Factories that keep tests short: a centre with teams, agents, and CSV files."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session, select

import scheduler
from callcenter.config import Settings
from callcenter.models import Agent, Centre, ShiftType, Team
from callcenter.services.centres import create_centre, create_team
from callcenter.services.rosters import build_problem, publish_roster, store_problem, store_roster


def make_centre(
    session: Session, teams: Sequence[str] = ("T1", "T2"), code: str = "C1"
) -> Centre:
    centre = create_centre(session, code=code, name=f"Test centre {code}")
    for team in teams:
        create_team(session, centre, code=team, name=f"Team {team}")
    session.commit()
    return centre


def make_agent(
    session: Session,
    centre: Centre,
    team: Team,
    employee_no: str = "A001",
    hire: dt.date = dt.date(2020, 1, 6),
    **fields: object,
) -> Agent:
    assert centre.id is not None and team.id is not None
    agent = Agent(
        centre_id=centre.id,
        team_id=team.id,
        employee_no=employee_no,
        name=f"Agent {employee_no}",
        hire_date=hire,
        career_start_date=fields.pop("career_start_date", hire),  # type: ignore[arg-type]
        **fields,
    )  # type: ignore[arg-type]
    session.add(agent)
    session.commit()
    return agent


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


AGENT_HEADER = [
    "agent_id",
    "name",
    "team",
    "hire_date",
    "career_start_date",
    "weekly_minutes",
    "night_eligible",
]


START = dt.date(2026, 11, 30)  # a Monday
TODAY = dt.date(2026, 11, 25)
MONDAY = dt.date(2026, 12, 7)
PATTERN = {"A1": "D08", "A2": "D08", "A3": "E14", "A4": "N22"}


def publish_fixed_roster(session: Session, min_rest: int = 720) -> dict[str, Agent]:
    """Four agents on fixed Monday-Friday patterns, 14 days, published as version 1."""
    centre = make_centre(session, teams=("T1",))
    assert centre.id is not None
    for code, start, night in (
        ("D08", dt.time(8), False),
        ("E14", dt.time(14), False),
        ("N22", dt.time(22), True),
    ):
        session.add(
            ShiftType(
                centre_id=centre.id, code=code, start_time=start, duration_minutes=420, night=night
            )
        )
    team = session.exec(select(Team)).one()
    agents = {
        no: make_agent(
            session,
            centre,
            team,
            no,
            hire=dt.date(2020, 1, 1),
            weekly_minutes=2100,
            night_eligible=(no == "A4"),
        )
        for no in PATTERN
    }
    settings = Settings(
        _env_file=None,
        roster_min_rest_minutes=min_rest,  # type: ignore[call-arg]
        roster_averaging_weeks=2,
    )
    problem = build_problem(session, centre, START, 14, settings=settings, name="w49")
    assignments = []
    for offset in range(14):
        day = START + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for agent, shift in PATTERN.items():
            begin, end = problem.shift_window(shift, day)
            assignments.append(
                {
                    "agent": agent,
                    "date": day.isoformat(),
                    "shift": shift,
                    "start": begin.strftime("%Y-%m-%dT%H:%M"),
                    "end": end.strftime("%Y-%m-%dT%H:%M"),
                    "breaks": [],
                }
            )
    draft = scheduler.Roster.model_validate(
        {"problem": "w49", "status": "FEASIBLE", "objective": 0, "assignments": assignments}
    )
    report = scheduler.check_roster(problem, draft)
    assert report.ok, report.to_text()
    roster = draft.model_copy(
        update={
            "objective": report.objective,
            "penalties": tuple(
                scheduler.Penalty(rule=p.rule, subject=p.subject, amount=p.amount)
                for p in report.penalties
            ),
        }
    )
    row = store_roster(
        session, centre, store_problem(session, centre, problem, actor="t"), roster, actor="t"
    )
    publish_roster(session, row.id or 0, actor="sup")
    session.commit()
    return agents
