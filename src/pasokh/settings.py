"""One settings object, read from PASOKH_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only"

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as PASOKH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PASOKH_", extra="ignore")

    environment: Environment = "development"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path('var/pasokh.db').resolve()}")
    secret_key: str = DEFAULT_SECRET
    redis_url: str | None = None
    # Longest message text accepted, in characters; longer input is refused with a 413.
    max_message_chars: int = 10_000
    # Largest request body accepted, in bytes (before JSON parsing).
    max_body_bytes: int = 256 * 1024
    session_hours: int = 12
    triage_model_dir: Path | None = None
    # How often each web process looks for a newly trained model in triage_model_dir
    # (a stat call); 0 turns the automatic switch off (POST /api/v1/triage/model/reload).
    triage_model_check_seconds: float = Field(default=10, ge=0, le=24 * 3600)
    base_url: str = "http://127.0.0.1:8000"
    # Run the outbox job runner inside each web process; false when `pasokh worker`
    # processes do it instead.
    run_jobs: bool = True
    # How often periodic work (snooze wake-up, surveys, crisis check) is queued.
    jobs_periodic_seconds: int = Field(default=60, ge=5, le=24 * 3600)

    @model_validator(mode="after")
    def _enforce_non_default_secrets(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            if self.environment == "test":
                return self
            raise ValueError(
                "PASOKH_SECRET_KEY is still the development default; set a long random value "
                "before running with PASOKH_ENVIRONMENT=" + self.environment
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("PASOKH_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cookie_secure(self) -> bool:
        return self.environment == "production"
