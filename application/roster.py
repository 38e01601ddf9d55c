"""RosterService: the 双报到 roster (council units, reporting members) and the needs
they take on (需求 → 认领 → 完成 → 确认), each an event-sourced aggregate in a log of its
own (``chuishao_roster_events``), hash-chained like the cases'.

Every command takes the signed-in ``User`` and checks access itself (roster_access.py) on
the aggregate it loaded, before the command runs. A member's name and phone go to the
erasable contact store in the events' transaction, never into the events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    InterfaceError,
    Mapper,
    OperationalError,
)

from application.access import AccessPolicy, Forbidden, User
from application.errors import CaseNotFound, ConcurrencyConflict, StaleVersion, StorageUnavailable
from application.integrity import ChainedEventStore, ChainMapper
from application.requests import NO_CONTEXT, CommandContext, KeyedWrite
from application.residents import ResidentRegistry, check_contact
from application.roster_access import RosterNotFound, RosterPolicy
from application.service import CaseService, Clock, fold, utc_now
from application.signed_log import SignedLog
from application.views import WriteResult
from domain.errors import InvalidValue, RuleViolation
from domain.needs import Need
from domain.roster import CouncilUnit, Member, council_unit_id
from domain.rules import check_enum
from domain.values import Assessment, ClaimantKind, Level, NeedKind, Role

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
MEMBER_NAMESPACE = UUID("0f3d3a1e-6b7c-4f8e-a2d4-1c9e5b7a3f60")
PAGE = 1000


def member_id_of_user(user_id: str) -> UUID:
    """A member's id from their sign-in account: a member user finds their own record
    without a look-up, and one account is on the roster at most once."""
    return uuid5(MEMBER_NAMESPACE, user_id)


@dataclass(frozen=True)
class MemberContact:
    member_id: UUID
    name: str | None
    phone: str | None
    erased: bool


class RosterService(Application[UUID]):
    name = "chuishao_roster"  # table chuishao_roster_events
    signed_log: SignedLog | None = None  # its signatures (the composition root wires them)

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        cases: CaseService,
        clock: Clock = utc_now,
        residents: ResidentRegistry | None = None,
    ) -> None:
        self.cases = cases
        self.jurisdiction = cases.jurisdiction
        self.clock = clock
        self.residents = residents
        self.policy = RosterPolicy(cases.jurisdiction)
        self.case_policy = AccessPolicy(cases.jurisdiction)
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=ChainMapper)

    def construct_event_store(self) -> EventStore[UUID]:
        return ChainedEventStore(mapper=self.mapper, recorder=self.recorder)

    # ----- council units ---------------------------------------------------------------

    def join_council(
        self,
        user: User,
        *,
        unit_id: str,
        level: Level,
        place_id: str,
        liaison: str = "",
        offers: Sequence[str] = (),
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """A unit takes a seat on a community's or street's 共驻共建 council (or takes
        back the seat it left)."""
        self.jurisdiction.unit(unit_id)
        level = check_enum(Level, level, field="level")
        street_id = self._council_place(user, level, place_id)
        seat_id = council_unit_id(unit_id, level, place_id)
        at = self.clock()
        try:
            seat: CouncilUnit = self._load(seat_id, "理事会成员单位", CouncilUnit)
        except RosterNotFound:
            seat = CouncilUnit.join(
                actor=user.actor,
                at=at,
                unit_id=unit_id,
                level=level,
                place_id=place_id,
                street_id=street_id,
                liaison=liaison,
                offers=offers,
            )
            return self._save(seat, context)
        seat.rejoin(actor=user.actor, at=max(at, seat.modified_on), liaison=liaison, offers=offers)
        return self._save(seat, context)

    def leave_council(
        self, user: User, seat_id: UUID, *, reason: str, context: CommandContext = NO_CONTEXT
    ) -> WriteResult:
        seat: CouncilUnit = self._load(seat_id, "理事会成员单位", CouncilUnit)
        if not self.can_see_seat(user, seat):
            raise RosterNotFound("理事会成员单位", seat_id)
        self._council_place(user, seat.level, seat.place_id)
        seat.leave(actor=user.actor, at=self._at(seat), reason=reason)
        return self._save(seat, context)

    def seat(self, user: User, seat_id: UUID) -> CouncilUnit:
        seat: CouncilUnit = self._load(seat_id, "理事会成员单位", CouncilUnit)
        if not self.can_see_seat(user, seat):
            raise RosterNotFound("理事会成员单位", seat_id)
        return seat

    def can_see_seat(self, user: User, seat: CouncilUnit) -> bool:
        if user.role in (Role.AUDITOR, Role.ADMIN):
            return True
        if user.role is Role.LIAISON:
            return seat.unit_id == user.unit_id
        if seat.level is Level.STREET:
            return self.policy.manages_street(user, seat.place_id)
        return self.policy.manages(user, seat.place_id)

    def _council_place(self, user: User, level: Level, place_id: str) -> str:
        """The council's street; refuses a place outside the caller's management."""
        if level is Level.STREET:
            if place_id not in self.jurisdiction.streets:
                raise InvalidValue(
                    f"街道不存在：{place_id}", f"no street {place_id}", field="place_id"
                )
            if not self.policy.manages_street(user, place_id):
                raise Forbidden(
                    "只有街道协调员可以管理街道理事会", "a street council is the street's"
                )
            return place_id
        if level is not Level.COMMUNITY:
            raise InvalidValue(
                "共驻共建理事会只设在社区或街道",
                "a council sits at community or street level",
                field="level",
            )
        community = self.jurisdiction.communities.get(place_id)
        if community is None:
            raise InvalidValue(
                f"社区不存在：{place_id}", f"no community {place_id}", field="place_id"
            )
        self.policy.require_manager(user, place_id)
        return community.street_id

    # ----- members ---------------------------------------------------------------------

    def register_member(
        self,
        user: User,
        *,
        community_id: str,
        name: str,
        phone: str | None = None,
        unit_id: str | None = None,
        employer: str = "",
        skills: Sequence[str] = (),
        available: str = "",
        user_id: str | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """An 在职党员 registers with the community where they live. ``user_id``: their
        sign-in account (role member), if they have one; the member's id derives from it."""
        community = self._community(community_id)
        self.policy.require_manager(user, community_id)
        if unit_id is not None:
            self.jurisdiction.unit(unit_id)
        checked_name, checked_phone = check_contact(name, phone)
        if not checked_name:
            raise InvalidValue("党员姓名不能为空", "the member's name is required", field="name")
        member_id = member_id_of_user(user_id) if user_id else uuid4()
        member = Member.register(
            member_id=member_id,
            actor=user.actor,
            at=self.clock(),
            community_id=community_id,
            street_id=community.street_id,
            unit_id=unit_id,
            employer=employer or (self.jurisdiction.unit(unit_id).name if unit_id else ""),
            skills=skills,
            available=available,
            user_id=user_id,
        )
        residents = self._residents()
        sealed = residents.seal(member.id, checked_name, checked_phone)
        try:
            return self._save(member, context, contacts=[sealed])
        except ConcurrencyConflict:
            raise RuleViolation(
                "该账号已登记为报到党员", "that account is already on the roster"
            ) from None

    def move_member(
        self,
        user: User,
        member_id: UUID,
        *,
        community_id: str,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """Moved house: the member now reports to another community. The coordinator of
        either community may record it."""
        member = self.member(user, member_id)
        community = self._community(community_id)
        if not (
            self.policy.manages(user, member.community_id)
            or self.policy.manages(user, community_id)
        ):
            self.policy.require_manager(user, member.community_id)
        member.move(
            actor=user.actor,
            at=self._at(member),
            community_id=community_id,
            street_id=community.street_id,
        )
        return self._save(member, context)

    def leave_member(
        self, user: User, member_id: UUID, *, reason: str, context: CommandContext = NO_CONTEXT
    ) -> WriteResult:
        """The member leaves the roster: their coordinator records it, or they do."""
        member = self.member(user, member_id)
        if not self._is_self(user, member):
            self.policy.require_manager(user, member.community_id)
        member.leave(actor=user.actor, at=self._at(member), reason=reason)
        return self._save(member, context)

    def forget_member(
        self, user: User, member_id: UUID, *, reason: str, context: CommandContext = NO_CONTEXT
    ) -> WriteResult:
        """Erase the member's name and phone (PIPL): an administrator's act, recorded by
        ``MemberContactErased`` in the transaction that destroys the contact."""
        if user.role is not Role.ADMIN:
            raise Forbidden("删除个人信息须由管理员执行", "only an administrator erases contacts")
        member = self.member(user, member_id)
        member.erase_contact(actor=user.actor, at=self._at(member), reason=reason)
        residents = self._residents()
        result = self._save(member, context, erase_contacts=[str(member.id)])
        self._guard(residents.after_erasure)
        return result

    def member(self, user: User, member_id: UUID) -> Member:
        """The member's aggregate, if the caller may see it (else not found)."""
        member: Member = self._load(member_id, "报到党员", Member)
        if not self.can_see_member(user, member):
            raise RosterNotFound("报到党员", member_id)
        return member

    def can_see_member(self, user: User, member: Member) -> bool:
        if user.role in (Role.AUDITOR, Role.ADMIN):
            return True
        if user.role is Role.MEMBER:
            return self._is_self(user, member)
        if user.role is Role.LIAISON:
            return member.unit_id is not None and member.unit_id == user.unit_id
        return self.policy.manages(user, member.community_id)

    def member_contact(self, user: User, member_id: UUID) -> MemberContact:
        """The member's name and phone; every read is logged before decryption."""
        member = self.member(user, member_id)
        if member.contact_erased_at is not None:
            return MemberContact(member.id, None, None, True)
        residents = self._residents()
        self._guard(lambda: residents.log_read(member.id, user.actor, self.clock()))
        found = self._guard(lambda: residents.get(member.id))
        name, phone = found if found is not None else (None, None)
        return MemberContact(member.id, name, phone, found is None)

    def member_names(self, member_ids: Sequence[UUID]) -> dict[UUID, str | None]:
        """Names for lists the caller may already see (roster pages, record and feedback
        sheets): None where erased. Not logged one by one; the phone is never given here."""
        residents = self._residents()
        out: dict[UUID, str | None] = {}
        for member_id in member_ids:
            found = self._guard(lambda m=member_id: residents.get(m))  # type: ignore[misc]
            out[member_id] = found[0] if found is not None else None
        return out

    @staticmethod
    def _is_self(user: User, member: Member) -> bool:
        return user.role is Role.MEMBER and member.user_id == user.user_id

    # ----- needs -----------------------------------------------------------------------

    def post_need(
        self,
        user: User,
        *,
        community_id: str | None,
        kind: NeedKind,
        title: str,
        description: str = "",
        people: int = 1,
        case_id: UUID | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """A community posts a need; with ``case_id``, a need of that case (its community
        by default), whose confirmed work is then recorded on the case."""
        if case_id is not None:
            case = self.cases.get_case(case_id)
            if not self.case_policy.can_see(user, case):
                raise CaseNotFound(case_id)
            if case.status.is_final:
                raise RuleViolation("案件已结束，不能再为其发布需求", "the case is final")
            community_id = community_id or case.community_id
            if community_id != case.community_id:
                raise InvalidValue(
                    "需求的社区须为案件所在社区",
                    "a case's need belongs to the case's community",
                    field="community_id",
                )
        if not community_id:
            raise InvalidValue("须指定社区", "community_id is required", field="community_id")
        community = self._community(community_id)
        self.policy.require_manager(user, community_id)
        need = Need.post(
            need_id=uuid4(),
            actor=user.actor,
            at=self.clock(),
            community_id=community_id,
            street_id=community.street_id,
            kind=kind,
            title=title,
            description=description,
            people=people,
            case_id=None if case_id is None else str(case_id),
        )
        return self._save(need, context)

    def need(self, user: User, need_id: UUID) -> Need:
        need: Need = self._load(need_id, "需求", Need)
        if not self.can_see_need(user, need):
            raise RosterNotFound("需求", need_id)
        return need

    def can_see_need(self, user: User, need: Need) -> bool:
        if self.policy.sees_community(user, need.community_id):
            return True
        if user.role is Role.LIAISON and user.unit_id is not None:
            return (
                need.claimant_unit_id == user.unit_id
                or self._seat_for(user.unit_id, need) is not None
            )
        return False

    def claim_need(
        self,
        user: User,
        need_id: UUID,
        *,
        claimant_kind: ClaimantKind | None = None,
        claimant_id: str | None = None,
        note: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """认领. A member claims for themself, a liaison for their unit's council seat; a
        coordinator may record a claim made by telephone for a member or a seat
        (``claimant_kind`` and ``claimant_id``) of their community."""

        def claim(need: Need, at: datetime) -> None:
            kind, ref, unit_id = self._claimant(user, need, claimant_kind, claimant_id)
            need.claim(
                actor=user.actor,
                at=at,
                claimant_kind=kind,
                claimant_id=ref,
                unit_id=unit_id,
                note=note,
            )

        return self._change_need(user, need_id, expected_version, context, claim)

    def release_need(
        self,
        user: User,
        need_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change_need(
            user,
            need_id,
            expected_version,
            context,
            lambda need, at: need.release(
                actor=user.actor,
                at=at,
                claimant_id=self._acting_for(user, need),
                reason=reason,
            ),
        )

    def complete_need(
        self,
        user: User,
        need_id: UUID,
        *,
        hours: float,
        result: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """The claimant (or the community on their behalf) records hours and a result."""

        def complete(need: Need, at: datetime) -> None:
            claimant = self._acting_for(user, need)
            need.complete(
                actor=user.actor,
                at=at,
                claimant_id=claimant if claimant is not None else need.claimant_id or "",
                hours=hours,
                result=result,
            )

        return self._change_need(user, need_id, expected_version, context, complete)

    def confirm_need(
        self,
        user: User,
        need_id: UUID,
        *,
        assessment: Assessment,
        comment: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """The community confirms the work. A need of a case then puts the work in the
        case's history (``CommunityServiceRecorded``); if that second write fails, sending
        the confirmation again completes it (``link_case``)."""
        need = self._need_to_change(user, need_id, expected_version, managers_only=True)
        if need.confirmed_at is not None and need.case_id is not None:
            # A retry after the case write failed completes it; otherwise the need
            # refuses a second confirmation below.
            if self.link_case(user, need) is not None:
                return WriteResult(need.id, need.version, self.head())
        need.confirm(actor=user.actor, at=self._at(need), assessment=assessment, comment=comment)
        result = self._save(need, context)
        if need.case_id is not None:
            self.link_case(user, need)
        return result

    def link_case(self, user: User, need: Need) -> WriteResult | None:
        """Record the confirmed work on the need's case, once (None: already there, or
        the case is final and takes no more events)."""
        assert need.case_id is not None and need.assessment is not None
        case_id = UUID(need.case_id)
        case = self.cases.get_case(case_id)
        if case.status.is_final:
            return None
        return self.cases.record_community_service(
            case_id,
            actor=user.actor,
            need_id=str(need.id),
            kind=need.kind.value,
            title=need.title,
            claimant_kind=(need.claimant_kind or ClaimantKind.MEMBER).value,
            unit_id=need.claimant_unit_id,
            minutes=need.minutes,
            result=need.result,
            assessment=need.assessment.value,
        )

    def cancel_need(
        self,
        user: User,
        need_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change_need(
            user,
            need_id,
            expected_version,
            context,
            lambda need, at: need.cancel(actor=user.actor, at=at, reason=reason),
            managers_only=True,
        )

    def _need_to_change(
        self,
        user: User,
        need_id: UUID,
        expected_version: int | None,
        *,
        managers_only: bool = False,
    ) -> Need:
        """The need a command will change: seen by the caller (else not found), managed by
        them where only the community may act, and at the version the caller saw."""
        need = self.need(user, need_id)
        if managers_only:
            self.policy.require_manager(user, need.community_id)
        self._check_version(need, expected_version)
        return need

    def _change_need(
        self,
        user: User,
        need_id: UUID,
        expected_version: int | None,
        context: CommandContext,
        command: Callable[[Need, datetime], None],
        *,
        managers_only: bool = False,
    ) -> WriteResult:
        """Load, check, act and save: the shape of every need command (as
        ``CaseService._change`` for cases); the command checks the rest itself."""
        need = self._need_to_change(user, need_id, expected_version, managers_only=managers_only)
        command(need, self._at(need))
        return self._save(need, context)

    def _claimant(
        self,
        user: User,
        need: Need,
        kind: ClaimantKind | None,
        ref: str | None,
    ) -> tuple[ClaimantKind, str, str | None]:
        """Who claims: (kind, id, unit), checked against the roster as it stands."""
        if user.role is Role.MEMBER:
            member = self._load_member(member_id_of_user(user.user_id))
            self._check_member_claims(member, need)
            return ClaimantKind.MEMBER, str(member.id), member.unit_id
        if user.role is Role.LIAISON:
            seat = self._seat_for(user.unit_id or "", need)
            if seat is None:
                raise Forbidden(
                    "本单位不是该社区共驻共建理事会成员单位，不能认领",
                    "your unit has no council seat covering this community",
                )
            return ClaimantKind.UNIT, str(seat.id), seat.unit_id
        self.policy.require_manager(user, need.community_id)
        if kind is None or not ref:
            raise InvalidValue(
                "代为认领须指定认领方（claimant_kind 与 claimant_id）",
                "name the claimant (claimant_kind and claimant_id)",
                field="claimant_id",
            )
        kind = check_enum(ClaimantKind, kind, field="claimant_kind")
        try:
            ref_id = UUID(ref)
        except ValueError:
            raise InvalidValue(
                "认领方编号无效", "claimant_id is not an id", field="claimant_id"
            ) from None
        if kind is ClaimantKind.MEMBER:
            member = self._load_member(ref_id)
            self._check_member_claims(member, need)
            return kind, str(member.id), member.unit_id
        named = self._load(ref_id, "理事会成员单位", CouncilUnit)
        if not (named.active and named.covers(need.community_id, need.street_id)):
            raise RuleViolation(
                "该单位不在本社区的共驻共建理事会中", "that seat does not cover this community"
            )
        return kind, str(named.id), named.unit_id

    @staticmethod
    def _check_member_claims(member: Member, need: Need) -> None:
        if not member.active:
            raise RuleViolation("该党员已退出报到", "the member has left the roster")
        if member.community_id != need.community_id:
            raise Forbidden(
                "只能认领本人报到社区的需求", "a member claims only needs of their own community"
            )

    def _load_member(self, member_id: UUID) -> Member:
        try:
            member: Member = self._load(member_id, "报到党员", Member)
        except RosterNotFound:
            raise Forbidden(
                "您尚未在社区登记报到", "your account is not on a community's roster"
            ) from None
        return member

    def _seat_for(self, unit_id: str, need: Need) -> CouncilUnit | None:
        """The unit's active seat covering the need's community, if it has one."""
        for level, place in ((Level.COMMUNITY, need.community_id), (Level.STREET, need.street_id)):
            try:
                seat: CouncilUnit = self._load(
                    council_unit_id(unit_id, level, place), "", CouncilUnit
                )
            except RosterNotFound:
                continue
            if seat.active:
                return seat
        return None

    def _acting_for(self, user: User, need: Need) -> str | None:
        """The claimant the caller acts as: their own id (member, liaison), or None for
        the community acting on the claimant's behalf."""
        if user.role is Role.MEMBER:
            return str(member_id_of_user(user.user_id))
        if user.role is Role.LIAISON:
            if need.claimant_unit_id != user.unit_id or need.claimant_kind is not ClaimantKind.UNIT:
                raise Forbidden("只有认领单位可以办理该需求", "only the claiming unit may do this")
            return need.claimant_id
        self.policy.require_manager(user, need.community_id)
        return None

    # ----- reads for projections ------------------------------------------------------

    def notifications(self, start: int) -> Iterator[Any]:
        """The roster log's events from position ``start``, with their positions."""
        while True:
            page = self._guard(lambda s=start: self.recorder.select_notifications(s, PAGE))  # type: ignore[misc]
            for n in page:
                yield n.id, self.mapper.to_domain_event(n)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def head(self) -> int:
        return int(self._guard(self.recorder.max_notification_id) or 0)

    def recorded_answer(self, write: KeyedWrite) -> WriteResult:
        return WriteResult(UUID(write.case_id), write.version, write.position)

    # ----- plumbing ---------------------------------------------------------------------

    def _community(self, community_id: str) -> Any:
        community = self.jurisdiction.communities.get(community_id)
        if community is None:
            raise InvalidValue(
                f"社区不存在：{community_id}", f"no community {community_id}", field="community_id"
            )
        return community

    def _residents(self) -> ResidentRegistry:
        if self.residents is None:
            raise InvalidValue("本部署未配置个人信息存储", "no contact store is configured")
        return self.residents

    def _at(self, aggregate: Aggregate) -> datetime:
        return max(self.clock(), aggregate.modified_on)

    @staticmethod
    def _check_version(aggregate: Aggregate, expected: int | None) -> None:
        if expected is not None and aggregate.version != expected:
            raise StaleVersion(aggregate.id, expected, aggregate.version)

    def _load(self, aggregate_id: UUID, what_zh: str, cls: type[A]) -> A:
        """The aggregate, of the class asked for: another's id answers as not found."""
        try:
            found = self._guard(lambda: self.repository.get(aggregate_id, projector_func=fold))
        except AggregateNotFoundError:
            raise RosterNotFound(what_zh, aggregate_id) from None
        if not isinstance(found, cls):
            raise RosterNotFound(what_zh, aggregate_id)
        return found

    def _save(self, aggregate: Aggregate, context: CommandContext, **carried: Any) -> WriteResult:
        key = context.request_key
        keys = (
            [
                (
                    key.user_id,
                    key.key,
                    key.request_hash,
                    str(aggregate.id),
                    aggregate.version,
                    self.clock().timestamp(),
                )
            ]
            if key
            else []
        )
        try:
            recordings = self._guard(lambda: self.save(aggregate, idempotency=keys, **carried))
        except IntegrityError:
            raise ConcurrencyConflict(aggregate.id) from None
        return WriteResult(aggregate.id, aggregate.version, recordings[-1].notification.id)

    @staticmethod
    def _guard(call: Callable[[], T]) -> T:
        try:
            return call()
        except (OperationalError, InterfaceError) as e:
            raise StorageUnavailable(type(e).__name__) from e
