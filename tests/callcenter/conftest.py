"""Database fixtures: every test runs against a real, migrated database.

SQLite by default. Set ``CALLCENTER_TEST_DATABASE_URL`` to a PostgreSQL URL (an account that
may create databases) and the suite creates a fresh database for the run, migrates it, runs
every database test there and drops it at the end; CI does both passes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from callcenter.db import make_engine, upgrade
from callcenter.models import metadata

ADMIN_URL = os.environ.get("CALLCENTER_TEST_DATABASE_URL")


def _create_database(admin_url: str, prefix: str) -> str:
    """A new empty PostgreSQL database next to ``admin_url``; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend() -> str:
    """``postgresql`` or ``sqlite``: which database this run tests."""
    return "postgresql" if ADMIN_URL else "sqlite"


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the run (SQLite: a template file copied per test)."""
    if ADMIN_URL:
        url = _create_database(ADMIN_URL, "cc_test")
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        _drop_database(ADMIN_URL, url)
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield str(path)


@pytest.fixture
def database_url(_template: str, tmp_path: Path) -> str:
    """URL of a migrated database holding no rows, private to this test."""
    if ADMIN_URL:
        engine = create_engine(_template)
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return _template
    path = tmp_path / "test.db"
    shutil.copyfile(_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """URL of a database with no tables at all (for migration tests)."""
    if ADMIN_URL:
        url = _create_database(ADMIN_URL, "cc_mig")
        yield url
        _drop_database(ADMIN_URL, url)
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
