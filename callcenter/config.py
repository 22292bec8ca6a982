"""One settings class for the whole application (pydantic-settings).

Every value can be set through an environment variable prefixed ``CALLCENTER_``
(``CALLCENTER_DATABASE_URL``, ``CALLCENTER_SECRET_KEY``, ...) or a ``.env`` file.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Application settings; refuses unsafe defaults outside development."""

    model_config = SettingsConfigDict(env_prefix="CALLCENTER_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./callcenter.db"
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    auto_migrate: bool = True
    secret_key: str = DEVELOPMENT_SECRET
    access_token_minutes: int = Field(default=8 * 60, gt=0)
    default_timezone: str = "Asia/Shanghai"
    interval_minutes: int = Field(default=30, gt=0)

    # Solver limits: suit a 2-core machine by default, scale with CALLCENTER_SOLVER_WORKERS.
    solver_time_limit_seconds: float = Field(default=60.0, gt=0)
    solver_workers: int = Field(default=2, ge=1)
    # Solve workers run at this nice level (0-19, higher yields more; only ever raised): a solve
    # is background work that would otherwise take every core from the people using the web.
    solve_worker_nice: int = Field(default=10, ge=0, le=19)
    # `callcenter serve` web processes; 0 means one per core.
    web_workers: int = Field(default=0, ge=0)

    # Rostering rules the customer left as settings (art. 31, art. 30-41).
    roster_averaging_weeks: int = Field(default=4, ge=1)
    roster_min_rest_minutes: int = Field(default=720, ge=0)
    roster_max_consecutive_work_days: int = Field(default=6, ge=1)

    roster_period_days: int = Field(default=28, ge=1, le=366)

    # Service level targets for the nightly staffing refresh.
    target_service_level: float = Field(default=0.8, gt=0, le=1)
    target_answer_seconds: float = Field(default=20, ge=0)
    target_max_occupancy: float = Field(default=0.85, gt=0, le=1)
    target_shrinkage: str = "0.30"

    # Scheduled jobs (cron fields in the default time zone); a failed run is retried.
    schedule_enabled: bool = True
    scheduled_job_attempts: int = Field(default=3, ge=1)
    scheduled_job_retry_seconds: float = Field(default=300, ge=0)

    # Scoring (art. 104-107): base-score weights and the pass mark.
    weight_quality: float = 0.4
    weight_exam: float = 0.2
    weight_productivity: float = 0.3
    weight_training: float = 0.1
    pass_mark: float = 60.0

    # Art. 40: at most this many agents on annual leave on one day.
    max_concurrent_annual_leave: int = Field(default=1, ge=0)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "CALLCENTER_SECRET_KEY must be set to a private value outside development"
            )
        if len(self.secret_key.encode()) < 32:
            raise ValueError("CALLCENTER_SECRET_KEY must be at least 32 bytes (HS256, RFC 7518)")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
