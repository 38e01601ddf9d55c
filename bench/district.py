"""A synthetic district sized like 东城区: 17 streets, 205 communities, 589 grids, ~60 units.

Seeded and reproducible. Written as a jurisdiction TOML file in the format of
``infrastructure/jurisdictions/demo.toml`` and loaded with the product's own loader,
so ``Settings.jurisdiction_file`` points at it exactly as a deployment's would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from domain.jurisdiction import Jurisdiction
from infrastructure.jurisdiction_file import load_jurisdiction

STREETS = 17
COMMUNITIES = 205
GRIDS = 589
UNITS = 60
DISTRICT_ID = "d-dongcheng"

# (id, name, response hours, resolution hours, share of cases)
CATEGORIES: list[tuple[str, str, float, float, float]] = [
    ("emergency", "突发险情（爆管、停电等）", 0.5, 2, 0.03),
    ("heating", "供暖", 2, 24, 0.08),
    ("water-supply", "供水", 2, 24, 0.06),
    ("fire-lane", "消防通道占用", 24, 360, 0.07),
    ("facility-renovation", "设施改造（管网、线路等）", 24, 360, 0.06),
    ("ebike", "电动车停放充电", 24, 168, 0.08),
    ("sanitation", "环境卫生", 24, 168, 0.16),
    ("dispute", "邻里纠纷", 24, 168, 0.08),
    ("parking", "停车管理", 24, 168, 0.10),
    ("noise", "噪音扰民", 12, 72, 0.07),
    ("greening", "园林绿化", 48, 360, 0.05),
    ("property-service", "物业服务", 24, 168, 0.10),
    ("illegal-building", "违法建设", 48, 720, 0.03),
    ("street-vendors", "占道经营", 12, 72, 0.03),
]

# (kind, how many, name pattern); the district-wide ones have no street
UNIT_KINDS: list[tuple[str, int, str]] = [
    ("department", 14, "区{n}局"),
    ("police", 17, "{street}派出所"),
    ("property_company", 12, "第{n}物业服务公司"),
    ("utility", 6, "第{n}公用事业公司"),
    ("enterprise", 6, "共建企业{n}"),
    ("owners_committee", 3, "第{n}业主委员会"),
    ("residents_committee", 1, "社区居委会联合会"),
    ("other", 1, "社会组织联合会"),
]

_STREET_NAMES = [
    "东华门",
    "景山",
    "交道口",
    "安定门",
    "北新桥",
    "东四",
    "朝阳门",
    "建国门",
    "东直门",
    "和平里",
    "前门",
    "崇文门外",
    "东花市",
    "龙潭",
    "体育馆路",
    "天坛",
    "永定门外",
]


@dataclass(frozen=True)
class District:
    streets: list[dict[str, str]]
    communities: list[dict[str, str]]
    grids: list[dict[str, str]]
    units: list[dict[str, str]]
    categories: list[dict[str, object]]
    category_weights: dict[str, float]

    @property
    def grid_ids(self) -> list[str]:
        return [g["id"] for g in self.grids]


def _split(total: int, parts: int, rng: random.Random, low: int) -> list[int]:
    """``total`` split into ``parts`` uneven counts, each at least ``low``."""
    weights = [rng.uniform(0.6, 1.6) for _ in range(parts)]
    raw = [low + (total - low * parts) * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(parts), key=lambda i: raw[i] - counts[i], reverse=True):
        if sum(counts) == total:
            break
        counts[i] += 1
    return counts


def generate(seed: int = 2019) -> District:
    rng = random.Random(f"district:{seed}")
    streets = [
        {"id": f"s{n:02d}", "name": f"{_STREET_NAMES[n]}街道", "district": DISTRICT_ID}
        for n in range(STREETS)
    ]
    communities: list[dict[str, str]] = []
    for street, count in zip(streets, _split(COMMUNITIES, STREETS, rng, 6), strict=True):
        for k in range(count):
            communities.append(
                {
                    "id": f"{street['id']}-c{k:02d}",
                    "name": f"{street['name'][:-2]}第{k + 1}社区",
                    "street": street["id"],
                }
            )
    grids: list[dict[str, str]] = []
    for community, count in zip(communities, _split(GRIDS, COMMUNITIES, rng, 1), strict=True):
        tops: list[str] = []
        for k in range(count):
            grid = {
                "id": f"{community['id']}-g{k:02d}",
                "name": f"{community['name']}第{k + 1}网格",
                "community": community["id"],
            }
            # about one grid in six is a micro-grid (微网格) nested under a top grid
            if tops and rng.random() < 0.18:
                grid["parent"] = rng.choice(tops)
                grid["name"] = grid["name"].replace("网格", "微网格")
            else:
                tops.append(grid["id"])
            grids.append(grid)
    units: list[dict[str, str]] = []
    for kind, count, pattern in UNIT_KINDS:
        for n in range(count):
            home = streets[n % STREETS] if kind in ("police", "property_company") else None
            unit = {
                "id": f"u-{kind.replace('_', '-')}-{n:02d}",
                "name": pattern.format(n=n + 1, street=home["name"][:-2] if home else ""),
                "kind": kind,
            }
            if home is not None:
                unit["street"] = home["id"]
            units.append(unit)
    categories = [
        {"id": c, "name": name, "response_hours": r, "resolution_hours": s}
        for c, name, r, s, _ in CATEGORIES
    ]
    return District(
        streets, communities, grids, units, categories, {c[0]: c[4] for c in CATEGORIES}
    )


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def to_toml(d: District) -> str:
    lines = [
        "# Synthetic district for benchmarks (bench/district.py), sized like 东城区.",
        'name = "合成辖区（基准测试）"',
        "",
        "[[districts]]",
        f'id = "{DISTRICT_ID}"',
        'name = "合成东城区"',
    ]
    for table, rows in (
        ("streets", d.streets),
        ("communities", d.communities),
        ("grids", d.grids),
        ("units", d.units),
        ("categories", d.categories),
    ):
        for row in rows:
            lines += ["", f"[[{table}]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"


def write(path: Path, seed: int = 2019) -> tuple[Path, Jurisdiction]:
    """Write the district's TOML file and load it back with the product's loader."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_toml(generate(seed)), encoding="utf-8")
    return path, load_jurisdiction(path)
