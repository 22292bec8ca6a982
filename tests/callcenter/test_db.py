"""Engine settings that matter under load."""

from __future__ import annotations

from pathlib import Path

import anyio
from anyio import to_thread
from sqlalchemy.pool import QueuePool

from callcenter.db import MAX_OVERFLOW, POOL_SIZE, make_engine


async def _web_threads() -> float:
    return to_thread.current_default_thread_limiter().total_tokens


def test_connection_pool_outnumbers_the_web_thread_pool(tmp_path: Path) -> None:
    # Sync routes run on AnyIO's thread pool and hold their connection for the request: a
    # smaller pool deadlocks under load (the load benchmark hit it: every request timed out).
    threads = anyio.run(_web_threads)
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.size() == POOL_SIZE
    assert POOL_SIZE + MAX_OVERFLOW > threads == 40
    engine.dispose()
