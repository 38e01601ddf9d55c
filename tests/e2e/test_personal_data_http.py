"""Personal data over HTTP, played as an attacker: idempotency records, free text,
erasure and the audit of who read and who erased residents' contacts."""

from __future__ import annotations

import hashlib
import json
import stat
from typing import Any

from sqlalchemy import select

from infrastructure.idempotency_sql import keys as request_keys
from infrastructure.server_secret import secret_path
from tests.e2e.helpers import PROBLEM_JSON, case_body
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api

PHONE = "13912345678"


def post_raw(api: Api, user: str, path: str, body: dict[str, Any], key: str) -> Any:
    """Send exact bytes, as the attacker who knows the client's format assumes."""
    return api.client.post(
        path,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers=api.headers(user, **{"Idempotency-Key": key, "Content-Type": "application/json"}),
    )


def stored_hashes(api: Api) -> list[str]:
    with api.container.engine.connect() as conn:
        return [r[0] for r in conn.execute(select(request_keys.c.request_hash))]


def test_the_stored_request_hash_does_not_give_the_phone_back(api: Api) -> None:
    body = case_body(resident_name="张桂兰", resident_phone=PHONE)
    assert post_raw(api, "grid_lead", "/cases", body, "brute-1").status_code == 201
    [stored] = stored_hashes(api)

    def plain(digits: str) -> str:  # the attack: sha256("POST /cases\n" + body)
        guess = body | {"resident_phone": PHONE[:-4] + digits}
        data = json.dumps(guess, ensure_ascii=False).encode()
        return hashlib.sha256(b"POST /cases\n" + data).hexdigest()

    candidates = {plain(f"{n:04d}"): n for n in range(10_000)}
    assert plain(PHONE[-4:]) in candidates  # the guess space holds the real body…
    assert stored not in candidates  # …but what is stored is not a plain hash of it
    assert len(stored) == 64 and stored != hashlib.sha256(b"").hexdigest()


def test_the_server_secret_is_a_private_file_of_the_config_directory(api: Api) -> None:
    path = secret_path(api.container.settings)
    assert path.stat().st_size == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent != api.container.settings.data_dir


def test_an_expired_key_counts_as_new_and_its_record_is_deleted(api: Api) -> None:
    first = post_raw(api, "grid_lead", "/cases", case_body(), "ttl-1").json()
    assert (
        post_raw(api, "grid_lead", "/cases", case_body(title="另一件"), "ttl-1").status_code == 422
    )
    api.clock.advance(hours=24, seconds=1)
    again = post_raw(api, "grid_lead", "/cases", case_body(title="另一件"), "ttl-1")
    assert again.status_code == 201, again.text
    assert again.json()["case_id"] != first["case_id"]
    assert len(stored_hashes(api)) == 1  # the expired record went; the new one is kept


def test_a_sweep_deletes_every_expired_record(api: Api) -> None:
    for n in range(3):
        post_raw(api, "grid_lead", "/cases", case_body(), f"sweep-{n}")
    api.clock.advance(hours=23)
    assert api.container.idempotency.sweep() == 0
    api.clock.advance(hours=2)
    assert api.container.idempotency.sweep() == 3
    assert stored_hashes(api) == []


def test_a_phone_in_a_title_is_refused_with_a_pointer_to_the_resident_fields(api: Api) -> None:
    before = api.event_count()
    r = api.post("grid_lead", "/cases", case_body(title=f"张大爷家暖气不热，电话{PHONE}"))
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM_JSON)
    problem = r.json()
    assert problem["code"] == "personal_data_in_text" and problem["field"] == "title"
    assert problem["use_fields"] == ["resident_name", "resident_phone"]
    assert "resident_phone" in problem["detail"] and "resident_phone" in problem["detail_zh"]
    assert api.event_count() == before


def _case_with_contact(api: Api) -> str:
    body = case_body(resident_name="张桂兰", resident_phone=PHONE)
    r = api.post("grid_lead", "/cases", body)
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


def test_only_an_admin_erases_and_only_with_a_reason(api: Api) -> None:
    case_id = _case_with_contact(api)
    path = f"/cases/{case_id}/resident/erasure"
    assert api.post("coordinator", path, {"reason": "居民申请"}).status_code == 403
    assert api.post("admin", path, {}).status_code == 422
    assert api.post("admin", path, {"reason": f"居民{PHONE}申请"}).status_code == 422
    r = api.post("admin", path, {"reason": "居民本人申请删除"})
    assert r.status_code == 200, r.text
    assert r.json()["erased_by"] == "admin" and r.json()["erased_at"]
    contact = api.get("grid_lead", f"/cases/{case_id}/resident").json()
    assert (contact["name"], contact["phone"], contact["erased_by"]) == (None, None, "admin")


def test_auditors_list_erasures_and_contact_reads(api: Api) -> None:
    case_id = _case_with_contact(api)
    assert api.get("grid_lead", f"/cases/{case_id}/resident").json()["phone"] == PHONE
    api.post("admin", f"/cases/{case_id}/resident/erasure", {"reason": "居民本人申请删除"})
    erasures = api.get("auditor", "/audit/erasures").json()
    assert [
        (e["case_id"], e["operator_id"], e["operator_role"], e["reason"]) for e in erasures
    ] == [(case_id, "admin", "admin", "居民本人申请删除")]
    reads = api.get("auditor", "/audit/contact-reads", case_id=case_id).json()
    assert [(r["case_id"], r["reader_id"]) for r in reads][-1] == (case_id, "grid_lead")
    assert all(r["read_at"].endswith(("Z", "+00:00")) for r in reads)
    for path in ("/audit/erasures", "/audit/contact-reads"):
        assert api.get("grid_lead", path).status_code == 403
        assert api.get("coordinator", path).status_code == 403
    events = api.get("auditor", f"/cases/{case_id}/events").json()
    assert events[-1]["type"] == "ResidentContactErased"
    assert PHONE not in json.dumps(events, ensure_ascii=False)
    assert events[-1]["data"] == {"reason": "居民本人申请删除"}


def test_the_console_timeline_shows_the_erasure_and_no_contact(api: Api) -> None:
    case_id = _case_with_contact(api)
    api.post("admin", f"/cases/{case_id}/resident/erasure", {"reason": "居民本人申请删除"})
    sign_in(api, "auditor")
    page = api.client.get(f"/ui/cases/{case_id}")
    assert page.status_code == 200, page.text[:200]
    assert "删除居民信息" in page.text and "居民本人申请删除" in page.text
    assert PHONE not in page.text and "张桂兰" not in page.text
