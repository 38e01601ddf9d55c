"""The work queue (我的待办) as the API answers it."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

from domain.values import Status, Urgency
from interfaces.http.schemas import Instant


class QueueItemPublic(BaseModel):
    """One thing to act on: the case, the task, and the deadline it runs against."""

    case_id: UUID
    title: str
    status: Status
    urgency: Urgency
    category_id: str
    street_id: str
    community_id: str
    grid_id: str
    reported_at: Instant
    task: str  # respond | accept | resolve | follow_up | report_in
    task_label: str  # 待响应 | 待签收 | 待办结 | 待回访 | 待报到
    deadline_kind: str | None  # response | resolution | report_in; None: no time limit
    deadline_label: str | None  # 响应 | 办结 | 报到
    due: Instant | None
    seconds_left: int | None  # negative once overdue
    overdue: bool  # 超期
    whistle_id: str | None


class WorkQueue(BaseModel):
    as_of: Instant
    items: list[QueueItemPublic]
