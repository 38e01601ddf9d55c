"""The benchmark runs end to end at its tiny size and reports every section with baselines.

No timing is asserted: only that each figure is a number beside a numeric baseline.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import SECTIONS
from tests.support.backends import PG_URL, require_postgres

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_tiny_benchmark_reports_every_section_with_baselines(tmp_path: Path) -> None:
    require_postgres()  # skipped locally without PostgreSQL, a failure under CI=true
    out = tmp_path / "bench.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--size",
            "tiny",
            "--json",
            str(out),
            "--out",
            str(tmp_path / "files"),
            "--database-url",
            PG_URL,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    data = json.loads(out.read_text())
    assert data["meta"]["size"] == "tiny"
    assert data["meta"]["machine"]["cores"] >= 1
    assert data["meta"]["district"]["grids"] == 589
    assert set(data["sections"]) == set(SECTIONS)
    for name in SECTIONS:
        figures = data["sections"][name]["figures"]
        assert figures, f"section {name} has no figures"
        for f in figures:
            for key in ("value", "baseline"):
                v = f[key]
                assert isinstance(v, int | float) and math.isfinite(v), (name, f["name"], key, v)
            assert f["baseline_name"], (name, f["name"])
            assert f["unit"], (name, f["name"])
    names = {f["name"] for f in data["sections"]["command_path"]["figures"]}
    for mode in ("threads", "processes"):
        for gc in ("on", "off"):
            assert any(n.startswith(f"{mode} × ") and f"group commit {gc}" in n for n in names)
    dash = " ".join(f["name"] for f in data["sections"]["dashboards"]["figures"])
    for path in ("rates", "rankings", "grids", "units", "funding"):
        assert f"/dashboards/{path}" in dash
