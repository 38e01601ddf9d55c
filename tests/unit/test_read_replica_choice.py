"""Which standby a read goes to, from probe answers alone (the real standby:
tests/reliability/test_read_replicas.py)."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine

from infrastructure.read_replicas import ReadReplicas, ReplicaState


class Probed(ReadReplicas):
    """Probes answer from ``answers``; ``probes`` counts them."""

    def __init__(self, answers: list[ReplicaState], **kw: float) -> None:
        engine = create_engine("sqlite://")
        super().__init__(
            engine,
            [engine] * len(answers),
            lambda conn: {},
            max_lag_seconds=kw.get("max_lag_seconds", 10),
            probe_seconds=kw.get("probe_seconds", 1),
            clock=lambda: self.now,
        )
        self.now = 100.0
        self.answers = answers
        self.probes = 0

    def _probe(self, i: int) -> ReplicaState:
        self.probes += 1
        a = self.answers[i]
        return ReplicaState(
            a.name, a.healthy, a.lag_bytes, a.lag_seconds, a.marks, a.problem, self.now
        )


def at(name: str, position: int, lag: float | None = 0.0, healthy: bool = True) -> ReplicaState:
    return ReplicaState(name, healthy, 0, lag, {"ledger": (0, position)})


def test_only_a_standby_holding_the_position_within_the_bound_is_chosen() -> None:
    r = Probed([at("replica-1", 5), at("replica-2", 9, lag=30), at("replica-3", 8)])
    chosen = {r.choose(7)[1].name for _ in range(6)}  # type: ignore[index]
    assert chosen == {"replica-3"}  # replica-1 is behind, replica-2 past the bound
    assert {r.choose(0)[1].name for _ in range(6)} == {"replica-1", "replica-3"}  # type: ignore[index]
    assert r.choose(10) is None  # none holds it: the primary


def test_a_standby_without_a_replayed_commit_or_unhealthy_is_never_chosen() -> None:
    r = Probed([at("replica-1", 9, lag=None), at("replica-2", 9, healthy=False)])
    assert r.choose(0) is None and r.choose(9) is None


def test_probes_are_kept_and_a_position_past_the_kept_one_probes_again() -> None:
    r = Probed([at("replica-1", 5)])
    r.choose(3)
    r.choose(5)
    assert r.probes == 1
    r.answers[0] = at("replica-1", 6)
    assert r.choose(6) is not None and r.probes == 2  # the kept probe predated the write
    r.now += 2
    r.choose(0)
    assert r.probes == 3  # older than probe_seconds


def test_a_read_does_not_queue_behind_another_request_s_probe() -> None:
    r = Probed([at("replica-1", 5)])
    holding = threading.Event()
    r._locks[0].acquire()  # another request is probing (a slow connect)
    try:
        done = threading.Thread(target=lambda: (r.choose(0), holding.set()))
        done.start()
        done.join(timeout=30)
        assert holding.is_set() and r.probes == 0
        assert r.choose(0) is None  # nothing known yet: the primary answers
    finally:
        r._locks[0].release()
    assert r.choose(0) is not None
