"""The event store's PostgreSQL sessions carry the configured idle-in-transaction limit.

The library's default (5 s) ended a healthy start-up transaction in CI when the machine
stalled a client between two statements; the setting gives it room, and still ends a
transaction that a crashed client leaves open.
"""

from __future__ import annotations

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.clock import FakeClock


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
@pytest.mark.parametrize("seconds", [60, 7])
def test_event_store_sessions_use_the_configured_limit(settings: Settings, seconds: int) -> None:
    configured = settings.model_copy(update={"idle_in_transaction_seconds": seconds})
    with build_case_service(configured, clock=FakeClock()) as service:
        datastore = service.recorder.datastore
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT setting::int AS ms FROM pg_settings"
                " WHERE name = 'idle_in_transaction_session_timeout'"
            )
            row = cursor.fetchone()
    assert row is not None
    assert row["ms"] == seconds * 1000


def test_the_limit_is_refused_below_one_second() -> None:
    with pytest.raises(ValueError, match="idle_in_transaction_seconds"):
        Settings(database_url=None, idle_in_transaction_seconds=0)
