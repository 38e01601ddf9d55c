"""Console pages (Chinese, readable without JavaScript). Figures come from the same read
services as the JSON API (projections/dashboard_reads.py), so the two never disagree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from application.access import Action
from application.requests import CommandContext
from application.sessions import BadSignIn
from domain.errors import DomainError
from domain.events import EVENT_LABELS
from domain.times import beijing_readable
from domain.values import Level, Role, Status, fen_to_yuan_text
from interfaces.bootstrap import Container
from interfaces.event_text import describe
from interfaces.http.case_filter import CaseFilterQuery
from interfaces.http.dashboard_context import AsOfText, Context
from interfaces.http.deps import SESSION_COOKIE, ContainerDep
from interfaces.http.problems import problem_response, status_of
from interfaces.http.routes.ledger import LedgerQuery
from interfaces.http.waiting import WAIT_SECONDS
from interfaces.web.charts import Series, rate_bar, trend_svg
from interfaces.web.session import (
    CSRF_COOKIE,
    Csrf,
    PageUser,
    SignInRequired,
    cookie_flags,
    new_csrf,
)
from projections.inbox import unit_inbox
from projections.ledger_readable import COLUMNS, readable

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    pct=lambda v: "—" if v is None else f"{v * 100:.1f}%",
    yuan=fen_to_yuan_text,
    local=beijing_readable,
)
router = APIRouter(prefix="/ui", include_in_schema=False)
DRILL = {"street": "community", "community": "grid"}
PARENT_FILTER = {"community": "street", "grid": "community"}


def render(request: Request, name: str, user: Any, **context: Any) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE) or new_csrf()
    response = templates.TemplateResponse(
        request, name, {"user": user, "csrf": csrf, "Role": Role, **context}
    )
    response.set_cookie(CSRF_COOKIE, csrf, **cookie_flags(request))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/ui/", error: str = "") -> HTMLResponse:
    return render(
        request, "login.html", None, next=next if next.startswith("/ui") else "/ui/", error=error
    )


@router.post("/login")
def login(
    request: Request,
    c: ContainerDep,
    _: Csrf,
    user: Annotated[str, Form(max_length=64)],
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=200)] = "/ui/",
) -> Response:
    """Sign in with user id and API token; the cookie gets a new session id, not the token.
    Too many failures from one address or for one user answer 429 (TooManySignIns)."""
    client = request.client.host if request.client else "unknown"
    try:
        session_id = c.sessions.sign_in(user.strip(), token.strip(), client)
    except BadSignIn:
        return RedirectResponse(f"/ui/login?error=1&next={quote(next)}", status_code=303)
    response = RedirectResponse(next if next.startswith("/ui") else "/ui/", status_code=303)
    flags = cookie_flags(request)
    lifetime = int(c.sessions.limits.lifetime.total_seconds())
    response.set_cookie(SESSION_COOKIE, session_id, max_age=lifetime, **flags)
    response.set_cookie(CSRF_COOKIE, new_csrf(), **flags)  # a fresh CSRF token per session
    return response


@router.post("/logout")
def logout(request: Request, c: ContainerDep, _: Csrf) -> Response:
    """Ends the session on the server: the old cookie opens nothing afterwards."""
    c.sessions.sign_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, **cookie_flags(request))
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    by: str = "street",
    street: str | None = None,
    community: str | None = None,
    from_month: Annotated[str | None, Query(alias="from")] = None,
    to_month: Annotated[str | None, Query(alias="to")] = None,
    as_of: AsOfText = None,
) -> HTMLResponse:
    """办结率 / 响应率 / 满意率 / 按期办结率 by street → community → grid, as of an instant."""
    by = by if by in ("street", "community", "grid", "category") else "street"
    ctx = Context(
        c, user, from_month or None, to_month or None, street, community, as_of=as_of or None
    )
    data = ctx.reads.rates(by)
    instant = f"&{urlencode({'as_of': as_of})}" if ctx.as_of.asked else ""
    months = [t.month for t in data.trend]
    chart = trend_svg(
        months,
        [
            Series(k, data.labels[k], [getattr(t.rates, k) for t in data.trend])
            for k in ("resolution_rate", "response_rate", "satisfaction_rate")
        ],
        data.target,
    )
    bars = {
        row.key: {
            k: rate_bar(getattr(row.rates, k), data.target)
            for k in ("resolution_rate", "on_time_rate", "response_rate", "satisfaction_rate")
        }
        for row in data.rows
    }
    child = DRILL.get(by)
    drill = {row.key: f"/ui/?by={child}&{by}={row.key}{instant}" for row in data.rows if child}
    j = c.service.jurisdiction
    return render(
        request,
        "dashboard.html",
        user,
        data=data,
        chart=chart,
        bars=bars,
        drill=drill,
        by=by,
        street=street,
        community=community,
        street_name=j.streets[street].name if street in j.streets else street,
        community_name=(j.communities[community].name if community in j.communities else community),
        from_month=from_month or "",
        to_month=to_month or "",
        as_of=as_of or "",
        instant=instant,
    )


@router.get("/grids", response_class=HTMLResponse)
def grids(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    community: str | None = None,
    as_of: AsOfText = None,
) -> HTMLResponse:
    """小事不出网格: per grid, share resolved in the grid and the cases that left it."""
    data = Context(c, user, community=community, as_of=as_of or None).reads.grids()
    return render(request, "grids.html", user, data=data, as_of=as_of or "")


@router.get("/units", response_class=HTMLResponse)
def units(
    request: Request, c: ContainerDep, user: PageUser, as_of: AsOfText = None
) -> HTMLResponse:
    """部门考核 as of an instant: 按时报到率 over the summonses due, those not yet due beside."""
    data = Context(c, user, as_of=as_of or None).reads.units()
    return render(request, "units.html", user, data=data, as_of=as_of or "")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: UUID,
    c: ContainerDep,
    user: PageUser,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """A case's timeline (who, role, when), late and overdue steps marked, funding, chain status."""
    current = c.service.get_case(case_id)
    c.policy.require(user, Action.READ, current)
    shown = c.service.case_at(case_id, version=version) if version else current
    records = c.service.history(case_id)
    j = c.service.jurisdiction
    timeline = []
    for r in records:
        timeline.append(
            {
                "version": r.version,
                "at": r.at,
                "label": "无效事件" if r.invalid else EVENT_LABELS.get(r.type, r.type),
                "actor": "—" if r.invalid else f"{r.actor_id}（{Role(r.actor_role).label}）",
                "text": describe(r, j),
                "hash": r.hash[:12],
                "late": bool(r.data.get("late")),
                "unanswered": len(r.data.get("unanswered", [])),
                "overdue": _overdue(r, current),
                "future": r.version > shown.version,
            }
        )
    funding: dict[str, int] = {}
    for p in shown.pledges:
        funding[p.party_kind.label] = funding.get(p.party_kind.label, 0) + p.amount_fen
    return render(
        request,
        "case.html",
        user,
        case=shown,
        current=current,
        timeline=timeline,
        funding=funding,
        problem=c.service.verify_case(case_id),
        place=f"{j.streets[shown.street_id].name} / {j.communities[shown.community_id].name}"
        f" / {j.grids[shown.grid_id].name}",
        category=j.categories[shown.category_id].name
        if shown.category_id in j.categories
        else shown.category_id,
        Level=Level,
    )


def _overdue(r: Any, case: Any) -> bool:
    if r.at is None:  # an invalid event has no time the domain vouches for
        return False
    if r.type == "CaseResolved":
        return bool(r.at > case.resolution_due)
    if case.first_response_at is not None and r.at == case.first_response_at:
        return bool(r.at > case.response_due)
    return False


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request, c: ContainerDep, user: PageUser, done: str = "", catching_up: str = ""
) -> HTMLResponse:
    """A liaison's open whistles with deadline countdowns and a report-in button."""
    unit_id = user.unit_id if user.role is Role.LIAISON else None
    data = None if unit_id is None else unit_inbox(c.ledger, unit_id, c.service.clock())
    return render(request, "inbox.html", user, data=data, done=done, catching_up=bool(catching_up))


@router.post("/inbox/{case_id}/{whistle_id}")
def report_in(
    case_id: UUID,
    whistle_id: str,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    unit_id = user.unit_id
    if unit_id is None:
        raise SignInRequired("/ui/inbox")
    result = c.service.report_in(
        case_id,
        actor=user.actor,
        whistle_id=whistle_id,
        unit_id=unit_id,
        note=note,
        context=CommandContext(guard=lambda case: c.policy.require(user, Action.REPORT_IN, case)),
    )
    return RedirectResponse(
        f"/ui/inbox?done={quote(whistle_id)}{_views_catching_up(c, result.position)}",
        status_code=303,
    )


def _views_catching_up(c: Container, position: int) -> str:
    """After a committed write: wait for the views as long as a read would, and if they are
    still behind say so on the next page (the write stands; an error page would invite a
    retry that only answers 已报到)."""
    try:
        c.projector.wait(position, timeout=WAIT_SECONDS)
    except TimeoutError:
        return "&catching_up=1"
    return ""


@router.get("/ledger", response_class=HTMLResponse)
def ledger(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    street: str | None = None,
    community: str | None = None,
    grid: str | None = None,
    status: Status | None = None,
    category: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The case ledger with filters and CSV/XLSX download."""
    # The form sends empty fields for "any"; an unknown id is said, not matched to nothing.
    filters = CaseFilterQuery(
        grid or None, community or None, street or None, status, category or None
    )
    filters.check(c.service.jurisdiction)
    q = LedgerQuery(c, user, filters)
    rows, total = c.ledger.list_cases(q.filter, q.scope, limit=50, offset=offset)
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("street", street),
            ("community", community),
            ("grid", grid),
            ("status", status.value if status else None),
            ("category", category),
        )
        if v
    )
    return render(
        request,
        "ledger.html",
        user,
        columns=COLUMNS,
        rows=[readable(r, c.service.jurisdiction, for_screen=True) for r in rows],
        total=total,
        offset=offset,
        query=query,
        j=c.service.jurisdiction,
        Status=Status,
        filters={
            "street": street,
            "community": community,
            "grid": grid,
            "status": status.value if status else "",
            "category": category,
        },
    )


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/ui/", status_code=303)

    @app.exception_handler(SignInRequired)
    def sign_in(_: Request, e: SignInRequired) -> Response:
        return RedirectResponse(f"/ui/login?next={quote(e.next_path)}", status_code=303)

    @app.exception_handler(DomainError)
    def domain_error(request: Request, e: DomainError) -> Response:
        # Console pages show errors as a page; the API keeps problem+json.
        if request.url.path.startswith("/ui/"):
            return templates.TemplateResponse(
                request, "error.html", {"user": None, "error": e}, status_code=status_of(e)
            )
        return problem_response(e)
