"""GET /audit/verify reports the 双报到 roster log apart from the case log, and turns red
when a confirmed need's record is cut from it around the service."""

from __future__ import annotations

from tests.integration.test_roster_signatures import RosterDb
from tests.support.api import Api
from tests.support.raw_db import RawDb
from tests.support.roster import post_need, seat


def test_verify_reports_the_roster_log_separately_and_names_a_cut(api: Api, raw: RawDb) -> None:
    seat(api)
    post_need(api)
    body = api.get("auditor", "/audit/verify").json()
    roster = body["roster"]
    assert body["intact"] is True and roster["intact"] is True
    assert roster["label"] == "双报到名册日志" and roster["events"] == 2
    assert roster["log"]["signed_position"] == 2
    assert roster["log"]["newest_checkpoint"]["kind"] == "checkpoint"  # at the server's start

    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    db.roster(f"DELETE FROM {{roster}} WHERE {db.position} = 2")
    body = api.get("auditor", "/audit/verify").json()

    assert body["intact"] is False
    assert body["log"]["intact"] is True  # the case log is not the one named
    [problem] = body["roster"]["log"]["problems"]
    assert problem["position"] == 2 and "截断" in problem["problem_zh"]
