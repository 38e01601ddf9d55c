"""The process's Prometheus metrics (prometheus-client) and their exposition.

Counters and histograms live in the default registry. Under `chuishao serve --workers N`
every process writes them to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor
before any process imports prometheus-client) and a scrape sums the files. Values that
are read from the database at scrape time (projection lag, checkpoint age) are not kept
here: the HTTP layer adds a collector for them (interfaces/http/live_metrics.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Milliseconds to a minute: most reads answer in a few ms, a rebuild-sized wait in seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)

HTTP_REQUESTS = Counter(
    "chuishao_http_requests",
    "HTTP requests answered, by method, route (the path template) and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "chuishao_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
COMMANDS = Counter(
    "chuishao_commands",
    "Commands (writes) by type (the route's name) and outcome: accepted, refused (4xx), failed (5xx)",
    ["command", "outcome"],
)
BATCH_COMMANDS = Histogram(
    "chuishao_group_commit_batch_commands",
    "Commands that shared one insert transaction (group commit)",
    buckets=_BATCH_BUCKETS,
)
BATCH_EVENTS = Histogram(
    "chuishao_group_commit_batch_events",
    "Events written in one group-commit transaction",
    buckets=_BATCH_BUCKETS,
)


def observe_batch(commands: int, events: int) -> None:
    BATCH_COMMANDS.observe(commands)
    BATCH_EVENTS.observe(events)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR))


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """Every metric in the text format: this process's (or all processes' files in
    multiprocess mode) and the ``extra`` collectors, read now."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Forward(Collector):
    """The default registry as one collector of a registry made per scrape (the default
    registry itself must not gain the per-scrape collectors)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self):  # type: ignore[no-untyped-def]
        return self.registry.collect()
