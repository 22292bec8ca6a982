"""Alembic environment: runs against the engine handed over by ``callcenter.db``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Engine

import callcenter.models  # noqa: F401  (registers every table on the metadata)
from callcenter.models import UTCDateTime, metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is None:
        from callcenter.db import get_engine

        engine = get_engine()
    assert isinstance(engine, Engine)
    return engine


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with _engine().begin() as connection:
        _run(connection)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our UTC timestamp type by its import path (default rendering for the rest)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import callcenter.models._types")
        return "callcenter.models._types.UTCDateTime()"
    return False


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
