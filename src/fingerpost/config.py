"""Settings from the environment (prefix FINGERPOST_) or `.env`; see docs/configuration.md."""

import os
from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FINGERPOST_", env_file=".env", extra="ignore")

    home: Path = Field(
        default=Path(".fingerpost"),
        description="Directory holding one installation: database, keys, logs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; default: SQLite file `fingerpost.db` in home.",
    )
    host: str = Field(default="127.0.0.1", description="Address `fingerpost serve` listens on.")
    port: int = Field(
        default=8000, ge=1, le=65535, description="Port `fingerpost serve` listens on."
    )
    token_ttl_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="Lifetime of tokens from `fingerpost tokens create`.",
    )
    batch_size: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="CSV rows committed per transaction by `register` and `enquire`.",
    )
    encode_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description=(
            "Processes that normalise and encode identities for `register` and `enquire` files:"
            " 0 means one per CPU core, 1 encodes in the command's own process."
        ),
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home.resolve() / 'fingerpost.db'}"

    @property
    def token_ttl(self) -> timedelta:
        return timedelta(hours=self.token_ttl_hours)

    @property
    def workers(self) -> int:
        """`encode_workers` with 0 resolved to the number of CPU cores."""
        return self.encode_workers or os.cpu_count() or 1
