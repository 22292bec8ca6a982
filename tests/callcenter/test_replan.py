"""Re-planning after an approved leave: a new draft based on the published roster, changing
as few (agent, day) cells as possible."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, select

import scheduler
from callcenter.config import Settings
from callcenter.jobs.solve import run_worker
from callcenter.models import Agent, Roster, ShiftType, SolveJob, Team
from callcenter.services.leave import decide_leave, request_leave
from callcenter.services.replan import replan_for_leave
from callcenter.services.rosters import (
    build_problem,
    load_roster,
    publish_roster,
    roster_diff,
    store_problem,
    store_roster,
)
from tests.factories import make_agent, make_centre

START = dt.date(2027, 1, 4)  # a Monday
SETTINGS = Settings(_env_file=None, roster_averaging_weeks=1,  # type: ignore[call-arg]
                    solver_time_limit_seconds=20, solver_workers=2)


def published(engine: Engine) -> int:
    with Session(engine) as session:
        centre = make_centre(session, teams=("T1",))
        assert centre.id is not None
        for code, hour in (("D08", 8), ("E15", 15)):
            session.add(ShiftType(centre_id=centre.id, code=code, start_time=dt.time(hour),
                                  duration_minutes=420))
        team = session.exec(select(Team)).one()
        for i in range(1, 7):
            make_agent(session, centre, team, f"A{i}", hire=dt.date(2020, 1, 1),
                       weekly_minutes=2100, career_start_date=dt.date(2010, 1, 1))
        zone = dt.timezone(dt.timedelta(hours=8))
        demand = [(dt.datetime.combine(START + dt.timedelta(days=d), dt.time(h, m),
                                       tzinfo=zone), 2)
                  for d in range(14) for h in range(8, 22) for m in (0, 30)]
        problem = build_problem(session, centre, START, 14, settings=SETTINGS, demand=demand)
        roster = scheduler.solve(problem, time_limit_seconds=20, workers=2)
        row = store_roster(session, centre, store_problem(session, centre, problem, actor="t"),
                           roster, actor="t")
        publish_roster(session, row.id or 0, actor="sup")
        session.commit()
        return row.id or 0


def test_approved_leave_is_repaired_moving_only_the_affected_agent(engine: Engine) -> None:
    published_id = published(engine)
    with Session(engine) as session:
        _, before = load_roster(session, published_id)
        worked = next(a for a in before.assignments if a.date == START + dt.timedelta(days=2))
        agent = session.exec(select(Agent).where(Agent.employee_no == worked.agent)).one()
        leave = request_leave(session, agent, kind="annual", start=worked.date, end=worked.date,
                              today=START - dt.timedelta(days=40), actor=agent.employee_no)
        decide_leave(session, leave.id or 0, approve=True, actor="sup")
        jobs = replan_for_leave(session, leave, settings=SETTINGS, actor="sup")
        session.commit()
        assert len(jobs) == 1
    assert run_worker(engine, once=True) == 1
    with Session(engine) as session:
        job = session.exec(select(SolveJob)).one()
        assert job.status == "succeeded", job.error
        draft = session.get_one(Roster, job.roster_id)
        assert (draft.status, draft.version, draft.based_on_id) == ("draft", 2, published_id)
        _, after = load_roster(session, draft.id or 0)
        changes = roster_diff(before, after)
        moved = {(c.agent, c.date) for c in changes}
        print("re-plan moved", len(changes), [str(c) for c in changes])
        # the agent's shift on the leave day is gone; at most one other cell moves with it
        assert (worked.agent, worked.date) in moved
        assert len(changes) <= 3, [str(c) for c in changes]
        assert not any(a.agent == worked.agent and a.date == worked.date
                       for a in after.assignments)
