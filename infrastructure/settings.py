"""The one settings object, read from CHUISHAO_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    # Secrets (signing keys, server secrets) live here, not beside the database
    # (infrastructure/config_dir.py).
    config_dir: Path | None = None
    xdg_config_home: Path | None = Field(default=None, validation_alias="XDG_CONFIG_HOME")
    # Measures (docs/measures.md): configurable defaults, not law.
    target_rate: float = 0.98
    basically_satisfied_weight: float = 0.9
    composite_response_weight: float = 0.1
    composite_solved_weight: float = 0.5
    composite_satisfaction_weight: float = 0.4
    # Concurrent commands share one insert transaction (infrastructure/group_commit.py).
    group_commit: bool = True
    # 回访 (the callback) judges a resolution: recorded by someone other than its resolver.
    separate_callback: bool = True
    # Seal case heads apart from the events this often (0 = only by `chuishao seal`).
    seal_interval_seconds: int = 600
    pool_size: int = 5
    pool_max_overflow: int = 10
