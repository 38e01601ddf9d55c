"""The deadline timer records each notice once: near, passed, overdue; not after the unit
reported in; not again after a restart; not twice when two timers race (SQLite only: the
rule is the case's own and its optimistic lock, the same on both backends)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from application.service import CaseService
from domain.events import DeadlineNoticeRecorded
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from tests.support.actors import POLICE_LIAISON
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.webhooks import POLICE, PROPERTY, whistled_case

pytestmark = sqlite_only


def notices(service: CaseService, case_id: UUID) -> list[str]:
    return [e.key for e in service.events.get(case_id) if isinstance(e, DeadlineNoticeRecorded)]


def test_near_then_passed_once_each_and_none_after_reporting_in(
    settings: Settings, clock: FakeClock
) -> None:
    with build_container(settings, clock=clock) as c:
        case_id = whistled_case(c.service, minutes=30)
        timer = c.notifier.timer
        c.projector.catch_up()
        assert timer.run_once() == 0  # 30 minutes left, the window is 10
        clock.advance(minutes=20)
        c.projector.catch_up()
        assert timer.run_once() == 2  # 临期 for both units
        c.service.report_in(case_id, actor=POLICE_LIAISON, whistle_id="W1", unit_id=POLICE)
        clock.advance(minutes=11)
        c.projector.catch_up()
        assert timer.run_once() == 1  # 超期 only for the unit still away
        assert timer.run_once() == 0
        assert notices(c.service, case_id) == [
            f"report_in_near:W1:{POLICE}",
            f"report_in_near:W1:{PROPERTY}",
            f"report_in_passed:W1:{PROPERTY}",
        ]
        history = c.service.history(case_id)
        assert history[-1].actor_id == "system:deadline-timer"


def test_a_restart_neither_loses_nor_doubles_a_notice(settings: Settings, clock: FakeClock) -> None:
    with build_container(settings, clock=clock) as c:
        case_id = whistled_case(c.service, units=[POLICE], minutes=30)
        c.projector.catch_up()
    clock.advance(days=40)  # down for weeks: the report-in and the case's limit both passed
    with build_container(settings, clock=clock) as restarted:
        restarted.projector.catch_up()
        assert restarted.notifier.timer.run_once() == 2
    with build_container(settings, clock=clock) as again:
        again.projector.catch_up()
        assert again.notifier.timer.run_once() == 0
        kinds = sorted(k.split(":")[0] for k in notices(again.service, case_id))
        assert kinds == ["case_overdue", "report_in_passed"]  # no 临期: it is long past


def test_two_timers_racing_record_each_notice_once(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with build_container(settings, clock=clock) as c:
        case_id = whistled_case(c.service, units=[POLICE], minutes=5)
        clock.advance(minutes=1)
        stale = c.service._load(case_id)  # what the second timer read before the first wrote
        assert c.service.record_due_notices(case_id, near=timedelta(minutes=10)).recorded
        loads: list[Any] = [stale]
        real_load = c.service._load
        monkeypatch.setattr(
            c.service, "_load", lambda *a, **k: loads.pop() if loads else real_load(*a, **k)
        )
        second = c.service.record_due_notices(case_id, near=timedelta(minutes=10))
        assert second.recorded == [] and not loads  # its write conflicted; on reload: done
        assert notices(c.service, case_id) == [f"report_in_near:W1:{POLICE}"]


def test_a_resolved_or_closed_case_gets_no_notice(settings: Settings, clock: FakeClock) -> None:
    from tests.support.actors import COORDINATOR

    with build_container(settings, clock=clock) as c:
        case_id = whistled_case(c.service, units=[POLICE], minutes=5)
        c.service.resolve(case_id, actor=COORDINATOR, summary="已解决")
        clock.advance(days=60)
        c.projector.catch_up()
        assert c.notifier.timer.run_once() == 0
        assert c.service.record_due_notices(case_id, near=timedelta(minutes=10)).recorded == []
