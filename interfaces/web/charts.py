"""Small SVG charts drawn on the server: no JavaScript, no CDN."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36
COLOURS = {"resolution_rate": "#c0392b", "response_rate": "#2471a3", "satisfaction_rate": "#239b56"}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: list[float | None]


def trend_svg(months: list[str], series: list[Series], target: float) -> str:
    """Monthly rates as lines over 0–100%, with the target drawn as a dashed line."""
    if not months:
        return '<p class="muted">暂无数据</p>'
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return PAD + i * step

    def y(v: float) -> float:
        return PAD + inner_h * (1 - v)

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="月度趋势" class="chart">',
        f'<rect x="{PAD}" y="{PAD}" width="{inner_w}" height="{inner_h}" class="plot"/>',
    ]
    for tick in (0, 0.5, 1):
        parts.append(
            f'<text x="{PAD - 4}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">'
            f"{int(tick * 100)}%</text>"
        )
    parts.append(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
        f'class="target"/><text x="{WIDTH - PAD}" y="{y(target) - 4:.1f}" class="tick" '
        f'text-anchor="end">目标 {target:.0%}</text>'
    )
    label_every = max(1, len(months) // 8)
    for i, month in enumerate(months):
        if i % label_every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - PAD + 16}" class="tick" '
                f'text-anchor="middle">{escape(month)}</text>'
            )
    for s in series:
        colour = COLOURS.get(s.key, "#555")
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
    legend_x = PAD
    for s in series:
        parts.append(
            f'<rect x="{legend_x}" y="8" width="12" height="12" '
            f'fill="{COLOURS.get(s.key, "#555")}"/><text x="{legend_x + 16}" y="18" '
            f'class="tick">{escape(s.label)}</text>'
        )
        legend_x += 110
    parts.append("</svg>")
    return "".join(parts)


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
