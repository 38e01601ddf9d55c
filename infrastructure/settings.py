"""The one settings object, read from CHUISHAO_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Defaults run the embedded store (a SQLite file) with no configuration at all.

    ``CHUISHAO_DATABASE_URL=postgresql://user:pass@host:5432/db`` selects PostgreSQL.
    """

    model_config = SettingsConfigDict(env_prefix="CHUISHAO_", extra="ignore")

    database_url: str | None = None
    database_schema: str = ""
    data_dir: Path = Path("data")
    jurisdiction_file: Path | None = None
    pool_size: int = 5
    pool_max_overflow: int = 10
