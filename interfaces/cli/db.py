"""`chuishao db setup`: tables and triggers created by an owner role, the service's role
granted only what it needs (docs/reliability.md, "PostgreSQL roles")."""

from __future__ import annotations

import typer
from pydantic import SecretStr, ValidationError
from rich.markup import escape

from domain.errors import ChuishaoError
from infrastructure.db_setup import app_role_of, set_up
from infrastructure.settings import database_url
from interfaces.cli.context import settings_of

app = typer.Typer(help="Database tables and roles 数据库表与角色", no_args_is_help=True)


@app.command()
def setup(
    ctx: typer.Context,
    owner_url: str | None = typer.Option(
        None,
        "--owner-url",
        help="the owner role's database URL (default: CHUISHAO_OWNER_DATABASE_URL)",
    ),
    app_role: str | None = typer.Option(
        None,
        "--app-role",
        help="the role the service connects as (default: the user in CHUISHAO_DATABASE_URL)",
    ),
) -> None:
    """As the owner role, create the tables and append-only triggers and grant the service's
    role only what it needs; running it again is harmless."""
    from interfaces.cli import console

    settings = settings_of(ctx)
    owner = _checked(owner_url) if owner_url else settings.owner_database_url
    role = app_role or app_role_of(settings)
    if not owner or not role:
        console.print(
            "[red]需要所有者角色的地址（--owner-url 或 CHUISHAO_OWNER_DATABASE_URL）和服务角色"
            "（--app-role 或 CHUISHAO_DATABASE_URL 中的用户）[/red]"
        )
        console.print(
            "needs the owner's URL (--owner-url or CHUISHAO_OWNER_DATABASE_URL) and the service's "
            "role (--app-role or the user in CHUISHAO_DATABASE_URL)",
            markup=False,
        )
        raise typer.Exit(2)
    try:
        steps = set_up(settings, owner, role)
    except ChuishaoError as e:
        console.print(f"[red]数据库初始化失败：{escape(e.zh)}[/red]")
        console.print(f"setup failed: {e.en}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    for step in steps:
        console.print(f"[green]✓[/green] {escape(step.zh)}")
        console.print(f"  [dim]{escape(step.en)}[/dim]", highlight=False)
    console.print(f"完成。服务请以 {role} 连接（CHUISHAO_DATABASE_URL）。")
    console.print(f"Done. Run the service as {role} (CHUISHAO_DATABASE_URL).", markup=False)


def _checked(owner_url: str) -> SecretStr:
    """``--owner-url`` checked as the settings check CHUISHAO_OWNER_DATABASE_URL."""
    from interfaces.cli import console

    try:
        return database_url(owner_url)
    except ValidationError as e:
        console.print(f"[red]所有者角色的地址有误：{escape(e.errors()[0]['msg'])}[/red]")
        console.print(f"invalid --owner-url: {e.errors()[0]['msg']}", markup=False)
        raise typer.Exit(2) from None
