"""The case ledger (社情民意台账) as JSON, CSV and XLSX, with Chinese column headings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from application.access import Action
from interfaces.http.answers import kept
from interfaces.http.case_filter import CaseFilters
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from interfaces.http.lean_json import encoder
from interfaces.http.ledger_schemas import LedgerPage
from interfaces.http.openapi import XLSX_MEDIA_TYPE, download
from interfaces.http.spreadsheet import Column, csv_cell, workbook
from interfaces.http.waiting import wait_for_position
from projections.ledger_readable import (
    COLUMNS,
    READ,
    SHEET_KINDS,
    SHEET_WIDTHS,
    LedgerLine,
    exported,
    exported_sheet,
    readable,
)

router = APIRouter(tags=["ledger"])
_PAGE = encoder(LedgerPage)  # written as LedgerPage writes it, without validating each line
COLUMN_NAMES = dict(COLUMNS)


class LedgerQuery:
    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        filters: CaseFilters,
        min_position: Annotated[int | None, Query(ge=0)] = None,
    ) -> None:
        c.policy.require(user, Action.READ)
        self.reading = wait_for_position(c, min_position)
        self.ledger = self.reading.side.ledger
        self.c, self.user = c, user
        self.scope = scope_of(user, c)
        self.filter = filters.filter

    def lines(self) -> Iterator[LedgerLine]:
        """Every readable row in the caller's scope, for an export."""
        return exported(self.ledger, self.filter, self.scope, self.c.service.jurisdiction)


Ledger = Annotated[LedgerQuery, Depends(LedgerQuery)]


@router.get("/ledger", response_model=LedgerPage)
def ledger_json(
    request: Request,
    q: Ledger,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The ledger rows in the caller's scope, with Chinese labels, newest first."""

    def page() -> bytes:
        rows, total = q.ledger.list_cases(
            q.filter, q.scope, limit=limit, offset=offset, columns=READ
        )
        j = q.c.service.jurisdiction
        items = [readable(r, j) for r in rows]
        return _PAGE(SimpleNamespace(columns=COLUMN_NAMES, total=total, limit=limit,
                                     offset=offset, items=items))  # fmt: skip

    question = ("ledger", q.filter, limit, offset)
    return kept(request, q.c, q.user, q.scope, question, page, reading=q.reading)


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
        for line in q.lines():
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([csv_cell(cell) for cell in line.cells()])
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
    rows = exported_sheet(q.ledger, q.filter, q.scope, q.c.service.jurisdiction)
    book = workbook("社情民意台账", columns, rows)
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'},
    )
