"""The seeds' fire-lane case end to end over HTTP with four tokens (issue 3's acceptance).

A grid lead reports it; a coordinator escalates and blows a whistle to the police
station and the property company; both liaisons report in (the property company
late); two parties pledge; the coordinator resolves and records the callback; an
auditor reads the full history and the case as it was at every version.
"""

from __future__ import annotations

from datetime import timedelta

from tests.support.api import Api


def test_fire_lane_case_runs_end_to_end_over_http(api: Api) -> None:
    created = api.post(
        "grid_lead",
        "/cases",
        {
            "grid_id": "chengshi-huating",
            "category_id": "fire-lane",
            "channel": "patrol",
            "title": "城市华庭、滨河湾小区车辆长期占用消防通道",
            "description": "车辆占用消防通道问题多年未能解决。",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    base = f"/cases/{case_id}"

    api.clock.advance(hours=2)
    assert (
        api.post(
            "grid_lead",
            f"{base}/notes",
            {"text": "居委会、物业公司、业委会组织入户谈话300余次。", "kind": "home_visit"},
        ).status_code
        == 201
    )
    api.clock.advance(days=2)
    assert (
        api.post(
            "grid_lead",
            f"{base}/escalations",
            {"to_level": "community", "reason": "涉及两个小区，网格内无法协调。"},
        ).status_code
        == 201
    )
    assert (
        api.post(
            "coordinator",
            f"{base}/escalations",
            {"to_level": "street", "reason": "个别“钉子户”拒不配合。"},
        ).status_code
        == 201
    )

    deadline = api.clock.now + timedelta(minutes=30)
    whistle = api.post(
        "coordinator",
        f"{base}/whistles",
        {
            "unit_ids": ["jianshe-police", "yljw-property"],
            "report_in_deadline": deadline.isoformat(),
            "reason": "联合执法协调钉子户。",
        },
    )
    assert whistle.status_code == 201, whistle.text
    whistle_id = whistle.json()["whistle_id"]

    inbox = api.get("property", "/inbox", min_position=whistle.json()["position"]).json()
    assert [i["whistle_id"] for i in inbox["items"]] == [whistle_id]

    api.clock.advance(minutes=20)
    police = api.post("police", f"{base}/whistles/{whistle_id}/report-ins", {"note": "民警到场。"})
    api.clock.advance(minutes=25)
    prop = api.post("property", f"{base}/whistles/{whistle_id}/report-ins", {"note": "物业到场。"})
    assert (police.json()["late"], prop.json()["late"]) == (False, True)

    assert (
        api.post(
            "property",
            f"{base}/pledges",
            {
                "party_kind": "property_company",
                "party_name": "亿利金威物业公司",
                "amount_fen": 5_000_000,
                "purpose": "划线、设置隔离桩",
            },
        ).status_code
        == 201
    )
    assert (
        api.post(
            "coordinator",
            f"{base}/pledges",
            {
                "party_kind": "enterprise",
                "party_name": "亿利资源集团（共建企业）",
                "unit_id": "yili-group",
                "amount_fen": 3_600_00,
                "purpose": "地库车位租金让利（演示金额）",
            },
        ).status_code
        == 201
    )

    api.clock.advance(days=8)
    assert (
        api.post(
            "coordinator",
            f"{base}/resolution",
            {"summary": "经过各方共同努力，妥善解决了消防通道停车问题。"},
        ).status_code
        == 201
    )
    api.clock.advance(days=5)
    last = api.post(  # 回访 by someone other than the resolver (here the admin)
        "admin",
        f"{base}/evaluations",
        {"solved": "solved", "satisfaction": "satisfied", "comment": "消防通道已畅通。"},
    )
    assert last.status_code == 201
    assert last.json()["version"] == 11

    history = api.get("auditor", f"{base}/events")
    assert history.status_code == 200
    events = history.json()
    assert [e["type"] for e in events] == [
        "CaseReported",
        "ProgressNoted",
        "CaseEscalated",
        "CaseEscalated",
        "WhistleBlown",
        "UnitReportedIn",
        "UnitReportedIn",
        "FundingPledged",
        "FundingPledged",
        "CaseResolved",
        "CaseEvaluated",
    ]
    assert [(e["actor_id"], e["actor_role"]) for e in events][:6:5] == [
        ("grid_lead", "grid_lead"),
        ("police", "liaison"),
    ]
    assert events[6]["data"]["late"] is True
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False))

    states = [api.get("auditor", base, version=v).json() for v in range(1, 12)]
    assert [s["version"] for s in states] == list(range(1, 12))
    assert [s["status"] for s in states] == [
        "reported",
        "in_progress",
        "in_progress",
        "in_progress",
        "in_progress",
        "in_progress",
        "in_progress",
        "in_progress",
        "in_progress",
        "resolved",
        "evaluated",
    ]
    assert [s["level"] for s in states][2:4] == ["community", "street"]
    assert [s["pledged_fen"] for s in states][7:9] == [5_000_000, 5_360_000]
    assert states[-1]["resolution"]["level"] == "street"
    as_of_whistle = api.get("auditor", base, as_of=events[4]["at"]).json()
    assert as_of_whistle["version"] == 5 and as_of_whistle["whistles"][0]["report_ins"] == {}

    verify = api.get("auditor", "/audit/verify").json()
    assert verify["intact"] and verify["events"] == 11
    assert api.get("property", "/inbox").json()["items"] == []
