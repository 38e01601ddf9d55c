"""Users and their token hashes in a SQL table (the application's UserDirectory)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, Column, Engine, MetaData, String, Table, Text, select
from sqlalchemy.exc import IntegrityError

from application.access import User, UserExists
from domain.values import Role
from infrastructure.sql_types import UtcDateTime

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


class SqlUserDirectory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

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
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.token_hash == token_hash)).first()
        return _user(row) if row is not None else None

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
