"""Idempotent retries and conditional writes over HTTP, including many racing writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.api import Api

CASE = {"grid_id": "chengshi-huating", "category_id": "fire-lane", "title": "消防通道停车"}


def test_retried_post_with_same_key_returns_first_answer_and_writes_nothing(api: Api) -> None:
    first = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "k-1"})
    count = api.event_count()
    again = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert api.event_count() == count


def test_same_key_with_a_different_body_is_refused(api: Api) -> None:
    api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "k-2"})
    count = api.event_count()
    other = api.post(
        "grid_lead", "/cases", CASE | {"title": "另一件事"}, **{"Idempotency-Key": "k-2"}
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert api.event_count() == count


def test_keys_belong_to_their_user(api: Api) -> None:
    mine = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "shared"})
    case_id = mine.json()["case_id"]
    note = api.post(
        "coordinator",
        f"/cases/{case_id}/notes",
        {"text": "联席会议"},
        **{"Idempotency-Key": "shared"},
    )
    assert note.status_code == 201 and note.json()["version"] == 2


def test_refused_request_does_not_burn_its_key(api: Api) -> None:
    case_id = api.post("grid_lead", "/cases", CASE).json()["case_id"]
    refused = api.post("coordinator", f"/cases/{case_id}/close", {}, **{"Idempotency-Key": "c-1"})
    assert refused.status_code == 409
    api.post("coordinator", f"/cases/{case_id}/resolution", {"summary": "已清理"})
    retried = api.post("coordinator", f"/cases/{case_id}/close", {}, **{"Idempotency-Key": "c-1"})
    assert retried.status_code == 201


def test_concurrent_conditional_writers_lose_no_event(api: Api) -> None:
    """Many clients each add a note with If-Match, retrying on 409/412: all land, once."""
    case_id = api.post("grid_lead", "/cases", CASE).json()["case_id"]
    writers = 12

    def write(i: int) -> list[int]:
        statuses = []
        while True:
            version = api.get("coordinator", f"/cases/{case_id}").json()["version"]
            r = api.post(
                "coordinator",
                f"/cases/{case_id}/notes",
                {"text": f"writer {i}"},
                **{"If-Match": f'"{version}"'},
            )
            statuses.append(r.status_code)
            if r.status_code == 201:
                return statuses
            assert r.status_code in (409, 412), r.text

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(write, range(writers)))

    case = api.get("auditor", f"/cases/{case_id}").json()
    assert case["version"] == 1 + writers
    assert sorted(n["text"] for n in case["notes"]) == sorted(f"writer {i}" for i in range(writers))
    assert all(o[-1] == 201 for o in outcomes)
    assert api.get("auditor", "/audit/verify").json()["intact"]


def test_concurrent_retries_with_one_key_write_once(api: Api) -> None:
    """A client that fires the same keyed request several times at once (a flaky network)."""
    before = api.event_count()

    def post(_: int) -> tuple[int, str]:
        r = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "burst-1"})
        return r.status_code, r.json().get("case_id", r.text)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    assert {status for status, _ in answers} == {201}
    assert len({case_id for _, case_id in answers}) == 1
    assert api.event_count() == before + 1


def test_key_and_events_are_written_in_one_transaction(api: Api) -> None:
    """The stored key names exactly the version and log position its request produced."""
    first = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "atomic-1"}).json()
    stored = api.container.idempotency.get("grid_lead", "atomic-1")
    assert stored is not None
    assert (stored.case_id, stored.version, stored.position) == (
        first["case_id"],
        first["version"],
        first["position"],
    )


def test_duplicate_link_to_a_case_out_of_scope_is_refused(api: Api) -> None:
    """Marking a duplicate must not reveal whether another scope's case exists."""
    theirs = api.post("grid_lead", "/cases", CASE).json()["case_id"]
    mine = api.post("admin", "/cases", CASE | {"grid_id": "jintai"}).json()["case_id"]
    before = api.event_count()
    r = api.post("other_coordinator", f"/cases/{mine}/duplicate-of", {"original_case_id": theirs})
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    assert api.event_count() == before
