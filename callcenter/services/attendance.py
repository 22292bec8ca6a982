"""Attendance: unapproved absence (旷工, art. 38) becomes scoring events for HR to confirm.

For each agent and month: P1 (art. 105) per day absent without approval; S6 (art. 106) once
per run of two or more consecutive such days; G3 (art. 107) once when the month reaches three
such days. The events are created as ``proposed`` with deterministic ids, so running the
evaluation again proposes nothing twice; HR confirms them (``events.confirm_event``) before
they count in a score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from callcenter.models import Agent, AttendanceRecord, Centre, ScoringEvent
from callcenter.services.audit import record_audit, snapshot

G3_DAYS_IN_MONTH = 3
S6_CONSECUTIVE_DAYS = 2


@dataclass(frozen=True)
class ProposedEvent:
    event_id: str
    agent: str
    date: dt.date
    code: str
    note: str


def absence_events(agent: str, days: list[dt.date]) -> list[ProposedEvent]:
    """The P1/S6/G3 events that one agent's unapproved absence days of one month call for."""
    ordered = sorted(set(days))
    events = [
        ProposedEvent(f"ABS-{agent}-{d}-P1", agent, d, "P1", "absent without approval (art. 38)")
        for d in ordered
    ]
    run: list[dt.date] = []
    for day in ordered + [dt.date.max]:
        if run and day != dt.date.max and day - run[-1] == dt.timedelta(days=1):
            run.append(day)
            continue
        if len(run) >= S6_CONSECUTIVE_DAYS:
            events.append(
                ProposedEvent(
                    f"ABS-{agent}-{run[0]}-S6",
                    agent,
                    run[0],
                    "S6",
                    f"absent {len(run)} consecutive days from {run[0]}",
                )
            )
        run = [day]
    if len(ordered) >= G3_DAYS_IN_MONTH:
        third = ordered[G3_DAYS_IN_MONTH - 1]
        events.append(
            ProposedEvent(
                f"ABS-{agent}-{third:%Y-%m}-G3",
                agent,
                third,
                "G3",
                f"{len(ordered)} days absent without approval in {third:%Y-%m}",
            )
        )
    return events


def propose_absence_events(
    session: Session, centre: Centre, year: int, month: int, *, actor: str = "attendance"
) -> list[ScoringEvent]:
    """Turn a month's unapproved absences into proposed scoring events (idempotent)."""
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    agents = {a.id: a for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))}
    absences: dict[int, list[dt.date]] = {}
    for record in session.exec(
        select(AttendanceRecord).where(
            col(AttendanceRecord.agent_id).in_(list(agents)),
            AttendanceRecord.status == "absent",
            col(AttendanceRecord.approved).is_(False),
            AttendanceRecord.date >= first,
            AttendanceRecord.date <= last,
        )
    ):
        absences.setdefault(record.agent_id, []).append(record.date)
    created: list[ScoringEvent] = []
    for agent_id, days in sorted(absences.items()):
        agent = agents[agent_id]
        for proposal in absence_events(agent.employee_no, days):
            exists = session.exec(
                select(ScoringEvent).where(ScoringEvent.event_id == proposal.event_id)
            ).first()
            if exists is not None:
                continue
            event = ScoringEvent(
                event_id=proposal.event_id,
                agent_id=agent_id,
                date=proposal.date,
                code=proposal.code,
                note=proposal.note,
                status="proposed",
                source="attendance",
                created_by=actor,
            )
            session.add(event)
            session.flush()
            record_audit(
                session,
                actor=actor,
                action="propose",
                entity="scoring_event",
                entity_id=event.id,
                after=snapshot(event),
            )
            created.append(event)
    return created
