"""Reference data: indexing, lookups and the checks Jurisdiction.build makes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.errors import InvalidValue, UnknownReference
from domain.jurisdiction import (
    Category,
    Community,
    District,
    Grid,
    Jurisdiction,
    Placement,
    Street,
    Unit,
)
from domain.values import UnitKind
from domain.working_days import TimeLimit

HOUR = timedelta(hours=1)


def category(id: str, name: str, response: timedelta, resolution: timedelta) -> Category:
    """A category with limits in hours."""
    return Category(id, name, TimeLimit(hours=response / HOUR), TimeLimit(hours=resolution / HOUR))


def reference(**overrides: Any) -> dict[str, Any]:
    """A small 鄂尔多斯-like jurisdiction: nested grids, two units, two categories."""
    data: dict[str, Any] = {
        "districts": [District("dongsheng", "东胜区")],
        "streets": [
            Street("jianshe", "建设街道", "dongsheng"),
            Street("fuxing", "富兴街道", "dongsheng"),
        ],
        "communities": [
            Community("yljw", "亿利金威社区", "jianshe"),
            Community("gcjy", "广场家园社区", "fuxing"),
        ],
        "grids": [
            Grid("yljw-1", "第一网格", "yljw"),
            Grid("yljw-1-1", "城市华庭", "yljw", parent_id="yljw-1"),
            Grid("yljw-1-1-1", "城市华庭3号楼", "yljw", parent_id="yljw-1-1"),
            Grid("gcjy-1", "广场家园网格", "gcjy"),
        ],
        "units": [
            Unit("jianshe-police", "建设派出所", UnitKind.POLICE, street_id="jianshe"),
            Unit("heating-co", "热力公司", UnitKind.UTILITY),
        ],
        "categories": [
            category("emergency", "突发险情", 2 * HOUR, 2 * HOUR),
            category("heating", "供暖", HOUR, 24 * HOUR),
        ],
    }
    data.update(overrides)
    return data


def build(**overrides: Any) -> Jurisdiction:
    return Jurisdiction.build("东胜区", **reference(**overrides))


def test_build_indexes_everything_by_id():
    j = build()

    assert j.name == "东胜区"
    assert list(j.districts) == ["dongsheng"]
    assert list(j.streets) == ["jianshe", "fuxing"]
    assert list(j.communities) == ["yljw", "gcjy"]
    assert list(j.grids) == ["yljw-1", "yljw-1-1", "yljw-1-1-1", "gcjy-1"]
    assert j.grid("yljw-1-1").name == "城市华庭"
    assert j.unit("jianshe-police").kind is UnitKind.POLICE
    assert j.unit("heating-co").street_id is None
    assert j.category("heating").resolution_limit == 24 * HOUR


def test_build_accepts_generators():
    data = reference()
    j = Jurisdiction.build("x", **{k: (item for item in v) for k, v in data.items()})

    assert len(j.grids) == 4


def test_placement_walks_up_to_the_district():
    j = build()

    assert j.placement("yljw-1-1-1") == Placement("dongsheng", "jianshe", "yljw", "yljw-1-1-1")
    assert j.placement("gcjy-1") == Placement("dongsheng", "fuxing", "gcjy", "gcjy-1")


@pytest.mark.parametrize(
    ("grid_id", "depth"),
    [("yljw-1", 1), ("yljw-1-1", 2), ("yljw-1-1-1", 3), ("gcjy-1", 1)],
)
def test_grid_depth_counts_nesting(grid_id, depth):
    assert build().grid_depth(grid_id) == depth


@pytest.mark.parametrize(
    ("lookup", "kind"),
    [
        (lambda j: j.grid("nowhere"), "grid"),
        (lambda j: j.placement("nowhere"), "grid"),
        (lambda j: j.grid_depth("nowhere"), "grid"),
        (lambda j: j.unit("fire-brigade"), "unit"),
        (lambda j: j.category("noise"), "category"),
    ],
    ids=["grid", "placement", "grid_depth", "unit", "category"],
)
def test_unknown_reference_is_refused(lookup, kind):
    with pytest.raises(UnknownReference) as info:
        lookup(build())

    assert info.value.kind == kind
    assert info.value.ref in info.value.en and info.value.ref in info.value.zh
    assert isinstance(info.value, InvalidValue)


@pytest.mark.parametrize(
    ("field", "items"),
    [
        ("districts", [District("d", "a"), District("d", "b")]),
        ("streets", [Street("jianshe", "a", "dongsheng"), Street("jianshe", "b", "dongsheng")]),
        ("communities", [Community("c", "a", "jianshe"), Community("c", "b", "jianshe")]),
        ("grids", [Grid("g", "a", "yljw"), Grid("g", "b", "yljw")]),
        ("units", [Unit("u", "a", UnitKind.OTHER), Unit("u", "b", UnitKind.POLICE)]),
        ("categories", [category("k", "a", HOUR, HOUR), category("k", "b", HOUR, HOUR)]),
    ],
)
def test_duplicate_ids_are_refused(field, items):
    overrides: dict[str, Any] = {field: items}
    if field == "districts":
        overrides["streets"] = overrides["communities"] = overrides["grids"] = []
        overrides["units"] = []

    with pytest.raises(InvalidValue) as info:
        build(**overrides)

    assert type(info.value) is InvalidValue
    assert "duplicate" in info.value.en and items[0].id in info.value.en


@pytest.mark.parametrize(
    ("field", "items", "missing"),
    [
        ("streets", [Street("s", "a", "chaoyang")], "chaoyang"),
        ("communities", [Community("c", "a", "nowhere")], "nowhere"),
        ("grids", [Grid("g", "a", "no-community")], "no-community"),
        ("grids", [Grid("g", "a", "yljw", parent_id="no-grid")], "no-grid"),
        ("units", [Unit("u", "a", UnitKind.DEPARTMENT, street_id="no-street")], "no-street"),
    ],
    ids=[
        "street->district",
        "community->street",
        "grid->community",
        "grid->parent",
        "unit->street",
    ],
)
def test_missing_parents_are_refused(field, items, missing):
    with pytest.raises(InvalidValue) as info:
        build(**{field: items})

    assert isinstance(info.value, UnknownReference)
    assert info.value.ref == missing


def test_grid_cannot_nest_under_a_grid_of_another_community():
    grids = [Grid("yljw-1", "a", "yljw"), Grid("gcjy-1", "b", "gcjy", parent_id="yljw-1")]

    with pytest.raises(InvalidValue) as info:
        build(grids=grids)

    assert type(info.value) is InvalidValue
    assert "gcjy-1" in info.value.en


@pytest.mark.parametrize(
    "grids",
    [
        [Grid("g", "self", "yljw", parent_id="g")],
        [Grid("a", "a", "yljw", parent_id="b"), Grid("b", "b", "yljw", parent_id="a")],
        [
            Grid("root", "r", "yljw"),
            Grid("a", "a", "yljw", parent_id="c"),
            Grid("b", "b", "yljw", parent_id="a"),
            Grid("c", "c", "yljw", parent_id="b"),
        ],
    ],
    ids=["self", "two", "three"],
)
def test_grid_nesting_cycles_are_refused(grids):
    with pytest.raises(InvalidValue) as info:
        build(grids=grids)

    assert type(info.value) is InvalidValue
    assert "cycle" in info.value.en


@pytest.mark.parametrize(
    ("response", "resolution"),
    [
        (timedelta(0), HOUR),
        (-HOUR, HOUR),
        (2 * HOUR, HOUR),
        (timedelta(0), timedelta(0)),
    ],
    ids=["zero-response", "negative-response", "resolution-before-response", "both-zero"],
)
def test_bad_time_limits_are_refused(response, resolution):
    with pytest.raises(InvalidValue) as info:
        build(categories=[category("bad", "坏类别", response, resolution)])

    assert type(info.value) is InvalidValue
    assert "bad" in info.value.en


def test_resolution_limit_may_equal_response_limit():
    j = build(categories=[category("urgent", "紧急", HOUR, HOUR)])

    assert j.category("urgent").response_limit == j.category("urgent").resolution_limit


def test_empty_jurisdiction_is_valid():
    j = Jurisdiction.build(
        "空", districts=[], streets=[], communities=[], grids=[], units=[], categories=[]
    )

    assert j.grids == {} and j.units == {}
