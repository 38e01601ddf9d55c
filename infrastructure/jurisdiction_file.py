"""Loads a jurisdiction (places, units, categories) from a TOML file a deployment edits."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue
from domain.jurisdiction import Category, Community, District, Grid, Jurisdiction, Street, Unit
from domain.values import UnitKind

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
    return Jurisdiction.build(
        str(data["name"]),
        districts=[District(d["id"], d["name"]) for d in data.get("districts", [])],
        streets=[Street(s["id"], s["name"], s["district"]) for s in data.get("streets", [])],
        communities=[
            Community(c["id"], c["name"], c["street"]) for c in data.get("communities", [])
        ],
        grids=[
            Grid(g["id"], g["name"], g["community"], g.get("parent")) for g in data.get("grids", [])
        ],
        units=[
            Unit(u["id"], u["name"], UnitKind(u["kind"]), u.get("street"))
            for u in data.get("units", [])
        ],
        categories=[
            Category(
                c["id"],
                c["name"],
                timedelta(hours=float(c["response_hours"])),
                timedelta(hours=float(c["resolution_hours"])),
            )
            for c in data.get("categories", [])
        ],
    )
