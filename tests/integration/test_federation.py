"""A province from two cities: each city's database exports its signed rollups, a third
database imports both and sums them; the same file again changes nothing, a forged or
mismatched file is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from interfaces.bootstrap import build_container
from interfaces.cli import app
from projections.federation import province
from projections.measures import Counts
from tests.support.actors import GRID_LEAD

runner = CliRunner()


def _city(root: Path, name: str, cases: int, resolved: int) -> Settings:
    """A city's own database (SQLite) and signing key, with ``cases`` cases reported."""
    settings = Settings(data_dir=root / name, database_url=None, config_dir=root / f"{name}-config")
    with build_container(settings) as container:
        service = container.service
        for n in range(cases):
            case_id = service.report_case(
                actor=GRID_LEAD, grid_id="binhewan", category_id="water-supply", title=f"水管 {n}"
            ).case_id
            if n < resolved:
                service.add_note(case_id, actor=GRID_LEAD, text="已处理")
    return settings


def _use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHUISHAO_DATA_DIR", str(settings.data_dir))
    if settings.config_dir is not None:
        monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(settings.config_dir))
    if settings.database_url:
        monkeypatch.setenv("CHUISHAO_DATABASE_URL", settings.database_url.get_secret_value())
        monkeypatch.setenv("CHUISHAO_DATABASE_SCHEMA", settings.database_schema)
    else:
        monkeypatch.delenv("CHUISHAO_DATABASE_URL", raising=False)


def _export(settings: Settings, city: str, to: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _use(settings, monkeypatch)
    result = runner.invoke(app, ["export-rollups", "--to", str(to), "--city", city])
    assert result.exit_code == 0, result.output
    return to


def _counts(settings: Settings) -> dict[str, Counts]:
    engine = make_engine(settings)
    try:
        return {r.city_id: r.counts for r in province(engine)}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two cities' exports, made once for the module (each test imports them afresh)."""
    root = tmp_path_factory.mktemp("cities")
    beijing = _city(root, "beijing", 3, 1)
    tianjin = _city(root, "tianjin", 2, 2)
    with pytest.MonkeyPatch.context() as monkeypatch:
        return (
            _export(beijing, "beijing", root / "beijing.json", monkeypatch),
            _export(tianjin, "tianjin", root / "tianjin.json", monkeypatch),
        )


def test_two_cities_sum_into_the_province(
    cities: tuple[Path, Path], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(settings, monkeypatch)
    result = runner.invoke(app, ["import-rollups", *map(str, cities)])
    assert result.exit_code == 0, result.output
    assert result.output.count("新导入") == 2

    found = _counts(settings)
    assert found["beijing"].reported == 3 and found["tianjin"].reported == 2
    assert found["beijing"].responded_on_time == 1 and found["tianjin"].responded_on_time == 2
    table = runner.invoke(app, ["province"])
    assert table.exit_code == 0, table.output
    assert "全省" in table.output and "响应率" in table.output

    again = runner.invoke(app, ["import-rollups", str(cities[0])])
    assert again.exit_code == 0 and "未变化" in again.output
    assert _counts(settings) == found


def test_a_forged_or_mismatched_file_is_refused(
    cities: tuple[Path, Path], settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use(settings, monkeypatch)
    assert runner.invoke(app, ["import-rollups", str(cities[0])]).exit_code == 0
    before = _counts(settings)

    forged = json.loads(cities[0].read_text())
    forged["rows"][0]["counts"][1] += 100  # 办结 inflated after signing
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    # Tianjin's genuine file relabelled as Beijing's and re-signed by Tianjin's key.
    from infrastructure.signing_keys import load_signer
    from projections.federation import signed_bytes

    other = json.loads(cities[1].read_text())
    other["city_id"] = "beijing"
    signer = load_signer(cities[1].parent / "tianjin-config" / "signing.key")
    other["signature"] = signer.sign(signed_bytes(other))
    (tmp_path / "mismatched.json").write_text(json.dumps(other))

    # Beijing's own key signing a file that counts one place twice.
    twice = json.loads(cities[0].read_text())
    twice["rows"].append(twice["rows"][0])
    own = load_signer(cities[0].parent / "beijing-config" / "signing.key")
    twice["signature"] = own.sign(signed_bytes(twice))
    (tmp_path / "twice.json").write_text(json.dumps(twice))

    for name, reason in (
        ("forged.json", "签名无效"),
        ("mismatched.json", "登记的密钥"),
        ("twice.json", "格式不正确"),
    ):
        result = runner.invoke(app, ["import-rollups", str(tmp_path / name)])
        assert result.exit_code == 1, result.output
        assert reason in result.output
    assert _counts(settings) == before


def test_the_province_over_http_sums_the_cities_for_auditors_only(
    cities: tuple[Path, Path], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.api import serving
    from tests.support.clock import FakeClock

    _use(settings, monkeypatch)
    assert runner.invoke(app, ["import-rollups", *map(str, cities)]).exit_code == 0
    with serving(settings, FakeClock()) as api:
        answer = api.get("auditor", "/province")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [c["city_id"] for c in body["cities"]] == ["beijing", "tianjin"]
        assert body["total"]["counts"]["reported"] == 5
        assert body["total"]["counts"]["responded_on_time"] == 3
        assert api.get("coordinator", "/province").status_code == 403
        assert api.get("auditor", "/province", month="2026-13").status_code == 422


def test_a_citys_newer_export_replaces_its_older_and_the_older_is_then_refused(
    cities: tuple[Path, Path], settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = cities[0].parent
    beijing = Settings(
        data_dir=root / "beijing", database_url=None, config_dir=root / "beijing-config"
    )
    with build_container(beijing) as container:
        container.service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="water-supply", title="又一处水管"
        )
    newer = _export(beijing, "beijing", tmp_path / "beijing-newer.json", monkeypatch)
    _use(settings, monkeypatch)
    assert runner.invoke(app, ["import-rollups", str(cities[0])]).exit_code == 0
    updated = runner.invoke(app, ["import-rollups", str(newer)])
    assert updated.exit_code == 0 and "已更新" in updated.output
    reported = sum(r["counts"][0] for r in json.loads(newer.read_text())["rows"])
    assert reported > 3  # the module's other run may have added one too
    assert _counts(settings)["beijing"].reported == reported

    stale = runner.invoke(app, ["import-rollups", str(cities[0])])
    assert stale.exit_code == 1 and "旧" in stale.output
    assert _counts(settings)["beijing"].reported == reported
