"""Fixtures for the projection tests: a container on the parametrised backend, CLI env."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from tests.conftest import FakeClock


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    with build_container(settings, clock=clock) as c:
        yield c


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI (``Settings()`` from the environment) at the test's database."""
    monkeypatch.setenv("CHUISHAO_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("CHUISHAO_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("CHUISHAO_DATABASE_SCHEMA", settings.database_schema)
    else:
        monkeypatch.delenv("CHUISHAO_DATABASE_URL", raising=False)
        monkeypatch.delenv("CHUISHAO_DATABASE_SCHEMA", raising=False)
    return settings


def backend(settings: Settings) -> str:
    return "postgres" if settings.database_url else "sqlite"
