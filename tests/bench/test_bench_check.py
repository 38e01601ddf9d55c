"""The bench's one record schema and ``python -m bench.check``: verdicts and exit status.

No timing: the figures here are made up, the tests check what is done with them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from bench import check
from bench.figures import TARGETS, BenchFile, Figure, Header, Target, figure


def _header() -> Header:
    return Header(
        machine={"cpu": "test", "cores": 2},
        cores=2,
        size="tiny",
        commit="0123456789abcdef",
        date="2026-11-30T00:00:00+0000",
    )


def _write(tmp_path: Path, figures: list[Figure]) -> Path:
    path = tmp_path / "bench.json"
    data = BenchFile(header=_header(), figures=figures).model_dump(mode="json")
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def _met() -> list[Figure]:
    return [
        figure("http", "POST /cases", 800.0, "req/s", 1000.0, "raw", target="http_post_cases"),
        figure(
            "dashboards",
            "GET /ledger fresh p99",
            12.5,
            "ms",
            3.0,
            "healthz",
            better="lower",
            target="dashboard_fresh_p99",
        ),
        figure("projections", "lag p99", 5.0, "events", 2.0, "batch", target="lag_p99"),
        figure("audit", "history p50", 1.0, "ms", 0.5, "raw"),  # no target: not judged
    ]


def test_a_figure_round_trips_through_json_with_ratio_target_and_verdict() -> None:
    f = figure("http", "mixed", 400.0, "req/s", 1000.0, "raw", target="http_mixed")
    assert (f.ratio, f.met, f.verdict()) == (0.4, False, "✘")  # 0.4× < 0.5×
    file = BenchFile(header=_header(), figures=[f], details={"http": {"raw": {"rps": 1000}}})
    again = BenchFile.model_validate(json.loads(json.dumps(file.model_dump(mode="json"))))
    assert again == file
    d = file.model_dump(mode="json")["figures"][0]
    assert {"name", "value", "unit", "baseline", "ratio", "target", "met"} <= set(d)
    assert d["target"]["op"] == ">=" and d["target"]["ratio"] == 0.5


def test_a_figure_without_baseline_or_number_writes_nulls_not_nan() -> None:
    f = figure("projections", "drain", float("nan"), "ms", None, "", target="lag_drain")
    d = f.model_dump(mode="json")
    assert (d["value"], d["baseline"], d["ratio"], d["met"]) == (None, None, None, None)
    assert f.verdict() == "?"
    json.dumps(d, allow_nan=False)  # strict JSON


@pytest.mark.parametrize(
    ("target", "value", "baseline", "met"),
    [
        ("lag_drain", 100.0, None, True),  # ≤ 100 ms: the bound itself is met
        ("lag_drain", 100.5, None, False),
        ("dashboard_fresh_p99", 20.0, 1.0, False),  # < 20 ms: the bound itself is missed
        ("command_path_32", 1000.0, 1000.0, True),
        ("lag_p99", 4.5, 2.0, False),  # 2.25 batches behind
    ],
)
def test_targets_judge_their_bounds(
    target: str, value: float, baseline: float | None, met: bool
) -> None:
    unit = TARGETS[target].unit or "x"
    assert figure("s", "n", value, unit, baseline, "b", target=target).met is met


def test_a_value_target_in_another_unit_is_not_judged() -> None:
    assert figure("s", "n", 5.0, "s", None, "", target="lag_drain").met is None


def test_a_target_bounds_exactly_one_thing() -> None:
    with pytest.raises(ValidationError):
        Target(op=">=")
    with pytest.raises(ValidationError):
        Target(op=">=", ratio=1.0, value=2.0, unit="ms")
    with pytest.raises(ValidationError):
        Target(op="<", value=2.0)  # no unit


def test_check_exits_0_when_every_target_is_met(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main([str(_write(tmp_path, _met()[:2]))]) == 0
    out = capsys.readouterr().out
    assert "POST /cases" in out and "✔" in out and "✘" not in out
    assert "2/2 targets met" in out


def test_check_exits_1_and_names_the_missed_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main([str(_write(tmp_path, _met()))]) == 1
    out = capsys.readouterr().out
    assert "✘" in out and "lag p99" in out and "2/3 targets met" in out
    assert "history p50" not in out  # no target, not in the verdict table


def test_check_rejudges_from_the_numbers_not_the_written_met(tmp_path: Path) -> None:
    path = _write(tmp_path, _met()[:1])
    data = json.loads(path.read_text())
    data["figures"][0]["value"] = 100.0  # 0.1× the raw endpoint, though met says true
    data["figures"][0]["ratio"] = 0.1
    path.write_text(json.dumps(data))
    assert data["figures"][0]["met"] is True
    assert check.main([str(path)]) == 1


def test_check_counts_a_target_without_its_figure_as_missed(tmp_path: Path) -> None:
    f = figure("projections", "drain", float("nan"), "ms", None, "", target="lag_drain")
    assert check.main([str(_write(tmp_path, [f]))]) == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not JSON"),
        ('{"figures": []}', "header"),
        (
            '{"header": {"machine": {}, "cores": 2, "size": "tiny", "commit": "x", "date": "d"},'
            ' "figures": [{"name": "n", "value": 1, "unit": "ms", "target": {"op": "~"}}]}',
            "figures.0.target",
        ),
        ("[]", "not a bench results file"),
    ],
)
def test_check_exits_2_on_a_malformed_file_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, says: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert check.main([str(path)]) == 2
    assert says in capsys.readouterr().out


def test_check_exits_2_on_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main([str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().out
