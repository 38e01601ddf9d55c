"""The seeds' five real cases, played through the case service command by command.

Dates and facts come from ../shared/seeds (see DOMAIN.md); where a seed is silent
(exact days, unit scores) the script picks plausible values, marked 演示 in text.
The demo runs on a scripted clock: the service still stamps every event with
"server time", it is just the time the script says it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from application.errors import CaseNotFound
from application.service import CaseService
from application.work_orders import OrderIntake, case_id_of_order
from domain.times import BEIJING
from domain.values import (
    Actor,
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Role,
    Satisfaction,
    Solved,
    Urgency,
)


class ScriptedClock:
    """A clock the demo sets before each command."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2016, 1, 1, tzinfo=BEIJING)

    def __call__(self) -> datetime:
        return self.now


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def demo_case_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"chuishao:demo:{key}")


def grid_lead(name: str) -> Actor:
    return Actor(name, Role.GRID_LEAD)


def coordinator(name: str) -> Actor:
    return Actor(name, Role.COORDINATOR)


def liaison(name: str) -> Actor:
    return Actor(name, Role.LIAISON)


# 回访 is recorded by someone other than the resolver (CHUISHAO_SEPARATE_CALLBACK): in
# 12345 practice the hotline itself calls the resident back.
CALLBACK = coordinator("hotline-callback")

Step = Callable[[CaseService, UUID, dict[str, str]], object]


@dataclass
class Scenario:
    key: str
    title: str
    steps: list[tuple[datetime, Step]]
    order_id: str | None = None  # a 12345 order: its case id comes from the order id

    @property
    def case_id(self) -> UUID:
        return case_id_of_order(self.order_id) if self.order_id else demo_case_id(self.key)


def _fire_lane() -> Scenario:
    gl, co, st = grid_lead("gl-huating"), coordinator("co-yljw"), coordinator("co-jianshe")
    return Scenario(
        "fire-lane",
        "城市华庭、滨河湾车辆占用消防通道",
        [
            (
                t("2016-04-05 09:00"),
                lambda s, c, w: s.report_case(
                    case_id=c,
                    actor=gl,
                    grid_id="chengshi-huating",
                    category_id="fire-lane",
                    channel=Channel.PATROL,
                    title="城市华庭、滨河湾小区车辆长期占用消防通道",
                    description="车辆占用消防通道问题在城市华庭和滨河湾小区多年未能解决，社区决定集中整治。",
                ),
            ),
            (
                t("2016-04-06 10:00"),
                lambda s, c, w: s.add_note(
                    c,
                    actor=gl,
                    kind=NoteKind.HOME_VISIT,
                    text="广泛宣传消防安全知识；居委会、物业公司、业委会组织入户谈话300余次。",
                ),
            ),
            (
                t("2016-04-08 15:00"),
                lambda s, c, w: s.escalate(
                    c,
                    actor=gl,
                    to_level=Level.COMMUNITY,
                    reason="涉及两个小区、物业公司与共建企业，网格内无法协调。",
                ),
            ),
            (
                t("2016-04-11 10:00"),
                lambda s, c, w: s.add_note(
                    c,
                    actor=co,
                    kind=NoteKind.JOINT_MEETING,
                    text="共建企业主动将地库车位租赁费由7200元/年降至3600元/年。",
                ),
            ),
            (
                t("2016-04-12 09:00"),
                lambda s, c, w: s.escalate(
                    c,
                    actor=co,
                    to_level=Level.STREET,
                    reason="个别“钉子户”拒不配合，需街道办事处和驻区派出所出面。",
                ),
            ),
            (
                t("2016-04-12 09:30"),
                lambda s, c, w: w.update(
                    fire=s.blow_whistle(
                        c,
                        actor=st,
                        unit_ids=["jianshe-police", "yljw-property"],
                        report_in_deadline=t("2016-04-12 10:00"),
                        reason="钉子户占用消防通道，需联合执法协调。",
                    ).whistle_id
                    or ""
                ),
            ),
            (
                t("2016-04-12 09:50"),
                lambda s, c, w: s.report_in(
                    c,
                    actor=liaison("li-jianshe-police"),
                    whistle_id=w["fire"],
                    unit_id="jianshe-police",
                    note="民警到场，逐户协调。",
                ),
            ),
            (
                t("2016-04-12 09:55"),
                lambda s, c, w: s.report_in(
                    c,
                    actor=liaison("li-yljw-property"),
                    whistle_id=w["fire"],
                    unit_id="yljw-property",
                    note="物业到场，清点占道车辆。",
                ),
            ),
            (
                t("2016-04-20 17:00"),
                lambda s, c, w: s.resolve(
                    c, actor=st, summary="经过各方共同努力，妥善解决了消防通道停车问题。"
                ),
            ),
            (
                t("2016-04-25 10:00"),
                lambda s, c, w: s.evaluate_case(
                    c,
                    actor=co,
                    solved=Solved.SOLVED,
                    satisfaction=Satisfaction.SATISFIED,
                    comment="回访：消防通道已畅通。",
                ),
            ),
            (
                t("2016-04-25 11:00"),
                lambda s, c, w: s.evaluate_unit(
                    c,
                    actor=st,
                    whistle_id=w["fire"],
                    unit_id="jianshe-police",
                    score=95,
                    comment="演示评分：按时报到，协调得力。",
                ),
            ),
            (
                t("2016-04-25 11:05"),
                lambda s, c, w: s.evaluate_unit(
                    c,
                    actor=st,
                    whistle_id=w["fire"],
                    unit_id="yljw-property",
                    score=90,
                    comment="演示评分：按时报到。",
                ),
            ),
            (t("2016-04-26 09:00"), lambda s, c, w: s.close_case(c, actor=st, remark="办结。")),
        ],
    )


def _water_mains() -> Scenario:
    gl, co = grid_lead("gl-guangchang"), coordinator("co-yljw")
    return Scenario(
        "water-mains",
        "广场家园管网改造",
        [
            (
                t("2016-05-10 09:00"),
                lambda s, c, w: s.report_case(
                    case_id=c,
                    actor=gl,
                    grid_id="guangchang-jiayuan",
                    category_id="facility-renovation",
                    channel=Channel.VISIT,
                    title="广场家园管网腐蚀破损，经常停水停暖",
                    description="广场家园由于管网腐蚀破损严重，园区经常停水、停暖。",
                ),
            ),
            (
                t("2016-05-11 09:00"),
                lambda s, c, w: s.escalate(
                    c,
                    actor=gl,
                    to_level=Level.COMMUNITY,
                    reason="管网整体改造需筹措资金，网格无力解决。",
                ),
            ),
            (
                t("2016-05-20 10:00"),
                lambda s, c, w: s.pledge(
                    c,
                    actor=liaison("li-guangchang-owners"),
                    party_kind=PartyKind.OWNERS_FUND,
                    unit_id="guangchang-owners",
                    party_name="广场家园业委会（两共基金）",
                    amount_fen=600_000_00,
                    purpose="管网改造",
                ),
            ),
            (
                t("2016-05-25 10:00"),
                lambda s, c, w: s.pledge(
                    c,
                    actor=co,
                    party_kind=PartyKind.GOVERNMENT,
                    unit_id="yljw-residents",
                    party_name="政府补贴（居委会争取）",
                    amount_fen=400_000_00,
                    purpose="管网改造",
                ),
            ),
            (
                t("2016-05-26 10:00"),
                lambda s, c, w: s.pledge(
                    c,
                    actor=liaison("li-yljw-property"),
                    party_kind=PartyKind.PROPERTY_COMPANY,
                    unit_id="yljw-property",
                    party_name="亿利金威物业公司",
                    amount_fen=200_000_00,
                    purpose="管网改造",
                ),
            ),
            (
                t("2016-06-01 09:00"),
                lambda s, c, w: s.add_note(c, actor=co, text="业委会牵头，管网改造开工。"),
            ),
            (
                t("2016-09-30 17:00"),
                lambda s, c, w: s.resolve(
                    c, actor=co, summary="共同完成了管网改造，解决了居民的心头之忧。"
                ),
            ),
            (
                t("2016-10-08 10:00"),
                lambda s, c, w: s.evaluate_case(
                    c, actor=CALLBACK, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
                ),
            ),
            (t("2016-10-09 09:00"), lambda s, c, w: s.close_case(c, actor=co)),
        ],
    )


def _heating() -> Scenario:
    gl, co = grid_lead("gl-jintai"), coordinator("co-yuehe")
    units = ["jintai-property", "jintai-developer", "weicheng-housing", "weicheng-heating"]
    return Scenario(
        "heating",
        "锦泰小区供暖",
        [
            (
                t("2018-10-20 09:00"),
                lambda s, c, w: s.report_case(
                    case_id=c,
                    actor=gl,
                    grid_id="jintai",
                    category_id="heating",
                    channel=Channel.HOTLINE,
                    title="锦泰小区供暖问题多年未解决",
                    description="因历史原因存在供暖问题，物业公司和开发商相互推诿，多年没有得到解决，居民意见较大。",
                ),
            ),
            (
                t("2018-10-20 10:00"),
                lambda s, c, w: s.escalate(
                    c, actor=gl, to_level=Level.COMMUNITY, reason="物业公司与开发商相互推诿。"
                ),
            ),
            (
                t("2018-10-22 09:00"),
                lambda s, c, w: w.update(
                    heat=s.blow_whistle(
                        c,
                        actor=co,
                        unit_ids=units,
                        report_in_deadline=t("2018-10-23 09:00"),
                        reason="成立专门协调推进小组，召集联席会议。",
                    ).whistle_id
                    or ""
                ),
            ),
            *[
                (
                    t(f"2018-10-22 1{i}:00"),
                    lambda s, c, w, u=u: s.report_in(
                        c, actor=liaison(f"li-{u}"), whistle_id=w["heat"], unit_id=u
                    ),
                )
                for i, u in enumerate(units)
            ],
            (
                t("2018-10-23 10:00"),
                lambda s, c, w: s.add_note(
                    c,
                    actor=co,
                    kind=NoteKind.JOINT_MEETING,
                    text="联席会议找准各方利益关切点和问题症结。",
                ),
            ),
            (
                t("2018-10-25 10:00"),
                lambda s, c, w: s.add_note(
                    c, actor=co, kind=NoteKind.ONSITE_OFFICE, text="现场办公。"
                ),
            ),
            (
                t("2018-10-30 10:00"),
                lambda s, c, w: s.pledge(
                    c,
                    actor=liaison("li-weicheng-housing"),
                    party_kind=PartyKind.GOVERNMENT,
                    unit_id="weicheng-housing",
                    party_name="相关部门资金",
                    amount_fen=1_500_000_00,
                    purpose="供暖设施改造",
                ),
            ),
            (
                t("2018-11-28 17:00"),
                lambda s, c, w: s.resolve(
                    c, actor=co, summary="争取相关部门资金150万元，供暖问题得到有效解决。"
                ),
            ),
            (
                t("2018-12-05 10:00"),
                lambda s, c, w: s.evaluate_case(
                    c, actor=CALLBACK, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
                ),
            ),
            (t("2018-12-06 10:00"), lambda s, c, w: s.close_case(c, actor=co)),
        ],
    )


def _ebike() -> Scenario:
    gl, co = grid_lead("gl-binhewan"), coordinator("co-yljw")
    return Scenario(
        "ebike",
        "电动车停放充电",
        [
            (
                t("2017-03-06 09:00"),
                lambda s, c, w: s.report_case(
                    case_id=c,
                    actor=gl,
                    grid_id="binhewan",
                    category_id="ebike",
                    channel=Channel.PATROL,
                    title="电动车单元门厅停放、乱接电线充电",
                    description="居民在单元门厅停放电动车、乱接电线充电，存在消防隐患。",
                ),
            ),
            (
                t("2017-03-06 15:00"),
                lambda s, c, w: s.escalate(
                    c, actor=gl, to_level=Level.COMMUNITY, reason="需物业公司增设车棚和充电设施。"
                ),
            ),
            (
                t("2017-03-10 10:00"),
                lambda s, c, w: s.add_note(
                    c,
                    actor=liaison("li-yljw-property"),
                    text="物业公司增设车棚，安装便民充电桩30余套。",
                ),
            ),
            (
                t("2017-03-31 17:00"),
                lambda s, c, w: s.resolve(
                    c, actor=co, summary="乱接电线、单元门厅停放电动车问题解决，在社区内办结。"
                ),
            ),
            (
                t("2017-04-05 10:00"),
                lambda s, c, w: s.evaluate_case(
                    c,
                    actor=CALLBACK,
                    solved=Solved.SOLVED,
                    satisfaction=Satisfaction.BASICALLY,
                    comment="演示回访：基本满意，希望再增加充电桩。",
                ),
            ),
            (t("2017-04-06 10:00"), lambda s, c, w: s.close_case(c, actor=co)),
        ],
    )


def _frozen_pipes() -> Scenario:
    gl, co = grid_lead("gl-pingfang"), coordinator("co-fengxiang")
    return Scenario(
        "frozen-pipes",
        "平房冬季水管冻住",
        [
            (
                t("2017-01-10 08:00"),
                lambda s, c, w: s.report_case(
                    case_id=c,
                    actor=gl,
                    grid_id="fengxiang-pingfang",
                    category_id="water-supply",
                    channel=Channel.VISIT,
                    urgency=Urgency.URGENT,
                    title="4户平房居民冬季水管冻住",
                    description="社区有4户居住平房的居民因冬季水管冻住，影响了生活。",
                ),
            ),
            (
                t("2017-01-10 09:00"),
                lambda s, c, w: s.escalate(
                    c, actor=gl, to_level=Level.COMMUNITY, reason="需与辖区单位协商临时供水。"
                ),
            ),
            (
                t("2017-01-10 09:30"),
                lambda s, c, w: w.update(
                    water=s.blow_whistle(
                        c,
                        actor=co,
                        unit_ids=["fengxiang-stationed"],
                        report_in_deadline=t("2017-01-10 11:30"),
                        reason="协商辖区单位临时供水。",
                    ).whistle_id
                    or ""
                ),
            ),
            (
                t("2017-01-10 11:00"),
                lambda s, c, w: s.report_in(
                    c,
                    actor=liaison("li-fengxiang-stationed"),
                    whistle_id=w["water"],
                    unit_id="fengxiang-stationed",
                    note="单位每天在固定时间为4户居民供水。",
                ),
            ),
            (
                t("2017-04-15 17:00"),
                lambda s, c, w: s.resolve(
                    c, actor=co, summary="临时供水持续到春季，管道修复后恢复正常供水。"
                ),
            ),
            (
                t("2017-04-18 10:00"),
                lambda s, c, w: s.evaluate_case(
                    c, actor=CALLBACK, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
                ),
            ),
            (
                t("2017-04-18 11:00"),
                lambda s, c, w: s.evaluate_unit(
                    c,
                    actor=co,
                    whistle_id=w["water"],
                    unit_id="fengxiang-stationed",
                    score=98,
                    comment="演示评分：持续供水至春季。",
                ),
            ),
            (t("2017-04-19 09:00"), lambda s, c, w: s.close_case(c, actor=co)),
        ],
    )


PLATFORM = Actor("platform-12345", Role.PLATFORM)
DEMO_ORDER = "BJ12345-20171120-0001"


def _heating_order() -> Scenario:
    """A 12345 order without a grid: the street places it at 签收, the community asks for
    延期, the street approves, the community resolves and reports back, the hotline calls."""
    street, community = coordinator("co-jianshe"), coordinator("co-yljw")
    return Scenario(
        "heating-order",
        "12345工单：广场家园暖气不热",
        [
            (
                t("2017-11-20 09:00"),
                lambda s, c, w: s.receive_work_order(
                    OrderIntake(
                        order_id=DEMO_ORDER,
                        dispatched_at=t("2017-11-20 08:55"),
                        category_id="heating",
                        street_id="jianshe",
                        place_text="建设街道广场家园小区7号楼",
                        content="7号楼暖气不热，室温不足16度，已持续两天。",
                    ),
                    actor=PLATFORM,
                ),
            ),
            (
                t("2017-11-20 09:20"),
                lambda s, c, w: s.accept_order(c, actor=street, grid_id="guangchang-jiayuan"),
            ),
            (
                t("2017-11-20 16:00"),
                lambda s, c, w: s.request_extension(
                    c,
                    actor=community,
                    level=lambda _: Level.COMMUNITY,
                    reason="楼内供暖立管锈蚀需更换，供热公司备料需三天。",
                    new_due=t("2017-11-23 18:00"),
                ),
            ),
            (
                t("2017-11-20 17:00"),
                lambda s, c, w: s.decide_extension(
                    c, actor=street, level=lambda _: Level.STREET, approved=True
                ),
            ),
            (
                t("2017-11-23 15:00"),
                lambda s, c, w: s.resolve(
                    c, actor=community, summary="更换7号楼供暖立管，室温恢复到20度以上。"
                ),
            ),
            (t("2017-11-23 15:30"), lambda s, c, w: s.send_feedback(c, actor=community)),
            (
                t("2017-11-24 10:00"),
                lambda s, c, w: s.record_order_callback(
                    c, actor=PLATFORM, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
                ),
            ),
            (t("2017-11-24 11:00"), lambda s, c, w: s.close_case(c, actor=community)),
        ],
        order_id=DEMO_ORDER,
    )


def scenarios() -> list[Scenario]:
    return [
        _fire_lane(),
        _water_mains(),
        _heating(),
        _ebike(),
        _frozen_pipes(),
        _heating_order(),
    ]


def play(
    service: CaseService,
    clock: ScriptedClock,
    extra: dict[str, list[tuple[datetime, Step]]] | None = None,
) -> list[tuple[Scenario, bool]]:
    """Play every scenario not yet in the store; returns (scenario, played now?).
    ``extra``: more timed steps by scenario key (the roster's, interfaces/demo_roster.py),
    merged in by time, after the scenario's own steps at the same instant."""
    out = []
    for scenario in scenarios():
        more = (extra or {}).get(scenario.key, [])
        if more:
            scenario.steps = sorted([*scenario.steps, *more], key=lambda step: step[0])
        try:
            service.get_case(scenario.case_id)
            out.append((scenario, False))
            continue
        except CaseNotFound:
            pass
        whistles: dict[str, str] = {}
        for at, step in scenario.steps:
            clock.now = at
            step(service, scenario.case_id, whistles)
        out.append((scenario, True))
    return out


# One demo user per role, matching the actors in the scenarios above.
DEMO_USERS: list[tuple[str, str, Role, list[str]]] = [
    ("gl-huating", "城市华庭网格长（演示）", Role.GRID_LEAD, ["grid:chengshi-huating"]),
    ("co-jianshe", "建设街道协调员（演示）", Role.COORDINATOR, ["street:jianshe"]),
    ("li-jianshe-police", "建设派出所联络员（演示）", Role.LIAISON, ["unit:jianshe-police"]),
    # 双报到 (interfaces/demo_roster.py): 月河's coordinator, a member, a council unit's liaison
    ("co-yuehe", "月河社区协调员（演示）", Role.COORDINATOR, ["community:yuehe"]),
    ("pm-zhang", "在职党员张建国（演示）", Role.MEMBER, ["community:yili-jinwei"]),
    ("li-yili-group", "亿利资源集团联络员（演示）", Role.LIAISON, ["unit:yili-group"]),
    ("auditor", "审计员（演示）", Role.AUDITOR, []),
    ("admin", "管理员（演示）", Role.ADMIN, []),
    # A residents' app: its token is the Open311 api_key (POST /open311/v2/requests.json).
    ("portal-app", "居民端应用（演示）", Role.PORTAL, []),
    # The 12345 platform's integration account (POST /work-orders).
    ("platform-12345", "12345接诉即办平台（演示）", Role.PLATFORM, []),
]
