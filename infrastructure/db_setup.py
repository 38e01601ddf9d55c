"""`chuishao db setup`: the owner role creates the tables and the append-only triggers and
grants the service's role only what it needs (docs/reliability.md, "PostgreSQL roles").

The service's role then reads and appends the log but cannot change a row, nor drop or
disable a trigger, nor replace the function the triggers call: all of those need the
owner. It creates and owns its own view tables (rebuildable from the log). Running the
setup again re-applies everything; nothing is dropped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Identifier
from pydantic import SecretStr

from infrastructure import sessions_sql, users_sql
from infrastructure.append_only import (
    APPEND_ONLY_TABLES,
    EVENTS_TABLE,
    ROSTER_EVENTS_TABLE,
    install_postgres_guards,
)
from infrastructure.contact_cipher import ContactCipher
from infrastructure.db_ownership import SetupRefused, Step, check_roles, own_schema, take_over
from infrastructure.db_roles import LOG_PRIVILEGES, SERVICE_TABLES, schema_name
from infrastructure.event_store import event_store_env, postgres_connect
from infrastructure.residents_sql import SqlResidentRegistry
from infrastructure.server_secret import CONTACT_KEYS, derived_key, server_secret
from infrastructure.settings import Settings
from infrastructure.sql import make_engine

_FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def app_role_of(settings: Settings) -> str | None:
    """The user named in ``CHUISHAO_DATABASE_URL``: the role the service connects as."""
    if not settings.database_url:
        return None
    return unquote(urlsplit(settings.database_url.get_secret_value()).username or "") or None


def set_up(settings: Settings, owner_url: SecretStr, app_role: str) -> list[Step]:
    """Create the schema objects as the owner and grant ``app_role``; say what was done."""
    try:
        return _set_up(settings, owner_url, app_role)
    except psycopg.Error as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SetupRefused(
            f"数据库拒绝了初始化：{detail}", f"the database refused: {detail}"
        ) from e


def _set_up(settings: Settings, owner_url: SecretStr, app_role: str) -> list[Step]:
    owner = settings.model_copy(update={"database_url": owner_url})
    env = event_store_env(owner)
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        raise SetupRefused("角色分离只适用于 PostgreSQL", "role separation is for PostgreSQL only")
    schema = schema_name(settings)
    steps: list[Step] = []
    with postgres_connect(env) as conn, conn.transaction():
        owner_role = check_roles(conn, app_role)
        steps.append(own_schema(conn, schema, app_role))
        steps += take_over(conn, schema)
        # The ledger's keyword search indexes use pg_trgm; the service's role may not be
        # allowed to add an extension, so the owner does (in public, which every role uses).
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        before = _tables(conn, schema)
    _create_log_tables(env)
    engine = make_engine(owner)
    try:
        users_sql.create_tables(engine)  # with the version row and its bump trigger
        sessions_sql.metadata.create_all(engine)
        # The contact-read log and its guards; contacts an earlier release kept in plaintext
        # are encrypted and their table dropped (the service's role may not drop it).
        cipher = ContactCipher(derived_key(server_secret(settings), CONTACT_KEYS))
        SqlResidentRegistry(engine, cipher).migrate_plaintext()
    finally:
        engine.dispose()
    with postgres_connect(env) as conn, conn.transaction():
        present = _tables(conn, schema)
        wanted = [*APPEND_ONLY_TABLES, *SERVICE_TABLES]
        made = [t for t in wanted if t in present and t not in before]
        kept = [t for t in wanted if t in before]
        if made:
            steps.append(Step(f"已创建：{'、'.join(made)}", f"created: {', '.join(made)}"))
        if kept:
            steps.append(Step(f"已存在：{'、'.join(kept)}", f"already there: {', '.join(kept)}"))
        logs = [t for t in APPEND_ONLY_TABLES if t in present]
        with conn.cursor() as cursor:
            install_postgres_guards(cursor, schema, logs)
        steps.append(
            Step(
                f"只增触发器（拒绝 UPDATE/DELETE/TRUNCATE）已装在：{'、'.join(logs)}",
                f"append-only triggers (refuse UPDATE/DELETE/TRUNCATE) on: {', '.join(logs)}",
            )
        )
        absent = [t for t in APPEND_ONLY_TABLES if t not in present]
        if absent:
            steps.append(
                Step(
                    f"尚不存在，已跳过：{'、'.join(absent)}",
                    f"not there yet, skipped: {', '.join(absent)}",
                )
            )
        steps += _grant(conn, schema, app_role, logs)
        _check_grants(conn, schema, app_role, logs)
    steps.append(
        Step(
            f"校验通过：{app_role} 不是日志表的所有者，无 UPDATE/DELETE/TRUNCATE/TRIGGER 权限，"
            f"不能删除或停用触发器；表与触发器归 {owner_role} 所有",
            f"checked: {app_role} does not own the log tables, has no UPDATE/DELETE/TRUNCATE/"
            f"TRIGGER on them and cannot drop or disable their triggers; {owner_role} owns them",
        )
    )
    return steps


def _create_log_tables(env: dict[str, str]) -> None:
    """The library's own CREATE statements for the events table (and the idempotency keys
    our recorder adds to them), run as the owner."""
    name = EVENTS_TABLE.removesuffix("_events")  # the table prefix is the application's name
    factory = InfrastructureFactory.construct(Environment(name, {**env, "CREATE_TABLE": "y"}))
    try:
        factory.application_recorder()
    finally:
        factory.close()
    # The 双报到 roster's log, with its recorder (its own table name).
    roster = {
        **env,
        "CREATE_TABLE": "y",
        "APPLICATION_RECORDER_TOPIC": "infrastructure.roster_recorders:RosterPostgresRecorder",
    }
    factory = InfrastructureFactory.construct(
        Environment(ROSTER_EVENTS_TABLE.removesuffix("_events"), roster)
    )
    try:
        factory.application_recorder()
    finally:
        factory.close()


def _grant(conn: Any, schema: str, app_role: str, logs: list[str]) -> list[Step]:
    role = Identifier(app_role)
    conn.execute(SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(Identifier(schema), role))
    present = _tables(conn, schema)
    grants: dict[str, tuple[str, ...]] = dict.fromkeys(logs, LOG_PRIVILEGES)
    grants.update({t: p for t, p in SERVICE_TABLES.items() if t in present})
    for table, privileges in grants.items():
        target = SQL("{}.{}").format(Identifier(schema), Identifier(table))
        # Start from nothing, so a grant made by hand earlier does not survive.
        conn.execute(SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(target, role))
        conn.execute(SQL(f"GRANT {', '.join(privileges)} ON {{}} TO {{}}").format(target, role))
        for sequence in _sequences(conn, schema, table):
            seq = SQL("{}.{}").format(Identifier(schema), Identifier(sequence))
            conn.execute(SQL("REVOKE ALL ON SEQUENCE {} FROM PUBLIC, {}").format(seq, role))
            conn.execute(SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(seq, role))
    return [
        Step(
            f"已授权 {app_role}：日志表（{'、'.join(logs)}）仅 SELECT、INSERT",
            f"granted {app_role}: SELECT, INSERT only on the log ({', '.join(logs)})",
        ),
        *(
            Step(
                f"已授权 {app_role}：{t} {', '.join(p)}",
                f"granted {app_role}: {', '.join(p)} on {t}",
            )
            for t, p in SERVICE_TABLES.items()
        ),
        Step(
            f"已授权 {app_role}：模式 {schema} 的 USAGE、CREATE（视图表由服务角色自建自有）",
            f"granted {app_role}: USAGE, CREATE on schema {schema} (it builds and owns the views)",
        ),
    ]


def _check_grants(conn: Any, schema: str, app_role: str, logs: list[str]) -> None:
    for table in logs:
        row = conn.execute(
            "SELECT pg_has_role(%s, c.relowner, 'USAGE'), "
            + ", ".join(f"has_table_privilege(%s, c.oid, '{p}')" for p in _FORBIDDEN)
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s",
            (app_role, *[app_role] * len(_FORBIDDEN), schema, table),
        ).fetchone()
        if any(row):
            raise SetupRefused(
                f"{app_role} 仍能修改 {table}（可能经由其所属的角色）",
                f"{app_role} can still change {table} (perhaps through a role it belongs to)",
            )


def _tables(conn: Any, schema: str) -> set[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
    ).fetchall()
    return {r[0] for r in rows}


def _sequences(conn: Any, schema: str, table: str) -> list[str]:
    """The sequences behind a table's serial or identity columns."""
    rows = conn.execute(
        "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
        "AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE s.relkind = 'S' AND n.nspname = %s AND t.relname = %s",
        (schema, table),
    ).fetchall()
    return [r[0] for r in rows]
