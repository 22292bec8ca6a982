"""Migrations: the only source of tables, reversible, and in step with the models."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from callcenter.db import current_revision, downgrade, make_engine, upgrade
from callcenter.models import AuditLog, metadata


def test_upgrade_downgrade_upgrade_again(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    assert current_revision(engine) is not None
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_autogenerate_finds_no_difference_between_models_and_migrations(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_audit_log_refuses_update_and_delete_in_the_database(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(AuditLog(actor="t", action="create", entity="x", entity_id="1"))
        session.commit()
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_log")).scalar_one() == "t"
    engine.dispose()


def test_audit_log_refuses_orm_changes(session: Session) -> None:
    row = AuditLog(actor="t", action="create", entity="x", entity_id="1")
    session.add(row)
    session.commit()
    row.reason = "rewrite history"
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()


def test_timestamps_come_back_timezone_aware_in_utc(session: Session) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    row = AuditLog(actor="t", action="a", entity="x", entity_id="1",
                   at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=shanghai))
    session.add(row)
    session.commit()
    session.expire_all()
    stored = session.get(AuditLog, row.id)
    assert stored is not None
    assert stored.at.utcoffset() == dt.timedelta(0)
    assert stored.at == dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(AuditLog(actor="t", action="a", entity="x", entity_id="1",
                         at=dt.datetime(2026, 11, 30, 8, 0)))
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()
