"""Rules that keep the figures fair to the people judged by them, over HTTP (both backends):
units' service areas, a liaison's first pledge, 未报到 at resolution, the 回访 by someone
other than the resolver, and a clear error where the holiday calendar ends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api

# The 西关街道 (潍坊) side: other_grid_lead reports in grid jintai, other_coordinator
# coordinates community yuehe (西关街道, 潍城区).


def assert_unseen(api: Api, before: int, response: object) -> None:
    """Refused on a case the user may not see: 403, or 404 where out-of-scope cases answer
    as if they did not exist; either way nothing written."""
    status = response.status_code  # type: ignore[attr-defined]
    code = {403: "forbidden", 404: "case_not_found"}.get(status)
    h.assert_refused(api, before, response, status if code else 403, code)


def weifang_case(api: Api) -> str:
    """A case of 月河社区 (西关街道, 潍坊) at community level."""
    case_id = h.report(api, user="other_grid_lead", grid_id="jintai")
    h.escalate(api, case_id, "community", user="other_coordinator")
    return case_id


# ----- service areas -----------------------------------------------------------------


def test_a_weifang_coordinator_cannot_whistle_a_police_station_of_ordos(api: Api) -> None:
    case_id = weifang_case(api)
    before = api.event_count()
    body = h.whistle_body(api, ["jianshe-police"])

    response = api.post("other_coordinator", f"/cases/{case_id}/whistles", body)

    problem = h.assert_refused(api, before, response, 403, "forbidden")
    assert "建设派出所" in problem["detail_zh"]
    h.whistle(api, case_id, ["weicheng-heating"], user="other_coordinator")  # its own area


def test_one_unit_outside_the_area_refuses_the_whole_whistle(api: Api) -> None:
    case_id = weifang_case(api)
    before = api.event_count()
    body = h.whistle_body(api, ["weicheng-heating", "jianshe-police"])

    response = api.post("other_coordinator", f"/cases/{case_id}/whistles", body)

    h.assert_refused(api, before, response, 403, "forbidden")


def test_a_weifang_coordinator_cannot_score_a_unit_of_ordos(api: Api) -> None:
    case_id = weifang_case(api)
    h.whistle(api, case_id, ["weicheng-heating"], user="other_coordinator")
    before = api.event_count()
    body = {"whistle_id": "W1", "unit_id": "jianshe-police", "score": 0}

    response = api.post("other_coordinator", f"/cases/{case_id}/unit-evaluations", body)

    h.assert_refused(api, before, response, 403, "forbidden")
    units = api.get("coordinator", "/dashboards/units", min_position=before).json()["units"]
    assert "jianshe-police" not in [u["unit_id"] for u in units]


def test_a_weifang_coordinator_cannot_pledge_in_an_ordos_units_name(api: Api) -> None:
    case_id = weifang_case(api)
    before = api.event_count()
    body = {
        "party_kind": "government",
        "party_name": "建设派出所",
        "amount_fen": 100_00,
        "unit_id": "jianshe-police",
    }

    response = api.post("other_coordinator", f"/cases/{case_id}/pledges", body)

    h.assert_refused(api, before, response, 403, "forbidden")


def test_the_area_binds_the_admin_too(api: Api) -> None:
    case_id = weifang_case(api)
    before = api.event_count()

    response = api.post(
        "admin", f"/cases/{case_id}/whistles", h.whistle_body(api, ["jianshe-police"])
    )

    h.assert_refused(api, before, response, 403, "forbidden")


def test_a_district_department_serves_every_street_of_its_district(api: Api) -> None:
    case_id = h.escalated_case(api)  # 建设街道, 东胜区

    h.whistle(api, case_id, ["dongsheng-fire"])


# ----- a liaison's first pledge -------------------------------------------------------


def test_a_liaison_makes_the_first_pledge_for_its_unit_and_then_sees_the_case(api: Api) -> None:
    case_id = h.report(api)  # 建设街道: the police station's area, not summoned
    assert_unseen(api, api.event_count(), api.get("police", f"/cases/{case_id}"))
    body = {"party_kind": "government", "party_name": "建设派出所", "amount_fen": 500_00}

    position = h.created(api.post("police", f"/cases/{case_id}/pledges", body))["position"]

    assert api.get("police", f"/cases/{case_id}").status_code == 200
    listed = api.get("police", "/cases", min_position=position).json()["items"]
    assert [row["case_id"] for row in listed] == [case_id]


def test_a_liaison_cannot_pledge_on_a_case_outside_its_units_area(api: Api) -> None:
    case_id = h.report(api)  # 建设街道, 鄂尔多斯: not the 潍城 heating office's area
    before = api.event_count()
    body = {"party_kind": "government", "party_name": "供热办", "amount_fen": 100}

    response = api.post("other_liaison", f"/cases/{case_id}/pledges", body)

    assert_unseen(api, before, response)


def test_a_liaison_may_not_note_on_a_case_it_only_could_pledge_to(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()

    response = api.post("police", f"/cases/{case_id}/notes", {"text": "民警到场"})

    assert_unseen(api, before, response)


# ----- 未报到 ------------------------------------------------------------------------


def test_resolving_with_a_unit_not_reported_in_records_it_as_unanswered(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)  # police and property summoned
    api.clock.advance(minutes=5)
    h.report_in(api, case_id, whistle_id, "police")
    api.clock.advance(hours=2)
    h.resolve(api, case_id)
    position = api.event_count()

    events = api.get("auditor", f"/cases/{case_id}/events").json()
    unanswered = events[-1]["data"]["unanswered"]
    assert [(u["whistle_id"], u["unit_id"]) for u in unanswered] == [(whistle_id, "yljw-property")]
    assert "未报到" in unanswered[0]["note"]
    whistle = api.get("auditor", f"/cases/{case_id}").json()["whistles"][0]
    assert list(whistle["unanswered"]) == ["yljw-property"]
    units = {
        u["unit_id"]: u
        for u in api.get("admin", "/dashboards/units", min_position=position).json()["units"]
    }
    assert (units["yljw-property"]["unanswered"], units["jianshe-police"]["unanswered"]) == (1, 0)
    inbox = api.get("property", "/inbox").json()
    assert inbox["items"] == []
    assert [(i["case_id"], i["whistle_id"]) for i in inbox["unanswered"]] == [(case_id, whistle_id)]
    assert inbox["unanswered_total"] == 1


def test_a_unit_recorded_as_unanswered_cannot_report_in_afterwards(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    h.resolve(api, case_id)
    before = api.event_count()

    response = api.post("property", f"/cases/{case_id}/whistles/{whistle_id}/report-ins", {})

    h.assert_refused(api, before, response, 409, "rule_violation")


def test_the_console_shows_unanswered_on_the_timeline_inbox_and_units(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    h.report_in(api, case_id, whistle_id, "police")
    h.resolve(api, case_id)
    api.get("admin", "/cases", min_position=api.event_count())

    def page(user: str, path: str) -> str:
        sign_in(api, user)
        response = api.client.get(path)
        assert response.status_code == 200, response.text
        return response.text

    assert "未报到" in page("auditor", f"/ui/cases/{case_id}")
    assert "未报到" in page("property", "/ui/inbox")
    assert "未报到" in page("admin", "/ui/units")


# ----- separation of duties ------------------------------------------------------------


def test_the_resolver_cannot_record_the_callback(api: Api) -> None:
    case_id = h.report(api)
    h.resolve(api, case_id, user="coordinator")
    before = api.event_count()
    body = {"solved": "solved", "satisfaction": "satisfied"}

    response = api.post("coordinator", f"/cases/{case_id}/evaluations", body)

    h.assert_refused(api, before, response, 403, "separation_of_duties")
    h.evaluate(api, case_id, "satisfied", user="admin")


def test_a_new_round_has_a_new_resolver(api: Api) -> None:
    case_id = h.unsatisfied_case(api)  # resolved by the grid lead, called back by the coordinator
    api.post("coordinator", f"/cases/{case_id}/reopen", {"reason": "居民不满意"})
    h.resolve(api, case_id, user="admin")

    h.evaluate(api, case_id, "satisfied", user="coordinator")  # not this round's resolver


# ----- where the holiday calendar ends -------------------------------------------------


def test_a_working_day_limit_beyond_the_calendar_is_still_accepted(api: Api) -> None:
    """A resident's case is never turned away because the holiday list is late: the year
    the package does not know counts Monday to Friday (infrastructure/working_days.py)."""
    api.clock.now = datetime(2026, 12, 21, 1, 0, tzinfo=UTC)  # 15 working days reach 2027

    case_id = h.report(api)

    due = api.get("auditor", f"/cases/{case_id}").json()["resolution_due"]
    assert due.startswith("2027-01-") and due.endswith("Z")


@pytest.mark.parametrize("category", ["emergency", "heating"])
def test_hour_limits_need_no_calendar_year(api: Api, category: str) -> None:
    api.clock.now = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)

    h.report(api, category_id=category)
