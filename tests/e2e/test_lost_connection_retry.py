"""No ping before every checkout: PostgreSQL dropping the pool's connections (a restart)
costs the user look-up one retry, not the request a 503."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from application.access import hash_token
from application.errors import StorageUnavailable
from domain.values import Role
from infrastructure.settings import Settings
from infrastructure.storage_errors import ConnectionLost
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from tests.support.backends import require_postgres


def _pool_pids(engine: object) -> list[int]:
    pool = engine.pool  # type: ignore[attr-defined]
    conns = [engine.connect() for _ in range(max(pool.checkedin(), 1))]  # type: ignore[attr-defined]
    pids = [int(c.execute(text("select pg_backend_pid()")).scalar_one()) for c in conns]
    for c in conns:
        c.close()
    return pids


def _terminate(settings: Settings, pids: list[int]) -> None:
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        for pid in pids:
            conn.execute("select pg_terminate_backend(%s)", (pid,))


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_lookup_after_the_servers_connections_died_retries_once(settings: Settings) -> None:
    require_postgres()
    with build_container(settings, signing=False) as c:
        token = add_user(c, "admin", "admin", Role.ADMIN, [])
        assert c.users.by_token_hash(hash_token(token)) is not None
        pids = _pool_pids(c.users.reader)
        _terminate(settings, pids)
        user = c.users.by_token_hash(hash_token(token))  # a dead connection, then a new one
        assert user is not None and user.user_id == "admin"
        assert not set(_pool_pids(c.users.reader)) & set(pids)
        # Other stores still say 503 once for a dead connection (no ping), never a 500:
        _terminate(settings, _pool_pids(c.engine))
        try:
            c.idempotency.get("admin", "k")
        except StorageUnavailable as e:
            assert isinstance(e, ConnectionLost)
        c.idempotency.get("admin", "k")  # and the pool has healed
