"""Who owns what before `chuishao db setup` grants anything: the two roles must differ, and
the schema and the log's objects must belong to the owner, not to the service's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import SQL, Composable, Identifier

from domain.errors import ChuishaoError
from infrastructure.append_only import APPEND_ONLY_TABLES
from infrastructure.db_roles import SERVICE_TABLES
from infrastructure.users_sql import BUMP as USERS_BUMP

GUARD_FUNCTION = "chuishao_refuse_change"


@dataclass(frozen=True)
class Step:
    """One thing setup did, said for the operator in Chinese and English."""

    zh: str
    en: str


class SetupRefused(ChuishaoError):
    """Setup stopped before granting anything it could not make safe."""

    code = "setup_refused"


def check_roles(conn: Any, app_role: str) -> str:
    """The owner's name, once the service's role is known to be another, lesser role."""
    me, app = conn.execute(
        "SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = %s)", (app_role,)
    ).fetchone()
    if app is None:
        raise SetupRefused(
            f"角色 {app_role} 不存在，请先创建：CREATE ROLE {app_role} LOGIN PASSWORD '…'",
            f"role {app_role} does not exist; create it first: "
            f"CREATE ROLE {app_role} LOGIN PASSWORD '…'",
        )
    if app_role == me:
        raise SetupRefused(
            f"所有者角色与服务角色都是 {me}：请用另一个角色连接服务",
            f"the owner and the service role are both {me}: the service needs a role of its own",
        )
    inherits = conn.execute("SELECT pg_has_role(%s, current_user, 'USAGE')", (app_role,))
    if app or inherits.fetchone()[0]:
        raise SetupRefused(
            f"角色 {app_role} 是超级用户或拥有 {me} 的权限，无法限制它",
            f"role {app_role} is a superuser or holds {me}'s rights: it cannot be restrained",
        )
    return str(me)


def own_schema(conn: Any, schema: str, app_role: str) -> Step:
    # Only when missing: CREATE SCHEMA needs CREATE on the database even with IF NOT EXISTS.
    if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone():
        conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
    # The owner of a schema may drop any table in it: the service's role must not be one.
    owner, app_owns = conn.execute(
        "SELECT pg_get_userbyid(nspowner), pg_has_role(%s, nspowner, 'USAGE') "
        "FROM pg_namespace WHERE nspname = %s",
        (app_role, schema),
    ).fetchone()
    if app_owns:
        _alter(conn, SQL("ALTER SCHEMA {} OWNER TO CURRENT_USER").format(Identifier(schema)), owner)
        return Step(f"模式 {schema} 原属 {owner}，已改归所有者角色", f"schema {schema}: taken over")
    return Step(f"模式 {schema}：所有者 {owner}", f"schema {schema}: owned by {owner}")


def take_over(conn: Any, schema: str) -> list[Step]:
    """Objects of ours that another role created (e.g. a former single-role deployment)."""
    rows = conn.execute(
        "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) AND ("
        "(c.relkind IN ('r', 'p') AND c.relname = ANY(%s)) OR "
        "(c.relkind = 'c' AND c.relname LIKE 'stored\\_event\\_%%'))",
        (schema, [*APPEND_ONLY_TABLES, *SERVICE_TABLES]),
    ).fetchall()
    steps = []
    for name, kind, owner in rows:
        what = "TYPE" if kind == "c" else "TABLE"
        target = SQL("{}.{}").format(Identifier(schema), Identifier(name))
        _alter(conn, SQL(f"ALTER {what} {{}} OWNER TO CURRENT_USER").format(target), owner)
        steps.append(Step(f"{name} 原属 {owner}，已改归所有者角色", f"{name}: taken from {owner}"))
    # The append-only guard, and the trigger function bumping the users version: a role
    # owning either could replace it with one that does nothing.
    for proname in (GUARD_FUNCTION, USERS_BUMP):
        function = conn.execute(
            "SELECT pg_get_userbyid(p.proowner) FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.proname = %s AND p.proowner <> "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)",
            (schema, proname),
        ).fetchone()
        if function:
            name = SQL("{}.{}()").format(Identifier(schema), Identifier(proname))
            _alter(conn, SQL("ALTER FUNCTION {} OWNER TO CURRENT_USER").format(name), function[0])
            steps.append(Step(f"{proname} 原属 {function[0]}", f"{proname}: taken"))
    return steps


def _alter(conn: Any, statement: Composable, owner: str) -> None:
    try:
        with conn.transaction():
            conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        raise SetupRefused(
            f"对象属于角色 {owner}，所有者角色无权接管：请以超级用户运行，"
            f"或先执行 REASSIGN OWNED BY {owner} TO <所有者角色>",
            f"an object belongs to role {owner} and the owner role may not take it over: run "
            f"as a superuser, or first REASSIGN OWNED BY {owner} TO <owner role>",
        ) from None
