"""The live projector reacts to commits instead of its poll interval.

Every projector here polls once a minute; each wait is far shorter, so a view that
reaches the head got there because a commit woke the projector: in this process by
the recorder's signal, from another process (another container) on PostgreSQL by
LISTEN/NOTIFY, and still after its LISTEN connection was killed.
"""

from __future__ import annotations

import threading

import psycopg
import pytest

from domain.values import Actor, Role
from infrastructure.commit_listener import CommitListener
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from tests.support.clock import FakeClock

POLL = 60.0  # the fallback poll: never reached within a test
WAIT = 20.0  # generous, and well short of POLL
GRID_LEAD = Actor("gl-1", Role.GRID_LEAD)


def report(container: Container, title: str) -> int:
    """A new case; its position in the log."""
    return container.service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title=title
    ).position


def following(container: Container) -> None:
    """Start the projector and let it settle at the head, idle until the next wake-up."""
    first = report(container, "before")
    container.projector.start(poll_interval=POLL)
    container.projector.wait(first, timeout=WAIT)


def listener_of(container: Container) -> CommitListener:
    listener = getattr(container.service.recorder, "commit_listener", None)
    assert isinstance(listener, CommitListener)
    return listener


def test_a_commit_in_this_process_wakes_the_projector(container: Container) -> None:
    following(container)
    for i in range(3):  # each commit, not only the first
        container.projector.wait(report(container, f"after {i}"), timeout=WAIT)
    assert min(container.projector.positions().values()) == container.projector.head()


def test_a_stopped_projector_stops_listening_and_starts_again(container: Container) -> None:
    following(container)
    container.projector.stop()
    assert not container.projector.following
    container.projector.start(poll_interval=POLL)
    container.projector.wait(report(container, "after a restart"), timeout=WAIT)


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_another_process_commit_wakes_the_projector(
    container: Container, settings: Settings, clock: FakeClock
) -> None:
    """The writer is another container (its own recorder and pool): only the NOTIFY
    that went out with its commit can wake this projector."""
    following(container)
    with build_container(settings, clock=clock) as writer:
        for i in range(3):
            container.projector.wait(report(writer, f"elsewhere {i}"), timeout=WAIT)


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_a_killed_listen_connection_comes_back_and_nothing_is_missed(
    container: Container, settings: Settings, clock: FakeClock
) -> None:
    following(container)
    listener = listener_of(container)
    assert listener.wait_for_session(1, WAIT)
    pid = listener.backend_pid
    with build_container(settings, clock=clock) as writer:
        with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as admin:  # type: ignore[union-attr]
            killed = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
            assert killed == (True,)
            # Committed while nobody may be listening: its NOTIFY can be lost.
            missed = report(writer, "while the listener was down")
        assert listener.wait_for_session(2, WAIT)
        assert listener.backend_pid != pid
        container.projector.wait(missed, timeout=WAIT)
        container.projector.wait(report(writer, "after the reconnect"), timeout=WAIT)


def test_the_live_inbox_hears_of_each_advance(container: Container) -> None:
    """``advances`` (the SSE inbox's wake-up) is told of a commit's advance."""
    following(container)
    heard = threading.Event()
    stop = container.projector.advances.listen(heard.set)
    try:
        report(container, "for the inbox")
        assert heard.wait(WAIT)
    finally:
        stop()
