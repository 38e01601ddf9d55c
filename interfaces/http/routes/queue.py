"""我的待办: what the caller has to act on next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from interfaces.http.queue_query import Queue
from interfaces.http.queue_schemas import WorkQueue
from interfaces.http.waiting import wait_for_position

router = APIRouter(tags=["queue"])


@router.get("/queue", response_model=WorkQueue)
def queue(
    q: Queue,
    min_position: Annotated[
        int | None, Query(ge=0, description="wait until views include this log position")
    ] = None,
) -> WorkQueue:
    """The caller's work queue in its scope: a grid lead's open cases, a coordinator's
    cases to act on or follow up (回访), a liaison's unanswered whistles — each with the
    deadline it runs against and the time left (超期 once past), most urgent first."""
    ledger = wait_for_position(q.c, min_position).side.ledger
    now = q.c.service.clock()
    items = q.items(now, ledger)
    return WorkQueue.model_validate({"as_of": now, "items": items}, from_attributes=True)
