"""The case ledger (社情民意台账) as JSON, CSV and XLSX, with Chinese column headings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from application.access import Action
from domain.values import (
    Channel,
    Level,
    Satisfaction,
    Solved,
    Status,
    Urgency,
    fen_to_yuan,
    fen_to_yuan_text,
)
from interfaces.http.answers import kept
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from interfaces.http.openapi import XLSX_MEDIA_TYPE, download
from interfaces.http.schemas import ID_PATTERN
from interfaces.http.spreadsheet import Column, Kind, csv_cell, workbook
from interfaces.http.waiting import wait_for_position
from projections.queries import CaseFilter

router = APIRouter(tags=["ledger"])
CST = ZoneInfo("Asia/Shanghai")
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
]
# How the Excel export types each column that is not text (dates, money, counts).
SHEET_KINDS: dict[str, Kind] = {
    "reported_at": "time",
    "first_response_at": "time",
    "resolved_at": "time",
    "closed_at": "time",
    "whistles": "count",
    "pledged_yuan": "money",
}
SHEET_WIDTHS = {"case_id": 38, "title": 40, "street": 12, "community": 16, "grid": 18}
Form = Literal["answer", "screen", "sheet"]


class LedgerQuery:
    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        grid: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
        community: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
        street: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
        status: Status | None = None,
        category: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
        min_position: Annotated[int | None, Query(ge=0)] = None,
    ) -> None:
        c.policy.require(user, Action.READ)
        wait_for_position(c, min_position)
        self.c, self.user = c, user
        self.scope = scope_of(user, c)
        self.filter = CaseFilter(
            grid, community, street, status.value if status else None, category
        )

    def rows(self, limit: int = EXPORT_LIMIT, form: Form = "answer") -> Iterator[dict[str, Any]]:
        offset = 0
        while offset < limit:
            page, _ = self.c.ledger.list_cases(
                self.filter, self.scope, limit=min(PAGE, limit - offset), offset=offset
            )
            yield from (self.readable(r, form=form) for r in page)
            if len(page) < PAGE:
                return
            offset += PAGE

    def readable(
        self, r: dict[str, Any], *, for_screen: bool = False, form: Form = "answer"
    ) -> dict[str, Any]:
        """A row with Chinese labels. Times are ISO 8601 in Beijing time with their offset
        (``2024-03-01T17:00+08:00``) in answers and CSV; the console shows them bare; a
        sheet gets them as Beijing wall-clock datetimes and money as a number of yuan."""
        form = "screen" if for_screen else form
        j = self.c.service.jurisdiction

        def name(table: dict[str, Any], key: str) -> str:
            item = table.get(key)
            return item.name if item is not None else key

        def when(at: datetime | None) -> str | datetime | None:
            if at is None:
                return None if form == "sheet" else ""
            local = at.astimezone(CST)
            if form == "sheet":
                return local.replace(tzinfo=None)  # a spreadsheet date has no zone
            if form == "screen":
                return local.strftime("%Y-%m-%d %H:%M")
            return local.isoformat("T", "minutes")

        fen = r["pledged_fen"]

        return {
            "case_id": r["case_id"],
            "title": r["title"],
            "street": name(j.streets, r["street_id"]),
            "community": name(j.communities, r["community_id"]),
            "grid": name(j.grids, r["grid_id"]),
            "category": name(j.categories, r["category_id"]),
            "channel": Channel(r["channel"]).label,
            "urgency": Urgency(r["urgency"]).label,
            "status": Status(r["status"]).label,
            "level": Level(r["level"]).label,
            "reported_at": when(r["reported_at"]),
            "first_response_at": when(r["first_response_at"]),
            "resolved_at": when(r["resolved_at"]),
            "resolved_level": Level(r["resolved_level"]).label if r["resolved_level"] else "",
            "closed_at": when(r["closed_at"]),
            "whistles": r["whistles"],
            "pledged_yuan": fen_to_yuan(fen) if form == "sheet" else fen_to_yuan_text(fen),
            "solved": Solved(r["solved"]).label if r["solved"] else "",
            "satisfaction": Satisfaction(r["satisfaction"]).label if r["satisfaction"] else "",
        }


Ledger = Annotated[LedgerQuery, Depends(LedgerQuery)]


@router.get("/ledger", response_model=dict[str, Any])
def ledger_json(
    request: Request,
    q: Ledger,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The ledger rows in the caller's scope, with Chinese labels, newest first."""

    def page() -> dict[str, Any]:
        rows, total = q.c.ledger.list_cases(q.filter, q.scope, limit=limit, offset=offset)
        return {
            "columns": dict(COLUMNS),
            "total": total,
            "limit": limit,
            "offset": offset,
            "items": [q.readable(r) for r in rows],
        }

    return kept(request, q.c, q.user, q.scope, ("ledger", q.filter, limit, offset), page)


@router.get(
    "/ledger.csv",
    response_class=StreamingResponse,
    responses={200: download("text/csv", "台账 CSV（UTF-8，带 BOM）")},
)
def ledger_csv(q: Ledger) -> StreamingResponse:
    """The ledger as CSV (UTF-8 with BOM so spreadsheet software reads the Chinese)."""

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([heading for _, heading in COLUMNS])
        yield "\ufeff" + buffer.getvalue()
        for row in q.rows():
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([csv_cell(row[key]) for key, _ in COLUMNS])
            yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"'},
    )


@router.get(
    "/ledger.xlsx",
    response_class=Response,
    responses={200: download(XLSX_MEDIA_TYPE, "台账 Excel 工作簿（社情民意台账）")},
)
def ledger_xlsx(q: Ledger) -> Response:
    """The ledger as an Excel workbook (社情民意台账)."""
    columns = [Column(h, SHEET_KINDS.get(k, "text"), SHEET_WIDTHS.get(k)) for k, h in COLUMNS]
    rows = ([row[key] for key, _ in COLUMNS] for row in q.rows(form="sheet"))
    book = workbook("社情民意台账", columns, rows)
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'},
    )
