"""双报到 rosters: the units on a 共驻共建 council and the 在职党员 who report to the
community where they live.

Two aggregates, each event-sourced like a case: a ``CouncilUnit`` is one unit's seat on
one community's or street's council; a ``Member`` is one in-service party member on one
community's roster. Joining, leaving and moving are events. A member's name and phone are
never in these events: they live in the erasable contact store, keyed by the member's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, RuleViolation
from domain.rules import check_aware, check_reason, check_text, record_event
from domain.values import Actor, Level

COUNCIL_LEVELS = (Level.COMMUNITY, Level.STREET)
SKILL_MAX = 20  # skills per member
SKILL_LEN = 30
TIMES_MAX = 200  # "周末上午、工作日晚上"
EMPLOYER_MAX = 100
UNIT_NAMESPACE = UUID("5b0c3c38-8f2e-4c5e-9d1f-6f7a2f1c0b19")


def council_unit_id(unit_id: str, level: Level, place_id: str) -> UUID:
    """One seat per unit per council: joining twice is the same aggregate."""
    return uuid5(UNIT_NAMESPACE, f"{unit_id}|{level.value}|{place_id}")


class RosterEvent(Aggregate.Event):
    actor_id: str
    actor_role: str


# ----- council units -------------------------------------------------------------------


class CouncilUnitJoined(Aggregate.Created):
    actor_id: str
    actor_role: str
    unit_id: str  # the jurisdiction's unit (a liaison's scope names it)
    level: str  # community | street: whose council
    place_id: str  # the community's or the street's id
    street_id: str  # the street the council lies in (the street itself for a street council)
    liaison: str  # the unit's contact person's role or office, not a personal phone
    offers: list[str]  # 资源清单: what the unit offers the community (场地, 志愿者, 车位 …)

    def apply(self, seat: Any) -> None:
        seat.offers = list(self.offers)
        seat.unit_id = self.unit_id
        seat.level = Level(self.level)
        seat.place_id = self.place_id
        seat.street_id = self.street_id
        seat.liaison = self.liaison
        seat.joined_at = self.timestamp
        seat.active = True


class CouncilUnitLeft(RosterEvent):
    reason: str

    def apply(self, seat: CouncilUnit) -> None:
        seat.active = False
        seat.left_at = self.timestamp


class CouncilUnitRejoined(RosterEvent):
    liaison: str
    offers: list[str]

    def apply(self, seat: CouncilUnit) -> None:
        seat.active = True
        seat.liaison = self.liaison
        seat.offers = list(self.offers)
        seat.left_at = None


class CouncilUnit(Aggregate):
    def __init__(self) -> None:
        self.unit_id: str
        self.level: Level
        self.place_id: str
        self.street_id: str
        self.liaison: str
        self.offers: list[str]
        self.joined_at: datetime
        self.active = True
        self.left_at: datetime | None = None

    @classmethod
    def join(
        cls,
        *,
        actor: Actor,
        at: datetime,
        unit_id: str,
        level: Level,
        place_id: str,
        street_id: str,
        liaison: str = "",
        offers: Sequence[str] = (),
    ) -> CouncilUnit:
        check_aware(at)
        if level not in COUNCIL_LEVELS:
            raise InvalidValue(
                "共驻共建理事会只设在社区或街道", "a council sits at community or street level"
            )
        return cls._create(
            CouncilUnitJoined,
            id=council_unit_id(unit_id, level, place_id),
            timestamp=at,
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            unit_id=unit_id,
            level=level.value,
            place_id=place_id,
            street_id=street_id,
            liaison=_liaison(liaison),
            offers=check_items(offers, field="offers", field_zh="可提供资源"),
        )

    def leave(self, *, actor: Actor, at: datetime, reason: str) -> None:
        if not self.active:
            raise RuleViolation("该单位已退出本理事会", "the unit has already left this council")
        reason = check_reason(reason, field_zh="退出原因")
        record_event(self, CouncilUnitLeft, actor, at, reason=reason)

    def rejoin(
        self, *, actor: Actor, at: datetime, liaison: str = "", offers: Sequence[str] = ()
    ) -> None:
        if self.active:
            raise RuleViolation(
                "该单位已是本理事会成员单位", "the unit already sits on this council"
            )
        record_event(
            self,
            CouncilUnitRejoined,
            actor,
            at,
            liaison=_liaison(liaison),
            offers=check_items(offers, field="offers", field_zh="可提供资源"),
        )

    def covers(self, community_id: str, street_id: str) -> bool:
        """Whether a need of this community is this seat's to take: a community council's
        seat serves its community, a street council's seat every community of the street."""
        if self.level is Level.STREET:
            return street_id == self.place_id
        return community_id == self.place_id


def _liaison(value: str) -> str:
    return check_text(
        value, field="liaison", field_zh="联络人", max_len=100, required=False, multiline=False
    )


# ----- members -------------------------------------------------------------------------


class MemberRegistered(Aggregate.Created):
    actor_id: str
    actor_role: str
    community_id: str
    street_id: str
    unit_id: str | None  # the employer, if it is a unit of the jurisdiction
    employer: str  # the employer's name as given
    skills: list[str]
    available: str  # when they can serve
    user_id: str | None  # the sign-in account of the member (role member), if any

    def apply(self, member: Any) -> None:
        member.community_id = self.community_id
        member.street_id = self.street_id
        member.unit_id = self.unit_id
        member.employer = self.employer
        member.skills = list(self.skills)
        member.available = self.available
        member.user_id = self.user_id
        member.registered_at = self.timestamp
        member.active = True


class MemberMoved(RosterEvent):
    """Moved house: the member now reports to another community."""

    from_community_id: str
    community_id: str
    street_id: str

    def apply(self, member: Member) -> None:
        member.community_id = self.community_id
        member.street_id = self.street_id


class MemberLeft(RosterEvent):
    reason: str

    def apply(self, member: Member) -> None:
        member.active = False
        member.left_at = self.timestamp


class MemberContactErased(RosterEvent):
    """The member's name and phone were destroyed in the contact store (PIPL)."""

    reason: str

    def apply(self, member: Member) -> None:
        member.contact_erased_at = self.timestamp


class Member(Aggregate):
    def __init__(self) -> None:
        self.community_id: str
        self.street_id: str
        self.unit_id: str | None
        self.employer: str
        self.skills: list[str]
        self.available: str
        self.user_id: str | None
        self.registered_at: datetime
        self.active = True
        self.left_at: datetime | None = None
        self.contact_erased_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        member_id: UUID,
        actor: Actor,
        at: datetime,
        community_id: str,
        street_id: str,
        unit_id: str | None,
        employer: str,
        skills: Sequence[str],
        available: str,
        user_id: str | None = None,
    ) -> Member:
        check_aware(at)
        return cls._create(
            MemberRegistered,
            id=member_id,
            timestamp=at,
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            community_id=community_id,
            street_id=street_id,
            unit_id=unit_id,
            employer=check_text(
                employer,
                field="employer",
                field_zh="工作单位",
                max_len=EMPLOYER_MAX,
                required=unit_id is None,
                multiline=False,
            ),
            skills=check_skills(skills),
            available=check_text(
                available,
                field="available",
                field_zh="可服务时间",
                max_len=TIMES_MAX,
                required=False,
                multiline=False,
            ),
            user_id=user_id,
        )

    def move(self, *, actor: Actor, at: datetime, community_id: str, street_id: str) -> None:
        self._check_active()
        if community_id == self.community_id:
            raise RuleViolation(
                "党员已在该社区报到", "the member already reports to that community"
            )
        record_event(
            self,
            MemberMoved,
            actor,
            at,
            from_community_id=self.community_id,
            community_id=community_id,
            street_id=street_id,
        )

    def leave(self, *, actor: Actor, at: datetime, reason: str) -> None:
        self._check_active()
        reason = check_reason(reason, field_zh="退出原因")
        record_event(self, MemberLeft, actor, at, reason=reason)

    def erase_contact(self, *, actor: Actor, at: datetime, reason: str) -> None:
        if self.contact_erased_at is not None:
            raise RuleViolation("该党员的个人信息已删除", "the member's contact is already erased")
        reason = check_reason(reason, field_zh="删除原因")
        record_event(self, MemberContactErased, actor, at, reason=reason)

    def _check_active(self) -> None:
        if not self.active:
            raise RuleViolation("该党员已退出报到", "the member has left the roster")


def check_skills(skills: Sequence[str]) -> list[str]:
    return check_items(skills, field="skills", field_zh="特长")


def check_items(items: Sequence[str], *, field: str, field_zh: str) -> list[str]:
    """A short list of short labels (a member's skills, a unit's offers), without repeats."""
    if isinstance(items, str):
        raise InvalidValue(f"{field_zh}须为列表", f"{field} must be a list", field=field)
    out: list[str] = []
    for item in items:
        text = check_text(item, field=field, field_zh=field_zh, max_len=SKILL_LEN, multiline=False)
        if text not in out:
            out.append(text)
    if len(out) > SKILL_MAX:
        raise InvalidValue(
            f"{field_zh}最多{SKILL_MAX}项", f"at most {SKILL_MAX} {field}", field=field
        )
    return out
