"""``python -m bench.markdown RESULTS.json``: the figures as Markdown tables (for docs/benchmarks.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import SECTIONS


def _fmt(x: Any, unit: str = "") -> str:
    if x is None:
        return "n/a"
    x = float(x)
    if abs(x) >= 1000:
        s = f"{x:,.0f}"
    elif abs(x) >= 100:
        s = f"{x:.0f}"
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    return f"{s} {unit}".strip()


def render(data: dict[str, Any]) -> str:
    out: list[str] = []
    for name in SECTIONS:
        section = data["sections"].get(name)
        if not section:
            continue
        out += [f"#### {name.replace('_', ' ')}", ""]
        out += [
            "| figure | value | baseline | ratio | target | detail |",
            "|---|---:|---|---:|---|---|",
        ]
        for f in section["figures"]:
            met = "" if f.get("met") is None else (" — **met**" if f["met"] else " — **missed**")
            ratio = "n/a" if f["ratio"] is None else f"{f['ratio']:.2f}×"
            out.append(
                f"| {f['name']} | {_fmt(f['value'], f['unit'])} | {_fmt(f['baseline'], f['unit'])} ({f['baseline_name']}) "
                f"| {ratio} | {(f.get('target') or '') + met} | {f.get('detail', '')} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text())))
