"""The Case aggregate: one resident's problem, from report to 办结.

Every command checks its rules first and then records exactly one event; a
command that raises has recorded nothing. Time is passed in (server time, from
the application) so the rules about deadlines and lateness are pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import events as ev
from domain.errors import (
    CaseIsFinal,
    DutiesNotSeparated,
    InvalidValue,
    RuleViolation,
    WhistleNotFound,
)
from domain.evidence import (
    MAX_EVIDENCE_PER_CASE,
    Evidence,
    EvidenceKind,
    check_media_type,
    check_sha256,
    normalise_file_name,
)
from domain.jurisdiction import Category, Placement
from domain.notices import TIMER_ACTOR_ID, TIMER_ROLE, due_notices
from domain.places import Location
from domain.records import Evaluation, Note, Pledge, Resolution, UnitScore, Whistle
from domain.rules import (
    CURRENCY,
    NOTE_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    check_amount_fen,
    check_aware,
    check_enum,
    check_report_in_deadline,
    check_score,
    check_summoned_units,
    check_text,
    check_whistle_level,
)
from domain.times import beijing_readable
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
from domain.work_orders import WorkOrderRules
from domain.working_days import WorkingDayCalendar

MERGE_MAX = 100  # cases merged in one action: a heating outage's calls come in batches


class Case(WorkOrderRules, Aggregate):
    def __init__(self) -> None:
        # Declared here, set by CaseReported.apply from what was reported.
        self.title: str
        self.description: str
        self.category_id: str
        self.channel: Channel
        self.urgency: Urgency
        self.district_id: str
        self.street_id: str
        self.community_id: str
        self.grid_id: str
        self.reported_by: str
        self.reported_role: str
        self.reported_at: datetime
        self.location: Location | None
        self.response_due: datetime
        self.resolution_due: datetime
        # Defaults that later events change.
        self.status = Status.REPORTED
        self.level = Level.GRID
        self.round = 1
        self.first_response_at: datetime | None = None
        self.first_resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.notes: list[Note] = []
        self.whistles: dict[str, Whistle] = {}
        self.pledges: list[Pledge] = []
        self.resolution: Resolution | None = None
        self.evaluations: list[Evaluation] = []
        self.unit_scores: list[UnitScore] = []
        self.duplicate_of: str | None = None
        self.merged_case_ids: list[str] = []  # 合并: the cases whose callers share this outcome
        self.final_reason = ""
        self.contact_erased_at: datetime | None = None
        self.contact_erased_by: str | None = None
        self.evidence: list[Evidence] = []
        self.notices: set[str] = set()  # keys of the deadline notices recorded
        self.service_need_ids: list[str] = []  # 共驻共建 needs whose confirmed work is recorded

    # ----- reporting -------------------------------------------------------------

    @classmethod
    def report(
        cls,
        *,
        case_id: UUID,
        actor: Actor,
        at: datetime,
        title: str,
        description: str,
        category: Category,
        placement: Placement,
        channel: Channel,
        urgency: Urgency = Urgency.NORMAL,
        calendar: WorkingDayCalendar | None = None,
        location: Location | None = None,
    ) -> Case:
        """The deadlines are computed now and stored in the event: a later change of the
        category's limits or of the holiday calendar never rewrites a case's history."""
        check_aware(at)
        response_due = category.response.due(at, calendar)
        resolution_due = max(response_due, category.resolution.due(at, calendar))
        return cls._create(
            ev.CaseReported,
            id=case_id,
            timestamp=at,
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            title=check_text(
                title, field="title", field_zh="标题", max_len=TITLE_MAX, multiline=False
            ),
            description=check_text(
                description, field="description", field_zh="描述", max_len=TEXT_MAX, required=False
            ),
            category_id=category.id,
            channel=check_enum(Channel, channel, field="channel").value,
            urgency=check_enum(Urgency, urgency, field="urgency").value,
            district_id=placement.district_id,
            street_id=placement.street_id,
            community_id=placement.community_id,
            grid_id=placement.grid_id,
            response_due=response_due,
            resolution_due=resolution_due,
            location=None if location is None else location.as_event(),
        )

    # ----- handling ----------------------------------------------------------------

    def note(
        self, *, actor: Actor, at: datetime, text: str, kind: NoteKind = NoteKind.PROGRESS
    ) -> None:
        self._check_can_act(at)
        self._check_in_hand()
        text = check_text(text, field="text", field_zh="进展内容", max_len=NOTE_MAX)
        kind = check_enum(NoteKind, kind, field="kind")
        self._record(ev.ProgressNoted, actor, at, text=text, kind=kind.value)

    def escalate(self, *, actor: Actor, at: datetime, to_level: Level, reason: str) -> None:
        self._check_can_act(at)
        self._check_in_hand()
        self._check_not_resolved("升级")
        to_level = check_enum(Level, to_level, field="to_level")
        if to_level.rank <= self.level.rank:
            raise RuleViolation(
                f"只能向更高层级升级（当前为{self.level.label}）",
                f"a case can only be escalated upwards (it is at {self.level.value})",
            )
        reason = check_text(reason, field="reason", field_zh="升级理由", max_len=REASON_MAX)
        self._record(
            ev.CaseEscalated,
            actor,
            at,
            from_level=self.level.value,
            to_level=to_level.value,
            reason=reason,
        )

    def blow_whistle(
        self,
        *,
        actor: Actor,
        at: datetime,
        unit_ids: Sequence[str],
        report_in_deadline: datetime,
        reason: str,
    ) -> str:
        """吹哨: summon units to report in by a deadline; returns the whistle id."""
        self._check_can_act(at)
        self._check_in_hand()
        self._check_not_resolved("吹哨")
        check_whistle_level(self.level)
        units = check_summoned_units(unit_ids)
        check_report_in_deadline(report_in_deadline, blown_at=at)
        reason = check_text(reason, field="reason", field_zh="吹哨事由", max_len=REASON_MAX)
        whistle_id = f"W{len(self.whistles) + 1}"
        self._record(
            ev.WhistleBlown,
            actor,
            at,
            whistle_id=whistle_id,
            level=self.level.value,
            unit_ids=units,
            report_in_deadline=report_in_deadline,
            reason=reason,
        )
        return whistle_id

    def report_in(
        self, *, actor: Actor, at: datetime, whistle_id: str, unit_id: str, note: str = ""
    ) -> bool:
        """报到: a summoned unit arrives; returns whether it was late."""
        self._check_can_act(at)
        whistle = self.whistle(whistle_id)
        if unit_id not in whistle.unit_ids:
            raise RuleViolation(
                "该单位未被本次吹哨召集，不能报到", "only a summoned unit reports in"
            )
        if unit_id in whistle.report_ins:
            raise RuleViolation("该单位已就本次吹哨报到", "the unit has already reported in")
        if unit_id in whistle.unanswered:
            raise RuleViolation(
                "案件办结处置时该单位已记为未报到，本次吹哨不再接受报到",
                "the case was resolved with this unit recorded as not reported in (未报到)",
            )
        note = check_text(note, field="note", field_zh="报到说明", max_len=NOTE_MAX, required=False)
        late = at > whistle.report_in_deadline
        self._record(
            ev.UnitReportedIn,
            actor,
            at,
            whistle_id=whistle_id,
            unit_id=unit_id,
            late=late,
            note=note,
        )
        return late

    def pledge(
        self,
        *,
        actor: Actor,
        at: datetime,
        party_kind: PartyKind,
        party_name: str,
        amount_fen: int,
        unit_id: str | None = None,
        purpose: str = "",
        currency: str = CURRENCY,
    ) -> None:
        self._check_can_act(at)
        self._check_in_hand()
        if currency != CURRENCY:
            raise InvalidValue("币种只能是人民币（CNY）", "currency must be CNY")
        check_amount_fen(amount_fen)
        party_name = check_text(
            party_name, field="party_name", field_zh="出资方", max_len=TITLE_MAX, multiline=False
        )
        purpose = check_text(
            purpose, field="purpose", field_zh="用途", max_len=REASON_MAX, required=False
        )
        self._record(
            ev.FundingPledged,
            actor,
            at,
            party_kind=check_enum(PartyKind, party_kind, field="party_kind").value,
            unit_id=unit_id,
            party_name=party_name,
            amount_fen=amount_fen,
            currency=currency,
            purpose=purpose,
        )

    # ----- resolution and after ------------------------------------------------------

    def resolve(self, *, actor: Actor, at: datetime, summary: str) -> None:
        self._check_can_act(at)
        self._check_in_hand()
        self._check_not_resolved("办结处置")
        summary = check_text(summary, field="summary", field_zh="处置结果", max_len=TEXT_MAX)
        # Summons still open when the case is resolved end here as 未报到, on the record,
        # so the unit answers for them instead of the gap vanishing.
        unanswered = [
            {
                "whistle_id": w.whistle_id,
                "unit_id": unit_id,
                "note": f"办结处置时仍未报到（报到时限 {beijing_readable(w.report_in_deadline)}）",
            }
            for w in self.whistles.values()
            for unit_id in w.pending_unit_ids
        ]
        self._record(
            ev.CaseResolved,
            actor,
            at,
            round=self.round,
            level=self.level.value,
            summary=summary,
            unanswered=unanswered,
        )

    def evaluate(
        self,
        *,
        actor: Actor,
        at: datetime,
        solved: Solved,
        satisfaction: Satisfaction,
        comment: str = "",
        separate_from_resolver: bool = True,
    ) -> None:
        """回访: the resident says whether it was solved and whether they are satisfied.

        The callback judges the resolution, so (unless a deployment turns the rule off)
        it is recorded by someone other than the user who resolved the case."""
        self._check_can_act(at)
        if self.resolution is None:
            raise RuleViolation(
                "案件尚未解决，不能回访评价", "evaluation comes only after resolution"
            )
        self._check_order_callback(actor)
        if separate_from_resolver and self.resolution.actor_id == actor.user_id:
            raise DutiesNotSeparated()
        if self.evaluation_of_round is not None:
            raise RuleViolation("本轮已回访评价", "this round has already been evaluated")
        comment = check_text(
            comment, field="comment", field_zh="回访意见", max_len=NOTE_MAX, required=False
        )
        self._record(
            ev.CaseEvaluated,
            actor,
            at,
            round=self.round,
            solved=check_enum(Solved, solved, field="solved").value,
            satisfaction=check_enum(Satisfaction, satisfaction, field="satisfaction").value,
            comment=comment,
        )

    def evaluate_unit(
        self,
        *,
        actor: Actor,
        at: datetime,
        whistle_id: str,
        unit_id: str,
        score: int,
        comment: str = "",
    ) -> None:
        """一哨一考核: the street scores a unit it summoned, once per whistle."""
        self._check_can_act(at)
        whistle = self.whistle(whistle_id)
        if unit_id not in whistle.unit_ids:
            raise RuleViolation("只能考核本次吹哨召集的单位", "only a summoned unit is evaluated")
        if any(s.whistle_id == whistle_id and s.unit_id == unit_id for s in self.unit_scores):
            raise RuleViolation(
                "该单位本次吹哨已考核", "the unit is already evaluated for this whistle"
            )
        check_score(score)
        comment = check_text(
            comment, field="comment", field_zh="考核意见", max_len=NOTE_MAX, required=False
        )
        self._record(
            ev.UnitEvaluated,
            actor,
            at,
            whistle_id=whistle_id,
            unit_id=unit_id,
            score=score,
            comment=comment,
        )

    def reopen(self, *, actor: Actor, at: datetime, reason: str) -> None:
        self._check_can_act(at)
        evaluation = self.evaluation_of_round
        if evaluation is None or evaluation.satisfaction is not Satisfaction.UNSATISFIED:
            raise RuleViolation(
                "只有回访不满意的案件才能重新办理",
                "reopening only follows an unsatisfied evaluation",
            )
        reason = check_text(reason, field="reason", field_zh="重办理由", max_len=REASON_MAX)
        self._record(ev.CaseReopened, actor, at, round=self.round + 1, reason=reason)

    def close(self, *, actor: Actor, at: datetime, remark: str = "") -> None:
        self._check_can_act(at)
        if self.resolution is None:
            raise RuleViolation("案件尚未解决，不能办结", "closing only follows resolution")
        order = self.work_order
        if order is not None and self.round not in order.feedback_rounds:
            # closed unreported, the platform would never hear of it nor call back
            raise RuleViolation(
                "工单须先反馈平台，才能归档", "an order is closed only after its feedback"
            )
        remark = check_text(
            remark, field="remark", field_zh="备注", max_len=NOTE_MAX, required=False
        )
        self._record(ev.CaseClosed, actor, at, remark=remark)

    def withdraw(self, *, actor: Actor, at: datetime, reason: str) -> None:
        self._check_can_act(at)
        self._check_not_an_order("撤销")
        self._check_not_resolved("撤销")
        reason = check_text(reason, field="reason", field_zh="撤销理由", max_len=REASON_MAX)
        self._record(ev.CaseWithdrawn, actor, at, reason=reason)

    def mark_duplicate(
        self, *, actor: Actor, at: datetime, original_case_id: UUID, reason: str = ""
    ) -> None:
        self._check_can_act(at)
        if str(original_case_id) == str(self.id):
            raise RuleViolation("案件不能与自身重复", "a case cannot duplicate itself")
        reason = check_text(
            reason, field="reason", field_zh="说明", max_len=REASON_MAX, required=False
        )
        self._record(
            ev.CaseMarkedDuplicate, actor, at, original_case_id=str(original_case_id), reason=reason
        )

    def merge(self, *, actor: Actor, at: datetime, cases: Sequence[Case], reason: str = "") -> None:
        """合并: other reports of the same matter join this case (the original).

        Each of ``cases`` ends as a duplicate of this one (``CaseMergedInto``), counting
        nowhere; this case records whose callers now share its outcome (``CallersMerged``),
        including the callers earlier merged into those cases. All are checked before any
        event is recorded: one refused case refuses the whole merge."""
        self._check_can_act(at)
        if not cases:
            raise InvalidValue(
                "请选择要合并的案件", "name at least one case to merge", field="case_ids"
            )
        if len(cases) > MERGE_MAX:
            raise InvalidValue(
                f"一次最多合并{MERGE_MAX}件",
                f"at most {MERGE_MAX} cases per merge",
                field="case_ids",
            )
        ids = [str(c.id) for c in cases]
        if len(set(ids)) != len(ids):
            raise InvalidValue("合并的案件有重复", "a case is named twice", field="case_ids")
        if str(self.id) in ids:
            raise RuleViolation("案件不能合并到自身", "a case cannot be merged into itself")
        for other in cases:
            # A duplicate, withdrawn or closed case is final: this also rules out cycles,
            # since a case merged once is a duplicate and takes no second merge.
            other._check_can_act(at)
            if other.street_id != self.street_id:
                raise RuleViolation(
                    "不能跨街道合并案件（各街道分别对自己的案件负责）",
                    "cases of different streets cannot be merged",
                )
        reason = check_text(
            reason, field="reason", field_zh="合并说明", max_len=REASON_MAX, required=False
        )
        also = [m for c in cases for m in c.merged_case_ids]
        for other in cases:
            other._record(
                ev.CaseMergedInto, actor, at, original_case_id=str(self.id), reason=reason
            )
        self._record(ev.CallersMerged, actor, at, case_ids=ids, also_case_ids=also, reason=reason)

    @property
    def callers(self) -> int:
        """来电人数: this case's own report and every report merged into it."""
        return 1 + len(self.merged_case_ids)

    def erase_contact(self, *, actor: Actor, at: datetime, reason: str) -> None:
        """Record that the resident's contact was erased (PIPL).

        The one documented exception to "a final case takes no further events": erasure
        is a legal duty that outlives the case, and it changes no status, round or rate.
        """
        self._check_time(at)
        if self.contact_erased_at is not None:
            raise RuleViolation(
                "该案件的居民信息已删除", "the resident's contact is already erased"
            )
        reason = check_text(reason, field="reason", field_zh="删除理由", max_len=REASON_MAX)
        self._record(ev.ResidentContactErased, actor, at, reason=reason)

    def record_community_service(
        self,
        *,
        actor: Actor,
        at: datetime,
        need_id: str,
        kind: str,
        title: str,
        claimant_kind: str,
        unit_id: str | None,
        minutes: int,
        result: str,
        assessment: str,
    ) -> bool:
        """共驻共建: a community need posted for this case was met and confirmed. Once per
        need (False: already recorded, nothing new), and only while the case is open."""
        if need_id in self.service_need_ids:
            return False
        self._check_can_act(at)
        self._record(
            ev.CommunityServiceRecorded,
            actor,
            at,
            need_id=need_id,
            kind=kind,
            title=title,
            claimant_kind=claimant_kind,
            unit_id=unit_id,
            minutes=minutes,
            result=result,
            assessment=assessment,
        )
        return True

    def attach_evidence(
        self,
        *,
        actor: Actor,
        at: datetime,
        sha256: str,
        media_type: str,
        size: int,
        name: str | None,
        kind: EvidenceKind,
        step: int | None = None,
        thumbnail_sha256: str | None = None,
    ) -> int:
        """Attach a stored file to a step of the case (default: the newest step that is not
        itself an attachment); returns the step. Each file is attached to a case once."""
        self._check_can_act(at)
        check_sha256(sha256)
        if thumbnail_sha256 is not None:
            check_sha256(thumbnail_sha256, field="thumbnail_sha256")
        check_media_type(media_type)
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise InvalidValue("文件不能为空", "a file must not be empty")
        kind = check_enum(EvidenceKind, kind, field="kind")
        if any(e.sha256 == sha256 for e in self.evidence):
            raise RuleViolation("该文件已附在本案件上", "this file is already attached to the case")
        if len(self.evidence) >= MAX_EVIDENCE_PER_CASE:
            raise RuleViolation(
                f"每个案件最多附{MAX_EVIDENCE_PER_CASE}个文件",
                f"a case holds at most {MAX_EVIDENCE_PER_CASE} files",
            )
        attachments = {e.version for e in self.evidence}
        if step is None:
            step = self.version
            while step in attachments:
                step -= 1
        elif (
            not isinstance(step, int)
            or isinstance(step, bool)
            or not 1 <= step <= self.version
            or step in attachments
        ):
            raise InvalidValue(
                f"step 须为本案件已有步骤的版本号（1–{self.version}，不含附件）",
                f"step must be the version of one of the case's steps (1–{self.version}), "
                "not of an attachment",
                field="step",
            )
        self._record(
            ev.EvidenceAttached,
            actor,
            at,
            sha256=sha256,
            media_type=media_type,
            size=size,
            name=normalise_file_name(name),
            kind=kind.value,
            step=step,
            thumbnail_sha256=thumbnail_sha256,
        )
        return step

    # ----- deadline notices (the timer's, not a person's) -----------------------------

    def record_due_notices(self, *, now: datetime, at: datetime, near: timedelta) -> list[str]:
        """Record every notice due at ``now`` and not recorded yet (at ``at``, never before
        the case's last event); returns their keys. Nothing is due on a final case."""
        if self.status.is_final:
            return []
        check_aware(now)
        self._check_time(at)
        keys = []
        for notice in due_notices(self, now, near):
            self.trigger_event(
                ev.DeadlineNoticeRecorded,
                timestamp=at,
                actor_id=TIMER_ACTOR_ID,
                actor_role=TIMER_ROLE,
                kind=notice.kind.value,
                key=notice.key,
                deadline=notice.deadline,
                whistle_id=notice.whistle_id,
                unit_id=notice.unit_id,
            )
            keys.append(notice.key)
        return keys

    # ----- reading -------------------------------------------------------------------

    def whistle(self, whistle_id: str) -> Whistle:
        try:
            return self.whistles[whistle_id]
        except KeyError:
            raise WhistleNotFound(whistle_id) from None

    @property
    def evaluation_of_round(self) -> Evaluation | None:
        return next((e for e in self.evaluations if e.round == self.round), None)

    @property
    def pledged_fen(self) -> int:
        return sum(p.amount_fen for p in self.pledges)

    # ----- guards --------------------------------------------------------------------

    def _check_can_act(self, at: datetime) -> None:
        if self.status.is_final:
            raise CaseIsFinal(self.status.label, self.status.value)
        self._check_time(at)

    def _check_time(self, at: datetime) -> None:
        check_aware(at)
        if at < self.modified_on:
            raise InvalidValue(
                "操作时间不能早于案件的上一条记录", "time must not precede the case's last event"
            )

    def _check_not_resolved(self, action_zh: str) -> None:
        if self.resolution is not None:
            raise RuleViolation(
                f"本轮已解决，不能{action_zh}；如回访不满意请先重新办理",
                "the case is resolved in this round; reopen it first",
            )

    def _record(
        self, event_class: type[ev.CaseEvent], actor: Actor, at: datetime, **data: Any
    ) -> None:
        self.trigger_event(
            event_class, timestamp=at, actor_id=actor.user_id, actor_role=actor.role.value, **data
        )
