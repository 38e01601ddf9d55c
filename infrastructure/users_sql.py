"""Users and their token hashes in a SQL table (the application's UserDirectory).

Look-ups are served from a per-process cache (infrastructure/token_cache.py) checked
against a version counter that a trigger on the users table bumps in the transaction of
every change, whoever makes it (the service, the CLI, or an administrator's own SQL).
Look-ups run on the reader engine: on SQLite they never queue behind a writer.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from application.access import User, UserExists
from application.errors import StorageUnavailable
from domain.values import Role
from infrastructure.sql import AutocommitReads
from infrastructure.sql_types import UtcDateTime
from infrastructure.storage_errors import lost_connection
from infrastructure.token_cache import TokenCache

metadata = MetaData()
users = Table(
    "chuishao_users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)
# One row: bumped by a trigger in the transaction of every change to chuishao_users, so
# any process sees a change (a revocation above all) on its next look-up, whatever it has
# cached. The service's role only reads it and, through the trigger, updates it.
users_version = Table(
    "chuishao_users_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
BUMP = "chuishao_users_bump"  # the trigger (and on PostgreSQL its function)
_BUMP_SQL = "UPDATE {v} SET version = version + 1 WHERE id = 1"
# SQLite has row triggers only; PostgreSQL: one per statement, TRUNCATE included.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {BUMP}_{op.lower()} AFTER {op} ON {users.name} "
    f"BEGIN {_BUMP_SQL.format(v=users_version.name)}; END"
    for op in ("INSERT", "UPDATE", "DELETE")
]
# The names are qualified with the schema, so an administrator's session with another
# search_path still bumps the right row. Runs with the caller's rights (UPDATE granted).
_PG_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION {{s}}.{BUMP}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + _BUMP_SQL.format(v="{s}." + users_version.name)
    + "; RETURN NULL; END $$"
)
_PG_TRIGGER = (
    f"CREATE TRIGGER {BUMP} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {{s}}.{users.name} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {{s}}.{BUMP}()"
)
_PG_LOCK = "SELECT pg_advisory_xact_lock(7223312)"  # processes starting together


def create_tables(engine: Engine) -> None:
    """Create the users tables, the version row and the bump trigger where missing (the
    table owner's work: the service at start in single-role mode, else `chuishao db
    setup`). Idempotent; nothing existing is replaced."""
    metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(_PG_LOCK))
        if conn.execute(select(users_version.c.id)).first() is None:
            conn.execute(users_version.insert().values(id=1, version=0))
        if conn.dialect.name == "sqlite":
            for statement in _SQLITE_TRIGGERS:
                conn.exec_driver_sql(statement)
            return
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        present = conn.execute(
            text(
                "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND c.relname = :t AND t.tgname = :g"
            ),
            {"s": schema, "t": users.name, "g": BUMP},
        ).first()
        if present is None:
            quoted = conn.dialect.identifier_preparer.quote_schema(schema)
            conn.exec_driver_sql(_PG_FUNCTION.format(s=quoted))
            conn.exec_driver_sql(_PG_TRIGGER.format(s=quoted))


class SqlUserDirectory:
    """``reader`` serves the look-ups (the request path) and ``engine`` the changes;
    ``create=False`` when the service's role may run no DDL (role separation)."""

    def __init__(
        self,
        engine: Engine,
        cache: TokenCache | None = None,
        *,
        reader: Engine | None = None,
        create: bool = True,
    ) -> None:
        self.engine = engine
        self.reader = reader or engine
        # every request's look-up: one round trip per statement, no BEGIN/ROLLBACK
        self._look_ups = AutocommitReads()
        self.cache = cache or TokenCache()
        if create:
            create_tables(engine)

    def add(self, user: User, token_hash: str, created_at: datetime) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    users.insert().values(
                        user_id=user.user_id,
                        name=user.name,
                        role=user.role.value,
                        scopes=json.dumps(sorted(user.scopes)),
                        token_hash=token_hash,
                        created_at=created_at,
                        revoked=False,
                    )
                )
        except IntegrityError:
            raise UserExists(f"用户 {user.user_id} 已存在", f"user {user.user_id} exists") from None

    def by_token_hash(self, token_hash: str) -> User | None:
        """The user holding this token hash (revoked or not), or None.

        Every request starts here, so a connection found dead (the database restarted)
        is retried once: the failure has made the pool drop its old connections, and
        the retry, a read, gets a fresh one instead of answering 503."""
        try:
            return self._look_up(token_hash)
        except StorageUnavailable as e:
            if not lost_connection(e):
                raise
        return self._look_up(token_hash)

    def _look_up(self, token_hash: str) -> User | None:
        with self._look_ups.of(self.reader).connect() as conn:
            # The version first: the user row read after it is at least that new.
            version = conn.execute(
                select(users_version.c.version).where(users_version.c.id == 1)
            ).scalar_one_or_none()
            if version is not None and (cached := self.cache.get(token_hash, version)):
                return cached
            row = conn.execute(select(users).where(users.c.token_hash == token_hash)).first()
        if row is None:
            return None
        user = _user(row)
        if version is not None:
            self.cache.put(token_hash, user, version)
        return user

    def all(self) -> list[User]:
        with self.reader.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.created_at))]

    def reissue(self, user_id: str, token_hash: str) -> bool:
        """Give an existing user a new token (the old one stops working) and un-revoke them."""
        with self.engine.begin() as conn:
            result = conn.execute(
                users.update()
                .where(users.c.user_id == user_id)
                .values(token_hash=token_hash, revoked=False)
            )
        return result.rowcount > 0

    def rotate(self, user_id: str, token_hash: str) -> bool:
        """A new token for an active user; the old one stops working at once (and with it
        every console session opened with it). False if no such active user."""
        return self._set_token(user_id, token_hash, revoked=False)

    def enable(self, user_id: str, token_hash: str) -> bool:
        """Re-enable a revoked user with a new token. False if no such revoked user."""
        return self._set_token(user_id, token_hash, revoked=True)

    def _set_token(self, user_id: str, token_hash: str, *, revoked: bool) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                users.update()
                .where(users.c.user_id == user_id, users.c.revoked == revoked)
                .values(token_hash=token_hash, revoked=False)
            )
        return result.rowcount > 0

    def revoke(self, user_id: str) -> bool:
        # Revocation is a flag, not a delete: who held which role stays on record.
        with self.engine.begin() as conn:
            result = conn.execute(
                users.update().where(users.c.user_id == user_id).values(revoked=True)
            )
        return result.rowcount > 0


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        m["user_id"],
        m["name"],
        Role(m["role"]),
        frozenset(json.loads(m["scopes"])),
        bool(m["revoked"]),
    )
