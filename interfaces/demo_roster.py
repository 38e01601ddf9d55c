"""The seeds' 双报到 and 共驻共建, played beside the fire-lane case (interfaces/demo.py).

亿利金威's joint party committee drew 业委会, 物业 and 驻区企业 into one structure (seed
000): their units take seats on the community's council, the police on the street's. In-
service party members (seed 003) register where they live. The fire-lane case's 300
入户走访 conversations become a need of the case, claimed by the property company and
confirmed by the community, so they show in the case's history. 月河大妈 patrol with the
community police (seed 001). Names of people are 演示 (the seeds give none).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from application.access import User
from application.roster import RosterService, member_id_of_user
from application.service import CaseService
from domain.roster import council_unit_id
from domain.values import Assessment, ClaimantKind, Level, NeedKind, Role

Step = Callable[[CaseService, UUID, dict[str, str]], object]

STREET = User(
    "co-jianshe", "建设街道协调员（演示）", Role.COORDINATOR, frozenset({"street:jianshe"})
)
YUEHE = User("co-yuehe", "月河社区协调员（演示）", Role.COORDINATOR, frozenset({"community:yuehe"}))
MEMBER = User("pm-zhang", "在职党员（演示）", Role.MEMBER, frozenset({"community:yili-jinwei"}))
GROUP = User(
    "li-yili-group", "亿利资源集团联络员（演示）", Role.LIAISON, frozenset({"unit:yili-group"})
)

# 资源清单: what each unit brings to 亿利金威's council (seed 000: the 共建企业 halved the
# garage rent so cars could leave the fire lane).
OFFERS = {
    "yili-group": ["地库车位租赁费由7200元/年降至3600元/年", "党员志愿者"],
    "yljw-property": ["物业管理人员入户", "活动场地"],
    "huating-owners": ["业主动员"],
}

# (user id or None, community, name, phone, employer unit, skills, when free)
MEMBERS: list[tuple[str | None, str, str, str, str | None, list[str], str]] = [
    (
        "pm-zhang",
        "yili-jinwei",
        "张建国（演示）",
        "13900000001",
        "yili-group",
        ["入户走访", "政策宣传"],
        "周末上午",
    ),
    (
        None,
        "yili-jinwei",
        "李红（演示）",
        "13900000002",
        "dongsheng-housing",
        ["物业管理", "法律咨询"],
        "工作日晚上",
    ),
    (
        None,
        "yili-jinwei",
        "王强（演示）",
        "13900000003",
        "dongsheng-fire",
        ["消防安全"],
        "周六全天",
    ),
    (None, "yuehe", "赵秀英（演示）", "13900000004", None, ["平安巡逻", "为老服务"], "每天上午"),
]


def fire_lane_steps(
    roster: RosterService, at: Callable[[str], datetime], ids: dict[str, UUID]
) -> list[tuple[datetime, Step]]:
    """Timed steps merged into the fire-lane scenario (its case id comes as ``c``);
    ``ids`` collects the members' ids by community, for ``yuehe_patrols``."""
    need: dict[str, UUID] = {}

    def seats(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        for unit_id, offers in OFFERS.items():
            roster.join_council(
                STREET,
                unit_id=unit_id,
                level=Level.COMMUNITY,
                place_id="yili-jinwei",
                liaison="党建联络人",
                offers=offers,
            )
        roster.join_council(
            STREET,
            unit_id="jianshe-police",
            level=Level.STREET,
            place_id="jianshe",
            liaison="社区民警",
            offers=["治安巡逻", "消防安全宣传"],
        )

    def members(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        for user_id, community, name, phone, unit_id, skills, free in MEMBERS:
            actor = STREET if community == "yili-jinwei" else YUEHE
            ids[community] = roster.register_member(
                actor,
                community_id=community,
                name=name,
                phone=phone,
                unit_id=unit_id,
                employer="" if unit_id else "潍坊市某中学（演示）",
                skills=skills,
                available=free,
                user_id=user_id,
            ).case_id

    def post(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        r = roster.post_need(
            STREET,
            community_id=None,
            case_id=c,
            kind=NeedKind.HOME_VISIT,
            people=30,
            title="城市华庭、滨河湾消防通道整治入户走访",
            description="逐户讲解消防通道规定，动员车主将车辆停入地库。",
        )
        need["visits"] = r.case_id
        r = roster.post_need(
            STREET,
            community_id="yili-jinwei",
            kind=NeedKind.CASE_SUPPORT,
            people=2,
            title="消防通道整治后夜间巡查",
            case_id=c,
        )
        need["night"] = r.case_id

    def claim(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        seat = council_unit_id("yljw-property", Level.COMMUNITY, "yili-jinwei")
        roster.claim_need(
            STREET,
            need["visits"],
            claimant_kind=ClaimantKind.UNIT,
            claimant_id=str(seat),
            note="物业公司牵头，居委会、业委会配合",
        )
        roster.claim_need(MEMBER, need["night"], note="下班后可参加")

    def done(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        roster.complete_need(
            STREET,
            need["visits"],
            hours=120,
            result="组织入户谈话300余次，签订不占用消防通道承诺书。",
        )
        roster.complete_need(
            MEMBER, need["night"], hours=6, result="连续三晚巡查，劝离占道车辆5辆。"
        )

    def confirmed(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        roster.confirm_need(
            STREET,
            need["visits"],
            assessment=Assessment.EXCELLENT,
            comment="入户工作扎实，居民普遍支持。",
        )

    def night_confirmed(s: CaseService, c: UUID, w: dict[str, str]) -> None:
        roster.confirm_need(
            STREET, need["night"], assessment=Assessment.GOOD, comment="按时参加巡查。"
        )

    return [
        (at("2016-04-05 10:00"), seats),
        (at("2016-04-05 11:00"), members),
        (at("2016-04-05 15:00"), post),
        (at("2016-04-05 16:00"), claim),
        (at("2016-04-10 18:00"), done),
        (at("2016-04-11 09:00"), confirmed),
        (at("2016-04-20 09:00"), night_confirmed),
    ]


def yuehe_patrols(
    roster: RosterService, clock: Any, at: Callable[[str], datetime], member: UUID
) -> None:
    """月河大妈 patrol with the community police (seed 001): a need of 月河社区 claimed
    by its reporting member, done and confirmed."""
    clock.now = at("2017-03-01 09:00")
    r = roster.post_need(
        YUEHE,
        community_id="yuehe",
        kind=NeedKind.SAFETY_PATROL,
        people=6,
        title="月河大妈治安巡逻（随社区民警）",
    )
    clock.now = at("2017-03-01 10:00")
    roster.claim_need(YUEHE, r.case_id, claimant_kind=ClaimantKind.MEMBER, claimant_id=str(member))
    clock.now = at("2017-03-31 18:00")
    roster.complete_need(YUEHE, r.case_id, hours=20, result="三月巡逻10次，发现并上报隐患2处。")
    clock.now = at("2017-04-01 09:00")
    roster.confirm_need(YUEHE, r.case_id, assessment=Assessment.EXCELLENT)


DEMO_MEMBER_ID = member_id_of_user("pm-zhang")
