"""Settings refuse to run a real deployment with the development secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pasokh.settings import Settings


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="PASOKH_SECRET_KEY"):
        Settings(environment="production")


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(environment="production", secret_key="short")


def test_development_starts_with_defaults_on_sqlite() -> None:
    settings = Settings(environment="development")
    assert settings.is_sqlite


def test_environment_variables_configure_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASOKH_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    monkeypatch.setenv("PASOKH_MAX_MESSAGE_CHARS", "500")
    settings = Settings()
    assert not settings.is_sqlite and settings.max_message_chars == 500
