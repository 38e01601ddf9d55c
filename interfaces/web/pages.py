"""Console pages (Chinese, readable without JavaScript). Figures come from the same read
services as the JSON API (projections/dashboard_reads.py), so the two never disagree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from application.access import Action, Forbidden
from application.requests import CommandContext
from application.sessions import BadSignIn
from domain.errors import DomainError
from domain.events import EVENT_LABELS
from domain.evidence import EvidenceKind
from domain.times import beijing_readable
from domain.values import Level, Role, fen_to_yuan_text
from interfaces.bootstrap import Container
from interfaces.event_text import describe
from interfaces.http.dashboard_context import AsOfText, Context
from interfaces.http.deps import SESSION_COOKIE, ContainerDep
from interfaces.http.routes.files import file_href
from interfaces.http.routes.inbox_stream import views_position
from interfaces.http.waiting import WAIT_SECONDS
from interfaces.web import admin, admin_notifications, errors, ledger
from interfaces.web.charts import Series, rate_bar, trend_svg
from interfaces.web.people import People, with_role
from interfaces.web.session import (
    CSRF_COOKIE,
    Csrf,
    PageUser,
    SignInRequired,
    cookie_flags,
    new_csrf,
)
from projections.inbox import unit_inbox

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    pct=lambda v: "—" if v is None else f"{v * 100:.1f}%",
    yuan=fen_to_yuan_text,
    local=beijing_readable,
    with_role=with_role,
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


API_ONLY_ROLES = frozenset({Role.PLATFORM, Role.PORTAL})


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
    signed_in = c.sessions.user_of(session_id, touch=False)
    if signed_in is not None and signed_in.role in API_ONLY_ROLES:
        # the 12345 platform and residents' apps work through the API: no console page opens
        c.sessions.sign_out(session_id)
        return RedirectResponse(f"/ui/login?error=api&next={quote(next)}", status_code=303)
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
) -> Response:
    """办结率 / 响应率 / 满意率 / 按期办结率 by street → community → grid, as of an instant.
    A reporting member sees no case: their start page is their community's needs."""
    if user.role is Role.MEMBER:
        return RedirectResponse("/ui/needs", status_code=303)
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
    contact: bool = False,
) -> HTMLResponse:
    """A case's timeline (who, role, when), late and overdue steps marked, funding, chain
    status. The resident's contact only on request (``?contact=1``), to roles allowed it,
    through the same logged read as the API's."""
    current = c.service.get_case(case_id)
    c.policy.require(user, Action.READ, current)
    people = People(c.users)
    resident = None
    if contact:
        c.policy.require(user, Action.CONTACT, current)
        resident = c.service.resident_contact(case_id, reader=user.actor)
    shown = c.service.case_at(case_id, version=version) if version else current
    records = c.service.history(case_id)
    j = c.service.jurisdiction
    files = evidence_by_step(case_id, records)
    timeline = []
    for r in records:
        timeline.append(
            {
                "version": r.version,
                "at": r.at,
                "label": "无效事件" if r.invalid else EVENT_LABELS.get(r.type, r.type),
                "actor": "—" if r.invalid else people.who(r.actor_id, r.actor_role),
                "text": describe(r, j),
                "hash": r.hash[:12],
                "late": bool(r.data.get("late")),
                "unanswered": len(r.data.get("unanswered", [])),
                "overdue": _overdue(r, current),
                "future": r.version > shown.version,
                "files": files.get(r.version, []),
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
        place=place_text(j, shown.street_id, shown.community_id, shown.grid_id),
        category=j.categories[shown.category_id].name
        if shown.category_id in j.categories
        else shown.category_id,
        Level=Level,
        people=people,
        may_read_contact=_may(c, user, Action.CONTACT, current),
        asked_contact=contact,
        resident=resident,
    )


def evidence_by_step(case_id: UUID, records: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """The files each step documents, as links (thumbnails for images) for its timeline entry."""
    out: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        if r.type != "EvidenceAttached":
            continue
        d = r.data
        out.setdefault(d["step"], []).append(
            {
                "name": d["name"],
                "kind": EvidenceKind(d["kind"]).label,
                "href": file_href(case_id, d["sha256"]),
                "thumbnail": file_href(case_id, d["sha256"], True)
                if d.get("thumbnail_sha256")
                else None,
                "sha256": d["sha256"][:12],
            }
        )
    return out


def _may(c: Container, user: Any, action: Action, case: Any) -> bool:
    try:
        c.policy.require(user, action, case)
    except (Forbidden, DomainError):
        return False
    return True


def place_text(j: Any, street_id: str, community_id: str, grid_id: str) -> str:
    """Street / community / grid; a 12345 order not yet placed sits at its street."""
    street = j.streets[street_id].name
    if not grid_id:
        return f"{street} / 待定位网格（12345工单，签收时定位）"
    return f"{street} / {j.communities[community_id].name} / {j.grids[grid_id].name}"


def _overdue(r: Any, case: Any) -> bool:
    if r.at is None:  # an invalid event has no time the domain vouches for
        return False
    if r.type == "CaseResolved":
        return bool(r.at > case.resolution_due)
    if case.first_response_at is not None and r.at == case.first_response_at:
        return bool(r.at > case.response_due)
    return False


@router.post("/cases/{case_id}/files")
def attach_file(
    case_id: UUID,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    file: Annotated[UploadFile, File()],
    kind: Annotated[EvidenceKind, Form()],
) -> Response:
    """Attach a photo or PDF to the case's newest step, from its page (whoever may note)."""
    data = file.file.read(c.settings.max_upload_bytes + 1)
    c.service.attach_evidence(
        case_id,
        actor=user.actor,
        data=data,
        name=file.filename,
        kind=kind,
        context=CommandContext(guard=lambda case: c.policy.require(user, Action.NOTE, case)),
    )
    return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request, c: ContainerDep, user: PageUser, done: str = "", catching_up: str = ""
) -> HTMLResponse:
    """A liaison's open whistles with deadline countdowns and a report-in button."""
    unit_id = user.unit_id if user.role is Role.LIAISON else None
    # Read before the rows: the live stream starts here, so nothing between is missed
    # (a whistle both listed and streamed is shown once: rows are keyed by whistle).
    position = views_position(c)
    data = None if unit_id is None else unit_inbox(c.ledger, unit_id, c.service.clock())
    j = c.service.jurisdiction
    unit = j.units.get(unit_id) if unit_id else None
    return render(
        request,
        "inbox.html",
        user,
        data=data,
        position=position,
        done=done,
        catching_up=bool(catching_up),
        unit_name=unit.name if unit else unit_id,
        whistles=_whistles(c, data.items) if data else {},
    )


def _whistles(c: Container, items: list[Any]) -> dict[tuple[str, str], dict[str, str]]:
    """Each open summons' reason and place (grid / community), read from its case."""
    j, out = c.service.jurisdiction, {}
    for item in items:
        case = c.service.get_case(UUID(item.case_id))
        whistle = next((w for w in case.whistles if w.whistle_id == item.whistle_id), None)
        grid, community = j.grids.get(case.grid_id), j.communities.get(case.community_id)
        out[(item.case_id, item.whistle_id)] = {
            "reason": whistle.reason if whistle else "",
            "place": f"{community.name if community else case.community_id} / "
            f"{grid.name if grid else case.grid_id}",
        }
    return out


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


def install(app: FastAPI) -> None:
    from interfaces.web.commands import router as commands  # imports this module

    app.include_router(router)
    app.include_router(commands)
    app.include_router(ledger.router)
    app.include_router(admin.router)
    app.include_router(admin_notifications.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/ui/", status_code=303)

    @app.exception_handler(SignInRequired)
    def sign_in(_: Request, e: SignInRequired) -> Response:
        return RedirectResponse(f"/ui/login?next={quote(e.next_path)}", status_code=303)

    errors.install(app, templates)
