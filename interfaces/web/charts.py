"""Small SVG charts drawn on the server: no JavaScript, no CDN."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, PAD = 480, 240, 40
COLOURS = {"resolution_rate": "#c0392b", "response_rate": "#2471a3", "satisfaction_rate": "#239b56"}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: list[float | None]


def month_number(month: str) -> int:
    """``YYYY-MM`` as a count of months, so positions follow time and gaps show."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def _ticks(first: int, last: int) -> list[int]:
    """At most ~6 labelled months: Januaries every few years on a long span, else every
    few months, always at whole steps so the labels do not crowd at phone width."""
    span = last - first
    if span <= 6:
        return list(range(first, last + 1))
    for step in (3, 6, 12, 24, 36, 60, 120):
        if span / step <= 6:
            break
    start = first + (-first) % step if step >= 12 else first
    return list(range(start, last + 1, step))


def trend_svg(months: list[str], series: list[Series], target: float) -> str:
    """Monthly rates as lines over 0–100% on a time axis (a month without figures leaves a
    gap in the line), with the target drawn as a dashed line and a legend below."""
    if not months:
        return '<p class="muted">暂无数据</p>'
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    numbers = [month_number(m) for m in months]
    first, last = min(numbers), max(numbers)
    step = inner_w / max(last - first, 1)

    def x(n: int) -> float:
        return PAD + (n - first) * step if last > first else PAD + inner_w / 2

    def y(v: float) -> float:
        return PAD + inner_h * (1 - v)

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="月度趋势（时间轴）" class="chart">',
        f'<rect x="{PAD}" y="{PAD}" width="{inner_w}" height="{inner_h}" class="plot"/>',
    ]
    for tick in (0, 0.5, 1):
        parts.append(
            f'<text x="{PAD - 4}" y="{y(tick) + 5:.1f}" class="tick" text-anchor="end">'
            f"{int(tick * 100)}%</text>"
        )
    parts.append(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
        f'class="target"/><text x="{WIDTH - PAD}" y="{y(target) - 5:.1f}" class="tick" '
        f'text-anchor="end">目标 {target:.0%}</text>'
    )
    for n in _ticks(first, last):
        label = f"{n // 12}" if (last - first) > 36 else f"{n // 12}-{n % 12 + 1:02d}"
        parts.append(
            f'<line x1="{x(n):.1f}" x2="{x(n):.1f}" y1="{HEIGHT - PAD}" y2="{HEIGHT - PAD + 4}" '
            f'class="axis"/><text x="{x(n):.1f}" y="{HEIGHT - PAD + 20}" class="tick" '
            f'text-anchor="middle" data-month="{n // 12}-{n % 12 + 1:02d}">{label}</text>'
        )
    for s in series:
        colour = COLOURS.get(s.key, "#555")
        points = [(n, v) for n, v in zip(numbers, s.values, strict=True) if v is not None]
        for run in _runs(points):
            if len(run) > 1:
                path = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
                )
        for n, v in points:
            parts.append(
                f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}" '
                f'data-x="{x(n):.1f}"/>'
            )
    parts.append("</svg>")
    legend = "".join(
        # A class, not a style attribute: the console's CSP allows no inline style.
        f'<li><span class="swatch swatch-{escape(s.key)}"></span>{escape(s.label)}</li>'
        for s in series
    )
    parts.append(f'<ul class="legend">{legend}</ul>')
    return "".join(parts)


def _runs(points: list[tuple[int, float]]) -> list[list[tuple[int, float]]]:
    """Consecutive months as one line each: a missing month breaks the line."""
    runs: list[list[tuple[int, float]]] = []
    for n, v in sorted(points):
        if runs and n - runs[-1][-1][0] == 1:
            runs[-1].append((n, v))
        else:
            runs.append([(n, v)])
    return runs


def rate_bar(value: float | None, target: float) -> str:
    """A horizontal bar for one rate with the target marked."""
    if value is None:
        return '<span class="muted">—</span>'
    cls = "bar below" if value < target else "bar"
    return (
        f'<svg viewBox="0 0 100 10" class="{cls}" aria-hidden="true">'
        f'<rect x="0" y="1" width="{value * 100:.1f}" height="8"/>'
        f'<line x1="{target * 100:.1f}" x2="{target * 100:.1f}" y1="0" y2="10"/></svg>'
    )
