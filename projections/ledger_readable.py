"""The ledger as officials read it (社情民意台账): one row of Chinese labels per case, with
Chinese column headings, for the JSON answer, the CSV and XLSX exports and the console."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from domain.jurisdiction import Jurisdiction
from domain.times import BEIJING, beijing_minutes, beijing_readable
from domain.values import (
    Channel,
    Labelled,
    Level,
    Satisfaction,
    Solved,
    Status,
    Urgency,
    fen_to_yuan,
    fen_to_yuan_text,
)
from projections.ledger_tables import cases
from projections.queries import CaseFilter, LedgerQueries, Scope

EXPORT_LIMIT = 100_000
PAGE = 1000

COLUMNS: list[tuple[str, str]] = [
    ("case_id", "案件编号"),
    ("title", "标题"),
    ("street", "街道"),
    ("community", "社区"),
    ("grid", "网格"),
    ("category", "问题类别"),
    ("channel", "来源渠道"),
    ("urgency", "紧急程度"),
    ("status", "状态"),
    ("level", "当前层级"),
    ("reported_at", "上报时间"),
    ("first_response_at", "首次响应时间"),
    ("resolved_at", "解决时间"),
    ("resolved_level", "解决层级"),
    ("closed_at", "办结时间"),
    ("whistles", "吹哨次数"),
    ("pledged_yuan", "认领资金（元）"),
    ("solved", "解决情况"),
    ("satisfaction", "满意度"),
    ("callers", "来电人数"),  # 合并: this report and those merged into it
    ("merged_into", "合并到"),  # the original case's id, for a merged (duplicate) case
]
# How the Excel export types each column that is not text (dates, money, counts).
SHEET_KINDS: dict[str, Literal["time", "money", "count"]] = {
    "reported_at": "time",
    "first_response_at": "time",
    "resolved_at": "time",
    "closed_at": "time",
    "whistles": "count",
    "pledged_yuan": "money",
    "callers": "count",
}
SHEET_WIDTHS = {"case_id": 38, "title": 40, "street": 12, "community": 16, "grid": 18}


@dataclass(frozen=True)
class LedgerLine:
    """One case in the readable ledger; fields in the order of ``COLUMNS``. Empty text
    where the case has no such step yet."""

    case_id: str
    title: str
    street: str
    community: str
    grid: str
    category: str
    channel: str
    urgency: str
    status: str
    level: str
    reported_at: str
    first_response_at: str
    resolved_at: str
    resolved_level: str
    closed_at: str
    whistles: int
    pledged_yuan: str
    solved: str
    satisfaction: str
    callers: int
    merged_into: str

    def cells(self) -> Iterator[Any]:
        """The values under ``COLUMNS``' headings, in order."""
        return (getattr(self, key) for key, _ in COLUMNS)


def readable(r: Mapping[str, Any], j: Jurisdiction, *, for_screen: bool = False) -> LedgerLine:
    """A ledger row with Chinese labels. Times are ISO 8601 in Beijing time with their
    offset (``2024-03-01T17:00+08:00``) in answers and exports; the console shows them
    bare (``2024-03-01 17:00``)."""

    def name(table: Mapping[str, Any], key: str) -> str:
        item = table.get(key)
        return item.name if item is not None else key

    def when(at: datetime | None) -> str:
        if at is None:
            return ""
        return beijing_readable(at) if for_screen else beijing_minutes(at)

    return LedgerLine(
        case_id=r["case_id"],
        title=r["title"],
        street=name(j.streets, r["street_id"]),
        community=name(j.communities, r["community_id"]),
        grid=name(j.grids, r["grid_id"]),
        category=name(j.categories, r["category_id"]),
        channel=_label(Channel, r["channel"]),
        urgency=_label(Urgency, r["urgency"]),
        status=_label(Status, r["status"]),
        level=_label(Level, r["level"]),
        reported_at=when(r["reported_at"]),
        first_response_at=when(r["first_response_at"]),
        resolved_at=when(r["resolved_at"]),
        resolved_level=_label(Level, r["resolved_level"]) if r["resolved_level"] else "",
        closed_at=when(r["closed_at"]),
        whistles=r["whistles"],
        pledged_yuan=fen_to_yuan_text(r["pledged_fen"]),
        solved=_label(Solved, r["solved"]) if r["solved"] else "",
        satisfaction=_label(Satisfaction, r["satisfaction"]) if r["satisfaction"] else "",
        callers=r["callers"],
        merged_into=r["duplicate_of"] or "",
    )


@cache  # a page repeats a few values; a value no kind has raises, and is not kept
def _label(kind: type[Labelled], value: str) -> str:
    return kind(value).label


# The ledger columns ``readable`` and ``sheet_cells`` read (a case row has more).
READ = [
    cases.c[name]
    for name in (
        "case_id",
        "title",
        "street_id",
        "community_id",
        "grid_id",
        "category_id",
        "channel",
        "urgency",
        "status",
        "level",
        "reported_at",
        "first_response_at",
        "resolved_at",
        "resolved_level",
        "closed_at",
        "whistles",
        "pledged_fen",
        "solved",
        "satisfaction",
        "callers",
        "duplicate_of",
    )
]


def sheet_cells(r: Mapping[str, Any], j: Jurisdiction) -> list[Any]:
    """A row for a spreadsheet under ``COLUMNS``: times as Beijing wall-clock datetimes (a
    spreadsheet date has no zone), money as an exact number of yuan, the rest as on screen."""
    line = readable(r, j)
    cells: list[Any] = list(line.cells())
    for i, (key, _) in enumerate(COLUMNS):
        kind = SHEET_KINDS.get(key)
        if kind == "time":
            at: datetime | None = r[key]
            cells[i] = at.astimezone(BEIJING).replace(tzinfo=None) if at is not None else None
        elif kind == "money":
            cells[i] = fen_to_yuan(r["pledged_fen"])
    return cells


def _rows(
    ledger: LedgerQueries, f: CaseFilter, scope: Scope, limit: int
) -> Iterator[Mapping[str, Any]]:
    offset = 0
    while offset < limit:
        page, _ = ledger.list_cases(
            f, scope, limit=min(PAGE, limit - offset), offset=offset, columns=READ
        )
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def exported(
    ledger: LedgerQueries, f: CaseFilter, scope: Scope, j: Jurisdiction, limit: int = EXPORT_LIMIT
) -> Iterator[LedgerLine]:
    """Every readable row in the scope (up to ``limit``), newest first, read a page at a time."""
    return (readable(r, j) for r in _rows(ledger, f, scope, limit))


def exported_sheet(
    ledger: LedgerQueries, f: CaseFilter, scope: Scope, j: Jurisdiction, limit: int = EXPORT_LIMIT
) -> Iterator[list[Any]]:
    """The same rows typed for a spreadsheet (``sheet_cells``)."""
    return (sheet_cells(r, j) for r in _rows(ledger, f, scope, limit))
