"""Open311 GeoReport v2 at /open311/v2: a resident's app reports and follows a request.

Answers are checked against the shapes of the spec's own examples (wiki.open311.org/
GeoReport_v2: field names, types, open/closed, w3 datetimes with a zone), the round trip
against the normal API, and every trust boundary against an attacker: a bad api_key, a
place outside every grid, garbage, and personal data in the public view.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest

from domain.values import Role
from interfaces.cli.users import add_user
from tests.e2e.helpers import created, report, resolve
from tests.support.api import Api
from tests.support.backends import sqlite_only

V2 = "/open311/v2"
FORM = "application/x-www-form-urlencoded"
# The spec's example answers, reduced to each field and the JSON type(s) it takes.
SPEC_SERVICE = {
    "service_code": str,
    "service_name": str,
    "description": str,
    "metadata": bool,
    "type": str,
    "keywords": str,
    "group": str,
}
SPEC_CREATED = {
    "service_request_id": str,
    "service_notice": (str, type(None)),
    "account_id": type(None),
}
OPT_STR = (str, type(None))
OPT_NUM = (float, int, type(None))
SPEC_REQUEST = {
    "service_request_id": str,
    "status": str,
    "status_notes": OPT_STR,
    "service_name": str,
    "service_code": str,
    "description": OPT_STR,
    "agency_responsible": OPT_STR,
    "service_notice": OPT_STR,
    "requested_datetime": str,
    "updated_datetime": str,
    "expected_datetime": OPT_STR,
    "address": OPT_STR,
    "address_id": OPT_STR,
    "zipcode": OPT_STR,
    "lat": OPT_NUM,
    "long": OPT_NUM,
    "media_url": OPT_STR,
}
W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
# Inside 城市华庭网格 (鄂尔多斯 亿利金威社区) in the demo jurisdiction.
HUATING = {"lat": "39.8195", "long": "109.9780"}


@pytest.fixture
def key(api: Api) -> str:
    return add_user(api.container, "portal-app", "居民端应用", Role.PORTAL, [])


def post(api: Api, body: dict[str, str], fmt: str = "json") -> Any:
    return api.client.post(f"{V2}/requests.{fmt}", data=body, headers={"Content-Type": FORM})


def submit(api: Api, key: str, **extra: str) -> str:
    body = {"api_key": key, "service_code": "fire-lane", **HUATING}
    body["description"] = "城市华庭3号楼前消防通道被私家车堵住\n已经持续一周"
    answer = post(api, {**body, **extra})
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["service_request_id"])


def conforms(item: dict[str, Any], shape: dict[str, Any]) -> None:
    assert set(item) == set(shape)
    for name, kind in shape.items():
        assert isinstance(item[name], kind), (name, item[name])


def spec_errors(answer: Any, status: int) -> list[dict[str, Any]]:
    assert answer.status_code == status, answer.text
    errors = answer.json()
    assert isinstance(errors, list) and errors
    for e in errors:
        assert set(e) == {"code", "description"} and e["code"] == status
        assert isinstance(e["description"], str) and e["description"]
    return errors  # type: ignore[no-any-return]


def test_round_trip_post_get_resolve_closed(api: Api, key: str) -> None:
    before = api.clock.now
    request_id = submit(api, key, first_name="女士", last_name="王", phone="13800000000")
    one = api.client.get(f"{V2}/requests/{request_id}.json")
    assert one.status_code == 200
    [item] = one.json()
    conforms(item, SPEC_REQUEST)
    assert item["status"] == "open" and item["service_code"] == "fire-lane"
    assert item["service_name"] == "消防通道占用" and item["status_notes"] == "已受理"
    assert (item["lat"], item["long"]) == (39.8195, 109.978)
    assert item["address"].startswith("城市华庭网格，亿利金威社区")
    assert item["description"].startswith("城市华庭3号楼前")
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3.match(item[name]), item[name]
    assert datetime.fromisoformat(item["requested_datetime"]) == before

    # The officials see it as an app report with its place; the contact is stored apart.
    case = api.get("coordinator", f"/cases/{request_id}").json()
    assert (case["channel"], case["grid_id"]) == ("app", "chengshi-huating")
    assert case["location"] == {"lat": 39.8195, "long": 109.978, "datum": "WGS-84"}
    contact = api.get("coordinator", f"/cases/{request_id}/resident").json()
    assert (contact["name"], contact["phone"]) == ("王女士", "13800000000")

    api.clock.advance(hours=3)
    resolve(api, request_id)
    [item] = api.client.get(f"{V2}/requests/{request_id}.json").json()
    assert item["status"] == "closed" and item["status_notes"] == "已解决待回访"
    assert datetime.fromisoformat(item["updated_datetime"]) == before + timedelta(hours=3)
    api.container.projector.wait(api.event_count(), timeout=10)
    listed = api.client.get(f"{V2}/requests.json", params={"status": "closed"}).json()
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert listed[0] == item


@sqlite_only  # the answer is decided before the store
def test_discovery_and_services_have_the_spec_shapes(api: Api) -> None:
    found = api.client.get(f"{V2}/discovery.json").json()
    assert set(found) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = found["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "application/json" in endpoint["formats"]
    services = api.client.get(f"{V2}/services.json")
    assert services.headers["content-type"].startswith("application/json")
    for service in services.json():
        conforms(service, SPEC_SERVICE)
        assert service["type"] == "realtime" and service["metadata"] is False
    names = {s["service_code"]: s["service_name"] for s in services.json()}
    assert names["heating"] == "供暖"
    definition = api.client.get(f"{V2}/services/heating.json").json()
    assert definition == {"service_code": "heating", "attributes": []}
    spec_errors(api.client.get(f"{V2}/services/nothing.json"), 404)
    spec_errors(api.client.get(f"{V2}/services.yaml"), 404)


@sqlite_only  # one request through the service; the ledger's filters are in the round trip
def test_post_answers_the_spec_shape_and_address_string_places_it(api: Api, key: str) -> None:
    answer = post(
        api, {"api_key": key, "service_code": "heating", "address_string": "月河社区锦泰小区2号楼"}
    )
    [made] = answer.json()
    conforms(made, SPEC_CREATED)
    assert "锦泰小区网格" in made["service_notice"]
    case = api.get("admin", f"/cases/{made['service_request_id']}").json()
    assert (case["grid_id"], case["location"], case["title"]) == (
        "jintai",
        None,
        "供暖（居民上报）",
    )


def test_get_requests_filters_as_the_spec_says(api: Api, key: str) -> None:
    heating = submit(api, key, service_code="heating")
    api.clock.advance(days=10)
    fire = submit(api, key)
    api.clock.advance(minutes=1)
    official = report(api)  # a grid lead's case: listed, its text not published
    api.container.projector.wait(api.event_count(), timeout=10)

    def ids(**params: str) -> list[str]:
        answer = api.client.get(f"{V2}/requests.json", params=params)
        assert answer.status_code == 200, answer.text
        return [r["service_request_id"] for r in answer.json()]

    assert ids() == [official, fire, heating]  # newest first, the last 90 days
    assert ids(service_code="heating") == [heating]
    assert ids(service_code="fire-lane") == [official, fire]
    assert ids(service_code="heating,fire-lane") == [official, fire, heating]
    assert ids(service_request_id=f"{heating},{official}") == [official, heating]
    assert ids(service_request_id=heating, status="closed") == [heating]  # overrides the rest
    assert ids(status="open") == [official, fire, heating] and ids(status="closed") == []
    day = api.clock.now - timedelta(days=5)
    assert ids(start_date=day.isoformat()) == [official, fire]
    assert ids(end_date=day.isoformat().replace("+00:00", "Z")) == [heating]
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00+08:00") == []
    [row] = [
        r
        for r in api.client.get(f"{V2}/requests.json").json()
        if r["service_request_id"] == official
    ]
    assert row["description"] is None and row["lat"] is None


BAD_FILTERS: list[dict[str, str]] = [
    {"status": "pending"},
    {"service_code": "nothing"},
    {"service_request_id": "1; DROP TABLE ledger_cases"},
    {"start_date": "2024-01-01"},  # no zone
    {"start_date": "yesterday"},
    {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"},  # > 90 days
    {"start_date": "2024-02-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"},
    {"service_request_id": ",".join(["00000000-0000-0000-0000-000000000000"] * 101)},
]


@sqlite_only  # parameters refused before the store is read
def test_bad_filters_answer_the_spec_error_list(api: Api) -> None:
    for params in BAD_FILTERS:
        spec_errors(api.client.get(f"{V2}/requests.json", params=params), 400)


@sqlite_only  # access is decided before anything is written
def test_a_bad_api_key_is_403_in_the_spec_format_and_writes_nothing(api: Api, key: str) -> None:
    before = api.event_count()
    official_token = api.tokens["grid_lead"]  # a valid token, but not a portal's
    revoked = add_user(api.container, "old-app", "旧应用", Role.PORTAL, [])
    api.container.users.revoke("old-app")
    for bad in ("", "nope", official_token, revoked, "x" * 300):
        body = {"api_key": bad, "service_code": "fire-lane", **HUATING}
        [error] = spec_errors(post(api, body), 403)
        assert "api_key" in error["description"]
    spec_errors(post(api, {"service_code": "fire-lane", **HUATING}), 403)
    spec_errors(api.client.get(f"{V2}/requests.json", params={"api_key": "nope"}), 403)
    assert api.event_count() == before


BAD_REQUESTS: list[tuple[dict[str, str], int]] = [
    ({"lat": "39.9042", "long": "116.4074"}, 400),  # outside every grid
    ({"address_string": "北京市东城区"}, 400),  # names no grid
    ({"address_id": "545483"}, 400),
    ({}, 400),  # no location at all
    ({"lat": "39.8195"}, 400),
    ({"lat": "nan", "long": "109.978"}, 400),
    ({"lat": "1e3", "long": "109.978"}, 400),
    ({"lat": "95", "long": "109.978"}, 400),
    ({**HUATING, "service_code": ""}, 400),
    ({**HUATING, "service_code": "nothing"}, 404),
    ({**HUATING, "description": "请联系我 13912345678"}, 400),  # personal data in the log
    ({**HUATING, "description": "x" * 4001}, 400),
    ({**HUATING, "description": "a\u202eb"}, 400),
    ({**HUATING, "phone": "call me"}, 400),
]


@sqlite_only  # refused before the store is written
def test_bad_requests_are_refused_in_the_spec_format_with_nothing_written(
    api: Api, key: str
) -> None:
    before = api.event_count()
    for body, status in BAD_REQUESTS:
        answer = post(api, {"api_key": key, "service_code": "fire-lane", **body})
        spec_errors(answer, status)
    assert api.event_count() == before


@sqlite_only  # the body is refused before it is parsed
def test_garbage_and_oversized_bodies_are_400_with_nothing_written(api: Api, key: str) -> None:
    before = api.event_count()
    url = f"{V2}/requests.json"
    spec_errors(api.client.post(url, content=b"\xff\xfe", headers={"Content-Type": FORM}), 400)
    spec_errors(api.client.post(url, json={"api_key": key, "service_code": "fire-lane"}), 400)
    spec_errors(api.client.post(url, content=b"a=1&" * 100, headers={"Content-Type": FORM}), 400)
    spec_errors(
        api.client.post(url, content=b"d=" + b"x" * 70_000, headers={"Content-Type": FORM}), 400
    )
    spec_errors(
        api.client.post(
            url,
            content=f"api_key={key}&service_code=a&service_code=b&lat=1&long=1",
            headers={"Content-Type": FORM},
        ),
        400,
    )
    assert api.event_count() == before
    spec_errors(api.client.get(f"{V2}/requests/not-a-uuid.json"), 404)
    spec_errors(api.client.get(f"{V2}/requests/00000000-0000-0000-0000-000000000000.json"), 404)


@sqlite_only  # what is published is decided by the view's columns
def test_no_personal_data_or_user_id_in_any_open311_answer(api: Api, key: str) -> None:
    request_id = submit(
        api, key, first_name="秀英", last_name="李", phone="13700001111", email="li@example.com"
    )
    official = report(
        api, resident_name="张大爷", resident_phone="13600002222", description="邻居吵闹"
    )
    created(
        api.post("coordinator", f"/cases/{official}/notes", {"text": "内部记录：当事人情绪激动"})
    )
    api.container.projector.wait(api.event_count(), timeout=10)
    answers = [api.client.get(f"{V2}/requests.{fmt}").text for fmt in ("json", "xml")] + [
        api.client.get(f"{V2}/requests/{i}.{fmt}").text
        for i in (request_id, official)
        for fmt in ("json", "xml")
    ]
    for text in answers:
        for secret in (
            "秀英",
            "李",
            "13700001111",
            "li@example.com",
            "张大爷",
            "13600002222",
            "邻居吵闹",
            "内部记录",
            "portal-app",
            "grid_lead",
            "portal",
            "居民端",
        ):
            assert secret not in text, (secret, text[:200])


@sqlite_only  # the portal's token reaches nothing of the officials' API
def test_a_portal_key_opens_nothing_but_open311(api: Api, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    request_id = submit(api, key)
    for path in ("/cases", f"/cases/{request_id}", f"/cases/{request_id}/resident", "/queue"):
        assert api.client.get(path, headers=headers).status_code in (403, 404), path
    body = {"grid_id": "chengshi-huating", "category_id": "fire-lane", "title": "绕过"}
    assert api.client.post("/cases", json=body, headers=headers).status_code == 403


@sqlite_only  # XML is written, never read back from a client
def test_xml_answers_are_well_formed_and_escape_what_residents_write(api: Api, key: str) -> None:
    hostile = '<?xml?><!DOCTYPE x [<!ENTITY e "boom">]><a>&e;</a> & "quotes"'
    request_id = submit(api, key, description=hostile)
    answer = api.client.get(f"{V2}/requests/{request_id}.xml")
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(answer.content)
    assert root.tag == "service_requests" and len(root) == 1
    request = root[0]
    assert request.tag == "request" and request.findtext("description") == hostile
    assert request.findtext("status") == "open" and request.find("media_url") is not None
    services = ElementTree.fromstring(api.client.get(f"{V2}/services.xml").content)
    assert services.tag == "services" and services[0].tag == "service"
    error = ElementTree.fromstring(post(api, {"api_key": "<x>"}, fmt="xml").content)
    assert error.tag == "errors" and error[0].findtext("code") == "403"
