"""Process settings from the environment and `.env` (names as in PRODUCT §4)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"


def default_web_concurrency() -> int:
    """gunicorn worker processes when WEB_CONCURRENCY is not set: the CPUs of this machine, plus one."""
    return (os.cpu_count() or 1) + 1


class Settings(BaseSettings):
    """Everything a Pacer process reads from its environment. Nothing is read at import time."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = "sqlite:///pacer.db"
    pacer_config: Path | None = Field(default=None, description="path of pacer.yml")
    port: int = Field(default=3000, ge=1, le=65535)
    host: str = "0.0.0.0"
    web_concurrency: int = Field(
        default_factory=default_web_concurrency, ge=1, le=64, description="gunicorn worker processes"
    )
    web_threads: int = Field(default=1, ge=1, le=256, description="request threads per worker process")
    log_level: str = "INFO"
    pacer_scheduler: bool = Field(
        default=True, description="run the scheduler inside `pacer run` (off for extra web processes)"
    )
    pacer_scheduler_heartbeat_seconds: float = Field(
        default=15.0,
        ge=0.2,
        le=30.0,
        description="how often the leading scheduler proves it is alive and a standby tries to take over",
    )
    pacer_outbox_per_minute: int = Field(
        default=180,
        ge=1,
        le=1000,
        description="Slack messages per minute per workspace, shared by every sender (Slack allows several hundred)",
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_scheme(cls, value: str) -> str:
        """`postgres://` (Heroku's, many hosts' form) is PostgreSQL: SQLAlchemy only knows `postgresql://`."""
        value = value.strip()
        return "postgresql://" + value.removeprefix("postgres://") if value.startswith("postgres://") else value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"LOG_LEVEL {value!r} is not a level: use DEBUG, INFO (the default), WARNING or ERROR")
        return level

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def missing_for_run(self) -> list[str]:
        """Names of the variables `pacer run` needs but does not have, in the order to fix them."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if not self.socket_mode and self.slack_signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET")
        return missing

    def config_path(self) -> Path | None:
        """The pacer.yml to load: PACER_CONFIG if set, else ./pacer.yml if it exists, else none."""
        if self.pacer_config is not None:
            return self.pacer_config
        default = Path("pacer.yml")
        return default if default.exists() else None
