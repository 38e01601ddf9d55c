"""双报到 in the console on both backends: a member signs in, claims a need and records
the work; the coordinator confirms it; the record shows it. The forms keep the console's
rules: CSRF, one write per form, a stale page answered with the need as it now is,
refused input shown beside the form with nothing written, and no page of what the
caller may not see."""

from __future__ import annotations

import re

from domain.values import Role
from interfaces.cli.users import add_user
from tests.e2e.helpers import report
from tests.support.api import Api
from tests.support.console import sign_in
from tests.support.roster import (
    OTHER_COMMUNITY,
    add_member_user,
    claim,
    complete,
    post_need,
    register,
    roster_event_count,
)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def need_form(api: Api, action: str, need_id: str) -> dict[str, str]:
    """The hidden fields of one need's form as the needs page renders it."""
    page = api.client.get("/ui/needs").text
    found = re.search(rf'<form[^>]*id="{action}-{need_id}".*?</form>', page, re.S)
    assert found is not None, f"no {action} form for {need_id}"
    form = found.group(0)
    key = re.search(r'name="form_key" value="([^"]+)"', form)
    version = re.search(r'name="expected_version" value="(\d+)"', form)
    assert key and version
    return {"csrf": csrf(form), "form_key": key.group(1), "expected_version": version.group(1)}


def send(api: Api, action: str, need_id: str, **fields: str) -> object:
    form = need_form(api, action, need_id) | fields
    return api.client.post(f"/ui/needs/{need_id}/{action}", data=form, follow_redirects=False)


def test_member_claims_completes_coordinator_confirms_record_shows_it(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    need_id = post_need(api)

    sign_in(api, "m1")
    start = api.client.get("/ui/", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == "/ui/needs"
    page = api.client.get("/ui/needs").text
    assert "城市华庭消防通道入户走访" in page and f'id="claim-{need_id}"' in page
    assert f'id="confirm-{need_id}"' not in page and "发布需求" not in page

    r = send(api, "claim", need_id, note="周末可来")
    assert r.status_code == 303, getattr(r, "text", "")[:300]
    r = send(api, "complete", need_id, hours="2.5", result="走访12户，劝离车辆3辆")
    assert r.status_code == 303
    assert api.get("m1", f"/needs/{need_id}").json()["state"] == "done"

    sign_in(api, "coordinator")
    r = send(api, "confirm", need_id, assessment="excellent", comment="认真负责")
    assert r.status_code == 303
    record = api.client.get(f"/ui/members/{member_id}").text
    assert "2.5 小时" in record and "优秀" in record and "张建国" in record

    sign_in(api, "m1")
    mine = api.client.get("/ui/me")
    assert mine.status_code == 200 and 'id="confirmed-hours">2.5 小时' in mine.text
    assert f"/members/{member_id}/record.xlsx" in mine.text


def test_forms_refuse_without_csrf_stale_pages_and_bad_hours(api: Api) -> None:
    add_member_user(api, "m1")
    register(api, "m1")
    need_id = post_need(api)
    sign_in(api, "m1")
    form = need_form(api, "claim", need_id)
    before = roster_event_count(api)

    no_csrf = {k: v for k, v in form.items() if k != "csrf"}
    r = api.client.post(f"/ui/needs/{need_id}/claim", data=no_csrf, follow_redirects=False)
    assert r.status_code == 403 and roster_event_count(api) == before

    # the same form sent twice writes once
    for _ in range(2):
        r = api.client.post(f"/ui/needs/{need_id}/claim", data=form, follow_redirects=False)
        assert r.status_code == 303
    assert roster_event_count(api) == before + 1

    # hours out of range: said beside the field, nothing written
    before = roster_event_count(api)
    r = send(api, "complete", need_id, hours="99", result="巡查")
    assert r.status_code == 422 and roster_event_count(api) == before
    assert "72" in r.text  # type: ignore[attr-defined]
    r = send(api, "complete", need_id, hours="两小时", result="巡查")
    assert r.status_code == 422 and roster_event_count(api) == before

    # a page left open while the coordinator released the claim: 409, the need as it is
    stale = need_form(api, "complete", need_id)
    ok_release = api.post("coordinator", f"/needs/{need_id}/release", {"reason": "改派他人"})
    assert ok_release.status_code == 201
    r = api.client.post(f"/ui/needs/{need_id}/complete", data=stale | {"hours": "2", "result": "x"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 409 and "需求已被他人更新" in r.text
    assert roster_event_count(api) == before + 1  # the release only


def test_no_page_of_what_the_caller_may_not_see(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    other = post_need(api, OTHER_COMMUNITY, user="other_coordinator")
    own = post_need(api)
    claim(api, own, "m1")
    complete(api, own, "m1", result='<script>alert(1)</script><img src=x onerror="alert(2)">')
    add_member_user(api, "m2", OTHER_COMMUNITY)
    register(api, "m2", OTHER_COMMUNITY, user="other_coordinator", name="李梅")

    sign_in(api, "m1")
    page = api.client.get("/ui/needs").text
    assert other not in page
    token = csrf(page)
    before = roster_event_count(api)
    r = api.client.post(f"/ui/needs/{other}/claim", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 404 and roster_event_count(api) == before
    # a member confirms nothing, even their own work
    r = api.client.post(f"/ui/needs/{own}/confirm", data={"csrf": token, "assessment": "excellent"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and roster_event_count(api) == before
    assert api.client.get("/ui/roster").status_code == 403
    # a member signs in to the console now, and still sees no case anywhere in it
    case_id = report(api)
    for path in ("/ui/queue", "/ui/ledger", "/ui/grids", f"/ui/cases/{case_id}", "/ledger.xlsx"):
        assert api.client.get(path).status_code in (403, 404), path

    # a member's text is shown as text on every page that shows it
    for user, path in (("m1", "/ui/needs"), ("coordinator", f"/ui/members/{member_id}")):
        sign_in(api, user)
        shown = api.client.get(path).text
        assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)" in shown
        assert "<img src=x" not in shown

    sign_in(api, "other_coordinator")
    assert api.client.get(f"/ui/members/{member_id}").status_code == 404
    assert "张建国" not in api.client.get("/ui/roster").text


def test_coordinator_roster_forms_and_the_measures_panel(api: Api) -> None:
    sign_in(api, "coordinator")
    page = api.client.get("/ui/roster").text
    token = csrf(page)
    r = api.client.post(
        "/ui/roster/members",
        data={"csrf": token, "form_key": "ui-reg-1", "community_id": "yili-jinwei",
              "name": "王芳", "phone": "13900002222", "unit_id": "yili-group",
              "skills": "法律咨询，为老服务", "available": "周末"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    roster = api.client.get("/ui/roster").text
    assert "王芳" in roster and "13900002222" not in roster and "法律咨询、为老服务" in roster
    # a name is required: said beside the field, nothing written
    before = roster_event_count(api)
    r = api.client.post("/ui/roster/members", data={"csrf": token, "community_id": "yili-jinwei"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 422 and "此项必填" in r.text and roster_event_count(api) == before
    # a community outside the coordinator's street is refused
    r = api.client.post("/ui/roster/members",
                        data={"csrf": token, "community_id": "yuehe", "name": "赵"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and roster_event_count(api) == before

    r = api.client.post("/ui/roster/seats", data={"csrf": token, "unit_id": "yljw-property",
                        "place": "community:yili-jinwei", "liaison": "党群部",
                        "offers": "会议室，志愿者10人"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert "可提供资源：会议室、志愿者10人" in api.client.get("/ui/roster").text
    r = api.client.post("/ui/needs", data={"csrf": token, "community_id": "yili-jinwei",
                        "kind": "elder_care", "title": "独居老人探访", "people": "3"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert "独居老人探访" in api.client.get("/ui/needs").text

    dashboard = api.client.get("/ui/").text
    assert 'id="roster-measures"' in dashboard and "报到率" in dashboard


def test_liaison_sees_its_members_and_records(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    register(api, None, name="钱六", unit_id="yljw-property")
    api.tokens["li-group"] = add_user(api.container, "li-group", "li-group", Role.LIAISON,
                                      ["unit:yili-group"])  # fmt: skip
    sign_in(api, "li-group")
    page = api.client.get("/ui/roster").text
    assert "张建国" in page and "钱六" not in page and "/units/yili-group/feedback.xlsx" in page
    assert "登记报到党员" not in page
    assert api.client.get(f"/ui/members/{member_id}").status_code == 200
    # the console's session opens the export link (a GET), not another unit's card
    assert api.client.get(f"/members/{member_id}/record.xlsx").status_code == 200
    card = api.client.get("/units/yljw-property/feedback.xlsx",
                          params={"start": "2024-01-01", "end": "2024-12-31"})  # fmt: skip
    assert card.status_code == 403


def test_coordinator_records_a_telephone_claim_for_a_member(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    need_id = post_need(api)
    sign_in(api, "coordinator")
    page = api.client.get("/ui/needs").text
    assert f'value="member:{member_id}"' in page  # the community's members to choose from
    r = send(api, "claim_for", need_id, claimant=f"member:{member_id}", note="电话认领")
    assert r.status_code == 303
    need = api.get("m1", f"/needs/{need_id}").json()
    assert (need["state"], need["claimant_id"]) == ("claimed", member_id)
    # a made-up claimant is refused beside the form, nothing written
    other = post_need(api, title="楼道清理")
    before = roster_event_count(api)
    r = send(api, "claim_for", other, claimant="member:not-an-id")
    assert r.status_code == 422 and roster_event_count(api) == before
