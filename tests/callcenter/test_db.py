"""Engine settings that matter under load."""

from __future__ import annotations

from pathlib import Path

import anyio
from anyio import to_thread
from sqlalchemy.pool import NullPool

from callcenter.db import MAX_OVERFLOW, POOL_SIZE, make_engine


async def _web_threads() -> float:
    return to_thread.current_default_thread_limiter().total_tokens


def test_sqlite_files_are_not_pooled(tmp_path: Path) -> None:
    # Sync routes hold their connection across thread hops (endpoint, response validation):
    # with a pool, a few hundred concurrent requests exhausted it and every request timed
    # out (found by the load benchmark). A SQLite connection is only a file open: no pool.
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(engine.pool, NullPool)
    engine.dispose()


def test_server_pools_outnumber_the_web_thread_pool() -> None:
    assert POOL_SIZE + MAX_OVERFLOW > anyio.run(_web_threads) == 40
