"""The instant a dashboard is computed for (``as_of=``), read from a query string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import InvalidValue
from interfaces.bootstrap import Container

EXAMPLE = "2024-03-31T23:59:59+08:00"


@dataclass(frozen=True)
class AsOf:
    """``at``: the instant; ``asked``: whether the reader named it (else it is now);
    ``past``: it is before the latest event the views hold."""

    at: datetime
    asked: bool
    past: bool = False


def as_of(c: Container, text: str | None) -> AsOf:
    """The reader's ``as_of`` (ISO 8601 with an offset), or the server's now."""
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
    try:  # one spelling per instant (answers are kept by it); years 1 and 9999 overflow
        at = at.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(
            "as_of 超出可表示的时间范围", "as_of is outside the representable range"
        ) from None
    latest = c.dashboards.horizon()
    return AsOf(at, asked=True, past=latest is not None and at < latest)
