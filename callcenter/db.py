"""Database engine, sessions and migrations.

SQLite (the default, ``./callcenter.db``) runs with WAL, foreign keys on and a busy timeout;
any SQLAlchemy URL works through ``CALLCENTER_DATABASE_URL`` (PostgreSQL in production).
Tables come only from the Alembic migrations in ``callcenter/migrations``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from callcenter.config import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


# The web server runs sync routes on AnyIO's thread pool (40 threads). A request holds its
# connection from authentication to the end, so a pool smaller than the thread pool can
# deadlock under load (threads waiting for connections held by requests waiting for
# threads). Pool + overflow stays above the thread pool.
POOL_SIZE = 10
MAX_OVERFLOW = 50
# SQLite files: connections are kept and reused (opening one and setting its PRAGMAs cost
# more than the query an agent's request makes), but never waited for: beyond the kept ones
# a request opens another (a file open), so there is no pool to exhaust.
SQLITE_POOL_SIZE = POOL_SIZE + MAX_OVERFLOW


def make_engine(url: str, busy_timeout_ms: int = 30_000) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout,
    once per connection (when it is opened)."""
    if url.startswith("sqlite"):
        in_memory = ":memory:" in url or url == "sqlite://"
        pool: dict[str, Any] = (
            {} if in_memory
            else {"poolclass": QueuePool, "pool_size": SQLITE_POOL_SIZE, "max_overflow": -1}
        )
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                         max_overflow=MAX_OVERFLOW)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database, migrated if auto-migrate is on."""
    settings = get_settings()
    engine = make_engine(settings.database_url, settings.sqlite_busy_timeout_ms)
    if settings.auto_migrate:
        upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration bound to ``engine`` (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
