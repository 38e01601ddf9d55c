"""`chuishao verify --views`: the ledger views checked against the event log, in Chinese."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from domain.values import Labelled, Level, Satisfaction, Solved, Status
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from projections.audit import ViewDifference, ViewReport, audit_views

VIEW_LABELS = {
    "ledger_cases": "案件台账",
    "ledger_summons": "吹哨报到记录",
    "ledger_pledges": "认捐记录",
    "ledger_case_units": "案件涉及单位",
    "ledger_counts_street": "街道月度统计",
    "ledger_counts_street_category": "街道分类月度统计",
    "ledger_counts_grid": "网格月度统计",
    "ledger_counts_grid_category": "网格分类月度统计",
}

LABELLED: dict[str, type[Labelled]] = {
    "status": Status,
    "level": Level,
    "resolved_level": Level,
    "solved": Solved,
    "satisfaction": Satisfaction,
}


def verify_views(console: Console, settings: Settings) -> bool:
    """Check the ledger views, print every difference; True if there is none."""
    with build_container(settings, signing=False) as c:  # reads only: no private key
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("核对统计视图", total=None)
            report = audit_views(
                c.projector,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    for line in view_lines(report):
        console.print(line)
    return report.intact


def view_lines(report: ViewReport) -> list[str]:
    if report.intact:
        return [
            f"[green]统计视图与事件日志一致[/green]：{report.cases} 个案件、{report.rows} 行，"
            f"核对至日志位置 {report.position}。"
        ]
    shown = len(report.differences)
    more = f"，以下列出前 {shown} 处" if shown < report.total else ""
    lines = [
        f"[red]统计视图与事件日志不一致：{report.total} 处差异[/red]"
        f"（核对至日志位置 {report.position}{more}）："
    ]
    lines.extend(f"  {describe(d)}" for d in report.differences)
    return lines


def describe(d: ViewDifference) -> str:
    """One difference in a line: which view, which row, which column, stored against log."""
    where = f"{VIEW_LABELS.get(d.view, d.view)}（{d.view}）行 {d.key}"
    match d.problem:
        case "differs":
            return escape(
                f"{where} 列 {d.column}：视图中为 {_value(d.column, d.stored)}，"
                f"按事件日志应为 {_value(d.column, d.expected)}"
            )
        case "missing":
            return escape(f"{where}：视图中缺少此行（事件日志中有）")
        case "extra":
            return escape(f"{where}：视图中多出此行（事件日志中没有）")
        case _:
            return escape(f"{where}：事件无法折叠，未能核对（{d.expected}）")


def _value(column: str | None, value: Any) -> str:
    if value is None:
        return "空"
    if not isinstance(value, str):
        return str(value)
    kind = LABELLED.get(column or "")
    if kind is not None and value in kind._value2member_map_:
        return f"{value!r}（{kind(value).label}）"
    return repr(value)
