"""督办 reaches the street that holds the order: one webhook per supervision, to the street's
endpoint, with the order id, the platform's note and the deadline that counts; none where
the street has no endpoint."""

from __future__ import annotations

from application.notifications import NOTICE_RULES, Context, Delivery, Endpoint, NotifyConfig
from application.views import CaseSnapshot
from domain.case import Case
from infrastructure.jurisdiction_file import load_jurisdiction
from tests.support.cases import later
from tests.support.work_orders import PLATFORM, accepted_order

STREET_ENDPOINT = Endpoint("duty", "街道值班", url="http://street.test/hook", secret_env="S")
JURISDICTION = load_jurisdiction()


def supervise(case: Case, note: str) -> list[Delivery]:
    case.supervise(actor=PLATFORM, at=later(case), note=note)
    street = NotifyConfig({"duty": STREET_ENDPOINT}, streets={case.street_id: "duty"})
    e = case.pending_events[-1]
    return NOTICE_RULES[type(e).__name__](
        e, Context(CaseSnapshot.of(case), JURISDICTION, street, 7)
    )


def test_each_supervision_goes_to_the_street_once() -> None:
    case = accepted_order(order_id="BJ-DB-1")
    first = supervise(case, "临近时限，请加快办理")
    second = supervise(case, "已超时限，请说明情况")
    assert [d.endpoint_id for d in first + second] == ["duty", "duty"]
    assert first[0].delivery_id != second[0].delivery_id
    payload = first[0].payload
    assert payload["kind"] == "supervised" and payload["order_id"] == "BJ-DB-1"
    assert payload["note"] == "临近时限，请加快办理"
    assert "12345平台督办工单 BJ-DB-1" in payload["text"]


def test_a_replayed_supervision_derives_the_same_delivery() -> None:
    case = accepted_order(order_id="BJ-DB-2")
    found = supervise(case, "请加快办理")
    e = case.pending_events[-1]
    street = NotifyConfig({"duty": STREET_ENDPOINT}, streets={case.street_id: "duty"})
    again = NOTICE_RULES[type(e).__name__](
        e, Context(CaseSnapshot.of(case), JURISDICTION, street, 9)
    )
    assert [d.delivery_id for d in again] == [d.delivery_id for d in found]


def test_no_endpoint_for_the_street_sends_nothing() -> None:
    case = accepted_order(order_id="BJ-DB-3")
    case.supervise(actor=PLATFORM, at=later(case), note="请加快办理")
    e = case.pending_events[-1]
    ctx = Context(CaseSnapshot.of(case), JURISDICTION, NotifyConfig(), 3)
    assert NOTICE_RULES[type(e).__name__](e, ctx) == []
