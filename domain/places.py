"""Places on the ground: a reported point, and the outline or centre of a grid.

Coordinates are WGS-84 degrees (what GPS and the Open311 spec give). Maps published in
mainland China draw in GCJ-02, an offset datum: a point read off such a map and sent as
WGS-84 lands a few hundred metres away. We store exactly what was given, with its datum
named, and never shift it: a conversion would guess, and the log keeps what was said.
The geometry itself (point in polygon) lives in infrastructure; the domain holds numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue

WGS84 = "WGS-84"


@dataclass(frozen=True)
class Location:
    """A point: latitude and longitude in degrees, in the named datum."""

    lat: float
    long: float
    datum: str = WGS84

    def as_event(self) -> dict[str, Any]:
        return {"lat": self.lat, "long": self.long, "datum": self.datum}

    @classmethod
    def of_event(cls, data: dict[str, Any] | None) -> Location | None:
        if data is None:
            return None
        return cls(float(data["lat"]), float(data["long"]), str(data.get("datum", WGS84)))


def check_location(lat: Any, long: Any) -> Location:
    """A WGS-84 point from numbers in range; refuses NaN, infinities, booleans, text."""
    return Location(
        _degrees(lat, limit=90, field="lat", field_zh="纬度"),
        _degrees(long, limit=180, field="long", field_zh="经度"),
    )


def _degrees(value: Any, *, limit: float, field: str, field_zh: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{field_zh}须为数字", f"{field} must be a number", field=field)
    number = float(value)
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise InvalidValue(
            f"{field_zh}须在 -{limit:g} 到 {limit:g} 度之间",
            f"{field} must lie between -{limit:g} and {limit:g} degrees",
            field=field,
        )
    return number


@dataclass(frozen=True)
class GridArea:
    """Where a grid lies: its outline (a ring of (long, lat) pairs, GeoJSON's order) and
    or its centre (long, lat). The jurisdiction file gives one or both."""

    polygon: tuple[tuple[float, float], ...] = ()
    centre: tuple[float, float] | None = None
