"""Supervisors: roster versions, their content and publishing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlmodel import col, select

from callcenter.api.deps import RecordId, SessionDep, Supervisor, same_centre, user_centre
from callcenter.api.routes.me import ERRORS
from callcenter.api.schemas import RosterOut
from callcenter.models import Roster
from callcenter.services.rosters import load_roster, publish_roster, roster_diff

router = APIRouter(prefix="/api/rosters", tags=["rosters"])


def roster_out(row: Roster) -> RosterOut:
    assert row.id is not None
    return RosterOut(
        id=row.id,
        name=row.name,
        version=row.version,
        status=row.status,
        start_date=row.start_date,
        days=row.days,
        objective=row.objective,
        bound=row.bound,
        based_on_id=row.based_on_id,
    )


def _roster(session: SessionDep, user: Supervisor, roster_id: RecordId) -> Roster:
    row = session.get(Roster, roster_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"roster {roster_id} not found")
    same_centre(user, row.centre_id, session)
    return row


@router.get("", responses=ERRORS)
def list_rosters(user: Supervisor, session: SessionDep) -> list[RosterOut]:
    centre = user_centre(session, user)
    return [
        roster_out(r)
        for r in session.exec(
            select(Roster)
            .where(Roster.centre_id == centre.id)
            .order_by(col(Roster.start_date), col(Roster.version))
        )
    ]


@router.get("/{roster_id}", responses=ERRORS)
def get_roster(roster_id: RecordId, user: Supervisor, session: SessionDep) -> dict[str, Any]:
    """The roster in the ROSTER.json contract format."""
    _roster(session, user, roster_id)
    return load_roster(session, roster_id)[1].model_dump(mode="json")


@router.get("/{roster_id}/diff", responses=ERRORS)
def diff(roster_id: RecordId, user: Supervisor, session: SessionDep) -> list[str]:
    """Who moves where, against the version this one is based on."""
    row = _roster(session, user, roster_id)
    if row.based_on_id is None:
        return []
    return [
        str(c)
        for c in roster_diff(
            load_roster(session, row.based_on_id)[1], load_roster(session, roster_id)[1]
        )
    ]


@router.post("/{roster_id}/publish", responses={**ERRORS, 409: {"description": "Not a draft"}})
def publish(roster_id: RecordId, user: Supervisor, session: SessionDep) -> RosterOut:
    """Publish a draft; the version it replaces is superseded."""
    _roster(session, user, roster_id)
    return roster_out(publish_roster(session, roster_id, actor=user.username))
