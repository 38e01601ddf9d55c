"""The console's ledger page (社情民意台账): key columns in a compact table (cards on a
phone), the rest on the case page; filters by place, category, status and 超期, sorting
by reported time, deadline or status, and pages of 50."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from domain.times import beijing_readable
from domain.values import Status
from interfaces.http.case_filter import KEYWORDS_MAX, CaseFilterQuery
from interfaces.http.deps import ContainerDep
from interfaces.http.routes.ledger import LedgerQuery
from interfaces.web.session import PageUser
from projections.ledger_page import SORTS, PageAsk, is_overdue, ledger_page
from projections.ledger_readable import readable

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE = 50
SORT_LABELS = {"reported": "上报时间", "due": "办结时限", "status": "状态"}
Place = Annotated[str, Query(max_length=64)]
OVERDUE_CHOICES = {"": "全部", "yes": "仅超期", "no": "未超期"}


@router.get("/ledger", response_class=HTMLResponse)
def ledger(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    street: Place = "",
    community: Place = "",
    grid: Place = "",
    status: Status | Literal[""] = "",
    category: Place = "",
    overdue: Literal["", "yes", "no"] = "",
    sort: Literal["reported", "due", "status"] = "reported",
    order: Literal["desc", "asc"] = "desc",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    q: Annotated[str, Query(max_length=KEYWORDS_MAX)] = "",
) -> HTMLResponse:
    """The case ledger with filters, keyword search, sorting, pages, the 超期 column and
    CSV/XLSX download."""
    from interfaces.web.pages import render  # the page renderer lives with the other pages

    # The form sends empty fields for "any"; an unknown id is said (an error page), not
    # matched to nothing.
    filters = CaseFilterQuery(
        grid or None,
        community or None,
        street or None,
        Status(status) if status else None,
        category or None,
        q=q.strip() or None,
    )
    filters.check(c.service.jurisdiction)
    ledger_query = LedgerQuery(c, user, filters)
    now = c.service.clock()
    ask = PageAsk(
        sort=sort,
        descending=order == "desc",
        overdue={"yes": True, "no": False}.get(overdue),
        limit=PAGE,
        offset=offset,
    )
    rows, total = ledger_page(c.ledger, ledger_query.filter, ledger_query.scope, ask, now)
    j = c.service.jurisdiction
    chosen = {
        "street": street or "",
        "community": community or "",
        "grid": grid or "",
        "status": status.value if status else "",
        "category": category or "",
        "q": q.strip(),
        "overdue": overdue,
        "sort": sort,
        "order": order,
    }
    kept = {k: v for k, v in chosen.items() if v}
    export = urlencode({k: v for k, v in kept.items() if k not in ("overdue", "sort", "order")})
    return render(
        request,
        "ledger.html",
        user,
        lines=[_line(r, j, now) for r in rows],
        total=total,
        offset=offset,
        page_size=PAGE,
        page_link=lambda at: "?" + urlencode({**kept, "offset": at}),
        sort_link=lambda key: "?" + urlencode(_sorted_by(kept, key)),
        export=export,
        j=j,
        Status=Status,
        filters=chosen,
        sorts=[(k, SORT_LABELS[k]) for k in SORTS],
        overdue_choices=OVERDUE_CHOICES,
        as_of=now,
    )


def _sorted_by(kept: dict[str, str], key: str) -> dict[str, str]:
    """Sorting by a column: newest/latest first, or flipped if it is already the sort."""
    flip = kept.get("sort", "reported") == key and kept.get("order", "desc") == "desc"
    return {**kept, "sort": key, "order": "asc" if flip else "desc"}


def _line(r: dict[str, Any], j: Any, now: Any) -> dict[str, Any]:
    line = readable(r, j, for_screen=True)
    late = is_overdue(r, now)
    return {
        "line": line,
        "due": beijing_readable(r["resolution_due"]),
        "overdue": late,
        "overdue_days": int((now - r["resolution_due"]).total_seconds() // 86400) if late else 0,
    }
