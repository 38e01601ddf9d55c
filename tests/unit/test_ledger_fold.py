"""The ledger's pure fold: each event's effect on a case's row, with no database.

Events come from the domain's own commands (``tests/unit/conftest.py``), so each test
folds what the case really records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from domain import events as ev
from domain.case import Case
from domain.values import Level, PartyKind, Satisfaction
from projections.ledger_fold import Changes, Row, fold_row
from tests.support.cases import (
    COORDINATOR,
    ENTERPRISE,
    GRID_LEAD,
    LIAISON,
    PLACEMENT,
    POLICE,
    PROPERTY,
    closed_case,
    duplicate_case,
    escalated_case,
    evaluate,
    evaluated_case,
    later,
    reported_case,
    resolve,
    resolved_case,
    whistled_case,
    withdrawn_case,
)


def fold_events(events: Sequence[Any], changes: Changes | None = None) -> Row:
    """The row these events of one case give, folded from nothing."""
    changes = Changes() if changes is None else changes
    row: Row | None = None
    for e in events:
        row = fold_row(row, e, changes)
    assert row is not None
    return row


def folded(case: Case, changes: Changes | None = None) -> Row:
    """The row of every event the case recorded."""
    return fold_events(case.pending_events, changes)


def refolded(case: Case, changes: Changes) -> Row:
    """The row of the case's events, the last one folded into ``changes`` alone (as if it
    came in a later transaction than the others)."""
    *earlier, last = case.pending_events
    return fold_row(fold_events(earlier), last, changes)


def test_a_report_starts_a_reported_row_at_grid_level() -> None:
    case = reported_case()
    row = folded(case)
    assert row["case_id"] == str(case.id)
    assert (row["status"], row["level"], row["round"]) == ("reported", "grid", 1)
    assert row["grid_id"] == PLACEMENT.grid_id and row["street_id"] == PLACEMENT.street_id
    assert row["reported_by"] == GRID_LEAD.user_id
    assert row["response_due"] == case.response_due
    assert row["first_response_at"] is None
    assert (row["whistles"], row["pledged_fen"], row["reopened"]) == (0, 0, 0)


def test_the_report_month_is_beijing_time() -> None:
    row = folded(reported_case(at=datetime(2016, 4, 30, 16, 30, tzinfo=UTC)))
    assert row["reported_month"] == "2016-05"  # 00:30 on 1 May in Beijing


def test_every_event_sets_the_version_and_latest_time() -> None:
    case, _ = whistled_case()
    row = folded(case)
    assert row["version"] == case.version
    assert row["last_event_at"] == case.modified_on


def test_a_note_starts_the_work_and_is_the_response() -> None:
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case), text="已联系车主")
    row = folded(case)
    assert row["status"] == "in_progress"
    assert row["first_response_at"] == case.modified_on


def test_a_note_on_a_resolved_case_keeps_its_status() -> None:
    case = resolved_case()
    case.note(actor=GRID_LEAD, at=later(case), text="回访前补充说明")
    assert folded(case)["status"] == "resolved"


def test_the_first_response_stays_the_first() -> None:
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case), text="已联系车主")
    first = case.modified_on
    case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.STREET, reason="需街道协调")
    resolve(case)
    assert folded(case)["first_response_at"] == first


def test_an_escalation_moves_the_level_and_is_the_response() -> None:
    case = escalated_case(Level.COMMUNITY)
    row = folded(case)
    assert (row["level"], row["status"]) == ("community", "in_progress")
    assert row["first_response_at"] == case.modified_on


def test_a_whistle_summons_each_unit_and_involves_it() -> None:
    case, whistle_id = whistled_case((POLICE, PROPERTY))
    changes = Changes()
    row = folded(case, changes)
    assert (row["whistles"], row["status"]) == (1, "in_progress")
    assert set(changes.new_summons) == {(str(case.id), whistle_id, u) for u in (POLICE, PROPERTY)}
    summons = changes.new_summons[(str(case.id), whistle_id, POLICE)]
    assert summons["deadline"] == case.whistles[whistle_id].report_in_deadline
    assert (summons["level"], summons["reported_in_at"], summons["unanswered"]) == (
        "street",
        None,
        False,
    )
    assert summons["grid_id"] == PLACEMENT.grid_id  # the case's place, copied for dashboards
    assert changes.involved == {(str(case.id), POLICE), (str(case.id), PROPERTY)}


def test_a_report_in_completes_a_summons_of_the_same_batch() -> None:
    case, whistle_id = whistled_case((POLICE,))
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)
    changes = Changes()
    folded(case, changes)
    summons = changes.new_summons[(str(case.id), whistle_id, POLICE)]
    assert (summons["reported_in_at"], summons["late"]) == (case.modified_on, False)
    assert changes.summons_updates == {}


def test_a_report_in_of_an_earlier_batch_becomes_an_update() -> None:
    case, whistle_id = whistled_case((POLICE,))
    case.report_in(actor=LIAISON, at=later(case, hours=1), whistle_id=whistle_id, unit_id=POLICE)
    changes = Changes()
    row = refolded(case, changes)
    assert changes.summons_updates == {
        (str(case.id), whistle_id, POLICE): {"reported_in_at": case.modified_on, "late": True}
    }
    assert changes.new_summons == {}
    assert row["status"] == "in_progress"


def test_a_pledge_adds_to_the_total_and_records_the_party() -> None:
    case = reported_case()
    case.pledge(
        actor=COORDINATOR,
        at=later(case),
        party_kind=PartyKind.ENTERPRISE,
        party_name="亿利集团",
        amount_fen=360_000,
    )
    changes = Changes()
    row = folded(case, changes)
    assert row["pledged_fen"] == 360_000
    assert [(p["party_name"], p["amount_fen"], p["unit_id"]) for p in changes.new_pledges] == [
        ("亿利集团", 360_000, None)
    ]
    assert changes.involved == set()  # no unit pledged
    assert (row["status"], row["first_response_at"]) == ("reported", None)  # no response


def test_a_units_pledge_involves_the_unit() -> None:
    case, _ = whistled_case((ENTERPRISE,))
    case.pledge(
        actor=COORDINATOR,
        at=later(case),
        party_kind=PartyKind.ENTERPRISE,
        party_name="亿利",
        unit_id=ENTERPRISE,
        amount_fen=100,
    )
    changes = Changes()
    refolded(case, changes)
    assert changes.involved == {(str(case.id), ENTERPRISE)}


def test_a_resolution_records_when_where_and_the_first_resolution() -> None:
    case = resolve(escalated_case(Level.STREET))
    row = folded(case)
    assert (row["status"], row["resolved_level"]) == ("resolved", "street")
    assert row["resolved_at"] == row["first_resolved_at"] == case.modified_on


def test_a_resolution_with_no_action_before_is_the_response() -> None:
    case = resolved_case()
    assert folded(case)["first_response_at"] == case.modified_on


def test_a_resolution_marks_summons_still_open_as_unanswered() -> None:
    case, whistle_id = whistled_case((POLICE, PROPERTY))
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)
    resolve(case)
    changes = Changes()
    refolded(case, changes)
    assert changes.summons_updates == {(str(case.id), whistle_id, PROPERTY): {"unanswered": True}}


def test_an_evaluation_records_solved_and_satisfaction() -> None:
    row = folded(evaluated_case(Satisfaction.UNSATISFIED))
    assert (row["status"], row["solved"], row["satisfaction"]) == (
        "evaluated",
        "unsolved",
        "unsatisfied",
    )


def test_a_units_evaluation_scores_its_summons() -> None:
    case, whistle_id = whistled_case((POLICE,))
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=85
    )
    changes = Changes()
    row = refolded(case, changes)
    assert changes.summons_updates == {(str(case.id), whistle_id, POLICE): {"score": 85}}
    assert row["status"] == "in_progress"


def test_a_reopening_clears_the_resolution_and_counts_the_round() -> None:
    case = evaluated_case(Satisfaction.UNSATISFIED)
    first_resolved = folded(case)["resolved_at"]
    case.reopen(actor=COORDINATOR, at=later(case), reason="居民不满意")
    row = folded(case)
    assert (row["status"], row["round"], row["reopened"]) == ("in_progress", 2, 1)
    assert (row["resolved_at"], row["resolved_level"]) == (None, None)
    assert row["first_resolved_at"] == first_resolved  # 办结率 counts the first resolution


def test_a_second_resolution_keeps_the_first_resolution_time() -> None:
    case = evaluated_case(Satisfaction.UNSATISFIED)
    first_resolved = folded(case)["first_resolved_at"]
    case.reopen(actor=COORDINATOR, at=later(case), reason="居民不满意")
    resolve(case)
    resolved_again = case.modified_on
    evaluate(case)
    row = folded(case)
    assert row["resolved_at"] == resolved_again
    assert row["first_resolved_at"] == first_resolved < resolved_again


def test_closing_records_when() -> None:
    case = closed_case()
    row = folded(case)
    assert (row["status"], row["closed_at"]) == ("closed", case.modified_on)


@pytest.mark.parametrize(
    ("make", "status"), [(withdrawn_case, "withdrawn"), (duplicate_case, "duplicate")]
)
def test_withdrawing_or_marking_duplicate_sets_only_the_status(
    make: Callable[[], Case], status: str
) -> None:
    case = make()
    before = fold_events(case.pending_events[:-1])
    row = folded(case)
    assert row["status"] == status
    changed = {k for k in row if row[k] != before[k]}
    linked = {"duplicate_of"} if status == "duplicate" else set()  # 合并到: the original
    assert changed == {"status", "version", "last_event_at", *linked}


def test_erasing_the_contact_changes_nothing_but_the_version() -> None:
    case = closed_case()
    case.erase_contact(actor=COORDINATOR, at=later(case), reason="居民本人申请删除")
    before = fold_events(case.pending_events[:-1])
    changes = Changes()
    row = refolded(case, changes)
    assert changes == Changes()  # no summons, pledge or unit either
    assert {k for k in row if row[k] != before[k]} == {"version", "last_event_at"}
    assert row["status"] == "closed"


def test_an_event_of_a_case_with_no_row_is_refused() -> None:
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case), text="已联系车主")
    with pytest.raises(KeyError):
        fold_row(None, case.pending_events[-1], Changes())


@pytest.mark.parametrize(
    "make",
    [
        resolved_case,
        closed_case,
        withdrawn_case,
        duplicate_case,
        lambda: evaluated_case(Satisfaction.UNSATISFIED),
        lambda: _reopened_and_noted(),
    ],
)
def test_the_fold_and_the_case_agree_after_every_event(make: Callable[[], Case]) -> None:
    replayed: Any = None
    row: Row | None = None
    for e in make().pending_events:
        replayed, row = e.mutate(replayed), fold_row(row, e, Changes())
        assert row["status"] == replayed.status.value, type(e).__name__
        assert row["first_response_at"] == replayed.first_response_at, type(e).__name__


def test_every_event_either_sets_a_status_or_says_it_keeps_it() -> None:
    """A new event class must be placed in the rules the case and the ledger share."""
    keeps = {ev.ProgressNoted, ev.UnitReportedIn, ev.FundingPledged, ev.UnitEvaluated}
    keeps |= {
        ev.ResidentContactErased,
        ev.EvidenceAttached,
        ev.DeadlineNoticeRecorded,
        ev.CallersMerged,
        ev.CommunityServiceRecorded,
    }
    keeps |= {ev.WorkOrderReturned, ev.WorkOrderReturnDecided, ev.ExtensionRequested}
    keeps |= {ev.ExtensionDecided, ev.WorkOrderSupervised, ev.FeedbackSent}
    events = {ev.CaseReported, *_subclasses(ev.CaseReported), *_subclasses(ev.CaseEvent)}
    assert events == set(ev.SETS_STATUS) | keeps
    assert not set(ev.SETS_STATUS) & keeps


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found |= {sub, *_subclasses(sub)}
    return found


def _reopened_and_noted() -> Case:
    case = evaluated_case(Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="居民不满意")
    case.note(actor=GRID_LEAD, at=later(case), text="重新入户")
    return case
