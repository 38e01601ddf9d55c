"""A member's console page (/ui/members/{id}) on both backends: a coordinator moves the
member to another community or records them leaving, the member leaves themself, an
administrator erases the name and phone — each the API's command, with the console's
rules: CSRF, one write per form, refused input said in Chinese beside the form with
nothing written, erasure only with its confirmation ticked, and nothing for those the API
would refuse (their crafted posts are refused too)."""

from __future__ import annotations

import re
from typing import Any

from domain.values import Role
from interfaces.cli.users import add_user
from tests.support.api import Api
from tests.support.console import sign_in
from tests.support.roster import OTHER_COMMUNITY, add_member_user, register, roster_event_count


def form(page: str, form_id: str) -> dict[str, str]:
    """The hidden fields of one form as the page renders it."""
    found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
    assert found is not None, f"no form {form_id}"
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', found.group(0)))
    assert fields.get("csrf") and fields.get("form_key")
    return fields


def member_page(api: Api, member_id: str) -> str:
    page = api.client.get(f"/ui/members/{member_id}")
    assert page.status_code == 200, page.text[:300]
    return str(page.text)


def post(api: Api, member_id: str, name: str, data: dict[str, str]) -> Any:
    return api.client.post(f"/ui/members/{member_id}/{name}", data=data, follow_redirects=False)


def send(api: Api, member_id: str, name: str, **fields: str) -> Any:
    hidden = form(member_page(api, member_id), f"{name}-member")
    return post(api, member_id, name, hidden | fields)


def on_roster(api: Api, member_id: str) -> dict[str, Any]:
    found = api.get("admin", f"/members/{member_id}")
    assert found.status_code == 200
    return found.json()  # type: ignore[no-any-return]


def test_a_coordinator_moves_a_member_out_to_another_streets_community(api: Api) -> None:
    member_id = register(api)
    sign_in(api, "coordinator")
    page = member_page(api, member_id)
    assert 'value="yuehe"' in page and "· 月河社区</option>" in page
    assert 'value="yili-jinwei"' not in page  # not the community it reports to now

    r = send(api, member_id, "move", community_id=OTHER_COMMUNITY)

    # Handed over: the new community's coordinator has the member now, this one no longer.
    assert r.status_code == 303 and r.headers["location"] == "/ui/roster?done=moved"
    assert on_roster(api, member_id)["community_id"] == OTHER_COMMUNITY
    assert "已迁往其他社区报到" in api.client.get("/ui/roster?done=moved").text
    assert api.client.get(f"/ui/members/{member_id}").status_code == 404
    assert api.get("other_coordinator", f"/members/{member_id}").status_code == 200


def test_an_administrators_move_stays_on_the_member_page(api: Api) -> None:
    member_id = register(api)
    sign_in(api, "admin")
    r = send(api, member_id, "move", community_id="shengli-xi")
    assert r.status_code == 303 and r.headers["location"] == f"/ui/members/{member_id}?done=move"
    shown = api.client.get(r.headers["location"]).text
    assert "已迁移报到社区" in shown and "胜利西社区" in shown


def test_a_move_form_refuses_without_csrf_and_writes_once_when_sent_twice(api: Api) -> None:
    member_id = register(api)
    sign_in(api, "coordinator")
    hidden = form(member_page(api, member_id), "move-member")
    before = roster_event_count(api)
    no_csrf = {k: v for k, v in hidden.items() if k != "csrf"}
    assert post(api, member_id, "move", no_csrf | {"community_id": "yuehe"}).status_code == 403
    assert roster_event_count(api) == before
    for _ in range(2):
        r = post(api, member_id, "move", hidden | {"community_id": "yuehe"})
        assert r.status_code == 303
    assert roster_event_count(api) == before + 1


def test_a_move_to_no_unknown_or_the_same_community_is_refused_in_chinese(api: Api) -> None:
    member_id = register(api)
    sign_in(api, "coordinator")
    before = roster_event_count(api)
    r = send(api, member_id, "move")
    assert r.status_code == 422 and "此项必填" in r.text
    assert 'id="box-move" open' in r.text  # the form shown open, beside its error
    r = send(api, member_id, "move", community_id="no-such-place")
    assert r.status_code == 422 and "社区不存在：no-such-place" in r.text
    r = send(api, member_id, "move", community_id="yili-jinwei")  # a crafted post
    assert r.status_code >= 400 and "党员已在该社区报到" in r.text
    assert roster_event_count(api) == before


def test_a_coordinator_records_a_member_leaving_with_a_reason(api: Api) -> None:
    member_id = register(api)
    sign_in(api, "coordinator")
    before = roster_event_count(api)
    r = send(api, member_id, "leave")
    assert r.status_code == 422 and "此项必填" in r.text and roster_event_count(api) == before

    r = send(api, member_id, "leave", reason="调离本市")

    assert r.status_code == 303 and r.headers["location"] == f"/ui/members/{member_id}?done=leave"
    assert on_roster(api, member_id)["active"] is False
    shown = api.client.get(r.headers["location"]).text
    assert "已退出报到。" in shown and "已退出</dd>" in shown
    assert 'id="move-member"' not in shown and 'id="leave-member"' not in shown


def test_a_member_leaves_from_their_own_page_and_gets_no_other_form(api: Api) -> None:
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    sign_in(api, "m1")
    own = api.client.get("/ui/me", follow_redirects=True).text
    assert 'id="leave-member"' in own
    assert 'id="move-member"' not in own and 'id="erase-member"' not in own
    hidden = form(own, "leave-member")
    before = roster_event_count(api)
    assert post(api, member_id, "move", hidden | {"community_id": "yuehe"}).status_code == 403
    assert roster_event_count(api) == before

    r = send(api, member_id, "leave", reason="工作调动")

    assert r.status_code == 303 and on_roster(api, member_id)["active"] is False


def test_erasure_is_an_administrators_with_its_confirmation_ticked(api: Api) -> None:
    member_id = register(api)
    sign_in(api, "coordinator")
    page = member_page(api, member_id)
    assert 'id="erase-member"' not in page
    before = roster_event_count(api)
    crafted = form(page, "leave-member") | {"reason": "本人申请", "confirm": "yes"}
    refused = post(api, member_id, "erase", crafted)
    assert refused.status_code == 403 and "删除个人信息须由管理员执行" in refused.text
    assert roster_event_count(api) == before and on_roster(api, member_id)["name"] == "张建国"

    sign_in(api, "admin")
    page = member_page(api, member_id)
    assert 'id="erase-member"' in page and "不可恢复" in page
    r = send(api, member_id, "erase", reason="本人申请删除")  # the box not ticked
    assert r.status_code == 422 and "删除后无法恢复：请勾选确认后再提交" in r.text
    assert 'value="本人申请删除"' in r.text  # the reason kept for the second try
    assert roster_event_count(api) == before and on_roster(api, member_id)["name"] == "张建国"

    r = send(api, member_id, "erase", reason="本人申请删除", confirm="yes")

    assert r.status_code == 303 and r.headers["location"] == f"/ui/members/{member_id}?done=erase"
    assert on_roster(api, member_id)["name"] is None
    shown = api.client.get(r.headers["location"]).text
    assert "已删除该党员的姓名和电话" in shown and "张建国" not in shown
    assert 'id="erase-member"' not in shown  # nothing left to erase
    r = post(api, member_id, "erase", crafted | form(shown, "leave-member"))
    assert r.status_code == 409 and "该党员的个人信息已删除" in r.text  # said, not lost


def test_no_member_form_for_a_liaison_or_an_auditor_and_their_posts_are_refused(
    api: Api,
) -> None:
    member_id = register(api)
    api.tokens["li-group"] = add_user(api.container, "li-group", "li-group", Role.LIAISON,
                                      ["unit:yili-group"])  # fmt: skip
    before = roster_event_count(api)
    for user in ("li-group", "auditor"):
        sign_in(api, user)
        page = member_page(api, member_id)
        assert 'id="member-actions"' not in page
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        data = {"csrf": token.group(1) if token else "", "community_id": "yuehe"}
        data["reason"] = "x"
        for name in ("move", "leave", "erase"):
            assert post(api, member_id, name, data | {"confirm": "yes"}).status_code == 403
    sign_in(api, "other_coordinator")  # another street's: the member is not theirs to see
    page = api.client.get("/ui/roster").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    r = post(api, member_id, "leave", {"csrf": token.group(1), "reason": "x"})
    assert r.status_code == 404
    assert roster_event_count(api) == before
    assert post(api, member_id, "promote", {"csrf": token.group(1)}).status_code == 404
