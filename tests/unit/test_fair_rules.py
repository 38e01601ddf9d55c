"""未报到 at resolution, the callback by someone other than the resolver, service areas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain import events as ev
from domain.errors import DutiesNotSeparated, InvalidValue, RuleViolation
from domain.jurisdiction import EVERYWHERE, Placement, ServiceArea
from domain.values import Satisfaction, Solved
from infrastructure.jurisdiction_file import demo_jurisdiction_path, load_jurisdiction
from interfaces.cli.render import describe
from tests.support.case_checks import last_event, refused
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    LIAISON,
    POLICE,
    PROPERTY,
    evaluate,
    later,
    resolve,
    whistled_case,
)

JIANSHE = Placement("dongsheng", "jianshe", "yili-jinwei", "binhewan")
XIGUAN = Placement("weicheng", "xiguan", "yuehe", "jintai")


def test_resolution_records_every_summons_still_open_as_unanswered():
    case, whistle_id = whistled_case((POLICE, PROPERTY))
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)

    resolve(case)

    recorded = last_event(case).unanswered
    assert [(u["whistle_id"], u["unit_id"]) for u in recorded] == [(whistle_id, PROPERTY)]
    assert "未报到" in recorded[0]["note"]
    assert case.whistle(whistle_id).unanswered.keys() == {PROPERTY}
    assert case.whistle(whistle_id).pending_unit_ids == []


def test_a_resolution_with_every_unit_reported_in_records_none():
    case, whistle_id = whistled_case((POLICE,))
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)

    resolve(case)

    assert last_event(case).unanswered == []


def test_an_unanswered_unit_cannot_report_in_after_the_resolution():
    case, whistle_id = whistled_case((POLICE,))
    resolve(case)

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)


def test_a_second_round_does_not_record_the_same_summons_twice():
    case, _ = whistled_case((POLICE,))
    resolve(case)
    evaluate(case, Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="居民不满意")

    resolve(case)

    assert last_event(case).unanswered == []


def test_version_1_resolution_upcasts_to_no_unanswered_summons():
    state: dict[str, Any] = {"round": 1, "level": "grid", "summary": "旧"}

    ev.CaseResolved.upcast_v1_v2(state)

    assert state["unanswered"] == []


def test_the_resolver_may_not_record_the_callback():
    case, _ = whistled_case()
    resolve(case)  # by the coordinator

    with refused(case, DutiesNotSeparated):
        case.evaluate(
            actor=COORDINATOR, at=later(case), solved=Solved.SOLVED, satisfaction="satisfied"
        )
    case.evaluate(actor=GRID_LEAD, at=later(case), solved=Solved.SOLVED, satisfaction="satisfied")


def test_the_callback_rule_can_be_switched_off():
    case, _ = whistled_case()
    resolve(case)

    case.evaluate(
        actor=COORDINATOR,
        at=later(case),
        solved=Solved.SOLVED,
        satisfaction=Satisfaction.SATISFIED,
        separate_from_resolver=False,
    )

    assert case.evaluations[0].satisfaction is Satisfaction.SATISFIED


def test_the_timeline_names_the_unanswered_units():
    j = load_jurisdiction()
    case, whistle_id = whistled_case((POLICE,))
    resolve(case)
    event = last_event(case)

    class Record:
        type = "CaseResolved"
        invalid = ""
        data = {k: v for k, v in vars(event).items() if k in ("round", "level", "summary")} | {
            "unanswered": event.unanswered
        }

    text = describe(Record(), j)  # type: ignore[arg-type]

    assert "未报到" in text and "建设派出所" in text and whistle_id in text


# ----- service areas -------------------------------------------------------------------


def test_a_service_area_covers_its_streets_and_districts():
    street = ServiceArea(street_ids=frozenset({"jianshe"}))
    district = ServiceArea(district_ids=frozenset({"weicheng"}))

    assert street.covers(JIANSHE) and not street.covers(XIGUAN)
    assert district.covers(XIGUAN) and not district.covers(JIANSHE)
    assert EVERYWHERE.covers(JIANSHE) and EVERYWHERE.covers(XIGUAN)


def test_the_demo_units_serve_where_they_stand():
    j = load_jurisdiction()

    assert j.unit("jianshe-police").serves.covers(JIANSHE)
    assert not j.unit("jianshe-police").serves.covers(XIGUAN)
    assert j.unit("weicheng-heating").serves.covers(XIGUAN)
    assert j.unit("dongsheng-fire").serves.covers(JIANSHE)


def test_the_demo_limits_are_working_days_for_general_and_complex_matters():
    j = load_jurisdiction()

    assert j.category("ebike").resolution.working_days == 7
    assert j.category("fire-lane").resolution.working_days == 15
    assert j.category("emergency").resolution.hours == 2


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = demo_jurisdiction_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "j.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('serves = ["district:dongsheng"]', 'serves = ["district:nowhere"]'),
        ('serves = ["district:dongsheng"]', 'serves = ["province:x"]'),
        ('serves = ["district:dongsheng"]', 'serves = "city"'),
        ('serves = ["district:dongsheng"]', "serves = []"),
        ("resolution_working_days = 7", "resolution_working_days = 7.5"),
        ("resolution_working_days = 7", "resolution_working_days = 0"),
        ("resolution_working_days = 7", "resolution_working_days = 7\nresolution_hours = 3"),
        ("local_days_off = []", 'local_days_off = ["2024-13-01"]'),
    ],
)
def test_a_malformed_area_limit_or_day_off_is_refused(tmp_path: Path, old: str, new: str):
    with pytest.raises(InvalidValue):
        load_jurisdiction(edited(tmp_path, old, new))


def test_local_days_off_are_read(tmp_path: Path):
    j = load_jurisdiction(edited(tmp_path, "local_days_off = []", "local_days_off = [2024-10-09]"))

    assert [d.isoformat() for d in j.local_days_off] == ["2024-10-09"]
