"""Figures, each beside its baseline, printed as Rich tables and written as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

SECTIONS = ("command_path", "http", "projections", "dashboards", "audit", "memory")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    better: str = "higher"  # or "lower"
    target: str | None = None
    met: bool | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """value / baseline (for throughput: share of the baseline reached; for latency or
        memory: how many times the baseline it costs)."""
        if not self.baseline or math.isnan(self.baseline) or math.isnan(self.value):
            return float("nan")
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = _clean(self.ratio)
        d["value"] = _clean(self.value)
        d["baseline"] = _clean(self.baseline)
        return d


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


@dataclass
class Results:
    meta: dict[str, Any]
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, section: str, figure: Figure) -> Figure:
        s = self.sections.setdefault(section, {"figures": [], "details": {}})
        s["figures"].append(figure)
        return figure

    def detail(self, section: str, key: str, value: Any) -> None:
        self.sections.setdefault(section, {"figures": [], "details": {}})["details"][key] = value

    def as_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "sections": {
                name: {
                    "figures": [f.as_json() for f in s["figures"]],
                    "details": s["details"],
                }
                for name, s in self.sections.items()
            },
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(self.as_json(), indent=2, ensure_ascii=False, default=str) + "\n"
        )

    def print(self, console: Console) -> None:
        for name in SECTIONS:
            if name not in self.sections:
                continue
            table = Table(title=name.replace("_", " "), title_justify="left", expand=False)
            for heading, justify in (
                ("figure", "left"),
                ("value", "right"),
                ("baseline", "right"),
                ("ratio", "right"),
                ("target", "left"),
                ("detail", "left"),
            ):
                table.add_column(heading, justify=justify, overflow="fold")  # type: ignore[arg-type]
            for f in self.sections[name]["figures"]:
                met = (
                    ""
                    if f.met is None
                    else (" [green]met[/green]" if f.met else " [red]missed[/red]")
                )
                table.add_row(
                    f.name,
                    f"{_fmt(f.value)} {f.unit}",
                    f"{_fmt(f.baseline)} {f.unit}\n[dim]{f.baseline_name}[/dim]",
                    f"{_fmt(f.ratio, 2)}×",
                    (f.target or "") + met,
                    f.detail,
                )
            console.print(table)


def _fmt(x: float, digits: int | None = None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if digits is not None:
        return f"{x:.{digits}f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"
