"""Notifications from the log: which event sends what to whom, as webhooks.

``NOTICE_RULES`` is the whole mapping, one line per kind of event: the outbox projection
(projections/outbox.py) asks it for the deliveries an event makes, and writes them in the
transaction that moves its position, so each is written once. Where an endpoint is (its URL,
its secret's environment variable) comes from the jurisdiction file's ``[notify]`` section
(infrastructure/notify_config.py); secrets never enter the log or the outbox.

The 12345 platform hears each order's 反馈 (``FeedbackSent``), and every order merged into
a case shares that case's outcome: its 反馈, the resolution of a case that is no order, or —
merged after either — the outcome it already has. One delivery per (event, order id).

Delivery is at least once: a sender killed between the POST and marking it sent sends it
again after a restart, with the same ``delivery_id``. Receivers drop repeats by that id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from application.errors import ApplicationError
from application.views import CaseSnapshot
from domain.jurisdiction import Jurisdiction
from domain.notices import NOTICE_LABELS
from domain.times import beijing_readable, utc_text

DELIVERY_NAMESPACE = uuid.UUID("5d0c3f1e-8a51-4c8e-9f4e-2b7f0e6c1a90")
FORMATS = ("json", "wecom", "dingtalk")  # our signed JSON; 政务微信 / 钉钉 robot messages

KIND_LABELS = NOTICE_LABELS | {
    "whistle_blown": "吹哨召集",
    "feedback": "12345反馈",
    "supervised": "12345督办",
}


@dataclass(frozen=True)
class Endpoint:
    """Where webhooks go. The URL is given plainly or named by an environment variable
    (robot URLs embed their key); the HMAC secret is always named by one."""

    id: str
    name: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    format: str = "json"

    def usable(self, environ: Mapping[str, str]) -> bool:
        """Its URL is known and its secret, if it names one, is set."""
        url_known = self.url is not None or bool(self.url_env and environ.get(self.url_env))
        return url_known and (self.secret_env is None or bool(environ.get(self.secret_env)))


@dataclass(frozen=True)
class NotifyConfig:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # unit id → endpoint id
    streets: dict[str, str] = field(default_factory=dict)  # street id → endpoint id (超期)
    hotline_platform: str | None = None  # the 12345 platform's endpoint (反馈)

    def usable(self, environ: Mapping[str, str]) -> tuple[NotifyConfig, list[Endpoint]]:
        """The configuration less the endpoints whose URL or secret variable is unset in
        ``environ``, and those endpoints. A file may name endpoints that a deployment
        (the demo) never switches on: nothing is written to the outbox for them, so no
        dead letters pile up; setting the variables and restarting switches them on."""
        off = [e for e in self.endpoints.values() if not e.usable(environ)]
        if not off:
            return self, []
        gone = {e.id for e in off}
        endpoints = {k: e for k, e in self.endpoints.items() if k not in gone}
        units = {k: v for k, v in self.units.items() if v not in gone}
        streets = {k: v for k, v in self.streets.items() if v not in gone}
        platform = None if self.hotline_platform in gone else self.hotline_platform
        return NotifyConfig(endpoints, units, streets, platform), off


@dataclass(frozen=True)
class Delivery:
    """One webhook to send: written to the outbox once, by its ``delivery_id``."""

    delivery_id: str
    case_id: str
    notice_key: str
    kind: str
    endpoint_id: str
    payload: dict[str, Any]
    occurred_at: datetime


def _no_case(case_id: str) -> CaseSnapshot | None:
    return None


@dataclass(frozen=True)
class Context:
    """What a rule may read: the case as of the event, the places and units, the routes,
    and ``case_of``: another case as it stands now, by id (None if unknown) — the reports
    merged into this one, for their 反馈."""

    case: CaseSnapshot
    jurisdiction: Jurisdiction
    config: NotifyConfig
    position: int
    case_of: Callable[[str], CaseSnapshot | None] = _no_case


Rule = Callable[[Any, Context], list[Delivery]]


def delivery(
    e: Any,
    ctx: Context,
    *,
    kind: str,
    key: str,
    endpoint_id: str | None,
    about: CaseSnapshot | None = None,
    **facts: Any,
) -> list[Delivery]:
    """The delivery of notice ``key`` of a case to ``endpoint_id`` (none if no endpoint is
    configured there); the case is the event's unless ``about`` names another (a report
    merged into it). Its id is derived from case, key and endpoint: a replay of the log
    derives the same id, which the outbox already holds."""
    if endpoint_id is None or endpoint_id not in ctx.config.endpoints:
        return []
    case = about or ctx.case
    case_id = str(e.originator_id if about is None else about.case_id)
    delivery_id = str(uuid.uuid5(DELIVERY_NAMESPACE, f"{case_id}\x1f{key}\x1f{endpoint_id}"))
    payload: dict[str, Any] = {
        "delivery_id": delivery_id,
        "kind": kind,
        "kind_zh": KIND_LABELS.get(kind, kind),
        "case_id": case_id,
        "case_title": case.title,
        "position": ctx.position,
        "occurred_at": utc_text(e.timestamp),
        **{k: utc_text(v) if isinstance(v, datetime) else v for k, v in facts.items()},
    }
    payload["text"] = message(payload)
    return [Delivery(delivery_id, case_id, key, kind, endpoint_id, payload, e.timestamp)]


def message(p: dict[str, Any]) -> str:
    """The notice in one line of Chinese, for the people a robot posts it to."""
    head = f"【{p['kind_zh']}】{p['case_title']}"
    deadline = beijing_readable(datetime.fromisoformat(p["deadline"])) if p.get("deadline") else ""
    unit = p.get("unit_name", "")
    match p["kind"]:
        case "whistle_blown":
            return f"{head}：请{unit}于 {deadline} 前报到。事由：{p.get('reason', '')}"
        case "report_in_near":
            return f"{head}：{unit}报到时限 {deadline}，请尽快报到。"
        case "report_in_passed":
            return f"{head}：{unit}已超过报到时限 {deadline}，尚未报到。"
        case "case_overdue":
            return f"{head}：已超过办结时限 {deadline}，尚未办结。"
        case "supervised":
            return f"{head}：12345平台督办工单 {p['order_id']}（办结时限 {deadline}）：{p['note']}"
        case "feedback":
            resolved = beijing_readable(datetime.fromisoformat(p["resolved_at"]))
            merged = "（已合并办理）" if p.get("merged_into") else ""
            return (
                f"{head}：工单 {p['order_id']}{merged}已于 {resolved} 办结，反馈：{p['resolution']}"
            )
    return head


def _unit_name(ctx: Context, unit_id: str) -> str:
    unit = ctx.jurisdiction.units.get(unit_id)
    return unit.name if unit else unit_id


def whistle_blown(e: Any, ctx: Context) -> list[Delivery]:
    """吹哨: each summoned unit that has an endpoint is told, once per whistle."""
    return [
        d
        for unit_id in e.unit_ids
        for d in delivery(
            e,
            ctx,
            kind="whistle_blown",
            key=f"whistle_blown:{e.whistle_id}:{unit_id}",
            endpoint_id=ctx.config.units.get(unit_id),
            whistle_id=e.whistle_id,
            unit_id=unit_id,
            unit_name=_unit_name(ctx, unit_id),
            deadline=e.report_in_deadline,
            reason=e.reason,
        )
    ]


def supervised(e: Any, ctx: Context) -> list[Delivery]:
    """督办: the platform presses an order; the street that holds it is told, once each."""
    return delivery(
        e,
        ctx,
        kind="supervised",
        key=f"supervised:{e.originator_version}",
        endpoint_id=ctx.config.streets.get(ctx.case.street_id),
        order_id=e.order_id,
        note=e.note,
        street_id=ctx.case.street_id,
        deadline=ctx.case.resolution_due,
    )


def deadline_notice(e: Any, ctx: Context) -> list[Delivery]:
    """临期/超期: a unit's reminder goes to the unit; a case overdue to its street."""
    facts: dict[str, Any] = {"deadline": e.deadline}
    if e.unit_id is not None:
        endpoint = ctx.config.units.get(e.unit_id)
        facts |= {
            "whistle_id": e.whistle_id,
            "unit_id": e.unit_id,
            "unit_name": _unit_name(ctx, e.unit_id),
        }
    else:
        endpoint = ctx.config.streets.get(ctx.case.street_id)
        facts["street_id"] = ctx.case.street_id
    return delivery(e, ctx, kind=e.kind, key=e.key, endpoint_id=endpoint, **facts)


# ----- 反馈 to the 12345 platform: one delivery per order that shares an outcome ----------


@dataclass(frozen=True)
class Feedback:
    """A round's outcome as the platform is told it."""

    round: int
    resolution: str
    resolved_at: datetime


def feedback_to(e: Any, ctx: Context, order: CaseSnapshot, outcome: Feedback) -> list[Delivery]:
    """The 反馈 of ``outcome`` for ``order`` (the event's case, or a report merged into it,
    which then names the original as ``merged_into``). One per (event, order): a replay
    of the log derives the same delivery id."""
    assert order.work_order is not None
    order_id = order.work_order.order_id
    merged = {} if order.case_id == ctx.case.case_id else {"merged_into": str(ctx.case.case_id)}
    return delivery(
        e,
        ctx,
        kind="feedback",
        key=f"feedback:{e.originator_id}:{e.originator_version}:{order_id}",
        endpoint_id=ctx.config.hotline_platform,
        about=order,
        order_id=order_id,
        round=outcome.round,
        resolution=outcome.resolution,
        resolved_at=outcome.resolved_at,
        **merged,
    )


def merged_orders(ctx: Context, case_ids: list[str]) -> list[CaseSnapshot]:
    """Those of ``case_ids`` (reports merged into the event's case) that are 12345 orders."""
    found = (ctx.case_of(case_id) for case_id in case_ids)
    return [c for c in found if c is not None and c.work_order is not None]


def to_merged_orders(
    e: Any, ctx: Context, case_ids: list[str], outcome: Feedback
) -> list[Delivery]:
    return [
        d for order in merged_orders(ctx, case_ids) for d in feedback_to(e, ctx, order, outcome)
    ]


def feedback_sent(e: Any, ctx: Context) -> list[Delivery]:
    """反馈 of an order: to the platform for the order itself and every order merged into it."""
    outcome = Feedback(e.round, e.resolution, e.resolved_at)
    own = feedback_to(e, ctx, ctx.case, outcome)
    return own + to_merged_orders(e, ctx, ctx.case.merged_case_ids, outcome)


def resolved_with_merged_orders(e: Any, ctx: Context) -> list[Delivery]:
    """办结 of a case that is no order itself (it has no 反馈 step): its resolution is the
    反馈 of each order merged into it. An order's own resolution waits for its 反馈."""
    if ctx.case.work_order is not None:
        return []
    outcome = Feedback(e.round, e.summary, e.timestamp)
    return to_merged_orders(e, ctx, ctx.case.merged_case_ids, outcome)


def current_outcome(case: CaseSnapshot) -> Feedback | None:
    """What a report merged now is told: the round's 反馈 (an order) or its resolution (a
    case that is no order); None while there is none yet (it comes with that step)."""
    r = case.resolution
    if r is None:
        return None
    order = case.work_order
    if order is None:
        return Feedback(r.round, r.summary, r.at)
    if case.round not in order.feedback_rounds:
        return None
    return Feedback(case.round, order.feedback or r.summary, r.at)


def merged_after_outcome(e: Any, ctx: Context) -> list[Delivery]:
    """合并 into a case that already has its outcome: the newly merged orders get it."""
    outcome = current_outcome(ctx.case)
    if outcome is None:
        return []
    return to_merged_orders(e, ctx, [*e.case_ids, *e.also_case_ids], outcome)


NOTICE_RULES: dict[str, Rule] = {
    "WhistleBlown": whistle_blown,
    "DeadlineNoticeRecorded": deadline_notice,
    "FeedbackSent": feedback_sent,
    "CaseResolved": resolved_with_merged_orders,
    "CallersMerged": merged_after_outcome,
    "WorkOrderSupervised": supervised,
}
"""Event class name → the deliveries it makes. Events not named here send nothing."""


@dataclass(frozen=True)
class Backoff:
    """Retry timing: ``base × 2^(attempt-1)``, capped, with "full jitter" between half
    and all of it (so a receiver back from an outage is not hit by every sender at once);
    after ``max_attempts`` failures a delivery is dead-lettered for an admin to replay."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8

    def delay(self, attempts: int, jitter: float) -> timedelta:
        """The wait after the ``attempts``-th failure; ``jitter`` is in [0, 1)."""
        raw: timedelta = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        return raw * (0.5 + jitter / 2)


class DeliveryNotFound(ApplicationError):
    code = "delivery_not_found"

    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"通知投递记录不存在：{delivery_id}", f"no delivery {delivery_id}")


class NotReplayable(ApplicationError):
    """Only a dead-lettered delivery is replayed (a pending one is still being tried)."""

    code = "delivery_not_dead"

    def __init__(self, delivery_id: str, status: str) -> None:
        super().__init__(
            f"只有死信（多次投递失败）可以重新投递；该通知状态为 {STATUS_LABELS.get(status, status)}",
            f"delivery {delivery_id} is {status}, not dead",
        )


STATUS_LABELS = {"pending": "待发送", "sent": "已发送", "dead": "死信"}
