"""Engine settings that matter under load."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest
from anyio import to_thread
from sqlalchemy import event, text
from sqlmodel import Session

from callcenter.db import MAX_OVERFLOW, POOL_SIZE, SQLITE_POOL_SIZE, make_engine
from tests.conftest import uses_database


async def _web_threads() -> float:
    return to_thread.current_default_thread_limiter().total_tokens


def test_sqlite_file_connections_are_reused_with_their_pragmas_set_once(tmp_path: Path) -> None:
    # Opening a connection and setting its PRAGMAs cost more than an agent's whole query
    # (the load benchmark's profile): connections are kept and reused.
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_ms=1234)
    opened: list[object] = []
    event.listen(engine, "connect", lambda connection, _record: opened.append(connection))
    for _ in range(20):
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == 1234
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert len(opened) == 1
    engine.dispose()


def test_sqlite_file_pool_never_waits_for_a_connection(tmp_path: Path) -> None:
    # Sync routes hold their connection across thread hops: a pool that can run dry makes
    # threads wait for connections held by requests waiting for threads (the load benchmark
    # found that deadlock). A SQLite connection is a file open: beyond the kept ones, open more.
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    held = [engine.connect() for _ in range(SQLITE_POOL_SIZE + 5)]
    assert all(c.execute(text("SELECT 1")).scalar_one() == 1 for c in held)
    assert SQLITE_POOL_SIZE > anyio.run(_web_threads)
    for connection in held:
        connection.close()
    engine.dispose()


def test_a_pooled_sqlite_connection_serves_any_thread(tmp_path: Path) -> None:
    # A request opens its connection on a worker thread and commits on the event loop's.
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    results: list[object] = []

    def on_another_thread() -> None:
        with engine.connect() as connection:
            results.append(connection.connection.driver_connection)

    worker = threading.Thread(target=on_another_thread)
    worker.start()
    worker.join()
    with engine.connect() as connection:
        assert connection.connection.driver_connection is results[0]  # the same connection
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_server_pools_outnumber_the_web_thread_pool() -> None:
    assert POOL_SIZE + MAX_OVERFLOW > anyio.run(_web_threads) == 40


def test_a_test_asking_for_a_session_is_a_database_test(
    request: pytest.FixtureRequest, session: Session
) -> None:
    assert uses_database(request.node)


def test_a_test_asking_for_no_database_is_not_one(request: pytest.FixtureRequest) -> None:
    assert not uses_database(request.node)
