"""One planned step of a seeded history, issued as the ``CaseService`` command it names.

Both mixes (``busy_district`` and ``edge_cases``) plan
steps as data (``Step(offset, op, args)``) and run them here; only their wording differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.service import CaseService
from application.views import WriteResult
from bench.histories.steps import PlannedCase, Step
from domain.values import Actor, PartyKind, Role, UnitKind

PARTIES = {
    PartyKind.GOVERNMENT: "政府补贴",
    PartyKind.PROPERTY_COMPANY: "物业公司出资",
    PartyKind.OWNERS_FUND: "两共基金（业主）",
    PartyKind.ENTERPRISE: "共建企业出资",
    PartyKind.OTHER: "居民自筹",
}


def pledging_units(by_kind: Mapping[UnitKind, list[str]], kind: PartyKind) -> list[str | None]:
    """The units that may pledge as a party of ``kind`` (None: a party that is no unit)."""
    options: dict[PartyKind, list[str | None]] = {
        PartyKind.GOVERNMENT: [*by_kind.get(UnitKind.DEPARTMENT, []), None],
        PartyKind.PROPERTY_COMPANY: list(by_kind.get(UnitKind.PROPERTY_COMPANY, [])),
        PartyKind.OWNERS_FUND: [*by_kind.get(UnitKind.OWNERS_COMMITTEE, []), None],
        PartyKind.ENTERPRISE: list(by_kind.get(UnitKind.ENTERPRISE, [])),
        PartyKind.OTHER: [None],
    }
    return options[kind] or [None]


@dataclass(frozen=True)
class Wording:
    """The free text a mix writes (part of each event, so part of the history)."""

    title: str  # formatted with index and category_id
    description: str
    note: str
    escalation: str
    resolution: str
    callback: str
    whistle: str


BUSY_DISTRICT = Wording(
    "合成案件 {index:06d}（{category_id}）",
    "基准测试生成的案件：居民反映的问题及现场情况说明。",
    "入户走访，已与居民沟通处置方案。",
    "超出本级处置能力",
    "已现场处置完毕",
    "电话回访",
    "需要多部门联合处置",
)
EDGE_CASES = Wording(
    "生成案件 {index:05d}（{category_id}）",
    "由测试生成器上报",
    "进展",
    "超出本级能力",
    "已处置",
    "回访",
    "需要部门联合处置",
)


def execute(
    svc: CaseService,
    p: PlannedCase,
    step: Step,
    now: datetime,
    wording: Wording = BUSY_DISTRICT,
    original: UUID | None = None,
) -> WriteResult:
    """Issue one planned step as a CaseService command at ``now``.

    ``original`` overrides the planned original of a duplicate (writers that do not
    follow the planned lanes point at a case they wrote themselves)."""
    a = step.args
    coordinator = Actor(f"co-{p.community_id}", Role.COORDINATOR)
    grid_lead = Actor(f"gl-{p.grid_id}", Role.GRID_LEAD)
    match step.op:
        case "report":
            return svc.report_case(
                actor=grid_lead,
                grid_id=p.grid_id,
                category_id=p.category_id,
                title=wording.title.format(index=p.index, category_id=p.category_id),
                description=wording.description,
                channel=a[0],
                urgency=a[1],
                case_id=p.case_id,
            )
        case "note":
            return svc.add_note(p.case_id, actor=grid_lead, text=wording.note, kind=a[0])
        case "escalate":
            return svc.escalate(
                p.case_id, actor=coordinator, to_level=a[0], reason=wording.escalation
            )
        case "whistle":
            return svc.blow_whistle(
                p.case_id,
                actor=coordinator,
                unit_ids=list(a[0]),
                report_in_deadline=now + timedelta(microseconds=a[1]),
                reason=wording.whistle,
            )
        case "report_in":
            return svc.report_in(
                p.case_id,
                actor=Actor(f"li-{a[1]}", Role.LIAISON),
                whistle_id=f"W{a[0]}",  # the case numbers its whistles W1, W2 …
                unit_id=a[1],
                note="已到场",
            )
        case "pledge":
            kind, unit_id, amount = a[0]
            return svc.pledge(
                p.case_id,
                actor=coordinator,
                party_kind=kind,
                party_name=PARTIES[kind],
                amount_fen=amount,
                unit_id=unit_id,
                purpose="维修资金",
            )
        case "resolve":
            return svc.resolve(p.case_id, actor=coordinator, summary=wording.resolution)
        case "score":
            return svc.evaluate_unit(
                p.case_id,
                actor=Actor(f"co-{p.street_id}", Role.COORDINATOR),
                whistle_id=f"W{a[0]}",
                unit_id=a[1],
                score=a[2],
            )
        case "evaluate":
            return svc.evaluate_case(
                p.case_id,
                actor=Actor("callback-12345", Role.COORDINATOR),
                solved=a[0],
                satisfaction=a[1],
                comment=wording.callback,
            )
        case "reopen":
            return svc.reopen(p.case_id, actor=coordinator, reason="回访不满意，重新办理")
        case "close":
            return svc.close_case(p.case_id, actor=coordinator, remark="办结")
        case "withdraw":
            return svc.withdraw(p.case_id, actor=grid_lead, reason="居民撤诉")
        case "duplicate":
            return svc.mark_duplicate(
                p.case_id,
                actor=coordinator,
                original_case_id=original or a[0],
                reason="与已受理案件重复",
            )
    raise ValueError(step.op)
