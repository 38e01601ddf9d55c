"""422 for invalid bodies, JSON and headers; 413 for bodies over the limit.

Each refused write is checked twice: the problem+json it answers, and that the event log
did not move.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from domain.rules import MAX_PLEDGE_FEN, MAX_UNITS_PER_WHISTLE
from interfaces.http.limits import MAX_BODY_BYTES
from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_only

# The refusals marked sqlite_only are decided before anything reaches the store (the body
# limit, the request schema, the jurisdiction, the domain's checks on the case as loaded),
# so PostgreSQL cannot answer them differently; the accepted limits are written, so they
# run on both backends.

# ----- 422 -------------------------------------------------------------------------------

PLEDGE = {"party_kind": "government", "party_name": "建设街道", "amount_fen": 100}
LONG = "标" * 201


def _invalid_writes(api: Api, case_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, path, body) of writes that must each be refused with 422."""
    base = f"/cases/{case_id}"
    yield "extra field on report", "/cases", h.case_body(priority="high")
    yield "extra field on note", f"{base}/notes", {"text": "x", "author": "me"}
    yield "extra field on close", f"{base}/close", {"remark": "", "force": True}
    yield "empty title", "/cases", h.case_body(title="")
    yield "blank title", "/cases", h.case_body(title="   ")
    yield "title of 201 chars", "/cases", h.case_body(title=LONG)
    yield "missing title", "/cases", {"grid_id": h.GRID, "category_id": h.CATEGORY}
    yield "unknown grid", "/cases", h.case_body("no-such-grid")
    yield "unknown category", "/cases", h.case_body(category_id="no-such-category")
    yield "grid id with a slash", "/cases", h.case_body("a/b")
    yield "unknown channel", "/cases", h.case_body(channel="fax")
    for amount in (0, -1, 1.5, "100", True, MAX_PLEDGE_FEN + 1, None):
        yield f"amount_fen {amount!r}", f"{base}/pledges", {**PLEDGE, "amount_fen": amount}
    yield "currency USD", f"{base}/pledges", {**PLEDGE, "currency": "USD"}
    yield "pledge for unknown unit", f"{base}/pledges", {**PLEDGE, "unit_id": "nobody"}
    yield "empty note", f"{base}/notes", {"text": ""}
    yield "blank note", f"{base}/notes", {"text": " \n "}
    yield "unknown note kind", f"{base}/notes", {"text": "x", "kind": "gossip"}
    yield "escalate to nowhere", f"{base}/escalations", {"to_level": "province", "reason": "x"}
    yield "escalate without reason", f"{base}/escalations", {"to_level": "district", "reason": ""}
    whistle = h.whistle_body(api)
    naive = api.clock.now.replace(tzinfo=None) + timedelta(hours=1)
    yield "naive deadline", f"{base}/whistles", {**whistle, "report_in_deadline": naive.isoformat()}
    past = (api.clock.now - timedelta(minutes=1)).isoformat()
    yield "past deadline", f"{base}/whistles", {**whistle, "report_in_deadline": past}
    now = api.clock.now.isoformat()
    yield "deadline now", f"{base}/whistles", {**whistle, "report_in_deadline": now}
    yield "unknown unit", f"{base}/whistles", {**whistle, "unit_ids": ["jianshe-police", "x"]}
    yield "no units", f"{base}/whistles", {**whistle, "unit_ids": []}
    yield "repeated unit", f"{base}/whistles", {**whistle, "unit_ids": ["yljw-property"] * 2}
    many = [f"u{i}" for i in range(MAX_UNITS_PER_WHISTLE + 1)]
    yield "too many units", f"{base}/whistles", {**whistle, "unit_ids": many}
    unit_eval = {"whistle_id": "W1", "unit_id": "jianshe-police", "score": 101}
    yield "score 101", f"{base}/unit-evaluations", unit_eval
    yield "score 99.5", f"{base}/unit-evaluations", {**unit_eval, "score": 99.5}
    yield "bad satisfaction", f"{base}/evaluations", {"solved": "solved", "satisfaction": "meh"}
    yield "duplicate of a non-uuid", f"{base}/duplicate-of", {"original_case_id": "case-1"}
    yield "report in for unknown unit", f"{base}/whistles/W1/report-ins", {"unit_id": "nobody"}
    yield "report in without unit", f"{base}/whistles/W1/report-ins", {}
    yield "body is a list", f"{base}/notes", [{"text": "x"}]  # type: ignore[misc]
    yield "body is null", f"{base}/notes", None  # type: ignore[misc]


@sqlite_only
def test_invalid_bodies_are_422_and_write_nothing(api: Api) -> None:
    case_id, _ = h.whistled_case(api)
    failures = []
    for label, path, body in _invalid_writes(api, case_id):
        before = api.event_count()
        response = api.post("admin", path, body)
        ok = (
            response.status_code == 422
            and response.headers["content-type"].startswith(h.PROBLEM_JSON)
            and response.json().get("detail_zh")
            and api.event_count() == before
        )
        if not ok:
            failures.append((label, response.status_code, response.text[:200]))
    assert failures == []


@sqlite_only
def test_invalid_json_is_422(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()
    headers = api.headers("admin", **{"Content-Type": "application/json"})
    for content in (b"{not json", b"", b"\xff\xfe", b'{"text": "x"'):
        response = api.client.post(f"/cases/{case_id}/notes", content=content, headers=headers)
        h.assert_refused(api, before, response, 422)


def test_the_limits_themselves_are_accepted(api: Api) -> None:
    case_id = h.report(api, title="标" * 200)
    body = {**PLEDGE, "amount_fen": MAX_PLEDGE_FEN}
    assert api.post("admin", f"/cases/{case_id}/pledges", body).status_code == 201
    assert (
        api.post("admin", f"/cases/{case_id}/pledges", {**PLEDGE, "amount_fen": 1}).status_code
        == 201
    )
    assert api.get("admin", f"/cases/{case_id}").json()["pledged_fen"] == MAX_PLEDGE_FEN + 1


@pytest.mark.parametrize("key", ["k" * 201, "k\tk"])
@sqlite_only
def test_bad_idempotency_key_is_422(api: Api, key: str) -> None:
    case_id = h.report(api)
    before = api.event_count()
    response = api.post(
        "admin", f"/cases/{case_id}/notes", {"text": "x"}, **{"Idempotency-Key": key}
    )
    h.assert_refused(api, before, response, 422)


# ----- 413 -------------------------------------------------------------------------------


def _too_big() -> bytes:
    return b'{"text": "' + b"x" * MAX_BODY_BYTES + b'"}'


@sqlite_only
def test_body_over_64_kib_with_content_length_is_413(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()
    headers = api.headers("admin", **{"Content-Type": "application/json"})
    response = api.client.post(f"/cases/{case_id}/notes", content=_too_big(), headers=headers)
    assert "content-length" in {k.lower() for k in response.request.headers}
    h.assert_refused(api, before, response, 413)


@sqlite_only
def test_chunked_body_over_64_kib_is_413(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()

    def chunks() -> Iterator[bytes]:
        data = _too_big()
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    headers = api.headers("admin", **{"Content-Type": "application/json"})
    response = api.client.post(f"/cases/{case_id}/notes", content=chunks(), headers=headers)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    h.assert_refused(api, before, response, 413)


@sqlite_only
def test_body_just_under_the_limit_is_parsed_not_refused_as_too_large(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()
    content = b'{"text": "' + b"x" * (MAX_BODY_BYTES - 12) + b'"}'
    assert len(content) <= MAX_BODY_BYTES
    headers = api.headers("admin", **{"Content-Type": "application/json"})
    response = api.client.post(f"/cases/{case_id}/notes", content=content, headers=headers)
    h.assert_refused(api, before, response, 422)  # too long a note, but read and validated
