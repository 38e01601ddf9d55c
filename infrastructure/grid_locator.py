"""Grid outlines as geometry (shapely): checked when the jurisdiction file loads, and
searched to place a reported point in a grid (``application.places.PointLocator``).

A point inside several outlines (a micro-grid nested in its grid) belongs to the most
deeply nested one; overlapping grids of the same depth (a drawing error) go to the
nearest centre. A point inside none goes to the nearest grid centre within
``max_distance_m``, else nowhere. Coordinates are WGS-84 degrees, (long, lat) pairs as
in GeoJSON; distances are great-circle metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from shapely import STRtree
from shapely.geometry import Point, Polygon
from shapely.validation import explain_validity

from domain.errors import InvalidValue
from domain.jurisdiction import Jurisdiction
from domain.places import GridArea, Location

EARTH_RADIUS_M = 6_371_008.8
NEAREST_CENTRE_M = 500.0
MAX_VERTICES = 10_000


def check_grid_area(grid_id: str, polygon: Any, centre: Any) -> GridArea:
    """A grid's outline and centre from the file, or a clear error naming the grid."""
    ring: tuple[tuple[float, float], ...] = ()
    if polygon is not None:
        if not isinstance(polygon, list) or not 3 <= len(polygon) <= MAX_VERTICES:
            raise _bad(
                grid_id,
                "边界 polygon 须为至少三个 [经度, 纬度] 点的列表",
                "polygon must list at least three [long, lat] points",
            )
        ring = tuple(_pair(grid_id, p) for p in polygon)
        if ring[0] == ring[-1]:
            ring = ring[:-1]  # closed or open rings alike
        shape = Polygon(ring)
        if len(set(ring)) < 3 or not shape.is_valid or shape.area == 0:
            why = explain_validity(shape)
            raise _bad(grid_id, f"边界多边形无效（{why}）", f"invalid polygon ({why})")
    point = None if centre is None else _pair(grid_id, centre)
    return GridArea(polygon=ring, centre=point)


def _pair(grid_id: str, value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise _bad(
            grid_id,
            f"坐标 {value!r} 须为 [经度, 纬度] 两个数",
            f"point {value!r} must be [long, lat]",
        )
    long, lat = float(value[0]), float(value[1])
    if not (
        math.isfinite(long) and math.isfinite(lat) and -180 <= long <= 180 and -90 <= lat <= 90
    ):
        raise _bad(
            grid_id,
            f"坐标 {value!r} 超出经纬度范围（须为 [经度, 纬度]）",
            f"point {value!r} is out of range ([long, lat])",
        )
    return long, lat


def _bad(grid_id: str, zh: str, en: str) -> InvalidValue:
    return InvalidValue(f"辖区文件中网格 {grid_id} 的{zh}", f"grid {grid_id}: {en}")


class ShapelyGridLocator:
    def __init__(
        self, jurisdiction: Jurisdiction, max_distance_m: float = NEAREST_CENTRE_M
    ) -> None:
        self.max_distance_m = max_distance_m
        self._ids: list[str] = []
        shapes: list[Polygon] = []
        self._centres: dict[str, tuple[float, float]] = {}
        self._depth = {g: jurisdiction.grid_depth(g) for g in jurisdiction.grids}
        for grid in jurisdiction.grids.values():
            if grid.area is None:
                continue
            shape = Polygon(grid.area.polygon) if grid.area.polygon else None
            if shape is not None:
                self._ids.append(grid.id)
                shapes.append(shape)
            centre = grid.area.centre
            if centre is None and shape is not None:
                c = shape.centroid
                centre = (c.x, c.y)
            if centre is not None:
                self._centres[grid.id] = centre
        self._tree = STRtree(shapes)

    def grid_at(self, point: Location) -> str | None:
        here = Point(point.long, point.lat)
        inside = [self._ids[i] for i in self._tree.query(here, predicate="intersects")]
        if inside:
            deepest = max(self._depth[g] for g in inside)
            return self._nearest(point, [g for g in inside if self._depth[g] == deepest])
        near = self._nearest(point, list(self._centres))
        if near is None or self._distance(point, near) > self.max_distance_m:
            return None
        return near

    def _nearest(self, point: Location, grid_ids: Sequence[str]) -> str | None:
        ranked = sorted(grid_ids, key=lambda g: (self._distance(point, g), g))
        return ranked[0] if ranked else None

    def _distance(self, point: Location, grid_id: str) -> float:
        centre = self._centres.get(grid_id)
        if centre is None:
            return math.inf
        return great_circle_m(point.lat, point.long, centre[1], centre[0])


def great_circle_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Haversine distance in metres: plenty for "within a few hundred metres"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
