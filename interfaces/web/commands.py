"""Console routes for every write: 上报 on its own page, the rest as forms on the case page.

Each route calls the same ``CaseService`` method as the HTTP API, with a guard (the access
policy on the case the command loads) and the form's one-time key (``run_once``): a double
submit writes once. The form's ``expected_version`` is the API's If-Match: a stale page is
answered with the case as it now is. Errors are shown beside the fields, input kept."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from application.access import (
    Action,
    Forbidden,
    User,
    check_pledge_party,
    check_reporting_unit,
)
from application.errors import CaseNotFound, ConcurrencyConflict, StaleVersion
from application.idempotency import run_once
from application.requests import CommandContext, RequestKey
from application.views import CaseSnapshot, WriteResult
from domain.case import Case
from domain.errors import DomainError
from domain.jurisdiction import Placement
from domain.values import (
    Channel,
    Level,
    NoteKind,
    PartyKind,
    ReturnReason,
    Satisfaction,
    Solved,
    Urgency,
)
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep, scope_of
from interfaces.http.problems import status_of
from interfaces.web import forms
from interfaces.web.pages import _views_catching_up, case_page, render, templates
from interfaces.web.session import Csrf, PageUser
from projections.case_duplicates import Draft, LikelyDuplicate
from projections.queries import CaseFilter

router = APIRouter(prefix="/ui", include_in_schema=False)


async def posted(request: Request) -> FormData:
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]


def _key(c: Container, user: User, raw: FormData, path: str, fields: dict[str, Any]) -> Any:
    """The form's one-time key, with an HMAC of what it asks (as the API's request hash:
    the fields hold residents' phones)."""
    key = raw.get("form_key")
    if not isinstance(key, str) or not key:
        return None
    h = hmac.new(c.request_hmac_key, digestmod=hashlib.sha256)
    h.update(f"POST {path}\n".encode())
    h.update(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode())
    return RequestKey(user.user_id, key, h.hexdigest())


def _version(raw: FormData) -> int | None:
    value = raw.get("expected_version")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


# ----- 上报 -----------------------------------------------------------------------


def _new_case_page(
    request: Request,
    c: Container,
    user: User,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    j = c.service.jurisdiction
    grids = [
        (g.id, f"{j.communities[g.community_id].name} / {g.name}")
        for g in j.grids.values()
        if c.policy.covers_place(user, j.placement(g.id))
    ]
    response = render(
        request,
        "new_case.html",
        user,
        grids=grids,
        categories=[(k.id, k.name) for k in j.categories.values()],
        channels=list(Channel),
        urgencies=list(Urgency),
        values=values or {},
        errors=errors or {},
        form_key=forms.new_form_key(),
    )
    response.status_code = status_code
    return response


@router.get("/new-case", response_class=HTMLResponse)
def new_case_page(request: Request, c: ContainerDep, user: PageUser) -> HTMLResponse:
    """上报: a grid lead reports a case in one of their grids."""
    c.policy.require(user, Action.REPORT)
    return _new_case_page(request, c, user)


@router.post("/new-case")
def report_case(
    request: Request, c: ContainerDep, user: PageUser, _: Csrf, raw: Posted
) -> Response:
    c.policy.require(user, Action.REPORT)
    fields = forms.form_fields(raw)
    values = {k: v for k, v in raw.items() if k not in forms.PLUMBING}
    body, errors = forms.validate(forms.REPORT.model, fields)
    if body is None:
        return _new_case_page(request, c, user, values, errors, 422)

    def write(ctx: CommandContext) -> WriteResult:
        c.policy.require_place(user, Action.REPORT, c.service.jurisdiction.placement(body.grid_id))
        return c.service.report_case(actor=user.actor, **body.model_dump(), context=ctx)

    context = CommandContext(request_key=_key(c, user, raw, request.url.path, fields))
    try:
        result = run_once(c.idempotency, context, write=write, answer=c.service.recorded_answer)
    except (Forbidden, CaseNotFound):
        raise
    except DomainError as e:
        return _new_case_page(request, c, user, values, forms.domain_errors(e), status_of(e))
    return RedirectResponse(
        f"/ui/cases/{result.case_id}?done=report{_views_catching_up(c, result.position)}",
        status_code=303,
    )


# ----- commands on a case -----------------------------------------------------------


Call = Callable[[int | None, CommandContext], WriteResult]


def _call(c: Container, user: User, name: str, case_id: UUID, body: Any, raw: FormData) -> Call:
    """The service call a command makes, as the HTTP API's route makes it."""
    s, actor = c.service, user.actor
    match name:
        case "note":
            return lambda v, ctx: s.add_note(
                case_id, actor=actor, text=body.text, kind=body.kind,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "escalate":
            return lambda v, ctx: s.escalate(
                case_id, actor=actor, to_level=body.to_level, reason=body.reason,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "whistle":
            return lambda v, ctx: s.blow_whistle(
                case_id, actor=actor, unit_ids=body.unit_ids,
                report_in_deadline=body.report_in_deadline, reason=body.reason,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "report_in":
            whistle_id = str(raw.get("whistle_id") or "")
            unit_id = body.unit_id or user.unit_id or ""
            check_reporting_unit(user, unit_id)
            return lambda v, ctx: s.report_in(
                case_id, actor=actor, whistle_id=whistle_id, unit_id=unit_id, note=body.note,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "pledge":
            unit = body.unit_id or user.unit_id
            check_pledge_party(user, unit)
            return lambda v, ctx: s.pledge(
                case_id, actor=actor, party_kind=body.party_kind, party_name=body.party_name,
                amount_fen=body.amount_fen, unit_id=unit, purpose=body.purpose,
                currency=body.currency, expected_version=v, context=ctx,
            )  # fmt: skip
        case "resolve":
            return lambda v, ctx: s.resolve(
                case_id, actor=actor, summary=body.summary, expected_version=v, context=ctx
            )
        case "evaluate":
            return lambda v, ctx: s.evaluate_case(
                case_id, actor=actor, solved=body.solved, satisfaction=body.satisfaction,
                comment=body.comment, expected_version=v, context=ctx,
            )  # fmt: skip
        case "evaluate_unit":
            return lambda v, ctx: s.evaluate_unit(
                case_id, actor=actor, whistle_id=body.whistle_id, unit_id=body.unit_id,
                score=body.score, comment=body.comment, expected_version=v, context=ctx,
            )  # fmt: skip
        case "reopen":
            return lambda v, ctx: s.reopen(
                case_id, actor=actor, reason=body.reason, expected_version=v, context=ctx
            )
        case "close":
            return lambda v, ctx: s.close_case(
                case_id, actor=actor, remark=body.remark, expected_version=v, context=ctx
            )
        case "withdraw":
            return lambda v, ctx: s.withdraw(
                case_id, actor=actor, reason=body.reason, expected_version=v, context=ctx
            )
        case "mark_duplicate":
            # Linking to a case the user may not see would reveal whether it exists.
            c.policy.require(user, Action.READ, c.service.get_case(body.original_case_id))
            return lambda v, ctx: s.mark_duplicate(
                case_id, actor=actor, original_case_id=body.original_case_id,
                reason=body.reason, expected_version=v, context=ctx,
            )  # fmt: skip
        case "merge":
            return lambda v, ctx: s.merge_cases(
                case_id, body.case_ids, actor=actor, reason=body.reason,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "accept_order":
            return lambda v, ctx: s.accept_order(
                case_id, actor=actor, grid_id=body.grid_id, expected_version=v, context=ctx
            )
        case "return_order":
            return lambda v, ctx: s.return_order(
                case_id, actor=actor, reason=body.reason, note=body.note,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "request_extension" | "decide_extension":

            def level(case: Any) -> Level:
                return c.policy.level_of(user, case)

            if name == "request_extension":
                return lambda v, ctx: s.request_extension(
                    case_id, actor=actor, level=level, reason=body.reason, new_due=body.new_due,
                    expected_version=v, context=ctx,
                )  # fmt: skip
            return lambda v, ctx: s.decide_extension(
                case_id, actor=actor, level=level, approved=body.approved, comment=body.comment,
                expected_version=v, context=ctx,
            )  # fmt: skip
        case "send_feedback":
            return lambda v, ctx: s.send_feedback(
                case_id, actor=actor, text=body.text, expected_version=v, context=ctx
            )
    raise HTTPException(404)


def _units(name: str, body: Any, user: User) -> list[str]:
    """The units the write summons, scores or pledges for: each must serve the place."""
    if name == "whistle":
        return list(body.unit_ids)
    if name == "evaluate_unit":
        return [body.unit_id]
    if name == "pledge":
        unit = body.unit_id or user.unit_id
        return [unit] if unit else []
    return []


def _fields_for(name: str, raw: FormData) -> dict[str, Any]:
    fields = forms.form_fields(raw)
    if name == "report_in":
        fields.pop("whistle_id", None)  # in the API's path, not its body
    return fields


def _again(
    request: Request,
    c: Container,
    user: User,
    case_id: UUID,
    state: dict[str, Any],
    status_code: int,
) -> HTMLResponse:
    """The case page again, as it now is, with the failed form's input and errors."""
    request.state.form = state
    response = case_page(request, case_id, c, user)
    response.status_code = status_code
    return response


@router.post("/cases/{case_id}/do/{name}")
def run_command(
    request: Request,
    case_id: UUID,
    name: str,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    raw: Posted,
) -> Response:
    command = forms.COMMANDS.get(name)
    if command is None:
        raise HTTPException(404)
    fields = _fields_for(name, raw)
    values = {k: raw.getlist(k) if k in forms.LIST_FIELDS else v for k, v in raw.items()}
    state: dict[str, Any] = {"name": name, "values": values, "errors": {}, "stale": False}
    body, errors = forms.validate(command.model, fields)
    if body is None:
        c.policy.require(user, command.action, c.service.get_case(case_id))
        return _again(request, c, user, case_id, {**state, "errors": errors}, 422)
    try:
        call = _call(c, user, name, case_id, body, raw)
    except CaseNotFound as e:
        if name != "mark_duplicate":
            raise
        return _again(request, c, user, case_id, {**state, "errors": forms.domain_errors(e) | {
            "original_case_id": e.zh}}, 422)  # fmt: skip
    units = _units(name, body, user)

    def guard(case: Case) -> None:
        c.policy.require(user, command.action, case)
        c.policy.require_serving(units, case)

    version = _version(raw)
    context = CommandContext(guard=guard, request_key=_key(c, user, raw, request.url.path, fields))
    try:
        result = run_once(
            c.idempotency,
            context,
            write=lambda ctx: call(version, ctx),
            answer=c.service.recorded_answer,
        )
    except (StaleVersion, ConcurrencyConflict):
        return _again(request, c, user, case_id, {**state, "stale": True}, 409)
    except (Forbidden, CaseNotFound):
        raise
    except DomainError as e:
        return _again(
            request, c, user, case_id, {**state, "errors": forms.domain_errors(e)}, status_of(e)
        )
    return RedirectResponse(
        f"/ui/cases/{case_id}?done={name}{_views_catching_up(c, result.position)}",
        status_code=303,
    )


# ----- what the case page's partial shows -----------------------------------------------


def case_actions(request: Request, user: User | None, case: CaseSnapshot) -> dict[str, Any]:
    """Everything ``case_actions.html`` needs: the forms this user may use on this case in
    its present state, with choices from the reference data, fresh keys, the last error."""
    if user is None:
        return {"commands": []}
    c: Container = request.app.state.container
    j = c.service.jurisdiction
    commands = forms.available(c.policy, user, case, c.service.separate_callback)
    # The case's own place (a 12345 order may not be placed in a grid yet).
    placement = Placement(case.district_id, case.street_id, case.community_id, case.grid_id)
    serving = [(u.id, u.name) for u in j.units.values() if u.serves.covers(placement)]
    names = {u.id: u.name for u in j.units.values()}
    own = user.unit_id if user.role.value == "liaison" else None
    report_ins = [
        (w.whistle_id, u, names.get(u, u))
        for w in case.whistles
        for u in w.pending_unit_ids
        if own is None or u == own
    ]
    scored = {(s.whistle_id, s.unit_id) for s in case.unit_scores}
    to_score = [
        (w.whistle_id, u, names.get(u, u))
        for w in case.whistles
        for u in w.unit_ids
        if (w.whistle_id, u) not in scored
    ]
    if not report_ins:
        commands = [k for k in commands if k.name != "report_in"]
    if not to_score:
        commands = [k for k in commands if k.name != "evaluate_unit"]
    if not serving:
        commands = [k for k in commands if k.name != "whistle"]
    likely = _likely_duplicates(c, user, case)
    may_merge = any(k.name == "merge" for k in commands)
    if not likely:  # 合并 offers the likely duplicates; with none, there is no form
        commands = [k for k in commands if k.name != "merge"]
    query = request.query_params.get("dup_q", "").strip()[:100]
    return {
        "commands": commands,
        "keys": {k.name: forms.new_form_key() for k in commands},
        "form": getattr(request.state, "form", None) or {"name": "", "values": {}, "errors": {}},
        "done": forms.COMMANDS[d].label
        if (d := request.query_params.get("done", "")) in forms.COMMANDS
        else ("上报" if d == "report" else ""),
        "catching_up": bool(request.query_params.get("catching_up")),
        "higher_levels": [lv for lv in Level if lv.rank > case.level.rank],
        "serving": serving,
        "report_ins": report_ins,
        "to_score": to_score,
        "own_unit": own,
        "pledge_units": [(own, names.get(own, own))] if own else serving,
        "note_kinds": list(NoteKind),
        "party_kinds": list(PartyKind),
        "solved": list(Solved),
        "satisfaction": list(Satisfaction),
        "likely": likely,
        # 将本案合并到…: one form per likely duplicate, posted to that case (it keeps its
        # own version check off: the candidate's version is not on this page)
        "merge_into_keys": {d.case_id: forms.new_form_key() for d in likely} if may_merge else {},
        "order_grids": _order_grids(j, case),
        "return_reasons": list(ReturnReason),
        "dup_q": query,
        "dup_found": _duplicates(c, user, case, query) if query else [],
        "STALE": forms.STALE_ZH,
    }


def _likely_duplicates(c: Container, user: User, case: CaseSnapshot) -> list[LikelyDuplicate]:
    """可能重复的案件 of an open case, among those the user may see."""
    if case.status.is_final:
        return []
    draft = Draft(
        case.grid_id,
        case.category_id,
        case.title,
        case.description,
        case.reported_at,
        exclude_case_id=str(case.case_id),
    )
    return c.duplicates.likely(draft, scope_of(user, c))


def _order_grids(j: Any, case: CaseSnapshot) -> list[tuple[str, str]]:
    """A 12345 order not yet placed: the grids of its street, for 签收."""
    if case.work_order is None or case.grid_id:
        return []
    return [
        (g.id, f"{j.communities[g.community_id].name} / {g.name}")
        for g in j.grids.values()
        if j.communities[g.community_id].street_id == case.street_id
    ]


def _duplicates(c: Container, user: User, case: CaseSnapshot, query: str) -> list[Any]:
    """Cases in the user's ledger whose title contains the words or whose id starts so."""
    rows, _ = c.ledger.list_cases(CaseFilter(), scope_of(user, c), limit=200, offset=0)
    q = query.lower()
    return [
        r
        for r in rows
        if str(r["case_id"]) != str(case.case_id)
        and (q in str(r["title"]).lower() or str(r["case_id"]).startswith(q))
    ][:10]


templates.env.globals["case_actions"] = case_actions
