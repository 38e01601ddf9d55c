"""Users and their token hashes in a SQL table (the application's UserDirectory).

Look-ups are served from a per-process cache (infrastructure/token_cache.py) checked
against a version counter that every change here bumps in its own transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.exc import IntegrityError

from application.access import User, UserExists
from application.errors import StorageUnavailable
from domain.values import Role
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
# One row: bumped in the transaction of every change to chuishao_users, so any process
# sees a change (a revocation above all) on its next look-up, whatever it has cached.
users_version = Table(
    "chuishao_users_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)


class SqlUserDirectory:
    def __init__(self, engine: Engine, cache: TokenCache | None = None) -> None:
        self.engine = engine
        self.cache = cache or TokenCache()
        metadata.create_all(engine)
        try:
            with engine.begin() as conn:
                if conn.execute(select(users_version.c.id)).first() is None:
                    conn.execute(users_version.insert().values(id=1, version=0))
        except IntegrityError:
            pass  # another process made the row first

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
                _bump(conn)
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.created_at))]

    def reissue(self, user_id: str, token_hash: str) -> bool:
        """Give an existing user a new token (the old one stops working) and un-revoke them."""
        with self.engine.begin() as conn:
            result = conn.execute(
                users.update()
                .where(users.c.user_id == user_id)
                .values(token_hash=token_hash, revoked=False)
            )
            _bump(conn)
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
            _bump(conn)
        return result.rowcount > 0

    def revoke(self, user_id: str) -> bool:
        # Revocation is a flag, not a delete: who held which role stays on record.
        with self.engine.begin() as conn:
            result = conn.execute(
                users.update().where(users.c.user_id == user_id).values(revoked=True)
            )
            _bump(conn)
        return result.rowcount > 0


def _bump(conn: Connection) -> None:
    conn.execute(
        users_version.update()
        .where(users_version.c.id == 1)
        .values(version=users_version.c.version + 1)
    )


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        m["user_id"],
        m["name"],
        Role(m["role"]),
        frozenset(json.loads(m["scopes"])),
        bool(m["revoked"]),
    )
