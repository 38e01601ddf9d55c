"""CHUISHAO_READ_DATABASE_URLS: hot standbys for reads, checked like the primary's URL and
never shown."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrastructure.settings import Settings, settings_errors

SECRET = "s3cret-pw"


def test_urls_are_separated_by_spaces_or_newlines(monkeypatch: pytest.MonkeyPatch) -> None:
    first = f"postgresql://app:{SECRET}@standby-1:5432/cases"
    second = "postgresql://app@standby-2/cases"
    monkeypatch.setenv("CHUISHAO_READ_DATABASE_URLS", f" {first}\n  {second} ")
    monkeypatch.setenv("CHUISHAO_READ_MAX_LAG_SECONDS", "2.5")
    settings = Settings()
    assert [u.get_secret_value() for u in settings.read_database_urls] == [first, second]
    assert settings.read_max_lag_seconds == 2.5
    assert SECRET not in repr(settings)


def test_none_by_default_and_an_empty_variable_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().read_database_urls == []
    monkeypatch.setenv("CHUISHAO_READ_DATABASE_URLS", "  ")
    assert Settings().read_database_urls == []


@pytest.mark.parametrize(
    "value",
    [
        f"postgresql://app:{SECRET}@standby/cases mysql://app:{SECRET}@h/db",
        f"postgresql://app:{SECRET}@standby",  # no database name
        f"postgresql://app:{SECRET}@standby/cases,postgresql://app@other/cases",
        f"sqlite:///{SECRET}.db",
    ],
)
def test_a_bad_standby_url_is_refused_naming_the_variable_not_the_password(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CHUISHAO_READ_DATABASE_URLS", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    lines = settings_errors(refused.value)
    assert lines and all(line.startswith("CHUISHAO_READ_DATABASE_URLS: ") for line in lines)
    assert SECRET not in str(refused.value) and SECRET not in " ".join(lines)


@pytest.mark.parametrize("value", ["-1", "soon", "nan"])
def test_a_bad_lag_bound_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CHUISHAO_READ_MAX_LAG_SECONDS", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert settings_errors(refused.value)[0].startswith("CHUISHAO_READ_MAX_LAG_SECONDS: ")
