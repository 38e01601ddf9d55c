"""The console's 我的待办 page: the caller's work queue as cards, with filters and search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from application.access import Action
from domain.errors import InvalidValue
from domain.times import BEIJING
from domain.values import Status
from interfaces.http.case_filter import KEYWORDS_MAX, CaseFilterQuery
from interfaces.http.deps import ContainerDep, scope_of
from interfaces.web.pages import render
from interfaces.web.session import PageUser
from projections.work_queue import work_queue

router = APIRouter(prefix="/ui", include_in_schema=False)
Text = Annotated[str, Query(max_length=1000)]  # checked below, so the page can say what is wrong


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    street: Text = "",
    community: Text = "",
    grid: Text = "",
    status: Text = "",
    category: Text = "",
    q: Text = "",
    overdue: Text = "",
    reported_from: Text = "",
    reported_to: Text = "",
) -> HTMLResponse:
    """我的待办: what the signed-in user has to act on, most urgent first. A bad filter is
    shown above the list (and the list left empty) rather than silently ignored."""
    c.policy.require(user, Action.READ)
    form = {
        "street": street,
        "community": community,
        "grid": grid,
        "status": status,
        "category": category,
        "q": q,
        "overdue": overdue,
        "reported_from": reported_from,
        "reported_to": reported_to,
    }
    error, filters = _filters(form)
    j = c.service.jurisdiction
    if error is None and filters is not None:
        error = filters.problem(j)
    now = c.service.clock()
    items = []
    if error is None and filters is not None:
        items = work_queue(
            c.ledger, user.role, scope_of(user, c), filters.filter, now, overdue_only=bool(overdue)
        )
    page = render(
        request, "queue.html", user, items=items, form=form, error=error, j=j, Status=Status
    )
    if error is not None:  # the page, with the error above the form's results
        page.status_code = 422
    return page


def _filters(form: dict[str, str]) -> tuple[InvalidValue | None, CaseFilterQuery | None]:
    """The form's fields as a case filter, or what is wrong with them."""
    if len(form["q"]) > KEYWORDS_MAX:
        return InvalidValue(
            f"关键词最多 {KEYWORDS_MAX} 个字", f"q is longer than {KEYWORDS_MAX}", field="q"
        ), None
    if form["status"] and form["status"] not in {s.value for s in Status}:
        return InvalidValue(
            f"筛选条件 status：未知的状态 {form['status']}",
            "filter status: unknown",
            field="status",
        ), None
    days = {}
    for name in ("reported_from", "reported_to"):
        try:
            days[name] = date.fromisoformat(form[name]) if form[name] else None
        except ValueError:
            return InvalidValue(
                f"筛选条件 {name}：日期格式应为 YYYY-MM-DD",
                f"filter {name}: not a date",
                field=name,
            ), None
    filters = CaseFilterQuery(
        form["grid"] or None,
        form["community"] or None,
        form["street"] or None,
        Status(form["status"]) if form["status"] else None,
        form["category"] or None,
        q=form["q"] or None,
    )
    filters.filter = replace(
        filters.filter,
        reported_from=_day_start(days["reported_from"]),
        # the form's "to" day is included: up to the start of the next day
        reported_to=_day_start(days["reported_to"], plus_days=1),
    )
    return None, filters


def _day_start(day: date | None, plus_days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=plus_days), time(), tzinfo=BEIJING)


def install(app: FastAPI) -> None:
    app.include_router(router)
