"""`chuishao notify …`: run a round of notifications, list dead letters, replay them."""

from __future__ import annotations

import typer
from rich.table import Table

from application.notifications import KIND_LABELS, STATUS_LABELS
from domain.errors import ChuishaoError
from domain.times import beijing_readable
from interfaces.bootstrap import build_container
from interfaces.cli.context import settings_of

app = typer.Typer(help="Notifications 通知（webhook）", no_args_is_help=True)


@app.command("run-once")
def run_once(
    ctx: typer.Context,
    scan: bool = typer.Option(True, help="also record the deadline notices now due"),
) -> None:
    """One round: record due deadline notices, write new deliveries, send what is due."""
    from interfaces.cli import console

    with build_container(settings_of(ctx)) as c:
        done = c.notifier.run_once(scan=scan)
    console.print(
        f"期限提醒 {done.notices} 条；读取事件 {done.projected} 条；"
        f"送达 {done.sent}，待重试 {done.failed}，转入死信 {done.dead}"
    )


@app.command("list")
def listed(
    ctx: typer.Context,
    status: str = typer.Option("dead", help="pending, sent or dead"),
    limit: int = typer.Option(100),
) -> None:
    """Deliveries newest first (default: dead letters, 死信)."""
    from interfaces.cli import console

    if status not in STATUS_LABELS:
        console.print(f"[red]状态须为 {'、'.join(STATUS_LABELS)}[/red]")
        raise typer.Exit(2)
    with build_container(settings_of(ctx), signing=False) as c:
        rows = c.notifier.store.listed(status, limit)
        counts = c.notifier.store.counts()
    summary = "，".join(f"{STATUS_LABELS[k]} {counts.get(k, 0)}" for k in STATUS_LABELS)
    table = Table(title=f"通知投递（{STATUS_LABELS[status]}）— {summary}")
    for heading in ("投递编号", "类型", "接收方", "尝试", "时间", "最近错误"):
        table.add_column(heading, overflow="fold")
    for r in rows:
        table.add_row(
            r.delivery_id,
            KIND_LABELS.get(r.kind, r.kind),
            r.endpoint_id,
            str(r.attempts),
            beijing_readable(r.dead_at or r.sent_at or r.created_at),
            r.last_error or "",
        )
    console.print(table)


@app.command("replay")
def replay(ctx: typer.Context, delivery_id: str) -> None:
    """Send a dead letter again (same delivery id; the receiver drops a repeat)."""
    from interfaces.cli import console

    with build_container(settings_of(ctx), signing=False) as c:
        try:
            row = c.notifier.store.replay(delivery_id, c.service.clock())
        except ChuishaoError as e:
            console.print(f"[red]{e.zh}[/red]")
            raise typer.Exit(1) from None
    console.print(f"已重新排队投递 {row.delivery_id}（第 {row.replays} 次重发）")
