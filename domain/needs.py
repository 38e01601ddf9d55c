"""A community's need (需求清单) and the work that meets it (项目清单).

posted → claimed (认领, by a council unit or a reporting member) → done (the claimant
records hours and a short result) → confirmed (the community's assessment). A need still
posted or claimed may be cancelled; a claim may be released, and the need is posted again.
Who may claim which need (a member only in their own community, a unit only where its
council seat lies) is decided by the application, which holds the roster; the need checks
the states, the claimant's identity and the hours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, RuleViolation
from domain.rules import (
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    check_aware,
    check_enum,
    check_reason,
    check_text,
    record_event,
)
from domain.values import Actor, Assessment, ClaimantKind, NeedKind, NeedState

# Hours a claim may record: one member's share of one need, or a unit's (many people).
MAX_MINUTES = {ClaimantKind.MEMBER: 72 * 60, ClaimantKind.UNIT: 2000 * 60}
MAX_PEOPLE = 1000


class NeedEvent(Aggregate.Event):
    actor_id: str
    actor_role: str


class NeedPosted(Aggregate.Created):
    actor_id: str
    actor_role: str
    community_id: str
    street_id: str
    kind: str
    title: str
    description: str
    people: int  # how many hands the community asks for (a planning figure)
    case_id: str | None  # the case this need serves, if any

    def apply(self, need: Any) -> None:
        need.community_id = self.community_id
        need.street_id = self.street_id
        need.kind = NeedKind(self.kind)
        need.title = self.title
        need.description = self.description
        need.people = self.people
        need.case_id = self.case_id
        need.posted_at = self.timestamp
        need.posted_by = self.actor_id
        need.state = NeedState.POSTED


class NeedClaimed(NeedEvent):
    claimant_kind: str
    claimant_id: str  # a member's id, or a council seat's id
    unit_id: str | None  # the unit: the seat's, or the member's employer
    note: str

    def apply(self, need: Need) -> None:
        need.state = NeedState.CLAIMED
        need.claimant_kind = ClaimantKind(self.claimant_kind)
        need.claimant_id = self.claimant_id
        need.claimant_unit_id = self.unit_id
        need.claimed_at = self.timestamp
        need.claimed_by = self.actor_id


class NeedClaimReleased(NeedEvent):
    reason: str

    def apply(self, need: Need) -> None:
        need.state = NeedState.POSTED
        need.claimant_kind = None
        need.claimant_id = None
        need.claimant_unit_id = None
        need.claimed_at = None
        need.claimed_by = None


class NeedDone(NeedEvent):
    minutes: int
    result: str

    def apply(self, need: Need) -> None:
        need.state = NeedState.DONE
        need.minutes = self.minutes
        need.result = self.result
        need.done_at = self.timestamp


class NeedConfirmed(NeedEvent):
    assessment: str
    comment: str

    def apply(self, need: Need) -> None:
        need.state = NeedState.CONFIRMED
        need.assessment = Assessment(self.assessment)
        need.comment = self.comment
        need.confirmed_at = self.timestamp


class NeedCancelled(NeedEvent):
    reason: str

    def apply(self, need: Need) -> None:
        need.state = NeedState.CANCELLED
        need.cancelled_at = self.timestamp


class Need(Aggregate):
    def __init__(self) -> None:
        self.community_id: str
        self.street_id: str
        self.kind: NeedKind
        self.title: str
        self.description: str
        self.people: int
        self.case_id: str | None
        self.posted_at: datetime
        self.posted_by: str
        self.state = NeedState.POSTED
        self.claimant_kind: ClaimantKind | None = None
        self.claimant_id: str | None = None
        self.claimant_unit_id: str | None = None
        self.claimed_at: datetime | None = None
        self.claimed_by: str | None = None
        self.minutes = 0
        self.result = ""
        self.done_at: datetime | None = None
        self.assessment: Assessment | None = None
        self.comment = ""
        self.confirmed_at: datetime | None = None
        self.cancelled_at: datetime | None = None

    @classmethod
    def post(
        cls,
        *,
        need_id: UUID,
        actor: Actor,
        at: datetime,
        community_id: str,
        street_id: str,
        kind: NeedKind,
        title: str,
        description: str = "",
        people: int = 1,
        case_id: str | None = None,
    ) -> Need:
        check_aware(at)
        if not isinstance(people, int) or isinstance(people, bool) or not 1 <= people <= MAX_PEOPLE:
            raise InvalidValue(
                f"所需人数须为1到{MAX_PEOPLE}", f"people must be 1 to {MAX_PEOPLE}", field="people"
            )
        return cls._create(
            NeedPosted,
            id=need_id,
            timestamp=at,
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            community_id=community_id,
            street_id=street_id,
            kind=check_enum(NeedKind, kind, field="kind").value,
            title=check_text(
                title, field="title", field_zh="需求名称", max_len=TITLE_MAX, multiline=False
            ),
            description=check_text(
                description,
                field="description",
                field_zh="需求说明",
                max_len=TEXT_MAX,
                required=False,
            ),
            people=people,
            case_id=case_id,
        )

    def claim(
        self,
        *,
        actor: Actor,
        at: datetime,
        claimant_kind: ClaimantKind,
        claimant_id: str,
        unit_id: str | None,
        note: str = "",
    ) -> None:
        if self.state is not NeedState.POSTED:
            raise RuleViolation(
                f"需求{self.state.label}，不能认领",
                f"the need is {self.state.value}; not claimable",
            )
        note = check_text(note, field="note", field_zh="认领说明", max_len=NOTE_MAX, required=False)
        record_event(
            self,
            NeedClaimed,
            actor,
            at,
            claimant_kind=check_enum(ClaimantKind, claimant_kind, field="claimant_kind").value,
            claimant_id=claimant_id,
            unit_id=unit_id,
            note=note,
        )

    def release(self, *, actor: Actor, at: datetime, claimant_id: str | None, reason: str) -> None:
        """The claimant gives the need back (``claimant_id``), or the community takes it
        back (None)."""
        self._check_claimed(claimant_id)
        reason = check_reason(reason, field_zh="放弃原因")
        record_event(self, NeedClaimReleased, actor, at, reason=reason)

    def complete(
        self, *, actor: Actor, at: datetime, claimant_id: str, hours: float, result: str
    ) -> None:
        self._check_claimed(claimant_id)
        assert self.claimant_kind is not None
        minutes = check_hours(hours, self.claimant_kind)
        result = check_text(result, field="result", field_zh="服务成效", max_len=NOTE_MAX)
        record_event(self, NeedDone, actor, at, minutes=minutes, result=result)

    def confirm(
        self, *, actor: Actor, at: datetime, assessment: Assessment, comment: str = ""
    ) -> None:
        if self.state is not NeedState.DONE:
            raise RuleViolation(
                f"需求{self.state.label}，不能确认", f"the need is {self.state.value}; not done"
            )
        record_event(
            self,
            NeedConfirmed,
            actor,
            at,
            assessment=check_enum(Assessment, assessment, field="assessment").value,
            comment=check_text(
                comment, field="comment", field_zh="社区评价", max_len=NOTE_MAX, required=False
            ),
        )

    def cancel(self, *, actor: Actor, at: datetime, reason: str) -> None:
        if self.state not in (NeedState.POSTED, NeedState.CLAIMED):
            raise RuleViolation(
                f"需求{self.state.label}，不能取消", f"the need is {self.state.value}"
            )
        reason = check_reason(reason, field_zh="取消原因")
        record_event(self, NeedCancelled, actor, at, reason=reason)

    @property
    def hours(self) -> float:
        return self.minutes / 60

    def _check_claimed(self, claimant_id: str | None) -> None:
        if self.state is not NeedState.CLAIMED:
            raise RuleViolation(
                f"需求{self.state.label}，不在认领中",
                f"the need is {self.state.value}, not claimed",
            )
        if claimant_id is not None and claimant_id != self.claimant_id:
            raise RuleViolation("只有认领方可以办理该需求", "only the claimant may do this")


def check_hours(hours: float, kind: ClaimantKind) -> int:
    """Hours as whole minutes, more than none and at most the claimant kind's bound."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours != hours:
        raise InvalidValue("服务时长必须是数字（小时）", "hours must be a number", field="hours")
    limit = MAX_MINUTES[kind]
    if not 0 < hours * 60 <= limit:
        raise InvalidValue(
            f"服务时长须大于0且不超过{limit // 60}小时",
            f"hours must be more than 0 and at most {limit // 60}",
            field="hours",
        )
    return max(1, round(hours * 60))
