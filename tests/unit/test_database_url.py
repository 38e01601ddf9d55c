"""The database URLs are checked when the settings are read, and never shown."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrastructure.settings import Settings, database_url, settings_errors

SECRET = "s3cret-pw"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:pw@db.example:6543/cases",
        "postgres://app@db.example/cases",
        "postgresql+psycopg://app@db.example/cases",
    ],
)
def test_postgresql_urls_are_accepted_as_written(url: str) -> None:
    settings = Settings(database_url=url, owner_database_url=url)
    assert settings.database_url is not None and settings.owner_database_url is not None
    assert settings.database_url.get_secret_value() == url
    assert settings.owner_database_url.get_secret_value() == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"mysql://app:{SECRET}@h/db", "scheme"),
        (f"postgresql://app:{SECRET}@h", "no database name"),
        (f"postgresql://app:{SECRET}@h:99999/db", "port"),
        ("nonsense", "scheme"),
    ],
)
def test_a_bad_owner_url_is_refused_naming_the_variable_not_the_password(
    url: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(owner_database_url=url)
    lines = settings_errors(refused.value)
    assert len(lines) == 1
    assert lines[0].startswith("CHUISHAO_OWNER_DATABASE_URL: ")
    assert problem in lines[0]
    assert SECRET not in str(refused.value)


def test_the_password_stays_out_of_the_settings_repr() -> None:
    settings = Settings(
        database_url=f"postgresql://app:{SECRET}@h/db",
        owner_database_url=f"postgresql://owner:{SECRET}@h/db",
    )
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.model_dump())


def test_a_url_given_on_the_command_line_is_checked_the_same_way() -> None:
    assert database_url("postgresql://o@h/db").get_secret_value() == "postgresql://o@h/db"
    with pytest.raises(ValidationError):
        database_url(f"postgresql://o:{SECRET}@h")


def test_other_bad_settings_are_named_by_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHUISHAO_POOL_SIZE", "many")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert [line.split(":")[0] for line in settings_errors(refused.value)] == ["CHUISHAO_POOL_SIZE"]
