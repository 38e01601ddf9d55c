"""Rich renderings of cases and histories in Chinese, for people reading a terminal."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table

from application.log_audit import LogReport
from application.signed_log import LogVerifyReport
from application.views import CaseSnapshot, EventRecord, VerifyReport
from domain.events import EVENT_LABELS
from domain.jurisdiction import Jurisdiction
from domain.times import beijing_readable
from domain.values import (
    Status,
    fen_to_yuan_text,
)
from interfaces.event_text import describe
from interfaces.web.people import role_label

_LABELS = EVENT_LABELS | {"InvalidEvent": "无效事件"}


def local(at: datetime | None) -> str:
    return beijing_readable(at)


def timeline(records: list[EventRecord], j: Jurisdiction, title: str) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    for heading in ("版本", "时间", "事件", "操作人", "内容", "哈希"):
        table.add_column(heading, overflow="fold")
    for r in records:
        actor = f"{r.actor_id}（{role_label(r.actor_role)}）" if not r.invalid else "—"
        table.add_row(
            str(r.version),
            local(r.at),
            _LABELS.get(r.type, r.type),
            actor,
            describe(r, j),
            r.hash[:12],
        )
    return table


def case_summary(cases: list[CaseSnapshot], j: Jurisdiction) -> Table:
    table = Table(title="案件汇总")
    for heading in (
        "案件编号",
        "标题",
        "社区 / 网格",
        "状态",
        "解决层级",
        "吹哨",
        "认领资金",
        "回访",
    ):
        table.add_column(heading, overflow="fold")
    for c in cases:
        ev = c.evaluations[-1] if c.evaluations else None
        table.add_row(
            str(c.case_id)[:8],
            c.title,
            f"{j.communities[c.community_id].name} / {j.grids[c.grid_id].name}"
            if c.grid_id
            else "待定位网格",
            c.status.label,
            c.resolution.level.label if c.resolution else "—",
            str(len(c.whistles)),
            fen_to_yuan_text(c.pledged_fen) if c.pledges else "—",
            f"{ev.solved.label}·{ev.satisfaction.label}" if ev else "—",
        )
    return table


def verify_lines(report: VerifyReport, now: datetime | None = None) -> list[str]:
    lines = []
    if not report.problems:
        lines.append(
            f"[green]哈希链完整[/green]：{report.cases} 个案件，{report.events} 条事件，"
            "逐案哈希链与事件内容全部校验通过。"
        )
    else:
        lines.append(
            f"[red]发现 {len(report.problems)} 个案件的问题[/red]"
            f"（共 {report.cases} 个案件，{report.events} 条事件）："
        )
        for p in report.problems:
            lines.append(
                f"  案件 {p.case_id} 第 {p.version} 条事件（{_LABELS.get(p.event_type, p.event_type)}，"
                f"日志位置 {p.position}）：{p.problem}"
            )
    if report.log is not None:
        lines.extend(log_lines(report.log, now or report.checked_at))
    return lines


def signed_log_lines(report: LogVerifyReport, now: datetime | None = None) -> list[str]:
    """Another signed log than the cases' (the 双报到 roster's): its label, each
    aggregate's chain, then its signatures as ``log_lines``."""
    lines = [f"【{report.label}】"]
    if not report.problems:
        lines.append(
            f"[green]哈希链完整[/green]：{report.aggregates} 个对象，{report.events} 条事件。"
        )
    else:
        lines.append(f"[red]发现 {len(report.problems)} 个对象的问题[/red]：")
        for p in report.problems:
            lines.append(
                f"  [red]{report.label} 对象 {p.case_id} 第 {p.version} 条事件（{p.event_type}，"
                f"日志位置 {p.position}）：{p.problem}[/red]"
            )
    if report.log is not None:
        for line in log_lines(report.log, now or report.checked_at):
            lines.append(line.replace("日志位置", f"{report.label}位置"))
    return lines


_TRUST = {
    "pinned": "以审计方提供的公钥为准",
    "keyring": "以本机密钥环中的公钥为准",
    "first-key": "[yellow]未提供公钥：以日志第一条签名的密钥为准（首次信任）[/yellow]",
}


def log_lines(log: LogReport, now: datetime | None) -> list[str]:
    """The whole-log check: signatures, coverage, the newest checkpoint's age."""
    state = (
        "[green]签名完整[/green]"
        if log.intact
        else f"[red]签名校验发现 {len(log.problems)} 个问题[/red]"
    )
    lines = [
        f"{state}：{log.signatures} 条签名记录，签名覆盖至日志位置 {log.signed_position}；"
        f"密钥 {'、'.join(log.keys) or '无'}；{_TRUST.get(log.trust, log.trust)}。"
    ]
    if log.adopted_position:
        lines.append(
            f"  位置 {log.adopted_position} 及以前的事件在首次签名时一并确认（首次信任）。"
        )
    cp = log.newest_checkpoint
    if cp is None:
        lines.append("  尚无检查点。")
    else:
        age = log.checkpoint_age(now) if now else None
        lines.append(
            f"  最新检查点：第 {cp.seq} 条，日志位置 {cp.position}，签于 {cp.signed_at}"
            + (f"（{_age(age)}前）" if age is not None else "")
            + "。其后被整体截去的最新事件只有对照外部保存的锚点才能发现。"
        )
    if log.anchor:
        lines.append(f"  外部锚点：{_ANCHOR.get(log.anchor, log.anchor)}")
    for p in log.problems:
        where = f"日志位置 {p.position}" if p.position else ""
        seq = f"签名记录 {p.seq}" if p.seq else ""
        lines.append(f"  [red]{'，'.join(x for x in (where, seq) if x)}：{p.problem_zh}[/red]")
    return lines


_ANCHOR = {
    "ok": "[green]日志延续锚点，一致[/green]",
    "cut": "[red]日志短于锚点：事件被截断[/red]",
    "differs": "[red]日志与锚点不符[/red]",
    "row-missing": "[red]锚点对应的签名记录缺失或被改动[/red]",
    "invalid": "[red]锚点签名无效[/red]",
    "untrusted": "[red]锚点由不受信任的密钥签名[/red]",
}


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} 秒"
    if seconds < 7200:
        return f"{int(seconds // 60)} 分钟"
    if seconds < 172800:
        return f"{int(seconds // 3600)} 小时"
    return f"{int(seconds // 86400)} 天"


__all__ = [
    "Status",
    "case_summary",
    "describe",
    "timeline",
    "verify_lines",
    "signed_log_lines",
    "local",
]
