"""What an event recorded, in one line of Chinese: for the terminal's timeline and the
console's case page alike."""

from __future__ import annotations

from typing import Any

from application.views import EventRecord
from domain.evidence import EvidenceKind
from domain.jurisdiction import Jurisdiction
from domain.notices import NOTICE_LABELS
from domain.times import beijing_readable
from domain.values import Level, NoteKind, PartyKind, Satisfaction, Solved, fen_to_yuan_text


def unit_name(j: Jurisdiction, unit_id: str | None) -> str:
    if unit_id is None:
        return ""
    unit = j.units.get(unit_id)
    return unit.name if unit else unit_id


def notice_text(d: dict[str, Any], j: Jurisdiction) -> str:
    """A deadline notice in one line: which deadline, and whose."""
    label = NOTICE_LABELS.get(d["kind"], d["kind"])
    deadline = beijing_readable(d["deadline"])
    if d.get("unit_id"):
        return f"{label}：{d['whistle_id']} {unit_name(j, d['unit_id'])} 报到时限 {deadline}"
    return f"{label}：办结时限 {deadline}"


def describe(record: EventRecord, j: Jurisdiction) -> str:
    """One line in Chinese saying what the event recorded."""
    d: dict[str, Any] = record.data
    if record.invalid:
        return f"[无效事件，未计入案件] {record.invalid}"
    match record.type:
        case "CaseReported":
            grid = j.grids.get(d["grid_id"])
            category = j.categories.get(d["category_id"])
            where = d.get("location")
            at = f"，坐标 {where['lat']}, {where['long']}（{where['datum']}）" if where else ""
            return (
                f"{d['title']}（{grid.name if grid else d['grid_id']}{at}，"
                f"{category.name if category else d['category_id']}，办结时限 {beijing_readable(d['resolution_due'])}）"
            )
        case "ProgressNoted":
            return f"[{NoteKind(d['kind']).label}] {d['text']}"
        case "CaseEscalated":
            return f"{Level(d['from_level']).label} → {Level(d['to_level']).label}：{d['reason']}"
        case "WhistleBlown":
            units = "、".join(unit_name(j, u) for u in d["unit_ids"])
            return (
                f"{d['whistle_id']} {Level(d['level']).label}吹哨，召集 {units}，"
                f"报到时限 {beijing_readable(d['report_in_deadline'])}：{d['reason']}"
            )
        case "UnitReportedIn":
            late = "（迟到）" if d["late"] else "（按时）"
            return f"{d['whistle_id']} {unit_name(j, d['unit_id'])} 报到{late} {d['note']}".rstrip()
        case "FundingPledged":
            return (
                f"{d['party_name']}（{PartyKind(d['party_kind']).label}）认领 "
                f"{fen_to_yuan_text(d['amount_fen'])} {d['purpose']}".rstrip()
            )
        case "CaseResolved":
            text = f"第{d['round']}轮在{Level(d['level']).label}层级解决：{d['summary']}"
            unanswered = "；".join(
                f"{u['whistle_id']} {unit_name(j, u['unit_id'])}：{u['note']}"
                for u in d.get("unanswered", [])
            )
            return f"{text}（未报到 — {unanswered}）" if unanswered else text
        case "CaseEvaluated":
            return (
                f"第{d['round']}轮回访：{Solved(d['solved']).label}，"
                f"{Satisfaction(d['satisfaction']).label} {d['comment']}".rstrip()
            )
        case "UnitEvaluated":
            return f"{d['whistle_id']} {unit_name(j, d['unit_id'])} 得分 {d['score']} {d['comment']}".rstrip()
        case "CaseReopened":
            return f"进入第{d['round']}轮：{d['reason']}"
        case "CaseClosed":
            return str(d["remark"] or "办结")
        case "CaseWithdrawn":
            return str(d["reason"])
        case "ResidentContactErased":
            return f"居民姓名和电话已删除：{d['reason']}"
        case "EvidenceAttached":
            return (
                f"{EvidenceKind(d['kind']).label}佐证「{d['name']}」（{d['media_type']}，"
                f"{d['size']} 字节）附于第 {d['step']} 版，sha256 {d['sha256']}"
            )
        case "DeadlineNoticeRecorded":
            return notice_text(d, j)
        case "CaseMarkedDuplicate":
            return f"与案件 {d['original_case_id']} 重复 {d['reason']}".rstrip()
        case "CaseMergedInto":
            return (
                f"合并到案件 {d['original_case_id']}，由原案件统一办理和反馈 {d['reason']}".rstrip()
            )
        case "CallersMerged":
            ids = "、".join(d["case_ids"])
            also = (
                f"（连同此前并入它们的 {len(d['also_case_ids'])} 件）" if d["also_case_ids"] else ""
            )
            n = len(d["case_ids"]) + len(d["also_case_ids"])
            return f"合并来电 {n} 件：{ids}{also}，来电人同享本案办理结果 {d['reason']}".rstrip()
    return str(d)
