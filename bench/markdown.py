"""``python -m bench.markdown RESULTS.json``: the figures as Markdown tables (for docs/benchmarks.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.figures import BenchFile
from bench.report import SECTIONS, fmt


def render(data: BenchFile) -> str:
    out: list[str] = []
    for name in SECTIONS:
        figures = [f for f in data.figures if f.section == name]
        if not figures:
            continue
        out += [f"#### {name.replace('_', ' ')}", ""]
        out += [
            "| figure | value | baseline | ratio | target | detail |",
            "|---|---:|---|---:|---|---|",
        ]
        for f in figures:
            ratio = "n/a" if f.ratio is None else f"{f.ratio:.2f}×"
            target = f"{f.verdict()} {f.target.describe()}" if f.target else ""
            out.append(
                f"| {f.name} | {fmt(f.value)} {f.unit} | {fmt(f.baseline)} {f.unit} ({f.baseline_name}) "
                f"| {ratio} | {target} | {f.detail} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(BenchFile.model_validate(json.loads(Path(sys.argv[1]).read_text()))))
