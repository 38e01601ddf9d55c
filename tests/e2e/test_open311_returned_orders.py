"""Open311 reads over every status: a 12345 order the platform took back (已退单) was a 500
in the public list (review of issue 16); it is a closed request like any finished one."""

from __future__ import annotations

from domain.values import Status
from interfaces.http.open311_schemas import OPEN311_STATUS
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.orders import add_order_users, order_body

V2 = "/open311/v2"


def test_every_status_has_an_open311_status() -> None:
    assert set(OPEN311_STATUS) == set(Status)


@sqlite_only
def test_a_returned_order_reads_as_closed_in_every_open311_answer(api: Api) -> None:
    add_order_users(api)
    body = order_body("BJ-RET-1", api.clock.now)
    case_id = api.post("platform", "/work-orders", body).json()["case_id"]
    returned = api.post("coordinator", f"/cases/{case_id}/order-returns", {"reason": "wrong_place"})
    assert returned.status_code == 201, returned.text
    decided = api.post("platform", "/work-orders/BJ-RET-1/return-decisions", {"accepted": True})
    assert decided.status_code == 201, decided.text
    api.container.projector.wait(api.event_count(), timeout=10)

    listed = api.client.get(f"{V2}/requests.json")
    assert listed.status_code == 200, listed.text
    mine = [r for r in listed.json() if r["service_request_id"] == case_id]
    assert [(r["status"], r["status_notes"]) for r in mine] == [("closed", "已退单")]
    assert api.client.get(f"{V2}/requests.xml").status_code == 200
    one = api.client.get(f"{V2}/requests/{case_id}.json")
    assert one.status_code == 200 and one.json()[0]["status"] == "closed"
    closed = api.client.get(f"{V2}/requests.json", params={"status": "closed"})
    assert case_id in {r["service_request_id"] for r in closed.json()}
