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
    header = data["header"]
    assert header["size"] == "tiny"
    assert header["cores"] >= 1 and header["commit"] and header["date"]
    assert header["district"]["grids"] == 589
    sections = {f["section"] for f in data["figures"]}
    assert sections == set(SECTIONS)
    for f in data["figures"]:
        assert set(f) >= {"name", "value", "unit", "baseline", "ratio", "target", "met"}, f
        v = f["value"]
        assert isinstance(v, int | float) and math.isfinite(v), (f["name"], v)
        assert f["unit"], f["name"]
        if f["baseline"] is not None:
            assert f["baseline_name"], f["name"]
    targeted = [f for f in data["figures"] if f["target"] is not None]
    assert all(f["met"] in (True, False) for f in targeted)
    names = {f["name"] for f in data["figures"] if f["section"] == "command_path"}
    for mode in ("threads", "processes"):
        for gc in ("on", "off"):
            assert any(n.startswith(f"{mode} × ") and f"group commit {gc}" in n for n in names)
    dash = " ".join(f["name"] for f in data["figures"] if f["section"] == "dashboards")
    for path in ("rates", "rankings", "grids", "units", "funding"):
        assert f"/dashboards/{path}" in dash
    assert any("drain" in f["name"] for f in targeted)
    # bench.check reads what the bench wrote: 0 or 1 by the verdicts, never 2 (malformed)
    check = subprocess.run(
        [sys.executable, "-m", "bench.check", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    missed = any(f["met"] is False for f in targeted)
    assert check.returncode == (1 if missed else 0), check.stdout + check.stderr
