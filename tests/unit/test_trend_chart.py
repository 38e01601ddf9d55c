"""The trend chart's time axis: months sit where their dates are, and a month without
figures leaves a gap in the line instead of being squeezed out."""

from __future__ import annotations

import re

from interfaces.web.charts import Series, trend_svg


def _xs(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]


def test_months_are_placed_by_time_not_by_count() -> None:
    svg = trend_svg(
        ["2016-04", "2016-05", "2026-11"], [Series("r", "办结率", [1.0, 1.0, 1.0])], 0.9
    )
    a, b, c = _xs(svg)
    # One month apart is a sliver of the 127 months between the first and the last.
    assert (b - a) * 100 < (c - a)


def test_a_missing_month_breaks_the_line() -> None:
    months = ["2020-01", "2020-02", "2020-05", "2020-06"]
    svg = trend_svg(months, [Series("r", "办结率", [0.5, 0.6, 0.7, 0.8])], 0.9)
    assert svg.count("<polyline") == 2


def test_a_month_without_a_figure_breaks_the_line() -> None:
    months = ["2020-01", "2020-02", "2020-03", "2020-04"]
    svg = trend_svg(months, [Series("r", "办结率", [0.5, None, 0.7, 0.8])], 0.9)
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3


def test_a_long_span_labels_few_ticks() -> None:
    months = [f"{y}-{m:02d}" for y in range(2016, 2027) for m in (1, 6)]
    svg = trend_svg(months, [Series("r", "办结率", [0.9] * len(months))], 0.9)
    assert 2 <= svg.count('class="axis"') <= 7


def test_the_legend_is_text_outside_the_drawing() -> None:
    svg = trend_svg(["2020-01"], [Series("r", "满意率", [0.9])], 0.9)
    assert '<ul class="legend">' in svg and "满意率" in svg.split("</svg>", 1)[1]
