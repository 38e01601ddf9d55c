"""双报到 over HTTP on both backends: a unit takes a council seat, a member registers and
signs in, claims a need of their community, records the work, the community confirms it;
the record, the feedback sheet and the measures show it; a case's need puts the confirmed
work in the case's history. Idempotency and bad input write nothing."""

from __future__ import annotations

from tests.e2e.helpers import report
from tests.support.api import Api
from tests.support.roster import (
    COMMUNITY,
    add_member_user,
    claim,
    complete,
    confirm,
    ok,
    post_need,
    register,
    roster_event_count,
    seat,
)

MONTH = {"start": "2024-01-01T00:00:00+08:00", "end": "2100-01-01T00:00:00+08:00"}


def test_a_member_claims_completes_and_the_community_confirms(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    need_id = post_need(api)

    seen = api.get("m1", "/needs").json()
    assert [n["id"] for n in seen] == [need_id] and seen[0]["state"] == "posted"
    claim(api, need_id, "m1")
    complete(api, need_id, "m1", hours=2.5, result="走访12户，劝离车辆3辆")
    confirm(api, need_id)

    need = api.get("m1", f"/needs/{need_id}").json()
    assert need["state"] == "confirmed" and need["hours"] == 2.5
    assert need["claimant_id"] == member_id and need["claimant_unit_id"] == "yili-group"

    assert api.get("m1", "/members/me").json()["id"] == member_id
    assert api.get("coordinator", "/members/me").status_code == 404
    record = api.get("m1", f"/members/{member_id}/record").json()
    assert record["member"]["name"] == "张建国"
    assert record["confirmed_hours"] == 2.5 and record["confirmed"] == 1
    sheet = api.get("coordinator", f"/members/{member_id}/feedback", **MONTH).json()
    assert sheet["hours"] == 2.5 and sheet["overall"] == "good"
    assert [i["title"] for i in sheet["items"]] == ["城市华庭消防通道入户走访"]

    m = api.get("coordinator", "/roster-measures", **MONTH).json()
    row = next(c for c in m["communities"] if c["place_id"] == COMMUNITY)
    assert (row["members"], row["served"], row["report_rate"]) == (1, 1, 1.0)
    assert (row["needs_posted"], row["needs_met"], row["member_hours"]) == (1, 1, 2.5)
    # the employer's liaison reads its staff member's record
    assert api.get("admin", "/units/yili-group/contribution").json()["member_hours"] == 2.5


def test_a_cases_need_puts_the_confirmed_work_in_the_cases_history(api: Api) -> None:
    case_id = report(api)
    seat(api, "yljw-property")
    need_id = post_need(api, None, case_id=case_id, title="消防通道300户入户走访")
    assert api.get("coordinator", f"/needs/{need_id}").json()["community_id"] == COMMUNITY

    claim(api, need_id, "property")  # the property company's liaison, for its seat
    complete(api, need_id, "property", hours=120, result="入户走访300户，签订承诺书")
    confirm(api, need_id, assessment="excellent")

    events = api.get("coordinator", f"/cases/{case_id}/events").json()
    service = [e for e in events if e["type"] == "CommunityServiceRecorded"]
    assert len(service) == 1 and service[0]["data"]["need_id"] == need_id
    assert service[0]["data"]["minutes"] == 120 * 60 and service[0]["label"] == "共驻共建服务"
    # a repeated confirmation writes nothing more on the need or the case
    again = api.post("coordinator", f"/needs/{need_id}/confirmation", {"assessment": "good"})
    assert again.status_code == 409
    events = api.get("coordinator", f"/cases/{case_id}/events").json()
    assert sum(e["type"] == "CommunityServiceRecorded" for e in events) == 1


def test_a_retried_write_with_its_key_writes_once(api: Api) -> None:
    body = {"community_id": COMMUNITY, "kind": "safety_patrol", "title": "月河大妈夜间巡逻"}
    first = ok(api.post("coordinator", "/needs", body, **{"Idempotency-Key": "need-1"}))
    before = roster_event_count(api)
    again = ok(api.post("coordinator", "/needs", body, **{"Idempotency-Key": "need-1"}))
    assert again == first and roster_event_count(api) == before
    other = api.post(
        "coordinator", "/needs", {**body, "title": "别的"}, **{"Idempotency-Key": "need-1"}
    )
    assert other.status_code == 422 and roster_event_count(api) == before


def test_bad_hours_and_wrong_states_write_nothing(api: Api) -> None:
    add_member_user(api, "m1")
    register(api, "m1")
    need_id = post_need(api)
    before = roster_event_count(api)
    early = api.post("m1", f"/needs/{need_id}/completion", {"hours": 2, "result": "x"})
    assert early.status_code == 409  # not claimed yet
    claim(api, need_id, "m1")
    before = roster_event_count(api)
    for hours in (0, -1, 73):  # a member's claim is bounded to 72 hours
        r = api.post("m1", f"/needs/{need_id}/completion", {"hours": hours, "result": "x"})
        assert r.status_code == 422, (hours, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    stale = api.post(
        "m1", f"/needs/{need_id}/completion", {"hours": 1, "result": "x"}, **{"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert roster_event_count(api) == before
    # the claimant cannot confirm their own work; a member cannot confirm at all
    complete(api, need_id, "m1")
    assert (
        api.post("m1", f"/needs/{need_id}/confirmation", {"assessment": "excellent"}).status_code
        == 403
    )


def test_leaving_and_moving_are_events_the_roster_shows(api: Api) -> None:
    member_id = register(api)
    ok(api.post("coordinator", f"/members/{member_id}/move", {"community_id": "fengxiang-danwei"}))
    # jianshe's coordinator no longer manages the member; the admin does
    assert api.get("coordinator", f"/members/{member_id}").status_code == 404
    ok(api.post("admin", f"/members/{member_id}/leave", {"reason": "调离本市"}))
    member = api.get("admin", f"/members/{member_id}").json()
    assert member["active"] is False and member["community_id"] == "fengxiang-danwei"
    assert api.get("admin", "/members").json() == []
    assert len(api.get("admin", "/members", include_left=True).json()) == 1
    seat_id = seat(api)
    listed = api.get("coordinator", "/council-units").json()
    assert [(s["unit_name"], s["offers"]) for s in listed] == [
        ("亿利资源集团（共建企业）", ["活动场地", "志愿者"])
    ]
    ok(api.post("coordinator", f"/council-units/{seat_id}/leave", {"reason": "企业迁出"}))
    assert api.get("coordinator", "/council-units").json() == []
    assert seat(api) == seat_id  # rejoining takes back the same seat


def test_the_roster_writes_to_its_own_log_and_the_case_log_stays_verified(api: Api) -> None:
    case_id = report(api)
    cases_before = api.event_count()
    add_member_user(api, "m1")
    register(api, "m1")
    seat(api)
    need_id = post_need(api, None, case_id=case_id)
    claim(api, need_id, "m1")
    complete(api, need_id, "m1")
    assert api.event_count() == cases_before  # nothing of the roster's in the case log
    confirm(api, need_id)
    assert api.event_count() == cases_before + 1  # the case's 共驻共建服务, nothing else
    report_ = api.container.service.verify()
    assert report_.intact, report_
    assert roster_event_count(api) == 6
