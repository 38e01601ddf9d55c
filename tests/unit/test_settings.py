"""Settings choose the backend: SQLite by default, PostgreSQL from one URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.errors import InvalidValue
from infrastructure.event_store import event_store_env
from infrastructure.jurisdiction_file import load_jurisdiction
from infrastructure.settings import Settings


def test_default_is_a_sqlite_file_under_the_data_dir(tmp_path: Path) -> None:
    env = event_store_env(Settings(data_dir=tmp_path / "d", database_url=None))
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == str(tmp_path / "d" / "chuishao.db")
    assert (tmp_path / "d").is_dir()


def test_postgres_url_is_split_into_library_settings() -> None:
    env = event_store_env(
        Settings(database_url="postgresql://app:s%40cret@db.example:6543/cases", pool_size=7)
    )
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.example",
        "6543",
        "cases",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("app", "s@cret")
    assert env["POSTGRES_POOL_SIZE"] == "7"


@pytest.mark.parametrize("url", ["mysql://x@h/db", "postgresql://x@h", "nonsense"])
def test_unusable_database_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="database_url"):
        Settings(database_url=url)


def test_settings_come_from_chuishao_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHUISHAO_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("CHUISHAO_POOL_SIZE", "3")
    settings = Settings()
    assert settings.database_url is not None
    assert (settings.database_url.get_secret_value(), settings.pool_size) == (
        "postgresql://u@h/db",
        3,
    )


def test_demo_jurisdiction_loads_with_nested_grids() -> None:
    j = load_jurisdiction()
    assert j.placement("jintai").community_id == "yuehe"
    assert j.grid_depth("chengshi-huating-shangye") == 2
    assert {"jianshe-police", "yljw-property"} <= set(j.units)


def test_malformed_jurisdiction_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[[streets]]\nid = "s"\nname = "S"\n', encoding="utf-8")
    with pytest.raises(InvalidValue):
        load_jurisdiction(path)
    with pytest.raises(InvalidValue):
        load_jurisdiction(tmp_path / "missing.toml")
