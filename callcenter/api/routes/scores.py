"""HR: scoring events and quarterly scores (art. 104-107)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlmodel import col, select

from callcenter.api.deps import HR, ClockDep, SessionDep, SettingsDep, user_centre
from callcenter.api.routes.me import ERRORS, score_out
from callcenter.api.schemas import EventCreate, EventOut, ScoreOut
from callcenter.models import Agent, QuarterlyScore
from callcenter.services.events import record_event
from callcenter.services.scores import compute_quarter

router = APIRouter(prefix="/api", tags=["scores"])


@router.post("/events", status_code=201, responses={**ERRORS, 409: {"description": "Refused"}})
def add_event(body: EventCreate, user: HR, session: SessionDep, clock: ClockDep) -> EventOut:
    """Record a reward, penalty or attendance mark (or correct one, with a reason)."""
    centre = user_centre(session, user)
    today = clock.today(centre)
    event = record_event(
        session,
        centre,
        event_id=body.event_id,
        agent_no=body.agent_id,
        date=body.date,
        code=body.code,
        note=body.note,
        actor=user.username,
        reason=body.reason,
        today=today,
    )
    return EventOut(
        event_id=event.event_id,
        agent_id=body.agent_id,
        date=event.date,
        code=event.code,
        note=event.note,
        status=event.status,
    )


@router.get("/scores", responses=ERRORS)
def scores(
    user: HR,
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int, Query(ge=1, le=4)],
) -> list[ScoreOut]:
    """Stored quarterly scores of the centre (compute them with POST /api/scores/compute)."""
    centre = user_centre(session, user)
    rows = session.exec(
        select(QuarterlyScore, Agent)
        .join(Agent, col(Agent.id) == QuarterlyScore.agent_id)
        .where(
            Agent.centre_id == centre.id,
            QuarterlyScore.year == year,
            QuarterlyScore.quarter == quarter,
        )
        .order_by(col(Agent.employee_no))
    )
    return [score_out(agent.employee_no, row) for row, agent in rows]


@router.post("/scores/compute", responses={**ERRORS, 409: {"description": "Refused"}})
def compute(
    user: HR,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int, Query(ge=1, le=4)],
) -> list[ScoreOut]:
    """Compute and store the quarter's scores (a closed quarter is returned unchanged)."""
    centre = user_centre(session, user)
    stored = compute_quarter(session, centre, year, quarter, settings=settings, actor=user.username)
    numbers = {
        a.id: a.employee_no for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))
    }
    if not stored:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no KPI rows for {year} Q{quarter}")
    return [score_out(numbers[r.agent_id], r) for r in stored]
