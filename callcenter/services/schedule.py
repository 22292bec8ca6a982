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
        # One query: each assignment with its breaks (one row per break, or one without).
        query = (
            select(Assignment, ShiftBreak)
            .outerjoin(ShiftBreak, col(ShiftBreak.assignment_id) == col(Assignment.id))
            .where(Assignment.roster_id == roster_id, col(Assignment.date).in_(sorted(days)))
        )
        if agents is not None:
            query = query.where(col(Assignment.agent_id).in_(list(numbers)))
        assert roster_id is not None
        shifts: dict[int, ShiftView] = {}
        for row, pause in session.exec(query.order_by(col(ShiftBreak.start), col(ShiftBreak.id))):
            assert row.id is not None
            view = shifts.get(row.id)
            if view is None:
                view = shifts[row.id] = ShiftView(
                    agent=numbers[row.agent_id],
                    date=row.date,
                    shift=row.shift_code,
                    start=row.start.astimezone(zone),
                    end=row.end.astimezone(zone),
                    breaks=[],
                    roster_id=roster_id,
                    roster_version=roster_version,
                )
            if pause is not None:  # breaks come in time order
                view.breaks.append((pause.kind, pause.start.astimezone(zone), pause.minutes))
        views.extend(shifts.values())
    return sorted(views, key=lambda v: (v.start, v.agent))
