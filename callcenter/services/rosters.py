"""Rosters in the database: build a roster problem from a centre, store and load rosters,
publish them, and describe what changed between two versions.

The pure engine speaks the JSON contract (``scheduler.RosterProblem``/``scheduler.Roster``);
this module translates between it and the tables (UTC timestamps, agent ids by number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import scheduler
from callcenter.config import Settings
from callcenter.errors import NotFound, RuleRefused
from callcenter.models import (
    Agent,
    Assignment,
    Centre,
    LeaveRequest,
    Roster,
    RosterProblem,
    ShiftBreak,
    ShiftType,
    Team,
    utcnow as _utcnow,
)
from callcenter.services.audit import record_audit


def _agents(
    session: Session, centre: Centre, first: dt.date, last: dt.date, team: Team | None = None
) -> list[Agent]:
    query = select(Agent).where(Agent.centre_id == centre.id, Agent.hire_date <= last)
    if team is not None:
        query = query.where(Agent.team_id == team.id)
    return [
        a
        for a in session.exec(query.order_by(col(Agent.employee_no)))
        if a.active and (a.left_date is None or a.left_date >= first)
    ]


def approved_leave(
    session: Session, agents: Sequence[Agent], first: dt.date, last: dt.date
) -> dict[int, list[tuple[dt.date, str]]]:
    """Approved leave days per agent id within [first, last]."""
    days: dict[int, list[tuple[dt.date, str]]] = {}
    rows = session.exec(
        select(LeaveRequest).where(
            col(LeaveRequest.agent_id).in_([a.id for a in agents]),
            LeaveRequest.status == "approved",
            LeaveRequest.start_date <= last,
            LeaveRequest.end_date >= first,
        )
    )
    for leave in rows:
        day = max(leave.start_date, first)
        while day <= min(leave.end_date, last):
            days.setdefault(leave.agent_id, []).append((day, leave.kind))
            day += dt.timedelta(days=1)
    return days


def build_problem(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int,
    *,
    settings: Settings,
    demand: Iterable[tuple[dt.datetime, int]] = (),
    team: Team | None = None,
    previous: scheduler.Roster | None = None,
    name: str | None = None,
) -> scheduler.RosterProblem:
    """The roster problem of ``centre`` for ``days`` days from ``start``.

    ``demand`` holds (interval start, agents needed on the phones); approved leave becomes
    leave days; contract hours come from each agent's weekly minutes averaged over
    ``settings.roster_averaging_weeks`` (art. 31).
    """
    last = start + dt.timedelta(days=days - 1)
    zone = ZoneInfo(centre.timezone)
    shifts = list(
        session.exec(
            select(ShiftType)
            .where(ShiftType.centre_id == centre.id, ShiftType.active)
            .order_by(col(ShiftType.code))
        )
    )
    if not shifts:
        raise NotFound(f"centre {centre.code} has no shift types")
    teams = {t.id: t.code for t in session.exec(select(Team).where(Team.centre_id == centre.id))}
    agents = _agents(session, centre, start, last, team)
    leave = approved_leave(session, agents, start, last)
    night = [s.code for s in shifts if s.night]
    day_shifts = [s.code for s in shifts if not s.night]
    document = {
        "name": name or f"{centre.code.lower()}-{start.isoformat()}",
        "start_date": start.isoformat(),
        "days": days,
        "timezone": centre.timezone,
        "interval_minutes": centre.interval_minutes,
        "shift_types": [
            {
                "id": s.code,
                "start": s.start_time.strftime("%H:%M"),
                "duration_minutes": s.duration_minutes,
                "night": s.night,
            }
            for s in shifts
        ],
        "agents": [
            {
                "id": a.employee_no,
                "team": teams[a.team_id],
                "night_eligible": a.night_eligible,
                "contract": {
                    "weekly_minutes": a.weekly_minutes,
                    "averaging_weeks": settings.roster_averaging_weeks,
                    "tolerance_minutes": 0,
                    "max_consecutive_work_days": settings.roster_max_consecutive_work_days,
                    "min_consecutive_days_off": 1,
                },
                "days_off": [d.isoformat() for d in _before_hire_or_after_leaving(a, start, last)],
                "leave": [{"date": d.isoformat(), "kind": k} for d, k in leave.get(a.id or 0, [])],
            }
            for a in agents
        ],
        "demand": [
            {
                "start": moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
                "agents": agents_needed,
                "weight_under": 100,
                "weight_over": 1,
            }
            for moment, agents_needed in demand
        ],
        "rules": {
            "min_rest_minutes": settings.roster_min_rest_minutes,
            "forbidden_successions": [[n, d] for n in night for d in day_shifts],
            "max_concurrent_annual_leave": centre.max_concurrent_annual_leave,
        },
        "weights": {"request": 1, "fairness": 1, "change_from": 1},
        "previous_roster": None if previous is None else previous.model_dump(mode="json"),
    }
    return scheduler.load_problem(
        scheduler.problem_to_json(scheduler.RosterProblem.model_validate(document))
    )


def planned_demand(
    session: Session, centre: Centre, start: dt.date, days: int
) -> list[tuple[dt.datetime, int]]:
    """Agents needed on the phones per interval from the newest staffing plan covering the
    period (intervals the plan does not cover are left without demand)."""
    from callcenter.models import StaffingPlan, StaffingRequirement

    zone = ZoneInfo(centre.timezone)
    first = dt.datetime.combine(start, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    last = first + dt.timedelta(days=days)
    needed: dict[dt.datetime, int] = {}
    plans = session.exec(
        select(StaffingPlan)
        .where(StaffingPlan.centre_id == centre.id)
        .order_by(col(StaffingPlan.id))
    )
    for plan in plans:  # oldest first: newer plans overwrite
        for row in session.exec(
            select(StaffingRequirement).where(
                StaffingRequirement.plan_id == plan.id,
                StaffingRequirement.interval_start >= first,
                StaffingRequirement.interval_start < last,
            )
        ):
            needed[row.interval_start] = row.agents
    return sorted(needed.items())


def _before_hire_or_after_leaving(agent: Agent, first: dt.date, last: dt.date) -> list[dt.date]:
    days = []
    day = first
    while day <= last:
        if day < agent.hire_date or (agent.left_date is not None and day > agent.left_date):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def store_problem(
    session: Session,
    centre: Centre,
    problem: scheduler.RosterProblem,
    *,
    actor: str,
    team: Team | None = None,
) -> RosterProblem:
    assert centre.id is not None
    row = RosterProblem(
        centre_id=centre.id,
        team_id=None if team is None else team.id,
        name=problem.name,
        start_date=problem.start_date,
        days=problem.days,
        document=problem.model_dump(mode="json"),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def load_problem_row(row: RosterProblem) -> scheduler.RosterProblem:
    return scheduler.RosterProblem.model_validate(row.document)


def store_roster(
    session: Session,
    centre: Centre,
    problem_row: RosterProblem,
    roster: scheduler.Roster,
    *,
    actor: str,
    based_on: Roster | None = None,
) -> Roster:
    """Store a solved roster as a new draft version of its name."""
    assert centre.id is not None and problem_row.id is not None
    problem = load_problem_row(problem_row)
    versions = session.exec(
        select(Roster.version).where(Roster.centre_id == centre.id, Roster.name == problem.name)
    ).all()
    row = Roster(
        centre_id=centre.id,
        problem_id=problem_row.id,
        name=problem.name,
        version=max(versions, default=0) + 1,
        status="draft",
        based_on_id=None if based_on is None else based_on.id,
        start_date=problem.start_date,
        days=problem.days,
        solver_status=roster.status,
        objective=float(roster.objective),
        bound=None if roster.bound is None else float(roster.bound),
        penalties=[p.model_dump(mode="json") for p in roster.penalties],
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    agent_ids = {
        a.employee_no: a.id
        for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))
        if a.id is not None
    }
    for item in roster.assignments:
        assignment = Assignment(
            roster_id=row.id,
            agent_id=agent_ids[item.agent],
            date=item.date,
            shift_code=item.shift,
            start=problem.localize(item.start).astimezone(dt.UTC),
            end=problem.localize(item.end).astimezone(dt.UTC),
        )
        session.add(assignment)
        session.flush()
        assert assignment.id is not None
        for pause in item.breaks:
            session.add(
                ShiftBreak(
                    assignment_id=assignment.id,
                    kind=pause.kind,
                    start=problem.localize(pause.start).astimezone(dt.UTC),
                    minutes=pause.minutes,
                )
            )
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="create",
        entity="roster",
        entity_id=row.id,
        after={
            "name": row.name,
            "version": row.version,
            "objective": row.objective,
            "based_on": row.based_on_id,
            "assignments": len(roster.assignments),
        },
    )
    return row


def load_roster(session: Session, roster_id: int) -> tuple[Roster, scheduler.Roster]:
    """A stored roster and its contract form (local times in the centre's zone)."""
    row = session.get(Roster, roster_id)
    if row is None:
        raise NotFound(f"roster {roster_id} does not exist")
    centre = session.get(Centre, row.centre_id)
    assert centre is not None
    zone = ZoneInfo(centre.timezone)
    numbers = {
        a.id: a.employee_no for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))
    }
    assignments = list(
        session.exec(
            select(Assignment)
            .where(Assignment.roster_id == roster_id)
            .order_by(col(Assignment.date), col(Assignment.agent_id))
        )
    )
    breaks: dict[int, list[ShiftBreak]] = {}
    if assignments:
        for pause in session.exec(
            select(ShiftBreak).where(col(ShiftBreak.assignment_id).in_([a.id for a in assignments]))
        ):
            breaks.setdefault(pause.assignment_id, []).append(pause)

    def local(moment: dt.datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    document = {
        "problem": row.name,
        "status": row.solver_status or "FEASIBLE",
        "objective": row.objective or 0,
        "bound": row.bound,
        "assignments": [
            {
                "agent": numbers[a.agent_id],
                "date": a.date.isoformat(),
                "shift": a.shift_code,
                "start": local(a.start),
                "end": local(a.end),
                "breaks": [
                    {"kind": b.kind, "start": local(b.start), "minutes": b.minutes}
                    for b in sorted(breaks.get(a.id or 0, []), key=lambda b: b.start)
                ],
            }
            for a in assignments
        ],
        "penalties": row.penalties,
    }
    return row, scheduler.Roster.model_validate(document)


def publish_roster(session: Session, roster_id: int, *, actor: str) -> Roster:
    """Publish a draft; the version it replaces (same name) becomes ``superseded``."""
    row = session.get(Roster, roster_id)
    if row is None:
        raise NotFound(f"roster {roster_id} does not exist")
    if row.status != "draft":
        raise RuleRefused(f"roster {roster_id} is {row.status}: only a draft can be published")
    for other in session.exec(
        select(Roster).where(
            Roster.centre_id == row.centre_id, Roster.name == row.name, Roster.status == "published"
        )
    ):
        other.status = "superseded"
    row.status = "published"
    row.published_at = _utcnow()
    row.published_by = actor
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="publish",
        entity="roster",
        entity_id=row.id,
        after={"name": row.name, "version": row.version},
    )
    return row


@dataclass(frozen=True)
class Change:
    """One (agent, date) whose shift differs between two roster versions."""

    agent: str
    date: dt.date
    before: str | None
    after: str | None

    def __str__(self) -> str:
        return f"{self.agent} {self.date}: {self.before or 'off'} -> {self.after or 'off'}"


def roster_diff(old: scheduler.Roster, new: scheduler.Roster) -> list[Change]:
    """Who moves where: every (agent, date) whose shift changed, in date then agent order."""
    before = {(a.agent, a.date): a.shift for a in old.assignments}
    after = {(a.agent, a.date): a.shift for a in new.assignments}
    keys = sorted(set(before) | set(after), key=lambda k: (k[1], k[0]))
    return [
        Change(agent, day, before.get((agent, day)), after.get((agent, day)))
        for agent, day in keys
        if before.get((agent, day)) != after.get((agent, day))
    ]
