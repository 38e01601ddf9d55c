"""The sender killed (SIGKILL) between a POST and marking it sent, then restarted: every
notice is delivered, and the receiver, dropping repeats by delivery id, acts on each once.
Delivery over HTTP is at least once; the delivery id makes it effectively once."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from tests.support.clock import FakeClock
from tests.support.processes import CLI
from tests.support.webhooks import (
    SECRET,
    SECRET_ENV,
    Receiver,
    notify_jurisdiction,
    running,
    whistled_case,
)


def test_killed_during_delivery_then_restarted_delivers_every_notice_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with running(Receiver()) as receiver:
        jurisdiction = notify_jurisdiction(tmp_path, receiver.url)
        # A lease of 0: the restarted sender may take over at once what the killed one held.
        settings = Settings(
            data_dir=tmp_path,
            database_url=None,
            jurisdiction_file=jurisdiction,
            notify_lease_seconds=0,
        )
        with build_container(settings, clock=FakeClock()) as c:
            for _ in range(2):
                whistled_case(c.service)  # 4 deliveries, and later the timer's notices
        env = {
            **os.environ,
            "CHUISHAO_DATA_DIR": str(tmp_path),
            "CHUISHAO_JURISDICTION_FILE": str(jurisdiction),
            "CHUISHAO_NOTIFY_LEASE_SECONDS": "0",
        }
        env.pop("CHUISHAO_DATABASE_URL", None)
        receiver.hold_at = 2
        sender = subprocess.Popen(
            [*CLI, "notify", "run-once"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert receiver.held.wait(60), "the second delivery never arrived"
            sender.kill()  # SIGKILL: no cleanup, the delivery stays unmarked
        finally:
            sender.wait(30)
        receiver.release.set()
        held = receiver.arrivals[1]
        subprocess.run(
            [*CLI, "notify", "run-once"], env=env, check=True, timeout=120, capture_output=True
        )

        with build_container(settings, clock=FakeClock(), signing=False) as after:
            rows = after.notifier.store.listed(None, 500)
        assert rows and {r.status for r in rows} == {"sent"}
        assert set(receiver.processed) == {r.delivery_id for r in rows}
        assert receiver.repeats == Counter({held: 2})  # re-sent under the same id, acted on once
        assert receiver.rejected == 0
