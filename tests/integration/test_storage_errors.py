"""Adapters translate their drivers' errors: a database that cannot be reached is the
project's StorageUnavailable (the driver's error kept as its cause), whichever store
asked and on either backend; a refusal that is not an outage passes unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine

from application.access import User, UserExists
from application.errors import StorageUnavailable
from domain.values import Role
from infrastructure.idempotency_sql import SqlIdempotencyStore
from infrastructure.sessions_sql import SqlSessionStore
from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from infrastructure.users_sql import SqlUserDirectory
from projections.dashboards import Dashboards
from projections.queries import CaseFilter, LedgerQueries, Scope
from tests.unreachable import BACKENDS, unreachable_engine

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def down(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = unreachable_engine(request.param, tmp_path)
    yield engine
    engine.dispose()


STORES: dict[str, Callable[[Engine], Any]] = {
    "users": lambda e: SqlUserDirectory(e),
    "console sessions": lambda e: SqlSessionStore(e),
    "idempotency keys": lambda e: SqlIdempotencyStore(
        e, ttl=timedelta(hours=1), clock=lambda: NOW
    ).get("u", "k"),
    "ledger queries": lambda e: LedgerQueries(e).list_cases(
        CaseFilter(), Scope(everything=True), limit=10, offset=0
    ),
    "dashboards": lambda e: Dashboards(e).horizon(),
}


@pytest.mark.parametrize("store", STORES)
def test_a_store_on_an_unreachable_database_raises_storage_unavailable(
    down: Engine, store: str
) -> None:
    with pytest.raises(StorageUnavailable) as raised:
        STORES[store](down)
    # the driver's own error stays as the cause, for the log
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError | psycopg.OperationalError)
    assert raised.value.code == "storage_unavailable"


def test_a_duplicate_user_is_still_refused_as_such_not_as_an_outage(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        users = SqlUserDirectory(engine)
        user = User("wang", "王", Role.ADMIN, frozenset())
        users.add(user, "a" * 64, NOW)
        with pytest.raises(UserExists):
            users.add(user, "b" * 64, NOW)
    finally:
        engine.dispose()
