"""The instant a dashboard is computed for (``as_of=``), read from a query string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidValue
from interfaces.bootstrap import Container

EXAMPLE = "2024-03-31T23:59:59+08:00"


@dataclass(frozen=True)
class AsOf:
    """``at``: the instant; ``asked``: whether the reader named it (else it is now)."""

    at: datetime
    asked: bool


def as_of(c: Container, text: str | None) -> AsOf:
    """The reader's ``as_of`` (ISO 8601 with an offset), or the server's now.

    An instant before the latest event the views hold is refused: the views keep each
    case as it is now, so they cannot leave out what happened after it (docs/measures.md).
    """
    if text is None or not text.strip():
        return AsOf(c.service.clock(), asked=False)
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(
            f"as_of 不是 ISO 8601 时间：{text[:40]!r}（例如 {EXAMPLE}）",
            f"as_of is not an ISO 8601 instant: {text[:40]!r} (e.g. {EXAMPLE})",
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(
            f"as_of 须带时区偏移（例如 {EXAMPLE}）",
            f"as_of needs a UTC offset, e.g. {EXAMPLE}: a local time names no instant",
        )
    latest = c.dashboards.horizon()
    if latest is not None and at < latest:
        raise InvalidValue(
            f"as_of 早于已记录的最新事件（{latest.isoformat()}），无法排除其后发生的事件",
            f"as_of is before the latest recorded event ({latest.isoformat()}): the views "
            "hold each case as it is now and cannot leave out what happened after as_of",
        )
    return AsOf(at, asked=True)
