"""Console forms over HTTP: each command from the case page writes once, refuses a stale
page, shows Chinese errors beside the fields, and is offered and accepted only where the
access policy allows."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from markupsafe import escape

from domain.times import BEIJING
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api


def form_of(page: str, name: str) -> dict[str, str]:
    """The hidden fields of the form ``form-<name>`` on a page (csrf, key, version)."""
    found = re.search(rf'<form[^>]*id="form-{name}".*?</form>', page, re.S)
    assert found is not None, f"no form {name} on the page"
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', found.group(0)))


def open_form(api: Api, case_id: str, name: str) -> dict[str, str]:
    page = api.client.get(f"/ui/cases/{case_id}")
    assert page.status_code == 200, page.text[:300]
    return form_of(page.text, name)


def post(api: Api, case_id: str, name: str, hidden: dict[str, str], fields: dict[str, Any]) -> Any:
    return api.client.post(
        f"/ui/cases/{case_id}/do/{name}", data={**hidden, **fields}, follow_redirects=False
    )


def events(api: Api, case_id: str) -> list[dict[str, Any]]:
    return api.get("admin", f"/cases/{case_id}/events").json()  # type: ignore[no-any-return]


def local_deadline(api: Api, minutes: int = 60) -> str:
    """What ``<input type=datetime-local>`` sends: Beijing wall time, no zone."""
    return (
        (api.clock.now + timedelta(minutes=minutes)).astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    )


@dataclass
class Case:
    """One command's story: how to get a case ready, who acts, what they send."""

    name: str
    user: str
    event: str
    setup: Callable[[Api], str]
    fields: Callable[[Api, str], dict[str, Any]]
    bad: tuple[str, Any, str]  # field, value, Chinese error expected beside it
    extra: dict[str, Any] = field(default_factory=dict)


def whistle_id(api: Api, case_id: str) -> str:
    return str(api.get("admin", f"/cases/{case_id}").json()["whistles"][0]["whistle_id"])


def two_cases(api: Api) -> str:
    h.report(api, title="城市华庭消防通道（最初的案件）")
    return h.report(api, title="城市华庭消防通道（又报了一次）")


def original_of(api: Api, case_id: str) -> str:
    rows = api.get("admin", "/cases", min_position=api.event_count()).json()["items"]
    return next(str(r["case_id"]) for r in rows if "最初" in r["title"])


CASES = [
    Case("note", "coordinator", "ProgressNoted", h.report,
         lambda a, c: {"kind": "home_visit", "text": "入户走访"}, ("text", "", "此项必填")),
    Case("escalate", "coordinator", "CaseEscalated", h.report,
         lambda a, c: {"to_level": "street", "reason": "需街道出面"}, ("reason", "", "此项必填")),
    Case("whistle", "coordinator", "WhistleBlown", h.escalated_case,
         lambda a, c: {"unit_ids": ["jianshe-police", "yljw-property"],
                       "report_in_deadline": local_deadline(a), "reason": "联合执法"},
         ("report_in_deadline", "明天", "请填写有效的日期和时间")),
    Case("report_in", "police", "UnitReportedIn", lambda a: h.whistled_case(a)[0],
         lambda a, c: {"whistle_id": whistle_id(a, c), "unit_id": "jianshe-police",
                       "note": "民警到场"}, ("note", "长" * 2001, "不能超过 2000 个字")),
    Case("pledge", "coordinator", "FundingPledged", h.report,
         lambda a, c: {"party_kind": "government", "party_name": "建设街道",
                       "amount_fen": "1000000"}, ("amount_fen", "一万", "请填写整数")),
    Case("resolve", "coordinator", "CaseResolved", h.report,
         lambda a, c: {"summary": "已清理消防通道"}, ("summary", "", "此项必填")),
    Case("evaluate", "coordinator", "CaseEvaluated", h.resolved_case,
         lambda a, c: {"solved": "solved", "satisfaction": "satisfied"},
         ("satisfaction", "还行", "请从列表中选择")),
    Case("evaluate_unit", "coordinator", "UnitEvaluated", lambda a: h.whistled_case(a)[0],
         lambda a, c: {"whistle_id": whistle_id(a, c), "unit_id": "jianshe-police",
                       "score": "95"}, ("score", "101", "不能大于 100")),
    Case("reopen", "coordinator", "CaseReopened", h.unsatisfied_case,
         lambda a, c: {"reason": "居民不满意"}, ("reason", "", "此项必填")),
    Case("close", "coordinator", "CaseClosed", h.resolved_case,
         lambda a, c: {"remark": "归档"}, ("remark", "长" * 2001, "不能超过 2000 个字")),
    Case("withdraw", "coordinator", "CaseWithdrawn", h.report,
         lambda a, c: {"reason": "居民撤回诉求"}, ("reason", "", "此项必填")),
    Case("mark_duplicate", "coordinator", "CaseMarkedDuplicate", two_cases,
         lambda a, c: {"original_case_id": original_of(a, c)},
         ("original_case_id", "不是编号", "请填写有效的案件编号")),
]  # fmt: skip
BY_NAME = {c.name: c for c in CASES}


@pytest.mark.parametrize("name", list(BY_NAME))
def test_a_form_writes_one_event_and_a_double_submit_writes_once(api: Api, name: str) -> None:
    story = BY_NAME[name]
    case_id = story.setup(api)
    sign_in(api, story.user)
    hidden = open_form(api, case_id, name)
    assert hidden["form_key"] and hidden["expected_version"] and hidden["csrf"]
    fields = story.fields(api, case_id)
    before = len(events(api, case_id))
    first = post(api, case_id, name, hidden, fields)
    assert first.status_code == 303, first.text[:500]
    assert first.headers["location"].startswith(f"/ui/cases/{case_id}?done={name}")
    after = events(api, case_id)
    assert len(after) == before + 1 and after[-1]["type"] == story.event
    assert after[-1]["actor_id"] == story.user

    again = post(api, case_id, name, hidden, fields)  # the same form sent twice
    assert again.status_code == 303, again.text[:500]
    assert len(events(api, case_id)) == before + 1
    done = api.client.get(first.headers["location"])
    assert "已提交" in done.text


@pytest.mark.parametrize("name", list(BY_NAME))
def test_a_stale_page_is_answered_with_the_new_state_and_writes_nothing(
    api: Api, name: str
) -> None:
    story = BY_NAME[name]
    case_id = story.setup(api)
    sign_in(api, story.user)
    hidden = open_form(api, case_id, name)
    fields = story.fields(api, case_id)
    h.note(api, case_id, user="admin", text="别人刚刚更新了案件")  # the page is now stale
    before = api.event_count()
    r = post(api, case_id, name, hidden, fields)
    assert r.status_code == 409
    assert "案件已被他人更新" in r.text and "别人刚刚更新了案件" in r.text
    assert api.event_count() == before
    fresh = form_of(r.text, name)
    assert int(fresh["expected_version"]) == int(hidden["expected_version"]) + 1
    assert fresh["form_key"] != hidden["form_key"]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_a_bad_field_shows_a_chinese_error_beside_it_keeps_input_and_writes_nothing(
    api: Api, name: str
) -> None:
    story = BY_NAME[name]
    case_id = story.setup(api)
    sign_in(api, story.user)
    hidden = open_form(api, case_id, name)
    bad_field, bad_value, message = story.bad
    fields = {**story.fields(api, case_id), bad_field: bad_value}
    before = api.event_count()
    r = post(api, case_id, name, hidden, fields)
    assert r.status_code == 422, r.text[:300]
    assert api.event_count() == before
    beside = re.search(rf'id="err-{bad_field}"[^>]*>([^<]+)<', r.text)
    assert beside is not None and message in html.unescape(beside.group(1))
    kept = [v for k, v in fields.items() if k != bad_field and isinstance(v, str) and v]
    form = re.search(rf'<form[^>]*id="form-{name}".*?</form>', r.text, re.S)
    assert form is not None
    for value in kept:
        assert html.escape(value) in form.group(0), value


def test_a_rule_the_case_refuses_is_shown_in_chinese_and_writes_nothing(api: Api) -> None:
    case_id = h.report(api)
    h.resolve(api, case_id, user="coordinator")
    sign_in(api, "coordinator")
    # The resolver may not record the 回访: no form is offered, and a forged one is refused.
    page = api.client.get(f"/ui/cases/{case_id}").text
    assert 'id="form-evaluate"' not in page
    hidden = form_of(page, "close")
    before = api.event_count()
    r = post(api, case_id, "evaluate", hidden, {"solved": "solved", "satisfaction": "satisfied"})
    assert r.status_code == 403 and "须由处置人以外的人员记录" in r.text
    assert api.event_count() == before


def test_a_role_without_the_right_sees_no_form_and_a_forged_post_is_refused(api: Api) -> None:
    case_id, wid = h.whistled_case(api)
    sign_in(api, "police")
    page = api.client.get(f"/ui/cases/{case_id}").text
    assert 'id="form-report_in"' in page and 'id="form-note"' in page
    for absent in ("escalate", "whistle", "resolve", "withdraw", "close", "evaluate_unit"):
        assert f'id="form-{absent}"' not in page, absent
    hidden = form_of(page, "note")
    before = api.event_count()
    for name, fields in (
        ("resolve", {"summary": "联络员擅自办结"}),
        ("withdraw", {"reason": "联络员擅自撤销"}),
        ("evaluate_unit", {"whistle_id": wid, "unit_id": "jianshe-police", "score": "100"}),
    ):
        r = post(api, case_id, name, hidden, fields)
        assert r.status_code == 403, (name, r.text[:300])
        assert "无权" in r.text
    # A liaison reports in only for their own unit.
    r = post(api, case_id, "report_in", hidden, {"whistle_id": wid, "unit_id": "yljw-property"})
    assert r.status_code == 403
    assert api.event_count() == before


def test_a_grid_lead_loses_the_forms_once_the_case_left_the_grid(api: Api) -> None:
    case_id = h.escalated_case(api)
    sign_in(api, "grid_lead")
    page = api.client.get(f"/ui/cases/{case_id}").text
    assert 'id="form-note"' in page
    assert 'id="form-resolve"' not in page and 'id="form-escalate"' not in page
    before = api.event_count()
    r = post(api, case_id, "resolve", form_of(page, "note"), {"summary": "网格长越级办结"})
    assert r.status_code == 403 and api.event_count() == before


def test_a_case_out_of_scope_is_not_found_and_nothing_is_written(api: Api) -> None:
    theirs = h.report(api, user="other_grid_lead", grid_id="jintai")
    mine = h.report(api)
    sign_in(api, "grid_lead")
    hidden = open_form(api, mine, "note")
    before = api.event_count()
    r = post(api, theirs, "note", hidden, {"text": "越权进展", "kind": "progress"})
    assert r.status_code == 404 and api.event_count() == before


def test_an_auditor_sees_no_forms(api: Api) -> None:
    case_id = h.report(api)
    sign_in(api, "auditor")
    page = api.client.get(f"/ui/cases/{case_id}").text
    assert 'id="no-actions"' in page and "/do/" not in page


def test_a_final_case_offers_no_forms(api: Api) -> None:
    case_id = h.report(api)
    api.post("coordinator", f"/cases/{case_id}/withdrawal", {"reason": "撤回"})
    sign_in(api, "coordinator")
    assert "/do/" not in api.client.get(f"/ui/cases/{case_id}").text


@pytest.mark.parametrize("csrf", [None, "forged"])
def test_a_form_without_the_csrf_token_is_refused(api: Api, csrf: str | None) -> None:
    case_id = h.report(api)
    sign_in(api, "coordinator")
    hidden = open_form(api, case_id, "note")
    if csrf is None:
        del hidden["csrf"]
    else:
        hidden["csrf"] = csrf
    before = api.event_count()
    r = post(api, case_id, "note", hidden, {"text": "跨站伪造", "kind": "progress"})
    assert r.status_code == 403 and "表单已过期" in r.text
    assert api.event_count() == before


def test_the_duplicate_search_finds_the_original_in_the_users_cases(api: Api) -> None:
    dup = two_cases(api)
    h.report(api, user="other_grid_lead", grid_id="jintai", title="锦泰消防通道（别人的案件）")
    api.get("admin", "/cases", min_position=api.event_count())
    sign_in(api, "coordinator")
    page = api.client.get(f"/ui/cases/{dup}", params={"dup_q": "消防通道"}).text
    results = re.search(r'<ul class="dup-results">(.*?)</ul>', page, re.S)
    assert results is not None
    assert "最初的案件" in results.group(1)
    assert "又报了一次" not in results.group(1) and "别人的案件" not in results.group(1)
    original = original_of(api, dup)
    picked = api.client.get(f"/ui/cases/{dup}", params={"dup_q": original}).text
    assert f'value="{original}"' in picked


# ----- 上报 ----------------------------------------------------------------------------


def new_case_form(api: Api) -> tuple[str, dict[str, str]]:
    page = api.client.get("/ui/new-case")
    assert page.status_code == 200, page.text[:300]
    return page.text, form_of(page.text, "report")


def test_report_page_offers_only_the_grid_leads_grids_and_writes_once(api: Api) -> None:
    sign_in(api, "grid_lead")
    page, hidden = new_case_form(api)
    grids = re.findall(
        r'<option value="([^"]+)"', page.split('name="grid_id"')[1].split("</select>")[0]
    )
    # The grid lead's grid and the grids nested under it, nothing else.
    assert set(grids) == api.container.policy.grids_within({"chengshi-huating"})
    assert "chengshi-huating" in grids and "jintai" not in grids
    fields = {
        "grid_id": "chengshi-huating",
        "category_id": "fire-lane",
        "title": "消防通道被占（控制台上报）",
        "urgency": "urgent",
        "channel": "visit",
        "resident_name": "张三",
        "resident_phone": "13800000000",
        "description": "车辆占用消防通道",
    }
    before = api.event_count()
    first = api.client.post("/ui/new-case", data={**hidden, **fields}, follow_redirects=False)
    assert first.status_code == 303, first.text[:500]
    case_id = first.headers["location"].split("/ui/cases/")[1].split("?")[0]
    again = api.client.post("/ui/new-case", data={**hidden, **fields}, follow_redirects=False)
    assert again.headers["location"] == first.headers["location"]
    assert api.event_count() == before + 1
    case = api.get("admin", f"/cases/{case_id}").json()
    assert case["urgency"] == "urgent" and case["channel"] == "visit"
    contact = api.get("grid_lead", f"/cases/{case_id}/resident").json()
    assert contact["phone"] == "13800000000"


def test_report_page_errors_are_chinese_beside_the_field_and_input_is_kept(api: Api) -> None:
    sign_in(api, "grid_lead")
    _, hidden = new_case_form(api)
    fields = {"grid_id": "chengshi-huating", "category_id": "fire-lane", "title": "",
              "description": "车辆占用消防通道"}  # fmt: skip
    before = api.event_count()
    r = api.client.post("/ui/new-case", data={**hidden, **fields})
    assert r.status_code == 422 and api.event_count() == before
    assert re.search(r'id="err-title"[^>]*>此项必填<', r.text)
    assert "车辆占用消防通道" in r.text
    # A phone number in the permanent text is refused by the domain, beside the field.
    fields = {**fields, "title": "消防通道", "description": "请联系 13800000000"}
    r = api.client.post("/ui/new-case", data={**hidden, **fields})
    assert r.status_code == 422 and api.event_count() == before
    assert re.search(r'id="err-description"[^>]*>[^<]*电话', r.text) or re.search(
        r'id="err-description"[^>]*>[^<]*手机', r.text
    ), r.text


def test_report_elsewhere_or_by_a_role_without_the_right_is_refused(api: Api) -> None:
    sign_in(api, "grid_lead")
    _, hidden = new_case_form(api)
    before = api.event_count()
    forged = {"grid_id": "jintai", "category_id": "fire-lane", "title": "别人网格的案件"}
    r = api.client.post("/ui/new-case", data={**hidden, **forged})
    assert r.status_code == 403 and "不在您的管辖范围内" in r.text
    sign_in(api, "police")
    assert api.client.get("/ui/new-case").status_code == 403
    hidden["csrf"] = api.client.cookies["chuishao_csrf"]
    r = api.client.post("/ui/new-case", data={**hidden, **forged, "grid_id": "chengshi-huating"})
    assert "无权" in r.text
    assert r.status_code == 403
    assert api.event_count() == before


def test_kept_input_is_shown_as_text_never_as_markup(api: Api) -> None:
    case_id = h.report(api)
    sign_in(api, "coordinator")
    hidden = open_form(api, case_id, "note")
    hostile = '<script>alert("x")</script>'
    r = post(api, case_id, "note", hidden, {"text": hostile, "kind": "no-such-kind"})
    assert r.status_code == 422
    assert hostile not in r.text and str(escape(hostile)) in r.text
