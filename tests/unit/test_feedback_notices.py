"""反馈 to the 12345 platform as webhooks (``NOTICE_RULES``, no database): each order that
shares an outcome gets one delivery per event — the order's own 反馈, every order merged
into it, the orders merged into a case that is no order when it is resolved, and orders
merged after the outcome exists; never a case that is no order, never twice on a replay."""

from __future__ import annotations

from typing import Any

from application.notifications import NOTICE_RULES, Context, Delivery, Endpoint, NotifyConfig
from application.views import CaseSnapshot
from domain.case import Case
from domain.times import utc_text
from infrastructure.jurisdiction_file import load_jurisdiction
from tests.support.cases import COORDINATOR, later, reported_case
from tests.support.work_orders import accepted_order, received_order

PLATFORM_ENDPOINT = Endpoint(
    "hotline", "12345平台", url="http://platform.test/hook", secret_env="S"
)
CONFIG = NotifyConfig({"hotline": PLATFORM_ENDPOINT}, hotline_platform="hotline")
JURISDICTION = load_jurisdiction()


def notices(case: Case, known: list[Case], config: NotifyConfig = CONFIG) -> list[Delivery]:
    """What the case's newest event sends, the other ``known`` cases as they stand now."""
    e = case.pending_events[-1]
    snapshots = {str(c.id): CaseSnapshot.of(c) for c in known}
    ctx = Context(CaseSnapshot.of(case), JURISDICTION, config, 41, snapshots.get)
    rule = NOTICE_RULES.get(type(e).__name__)
    return [] if rule is None else rule(e, ctx)


def order(order_id: str) -> Case:
    return received_order(order_id=order_id)


def merge(original: Case, *others: Case) -> None:
    original.merge(actor=COORDINATOR, at=later(original), cases=list(others))


def resolve(case: Case, summary: str = "已更换暖气立管，室温20度") -> None:
    case.resolve(actor=COORDINATOR, at=later(case, hours=2), summary=summary)


def feedback(case: Case, text: str = "") -> None:
    case.send_feedback(actor=COORDINATOR, at=later(case), text=text)


def by_order(found: list[Delivery]) -> dict[str, dict[str, Any]]:
    return {d.payload["order_id"]: d.payload for d in found}


def test_an_orders_feedback_goes_to_it_and_to_every_order_merged_into_it() -> None:
    original, repeat, resident = accepted_order(order_id="BJ-A"), order("BJ-B"), reported_case()
    merge(original, repeat, resident)
    resolve(original)
    feedback(original, "已更换立管，经入户测温室温20度")
    found = notices(original, [repeat, resident])
    assert {d.endpoint_id for d in found} == {"hotline"}
    assert {d.kind for d in found} == {"feedback"}
    sent = by_order(found)
    assert set(sent) == {"BJ-A", "BJ-B"}  # the report that is no order has no one to tell
    own, merged = sent["BJ-A"], sent["BJ-B"]
    assert own["case_id"] == str(original.id) and "merged_into" not in own
    assert merged["case_id"] == str(repeat.id)
    assert merged["merged_into"] == str(original.id)
    for p in (own, merged):
        assert p["resolution"] == "已更换立管，经入户测温室温20度" and p["round"] == 1
        assert original.resolution is not None
        assert p["resolved_at"] == utc_text(original.resolution.at)
        assert "2016-04-12" in p["text"] and p["order_id"] in p["text"]  # Beijing time
    assert "合并" in merged["text"] and "合并" not in own["text"]
    assert {d.case_id for d in found} == {str(original.id), str(repeat.id)}


def test_delivery_ids_are_one_per_event_and_order_and_the_same_on_a_replay() -> None:
    original, repeat = accepted_order(order_id="BJ-A"), order("BJ-B")
    merge(original, repeat)
    resolve(original)
    feedback(original)
    first = notices(original, [repeat])
    again = notices(original, [repeat])
    assert [d.delivery_id for d in first] == [d.delivery_id for d in again]
    assert len({d.delivery_id for d in first}) == 2
    assert by_order(first)["BJ-A"]["resolution"] == "已更换暖气立管，室温20度"  # the default


def test_a_resolved_case_that_is_no_order_sends_its_resolution_to_its_merged_orders() -> None:
    original, repeat, other = reported_case(), order("BJ-B"), order("BJ-C")
    merge(original, repeat, other)
    resolve(original, "物业已疏通消防通道")
    found = by_order(notices(original, [repeat, other]))
    assert set(found) == {"BJ-B", "BJ-C"}
    assert {p["merged_into"] for p in found.values()} == {str(original.id)}
    assert {p["resolution"] for p in found.values()} == {"物业已疏通消防通道"}


def test_an_orders_resolution_alone_sends_nothing_its_feedback_does() -> None:
    original, repeat = accepted_order(order_id="BJ-A"), order("BJ-B")
    merge(original, repeat)
    resolve(original)
    assert notices(original, [repeat]) == []


def test_orders_merged_after_the_feedback_are_sent_the_outcome_it_already_has() -> None:
    original, earlier, later_one, its_own = (
        accepted_order(order_id="BJ-A"),
        order("BJ-B"),
        order("BJ-C"),
        order("BJ-D"),
    )
    merge(original, earlier)
    resolve(original)
    feedback(original, "已修复")
    merge(later_one, its_own)  # BJ-D joined BJ-C before BJ-C joins the original
    merge(original, later_one)
    found = by_order(notices(original, [earlier, later_one, its_own]))
    assert set(found) == {"BJ-C", "BJ-D"}  # BJ-B was told with the 反馈 itself
    assert {p["resolution"] for p in found.values()} == {"已修复"}
    assert {p["merged_into"] for p in found.values()} == {str(original.id)}


def test_orders_merged_before_any_outcome_wait_for_it() -> None:
    resolved_order, unresolved, repeat, late = (
        accepted_order(order_id="BJ-A"),
        reported_case(),
        order("BJ-B"),
        order("BJ-C"),
    )
    resolve(resolved_order)  # resolved, but its 反馈 is still to come (and will carry them)
    merge(resolved_order, repeat)
    assert notices(resolved_order, [repeat]) == []
    merge(unresolved, late)
    assert notices(unresolved, [late]) == []


def test_orders_merged_into_a_resolved_case_that_is_no_order_get_its_resolution() -> None:
    original, repeat = reported_case(), order("BJ-B")
    resolve(original, "已协调供热公司")
    merge(original, repeat)
    (only,) = notices(original, [repeat])
    assert only.payload["order_id"] == "BJ-B" and only.payload["resolution"] == "已协调供热公司"


def test_without_a_platform_endpoint_no_feedback_is_queued() -> None:
    original, repeat = accepted_order(order_id="BJ-A"), order("BJ-B")
    merge(original, repeat)
    resolve(original)
    feedback(original)
    assert notices(original, [repeat], NotifyConfig({"hotline": PLATFORM_ENDPOINT})) == []


def test_a_merged_case_that_cannot_be_found_is_skipped_not_an_error() -> None:
    original, repeat = accepted_order(order_id="BJ-A"), order("BJ-B")
    merge(original, repeat)
    resolve(original)
    feedback(original)
    assert set(by_order(notices(original, []))) == {"BJ-A"}
