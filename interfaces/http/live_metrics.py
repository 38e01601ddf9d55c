"""Metrics read from the database when Prometheus scrapes: log head, each view's lag in
events and seconds, the newest checkpoint's age. Read at scrape time, they are the same
whichever process answers and need no multiprocess files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from application.errors import StorageUnavailable
from interfaces.bootstrap import Container
from projections.lag import ViewLag, view_lags
from projections.runner import Projector


def projectors(c: Container) -> list[Projector]:
    """The views the reads depend on; the outbox too when notifications run."""
    found = [c.projector]
    if c.settings.notify:
        found.append(c.notifier.projector)
    return found


def all_lags(c: Container, now: datetime) -> list[ViewLag]:
    return [lag for p in projectors(c) for lag in view_lags(p, now)]


class LiveMetrics(Collector):
    def __init__(self, container: Container) -> None:
        self.container = container

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        up = GaugeMetricFamily("chuishao_database_up", "1 when the database answered this scrape")
        try:
            lags = all_lags(self.container, now)
            newest = _newest_checkpoint(self.container)
        except StorageUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        head = GaugeMetricFamily("chuishao_log_head", "The event log's last position")
        head.add_metric([], max((lag.head for lag in lags), default=0))
        yield head
        position = GaugeMetricFamily(
            "chuishao_projection_position", "Each view's position in the log", labels=["view"]
        )
        events = GaugeMetricFamily(
            "chuishao_projection_lag_events", "Events each view has not applied", labels=["view"]
        )
        seconds = GaugeMetricFamily(
            "chuishao_projection_lag_seconds",
            "Age of the oldest event each view has not applied (0: caught up)",
            labels=["view"],
        )
        for lag in lags:
            position.add_metric([lag.name], lag.position)
            events.add_metric([lag.name], lag.events)
            seconds.add_metric([lag.name], lag.seconds)
        yield from (position, events, seconds)
        if newest is not None:
            age = GaugeMetricFamily(
                "chuishao_checkpoint_age_seconds", "Seconds since the newest signed checkpoint"
            )
            age.add_metric([], max(0.0, (now - newest).total_seconds()))
            yield age
        yield from _replica_metrics(self.container)


def _replica_metrics(c: Container) -> Iterator[Metric]:
    """Each hot standby (CHUISHAO_READ_DATABASE_URLS) probed at scrape time, named
    ``replica-N`` (never its URL, which may hold a password)."""
    states = c.replica_lag()
    if not states:
        return
    healthy = GaugeMetricFamily(
        "chuishao_replica_healthy",
        "1 when the standby answers and is in recovery",
        labels=["replica"],
    )
    seconds = GaugeMetricFamily(
        "chuishao_replica_lag_seconds",
        "How far each read replica's replay is behind the primary, in seconds",
        labels=["replica"],
    )
    size = GaugeMetricFamily(
        "chuishao_replica_lag_bytes",
        "WAL bytes each read replica has not replayed",
        labels=["replica"],
    )
    for state in states:
        healthy.add_metric([state.name], 1 if state.healthy else 0)
        if state.lag_seconds is not None:
            seconds.add_metric([state.name], state.lag_seconds)
        if state.lag_bytes is not None:
            size.add_metric([state.name], state.lag_bytes)
    yield from (healthy, seconds, size)


def _newest_checkpoint(c: Container) -> datetime | None:
    read = getattr(c.service.signatures, "newest_checkpoint", None)
    row = read() if read is not None else None
    if row is None:
        return None
    stamp = datetime.fromisoformat(row.signed_at)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
