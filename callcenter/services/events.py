"""Scoring events recorded one at a time (HR, attendance), corrected or deleted, all audited.

Validation is the import's own (unknown code, unknown agent, a date in the future or outside
the agent's employment), so a single event and a file of events obey the same rules.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from callcenter.errors import NotFound, Problem, ValidationFailed
from callcenter.models import Centre, ScoringEvent
from callcenter.services.audit import record_audit, snapshot
from callcenter.services.imports import import_rows


def record_event(
    session: Session,
    centre: Centre,
    *,
    event_id: str,
    agent_no: str,
    date: dt.date,
    code: str,
    note: str = "",
    actor: str,
    reason: str | None = None,
    today: dt.date | None = None,
) -> ScoringEvent:
    """Record a new event, or correct an existing one with the same id (a reason is required)."""
    existing = session.exec(select(ScoringEvent).where(ScoringEvent.event_id == event_id)).first()
    if existing is not None and existing.status == "deleted":
        raise ValidationFailed(
            "event",
            [Problem(f"event {event_id}", "event_id", event_id, "was deleted; use a new event id")],
        )
    if existing is not None and not reason:
        raise ValidationFailed(
            "event", [Problem(f"event {event_id}", "reason", "", "a correction needs a reason")]
        )
    import_rows(
        session,
        centre,
        "events",
        [
            {
                "event_id": event_id,
                "agent_id": agent_no,
                "date": date.isoformat(),
                "code": code,
                "note": note,
            }
        ],
        source=f"event {event_id}",
        actor=actor,
        today=today,
    )
    session.flush()
    event = session.exec(select(ScoringEvent).where(ScoringEvent.event_id == event_id)).one()
    if reason:
        record_audit(
            session,
            actor=actor,
            action="reason",
            entity="scoring_event",
            entity_id=event.id,
            after=snapshot(event),
            reason=reason,
        )
    return event


def delete_event(session: Session, event_id: str, *, actor: str, reason: str) -> ScoringEvent:
    """Withdraw an event: it stays in the database (status ``deleted``) and stops counting."""
    if not reason.strip():
        raise ValidationFailed(
            "event", [Problem(f"event {event_id}", "reason", "", "a deletion needs a reason")]
        )
    event = session.exec(select(ScoringEvent).where(ScoringEvent.event_id == event_id)).first()
    if event is None:
        raise NotFound(f"event {event_id} does not exist")
    before = snapshot(event)
    event.status = "deleted"
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="delete",
        entity="scoring_event",
        entity_id=event.id,
        before=before,
        after=snapshot(event),
        reason=reason,
    )
    return event


def confirm_event(session: Session, event_id: str, *, actor: str) -> ScoringEvent:
    """HR confirms an event proposed by the engine (e.g. from attendance): it starts counting."""
    event = session.exec(select(ScoringEvent).where(ScoringEvent.event_id == event_id)).first()
    if event is None:
        raise NotFound(f"event {event_id} does not exist")
    if event.status != "proposed":
        raise ValidationFailed(
            "event",
            [
                Problem(
                    f"event {event_id}",
                    "status",
                    event.status,
                    "only proposed events can be confirmed",
                )
            ],
        )
    before = snapshot(event)
    event.status = "confirmed"
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="confirm",
        entity="scoring_event",
        entity_id=event.id,
        before=before,
        after=snapshot(event),
    )
    return event
