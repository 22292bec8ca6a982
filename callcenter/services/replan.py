"""Re-planning a published roster after an approved change, with minimal change.

The stored problem of the published version is reused as it was (demand, cover, requests,
rules), with each agent's leave brought up to date from the approved requests and the
published roster as ``previous_roster``: every (agent, day) that moves costs
``weights.change_from``, so the solver repairs around the change and leaves everyone else
where they were. The result is a new draft version (``based_on`` the published one) that the
supervisor reviews through its diff and publishes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from callcenter.config import Settings
from callcenter.jobs.solve import enqueue
from callcenter.models import Agent, Centre, LeaveRequest, Roster, RosterProblem, SolveJob
from callcenter.services.rosters import approved_leave, load_problem_row, load_roster
from scheduler import RosterProblem as Problem


def published_covering(
    session: Session, centre_id: int, first: dt.date, last: dt.date
) -> list[Roster]:
    """Published rosters whose period overlaps [first, last]."""
    return [
        r
        for r in session.exec(
            select(Roster)
            .where(Roster.centre_id == centre_id, Roster.status == "published")
            .order_by(col(Roster.id))
        )
        if r.start_date <= last and r.start_date + dt.timedelta(days=r.days - 1) >= first
    ]


def replan_problem(session: Session, roster: Roster) -> Problem:
    """The published version's problem with today's approved leave and itself as previous."""
    stored = session.get(RosterProblem, roster.problem_id)
    if stored is None or roster.id is None:
        raise ValueError(f"roster {roster.id} has no stored problem")
    problem = load_problem_row(stored)
    agents = list(
        session.exec(
            select(Agent).where(
                col(Agent.employee_no).in_([a.id for a in problem.agents]),
                Agent.centre_id == roster.centre_id,
            )
        )
    )
    leave = approved_leave(session, agents, problem.start_date, problem.end_date)
    numbers = {a.id: a.employee_no for a in agents}
    by_agent = {numbers[agent_id]: days for agent_id, days in leave.items()}
    document: dict[str, Any] = problem.model_dump(mode="json")
    for agent in document["agents"]:
        agent["leave"] = [
            {"date": d.isoformat(), "kind": k} for d, k in by_agent.get(agent["id"], [])
        ]
        taken = {d.isoformat() for d, _ in by_agent.get(agent["id"], [])}
        agent["fixed"] = [f for f in agent.get("fixed", []) if f["date"] not in taken]
    document["previous_roster"] = load_roster(session, roster.id)[1].model_dump(mode="json")
    document["name"] = roster.name
    return Problem.model_validate(document)


def replan(
    session: Session, roster: Roster, *, settings: Settings, actor: str, reason: str
) -> SolveJob:
    """Queue the minimal-change re-plan of a published roster."""
    problem = replan_problem(session, roster)
    centre = session.get_one(Centre, roster.centre_id)
    assert centre.id is not None
    row = RosterProblem(
        centre_id=centre.id,
        name=problem.name,
        start_date=problem.start_date,
        days=problem.days,
        document=problem.model_dump(mode="json"),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    job = enqueue(
        session,
        row,
        time_limit_seconds=settings.solver_time_limit_seconds,
        workers=settings.solver_workers,
        actor=actor,
    )
    job.based_on_id = roster.id
    session.flush()
    from callcenter.services.audit import record_audit

    record_audit(
        session,
        actor=actor,
        action="replan",
        entity="roster",
        entity_id=roster.id,
        after={"solve_job": job.id},
        reason=reason,
    )
    return job


def replan_for_leave(
    session: Session, request: LeaveRequest, *, settings: Settings, actor: str
) -> list[SolveJob]:
    """After approving ``request``: a re-plan of every published roster its days fall in."""
    agent = session.get_one(Agent, request.agent_id)
    return [
        replan(
            session,
            roster,
            settings=settings,
            actor=actor,
            reason=f"{request.kind} leave {request.start_date}..{request.end_date} of "
            f"{agent.employee_no} approved (request {request.id})",
        )
        for roster in published_covering(
            session, agent.centre_id, request.start_date, request.end_date
        )
    ]
