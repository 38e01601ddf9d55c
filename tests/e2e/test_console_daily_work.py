"""The console for daily work (issue 15): Chinese error pages, people by name, labels said
once, the inbox's unit name, reason and place, the case page's facts and logged contact."""

from __future__ import annotations

from typing import Any

from domain.values import Role
from interfaces.cli.users import add_user
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api


def _named_user(api: Api, user_id: str, name: str, role: Role, scopes: list[str]) -> None:
    api.tokens[user_id] = add_user(api.container, user_id, name, role, scopes)


def _is_error_page(r: Any, status: int) -> str:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="error-page"' in r.text and 'href="/ui/"' in r.text
    return str(r.text)


def test_a_malformed_case_id_in_the_console_is_a_chinese_404_page(api: Api) -> None:
    sign_in(api, "auditor")
    page = _is_error_page(api.client.get("/ui/cases/abc"), 404)
    assert "案件不存在" in page and "problem" not in page


def test_an_unknown_console_page_is_a_chinese_404_page(api: Api) -> None:
    sign_in(api, "auditor")
    assert "页面不存在" in _is_error_page(api.client.get("/ui/no-such-page"), 404)


def test_a_bad_query_in_the_console_is_a_chinese_422_page(api: Api) -> None:
    sign_in(api, "auditor")
    page = _is_error_page(api.client.get("/ui/ledger?offset=-1"), 422)
    assert "不合法" in page


def test_a_case_out_of_scope_is_a_404_page_like_a_missing_one(api: Api) -> None:
    theirs = h.report(api, user="other_grid_lead", grid_id="jintai")
    sign_in(api, "grid_lead")
    assert "案件不存在" in _is_error_page(api.client.get(f"/ui/cases/{theirs}"), 404)


def test_the_json_api_keeps_problem_json(api: Api) -> None:
    r = api.get("auditor", "/cases/abc")
    assert r.status_code == 422 and r.headers["content-type"] == h.PROBLEM_JSON
    r = api.get("auditor", "/no-such-thing")
    assert r.status_code == 404 and r.headers["content-type"] == h.PROBLEM_JSON


def test_a_name_that_says_the_role_is_not_followed_by_the_role_again(api: Api) -> None:
    _named_user(api, "demo-admin", "管理员（演示）", Role.ADMIN, [])
    sign_in(api, "demo-admin")
    page = api.client.get("/ui/").text
    assert "管理员（演示）" in page and "管理员（演示）（管理员）" not in page


def test_a_plain_name_is_shown_with_its_role(api: Api) -> None:
    _named_user(api, "li", "李明", Role.AUDITOR, [])
    sign_in(api, "li")
    assert "李明（审计员）" in api.client.get("/ui/").text


def test_a_closed_case_says_it_is_closed_without_a_doubled_word(api: Api) -> None:
    case_id = h.resolved_case(api)
    h.evaluate(api, case_id)
    h.close(api, case_id)
    r = api.post("coordinator", f"/cases/{case_id}/notes", {"text": "办结后"})
    assert r.status_code == 409
    said = " ".join(str(v) for v in r.json().values())
    assert "案件已办结" in said and "已已" not in said


def test_the_sign_in_page_sends_officials_to_their_administrator_not_a_command(
    api: Api,
) -> None:
    page = api.client.get("/ui/login").text
    assert "chuishao users" not in page and "make demo" not in page
    assert "管理员索取" in page


def test_people_are_shown_by_name_on_the_case_timeline(api: Api) -> None:
    _named_user(api, "wang", "王建国", Role.COORDINATOR, ["street:jianshe"])
    case_id = h.report(api)
    h.note(api, case_id, user="wang")
    h.resolve(api, case_id, user="grid_lead")
    sign_in(api, "auditor")
    page = api.client.get(f"/ui/cases/{case_id}").text
    assert "王建国（街道/社区协调员）" in page
    assert "wang（" not in page and ">wang<" not in page
    # An id the users store does not know falls back to the id itself.
    assert "grid_lead" in page


def test_inbox_names_the_unit_and_shows_reason_and_place(api: Api) -> None:
    case_id, _ = h.whistled_case(api)
    api.get("admin", "/cases", min_position=api.event_count())
    sign_in(api, "police")
    page = api.client.get("/ui/inbox").text
    j = api.container.service.jurisdiction
    heading = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert j.units["jianshe-police"].name in heading and "jianshe-police" not in heading
    assert "联合执法协调" in page
    assert j.communities["yili-jinwei"].name in page and j.grids[h.GRID].name in page


def test_case_page_shows_description_channel_and_urgency(api: Api) -> None:
    case_id = h.created(
        api.post(
            "grid_lead",
            "/cases",
            h.case_body(description="楼道堆放杂物堵塞消防通道", channel="hotline_12345"),
        )
    )["case_id"]
    sign_in(api, "grid_lead")
    page = api.client.get(f"/ui/cases/{case_id}").text
    assert "楼道堆放杂物堵塞消防通道" in page and "12345热线" in page and "一般" in page


def _contact_reads(api: Api, case_id: str) -> int:
    return len(api.get("auditor", "/audit/contact-reads", case_id=case_id).json())


def test_resident_contact_is_shown_only_on_request_and_every_read_is_logged(api: Api) -> None:
    body = h.case_body(resident_name="张桂兰", resident_phone="13912345678")
    case_id = h.created(api.post("grid_lead", "/cases", body))["case_id"]
    sign_in(api, "grid_lead")
    plain = api.client.get(f"/ui/cases/{case_id}").text
    assert "张桂兰" not in plain and 'id="show-contact"' in plain
    assert _contact_reads(api, case_id) == 0
    shown = api.client.get(f"/ui/cases/{case_id}?contact=1").text
    assert "张桂兰" in shown and "13912345678" in shown
    reads = api.get("auditor", "/audit/contact-reads", case_id=case_id).json()
    assert [r["reader_id"] for r in reads] == ["grid_lead"]


def test_roles_not_allowed_contacts_cannot_read_them_in_the_console(api: Api) -> None:
    body = h.case_body(resident_name="张桂兰", resident_phone="13912345678")
    case_id = h.created(api.post("grid_lead", "/cases", body))["case_id"]
    sign_in(api, "auditor")
    assert 'id="show-contact"' not in api.client.get(f"/ui/cases/{case_id}").text
    page = _is_error_page(api.client.get(f"/ui/cases/{case_id}?contact=1"), 403)
    assert "张桂兰" not in page
    assert _contact_reads(api, case_id) == 0
