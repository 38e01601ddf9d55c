"""The console's 通知投递 page (admins only): the webhook outbox by status — 待发送, 已发送,
死信 — and 重新投递 for a dead letter, through the same store as
``POST /admin/notifications/{id}/replay`` and ``chuishao notify replay``.

Everything a receiver wrote (its error text) is shown as text, never as markup: the
templates escape it. A replay answers with a redirect (a reload does not post again); a
form sent twice queues the letter once: the second finds it already replayed and says so.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from application.access import Forbidden, User
from application.notifications import KIND_LABELS, STATUS_LABELS, NotReplayable
from domain.values import Role
from interfaces.http.deps import ContainerDep
from interfaces.http.routes.notifications import DeliveryId
from interfaces.web.session import Csrf, PageUser

router = APIRouter(prefix="/ui/admin", include_in_schema=False)
Status = Literal["pending", "dead", "sent"]
PAGE = 200
DONE = {"replayed": "已重新排队投递", "already": "该通知已重新投递过，未再次排队"}


def _require_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden("只有管理员可以查看和重发通知", "only administrators manage notifications")


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    status: Annotated[Status, Query()] = "dead",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Deliveries of one status, newest first, with the counts of each."""
    from interfaces.web.pages import render

    _require_admin(user)
    store = c.notifier.store
    endpoints = c.notifier.config.endpoints
    rows = [
        {
            "row": r,
            "case_title": str(r.payload.get("case_title", "")),
            "kind": KIND_LABELS.get(r.kind, r.kind),
            "receiver": endpoints[r.endpoint_id].name if r.endpoint_id in endpoints else "",
        }
        for r in store.listed(status, PAGE)
    ]
    # an admin seeing no deliveries can tell "nothing happened" from "receiver switched off"
    receivers = [(e, True) for e in endpoints.values()] + [
        (e, False) for e in c.notifier.switched_off
    ]
    response = render(
        request,
        "admin_notifications.html",
        user,
        receivers=receivers,
        hotline_platform=c.notifier.config.hotline_platform,
        status=status,
        statuses=STATUS_LABELS,
        counts=store.counts(),
        rows=rows,
        done=DONE.get(done, ""),
        page_size=PAGE,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/notifications/{delivery_id}/replay")
def replay(
    delivery_id: DeliveryId,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    replays: Annotated[int, Form(ge=0)],
) -> Response:
    """Queue a dead letter again under its delivery id. ``replays`` is how many times it
    had been replayed when the page was drawn: more now means this form was sent before
    (or another admin was quicker), and the answer is the same as the first."""
    _require_admin(user)
    store = c.notifier.store
    done = "already"
    if store.get(delivery_id).replays <= replays:
        try:
            store.replay(delivery_id, c.service.clock())
            done = "replayed"
        except NotReplayable:  # not dead: unless a twin of this form just replayed it
            if store.get(delivery_id).replays <= replays:
                raise
    return RedirectResponse(f"/ui/admin/notifications?status=dead&done={done}", status_code=303)
