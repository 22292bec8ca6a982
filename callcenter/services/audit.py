"""Writing the append-only audit log."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session, SQLModel

from callcenter.models import AuditLog


def snapshot(record: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe image of a record for the before/after columns."""
    return None if record is None else record.model_dump(mode="json")


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditLog:
    """Append one audit row in the caller's transaction."""
    row = AuditLog(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(row)
    return row


class _Versioned(Protocol):
    id: int | None
    status: str
    version: int


def transition(
    session: Session,
    row: _Versioned,
    status: str,
    *,
    actor: str,
    entity: str,
    reason: str | None = None,
    action: str | None = None,
    **changes: object,
) -> None:
    """Move a request to ``status`` (plus ``changes``), bump its version, audit before/after."""
    assert isinstance(row, SQLModel)
    before = snapshot(row)
    row.status = status
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=action or status,
        entity=entity,
        entity_id=row.id,
        before=before,
        after=snapshot(row),
        reason=reason,
    )
