"""What an agent works: assignments with breaks from the published rosters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from callcenter.models import Agent, Assignment, Centre, Roster, ShiftBreak


@dataclass(frozen=True)
class ShiftView:
    """One shift of one agent, times aware in the centre's zone."""

    agent: str
    date: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime
    breaks: list[tuple[str, dt.datetime, int]]
    roster_id: int
    roster_version: int

    @property
    def arrive_by(self) -> dt.datetime:
        """Art. 41: agents arrive at least 10 minutes early for the handover."""
        return self.start - dt.timedelta(minutes=10)


def published_shifts(
    session: Session,
    centre: Centre,
    first: dt.date,
    last: dt.date,
    agents: list[Agent] | None = None,
) -> list[ShiftView]:
    """Shifts in [first, last] from the published rosters (the newest covering each day)."""
    zone = ZoneInfo(centre.timezone)
    # Only the columns used here: a roster row also holds its whole penalty breakdown (JSON,
    # tens of kilobytes at 120 agents), which every agent's read would otherwise parse.
    rosters = [
        (roster_id, version, start, days)
        for roster_id, version, start, days in session.exec(
            select(col(Roster.id), col(Roster.version), col(Roster.start_date), col(Roster.days))
            .where(
                Roster.centre_id == centre.id,
                Roster.status == "published",
                col(Roster.start_date) <= last,
            )
            .order_by(col(Roster.published_at).desc())
        )
        if start + dt.timedelta(days=days - 1) >= first
    ]
    numbers = {
        a.id: a.employee_no
        for a in (
            agents
            if agents is not None
            else session.exec(select(Agent).where(Agent.centre_id == centre.id))
        )
    }
    taken: set[dt.date] = set()
    views: list[ShiftView] = []
    for roster_id, roster_version, roster_start, roster_days in rosters:
        days = {roster_start + dt.timedelta(days=i) for i in range(roster_days)}
        days = {d for d in days if first <= d <= last and d not in taken}
        if not days:
            continue
        taken |= days
        query = select(Assignment).where(
            Assignment.roster_id == roster_id, col(Assignment.date).in_(sorted(days))
        )
        if agents is not None:
            query = query.where(col(Assignment.agent_id).in_(list(numbers)))
        rows = list(session.exec(query))
        pauses: dict[int, list[ShiftBreak]] = {}
        if rows:
            for pause in session.exec(
                select(ShiftBreak).where(col(ShiftBreak.assignment_id).in_([r.id for r in rows]))
            ):
                pauses.setdefault(pause.assignment_id, []).append(pause)
        for row in rows:
            assert roster_id is not None and row.id is not None
            views.append(
                ShiftView(
                    agent=numbers[row.agent_id],
                    date=row.date,
                    shift=row.shift_code,
                    start=row.start.astimezone(zone),
                    end=row.end.astimezone(zone),
                    breaks=[
                        (b.kind, b.start.astimezone(zone), b.minutes)
                        for b in sorted(pauses.get(row.id, []), key=lambda b: b.start)
                    ],
                    roster_id=roster_id,
                    roster_version=roster_version,
                )
            )
    return sorted(views, key=lambda v: (v.start, v.agent))
