"""合并 over HTTP: one action merges repeated calls into the original, all or nothing,
once per Idempotency-Key, only by a coordinator with every case in scope."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_only


def _without_id(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    return {k: v.replace(case_id, "<id>") if isinstance(v, str) else v for k, v in body.items()}


def merge(
    api: Api, original: str, case_ids: list[str], user: str = "coordinator", **headers: str
) -> Any:
    body = {"case_ids": case_ids, "reason": "同一事项重复来电"}
    return api.post(user, f"/cases/{original}/merges", body, **headers)


def test_merged_cases_become_duplicates_and_the_original_counts_their_callers(api: Api) -> None:
    original, a, b = h.report(api), h.report(api), h.report(api)
    answer = h.created(merge(api, original, [a, b]))
    assert answer["case_id"] == original and answer["version"] == 2
    case = api.get("coordinator", f"/cases/{original}").json()
    assert case["callers"] == 3 and case["merged_case_ids"] == [a, b]
    for other in (a, b):
        merged = api.get("coordinator", f"/cases/{other}").json()
        assert merged["status"] == "duplicate" and merged["duplicate_of"] == original
    callers = api.get("coordinator", f"/cases/{original}/callers").json()
    assert [c["case_id"] for c in callers["callers"]] == [original, a, b]
    assert callers["merged_into"] is None
    labels = [e["label"] for e in api.get("coordinator", f"/cases/{original}/events").json()]
    assert labels[-1] == "合并来电"
    assert api.get("coordinator", f"/cases/{a}/events").json()[-1]["label"] == "合并到"
    rows = api.get("coordinator", "/cases", min_position=api.event_count()).json()["items"]
    by_id = {r["case_id"]: r for r in rows}
    assert by_id[original]["callers"] == 3 and by_id[original]["duplicate_of"] is None
    assert by_id[a]["duplicate_of"] == original and by_id[a]["status"] == "duplicate"
    ledger = api.get("coordinator", "/ledger").json()
    assert (
        ledger["columns"]["callers"] == "来电人数" and ledger["columns"]["merged_into"] == "合并到"
    )
    lines = {line["case_id"]: line for line in ledger["items"]}
    assert (lines[original]["callers"], lines[original]["merged_into"]) == (3, "")
    assert (lines[b]["callers"], lines[b]["merged_into"]) == (1, original)


def test_one_refused_case_refuses_the_whole_merge(api: Api) -> None:
    original, fine, closed = h.report(api), h.report(api), h.resolved_case(api)
    h.evaluate(api, closed, "satisfied")
    h.close(api, closed)
    before = api.event_count()
    h.assert_refused(api, before, merge(api, original, [fine, closed]), 409, "case_is_final")
    assert api.get("coordinator", f"/cases/{fine}").json()["status"] == "reported"


def test_no_cycle_and_no_merge_into_itself(api: Api) -> None:
    a, b = h.report(api), h.report(api)
    before = api.event_count()
    h.assert_refused(api, before, merge(api, a, [a]), 409, "rule_violation")
    h.created(merge(api, b, [a]))
    before = api.event_count()
    h.assert_refused(api, before, merge(api, a, [b]), 409, "case_is_final")


@sqlite_only  # the refusal comes from rules over loaded cases, before any write
def test_cases_of_different_streets_are_not_merged(api: Api) -> None:
    here = h.report(api)
    there = h.report(api, user="other_grid_lead", grid_id="jintai")
    before = api.event_count()
    h.assert_refused(api, before, merge(api, here, [there], user="admin"), 409, "rule_violation")


def test_a_retried_merge_merges_once(api: Api) -> None:
    original, a = h.report(api), h.report(api)
    first = h.created(merge(api, original, [a], **{"Idempotency-Key": "merge-1"}))
    after = api.event_count()
    again = h.created(merge(api, original, [a], **{"Idempotency-Key": "merge-1"}))
    assert again == first and api.event_count() == after
    other = h.report(api)
    reused = merge(api, original, [other], **{"Idempotency-Key": "merge-1"})
    h.assert_problem(reused, 422, "idempotency_key_reused")


@sqlite_only  # access is decided on the loaded cases, before any write
@pytest.mark.parametrize(
    ("user", "status"),
    [("other_grid_lead", 404), ("other_coordinator", 404), ("police", 404), ("grid_lead", 403)],
)
def test_only_a_coordinator_in_scope_merges(api: Api, user: str, status: int) -> None:
    original, a = h.report(api), h.report(api)
    before = api.event_count()
    h.assert_refused(api, before, merge(api, original, [a], user=user), status)


@sqlite_only  # access is decided on the loaded cases, before any write
def test_merging_a_case_outside_scope_answers_as_an_unknown_one(api: Api) -> None:
    original = h.report(api)
    theirs = h.report(api, user="other_grid_lead", grid_id="jintai")
    unknown = str(uuid4())
    before = api.event_count()
    a = h.assert_refused(api, before, merge(api, original, [theirs]), 404, "case_not_found")
    b = h.assert_refused(api, before, merge(api, original, [unknown]), 404, "case_not_found")
    assert _without_id(a, theirs) == _without_id(b, unknown)
    # nor do the likely-duplicate and callers reads of another scope's case tell it exists
    for path in ("likely-duplicates", "callers"):
        assert api.get("coordinator", f"/cases/{theirs}/{path}").status_code == 404


@sqlite_only  # request validation, before the store
@pytest.mark.parametrize(
    "body", [{"case_ids": []}, {"case_ids": ["not-a-uuid"]}, {"case_ids": [str(uuid4())] * 101}]
)
def test_a_bad_merge_request_is_422(api: Api, body: dict[str, Any]) -> None:
    original = h.report(api)
    before = api.event_count()
    h.assert_refused(api, before, api.post("coordinator", f"/cases/{original}/merges", body), 422)


@sqlite_only  # access is decided on the loaded cases, before any write
def test_a_summoned_liaison_sees_the_case_but_may_not_merge(api: Api) -> None:
    original, _ = h.whistled_case(api)
    a = h.report(api)
    before = api.event_count()
    h.assert_refused(api, before, merge(api, original, [a], user="police"), 403, "forbidden")
