"""GET /audit/checkpoints lists the 双报到 roster log's checkpoints beside the case log's,
each marked with its log; a listed roster row is an anchor that catches a cut of the
roster log's tail (with its signed rows) that the signatures alone cannot see."""

from __future__ import annotations

from typing import Any

from application.log_chain import LogSignature
from infrastructure.signing_keys import check_signature
from tests.integration.test_roster_signatures import RosterDb
from tests.support.api import Api
from tests.support.raw_db import RawDb
from tests.support.roster import post_need, roster_event_count, seat

WHOSE = ("log", "log_label")


def listed(api: Api) -> list[dict[str, Any]]:
    response = api.get("auditor", "/audit/checkpoints")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_roster_logs_checkpoints_are_listed_marked_after_the_case_logs(api: Api) -> None:
    seat(api)
    post_need(api)
    roster = api.container.roster.signed_log
    assert roster is not None
    roster.checkpoint()
    rows = listed(api)

    logs = [r["log"] for r in rows]
    assert logs == sorted(logs)  # "cases" rows first, then "roster"
    cases = [r for r in rows if r["log"] == "cases"]
    ours = [r for r in rows if r["log"] == "roster"]
    assert {r["log_label"] for r in cases} == {"案件日志"}
    assert {r["log_label"] for r in ours} == {"双报到名册日志"}
    # The case log's rows keep every field they had, newest first.
    expected = [r.as_anchor() for r in reversed(api.container.service.checkpoints())]
    assert [{k: v for k, v in r.items() if k not in WHOSE} for r in cases] == expected
    newest = LogSignature.from_anchor(ours[0])
    assert newest.position == roster_event_count(api) == 2
    assert check_signature(newest.public_key, newest.message(), newest.signature)
    assert [r["seq"] for r in ours] == sorted((r["seq"] for r in ours), reverse=True)


def test_only_auditors_list_either_logs_checkpoints(api: Api) -> None:
    for user in ("coordinator", "grid_lead", "property"):
        assert api.get(user, "/audit/checkpoints").status_code == 403


def test_a_listed_roster_anchor_catches_the_roster_tail_cut_with_its_signed_rows(
    api: Api, raw: RawDb
) -> None:
    seat(api)
    roster = api.container.roster.signed_log
    assert roster is not None
    kept = roster.checkpoint()  # the intruder cuts back to this row
    post_need(api)
    post_need(api, title="月河社区助老")
    roster.checkpoint()
    anchor = LogSignature.from_anchor(next(r for r in listed(api) if r["log"] == "roster"))
    assert anchor.position == 3

    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    db.roster("DELETE FROM {rsig} WHERE seq > %s", (kept.seq,))
    db.roster(f"DELETE FROM {{roster}} WHERE {db.position} > %s", (kept.position,))

    assert roster.verify().intact  # the blind spot: what is left is consistent
    report = roster.verify(anchor=anchor)
    assert not report.intact
    assert report.log is not None
    assert any("截断" in p.problem_zh for p in report.log.problems)
