"""The run's figures (``bench.figures.Figure``): verdicts printed as they come, Rich tables, JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.figures import BenchFile, Figure, Header

SECTIONS = ("command_path", "http", "projections", "dashboards", "audit", "memory")


@dataclass
class Results:
    header: dict[str, Any]
    console: Console | None = None
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, fig: Figure) -> Figure:
        """Keep a figure; one with a target has its verdict printed now, as the section runs."""
        self.figures.append(fig)
        if fig.target is not None and self.console is not None:
            self.console.print(verdict_line(fig))
        return fig

    def detail(self, section: str, key: str, value: Any) -> None:
        self.details.setdefault(section, {})[key] = value

    def sections(self) -> list[str]:
        return [s for s in SECTIONS if any(f.section == s for f in self.figures)]

    def keep_only(self, wanted: set[str]) -> None:
        self.figures = [f for f in self.figures if f.section in wanted]
        self.details = {k: v for k, v in self.details.items() if k in wanted}

    def as_file(self) -> BenchFile:
        return BenchFile(
            header=Header.model_validate(self.header), figures=self.figures, details=self.details
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.as_file().model_dump(mode="json")
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")

    def print(self, console: Console) -> None:
        for name in self.sections():
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
            for f in self.figures:
                if f.section != name:
                    continue
                table.add_row(
                    f.name,
                    f"{fmt(f.value)} {f.unit}",
                    f"{fmt(f.baseline)} {f.unit}\n[dim]{f.baseline_name}[/dim]",
                    f"{fmt(f.ratio, 2)}×",
                    f"{f.verdict()} {f.target.describe()}" if f.target else "",
                    f.detail,
                )
            console.print(table)


def verdict_line(f: Figure) -> str:
    assert f.target is not None
    colour = {True: "green", False: "red", None: "yellow"}[f.met]
    ratio = "" if f.ratio is None else f", {f.ratio:.2f}× {f.baseline_name or 'baseline'}"
    return (
        f"  [{colour}]{f.verdict()}[/{colour}] {f.name}: {fmt(f.value)} {f.unit}{ratio}"
        f" — target {f.target.describe()}"
    )


def fmt(x: float | None, digits: int | None = None) -> str:
    if x is None:
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
