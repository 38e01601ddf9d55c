"""Auditors over HTTP: the whole log's signatures, checkpoints as anchors, the console badge."""

from __future__ import annotations

from uuid import UUID

from application.log_chain import LogSignature
from infrastructure.signing_keys import check_signature
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.integration.test_signatures import forge_next, note_inner
from tests.support.api import Api
from tests.support.raw_db import RawDb


def test_verify_reports_the_signed_log_and_the_start_checkpoint(api: Api) -> None:
    h.resolved_case(api)
    body = api.get("auditor", "/audit/verify").json()
    assert body["intact"] is True
    log = body["log"]
    assert log["intact"] and log["problems"] == []
    assert log["signed_position"] == body["events"] == api.event_count()
    assert log["newest_checkpoint"]["kind"] == "checkpoint"  # written when the server started
    assert log["checkpoint_age_seconds"] >= 0
    assert body["role_separation"] is False  # the tests' single role owns its tables


def test_checkpoints_are_self_contained_anchors(api: Api) -> None:
    h.resolved_case(api)
    api.container.service.checkpoint()
    listed = [c for c in api.get("auditor", "/audit/checkpoints").json() if c["log"] == "cases"]
    assert [c["kind"] for c in listed] == ["checkpoint", "checkpoint"]
    newest = LogSignature.from_anchor(listed[0])
    assert newest.position == api.event_count()
    assert check_signature(newest.public_key, newest.message(), newest.signature)
    h.assert_problem(api.get("grid_lead", "/audit/checkpoints"), 403)


def test_a_forged_event_turns_verify_and_the_case_badge_red(api: Api, raw: RawDb) -> None:
    case_id = h.resolved_case(api)
    h.note(api, case_id)
    forge_next(raw, UUID(case_id), note_inner(raw, UUID(case_id)))
    body = api.get("auditor", "/audit/verify").json()
    assert body["intact"] is False
    [uncovered] = [p for p in body["log"]["problems"] if p["seq"] == 0]
    assert uncovered["position"] == api.event_count() and "伪造" in uncovered["problem_zh"]
    sign_in(api, "auditor")
    page = api.client.get(f"/ui/cases/{case_id}")
    assert page.status_code == 200
    assert "完整" not in page.text.split('id="chain"')[1][:200]
