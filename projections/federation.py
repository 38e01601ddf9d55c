"""A province from its cities: each city's rollups exported, signed, and summed elsewhere.

One database per city. A city exports its dashboard's counts (the numerators and
denominators of every measure, docs/measures.md) per month × street × community, with the
在办未到期 counts at the export's instant, signed with the city's log-signing key. A
provincial database imports the files: the first file of a city pins its key, later ones
must be signed by it (or by a key given with ``--public-key``); a city's newer export
replaces its older one, the same file again changes nothing. The province's dashboard sums
the cities' counts and computes the rates from the sums, never averages of rates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    inspect,
    select,
)

from domain.jurisdiction import Jurisdiction
from projections.due import not_due_by
from projections.measures import COUNT_NAMES, NOT_DUE_COUNTS, Counts
from projections.rollups import TABLES

FORMAT = "chuishao-rollups/1"
GROUP = ("reported_month", "street_id", "community_id")
MEASURES = (*COUNT_NAMES, *NOT_DUE_COUNTS)
_SIGNED_FIELDS = ("key_id", "public_key", "signature")


class RollupsRefused(ValueError):
    """A rollups file the province must not take: ``zh`` for the officials reading it."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh


# ----- export (in a city's database) ------------------------------------------------------


def city_rollups(
    engine: Engine,
    jurisdiction: Jurisdiction,
    *,
    city_id: str,
    city_name: str,
    log_position: int,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned export of one city's rollups at ``as_of`` (default now)."""
    as_of = as_of or datetime.now(UTC)
    grid = TABLES["grid"]
    columns = [grid.c[k] for k in GROUP]
    query = (
        select(*columns, *(func.sum(grid.c[n]).label(n) for n in COUNT_NAMES))
        .group_by(*columns)
        .order_by(*columns)
    )
    with engine.connect() as conn:
        counted = {
            tuple(r[: len(GROUP)]): [int(v or 0) for v in r[len(GROUP) :]]
            for r in conn.execute(query)
        }
        pending = not_due_by(conn, list(GROUP), [], as_of)
    rows = []
    for key in sorted(set(counted) | set(pending)):
        month, street, community = key
        due = pending.get(key)
        values = counted.get(key, [0] * len(COUNT_NAMES)) + (
            [due.open_not_due, due.unanswered_not_due] if due else [0, 0]
        )
        rows.append(
            {
                "month": month,
                "street_id": street,
                "street": _name(jurisdiction.streets, street),
                "community_id": community,
                "community": _name(jurisdiction.communities, community),
                "counts": values,
            }
        )
    return {
        "format": FORMAT,
        "city_id": city_id,
        "city_name": city_name,
        "exported_at": datetime.now(UTC).isoformat(),
        "as_of": as_of.isoformat(),
        "log_position": log_position,
        "measures": list(MEASURES),
        "rows": rows,
    }


def _name(places: dict[str, Any], place_id: str) -> str:
    place = places.get(place_id)
    return str(getattr(place, "name", place_id)) if place is not None else place_id


def signed_bytes(doc: dict[str, Any]) -> bytes:
    """What the city's key signs: the export without its signature, canonical JSON."""
    body = {k: v for k, v in doc.items() if k not in _SIGNED_FIELDS}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(signed_bytes(doc)).hexdigest()


# ----- import (in the provincial database) -------------------------------------------------

metadata = MetaData()
cities = Table(
    "chuishao_province_cities",
    metadata,
    Column("city_id", String(64), primary_key=True),
    Column("city_name", String(200), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("public_key", String(128), nullable=False),
    Column("log_position", BigInteger, nullable=False),
    Column("exported_at", String(40), nullable=False),
    Column("as_of", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
)
counts = Table(
    "chuishao_province_counts",
    metadata,
    Column("city_id", String(64), primary_key=True),
    *(Column(k, String(64), primary_key=True) for k in GROUP),
    Column("street_name", Text, nullable=False),
    Column("community_name", Text, nullable=False),
    *(Column(n, Integer, nullable=False) for n in MEASURES),
)


@dataclass(frozen=True)
class Imported:
    city_id: str
    city_name: str
    rows: int
    outcome: str  # "new" | "updated" | "unchanged"


def check_export(
    doc: Any,
    *,
    check_signature: Callable[[str, bytes, str], bool],
    key_id_of: Callable[[str], str],
) -> None:
    """Refuse a file that is not a signed, self-consistent rollups export."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RollupsRefused("不是汇总导出文件", f"not a {FORMAT} file")
    if list(doc.get("measures", [])) != list(MEASURES):
        raise RollupsRefused("指标列与本系统不一致", "its measures differ from this system's")
    try:
        public_key, key_id, signature = doc["public_key"], doc["key_id"], doc["signature"]
        signed = key_id_of(public_key) == key_id and check_signature(
            public_key, signed_bytes(doc), signature
        )
    except (KeyError, TypeError, ValueError):
        signed = False
    if not signed:
        raise RollupsRefused("签名无效或文件被改动：拒绝导入", "bad signature or altered file")
    try:
        _check_content(doc)
    except (KeyError, TypeError, ValueError) as e:
        raise RollupsRefused(
            f"文件内容格式不正确（{e}）：拒绝导入", f"malformed content ({e})"
        ) from None


def _check_content(doc: dict[str, Any]) -> None:
    seen = set()
    for row in doc["rows"]:
        if len(row["counts"]) != len(MEASURES) or not all(
            type(n) is int and n >= 0 for n in row["counts"]
        ):
            raise ValueError("counts")
        key = tuple(row[k] for k in ("month", "street_id", "community_id"))
        if not all(isinstance(k, str) and 0 < len(k) <= 64 for k in key) or key in seen:
            raise ValueError(f"place {key}")
        seen.add(key)
    int(doc["log_position"])
    if not isinstance(doc["city_id"], str) or not 0 < len(doc["city_id"]) <= 64:
        raise ValueError("city_id")


def import_export(
    engine: Engine, doc: dict[str, Any], *, pinned: dict[str, str] | None = None
) -> Imported:
    """Store one checked export: the city's rows replaced in one transaction."""
    metadata.create_all(engine)
    city_id, name = doc["city_id"], str(doc["city_name"])[:200]
    with engine.begin() as conn:
        known = conn.execute(select(cities).where(cities.c.city_id == city_id)).mappings().first()
        expected = (pinned or {}).get(city_id) or (known["public_key"] if known else None)
        if expected is not None and expected != doc["public_key"]:
            raise RollupsRefused(
                f"城市 {city_id} 的文件不是用其登记的密钥签名的：拒绝导入",
                f"{city_id}'s file is not signed by the key registered for it",
            )
        if known is not None and known["digest"] == digest(doc):
            return Imported(city_id, name, len(doc["rows"]), "unchanged")
        if known is not None and int(doc["log_position"]) < known["log_position"]:
            raise RollupsRefused(
                f"城市 {city_id} 的文件比已导入的旧（日志位置 {doc['log_position']} < "
                f"{known['log_position']}）：拒绝导入",
                f"{city_id}'s file is older than the one imported",
            )
        conn.execute(delete(counts).where(counts.c.city_id == city_id))
        conn.execute(delete(cities).where(cities.c.city_id == city_id))
        conn.execute(
            insert(cities).values(
                city_id=city_id,
                city_name=name,
                key_id=doc["key_id"],
                public_key=doc["public_key"],
                log_position=int(doc["log_position"]),
                exported_at=str(doc["exported_at"])[:40],
                as_of=str(doc["as_of"])[:40],
                digest=digest(doc),
            )
        )
        rows = [
            {
                "city_id": city_id,
                "reported_month": r["month"],
                "street_id": r["street_id"],
                "community_id": r["community_id"],
                "street_name": str(r.get("street", ""))[:200],
                "community_name": str(r.get("community", ""))[:200],
                **dict(zip(MEASURES, r["counts"], strict=True)),
            }
            for r in doc["rows"]
        ]
        if rows:
            conn.execute(insert(counts), rows)
    return Imported(city_id, name, len(rows), "updated" if known else "new")


@dataclass(frozen=True)
class ProvinceRow:
    city_id: str
    city_name: str
    as_of: str
    counts: Counts


def province(engine: Engine, *, month: str | None = None) -> list[ProvinceRow]:
    """Each imported city's summed counts (one month, or every month), city by city
    (none before the first import)."""
    if not inspect(engine).has_table(cities.name):
        return []
    sums = [func.coalesce(func.sum(counts.c[n]), 0).label(n) for n in MEASURES]
    on = counts.c.city_id == cities.c.city_id
    if month is not None:
        on = and_(on, counts.c.reported_month == month)
    query = (
        select(cities.c.city_id, cities.c.city_name, cities.c.as_of, *sums)
        .select_from(cities.outerjoin(counts, on))
        .group_by(cities.c.city_id, cities.c.city_name, cities.c.as_of)
        .order_by(cities.c.city_id)
    )
    with engine.connect() as conn:
        return [
            ProvinceRow(
                r.city_id,
                r.city_name,
                r.as_of,
                _counts(r[3:]),
            )
            for r in conn.execute(query)
        ]


def _counts(values: Any) -> Counts:
    ints: Any = (int(v) for v in values)  # COUNT_NAMES then NOT_DUE_COUNTS, in order
    return Counts(*ints)


def total(rows: Iterable[ProvinceRow]) -> Counts:
    return Counts.sum(r.counts for r in rows)
