"""`chuishao audit …`: what auditors list about personal data: erasures, contact reads."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from application.residents import Erasure
from domain.errors import InvalidValue
from interfaces.bootstrap import build_case_service
from interfaces.cli.context import settings_of
from interfaces.cli.render import local

app = typer.Typer(help="Audit of personal data 个人信息审计", no_args_is_help=True)
console = Console(width=150)


def check_operator(operator: str) -> str:
    """An operator is named like a user id: the erasure event names them for ever."""
    if (
        not operator
        or len(operator) > 64
        or not operator.replace("-", "").replace("_", "").isalnum()
    ):
        raise InvalidValue(
            "操作人须为1到64位字母、数字、-或_", "operator: 1-64 letters, digits, - or _"
        )
    return operator


@app.command()
def erasures(
    ctx: typer.Context,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="print JSON (as GET /audit/erasures): the register `restore --erasures` reads",
        ),
    ] = False,
) -> None:
    """Every erasure of a resident's contact: case, operator, role, reason, time."""
    with build_case_service(settings_of(ctx)) as service:
        rows = service.erasures()
    if as_json:
        typer.echo(json.dumps([_plain(e) for e in rows], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"居民信息删除记录（{len(rows)} 条）")
    for heading in ("时间", "案件", "操作人", "角色", "理由"):
        table.add_column(heading)
    for e in rows:
        table.add_row(local(e.erased_at), str(e.case_id), e.operator_id, e.operator_role, e.reason)
    console.print(table)


@app.command("contact-reads")
def contact_reads(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(help="only this case")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Who read which case's resident contact, and when (newest first)."""
    try:
        case_id = UUID(case) if case else None
    except ValueError:
        raise InvalidValue(f"案件编号格式不正确：{case}", f"not a case id: {case}") from None
    with build_case_service(settings_of(ctx)) as service:
        rows = service.contact_reads(case_id, limit=limit)
    table = Table(title=f"居民信息查阅记录（{len(rows)} 条）")
    for heading in ("时间", "案件", "查阅人", "角色"):
        table.add_column(heading)
    for r in rows:
        table.add_row(local(r.read_at), str(r.case_id), r.reader_id, r.reader_role)
    console.print(table)


def _plain(e: Erasure) -> dict[str, Any]:
    return {k: str(v) if not isinstance(v, int) else v for k, v in asdict(e).items()} | {
        "erased_at": e.erased_at.isoformat()
    }
