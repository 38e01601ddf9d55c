"""Which PostgreSQL role the service runs as, and what that role may do to the log.

Two-role deployments (`chuishao db setup`, docs/reliability.md "PostgreSQL roles"): an
owner role owns the log's tables and their triggers; the service's role may only read
and append them, so it can neither drop nor disable the triggers nor change a row.
Single-role mode (the service's role owns everything: development, the demo, tests)
keeps creating its own tables at start; `role_separation` tells the two apart.
"""

from __future__ import annotations

from typing import Any

from domain.errors import ChuishaoError
from infrastructure.append_only import EVENTS_TABLE
from infrastructure.contact_rows import KEYS, SEALED
from infrastructure.event_store import event_store_env, postgres_connect
from infrastructure.log_signatures import TABLE as SIGNATURES_TABLE
from infrastructure.recorders import TABLE as IDEMPOTENCY_TABLE
from infrastructure.residents_sql import reads
from infrastructure.sessions_sql import failures, sessions
from infrastructure.settings import Settings
from infrastructure.users_sql import users, users_version

# The owner's tables beside the log and the rows the service changes in them (what the
# code does: users are added, re-issued and revoked; a resident's contact is erased, or
# removed when its report failed).
SERVICE_TABLES: dict[str, tuple[str, ...]] = {
    IDEMPOTENCY_TABLE: ("SELECT", "INSERT"),
    users.name: ("SELECT", "INSERT", "UPDATE"),
    # Bumped by the trigger on users, which runs with the changing role's rights.
    users_version.name: ("SELECT", "UPDATE"),
    KEYS: ("SELECT", "INSERT", "DELETE"),  # a contact's own key: deleted on erasure
    SEALED: ("SELECT", "INSERT", "DELETE"),  # its ciphertext
    reads.name: ("SELECT", "INSERT"),  # who read a contact: append-only
    sessions.name: ("SELECT", "INSERT", "UPDATE", "DELETE"),  # console sign-in, out, expiry
    failures.name: ("SELECT", "INSERT", "DELETE"),  # sign-in attempts, forgotten after a window
}
LOG_PRIVILEGES = ("SELECT", "INSERT")  # on every table of APPEND_ONLY_TABLES
# Tables the service cannot start without.
REQUIRED_TABLES = (EVENTS_TABLE, SIGNATURES_TABLE, *SERVICE_TABLES)


class DatabaseNotSetUp(ChuishaoError):
    """The service's role may not create the tables it lacks: the owner must set them up."""

    code = "database_not_set_up"

    def __init__(self, schema: str, missing: list[str]) -> None:
        names = ", ".join(missing)
        super().__init__(
            f"数据库模式 {schema} 尚未初始化（缺少 {names}），本服务的角色无权建表："
            "请先用所有者角色运行 `chuishao db setup`",
            f"schema {schema} is not set up (missing {names}) and the service's role may not "
            "create tables: run `chuishao db setup` with the owner role first",
        )


def schema_name(settings: Settings) -> str:
    return settings.database_schema.strip() or "public"


def role_separation(settings: Settings) -> bool:
    """Whether the service's role is kept from changing the log: True on PostgreSQL when it
    does not own the events table (after `chuishao db setup`); False on SQLite, where the
    file's owner can do anything, and in single-role mode."""
    if not settings.database_url:
        return False
    with postgres_connect(event_store_env(settings)) as conn:
        return _owned(conn, schema_name(settings)).get(EVENTS_TABLE) is False


def check_log_tables(settings: Settings) -> bool:
    """Before the service starts: return ``role_separation``, or raise ``DatabaseNotSetUp``
    when the service's role would have to create tables it may not create."""
    if not settings.database_url:
        return False
    schema = schema_name(settings)
    with postgres_connect(event_store_env(settings)) as conn:
        owned = _owned(conn, schema)
        if owned.get(EVENTS_TABLE) is False:
            missing = [t for t in REQUIRED_TABLES if t not in owned]
            if missing:
                raise DatabaseNotSetUp(schema, missing)
            return True
        if EVENTS_TABLE not in owned and not _may_create_in(conn, schema):
            raise DatabaseNotSetUp(schema, [t for t in REQUIRED_TABLES if t not in owned])
    return False


def _owned(conn: Any, schema: str) -> dict[str, bool]:
    """Each table of the schema, and whether the current role has its owner's rights."""
    rows = conn.execute(
        "SELECT c.relname, pg_has_role(current_user, c.relowner, 'USAGE') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    ).fetchall()
    return {name: bool(owner) for name, owner in rows}


def _may_create_in(conn: Any, schema: str) -> bool:
    row = conn.execute(
        "SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = %s",
        (schema,),
    ).fetchone()
    return bool(row and row[0])
