"""Attacks at the roster's trust boundaries, on both backends: a member reaching into
another community, a liaison reading other units' members, a member reading cases,
people outside a community managing it, and personal data after its erasure."""

from __future__ import annotations

from uuid import UUID

from tests.e2e.helpers import report
from tests.support.api import Api
from tests.support.roster import (
    OTHER_COMMUNITY,
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


def test_a_member_cannot_see_or_claim_another_communitys_need(api: Api) -> None:
    add_member_user(api, "m1")
    register(api, "m1")
    add_member_user(api, "m_yuehe", OTHER_COMMUNITY)
    register(
        api,
        "m_yuehe",
        OTHER_COMMUNITY,
        user="other_coordinator",
        unit_id=None,
        employer="潍坊某中学",
    )
    need_id = post_need(api)
    before = roster_event_count(api)

    assert api.get("m_yuehe", "/needs").json() == []
    assert api.get("m_yuehe", "/needs", community_id="yili-jinwei").json() == []
    for path in (f"/needs/{need_id}",):
        assert api.get("m_yuehe", path).status_code == 404
    attempt = api.post("m_yuehe", f"/needs/{need_id}/claims", {})
    assert attempt.status_code == 404  # as if no such need: its id tells nothing
    # naming someone else as the claimant is not a member's to do
    attempt = api.post(
        "m_yuehe",
        f"/needs/{need_id}/claims",
        {"claimant_kind": "unit", "claimant_id": str(UUID(int=1))},
    )
    assert attempt.status_code == 404
    assert roster_event_count(api) == before


def test_a_member_who_moved_away_cannot_claim_in_the_old_community(api: Api) -> None:
    """The account's scope still names the old community; the roster decides."""
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    ok(api.post("admin", f"/members/{member_id}/move", {"community_id": OTHER_COMMUNITY}))
    need_id = post_need(api)
    before = roster_event_count(api)
    attempt = api.post("m1", f"/needs/{need_id}/claims", {})
    assert attempt.status_code == 403 and roster_event_count(api) == before


def test_a_member_acts_only_on_their_own_claim_and_record(api: Api) -> None:
    add_member_user(api, "m1")
    add_member_user(api, "m2")
    first = register(api, "m1")
    second = register(api, "m2", name="李红")
    need_id = post_need(api)
    claim(api, need_id, "m1")
    before = roster_event_count(api)
    assert (
        api.post("m2", f"/needs/{need_id}/completion", {"hours": 1, "result": "x"}).status_code
        == 409
    )
    assert api.post("m2", f"/needs/{need_id}/release", {"reason": "x"}).status_code == 409
    assert roster_event_count(api) == before
    assert api.get("m2", f"/members/{first}/record").status_code == 404
    assert api.get("m2", f"/members/{first}").status_code == 404
    assert api.get("m2", f"/members/{second}/record").status_code == 200
    assert api.get("m2", "/members").status_code == 403  # the roster is the coordinator's


def test_a_member_reads_no_case_ledger_or_dashboard(api: Api) -> None:
    case_id = report(api)
    add_member_user(api, "m1")
    assert api.get("m1", f"/cases/{case_id}").status_code == 404
    for path in (
        "/cases",
        "/ledger",
        "/dashboards/rates",
        "/dashboards/open-cases",
        "/queue",
        "/inbox",
    ):
        assert api.get("m1", path).status_code == 403, path
    assert (
        api.post(
            "m1", "/needs", {"community_id": "yili-jinwei", "kind": "other", "title": "x"}
        ).status_code
        == 403
    )


def test_a_liaison_reads_only_its_own_units_members(api: Api) -> None:
    own = register(api, unit_id="yili-group")
    other = register(api, unit_id="jianshe-police", name="王警官")
    listed = api.get("police", "/members").json()
    assert [m["id"] for m in listed] == [other]
    assert api.get("police", f"/members/{own}").status_code == 404
    assert api.get("police", f"/members/{own}/record").status_code == 404
    assert api.get("police", f"/members/{own}/feedback", **MONTH).status_code == 404
    assert api.get("police", "/units/yili-group/contribution").status_code == 404
    assert api.get("police", "/units/jianshe-police/contribution").status_code == 200
    assert api.get("police", "/roster-measures", **MONTH).status_code == 403


def test_a_liaison_without_a_seat_cannot_claim(api: Api) -> None:
    need_id = post_need(api)
    before = roster_event_count(api)
    # no seat: the need is not even visible to the unit
    assert api.post("police", f"/needs/{need_id}/claims", {}).status_code == 404
    seat(api, "jianshe-police", place_id="jianshe", level="street")  # a street council seat
    assert api.get("police", f"/needs/{need_id}").status_code == 200
    claim(api, need_id, "police")
    assert roster_event_count(api) == before + 2


def test_coordinators_manage_only_their_own_communities(api: Api) -> None:
    member_id = register(api)
    need_id = post_need(api)
    before = roster_event_count(api)
    body = {"community_id": "yili-jinwei", "name": "赵六", "unit_id": None, "employer": "某公司"}
    assert api.post("other_coordinator", "/members", body).status_code == 403
    assert (
        api.post(
            "other_coordinator",
            "/needs",
            {"community_id": "yili-jinwei", "kind": "other", "title": "x"},
        ).status_code
        == 403
    )
    assert (
        api.post("other_coordinator", f"/needs/{need_id}/cancellation", {"reason": "x"}).status_code
        == 404
    )
    assert (
        api.post("other_coordinator", f"/members/{member_id}/leave", {"reason": "x"}).status_code
        == 404
    )
    assert (
        api.post(
            "other_coordinator",
            "/council-units",
            {"unit_id": "yili-group", "place_id": "yili-jinwei"},
        ).status_code
        == 403
    )
    assert (
        api.post(
            "auditor", "/needs", {"community_id": "yili-jinwei", "kind": "other", "title": "x"}
        ).status_code
        == 403
    )
    assert roster_event_count(api) == before
    assert api.get("other_coordinator", "/members").json() == []
    assert api.get("auditor", "/members").status_code == 200


def test_registering_a_member_account_of_another_community_is_refused(api: Api) -> None:
    add_member_user(api, "m_yuehe", OTHER_COMMUNITY)
    before = roster_event_count(api)
    body = {
        "community_id": "yili-jinwei",
        "name": "张三",
        "unit_id": "yili-group",
        "user_id": "m_yuehe",
    }
    assert api.post("coordinator", "/members", body).status_code == 422
    body["user_id"] = "coordinator"  # not a member account
    assert api.post("coordinator", "/members", body).status_code == 422
    assert roster_event_count(api) == before


def test_an_erased_members_name_and_phone_are_gone_from_every_read(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1", name="张建国", phone="13900001111")
    need_id = post_need(api)
    claim(api, need_id, "m1")
    complete(api, need_id, "m1")
    confirm(api, need_id)
    assert (
        api.post("coordinator", f"/members/{member_id}/erasure", {"reason": "本人申请"}).status_code
        == 403
    )
    ok(api.post("admin", f"/members/{member_id}/erasure", {"reason": "本人申请删除"}))

    reads = [
        api.get("admin", f"/members/{member_id}"),
        api.get("coordinator", "/members"),
        api.get("coordinator", f"/members/{member_id}/record"),
        api.get("coordinator", f"/members/{member_id}/feedback", **MONTH),
        api.get("m1", f"/members/{member_id}/record"),
    ]
    for r in reads:
        assert r.status_code == 200, r.text
        assert "张建国" not in r.text and "13900001111" not in r.text
    member = reads[0].json()
    assert member["name"] is None and member["phone"] is None and member["contact_erased"]
    # the work stays: hours are not personal data
    assert reads[2].json()["confirmed_hours"] == 3
    # and the log never held them
    raw = api.container.roster.recorder.select_notifications(1, 1000)
    assert not any(b"13900001111" in n.state or "张建国".encode() in n.state for n in raw)
    assert api.container.roster.residents is not None
    assert api.container.roster.residents.get(UUID(member_id)) is None
