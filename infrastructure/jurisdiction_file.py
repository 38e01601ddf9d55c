"""Loads a jurisdiction (places, units, categories) from a TOML file a deployment edits."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue
from domain.jurisdiction import (
    EVERYWHERE,
    Category,
    Community,
    District,
    Grid,
    Jurisdiction,
    ServiceArea,
    Street,
    Unit,
)
from domain.places import GridArea
from domain.values import UnitKind
from domain.working_days import TimeLimit
from infrastructure.grid_locator import check_grid_area

DEMO = "demo.toml"


def demo_jurisdiction_path() -> Path:
    return Path(str(resources.files("infrastructure.jurisdictions").joinpath(DEMO)))


def load_jurisdiction(path: Path | None = None) -> Jurisdiction:
    """Read and check a jurisdiction file; the bundled demo when no path is given."""
    path = path or demo_jurisdiction_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InvalidValue(
            f"无法读取辖区文件 {path}：{e}", f"cannot read jurisdiction {path}: {e}"
        ) from e
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, InvalidValue):
            raise
        raise InvalidValue(
            f"辖区文件 {path} 格式有误：{e!r}", f"malformed jurisdiction {path}: {e!r}"
        ) from e


def _build(data: dict[str, Any]) -> Jurisdiction:
    calendar = data.get("calendar", {})
    return Jurisdiction.build(
        str(data["name"]),
        districts=[District(d["id"], d["name"]) for d in data.get("districts", [])],
        streets=[Street(s["id"], s["name"], s["district"]) for s in data.get("streets", [])],
        communities=[
            Community(c["id"], c["name"], c["street"], _aliases(c))
            for c in data.get("communities", [])
        ],
        grids=[
            Grid(g["id"], g["name"], g["community"], g.get("parent"), _area(g), _aliases(g))
            for g in data.get("grids", [])
        ],
        units=[
            Unit(u["id"], u["name"], UnitKind(u["kind"]), u.get("street"), _serves(u))
            for u in data.get("units", [])
        ],
        categories=[
            Category(c["id"], c["name"], _limit(c, "response"), _limit(c, "resolution"))
            for c in data.get("categories", [])
        ],
        local_days_off=[_day(d) for d in calendar.get("local_days_off", [])],
        holidays=[_day(d) for d in calendar.get("holidays", [])],
        make_up_workdays=[_day(d) for d in calendar.get("make_up_workdays", [])],
        listed_years=_years(calendar.get("years", [])),
    )


def _aliases(entry: dict[str, Any]) -> tuple[str, ...]:
    """``aliases = ["华庭", …]``: other names residents give a grid or community."""
    listed = entry.get("aliases", [])
    if not isinstance(listed, list) or not all(isinstance(a, str) and a.strip() for a in listed):
        raise InvalidValue(
            f"{entry['id']} 的别名 aliases 须为非空文本的列表",
            f"{entry['id']}: aliases must be a list of non-empty strings",
        )
    return tuple(a.strip() for a in listed)


def _area(grid: dict[str, Any]) -> GridArea | None:
    """``polygon = [[long, lat], …]`` and/or ``centre = [long, lat]`` (WGS-84 degrees,
    GeoJSON's order), checked as geometry (a ring that crosses itself is refused)."""
    polygon, centre = grid.get("polygon"), grid.get("centre")
    if polygon is None and centre is None:
        return None
    return check_grid_area(str(grid["id"]), polygon, centre)


def _limit(category: dict[str, Any], which: str) -> TimeLimit:
    """``<which>_hours = 24`` or ``<which>_working_days = 7``: exactly one of them."""
    hours, days = category.get(f"{which}_hours"), category.get(f"{which}_working_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise InvalidValue(
            f"类别 {category['id']} 的工作日时限须为整数",
            f"category {category['id']}: {which}_working_days must be a whole number",
        )
    return TimeLimit(hours=None if hours is None else float(hours), working_days=days)


def _serves(unit: dict[str, Any]) -> ServiceArea:
    """``serves = ["street:<id>", "district:<id>"]`` or ``["city"]``; absent: the unit's
    street if it has one, else the whole jurisdiction."""
    listed = unit.get("serves")
    if listed is None:
        street = unit.get("street")
        return ServiceArea(street_ids=frozenset({street})) if street else EVERYWHERE
    if isinstance(listed, str) or not isinstance(listed, list):
        raise InvalidValue(
            f"单位 {unit['id']} 的服务范围须为列表", f"unit {unit['id']}: serves must be a list"
        )
    if "city" in listed:
        return EVERYWHERE
    kinds: dict[str, set[str]] = {"street": set(), "district": set()}
    for entry in listed:
        kind, _, ref = str(entry).partition(":")
        if kind not in kinds or not ref:
            raise InvalidValue(
                f"单位 {unit['id']} 的服务范围 {entry} 无法识别（应为 city、district:… 或 street:…）",
                f"unit {unit['id']}: unknown service area {entry!r} (city, district:…, street:…)",
            )
        kinds[kind].add(ref)
    return ServiceArea(
        district_ids=frozenset(kinds["district"]), street_ids=frozenset(kinds["street"])
    )


def _years(values: Any) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1990 <= v <= 2200 for v in values
    ):
        raise InvalidValue(
            "[calendar] years 须为年份列表，如 [2027]",
            "[calendar] years must list years, e.g. [2027]",
        )
    return values


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
