"""Geometry of the dashboard's demand-against-capacity chart (an inline SVG)."""

from __future__ import annotations

from dataclasses import dataclass

from ...services import reports


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    value: int
    text_x: float  # where the value is written, just past the bar's end
    text_anchor: str


@dataclass(frozen=True)
class ChartRow:
    province: str
    label_x: float
    label_y: float
    label_anchor: str
    demand: Bar
    capacity: Bar


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_height: int
    axis_x: float
    top: int
    rows: list[ChartRow]
    legend: list[tuple[str, float, float, str]]  # (css class, swatch x, text x, text anchor)


CHART_WIDTH = 600
LABEL_WIDTH = 190  # room for "Kohgiluyeh and Boyer-Ahmad" at 13px
VALUE_WIDTH = 80
CHART_TOP = 36  # the legend
ROW_HEIGHT = 44
BAR_HEIGHT = 15
BAR_GAP = 4


def bar_chart(loads: list[reports.ProvinceLoad], rtl: bool) -> Chart:
    """Geometry of the demand-against-capacity chart: two horizontal bars per province.

    The SVG is drawn left to right in coordinates; in Persian the labels sit on the right and the
    bars grow leftwards, so the chart reads in the same direction as the page. The template sets
    ``direction="ltr"`` on the SVG so that ``text-anchor`` start/end always mean left/right here,
    whatever the page's direction (Persian words still render right to left inside their text).
    """
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([1, *(max(r.demand, r.capacity) for r in loads)])
    axis = CHART_WIDTH - LABEL_WIDTH if rtl else LABEL_WIDTH

    def bar(value: int, y: float) -> Bar:
        length = 0.0 if value == 0 else max(2.0, round(plot * value / top, 1))
        if rtl:
            return Bar(axis - length, y, length, value, axis - length - 5, "end")
        return Bar(axis, y, length, value, axis + length + 5, "start")

    rows = []
    for i, load in enumerate(loads):
        y0 = CHART_TOP + i * ROW_HEIGHT
        rows.append(
            ChartRow(
                province=load.province,
                label_x=axis + 8 if rtl else axis - 8,
                label_y=y0 + 4 + BAR_HEIGHT + BAR_GAP / 2,
                label_anchor="start" if rtl else "end",
                demand=bar(load.demand, y0 + 4),
                capacity=bar(load.capacity, y0 + 4 + BAR_HEIGHT + BAR_GAP),
            )
        )
    legend: list[tuple[str, float, float, str]]
    if rtl:
        legend = [
            ("bar-demand", CHART_WIDTH - 14, CHART_WIDTH - 20, "end"),
            ("bar-capacity", CHART_WIDTH / 2 - 14, CHART_WIDTH / 2 - 20, "end"),
        ]
    else:
        legend = [
            ("bar-demand", 4, 22, "start"),
            ("bar-capacity", CHART_WIDTH / 2, CHART_WIDTH / 2 + 18, "start"),
        ]
    return Chart(
        CHART_WIDTH,
        CHART_TOP + len(loads) * ROW_HEIGHT + 8,
        BAR_HEIGHT,
        axis,
        CHART_TOP,
        rows,
        legend,
    )
