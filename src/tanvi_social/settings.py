"""Configuration: one `Settings` object read from the environment (prefix `TANVI_`)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANVI_", env_file=".env", extra="ignore")

    env: Literal["dev", "prod", "test"] = "dev"
    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'tanvi.db'}")
    redis_url: str | None = None
    # PostgreSQL connections per process (async pool): size kept open + overflow opened on demand.
    # Size it so that workers × (size + overflow) stays under the server's max_connections.
    db_pool_size: int = Field(default=20, ge=1, le=500)
    db_max_overflow: int = Field(default=30, ge=0, le=500)
    secret_key: SecretStr | None = None
    ws1_jwt_secret: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    media_dir: Path = VAR_DIR / "media"
    var_dir: Path = VAR_DIR
    cors_origins: list[str] = Field(
        default_factory=lambda: [
            "http://localhost:5000",
            "http://127.0.0.1:5000",
            "http://localhost:3000",
            "http://localhost:8081",
            "http://localhost:19006",
        ]
    )
    max_json_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 16 * 1024 * 1024
    rate_limits_enabled: bool = True
    rate_limit_login_per_minute: int = 10
    rate_limit_writes_per_minute: int = 120
    rate_limit_follows_per_hour: int = 400
    rate_limit_signups_per_hour: int = Field(default=20, ge=1)
    notification_retention_days: int = 30
    # Background jobs (core/jobs.py): broker "auto" = Redis when redis_url is set, else in-process.
    job_broker: Literal["auto", "memory", "redis"] = "auto"
    jobs_scheduler_enabled: bool = True
    job_retry_delay_seconds: float = Field(default=1.0, ge=0, le=60)
    # Where `make bench` stores its JSON results (default: bench/results in the source tree).
    bench_results_dir: Path | None = None
    public_base_url: str = "http://127.0.0.1:5000"
    vapid_private_key: SecretStr | None = None  # PEM or raw base64url; else generated under var/
    vapid_subject: str = "mailto:push@tanvi.social"
    log_json: bool | None = None
    sql_echo: bool = False

    @model_validator(mode="after")
    def _prod_needs_secret(self) -> Settings:
        if self.env == "prod" and self.secret_key is None:
            raise ValueError("TANVI_SECRET_KEY must be set when TANVI_ENV=prod")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.env == "prod"

    def signing_key(self) -> str:
        """The secret that signs our tokens: configured, or generated once and kept under `var/`."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
