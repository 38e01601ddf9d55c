"""Who is calling is looked up on the reader engine: on SQLite a request's authentication
never queues behind a writer holding the write lock. The cached look-ups follow every
change to the users table, also one made straight in SQL (a trigger bumps the version),
and under role separation the service's role can change users but not the trigger."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest

from application.access import hash_token
from domain.values import Role
from infrastructure.event_store import SQLITE_FILE
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from tests.support.api import Api
from tests.support.backends import PG_URL, sqlite_only
from tests.support.console import sign_in
from tests.support.db_roles import TwoRoles, setup_ok, two_roles_fixture  # noqa: F401
from tests.support.raw_db import RawDb

GIVE_UP_SECONDS = 60  # only a guard against hanging: the answer is whether the lock was held


@sqlite_only  # PostgreSQL readers never wait for a writer's row locks anyway
def test_authentication_answers_while_another_connection_holds_the_write_lock(
    api: Api,
) -> None:
    sign_in(api, "auditor")  # a console session, looked up by cookie
    assert api.get("police", "/cases").status_code == 200  # police's look-up now cached
    held, release = threading.Event(), threading.Event()

    def hold_write_lock() -> None:
        conn = sqlite3.connect(api.container.settings.data_dir / SQLITE_FILE, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(GIVE_UP_SECONDS)
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    holder = threading.Thread(target=hold_write_lock, daemon=True)
    holder.start()
    assert held.wait(GIVE_UP_SECONDS)
    try:
        cached = api.get("police", "/cases")
        first_time = api.get("coordinator", "/cases")  # not looked up before: a cache miss
        by_cookie = api.client.get("/ledger.csv")
        wrong = api.client.get("/cases", headers={"Authorization": "Bearer cs_nope"})
        still_held = holder.is_alive() and not release.is_set()
    finally:
        release.set()
        holder.join(GIVE_UP_SECONDS)
    assert still_held, "the requests waited until the lock holder gave up"
    assert cached.status_code == 200 and first_time.status_code == 200
    assert by_cookie.status_code == 200, by_cookie.text[:200]
    assert wrong.status_code == 401


def test_a_change_made_straight_in_sql_is_seen_on_the_next_request(api: Api) -> None:
    assert api.get("police", "/cases").status_code == 200
    assert api.get("police", "/cases").status_code == 200  # served from the cache
    raw = RawDb(api.container.settings)
    users = "chuishao_users"
    if raw.is_postgres:  # the raw session's search_path is not the service's schema
        users = f'"{api.container.settings.database_schema}".{users}'
    raw.execute(f"UPDATE {users} SET revoked = %s WHERE user_id = %s", (True, "police"))
    assert api.get("police", "/cases").status_code == 401
    assert api.get("coordinator", "/cases").status_code == 200
    raw.execute(f"DELETE FROM {users} WHERE user_id = %s", ("coordinator",))
    assert api.get("coordinator", "/cases").status_code == 401


@pytest.mark.postgres
@pytest.mark.parametrize("former_single_role", [False, True])
def test_app_role_changes_users_seen_at_once_but_cannot_touch_the_bump_trigger(
    two_roles: TwoRoles, former_single_role: bool
) -> None:
    schema = two_roles.schema
    if former_single_role:  # the role once created (and owned) the tables and the trigger
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO "{two_roles.role}"')
        build_container(two_roles.settings, signing=False).close()
    setup_ok()
    with build_container(two_roles.settings, signing=False) as c:
        assert c.role_separation
        token = add_user(c, "clerk", "clerk", Role.AUDITOR, [])
        found = c.users.by_token_hash(hash_token(token))
        assert found is not None and not found.revoked
        assert c.users.by_token_hash(hash_token(token)) is found  # cached
        assert c.users.revoke("clerk")  # the trigger runs with the app role's rights
        found = c.users.by_token_hash(hash_token(token))
        assert found is not None and found.revoked
    with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
        for attack in (
            f'DROP TRIGGER chuishao_users_bump ON "{schema}".chuishao_users',
            f'ALTER TABLE "{schema}".chuishao_users DISABLE TRIGGER chuishao_users_bump',
            f'CREATE OR REPLACE FUNCTION "{schema}".chuishao_users_bump() RETURNS trigger '
            "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            f'DELETE FROM "{schema}".chuishao_users_version',
            f'DROP TABLE "{schema}".chuishao_users_version',
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attack)
