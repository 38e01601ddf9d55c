"""CaseService: one method per command on a case, plus the queries auditors need."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    Mapper,
    Recording,
)
from eventsourcing.utils import TopicError

from application.audit import AuditMixin, SignatureStore
from application.contacts import ContactsMixin
from application.errors import (
    CaseNotFound,
    CaseUnreadable,
    ConcurrencyConflict,
    StaleVersion,
    StorageUnavailable,
    VersionNotFound,
)
from application.evidence import EvidenceFiles, EvidenceNotFound
from application.integrity import ChainedEventStore, ChainMapper
from application.kept_cases import DEFAULT_SIZE, KeptCases
from application.log_chain import SignatureCheck, Signer
from application.requests import NO_CONTEXT, CommandContext, KeyedWrite
from application.residents import ResidentRegistry, check_contact
from application.views import (
    NO_OUTCOME,
    Caller,
    Callers,
    CaseSnapshot,
    NoticesRecorded,
    Outcome,
    WriteResult,
)
from application.work_orders import WorkOrdersMixin
from domain import events as ev
from domain.case import MERGE_MAX, Case
from domain.errors import InvalidValue, RuleViolation
from domain.evidence import Evidence, EvidenceKind
from domain.jurisdiction import Jurisdiction
from domain.places import Location
from domain.rules import check_aware
from domain.values import (
    Actor,
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Satisfaction,
    Solved,
    Status,
    Urgency,
)
from domain.working_days import WorkingDayCalendar

Clock = Callable[[], datetime]


def fold(case: Any, events: Iterable[Any]) -> Any:
    """Fold events into a case. The library's default projector asserts a runtime
    protocol check on every event, which costs a fifth of a replay; ours are typed."""
    for event in events:
        case = event.mutate(case)
    return case


def utc_now() -> datetime:
    return datetime.now(UTC)


class CaseService(WorkOrdersMixin, ContactsMixin, AuditMixin, Application[UUID]):
    """The case-handling use cases. Every write is one command on one case."""

    name = "chuishao"  # fixes table names (PostgreSQL: chuishao_events) across renames

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        jurisdiction: Jurisdiction,
        clock: Clock = utc_now,
        batch_writes: Callable[[Any], Any] | None = None,
        residents: ResidentRegistry | None = None,
        signatures: SignatureStore | None = None,
        signer: Signer | None = None,
        check_signature: SignatureCheck | None = None,
        trusted_keys: dict[str, str] | None = None,
        calendar: WorkingDayCalendar | None = None,
        separate_callback: bool = True,
        files: EvidenceFiles | None = None,
        kept_cases: int = DEFAULT_SIZE,
    ) -> None:
        """``batch_writes`` wraps the recorder on the write path (group commit);
        ``residents`` keeps contact details outside the event log; ``calendar`` says which
        days are working days (for limits in working days); ``separate_callback`` makes
        the 回访 someone else's than the resolver's; ``files`` keeps evidence files;
        ``kept_cases``: how many just-written cases to keep for the next command on them
        (``kept_cases.py``; 0: none)."""
        self.jurisdiction = jurisdiction
        self.clock = clock
        self.calendar = calendar
        self.separate_callback = separate_callback
        self.residents = residents
        self.signatures = signatures
        self.signer = signer
        self.check_signature = check_signature
        self.trusted_keys = trusted_keys or {}
        self.files = files
        self._batch_writes = batch_writes
        self.kept: KeptCases[Case] = KeptCases(kept_cases)
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=ChainMapper)

    def construct_event_store(self) -> EventStore[UUID]:
        writer = self._batch_writes(self.recorder) if self._batch_writes else self.recorder
        return ChainedEventStore(mapper=self.mapper, recorder=writer)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save`` for aggregates alone, without its two runtime-protocol
        ``isinstance`` checks per object (≈ 50 µs, a thirtieth of a command's CPU); the
        same steps in the same order. Anything else goes to the library's."""
        if not objs or not all(isinstance(obj, Aggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated hook, called as the library does
        return recordings

    # ----- commands ------------------------------------------------------------------

    def report_case(
        self,
        *,
        actor: Actor,
        grid_id: str,
        category_id: str,
        title: str,
        description: str = "",
        channel: Channel = Channel.PATROL,
        urgency: Urgency = Urgency.NORMAL,
        case_id: UUID | None = None,
        resident_name: str | None = None,
        resident_phone: str | None = None,
        location: Location | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """A grid lead opens a case in a grid; time limits come from its category.
        ``location``: where the problem is on the ground, as given (WGS-84).

        The resident's name and phone, if given, go to the erasable contact store,
        never into the case's events.
        """
        name, phone = check_contact(resident_name, resident_phone)
        case = Case.report(
            case_id=case_id or uuid4(),
            actor=actor,
            at=self.clock(),
            title=title,
            description=description,
            category=self.jurisdiction.category(category_id),
            placement=self.jurisdiction.placement(grid_id),
            channel=channel,
            urgency=urgency,
            calendar=self.calendar,
            location=location,
        )
        if not (name or phone):
            result = self._save(case, context)
        elif self.residents is None:
            raise InvalidValue("本部署未配置居民信息存储", "no contact store is configured")
        else:
            # Stored by the recorder in the event's own transaction: both or neither.
            result = self._save(case, context, contacts=[self.residents.seal(case.id, name, phone)])
        self.kept.keep(case)
        return result

    def add_note(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        text: str,
        kind: NoteKind = NoteKind.PROGRESS,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.note(actor=actor, at=at, text=text, kind=kind),
        )

    def escalate(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        to_level: Level,
        reason: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.escalate(actor=actor, at=at, to_level=to_level, reason=reason),
        )

    def blow_whistle(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        unit_ids: Sequence[str],
        report_in_deadline: datetime,
        reason: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """吹哨: summon units; the result carries the new whistle's id."""
        for unit_id in unit_ids:
            self.jurisdiction.unit(unit_id)
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: Outcome(
                whistle_id=c.blow_whistle(
                    actor=actor,
                    at=at,
                    unit_ids=unit_ids,
                    report_in_deadline=report_in_deadline,
                    reason=reason,
                )
            ),
        )

    def report_in(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        whistle_id: str,
        unit_id: str,
        note: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """报到: the result says whether the unit was late."""
        self.jurisdiction.unit(unit_id)
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: Outcome(
                late=c.report_in(
                    actor=actor, at=at, whistle_id=whistle_id, unit_id=unit_id, note=note
                )
            ),
        )

    def pledge(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        party_kind: PartyKind,
        party_name: str,
        amount_fen: int,
        unit_id: str | None = None,
        purpose: str = "",
        currency: str = "CNY",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        if unit_id is not None:
            self.jurisdiction.unit(unit_id)
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.pledge(
                actor=actor,
                at=at,
                party_kind=party_kind,
                party_name=party_name,
                amount_fen=amount_fen,
                unit_id=unit_id,
                purpose=purpose,
                currency=currency,
            ),
        )

    def resolve(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        summary: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.resolve(actor=actor, at=at, summary=summary),
        )

    def evaluate_case(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        solved: Solved,
        satisfaction: Satisfaction,
        comment: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """回访: record the resident's answer for the current round."""
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.evaluate(
                actor=actor,
                at=at,
                solved=solved,
                satisfaction=satisfaction,
                comment=comment,
                separate_from_resolver=self.separate_callback,
            ),
        )

    def evaluate_unit(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        whistle_id: str,
        unit_id: str,
        score: int,
        comment: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        self.jurisdiction.unit(unit_id)
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.evaluate_unit(
                actor=actor,
                at=at,
                whistle_id=whistle_id,
                unit_id=unit_id,
                score=score,
                comment=comment,
            ),
        )

    def reopen(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        reason: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.reopen(actor=actor, at=at, reason=reason),
        )

    def close_case(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        remark: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.close(actor=actor, at=at, remark=remark),
        )

    def withdraw(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        reason: str,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.withdraw(actor=actor, at=at, reason=reason),
        )

    def mark_duplicate(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        original_case_id: UUID,
        reason: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """Mark a case a duplicate of an existing case that is not itself a duplicate."""
        original = self._load(original_case_id)
        if original.status is Status.DUPLICATE:
            raise RuleViolation(
                "原案件本身是重复件，请关联到最初的案件",
                "the original case is itself a duplicate; link to the first case",
            )
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.mark_duplicate(
                actor=actor, at=at, original_case_id=original_case_id, reason=reason
            ),
        )

    def merge_cases(
        self,
        original_case_id: UUID,
        case_ids: Sequence[UUID],
        *,
        actor: Actor,
        reason: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """合并: ``case_ids`` end as duplicates of the original, whose callers they join.

        All or nothing: every case is loaded and checked (``context.guard`` on each, then
        the rules) before anything is written, and all their events are saved in one
        transaction. ``expected_version`` and the request key are the original's; the
        answer is the original's new version."""
        if len(case_ids) > MERGE_MAX:  # before loading them all
            raise InvalidValue(
                f"一次最多合并{MERGE_MAX}件",
                f"at most {MERGE_MAX} cases per merge",
                field="case_ids",
            )
        if len(set(case_ids)) != len(case_ids):
            raise InvalidValue("合并的案件有重复", "a case is named twice", field="case_ids")
        original = self._load(original_case_id)
        if context.guard is not None:
            context.guard(original)
        others = [self._load(case_id) for case_id in case_ids]
        for other in others:
            if context.guard is not None:
                context.guard(other)
        if expected_version is not None and original.version != expected_version:
            raise StaleVersion(original_case_id, expected_version, original.version)
        at = max(self.clock(), original.modified_on, *(o.modified_on for o in others))
        original.merge(actor=actor, at=at, cases=others, reason=reason)
        return self._save(original, context, also=others)

    def callers_of(self, case_id: UUID, *, version: int | None = None) -> Callers:
        """Who shares this case's outcome: the case and every report merged into it, with
        each one's channel (a notifier reads contacts and 12345 order ids by case id).
        ``version``: as the case stood then (the version of the 反馈 being sent)."""
        case = self._load(case_id, version=version)
        merged = [self._load(UUID(i)) for i in case.merged_case_ids]
        return Callers(
            case_id=case.id,
            merged_into=case.duplicate_of,
            callers=[Caller.of(c) for c in (case, *merged)],
        )

    def attach_evidence(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        data: bytes,
        name: str | None,
        kind: EvidenceKind,
        step: int | None = None,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """Attach a photo or file to a step of the case (default: its newest step).

        The upload is checked and cleaned only for a caller allowed to attach, and stored
        only once the case accepted it, just before its event is saved."""
        files = self._files()

        def attach(case: Case, at: datetime) -> None:
            upload = files.prepare(data, name)
            case.attach_evidence(
                actor=actor,
                at=at,
                sha256=upload.sha256,
                media_type=upload.media_type,
                size=len(upload.data),
                name=upload.name,
                kind=kind,
                step=step,
                thumbnail_sha256=upload.thumbnail_sha256,
            )
            # A save that then fails leaves an unreferenced file: harmless, as files are
            # named by their content and only referenced ones count.
            self._guard(lambda: files.keep(upload))

        return self._change(case_id, expected_version, context, attach)

    def record_community_service(
        self, case_id: UUID, *, actor: Actor, need_id: str, **work: Any
    ) -> WriteResult | None:
        """共驻共建: the confirmed work of a need posted for this case goes into its
        history (``CommunityServiceRecorded``), once per need: None if already there."""
        case = self._load(case_id)
        if need_id in case.service_need_ids:
            return None
        at = max(self.clock(), case.modified_on)
        case.record_community_service(actor=actor, at=at, need_id=need_id, **work)
        return self._save(case, NO_CONTEXT)

    def record_due_notices(self, case_id: UUID, *, near: timedelta) -> NoticesRecorded:
        """The deadline timer: record each notice the case is due now and has not recorded
        (临期 within ``near`` of a report-in deadline, 超期 after it or after the
        resolution limit). Two timers racing: one saves, the other's save conflicts, and
        on reloading it finds the keys recorded — so each notice is recorded once."""
        for _ in range(5):
            case = self._load(case_id)
            now = self.clock()
            keys = case.record_due_notices(now=now, at=max(now, case.modified_on), near=near)
            if not keys:
                return NoticesRecorded(case_id, [], frozenset(case.notices), None)
            try:
                result = self._save(case, NO_CONTEXT)
            except ConcurrencyConflict:
                continue  # someone else wrote first: read again, the keys may be there now
            return NoticesRecorded(case_id, keys, frozenset(case.notices), result.position)
        raise ConcurrencyConflict(case_id)

    # ----- queries --------------------------------------------------------------------

    def get_case(self, case_id: UUID) -> CaseSnapshot:
        return CaseSnapshot.of(self._load(case_id))

    def case_at(
        self, case_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> CaseSnapshot:
        """The case as it was at a version, or as of a moment (the last event at or before it)."""
        if as_of is not None:
            check_aware(as_of, field="as_of")
            events: list[Any] = self._guard(lambda: list(self.events.get(case_id)))
            if not events:
                raise CaseNotFound(case_id)
            before = [e for e in events if e.timestamp <= as_of]
            if not before:
                raise VersionNotFound(
                    case_id, f"于 {as_of.isoformat()} ", f"as of {as_of.isoformat()}"
                )
            return CaseSnapshot.of(fold(None, before))
        if version is None:
            return CaseSnapshot.of(self._load(case_id))
        if version < 1:
            raise VersionNotFound(case_id, f"版本 {version} ", f"at version {version}")
        # One read up to the version; a shorter history means the version does not exist.
        case = self._load(case_id, version=version)
        if case.version != version:
            raise VersionNotFound(case_id, f"版本 {version} ", f"at version {version}")
        return CaseSnapshot.of(case)

    def evidence_file(
        self,
        case_id: UUID,
        sha256: str,
        *,
        check: Callable[[Case], None],
        thumbnail: bool = False,
    ) -> tuple[Evidence, bytes]:
        """A file attached to this case (or its thumbnail), re-hashed before it is given
        out. ``check`` runs on the loaded case first (the caller's access rule)."""
        files = self._files()
        case = self._load(case_id)
        check(case)
        evidence = next((e for e in case.evidence if e.sha256 == sha256), None)
        if evidence is None:
            raise EvidenceNotFound(sha256)
        wanted = evidence.thumbnail_sha256 if thumbnail else evidence.sha256
        if wanted is None:
            raise EvidenceNotFound(sha256)
        return evidence, self._guard(lambda: files.read(wanted))

    def attached_at(self, case_id: UUID, version: int) -> Evidence:
        """The file that the case's event at ``version`` attached."""
        case = self._load(case_id, version=version)
        if not case.evidence or case.evidence[-1].version != version:
            raise VersionNotFound(case_id, f"版本 {version} 的附件", f"attachment at {version}")
        return case.evidence[-1]

    def _files(self) -> EvidenceFiles:
        files: EvidenceFiles | None = self.files
        if files is None:
            raise StorageUnavailable("no file store configured")
        return files

    def close(self) -> None:
        super().close()
        if self.residents is not None:
            self.residents.close()

    # ----- plumbing -------------------------------------------------------------------

    def recorded_answer(self, write: KeyedWrite) -> WriteResult:
        """The answer a keyed write gave, rebuilt from the event it recorded."""
        case_id = UUID(write.case_id)
        stored = self._guard(
            lambda: self.recorder.select_events(case_id, gt=write.version - 1, lte=write.version)
        )
        outcome = Outcome.of(self.mapper.to_domain_event(stored[0])) if stored else NO_OUTCOME
        return WriteResult(case_id, write.version, write.position, outcome.whistle_id, outcome.late)

    def _load(self, case_id: UUID, version: int | None = None) -> Case:
        try:
            case: Case = self._guard(
                lambda: self.repository.get(case_id, version=version, projector_func=fold)
            )
            return case
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        except (ValueError, KeyError, TypeError, AttributeError, TopicError) as e:
            self._forget(case_id)  # a kept case a bad event half-changed is not kept
            raise CaseUnreadable(case_id, f"{type(e).__name__}: {e}"[:200]) from None

    def _forget(self, case_id: UUID) -> None:
        cache = self.repository.cache
        if cache is not None:
            try:
                cache.get(case_id, evict=True)
            except KeyError:
                pass

    def _change(
        self,
        case_id: UUID,
        expected_version: int | None,
        context: CommandContext,
        command: Callable[[Case, datetime], Outcome | None],
    ) -> WriteResult:
        case = self._load_for_change(case_id)
        if context.guard is not None:
            context.guard(case)
        if expected_version is not None and case.version != expected_version:
            if not self._only_passive_since(case_id, expected_version, case.version):
                raise StaleVersion(case_id, expected_version, case.version)
        # Server clocks can disagree by a little; a case's own time never runs backwards.
        outcome = command(case, max(self.clock(), case.modified_on)) or NO_OUTCOME
        result = self._save(case, context)
        self.kept.keep(case)  # saved: it is the case as the log now has it
        return replace(result, whistle_id=outcome.whistle_id, late=outcome.late)

    def _load_for_change(self, case_id: UUID) -> Case:
        """The case for a command: a kept one brought up to date with the events written
        after it (by other processes; normally none), else loaded from all its events."""
        kept = self.kept.take(case_id)
        if kept is None:
            return self._load(case_id)
        try:
            later = self._guard(lambda: list(self.events.get(case_id, gt=kept.version)))
            case: Case = fold(kept, later)
            return case
        except (ValueError, KeyError, TypeError, AttributeError, TopicError) as e:
            raise CaseUnreadable(case_id, f"{type(e).__name__}: {e}"[:200]) from None

    def _only_passive_since(self, case_id: UUID, expected: int, current: int) -> bool:
        """The events after ``expected`` are all passive (``domain.events.PASSIVE``)."""
        if not 1 <= expected < current:
            return False
        later = self._guard(lambda: list(self.events.get(case_id, gt=expected, lte=current)))
        return bool(later) and all(isinstance(e, ev.PASSIVE) for e in later)

    def _save(
        self, case: Case, context: CommandContext, also: Sequence[Case] = (), **carried: Any
    ) -> WriteResult:
        """Save the case's new events with the rows that go in their transaction, and
        those of the cases ``also`` changed (one transaction: all or none)."""
        key = context.request_key
        keys = (
            [
                (
                    key.user_id,
                    key.key,
                    key.request_hash,
                    str(case.id),
                    case.version,
                    self.clock().timestamp(),
                )
            ]
            if key
            else []
        )
        try:
            recordings = self._guard(lambda: self.save(*also, case, idempotency=keys, **carried))
        except IntegrityError:
            raise ConcurrencyConflict(case.id) from None
        return WriteResult(case.id, case.version, recordings[-1].notification.id)
