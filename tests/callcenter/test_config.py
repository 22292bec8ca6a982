from __future__ import annotations

import pytest
from pydantic import ValidationError

from callcenter.config import DEVELOPMENT_SECRET, Settings


def test_defaults_use_local_sqlite_and_shanghai() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///./callcenter.db"
    assert settings.default_timezone == "Asia/Shanghai"
    assert settings.solver_workers >= 1


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings(_env_file=None).database_url == "postgresql+psycopg://u@h/db"  # type: ignore[call-arg]


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key=DEVELOPMENT_SECRET, _env_file=None)  # type: ignore[call-arg]
    assert Settings(environment="production", secret_key="s3cret-value" * 3, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(environment="production", secret_key="short", _env_file=None)  # type: ignore[call-arg]


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="IANA"):
        Settings(default_timezone="Mars/Olympus", _env_file=None)  # type: ignore[call-arg]
