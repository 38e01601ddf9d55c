"""The ``chuishao`` command line: demo, history, verify, users, projections, db."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from application.errors import CaseNotFound
from application.signed_log import ROSTER
from domain.errors import ChuishaoError
from domain.values import Actor, Role
from infrastructure.db_roles import role_separation
from infrastructure.settings import Settings
from interfaces.bootstrap import (
    Container,
    build_case_service,
    build_container,
    build_roster_service,
)
from interfaces.cli import audit, backup, db, federation, notify, projections, signing, users
from interfaces.cli import workers as workers_cli
from interfaces.cli.audit import check_operator
from interfaces.cli.context import settings_of
from interfaces.cli.render import case_summary, signed_log_lines, timeline, verify_lines
from interfaces.cli.views import verify_views
from interfaces.demo import ScriptedClock, play, t
from interfaces.demo_roster import fire_lane_steps, yuehe_patrols

app = typer.Typer(help="chuishao：街乡吹哨、部门报到 案件办理", no_args_is_help=True)
app.add_typer(users.app, name="users")
app.add_typer(projections.app, name="projections")
app.add_typer(signing.keys, name="keys")
app.add_typer(signing.checkpoints, name="checkpoint")
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(notify.app, name="notify")
app.add_typer(workers_cli.app, name="worker")
app.command("project")(projections.project)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("export-rollups")(federation.export_rollups)
app.command("import-rollups")(federation.import_rollups)
app.command("province")(federation.province)
_probe = Console()
# Piped output (CI logs, files) gets a wide fixed width so Chinese tables stay readable.
console = _probe if _probe.is_terminal else Console(width=150)


@app.callback()
def read_settings(ctx: typer.Context) -> None:
    # Once per run, before any command: a bad setting stops the run here, named.
    settings_of(ctx)


@app.command()
def demo(
    ctx: typer.Context,
    histories: bool = typer.Option(True, help="Print each case's full history."),
) -> None:
    """Play the seeds' five real cases through the case service and print them."""
    clock = ScriptedClock()
    with build_container(settings_of(ctx), clock=clock) as container:
        service = container.service
        members: dict[str, UUID] = {}
        steps = fire_lane_steps(container.roster, t, members)
        played = play(service, clock, {"fire-lane": steps})
        if "yuehe" in members:  # the roster was played now, with the fire-lane case
            yuehe_patrols(container.roster, clock, t, members["yuehe"])
        for scenario, now in played:
            state = "已录入" if now else "已存在，跳过"
            console.print(f"{scenario.title}：{state}（{scenario.case_id}）")
        view = container.roster_view.refresh()
        confirmed = sum(n.state == "confirmed" for n in view.needs.values())
        console.print(
            f"双报到：{len(view.seats)} 个共驻共建理事会席位，{len(view.members)} 名在职党员，"
            f"{len(view.needs)} 项需求（已确认 {confirmed} 项）；GET /needs、/members、/roster-measures"
        )
        cases = [service.get_case(s.case_id) for s, _ in played]
        console.print(case_summary(cases, service.jurisdiction))
        if histories:
            for scenario, _ in played:
                console.print(
                    timeline(
                        service.history(scenario.case_id),
                        service.jurisdiction,
                        f"{scenario.title}（{scenario.case_id}）",
                    )
                )
        checkpoint = service.checkpoint()
        console.print(
            f"已写入签名检查点：第 {checkpoint.seq} 条，日志位置 {checkpoint.position}"
            f"（密钥 {checkpoint.key_id}；导出锚点：chuishao checkpoint export）"
        )
        console.print("【案件日志】")
        for line in verify_lines(service.verify()):
            console.print(line)
        if container.roster.signed_log is not None:
            container.roster.signed_log.checkpoint()
            for line in signed_log_lines(container.roster.signed_log.verify()):
                console.print(line)
        container.projector.catch_up()
        tokens = users.issue_demo_tokens(container)
    table = Table(title="演示账号令牌（每次运行 demo 重新签发）")
    for heading in ("用户", "角色", "令牌"):
        table.add_column(heading, no_wrap=True)
    for user_id, role, token in tokens:
        table.add_row(user_id, role.label, token)
    console.print(table)


@app.command()
def history(ctx: typer.Context, case_id: str) -> None:
    """Print a case's timeline: every event, who did it, when, and its hash."""
    uid = _case_id(case_id)
    with build_case_service(settings_of(ctx), signing=False) as service:
        try:
            records = service.history(uid)
        except CaseNotFound as e:
            console.print(f"[red]{e.zh}[/red]")
            raise typer.Exit(1) from None
        console.print(timeline(records, service.jurisdiction, f"案件 {uid}"))


@app.command()
def forget(
    ctx: typer.Context,
    case_id: str,
    operator: Annotated[
        str, typer.Option(help="who erases (a user id): recorded in the erasure event")
    ],
    reason: Annotated[str, typer.Option(help="why (kept for ever: no personal data)")],
) -> None:
    """Erase a resident's name and phone for a case (PIPL); the history stays verifiable.

    The contact's key is destroyed and a ResidentContactErased event records the
    operator, the reason and the time; auditors list erasures with `chuishao audit`."""
    uid = _case_id(case_id)
    check_operator(operator)
    with build_case_service(settings_of(ctx)) as service:
        try:
            erased = service.forget_resident(uid, actor=Actor(operator, Role.ADMIN), reason=reason)
        except CaseNotFound as e:
            console.print(f"[red]{e.zh}[/red]")
            raise typer.Exit(1) from None
    console.print("已删除该案件的居民姓名和电话。" if erased else "该案件没有可删除的居民信息。")


@app.command()
def seal(ctx: typer.Context) -> None:
    """Write a signed checkpoint of the whole log now (same as `checkpoint export`)."""
    signing.export(ctx, out=None)


@app.command()
def verify(
    ctx: typer.Context,
    public_key: Annotated[
        list[Path] | None,
        typer.Option(
            "--public-key",
            help="verify with these public keys only (PEM), as an auditor on their own machine",
        ),
    ] = None,
    anchor: Annotated[
        Path | None, typer.Option(help="a checkpoint anchor (JSON) kept outside the system")
    ] = None,
    roster_anchor: Annotated[
        Path | None,
        typer.Option(help="an anchor of the 双报到 roster log (`checkpoint export --roster`)"),
    ] = None,
    views: Annotated[
        bool, typer.Option("--views", help="also check the views against the log")
    ] = False,
) -> None:
    """Check every case's chain and events, and the whole log against its signatures
    (and with --views every view row against the log); exit 1 and name every problem.
    Needs no private key."""
    trusted = signing.read_trusted(public_key) if public_key else None
    anchor_row = signing.read_anchor(anchor) if anchor else None
    roster_anchor_row = signing.read_anchor(roster_anchor, ROSTER) if roster_anchor else None
    settings = settings_of(ctx)
    with (
        build_case_service(settings, signing=False) as service,
        Progress(console=console, transient=True) as bar,
    ):
        task = bar.add_task("校验哈希链与签名", total=None)
        report = service.verify(
            lambda done, total: bar.update(task, completed=done, total=total),
            trusted=trusted,
            anchor=anchor_row,
        )
        roster = build_roster_service(settings, service, separated=role_separation(settings))
        try:
            assert roster.signed_log is not None  # the composition root wires it
            roster_report = roster.signed_log.verify(trusted=trusted, anchor=roster_anchor_row)
        finally:
            roster.close()
    console.print("【案件日志】")
    for line in verify_lines(report):
        console.print(line)
    for line in signed_log_lines(roster_report):
        console.print(line)
    views_intact = verify_views(console, settings) if views else True
    if not report.intact or not roster_report.intact or not views_intact:
        raise typer.Exit(1)


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port"),
    projections: bool = typer.Option(
        True,
        help="run the projections in the server (use --no-projections with `chuishao project`)",
    ),
    notifications: bool = typer.Option(
        True, help="run the deadline timer and the webhook sender (CHUISHAO_NOTIFY=false: off)"
    ),
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="HTTP worker processes; above 1 (PostgreSQL only) the projector and the "
            "notifier run as supervised processes of their own",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API (embedded SQLite by default; PostgreSQL per CHUISHAO_DATABASE_URL)."""
    import uvicorn

    from interfaces import logs
    from interfaces.http.app import create_app

    settings = settings_of(ctx)
    if workers > 1:
        _serve_supervised(settings, host, port, workers, projections, notifications)
        return
    with build_container(settings) as container:
        console.print(
            f"chuishao 控制台：http://{host}:{port}/ui/  接口文档：http://{host}:{port}/docs"
        )
        _said_switched_off(container)
        app = create_app(
            container,
            run_projections=projections,
            run_notifications=notifications and container.settings.notify,
        )
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_config=logs.log_config(settings.log_level),
            access_log=False,  # ours: one JSON line per request with its id and route
        )


def _said_switched_off(container: Container) -> None:
    notifier = container.notifier
    if notifier.switched_off:  # said once here, not on every round
        names = "、".join(e.id for e in notifier.switched_off)
        console.print(f"通知：接收方 {names} 未启用（未设置其环境变量），不发送")


def _serve_supervised(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    projections: bool,
    notifications: bool,
) -> None:
    """The web workers, the projector and the notifier as supervised processes."""
    import os

    from infrastructure.metrics import MULTIPROC_DIR
    from interfaces import logs
    from interfaces.supervisor import CLI, Supervisor

    if settings.database_url is None:
        # SQLite has one writer and no cross-process commit signal: one process serves it.
        console.print(
            "[red]嵌入式 SQLite 存储只能由一个进程提供服务：--workers 须为 1；"
            "多进程请使用 PostgreSQL（CHUISHAO_DATABASE_URL）[/red]"
            "（--workers above 1 needs PostgreSQL: the embedded SQLite store is served by one process）"
        )
        raise typer.Exit(2)
    # Once, before any child: tables, migrations and the signing key are created here, not
    # raced by N workers starting at the same moment.
    with build_container(settings) as container:
        _said_switched_off(container)
        run_notifier = notifications and container.settings.notify
    env = dict(os.environ)
    env[MULTIPROC_DIR] = str(workers_cli.fresh_metrics_dir(settings, env.get(MULTIPROC_DIR)))
    children = [
        (
            "web",
            [*CLI, "worker", "web", "--host", host, "--port", str(port), "--workers", str(workers)],
        )
    ]
    if projections:
        children.append(("projector", [*CLI, "worker", "projector"]))
    if run_notifier:
        children.append(("notifier", [*CLI, "worker", "notifier"]))
    logs.configure(settings.log_level)
    console.print(
        f"chuishao 控制台：http://{host}:{port}/ui/（{workers} 个 HTTP 进程；"
        f"{'、'.join(name for name, _ in children)} 各自独立运行）"
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pid_file = settings.data_dir / "serve.pids"  # "name pid" of each running child
    raise typer.Exit(Supervisor(children, env, pid_file=pid_file).run())


def main() -> None:
    try:
        app()
    except ChuishaoError as e:
        console.print(f"[red]{e.zh}[/red]（{e.en}）")
        raise SystemExit(2) from None


def _case_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        console.print(f"[red]案件编号格式不正确：{text}[/red]")
        raise typer.Exit(2) from None
