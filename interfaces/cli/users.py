"""`chuishao users …`: add users (prints a token once), list, revoke, rotate and re-enable
them. A new token is printed once; the old one stops working at once, console sessions too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from application.access import User, check_scopes, hash_token, new_token
from domain.errors import InvalidValue
from domain.rules import check_text
from domain.values import Role
from interfaces.bootstrap import Container, build_container
from interfaces.cli.context import settings_of

app = typer.Typer(help="Users and bearer tokens 用户与令牌", no_args_is_help=True)


def add_user(c: Container, user_id: str, name: str, role: Role, scopes: list[str]) -> str:
    """Create a user and return their token; only its hash is stored."""
    if not user_id or len(user_id) > 64 or not user_id.replace("-", "").replace("_", "").isalnum():
        raise InvalidValue(
            "用户编号须为1到64位字母、数字、-或_", "user id: 1-64 letters, digits, - or _"
        )
    name = check_text(
        name, field="name", field_zh="姓名", max_len=200, required=False, multiline=False
    )
    user = User(user_id, name or user_id, role, check_scopes(role, scopes, c.service.jurisdiction))
    token = new_token()
    c.users.add(user, hash_token(token), c.service.clock())
    return token


def issue_demo_tokens(c: Container) -> list[tuple[str, Role, str]]:
    """Fresh tokens for the demo users (created on first run, re-issued after)."""
    from interfaces.demo import DEMO_USERS

    out = []
    for user_id, name, role, scopes in DEMO_USERS:
        token = new_token()
        if not c.users.reissue(user_id, hash_token(token)):
            token = add_user(c, user_id, name, role, scopes)
        out.append((user_id, role, token))
    return out


@app.command("add")
def add(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="login id, e.g. gl-huating")],
    role: Annotated[
        Role,
        typer.Option(
            help="grid_lead | coordinator | liaison | auditor | admin | portal (居民端)"
            " | platform (12345平台)"
        ),
    ],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="grid:<id>, community:<id>, street:<id> or unit:<id>; repeatable"),
    ] = None,
    name: Annotated[str, typer.Option(help="display name")] = "",
) -> None:
    """Add a user and print their bearer token (shown once, stored only as a hash)."""
    from interfaces.cli import console

    with build_container(settings_of(ctx), signing=False) as c:
        token = add_user(c, user_id, name, role, scope or [])
    console.print(f"已创建用户 {user_id}（{role.label}）。令牌只显示这一次，请妥善保存：")
    console.print(token, markup=False, highlight=False)


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List users, their roles and scopes."""
    from interfaces.cli import console

    with build_container(settings_of(ctx), signing=False) as c:
        users = c.users.all()
    table = Table(title="用户")
    for heading in ("编号", "姓名", "角色", "范围", "状态"):
        table.add_column(heading)
    for u in users:
        table.add_row(
            u.user_id,
            u.name,
            u.role.label,
            ", ".join(sorted(u.scopes)) or "全部",
            "已吊销" if u.revoked else "有效",
        )
    console.print(table)


@app.command("revoke")
def revoke(ctx: typer.Context, user_id: str) -> None:
    """Revoke a user's token at once."""
    from interfaces.cli import console

    with build_container(settings_of(ctx), signing=False) as c:
        found = c.users.revoke(user_id)
    if not found:
        console.print(f"[red]用户 {user_id} 不存在[/red]")
        raise typer.Exit(1)
    console.print(f"已吊销 {user_id} 的令牌。")


@app.command("rotate")
def rotate(ctx: typer.Context, user_id: str) -> None:
    """Issue a new token for an active user; the old token stops working at once."""
    _reissue(
        ctx,
        user_id,
        lambda c, hashed: c.users.rotate(user_id, hashed),
        f"用户 {user_id} 不存在或已吊销（重新启用请用 users enable）",
        f"已为 {user_id} 签发新令牌，旧令牌及其控制台会话立即失效。令牌只显示这一次：",
    )


@app.command("enable")
def enable(ctx: typer.Context, user_id: str) -> None:
    """Re-enable a revoked user with a new token (the revoked one stays dead)."""
    _reissue(
        ctx,
        user_id,
        lambda c, hashed: c.users.enable(user_id, hashed),
        f"用户 {user_id} 不存在或未被吊销（换发令牌请用 users rotate）",
        f"已重新启用 {user_id} 并签发新令牌。令牌只显示这一次：",
    )


def _reissue(
    ctx: typer.Context,
    user_id: str,
    store: Callable[[Container, str], bool],
    missing: str,
    done: str,
) -> None:
    """A new token, stored hashed, printed once."""
    from interfaces.cli import console

    token = new_token()
    with build_container(settings_of(ctx), signing=False) as c:
        found = store(c, hash_token(token))
    if not found:
        console.print(f"[red]{missing}[/red]")
        raise typer.Exit(1)
    console.print(done)
    console.print(token, markup=False, highlight=False)
