"""``chuishao keys`` and ``chuishao checkpoint``: the key that signs the log, and anchors
to keep outside the system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from application.log_chain import LogSignature, key_id_of
from application.signed_log import CASES, CASES_LABEL, ROSTER, ROSTER_LABEL, checkpoints_of_logs
from infrastructure.backup import FORMAT as BACKUP_FORMAT
from infrastructure.db_roles import role_separation
from infrastructure.signing_keys import (
    KeyFileError,
    check_signature,
    commit_new_key,
    discard_staged,
    key_file,
    keyring,
    keyring_dir,
    load_signer,
    public_pem,
    read_public_key,
    stage_new_key,
)
from interfaces.bootstrap import build_case_service, build_roster_service
from interfaces.cli.context import settings_of

keys = typer.Typer(help="日志签名密钥：查看、导出公钥、轮换", no_args_is_help=True)
checkpoints = typer.Typer(help="签名检查点：列出、导出锚点", no_args_is_help=True)
console = Console(width=150)


@keys.command("show")
def show(ctx: typer.Context) -> None:
    """The signing key's id and file, and the public keys kept for verifying."""
    settings = settings_of(ctx)
    path = key_file(settings)
    try:
        signer = load_signer(path)
        console.print(f"签名密钥 {signer.key_id}：{path}")
    except KeyFileError:
        console.print(f"[yellow]尚无签名密钥：{path}（首次启动服务时生成）[/yellow]")
    console.print(f"公钥环 {keyring_dir(settings)}：{'、'.join(keyring(settings)) or '空'}")


@keys.command("public")
def public(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option(help="write the PEM here instead of printing it")
    ] = None,
) -> None:
    """Print (or write) the current public key as PEM: give it to auditors."""
    try:
        signer = load_signer(key_file(settings_of(ctx)))
    except KeyFileError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    pem = public_pem(signer.public_key)
    if out is None:
        typer.echo(pem, nl=False)
    else:
        out.write_text(pem)
        console.print(f"公钥 {signer.key_id} 已写入 {out}")


@keys.command("rotate")
def rotate(
    ctx: typer.Context,
    without_endorsement: Annotated[
        bool,
        typer.Option(
            "--without-endorsement",
            help="the old key is lost: the new key takes over unendorsed (auditors must get it)",
        ),
    ] = False,
) -> None:
    """Replace the signing key. The old key endorses the new one in the log; its public
    half stays in the keyring so what it signed stays verifiable."""
    settings = settings_of(ctx)
    path = key_file(settings)
    old = None
    if not without_endorsement:
        try:
            old = load_signer(path)
        except KeyFileError as e:
            console.print(f"[red]{e}[/red]；若旧密钥已丢失，请加 --without-endorsement")
            raise typer.Exit(1) from None
    staged = stage_new_key(settings)
    try:
        with build_case_service(settings, signing=False) as service:
            # The roster log is signed with the same key: it hands over too (a log not yet
            # signed is adopted with the new key at the next start). Built before the case
            # service holds the new key, so it does not check the log against it.
            roster = build_roster_service(settings, service, separated=role_separation(settings))
            try:
                service.signer = staged
                row = service.rotate_key(staged, endorser=old)
                assert roster.signed_log is not None
                if roster.signed_log.signatures.last() is not None:
                    roster.signed_log.rotate_key(staged, endorser=old)
            finally:
                roster.close()
    except BaseException:
        discard_staged(staged)
        raise
    commit_new_key(settings, staged)
    how = f"由旧密钥 {old.key_id} 背书" if old else "[yellow]无旧密钥背书[/yellow]"
    console.print(
        f"已轮换签名密钥：新密钥 {staged.key_id}（{how}，签名记录第 {row.seq} 条）。"
        f"新公钥请交给审计方：chuishao keys public"
    )


@checkpoints.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option(help="write the anchor here instead of printing it")
    ] = None,
    roster: Annotated[
        bool, typer.Option("--roster", help="of the 双报到 roster log instead of the cases'")
    ] = False,
) -> None:
    """Write a signed checkpoint now and print it as a self-contained JSON anchor, to keep
    outside the system (a ticket, a notary, a printed register). ``--roster``: of the
    双报到 roster log (`verify --roster-anchor` takes it)."""
    settings = settings_of(ctx)
    with build_case_service(settings) as service:
        if roster:
            log = build_roster_service(settings, service, separated=role_separation(settings))
            try:
                assert log.signed_log is not None
                row = log.signed_log.checkpoint()
            finally:
                log.close()
        else:
            row = service.checkpoint()
    # ``log`` says which log it anchors (from_anchor ignores it; read_anchor checks it).
    whose = (
        {"log": ROSTER, "log_label": ROSTER_LABEL}
        if roster
        else {"log": CASES, "log_label": CASES_LABEL}
    )
    text = json.dumps({**row.as_anchor(), **whose}, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n")
        console.print(f"锚点（检查点第 {row.seq} 条，日志位置 {row.position}）已写入 {out}")


@checkpoints.command("list")
def list_checkpoints(ctx: typer.Context) -> None:
    """Every checkpoint, adoption and key rotation of both logs: the case log's, then the
    双报到 roster log's (each newest first; 日志 says whose)."""
    settings = settings_of(ctx)
    with build_case_service(settings, signing=False) as service:
        roster = build_roster_service(settings, service, separated=role_separation(settings))
        try:
            assert roster.signed_log is not None  # the composition root wires it
            listed = checkpoints_of_logs(service.checkpoints(), [roster.signed_log])
        finally:
            roster.close()
    table = Table(title="签名检查点（案件日志、双报到名册日志）")
    for heading in ("日志", "序号", "类型", "日志位置", "签于", "密钥", "链头"):
        table.add_column(heading, no_wrap=True)
    for cp in listed:
        r = cp.row
        table.add_row(
            cp.label,
            str(r.seq),
            _KIND.get(r.kind, r.kind),
            str(r.position),
            r.signed_at,
            r.key_id,
            r.head[:16],
        )
    console.print(table)


_KIND = {"checkpoint": "检查点", "adopt": "首次签名", "rotate": "密钥轮换", "batch": "提交"}


def read_trusted(files: list[Path]) -> dict[str, str]:
    """Public keys an auditor brings (PEM files), by key id."""
    found = {}
    for f in files:
        try:
            public_key = read_public_key(f)
        except (KeyFileError, OSError) as e:
            console.print(f"[red]无法读取公钥 {f}：{e}[/red]")
            raise typer.Exit(2) from None
        found[key_id_of(public_key)] = public_key
    return found


def read_anchor(path: Path, log: str = CASES) -> LogSignature:
    """An anchor of ``log`` (CASES or ROSTER): an exported or listed checkpoint, or a
    backup's manifest (its signed row of that log). One marked for the other log is
    refused by name rather than failing later as a head that does not match."""
    try:
        data = json.loads(path.read_text())
        if isinstance(data, dict) and data.get("format") == BACKUP_FORMAT:
            # A backup's manifest: its newest signed row of that log.
            data = data["roster"]["checkpoint"] if log == ROSTER else data["checkpoint"]
        whose = data.get("log", log) if isinstance(data, dict) else log
        if whose != log:
            option = "--roster-anchor" if whose == ROSTER else "--anchor"
            console.print(f"[red]锚点 {path} 属于{_LABEL.get(whose, whose)}，请用 {option}[/red]")
            raise typer.Exit(2)
        anchor = LogSignature.from_anchor(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        console.print(f"[red]无法读取锚点 {path}：{e}[/red]")
        raise typer.Exit(2) from None
    if not check_signature(anchor.public_key, anchor.message(), anchor.signature):
        console.print(f"[yellow]锚点 {path} 的签名无效[/yellow]")
    return anchor


_LABEL = {CASES: CASES_LABEL, ROSTER: ROSTER_LABEL}
