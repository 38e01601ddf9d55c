"""The case ledger (社情民意台账) as JSON, CSV and XLSX, with Chinese column headings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from openpyxl import Workbook

from application.access import Action
from interfaces.http.answers import kept
from interfaces.http.case_filter import CaseFilters
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from interfaces.http.ledger_schemas import LedgerLinePublic, LedgerPage
from interfaces.http.spreadsheet import csv_cell, xlsx_row
from interfaces.http.waiting import wait_for_position
from projections.ledger_readable import COLUMNS, LedgerLine, exported, readable

router = APIRouter(tags=["ledger"])


class LedgerQuery:
    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        filters: CaseFilters,
        min_position: Annotated[int | None, Query(ge=0)] = None,
    ) -> None:
        c.policy.require(user, Action.READ)
        wait_for_position(c, min_position)
        self.c, self.user = c, user
        self.scope = scope_of(user, c)
        self.filter = filters.filter

    def lines(self) -> Iterator[LedgerLine]:
        """Every readable row in the caller's scope, for an export."""
        return exported(self.c.ledger, self.filter, self.scope, self.c.service.jurisdiction)


Ledger = Annotated[LedgerQuery, Depends(LedgerQuery)]


@router.get("/ledger", response_model=LedgerPage)
def ledger_json(
    request: Request,
    q: Ledger,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The ledger rows in the caller's scope, with Chinese labels, newest first."""

    def page() -> LedgerPage:
        rows, total = q.c.ledger.list_cases(q.filter, q.scope, limit=limit, offset=offset)
        j = q.c.service.jurisdiction
        return LedgerPage(
            columns=dict(COLUMNS),
            total=total,
            limit=limit,
            offset=offset,
            items=[LedgerLinePublic.model_validate(readable(r, j)) for r in rows],
        )

    return kept(request, q.c, q.user, q.scope, ("ledger", q.filter, limit, offset), page)


@router.get("/ledger.csv", response_class=StreamingResponse)
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


@router.get("/ledger.xlsx")
def ledger_xlsx(q: Ledger) -> Response:
    """The ledger as an Excel workbook (社情民意台账)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("社情民意台账")
    sheet.append([heading for _, heading in COLUMNS])
    for line in q.lines():
        sheet.append(xlsx_row(sheet, line.cells()))
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'},
    )
