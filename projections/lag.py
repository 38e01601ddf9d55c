"""How far each view is behind the log, in events and in seconds (metrics, /readyz)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.runner import Projector


@dataclass(frozen=True)
class ViewLag:
    name: str
    position: int
    head: int
    seconds: float  # the age of the oldest event the view has not applied; 0 when caught up

    @property
    def events(self) -> int:
        return max(0, self.head - self.position)


def view_lags(projector: Projector, now: datetime | None = None) -> list[ViewLag]:
    """Each view's lag. The seconds come from the recorded time of the first event not yet
    applied: one row read per lagging view, none when every view is caught up."""
    now = now or datetime.now(UTC)
    head = projector.head()
    lags = []
    for name, position in projector.positions().items():
        seconds = _age(projector, position + 1, now) if position < head else 0.0
        lags.append(ViewLag(name, position, head, seconds))
    return lags


def _age(projector: Projector, position: int, now: datetime) -> float:
    service = projector.service
    found = service.recorder.select_notifications(position, 1)
    if not found:
        return 0.0
    stamp = getattr(service.mapper.to_domain_event(found[0]), "timestamp", None)
    if not isinstance(stamp, datetime):
        return 0.0
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return max(0.0, (now - stamp).total_seconds())
