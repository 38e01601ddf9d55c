"""`chuishao backup` and `chuishao restore` (docs/reliability.md, "Backup and restore").

Restore never swaps in a log it has not verified: the backup's files are re-hashed, the copy
is staged beside the live database, its hash chains and signatures are checked against the
manifest's signed rows (the case log's and the 双报到 roster log's, each with its head), and
only then does it replace the live one. Erasures of residents'
contacts recorded in the replaced database after the backup was taken are applied again
(with a new ResidentContactErased event each), so a restore never silently brings back
personal data a resident had erased.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID

from application.errors import CaseNotFound
from application.log_chain import LogSignature
from application.residents import Erasure
from application.service import CaseService
from application.signed_log import LogVerifyReport
from domain.errors import ChuishaoError
from domain.values import Actor, Role
from infrastructure.backup import (
    BackupRefused,
    Manifest,
    RestoreTarget,
    check_backup,
    take_backup,
)
from infrastructure.backup_heads import LogHead
from infrastructure.db_roles import role_separation
from infrastructure.settings import Settings
from infrastructure.signing_keys import KeyFileError, key_file, keyring, load_signer
from interfaces.bootstrap import build_case_service, build_roster_service
from interfaces.cli.audit import check_operator
from interfaces.cli.context import settings_of
from interfaces.cli.render import local, signed_log_lines, verify_lines

console = Console(width=150)
_STEPS = {
    "copy": "复制数据库",
    "files": "复制证据文件",
    "hash": "计算 SHA-256",
    "restore": "导入数据库",
}


def _bar(bar: Progress) -> Callable[[str, int, int], None]:
    tasks: dict[str, TaskID] = {}

    def progress(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(_STEPS.get(step, step), total=total or None)
        bar.update(tasks[step], completed=done, total=total or None)

    return progress


def backup(
    ctx: typer.Context,
    to: Annotated[Path, typer.Option("--to", help="a new (or empty) directory for the backup")],
) -> None:
    """Back up the database (SQLite: online backup API; PostgreSQL: pg_dump -Fc of the
    schema), the evidence files, and a manifest (head, signed checkpoint, SHA-256s).
    Safe while the service runs. Keys and the server secret are NOT included: back up
    the config directory separately."""
    settings = settings_of(ctx)
    try:
        signer = load_signer(key_file(settings))
    except KeyFileError:
        signer = None  # run away from the key: the manifest goes unsigned (restore warns)
    try:
        with Progress(console=console, transient=True) as bar:
            manifest = take_backup(settings, to, _bar(bar), signer=signer)
    except BackupRefused as e:
        _refuse(e)
    signed = manifest.checkpoint
    console.print(
        f"已备份到 {to}：日志位置 {manifest.head_position}，"
        f"{len(manifest.files)} 个文件（清单 manifest.json）"
    )
    if signed:
        console.print(
            f"最新签名记录：第 {signed['seq']} 条（日志位置 {signed['position']}，密钥 {signed['key_id']}）"
        )
    else:
        console.print("[yellow]日志尚无签名记录：恢复后只能校验哈希链[/yellow]")
    roster = manifest.roster_head
    if roster is not None and roster.checkpoint:
        console.print(
            f"双报到名册日志：位置 {roster.position}，最新签名记录第 {roster.checkpoint['seq']} 条"
        )
    if not manifest.signature:
        console.print("[yellow]未找到签名密钥：备份清单未签名（恢复时会提示）[/yellow]")
    if manifest.evidence != "included":
        console.print(
            "[yellow]证据文件在对象存储中，未包含在备份内：请使用存储自身的版本与复制功能[/yellow]"
        )
    console.print("提醒：签名密钥与服务器密钥（配置目录）不在备份中，请另行备份、分开保管。")


def restore(
    ctx: typer.Context,
    from_: Annotated[Path, typer.Option("--from", help="a directory written by `chuishao backup`")],
    force: Annotated[
        bool, typer.Option("--force", help="replace a database that already holds a log")
    ] = False,
    erasures: Annotated[
        Path | None,
        typer.Option(
            "--erasures",
            help="an erasure register kept outside (chuishao audit erasures --json, or "
            "GET /audit/erasures): each erasure is applied again",
        ),
    ] = None,
) -> None:
    """Restore a backup (stop the service first). Refuses a backup whose files do not match
    its manifest, a log that does not verify against its signed checkpoint, and a target
    that holds a log unless --force. Erasures the replaced database recorded are re-applied."""
    settings = settings_of(ctx)
    target = RestoreTarget(settings)
    try:
        if not keyring(settings):
            raise BackupRefused(
                "本机没有签名公钥环，无法校验备份：请先恢复配置目录（签名密钥与 keyring）",
                "no public keyring here to verify the backup with: restore the config "
                "directory (signing key and keyring) first",
            )
        with Progress(console=console, transient=True) as bar:
            manifest = check_backup(from_, keyring(settings), _bar(bar))
        if not manifest.signature:
            console.print(
                "[bold yellow]备份清单未签名：其中的日志位置与检查点只有哈希保护，"
                "请另用外部锚点校验：chuishao verify --anchor（案件日志）、--roster-anchor（双报到名册日志）[/bold yellow]"
            )
        occupied = target.occupied()
        if occupied and not force:
            raise BackupRefused(
                "目标数据库已有数据：确认要覆盖请加 --force",
                "the target already holds a log: add --force to replace it",
            )
        erased_before = _erasures(settings) if occupied else []
        if erasures is not None:
            erased_before += read_register(erasures)
        with Progress(console=console, transient=True) as bar:
            staged = target.stage(from_, manifest, _bar(bar))
    except BackupRefused as e:
        _refuse(e)
    try:
        intact = _verify(staged, manifest)
    except BaseException:
        target.discard()
        raise
    if not intact:
        target.discard()
        console.print(
            "[bold red]恢复被拒绝：备份中的日志未通过校验（见上），现有数据库未改动。[/bold red]"
        )
        console.print(
            "restore refused: the backup's log does not verify; nothing was replaced", markup=False
        )
        raise typer.Exit(1)
    target.swap()
    console.print(
        f"[green]已恢复[/green]：日志位置 {manifest.head_position}（备份于 {local_text(manifest.created_at)}）"
    )
    _reapply_erasures(settings, erased_before, manifest, known=occupied or erasures is not None)


def local_text(iso: str) -> str:
    try:
        return local(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _refuse(e: BackupRefused) -> None:
    console.print(f"[bold red]{escape(e.zh)}[/bold red]")
    console.print(e.en, markup=False, highlight=False)
    raise typer.Exit(1)


def _erasures(settings: Settings) -> list[Erasure]:
    try:
        with build_case_service(settings, signing=False) as service:
            return service.erasures()
    except ChuishaoError as e:
        console.print(f"[yellow]无法读取现有数据库的删除记录：{escape(e.zh)}[/yellow]")
        return []


def _verify(staged: Settings, manifest: Manifest) -> bool:
    """The staged copy's chains, events and signatures, and both logs' heads and signed
    rows in the manifest (a roster log cut or edited in the copy is refused by them)."""
    anchor = LogSignature.from_anchor(manifest.checkpoint) if manifest.checkpoint else None
    with (
        build_case_service(staged, signing=False) as service,
        Progress(console=console, transient=True) as bar,
    ):
        task = bar.add_task("校验恢复的日志", total=None)
        report = service.verify(
            lambda done, total: bar.update(task, completed=done, total=total), anchor=anchor
        )
        head = service.log_position()
        roster_report, roster_position = _verify_roster(staged, service, manifest.roster_head)
    console.print("【案件日志】")
    for line in verify_lines(report):
        console.print(line)
    for line in signed_log_lines(roster_report):
        console.print(line)
    heads_agree = True
    if head != manifest.head_position:
        console.print(f"[red]日志位置 {head} 与备份清单的 {manifest.head_position} 不符[/red]")
        heads_agree = False
    anchored = manifest.roster_head
    if anchored is None:
        console.print("[yellow]旧版备份清单未锚定双报到名册日志：只校验了其哈希链与签名[/yellow]")
    elif roster_position != anchored.position:
        console.print(
            f"[red]双报到名册日志位置 {roster_position} 与备份清单的 {anchored.position} 不符"
            "（事件被截断或增添）[/red]"
        )
        heads_agree = False
    return heads_agree and report.intact and roster_report.intact


def _verify_roster(
    staged: Settings, service: CaseService, anchored: LogHead | None
) -> tuple[LogVerifyReport, int]:
    """The 双报到 roster log's chains and signatures, against the manifest's signed row of
    it, and its head position."""
    anchor = None
    if anchored is not None and anchored.checkpoint:
        anchor = LogSignature.from_anchor(anchored.checkpoint)
    roster = build_roster_service(staged, service, separated=role_separation(staged))
    try:
        assert roster.signed_log is not None  # the composition root wires it
        return roster.signed_log.verify(anchor=anchor), roster.signed_log.log_position()
    finally:
        roster.close()


def _reapply_erasures(
    settings: Settings, before: list[Erasure], manifest: Manifest, *, known: bool
) -> None:
    """Erase again, with a new event naming the first erasure, every contact the replaced
    database had erased and the restored one still holds."""
    with build_case_service(settings, signing=False) as service:
        done = {e.case_id for e in service.erasures()}
    again = list({e.case_id: e for e in before if e.case_id not in done}.values())
    erased = _erase_again(settings, again) if again else 0
    if erased:
        console.print(
            f"[bold yellow]已重新执行 {erased} 条居民信息删除[/bold yellow]：备份取于这些删除之前，"
            "被替换的数据库或删除台账记录了它们（chuishao audit erasures 可查）。"
        )
    if not known:
        console.print(
            f"[bold yellow]注意：备份取于 {local_text(manifest.created_at)}。此后若执行过居民信息删除"
            "（chuishao forget），恢复的数据库不知道它们：请按删除台账重新执行 chuishao forget。[/bold yellow]"
        )


def _erase_again(settings: Settings, again: list[Erasure]) -> int:
    """How many contacts were erased again (a case reported after the backup is not in the
    restored log, nor its contact)."""
    erased = 0
    with build_case_service(settings) as service:
        for e in again:
            try:
                role = Role(e.operator_role)
            except ValueError:
                role = Role.ADMIN
            reason = f"恢复备份后重新执行删除（原删除于 {local(e.erased_at)}，理由：{e.reason}）"
            try:
                erased += service.forget_resident(
                    e.case_id, actor=Actor(e.operator_id, role), reason=reason[:1000]
                )
            except CaseNotFound:
                continue
        service.checkpoint()
    return erased


def read_register(path: Path) -> list[Erasure]:
    """An erasure register: the JSON list `chuishao audit erasures --json` prints."""
    try:
        rows = json.loads(path.read_text())
        return [
            Erasure(
                case_id=UUID(str(r["case_id"])),
                version=int(r.get("version", 0)),
                position=int(r.get("position", 0)),
                erased_at=datetime.fromisoformat(str(r["erased_at"])),
                operator_id=check_operator(str(r["operator_id"])),
                operator_role=str(r["operator_role"]),
                reason=str(r["reason"]),
            )
            for r in rows
        ]
    except (OSError, ValueError, TypeError, KeyError, AttributeError, ChuishaoError) as e:
        raise BackupRefused(
            f"无法读取删除台账 {path}：{e}", f"cannot read the erasure register {path}: {e}"
        ) from None
