"""The outbox: deliveries written from the log exactly once (across a replay of the log
and a restart), sent with retries and backoff, dead-lettered, replayed — against a
simulated receiver that fails and recovers (both backends: the outbox is SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_case_service, build_container
from projections.view import tracking_table
from tests.support.clock import FakeClock
from tests.support.webhooks import (
    POLICE,
    PROPERTY,
    SECRET,
    SECRET_ENV,
    Receiver,
    notify_jurisdiction,
    running,
    whistled_case,
)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with running(Receiver()) as r:
        yield r


@pytest.fixture
def notify_settings(settings: Settings, receiver: Receiver, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "jurisdiction_file": notify_jurisdiction(tmp_path, receiver.url),
            "notify_max_attempts": 3,
            "notify_backoff_base_seconds": 10,
        }
    )


def container(settings: Settings, clock: FakeClock) -> Container:
    c = build_container(settings, clock=clock)
    c.notifier.jitter = lambda: 1.0  # the whole delay: the test knows when it is due
    return c


def test_a_whistle_is_delivered_once_to_each_unit_across_a_replay_and_a_restart(
    notify_settings: Settings, clock: FakeClock, receiver: Receiver
) -> None:
    with container(notify_settings, clock) as c:
        case_id = whistled_case(c.service)
        done = c.notifier.run_once(scan=False)
        assert (done.sent, done.failed) == (2, 0)
        # The log replayed from the start (a lost position) writes no second delivery.
        with c.engine.begin() as conn:
            conn.execute(
                update(tracking_table)
                .where(tracking_table.c.projection == "outbox")
                .values(notification_id=0)
            )
        again = c.notifier.run_once(scan=False)
        assert again.projected > 0 and again.sent == 0
    with container(notify_settings, clock) as restarted:
        assert restarted.notifier.run_once(scan=False).sent == 0
        assert restarted.notifier.store.counts() == {"sent": 2}
    assert sorted(p["unit_id"] for p in receiver.processed.values()) == [POLICE, PROPERTY]
    assert not receiver.repeats
    payload = next(iter(receiver.processed.values()))
    assert payload["case_id"] == str(case_id) and payload["kind"] == "whistle_blown"
    assert "请" in payload["text"] and "报到" in payload["text"]


def test_history_before_the_outbox_existed_is_not_sent(
    notify_settings: Settings, clock: FakeClock, receiver: Receiver
) -> None:
    with build_case_service(notify_settings, clock=clock) as service:
        whistled_case(service)  # before notifications were set up
    with container(notify_settings, clock) as c:  # the outbox starts at the log's head
        assert c.notifier.run_once(scan=False).sent == 0
        whistled_case(c.service, units=[POLICE])
        assert c.notifier.run_once(scan=False).sent == 1
    assert len(receiver.processed) == 1


def test_a_failing_receiver_is_retried_with_backoff_then_recovers(
    notify_settings: Settings, clock: FakeClock, receiver: Receiver
) -> None:
    with container(notify_settings, clock) as c:
        whistled_case(c.service, units=[POLICE])
        receiver.failures = 2
        assert c.notifier.run_once(scan=False).failed == 1
        (row,) = c.notifier.store.listed("pending")
        assert row.attempts == 1 and row.last_status == 503
        assert row.next_attempt_at == clock.now + timedelta(seconds=10)
        assert c.notifier.deliver().sent == 0  # not due yet: nothing sent early
        clock.advance(seconds=10)
        assert c.notifier.deliver().failed == 1
        (row,) = c.notifier.store.listed("pending")
        assert row.next_attempt_at == clock.now + timedelta(seconds=20)  # doubled
        clock.advance(seconds=20)
        assert c.notifier.deliver().sent == 1
    assert len(receiver.processed) == 1 and not receiver.repeats


def test_a_dead_letter_is_listed_and_replayed_once(
    notify_settings: Settings, clock: FakeClock, receiver: Receiver
) -> None:
    with container(notify_settings, clock) as c:
        whistled_case(c.service, units=[POLICE])
        receiver.failures = 3
        c.notifier.run_once(scan=False)
        clock.advance(seconds=10)
        c.notifier.deliver()
        clock.advance(seconds=20)
        assert c.notifier.deliver().dead == 1
        (dead,) = c.notifier.store.listed("dead")
        assert dead.attempts == 3 and dead.last_error == "HTTP 503"
        clock.advance(hours=5)
        assert c.notifier.deliver().sent == 0  # a dead letter waits for an admin
        replayed = c.notifier.store.replay(dead.delivery_id, clock.now)
        assert (replayed.status, replayed.attempts, replayed.replays) == ("pending", 0, 1)
        assert c.notifier.deliver().sent == 1
        assert c.notifier.store.get(dead.delivery_id).status == "sent"
    assert list(receiver.processed) == [dead.delivery_id]
