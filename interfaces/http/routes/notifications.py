"""Admins only: the webhook outbox — dead letters (and what is pending or sent), replay."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from application.access import Forbidden, User
from application.notifications import KIND_LABELS, STATUS_LABELS
from domain.values import Role
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.schemas import Instant
from projections.outbox import OutboxRow

router = APIRouter(prefix="/admin/notifications", tags=["notifications"])


class DeliveryPublic(BaseModel):
    delivery_id: str
    case_id: str
    kind: str
    kind_zh: str
    endpoint_id: str
    status: Literal["pending", "sent", "dead"]
    status_zh: str
    attempts: int
    replays: int
    created_at: Instant
    next_attempt_at: Instant
    sent_at: Instant | None
    dead_at: Instant | None
    last_status: int | None
    last_error: str | None
    text: str

    @classmethod
    def of(cls, r: OutboxRow) -> DeliveryPublic:
        return cls(
            delivery_id=r.delivery_id,
            case_id=r.case_id,
            kind=r.kind,
            kind_zh=KIND_LABELS.get(r.kind, r.kind),
            endpoint_id=r.endpoint_id,
            status=r.status,  # type: ignore[arg-type]
            status_zh=STATUS_LABELS.get(r.status, r.status),
            attempts=r.attempts,
            replays=r.replays,
            created_at=r.created_at,
            next_attempt_at=r.next_attempt_at,
            sent_at=r.sent_at,
            dead_at=r.dead_at,
            last_status=r.last_status,
            last_error=r.last_error,
            text=str(r.payload.get("text", "")),
        )


class DeliveryList(BaseModel):
    counts: dict[str, int]
    items: list[DeliveryPublic]


def require_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden("只有管理员可以查看和重发通知", "only administrators manage notifications")


DeliveryId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


@router.get("", response_model=DeliveryList)
def listed(
    c: ContainerDep,
    user: CurrentUser,
    status: Annotated[Literal["pending", "sent", "dead"] | None, Query()] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryList:
    """Deliveries newest first: by default the dead letters (死信) admins may replay."""
    require_admin(user)
    store = c.notifier.store
    return DeliveryList(
        counts=store.counts(),
        items=[DeliveryPublic.of(r) for r in store.listed(status, limit)],
    )


@router.post("/{delivery_id}/replay", response_model=DeliveryPublic)
def replay(delivery_id: DeliveryId, c: ContainerDep, user: CurrentUser) -> DeliveryPublic:
    """Send a dead letter again from its first attempt, under the same delivery id (the
    receiver drops it if it had acted on it). 404 if unknown, 409 if not dead."""
    require_admin(user)
    return DeliveryPublic.of(c.notifier.store.replay(delivery_id, c.service.clock()))
