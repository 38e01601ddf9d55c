"""What an event recorded, in one line of Chinese: for the terminal's timeline and the
console's case page alike."""

from __future__ import annotations

from typing import Any

from application.views import EventRecord
from domain.evidence import EvidenceKind
from domain.jurisdiction import Jurisdiction
from domain.notices import NOTICE_LABELS
from domain.times import beijing_readable
from domain.values import (
    Assessment,
    Level,
    NeedKind,
    NoteKind,
    PartyKind,
    ReturnReason,
    Satisfaction,
    Solved,
    fen_to_yuan_text,
)


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
        case "CommunityServiceRecorded":
            who = unit_name(j, d["unit_id"]) if d["claimant_kind"] == "unit" else "在职党员"
            hours = f"{d['minutes'] / 60:.1f}".rstrip("0").rstrip(".")
            return (
                f"[{NeedKind(d['kind']).label}] {d['title']}：{who}服务 {hours} 小时，"
                f"社区评价{Assessment(d['assessment']).label}：{d['result']}"
            )
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
    return describe_order_step(record.type, d, j) or str(d)


def describe_order_step(kind: str, d: dict[str, Any], j: Jurisdiction) -> str | None:
    """The 12345 work-order events in one line (None: not one of them)."""
    match kind:
        case "WorkOrderReceived":
            grid = j.grids.get(d["grid_id"])
            street = j.streets.get(d["street_id"])
            where = (
                grid.name if grid else f"{street.name if street else d['street_id']}（待定位网格）"
            )
            return (
                f"工单 {d['order_id']} 派单于 {beijing_readable(d['dispatched_at'])}，"
                f"{where}，{d['place_text']}：{d['title']}（办结时限 {beijing_readable(d['resolution_due'])}）"
            )
        case "WorkOrderAccepted":
            clock = "自派单起算" if d["from_dispatch"] else "自签收起算"
            grid = j.grids.get(d["grid_id"])
            return (
                f"工单 {d['order_id']} 签收，{grid.name if grid else d['grid_id']}；"
                f"办结时限 {beijing_readable(d['resolution_due'])}（{clock}）"
            )
        case "WorkOrderReturned":
            return (
                f"工单 {d['order_id']} 退单：{ReturnReason(d['reason']).label} {d['note']}".rstrip()
            )
        case "WorkOrderReturnDecided":
            verdict = (
                "同意退单，工单移出本辖区"
                if d["accepted"]
                else "不予退单，工单退回街道，时限自派单起算"
            )
            return f"平台审定：{verdict} {d['comment']}".rstrip()
        case "ExtensionRequested":
            return (
                f"申请延期至 {beijing_readable(d['requested_due'])}"
                f"（原时限 {beijing_readable(d['current_due'])}）：{d['reason']}"
            )
        case "ExtensionDecided":
            if d["approved"]:
                verdict = (
                    f"同意延期，办结时限 {beijing_readable(d['original_due'])} → "
                    f"{beijing_readable(d['resolution_due'])}"
                )
            else:
                verdict = f"不同意延期，办结时限仍为 {beijing_readable(d['resolution_due'])}"
            return f"{verdict} {d['comment']}".rstrip()
        case "WorkOrderSupervised":
            return f"工单 {d['order_id']} 督办：{d['note']}"
        case "FeedbackSent":
            return f"第{d['round']}轮办结情况已反馈平台：{d['resolution']}"
    return None
