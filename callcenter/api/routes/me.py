"""An agent's own shifts, scores and calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import TypeAdapter
from sqlmodel import col, select

from callcenter.api.deps import (
    AgentUser,
    Clock,
    ClockDep,
    FeedUser,
    SessionDep,
    own_agent,
    same_centre,
)
from callcenter.api.schemas import BreakOut, ScoreOut, ShiftOut
from callcenter.models import Agent, Centre, QuarterlyScore
from callcenter.services.calendar import agent_calendar
from callcenter.services.schedule import ShiftView, published_shifts

router = APIRouter(prefix="/api", tags=["agents"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request body"},
    401: {"description": "Not authenticated"},
    403: {"description": "Not allowed"},
    404: {"description": "Not found"},
    422: {"description": "Invalid input"},
}


def shift_out(view: ShiftView) -> ShiftOut:
    return ShiftOut(
        agent=view.agent,
        date=view.date,
        shift=view.shift,
        start=view.start,
        end=view.end,
        arrive_by=view.arrive_by,
        breaks=[BreakOut(kind=k, start=s, minutes=m) for k, s, m in view.breaks],
        roster_id=view.roster_id,
        roster_version=view.roster_version,
    )


def _week(centre: Centre, clock: Clock) -> tuple[dt.date, dt.date]:
    today = clock.today(centre)
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


# The agents' hottest read is serialised by the route itself, on the thread it already runs
# on: returned as models, FastAPI would validate and serialise them on another worker-thread
# hop, and under load that hop queues behind every other request while this one still holds
# its database connection. Same body, same media type, same schema (``response_model``).
_SHIFTS_JSON = TypeAdapter(list[ShiftOut])


@router.get("/me/shifts", responses=ERRORS, response_model=list[ShiftOut])
def my_shifts(
    user: AgentUser,
    session: SessionDep,
    clock: ClockDep,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: dt.date | None = None,
) -> Response:
    """My published shifts with breaks (default: this week)."""
    agent = own_agent(session, user)
    centre = session.get(Centre, agent.centre_id)
    assert centre is not None
    first, last = _week(centre, clock)
    first, last = from_ or first, to or (from_ + dt.timedelta(days=6) if from_ else last)
    if last < first or (last - first).days > 366:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "'to' must be on or after 'from', at most a year later",
        )
    shifts = [shift_out(v) for v in published_shifts(session, centre, first, last, [agent])]
    return Response(_SHIFTS_JSON.dump_json(shifts), media_type="application/json")


@router.get("/me/scores", responses=ERRORS)
def my_scores(user: AgentUser, session: SessionDep) -> list[ScoreOut]:
    """My quarterly scores, every point explained with its event and article."""
    agent = own_agent(session, user)
    rows = session.exec(
        select(QuarterlyScore)
        .where(QuarterlyScore.agent_id == agent.id)
        .order_by(col(QuarterlyScore.year), col(QuarterlyScore.quarter))
    )
    return [score_out(agent.employee_no, r) for r in rows]


def score_out(agent_no: str, row: QuarterlyScore) -> ScoreOut:
    return ScoreOut(
        agent_id=agent_no, **row.model_dump(include=set(ScoreOut.model_fields) - {"agent_id"})
    )


@router.get(
    "/agents/{agent_id}/calendar.ics",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"text/calendar": {}}, "description": "iCalendar feed"}},
)
def calendar_feed(
    agent_id: str,
    user: FeedUser,
    session: SessionDep,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366)] = 60,
) -> Response:
    """The agent's shifts as an iCalendar feed (breaks in the description); the agent's token
    may be given as ``?token=`` for phone calendars."""
    agent = session.exec(select(Agent).where(Agent.employee_no == agent_id)).first()
    if user.role == "agent":
        if agent is None or user.agent_id != agent.id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "agents see only their own calendar")
    elif user.role not in ("supervisor", "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role} may not do this")
    if agent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"agent {agent_id} does not exist")
    if user.role != "agent":
        same_centre(user, agent.centre_id, session)
    centre = session.get(Centre, agent.centre_id)
    assert centre is not None
    first = clock.today(centre) - dt.timedelta(days=7)
    views = published_shifts(session, centre, first, first + dt.timedelta(days=days), [agent])
    return Response(agent_calendar(agent, views), media_type="text/calendar")
