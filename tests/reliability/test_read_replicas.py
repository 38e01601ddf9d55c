"""Reads from a real hot standby: routed by the reader's log position and the lag bound,
falling back to the primary. One throwaway primary + standby for the whole module."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from domain.values import Role
from infrastructure.read_replicas import ReadReplicas
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.reliability.standby_pair import StandbyPair, require_root
from tests.support.processes import free_port

CASE = {"grid_id": "binhewan", "category_id": "ebike", "title": "备库读取测试"}
CATCH_UP_SECONDS = 60


@pytest.fixture(scope="module")
def pair() -> Iterator[StandbyPair]:
    require_root()
    p = StandbyPair()
    try:
        yield p
    finally:
        p.destroy()


@pytest.fixture(scope="module")
def app(
    pair: StandbyPair, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Container, dict[str, str]]]:
    settings = Settings(
        database_url=pair.primary.url,
        read_database_urls=[pair.standby.url],
        data_dir=tmp_path_factory.mktemp("replicas"),
        pool_size=2,
        checkpoint_interval_seconds=0,
        checkpoint_every_events=0,
        notify=False,
    )
    with build_container(settings) as c:
        assert c.reads is not None and c.reads.replicas is not None
        c.reads.replicas.probe_seconds = 0  # every choice probes: the answers below are exact
        token = add_user(c, "admin", "admin", Role.ADMIN, [])
        with TestClient(create_app(c)) as client:
            yield client, c, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def pause_replay(pair: StandbyPair) -> Iterator[Callable[[], None]]:
    """Call to stop the standby replaying (it keeps receiving); resumed after the test."""

    def pause() -> None:
        pair.sql(pair.standby, "SELECT pg_wal_replay_pause()")

    yield pause
    pair.sql(pair.standby, "SELECT pg_wal_replay_resume()")


@pytest.fixture
def lag_bound(app: tuple[TestClient, Container, dict[str, str]]) -> Iterator[None]:
    """A bound no paused test reaches (a loaded machine is slow), restored after."""
    replicas = app[1].reads.replicas  # type: ignore[union-attr]
    assert replicas is not None
    replicas.max_lag_seconds = 3600
    try:
        yield
    finally:
        replicas.max_lag_seconds = 10


def report(client: TestClient, headers: dict[str, str]) -> tuple[str, int]:
    r = client.post("/cases", json=CASE, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["case_id"], r.json()["position"]


def standby_reaches(c: Container, position: int) -> None:
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while time.monotonic() < deadline:
        (state,) = c.replica_lag()
        if (state.position or 0) >= position:
            return
        time.sleep(0.05)
    pytest.fail(f"the standby's views did not reach {position}: {c.replica_lag()}")


def listed(client: TestClient, headers: dict[str, str], query: str = "") -> set[str]:
    r = client.get(f"/cases?limit=200{query}", headers=headers)
    assert r.status_code == 200, r.text
    return {row["case_id"] for row in r.json()["items"]}


def test_a_caught_up_standby_answers_and_reports_its_lag(
    app: tuple[TestClient, Container, dict[str, str]], pair: StandbyPair
) -> None:
    client, c, headers = app
    case_id, position = report(client, headers)
    standby_reaches(c, position)
    assert c.reading(position).name == "replica-1"
    assert case_id in listed(client, headers, f"&min_position={position}")
    (lag,) = c.replica_lag()
    assert lag.healthy and lag.name == "replica-1" and lag.problem == ""
    assert lag.lag_bytes is not None and lag.lag_bytes >= 0
    assert lag.lag_seconds is not None and lag.lag_seconds >= 0
    dashboard = client.get(f"/dashboards/rates?min_position={position}", headers=headers)
    assert dashboard.status_code == 200, dashboard.text
    metrics = client.get("/metrics", headers=headers).text
    assert 'chuishao_replica_healthy{replica="replica-1"} 1.0' in metrics
    assert 'chuishao_replica_lag_seconds{replica="replica-1"}' in metrics
    assert pair.standby.url not in metrics


def test_a_read_past_the_standby_s_position_goes_to_the_primary(
    app: tuple[TestClient, Container, dict[str, str]],
    pause_replay: Callable[[], None],
    lag_bound: None,
) -> None:
    client, c, headers = app
    old_case, old = report(client, headers)
    standby_reaches(c, old)
    pause_replay()
    held = c.replica_lag()[0].position
    new_case, new = report(client, headers)  # the standby does not replay it

    assert c.replica_lag()[0].position == held
    # Without a position: the standby (within the bound) answers, without the new case.
    assert c.reading().name == "replica-1"
    assert old_case in listed(client, headers) and new_case not in listed(client, headers)
    # With the writer's position: the primary answers, with it (read-your-writes).
    assert c.reading(new).name == "primary"
    assert new_case in listed(client, headers, f"&min_position={new}")
    for path in ("/ledger", "/queue", "/dashboards/rates"):
        r = client.get(f"{path}?min_position={new}", headers=headers)
        assert r.status_code == 200, (path, r.text)
    ledger = client.get(f"/ledger?limit=1000&min_position={new}", headers=headers).json()
    assert new_case in {row["case_id"] for row in ledger["items"]}


def test_past_the_lag_bound_reads_go_to_the_primary(
    app: tuple[TestClient, Container, dict[str, str]], pause_replay: Callable[[], None]
) -> None:
    client, c, headers = app
    assert c.reads is not None and c.reads.replicas is not None
    pause_replay()
    # The pause is a request: a write landing before the startup process takes it is still
    # replayed. Write until one is held back.
    for _ in range(20):
        new_case, _ = report(client, headers)  # the paused standby falls behind
        (lag,) = c.replica_lag()
        if lag.lag_bytes:
            break
    c.reads.replicas.max_lag_seconds = 0
    try:
        (lag,) = c.replica_lag()
        assert lag.lag_bytes and lag.lag_bytes > 0 and lag.lag_seconds and lag.lag_seconds > 0
        assert c.reading().name == "primary"
        assert new_case in listed(client, headers)
    finally:
        c.reads.replicas.max_lag_seconds = 10


def test_resumed_replay_serves_the_writer_from_the_standby_again(
    app: tuple[TestClient, Container, dict[str, str]],
) -> None:
    client, c, headers = app
    case_id, position = report(client, headers)
    standby_reaches(c, position)
    assert c.reading(position).name == "replica-1"
    assert case_id in listed(client, headers)


def test_positions_beyond_the_log_are_refused_with_standbys_too(
    app: tuple[TestClient, Container, dict[str, str]],
) -> None:
    client, c, headers = app
    for bad in (str(c.projector.head() + 1), "99999999999999999999", "-1", "1e3", "0x10"):
        r = client.get(f"/cases?min_position={bad}", headers=headers)
        assert r.status_code in (400, 422), (bad, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_an_unreachable_standby_or_a_primary_posing_as_one_is_never_read(
    pair: StandbyPair, app: tuple[TestClient, Container, dict[str, str]]
) -> None:
    _, c, _ = app
    assert c.reads is not None and c.reads.replicas is not None
    real = c.reads.replicas
    dead = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres")
    posing = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{pair.primary.port}/postgres")
    replicas = ReadReplicas(
        real.primary, [dead, posing], real.marks, max_lag_seconds=3600, probe_seconds=0
    )
    try:
        assert replicas.choose(0) is None and replicas.choose(1) is None
        states = {s.name: s for s in replicas.lag()}
        assert not states["replica-1"].healthy and states["replica-1"].problem
        posing_state = states["replica-2"]
        assert not posing_state.healthy and posing_state.problem == "not a standby"
        assert posing_state.marks == {} and posing_state.position is None
    finally:
        dead.dispose()
        posing.dispose()
