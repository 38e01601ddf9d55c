"""Steps of the 双报到 story over HTTP, for the roster's tests (and the console's and the
browser test's): seat a unit, add a member account, register it, post a need, claim,
complete and confirm it. Each asserts its write answered 201 and returns what the next
step needs. Places are the demo jurisdiction's: 亿利金威社区 (street jianshe), 月河社区.
"""

from __future__ import annotations

from typing import Any

from domain.values import Role
from interfaces.cli.users import add_user
from tests.support.api import Api

COMMUNITY = "yili-jinwei"  # street jianshe: "coordinator" manages it
OTHER_COMMUNITY = "yuehe"  # street xiguan: "other_coordinator" manages it


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def add_member_user(api: Api, user_id: str, community_id: str = COMMUNITY) -> str:
    """A sign-in account of role member, scoped to one community; its token is kept."""
    api.tokens[user_id] = add_user(
        api.container, user_id, user_id, Role.MEMBER, [f"community:{community_id}"]
    )
    return user_id


def seat(
    api: Api,
    unit_id: str = "yili-group",
    place_id: str = COMMUNITY,
    user: str = "coordinator",
    level: str = "community",
) -> str:
    body = {
        "unit_id": unit_id,
        "level": level,
        "place_id": place_id,
        "liaison": "党群工作部",
        "offers": ["活动场地", "志愿者"],
    }
    return str(ok(api.post(user, "/council-units", body))["id"])


def register(
    api: Api,
    user_id: str | None = None,
    community_id: str = COMMUNITY,
    user: str = "coordinator",
    **extra: Any,
) -> str:
    body = {
        "community_id": community_id,
        "name": extra.pop("name", "张建国"),
        "phone": extra.pop("phone", "13900001111"),
        "unit_id": extra.pop("unit_id", "yili-group"),
        "skills": ["入户走访", "法律咨询"],
        "available": "周末上午",
        "user_id": user_id,
        **extra,
    }
    return str(ok(api.post(user, "/members", body))["id"])


def post_need(
    api: Api, community_id: str | None = COMMUNITY, user: str = "coordinator", **extra: Any
) -> str:
    body = {
        "community_id": community_id,
        "kind": extra.pop("kind", "home_visit"),
        "title": extra.pop("title", "城市华庭消防通道入户走访"),
        "people": 10,
        **extra,
    }
    return str(ok(api.post(user, "/needs", body))["id"])


def claim(api: Api, need_id: str, user: str, **body: Any) -> int:
    return int(ok(api.post(user, f"/needs/{need_id}/claims", body))["version"])


def complete(api: Api, need_id: str, user: str, hours: float = 3, result: str = "走访12户") -> int:
    body = {"hours": hours, "result": result}
    return int(ok(api.post(user, f"/needs/{need_id}/completion", body))["version"])


def confirm(api: Api, need_id: str, user: str = "coordinator", assessment: str = "good") -> int:
    body = {"assessment": assessment, "comment": "认真负责"}
    return int(ok(api.post(user, f"/needs/{need_id}/confirmation", body))["version"])


def roster_event_count(api: Api) -> int:
    return api.container.roster.recorder.max_notification_id() or 0
