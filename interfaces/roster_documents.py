"""The 双报到 documents an employer or a member takes away: a member's 活动记录, a member's
反馈卡 for one period, and an employer unit's 反馈卡 (all its reporting members, and the
needs the unit took on itself). One ``Document`` each, written as XLSX or PDF by
``roster_xlsx`` / ``roster_pdf``, so the two formats never disagree.

Names come from the erasable contact store at export time (``member_names``), never from
a cache: once a member's contact is erased every later export says 已删除. Phones are never
exported. The caller has checked access (the routes and console pages do)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain.errors import InvalidValue
from domain.jurisdiction import Jurisdiction
from domain.times import BEIJING, beijing_readable
from domain.values import Assessment, NeedKind, NeedState
from interfaces.http.spreadsheet import Column
from projections import roster_reads as reads
from projections.roster import MemberRow, RosterView

ERASED = "已删除"


@dataclass(frozen=True)
class Document:
    title: str  # 活动记录 / 反馈卡
    filename: str  # ASCII, without extension
    facts: list[tuple[str, str]]  # (label, value) above the table
    columns: list[Column]
    rows: list[list[Any]]  # per column: str, float, int or naive Beijing datetime or None
    notes: list[str] = field(default_factory=list)  # below the table


# ----- periods -----------------------------------------------------------------------------


def period_bound(text: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A period's bound: an ISO instant with offset, or a date (Beijing): a start date
    begins at its midnight, an end date includes its whole day."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise _bad(name) from None
        day = day + timedelta(days=1) if end else day
        return datetime.combine(day, time(), BEIJING).astimezone(UTC)
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad(name) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(f"{name} 须带时区偏移", f"{name} needs a UTC offset", field=name)
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(f"{name} 超出范围", f"{name} is out of range", field=name) from None


def _bad(name: str) -> InvalidValue:
    return InvalidValue(
        f"{name} 须为日期（2016-04-01）或带时区的 ISO 8601 时间",
        f"{name} must be a date or an ISO 8601 instant with offset",
        field=name,
    )


def required_period(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    begin, until = period_bound(start, "start"), period_bound(end, "end", end=True)
    if begin is None or until is None:
        raise InvalidValue(
            "反馈卡须指定起止日期", "a feedback sheet needs start and end", field="start"
        )
    if until <= begin:
        raise InvalidValue("结束时间须晚于开始时间", "end must be after start", field="end")
    return begin, until


def period_text(start: datetime | None, end: datetime | None) -> str:
    if start is None and end is None:
        return "全部"
    first = beijing_readable(start)[:10] if start else "…"
    # an end bound is exclusive: the period's last day is the day before a midnight end
    last = "…"
    if end is not None:
        local = end.astimezone(BEIJING)
        if local.time() == time():
            local -= timedelta(days=1)
        last = local.strftime("%Y-%m-%d")
    return f"{first} 至 {last}"


# ----- the documents -----------------------------------------------------------------------


def local(at: datetime | None) -> datetime | None:
    """A spreadsheet's time: Beijing wall time, without zone (see spreadsheet.py)."""
    return at.astimezone(BEIJING).replace(tzinfo=None) if at is not None else None


def _label(enum: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def _name(names: Mapping[UUID, str | None], member_id: str) -> str:
    return names.get(UUID(member_id)) or ERASED


def _member_facts(
    member: MemberRow, name: str, j: Jurisdiction, period: str
) -> list[tuple[str, str]]:
    community = j.communities.get(member.community_id)
    unit = j.units.get(member.unit_id) if member.unit_id else None
    return [
        ("姓名", name),
        ("报到社区", community.name if community else member.community_id),
        ("工作单位", unit.name if unit else member.employer or "—"),
        ("统计期间", period),
    ]


def _community(j: Jurisdiction, community_id: str) -> str:
    found = j.communities.get(community_id)
    return found.name if found else community_id


ITEM_COLUMNS = [
    Column("需求", width=30),
    Column("类型", width=10),
    Column("社区", width=14),
    Column("状态", width=12),
    Column("认领时间", "time"),
    Column("完成时间", "time"),
    Column("服务时长（小时）", width=12),
    Column("服务成效", width=40),
    Column("社区评价", width=10),
    Column("评价意见", width=30),
]


def _item_row(i: reads.ServiceItem, j: Jurisdiction) -> list[Any]:
    return [
        i.title,
        _label(NeedKind, i.kind),
        _community(j, i.community_id),
        _label(NeedState, i.state),
        local(i.claimed_at),
        local(i.done_at),
        round(i.hours, 2) if i.done_at else None,
        i.result,
        _label(Assessment, i.assessment),
        i.comment,
    ]


def member_record(
    view: RosterView,
    member_id: UUID,
    names: Mapping[UUID, str | None],
    j: Jurisdiction,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Document:
    got = reads.member_record(view, str(member_id), start=start, end=end)
    facts = _member_facts(got.member, _name(names, str(member_id)), j, period_text(start, end))
    facts += [
        ("已确认服务", f"{got.confirmed} 项"),
        ("已确认时长", f"{got.confirmed_hours:g} 小时"),
    ]
    return Document(
        "活动记录",
        f"record-{member_id}",
        facts,
        ITEM_COLUMNS,
        [_item_row(i, j) for i in got.items],
        ["时长只计社区已确认的服务。"],
    )


def member_feedback(
    view: RosterView,
    member_id: UUID,
    names: Mapping[UUID, str | None],
    j: Jurisdiction,
    *,
    start: datetime,
    end: datetime,
) -> Document:
    got = reads.feedback_sheet(view, str(member_id), start=start, end=end)
    facts = _member_facts(got.member, _name(names, str(member_id)), j, period_text(start, end))
    facts += [
        ("服务时长合计", f"{got.hours:g} 小时"),
        ("社区评价", _assessments(got.assessments)),
        ("总体评价", _label(Assessment, got.overall) or "—"),
    ]
    return Document(
        "反馈卡",
        f"feedback-{member_id}",
        facts,
        ITEM_COLUMNS,
        [_item_row(i, j) for i in got.items],
        ["本卡列出期间内社区已确认的服务，供党员所在单位了解其报到表现。"],
    )


def _assessments(counts: Mapping[str, int]) -> str:
    return "、".join(f"{_label(Assessment, a)} {n} 项" for a, n in counts.items()) or "—"


UNIT_COLUMNS = [Column("党员 / 本单位", width=16), *ITEM_COLUMNS]


def unit_feedback(
    view: RosterView,
    unit_id: str,
    names_of: Any,  # Callable[[Sequence[UUID]], Mapping[UUID, str | None]]
    j: Jurisdiction,
    *,
    start: datetime,
    end: datetime,
) -> Document:
    """The employer unit's 反馈卡 for a period: each of its members' confirmed work, and
    the needs the unit took on through its council seats."""
    staff = reads.members(view, unit_id=unit_id, active_only=False)
    names: Mapping[UUID, str | None] = names_of([UUID(m.member_id) for m in staff])
    rows: list[list[Any]] = []
    hours = 0.0
    counts: dict[str, int] = {}
    for m in staff:
        sheet = reads.feedback_sheet(view, m.member_id, start=start, end=end)
        hours += sheet.hours
        for a, n in sheet.assessments.items():
            counts[a] = counts.get(a, 0) + n
        rows += [[_name(names, m.member_id), *_item_row(i, j)] for i in sheet.items]
    own = reads.unit_contribution(view, unit_id, start=start, end=end)
    confirmed_own = [i for i in own.items if i.state == NeedState.CONFIRMED.value]
    rows += [["本单位", *_item_row(i, j)] for i in confirmed_own]
    unit = j.units.get(unit_id)
    order = [a.value for a in Assessment]
    facts = [
        ("单位", unit.name if unit else unit_id),
        ("统计期间", period_text(start, end)),
        ("报到党员", f"{sum(1 for m in staff if m.active)} 人"),
        ("党员服务时长", f"{hours:g} 小时"),
        ("单位认领服务时长", f"{own.unit_hours:g} 小时"),
        ("社区评价", _assessments({a: counts[a] for a in order if a in counts})),
    ]
    return Document(
        "反馈卡",
        f"unit-feedback-{unit_id}",
        facts,
        UNIT_COLUMNS,
        rows,
        ["本卡列出期间内社区已确认的服务（本单位在职党员的个人服务，以及本单位认领的需求）。"],
    )


def cell_text(value: Any) -> str:
    """A cell as the PDF prints it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


PDF_CELL_MAX = 200  # characters: a row must fit on one page (the XLSX keeps every word)


def row_texts(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """Cells as the PDF prints them, a long text cut (marked 见 Excel 版)."""
    return [[_cut(cell_text(v)) for v in row] for row in rows]


def _cut(text: str) -> str:
    return text if len(text) <= PDF_CELL_MAX else text[: PDF_CELL_MAX - 12] + "…（全文见 Excel 版）"
