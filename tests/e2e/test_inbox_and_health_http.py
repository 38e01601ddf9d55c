"""The liaison's inbox, /healthz and read-your-writes (min_position), on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e import helpers as h
from tests.support.api import Api

# ----- inbox -----------------------------------------------------------------------------


def test_inbox_lists_open_whistles_until_report_in(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    deadline = api.clock.now + timedelta(minutes=30)

    def inbox(user: str) -> dict[str, Any]:
        response = api.get(user, "/inbox", min_position=api.event_count())
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    box = inbox("police")
    assert box["unit_id"] == "jianshe-police"
    [item] = box["items"]
    assert (item["case_id"], item["whistle_id"], item["level"]) == (case_id, whistle_id, "street")
    assert item["title"] == h.case_body()["title"]
    assert item["deadline"].startswith(deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (item["overdue"], item["seconds_left"]) == (False, 30 * 60)

    api.clock.advance(minutes=40)
    [late] = inbox("property")["items"]
    assert (late["overdue"], late["seconds_left"]) == (True, -10 * 60)

    h.report_in(api, case_id, whistle_id, "police")
    assert inbox("police")["items"] == []
    assert len(inbox("property")["items"]) == 1
    h.report_in(api, case_id, whistle_id, "property")
    assert inbox("property")["items"] == []


def test_inbox_orders_by_deadline_and_drops_final_cases(api: Api) -> None:
    later = h.escalated_case(api)
    api.post("coordinator", f"/cases/{later}/whistles", h.whistle_body(api, ["jianshe-police"], 60))
    sooner = h.escalated_case(api)
    api.post(
        "coordinator", f"/cases/{sooner}/whistles", h.whistle_body(api, ["jianshe-police"], 10)
    )
    items = api.get("police", "/inbox", min_position=api.event_count()).json()["items"]
    assert [i["case_id"] for i in items] == [sooner, later]
    api.post("coordinator", f"/cases/{sooner}/withdrawal", {"reason": "居民撤回"})
    items = api.get("police", "/inbox", min_position=api.event_count()).json()["items"]
    assert [i["case_id"] for i in items] == [later]


# ----- health and read-your-writes ---------------------------------------------------------


def test_healthz_shows_no_lag_after_a_min_position_read(api: Api) -> None:
    case_id = h.report(api)
    h.note(api, case_id)
    position = h.created(api.post("grid_lead", "/cases", h.case_body()))["position"]
    assert api.get("admin", "/cases", min_position=position).status_code == 200
    response = api.client.get("/healthz")  # no token needed
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["head"]) == ("ok", "ok", position)
    assert body["projections"] == {"ledger": {"position": position, "lag": 0}}


def test_read_your_writes_with_min_position(api: Api) -> None:
    for _ in range(3):
        written = h.created(api.post("grid_lead", "/cases", h.case_body()))
        rows = api.get("grid_lead", "/cases", min_position=written["position"]).json()["items"]
        assert written["case_id"] in {r["case_id"] for r in rows}
        note = h.created(
            api.post("coordinator", f"/cases/{written['case_id']}/notes", {"text": "x"})
        )
        rows = api.get("coordinator", "/cases", min_position=note["position"]).json()["items"]
        [row] = [r for r in rows if r["case_id"] == written["case_id"]]
        assert (row["version"], row["status"]) == (2, "in_progress")
