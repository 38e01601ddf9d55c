"""``python -m bench.check FILE``: every target's verdict from a bench JSON file.

Prints a table of name, value, target and verdict, re-evaluating each target from the
figure's own numbers. Exit status: 0 every target met, 1 a target missed (or a figure
without the number its target bounds), 2 the file is missing or not a bench file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from bench.figures import BenchFile, Figure
from bench.report import fmt

MET, MISSED, MALFORMED = 0, 1, 2


def load(path: Path) -> BenchFile:
    """The file as a :class:`BenchFile`; ``ValueError`` with a readable reason otherwise."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not JSON: {e}") from None
    try:
        return BenchFile.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in e.errors()[:5]
        )
        raise ValueError(f"{path} is not a bench results file: {problems}") from None


def verdict(f: Figure) -> bool | None:
    """The target judged again from the figure's numbers (not the ``met`` the bench wrote)."""
    assert f.target is not None
    return f.target.evaluate(f.value, f.unit, f.ratio)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check", description=__doc__)
    parser.add_argument("file", type=Path, help="JSON written by python -m bench --json FILE")
    args = parser.parse_args(argv)
    console = Console(width=160) if not sys.stdout.isatty() else Console()
    try:
        data = load(args.file)
    except ValueError as e:
        console.print(f"[red]bench.check: {e}[/red]", markup=True, highlight=False)
        return MALFORMED
    h = data.header
    console.print(
        f"size {h.size}, {h.cores} cores, commit {h.commit[:12]}, {h.date}", highlight=False
    )
    table = Table(title="目标 targets", title_justify="left")
    for heading, justify in (
        ("指标 figure", "left"),
        ("数值 value", "right"),
        ("比值 ratio", "right"),
        ("目标 target", "left"),
        ("结论 verdict", "left"),
    ):
        table.add_column(heading, justify=justify, overflow="fold")  # type: ignore[arg-type]
    missed = 0
    checked = [f for f in data.figures if f.target is not None]
    for f in checked:
        assert f.target is not None
        ok = verdict(f)
        if ok is not True:
            missed += 1
        label = (
            "[yellow]? 无数据 no figure[/yellow]"
            if ok is None
            else ("[green]✔ 达标 met[/green]" if ok else "[red]✘ 未达标 missed[/red]")
        )
        table.add_row(
            f.name,
            f"{fmt(f.value)} {f.unit}",
            "n/a" if f.ratio is None else f"{f.ratio:.2f}×",
            f.target.describe(),
            label,
        )
    console.print(table)
    if not checked:
        console.print("no figure in this file has a target")
    console.print(f"{len(checked) - missed}/{len(checked)} targets met", highlight=False)
    return MISSED if missed else MET


if __name__ == "__main__":
    sys.exit(main())
