"""A deadline reminder is recorded on the case by the timer; it must not make an official's
open page stale. A write that expects the version before a reminder goes through; one that
expects a version before an official's step is still refused (SQLite only: the rule is the
service's own comparison of versions, the same on both backends)."""

from __future__ import annotations

import pytest

from application.errors import StaleVersion
from domain.events import DeadlineNoticeRecorded
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from tests.support.actors import COORDINATOR, POLICE_LIAISON
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.webhooks import POLICE, whistled_case

pytestmark = sqlite_only


def test_a_page_drawn_before_a_reminder_still_writes(settings: Settings, clock: FakeClock) -> None:
    with build_container(settings, clock=clock) as c:
        case_id = whistled_case(c.service, units=[POLICE], minutes=30)
        drawn_at = c.service.get_case(case_id).version
        clock.advance(minutes=25)
        c.projector.catch_up()
        assert c.notifier.timer.run_once() == 1  # 报到临期提醒, by the timer
        now = c.service.get_case(case_id).version
        assert now == drawn_at + 1
        assert isinstance(
            list(c.service.events.get(case_id, gt=drawn_at))[0], DeadlineNoticeRecorded
        )
        written = c.service.report_in(
            case_id,
            actor=POLICE_LIAISON,
            whistle_id="W1",
            unit_id=POLICE,
            expected_version=drawn_at,
        )
        assert written.version == now + 1


def test_a_page_drawn_before_an_officials_step_is_stale(
    settings: Settings, clock: FakeClock
) -> None:
    with build_container(settings, clock=clock) as c:
        case_id = whistled_case(c.service, units=[POLICE], minutes=30)
        drawn_at = c.service.get_case(case_id).version
        c.service.add_note(case_id, actor=COORDINATOR, text="已电话联系派出所")
        clock.advance(minutes=25)
        c.projector.catch_up()
        assert c.notifier.timer.run_once() == 1  # a reminder after the note changes nothing
        with pytest.raises(StaleVersion):
            c.service.report_in(
                case_id,
                actor=POLICE_LIAISON,
                whistle_id="W1",
                unit_id=POLICE,
                expected_version=drawn_at,
            )
        with pytest.raises(StaleVersion):  # a version from the future is no reminder gap
            c.service.add_note(case_id, actor=COORDINATOR, text="x", expected_version=drawn_at + 9)
