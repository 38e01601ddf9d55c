"""`chuishao project` (the projection worker) and `chuishao projections …` (rebuild, status)."""

from __future__ import annotations

import signal
import threading

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from interfaces.bootstrap import build_container
from interfaces.cli.context import settings_of
from projections.rebuild_partitions import rebuild_views

app = typer.Typer(help="Read models 统计视图", no_args_is_help=True)


def _console() -> Console:
    from interfaces.cli import console

    return console


@app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="processes folding the ledger, each a slice of cases"
    ),
) -> None:
    """Rebuild every view from the event log into fresh tables, then swap them in at once:
    readers keep the old views until then (the log is never touched)."""
    console = _console()
    with build_container(settings_of(ctx), signing=False) as c:
        head = c.projector.head()
        columns = (
            TextColumn("重建统计视图"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("rebuild", total=head * len(c.projector.projections) or None)
            applied = rebuild_views(c.projector, lambda n: bar.advance(task, n), workers=workers)
        console.print(f"已重建：{applied} 条事件，视图位置 {c.projector.positions()}")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Each view's position in the event log and how far behind it is."""
    console = _console()
    with build_container(settings_of(ctx), signing=False) as c:
        head = c.projector.head()
        table = Table(title=f"统计视图（日志末尾 {head}）")
        for heading in ("视图", "位置", "落后"):
            table.add_column(heading)
        for name, position in c.projector.positions().items():
            table.add_row(name, str(position), str(head - position))
    console.print(table)


def project(ctx: typer.Context) -> None:
    """Run the projections as a worker until interrupted (for PostgreSQL deployments)."""
    console = _console()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with build_container(settings_of(ctx), signing=False) as c:
        c.projector.start()
        console.print("统计视图同步中（Ctrl-C 退出）")
        try:
            while not stop.wait(10):
                head = c.projector.head()
                lags = {n: head - p for n, p in c.projector.positions().items()}
                console.print(f"日志末尾 {head}，落后 {lags}")
        except KeyboardInterrupt:
            pass
