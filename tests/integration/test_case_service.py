"""The case service end to end on each backend: commands, queries, references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from application.errors import CaseNotFound, StaleVersion, VersionNotFound
from application.service import CaseService
from domain.errors import RuleViolation, UnknownReference
from domain.values import Actor, Level, PartyKind, Role, Satisfaction, Solved, Status
from tests.support.actors import COORDINATOR, GRID_LEAD, POLICE_LIAISON, PROPERTY_LIAISON
from tests.support.clock import FakeClock
from tests.support.raw_db import RawDb

CALLBACK = Actor("co-hotline", Role.COORDINATOR)  # records 回访: never the resolver


def report(service: CaseService) -> object:
    return service.report_case(
        actor=GRID_LEAD,
        grid_id="chengshi-huating",
        category_id="fire-lane",
        title="车辆占用消防通道",
        description="多年未解决",
    )


def test_report_places_case_by_its_grid_and_sets_time_limits(
    service: CaseService, clock: FakeClock
) -> None:
    result = report(service)
    case = service.get_case(result.case_id)
    assert (case.version, case.status, case.level) == (1, Status.REPORTED, Level.GRID)
    assert (case.district_id, case.street_id, case.community_id) == (
        "dongsheng",
        "jianshe",
        "yili-jinwei",
    )
    assert case.reported_at == clock.now
    # 消防通道占用: 15 working days from Friday 2024-03-01 17:00 (Beijing) end at 24:00 on
    # Friday 2024-03-22, the 15th working day after the day of the report.
    assert case.resolution_due == datetime(2024, 3, 22, 16, 0, tzinfo=UTC)
    assert result.position >= 1


def test_whistled_case_runs_from_report_to_close(service: CaseService, clock: FakeClock) -> None:
    case_id = report(service).case_id
    clock.advance(hours=1)
    service.escalate(case_id, actor=GRID_LEAD, to_level=Level.COMMUNITY, reason="网格内无法协调")
    service.escalate(case_id, actor=COORDINATOR, to_level=Level.STREET, reason="钉子户")
    whistle = service.blow_whistle(
        case_id,
        actor=COORDINATOR,
        unit_ids=["jianshe-police", "yljw-property"],
        report_in_deadline=clock.now + timedelta(minutes=30),
        reason="联合执法",
    )
    assert whistle.whistle_id == "W1"
    clock.advance(minutes=20)
    on_time = service.report_in(
        case_id, actor=POLICE_LIAISON, whistle_id="W1", unit_id="jianshe-police"
    )
    clock.advance(minutes=40)
    late = service.report_in(
        case_id, actor=PROPERTY_LIAISON, whistle_id="W1", unit_id="yljw-property"
    )
    assert (on_time.late, late.late) == (False, True)
    service.pledge(
        case_id,
        actor=PROPERTY_LIAISON,
        party_kind=PartyKind.PROPERTY_COMPANY,
        party_name="物业公司",
        amount_fen=20_000_000,
        unit_id="yljw-property",
    )
    service.resolve(case_id, actor=COORDINATOR, summary="通道畅通")
    service.evaluate_case(  # the callback: someone other than the resolver
        case_id, actor=CALLBACK, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    )
    service.evaluate_unit(
        case_id, actor=COORDINATOR, whistle_id="W1", unit_id="yljw-property", score=70
    )
    final = service.close_case(case_id, actor=COORDINATOR)

    case = service.get_case(case_id)
    assert case.version == final.version == 11
    assert case.status is Status.CLOSED
    assert case.resolution is not None and case.resolution.level is Level.STREET
    assert case.pledged_fen == 20_000_000
    assert [r.late for r in case.whistles[0].report_ins.values()] == [False, True]
    history = service.history(case_id)
    assert [r.type for r in history] == [
        "CaseReported",
        "CaseEscalated",
        "CaseEscalated",
        "WhistleBlown",
        "UnitReportedIn",
        "UnitReportedIn",
        "FundingPledged",
        "CaseResolved",
        "CaseEvaluated",
        "UnitEvaluated",
        "CaseClosed",
    ]
    assert history[4].actor_id == "li-police" and history[4].actor_role == "liaison"
    assert all(b.prev_hash == a.hash for a, b in zip(history, history[1:], strict=False))


def test_case_at_version_and_as_of_time_replays_the_past(
    service: CaseService, clock: FakeClock
) -> None:
    case_id = report(service).case_id
    reported_at = clock.now
    clock.advance(hours=2)
    service.add_note(case_id, actor=GRID_LEAD, text="入户走访")
    clock.advance(hours=2)
    service.resolve(case_id, actor=GRID_LEAD, summary="已劝离")

    assert service.case_at(case_id, version=1).status is Status.REPORTED
    assert service.case_at(case_id, version=2).notes[0].text == "入户走访"
    assert service.case_at(case_id, as_of=reported_at + timedelta(hours=3)).version == 2
    assert service.case_at(case_id, as_of=clock.now).status is Status.RESOLVED
    with pytest.raises(VersionNotFound):
        service.case_at(case_id, version=4)
    with pytest.raises(VersionNotFound):
        service.case_at(case_id, as_of=reported_at - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("kwargs", "kind"),
    [
        ({"grid_id": "no-such-grid", "category_id": "fire-lane"}, "grid"),
        ({"grid_id": "binhewan", "category_id": "no-such-category"}, "category"),
    ],
)
def test_unknown_references_are_refused_and_nothing_is_written(
    service: CaseService, raw: RawDb, kwargs: dict[str, str], kind: str
) -> None:
    with pytest.raises(UnknownReference) as refused:
        service.report_case(actor=GRID_LEAD, title="x", **kwargs)
    assert refused.value.kind == kind
    assert raw.count() == 0


def test_whistle_to_unknown_unit_is_refused_and_nothing_is_written(
    service: CaseService, raw: RawDb, clock: FakeClock
) -> None:
    case_id = report(service).case_id
    service.escalate(case_id, actor=GRID_LEAD, to_level=Level.COMMUNITY, reason="r")
    with pytest.raises(UnknownReference):
        service.blow_whistle(
            case_id,
            actor=COORDINATOR,
            unit_ids=["jianshe-police", "nobody"],
            report_in_deadline=clock.now + timedelta(hours=1),
            reason="r",
        )
    assert raw.count() == 2


def test_broken_rule_writes_nothing(service: CaseService, raw: RawDb) -> None:
    case_id = report(service).case_id
    with pytest.raises(RuleViolation):
        service.close_case(case_id, actor=COORDINATOR)
    assert raw.count() == 1
    assert service.get_case(case_id).version == 1


def test_unknown_case_is_not_found(service: CaseService) -> None:
    missing = uuid4()
    with pytest.raises(CaseNotFound):
        service.get_case(missing)
    with pytest.raises(CaseNotFound):
        service.add_note(missing, actor=GRID_LEAD, text="x")
    with pytest.raises(CaseNotFound):
        service.history(missing)


def test_expected_version_makes_a_write_conditional(service: CaseService, raw: RawDb) -> None:
    case_id = report(service).case_id
    service.add_note(case_id, actor=GRID_LEAD, text="first", expected_version=1)
    with pytest.raises(StaleVersion) as stale:
        service.add_note(case_id, actor=GRID_LEAD, text="second", expected_version=1)
    assert stale.value.actual == 2
    assert raw.count() == 2


def test_duplicate_must_point_at_an_existing_original(service: CaseService) -> None:
    first = report(service).case_id
    second = report(service).case_id
    third = report(service).case_id
    with pytest.raises(CaseNotFound):
        service.mark_duplicate(second, actor=COORDINATOR, original_case_id=uuid4())
    service.mark_duplicate(second, actor=COORDINATOR, original_case_id=first)
    assert service.get_case(second).duplicate_of == str(first)
    with pytest.raises(RuleViolation):
        service.mark_duplicate(third, actor=COORDINATOR, original_case_id=second)


def test_case_time_never_runs_backwards_when_clocks_disagree(
    service: CaseService, clock: FakeClock
) -> None:
    case_id = report(service).case_id
    clock.advance(minutes=-5)  # another server's clock a little behind
    service.add_note(case_id, actor=GRID_LEAD, text="still recorded")
    history = service.history(case_id)
    assert history[1].at >= history[0].at


def test_case_ids_lists_cases_in_report_order(service: CaseService) -> None:
    ids = [report(service).case_id for _ in range(3)]
    assert service.case_ids() == ids
