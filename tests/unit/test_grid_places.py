"""Places on the ground: grid outlines load (or are refused) from the jurisdiction file, a
point is placed in its grid, an address is matched against grid and community names."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.places import Places, UnknownPlace
from domain.errors import InvalidValue
from domain.places import Location, check_location
from infrastructure.grid_locator import ShapelyGridLocator, great_circle_m
from infrastructure.jurisdiction_file import demo_jurisdiction_path, load_jurisdiction

DEMO = load_jurisdiction()
PLACES = Places(DEMO, ShapelyGridLocator(DEMO))


@pytest.mark.parametrize(
    ("lat", "long", "grid"),
    [
        (39.8195, 109.9780, "chengshi-huating"),  # 鄂尔多斯 亿利金威社区
        (39.8183, 109.9780, "chengshi-huating-shangye"),  # nested: the micro-grid wins
        (39.8190, 109.9810, "binhewan"),
        (39.8170, 109.9780, "guangchang-jiayuan"),
        (36.7110, 119.0940, "jintai"),  # 潍坊 月河社区
        (36.7110, 119.0970, "yuehe-laoqu"),
        (47.5772, 130.8297, "fengxiang-pingfang"),  # a centre only: within 500 m
    ],
)
def test_a_point_is_placed_in_the_demo_grid_around_it(lat: float, long: float, grid: str) -> None:
    assert PLACES.grid_for(point=Location(lat, long)) == grid


def test_a_point_just_outside_every_outline_goes_to_a_centre_near_enough() -> None:
    just_north = Location(39.8203, 109.9782)  # ~30 m north of 城市华庭's outline
    assert PLACES.grid_for(point=just_north) == "chengshi-huating"


def test_a_point_far_from_every_grid_is_an_unknown_place() -> None:
    with pytest.raises(UnknownPlace):
        PLACES.grid_for(point=Location(39.9042, 116.4074))  # 天安门, not in the demo
    # Swapped coordinates (long, lat) land nowhere rather than in a wrong grid.
    with pytest.raises(InvalidValue):
        PLACES.grid_for(point=check_location(109.9780, 39.8195))


def test_a_point_on_a_shared_edge_goes_to_the_nearer_centre() -> None:
    edge = Location(39.8199, 109.9795)  # the edge between 城市华庭 and 滨河湾
    assert PLACES.grid_for(point=edge) in {"chengshi-huating", "binhewan"}
    assert PLACES.grid_for(point=Location(39.8199, 109.97951)) == "binhewan"


def test_great_circle_distance_is_metres() -> None:
    assert great_circle_m(39.0, 110.0, 39.001, 110.0) == pytest.approx(111.2, abs=0.5)


@pytest.mark.parametrize(
    ("address", "grid"),
    [
        ("城市华庭小区3号楼", "chengshi-huating"),
        ("城市华庭商业街12号", "chengshi-huating-shangye"),  # the longest name wins
        ("潍城区 西关街道 锦泰小区 5单元", "jintai"),
        ("ＦＵＬＬ宽：滨河湾", "binhewan"),  # full-width text is read as half-width
    ],
)
def test_an_address_is_matched_against_grid_names_and_aliases(address: str, grid: str) -> None:
    assert PLACES.grid_for(address=address) == grid


def test_an_address_naming_no_grid_is_an_unknown_place_not_a_guess() -> None:
    for address in ("亿利金威社区", "北京市东城区", "x" * 10_000):
        with pytest.raises(UnknownPlace):
            PLACES.grid_for(address=address)
    with pytest.raises(InvalidValue):
        PLACES.grid_for()


def test_coordinates_out_of_range_or_not_numbers_are_refused() -> None:
    for lat, long in ((91, 0), (0, 181), (float("nan"), 0), (0, float("inf")), (True, 0)):
        with pytest.raises(InvalidValue):
            check_location(lat, long)
    assert check_location(-90, 180) == Location(-90.0, 180.0, "WGS-84")


def test_the_demo_gives_every_seed_grid_a_place() -> None:
    assert all(g.area is not None for g in DEMO.grids.values())
    assert DEMO.grids["chengshi-huating"].aliases == ("城市华庭小区",)
    assert DEMO.communities["yuehe"].aliases == ("月河",)


def _with_grid(tmp_path: Path, lines: str) -> Path:
    text = demo_jurisdiction_path().read_text(encoding="utf-8")
    path = tmp_path / "j.toml"
    path.write_text(
        text + f'\n[[grids]]\nid = "extra"\nname = "测试网格"\ncommunity = "yuehe"\n{lines}\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ("polygon = [[0, 0], [1, 1], [1, 0], [0, 1]]", "无效"),  # a bow tie crosses itself
        ("polygon = [[0, 0], [1, 1], [2, 2]]", "无效"),  # no area
        ("polygon = [[0, 0], [1, 0]]", "至少三个"),
        ('polygon = [[0, 0], [1, "x"], [1, 1]]', "两个数"),
        ("polygon = [[0, 0], [1, 0], [1, 95]]", "超出经纬度范围"),
        ("centre = [200, 30]", "超出经纬度范围"),
        ("centre = [1, 2, 3]", "两个数"),
        ('aliases = "锦泰"', "aliases"),
    ],
)
def test_a_broken_outline_is_refused_at_load_naming_the_grid(
    tmp_path: Path, lines: str, says: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        load_jurisdiction(_with_grid(tmp_path, lines))
    assert "extra" in refused.value.zh and says in refused.value.zh


def test_an_open_ring_is_closed_and_a_closed_one_accepted(tmp_path: Path) -> None:
    ring = "[[119.0, 36.0], [119.01, 36.0], [119.01, 36.01], [119.0, 36.01]"
    for polygon in (ring + "]", ring + ", [119.0, 36.0]]"):
        j = load_jurisdiction(_with_grid(tmp_path, f"polygon = {polygon}"))
        area = j.grids["extra"].area
        assert area is not None and len(area.polygon) == 4
