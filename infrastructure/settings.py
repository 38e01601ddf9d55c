"""The one settings object, read from CHUISHAO_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    PostgresDsn,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg")
_DSN: TypeAdapter[PostgresDsn] = TypeAdapter(PostgresDsn)


def _usable_by_the_event_store(url: SecretStr) -> SecretStr:
    """Refuse at startup, not at the first connection, a URL the event store cannot use."""
    text = url.get_secret_value()
    if text.partition("://")[0] not in POSTGRES_SCHEMES:
        problem = f"the scheme must be {', '.join(POSTGRES_SCHEMES)}"
    else:
        try:
            dsn = _DSN.validate_python(text)
        except ValidationError as e:
            problem = e.errors()[0]["msg"]
        else:
            if (dsn.path or "").strip("/"):
                return url
            problem = "no database name"
    raise ValueError(f"{problem}: must look like postgresql://user:password@host:port/dbname")


# A PostgreSQL URL holds the password: kept secret, so no repr, log line or error shows it.
DatabaseUrl = Annotated[SecretStr, AfterValidator(_usable_by_the_event_store)]
_DATABASE_URL: TypeAdapter[SecretStr] = TypeAdapter(DatabaseUrl)


def database_url(text: str | SecretStr) -> SecretStr:
    """A URL given outside the environment (``db setup --owner-url``), checked the same way;
    raises ``pydantic.ValidationError``."""
    return _DATABASE_URL.validate_python(text)


def settings_errors(error: ValidationError) -> list[str]:
    """One line per bad setting, named as the environment variable that holds it."""
    lines = []
    for e in error.errors():
        name = str(e["loc"][0]) if e["loc"] else ""
        field = Settings.model_fields.get(name)
        alias = field.validation_alias if field else None
        variable = alias if isinstance(alias, str) else f"CHUISHAO_{name.upper()}"
        lines.append(f"{variable}: {e['msg']}")
    return lines


class Settings(BaseSettings):
    """Defaults run the embedded store (a SQLite file) with no configuration at all.

    ``CHUISHAO_DATABASE_URL=postgresql://user:pass@host:5432/db`` selects PostgreSQL.
    """

    # Errors name the variable, never its value (a URL may hold a password).
    model_config = SettingsConfigDict(
        env_prefix="CHUISHAO_", extra="ignore", hide_input_in_errors=True
    )

    database_url: DatabaseUrl | None = None
    database_schema: str = ""
    # Hot standbys that serve reads (docs/failover.md): URLs separated by spaces or
    # newlines (a libpq multi-host URL has commas), each checked like database_url.
    # A read goes to one whose views have reached the reader's min_position and whose
    # replay is at most read_max_lag_seconds behind; otherwise to the primary.
    read_database_urls: Annotated[list[DatabaseUrl], NoDecode] = []
    read_max_lag_seconds: float = Field(default=10.0, ge=0)
    # The role that owns the tables, used only by `chuishao db setup` (docs/reliability.md,
    # "PostgreSQL roles"); the service itself connects with ``database_url``.
    owner_database_url: DatabaseUrl | None = None
    data_dir: Path = Path("data")
    jurisdiction_file: Path | None = None
    # Secrets (signing keys, server secrets) live here, not beside the database
    # (infrastructure/config_dir.py).
    config_dir: Path | None = None
    xdg_config_home: Path | None = Field(default=None, validation_alias="XDG_CONFIG_HOME")
    # The server secret (HMAC of idempotency records, the key that wraps contact keys);
    # default ``<config dir>/server-secret`` (infrastructure/server_secret.py).
    server_secret_file: Path | None = None
    # Idempotency records are kept this long, then a reused key counts as new.
    idempotency_ttl_hours: float = Field(default=24.0, gt=0)
    # Measures (docs/measures.md): configurable defaults, not law.
    target_rate: float = 0.98
    basically_satisfied_weight: float = 0.9
    composite_response_weight: float = 0.1
    composite_solved_weight: float = 0.5
    composite_satisfaction_weight: float = 0.4
    # Concurrent commands share one insert transaction (infrastructure/group_commit.py).
    group_commit: bool = True
    # Cases kept in memory between commands (0: none); each load reads only the events
    # after the kept version, and a kept case that missed a write loses to the store's
    # unique (case, version) and is read again (docs/benchmarks.md, the command path).
    aggregate_cache_size: int = Field(default=0, ge=0)
    # The Ed25519 key that signs the log (default: signing.key in the config directory).
    signing_key_file: Path | None = None
    # The server writes a signed checkpoint at start, then after this many events or
    # seconds, whichever comes first (0 turns the timer off; `chuishao seal` still works).
    checkpoint_interval_seconds: int = 300
    checkpoint_every_events: int = 10_000
    # 回访 (the callback) judges a resolution: recorded by someone other than its resolver.
    separate_callback: bool = True
    # 合并: likely duplicates are reported within this many hours of each other and at
    # least this similar in text (projections/case_duplicates.py).
    duplicate_window_hours: float = Field(default=72.0, gt=0, le=24 * 90)
    duplicate_min_similarity: float = Field(default=0.1, ge=0, le=1)
    pool_size: int = 5
    # PostgreSQL ends a transaction left idle this long (the library's default, 5 s, also
    # ends healthy ones when a busy machine stalls a client between two statements).
    idle_in_transaction_seconds: int = Field(default=60, ge=1)
    # Console sessions (interfaces/web/session.py): absolute lifetime and idle timeout;
    # Secure cookies when the console is served over HTTPS (set it behind TLS).
    secure_cookies: bool = False
    session_lifetime_minutes: int = 8 * 60
    session_idle_minutes: int = 30
    sign_in_max_failures: int = 5
    sign_in_window_minutes: int = 5
    pool_max_overflow: int = 10
    # Evidence files (photos, PDFs): at most this many bytes each; kept under
    # ``<data dir>/files`` unless ``file_store`` names a bucket (``s3://bucket/prefix``),
    # reached at ``s3_endpoint_url`` (MinIO, Ceph …; unset: AWS) with these credentials
    # (unset: boto3's own chain: instance role, ~/.aws).
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # A CJK font file for PDF exports (反馈卡, 活动记录); unset: Debian's WenQuanYi or Noto CJK.
    pdf_font: str | None = None
    # The live inbox (GET /inbox/stream): open streams per user and in all (429 beyond),
    # how long one lasts before the client reconnects (proxies cut long requests; a
    # revoked token is also checked at each heartbeat), and the heartbeat's interval.
    stream_max_per_user: int = Field(default=3, gt=0)
    stream_max_total: int = Field(default=200, gt=0)
    stream_lifetime_seconds: float = Field(default=900, gt=0)
    stream_heartbeat_seconds: float = Field(default=15, gt=0)
    file_store: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # Notifications (webhooks; endpoints in the jurisdiction file's [notify] section):
    # remind a unit this many minutes before its report-in deadline; retry a failed
    # delivery after base × 2^(n-1) seconds (capped, jittered), dead-letter it after
    # max_attempts; a sender holds a delivery for lease seconds (longer than the timeout);
    # the deadline timer scans every scan seconds. ``notify`` off: `serve` runs neither.
    notify: bool = True
    notify_near_minutes: float = Field(default=10.0, ge=0)
    notify_backoff_base_seconds: float = Field(default=10.0, gt=0)
    notify_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1)
    notify_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    notify_lease_seconds: float = Field(default=60.0, ge=0)
    notify_poll_seconds: float = Field(default=2.0, gt=0)
    notify_scan_seconds: float = Field(default=30.0, gt=0)
    # Operations (docs/operations.md): GET /metrics answers an admin's or auditor's token,
    # or this scrape token (for Prometheus, which holds no user); GET /readyz answers 503
    # while a view is more than this many events or seconds behind the log.
    metrics_token: SecretStr | None = None
    ready_max_lag_events: int = Field(default=1000, ge=0)
    ready_max_lag_seconds: float = Field(default=60.0, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("read_database_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        urls = value.split() if isinstance(value, str) else value
        if isinstance(urls, list) and any(str(u).count("://") > 1 for u in urls):
            raise ValueError("separate the URLs with spaces, not commas")
        return urls
