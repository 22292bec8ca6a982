"""Suite-wide options.

``--database-tests-only`` keeps the tests that open a database (those using the
``database_url`` or ``empty_database_url`` fixture, directly or through ``engine``,
``session`` or a client) and deselects the rest. CI's PostgreSQL pass uses it: the other
tests never touch a database, ran in the SQLite pass of the same CI run, and would only
repeat themselves.
"""

from __future__ import annotations

import pytest

DATABASE_FIXTURES = frozenset({"database_url", "empty_database_url"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that open a database (CI's PostgreSQL pass)",
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether the test asks, directly or through another fixture, for a database."""
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if uses_database(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
