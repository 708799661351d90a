"""The report's charts as plain data (what to draw), shared by the SVG (HTML) and fpdf2 (PDF) drawers.

Charts are drawn by our own small drawers rather than plotly/kaleido or matplotlib: the HTML stays
a small self-contained file that works offline and prints well, and the PDF needs no browser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reports.assemble import Report
from reports.formats import fmt_month, fmt_pct, number_or_none
from reports.sla_sections import records

GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#607d8b"
PREVIOUS = "#b0bec5"
ACCENT = "#1565c0"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str
    marker: float | None = None  # a target tick drawn across the bar
    previous: float | None = None  # last month's value, drawn as a thin grey bar
    note: str = ""  # printed after the bar, e.g. "88.2%"


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars with optional target markers and last-month ghosts."""

    title: str
    bars: tuple[Bar, ...]
    max_value: float
    legend: str = ""


@dataclass(frozen=True)
class Line:
    label: str
    values: tuple[float | None, ...]
    target: float | None


@dataclass(frozen=True)
class LineChart:
    """One small line chart per SLA over the same months (small multiples)."""

    title: str
    months: tuple[str, ...]
    lines: tuple[Line, ...]


# Line colours of the trend's small multiples, in the same order in every format.
PALETTE = ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457")


@dataclass(frozen=True)
class Panel:
    """Where one small-multiple panel of a LineChart draws, in the renderer's own units (mm in
    the PDF, px in the SVG): month index -> x, percentage -> y, on the axis `y_range` picks."""

    left: float
    right: float
    top: float
    bottom: float
    low: float
    high: float
    points: int

    def x(self, index: int) -> float:
        share = index / (self.points - 1) if self.points > 1 else 0.5
        return self.left + (self.right - self.left) * share

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def panel(line: Line, points: int, left: float, right: float, top: float, bottom: float) -> Panel:
    """The panel of one line over `points` months inside the given box."""
    high, low = y_range([v for v in line.values if v is not None], line.target)
    return Panel(left, right, top, bottom, low, high, points)


def y_range(values: list[float], target: float | None) -> tuple[float, float]:
    """A y axis that shows the movement: from a round ten below the lowest point (or target) to 100."""
    seen = [*values, *([target] if target is not None else [])]
    if not seen:
        return 100.0, 0.0
    low = max(0.0, math.floor((min(seen) - 5) / 10) * 10)
    high = max(100.0, math.ceil(max(seen) / 10) * 10)
    return high, min(low, high - 10)


def sla_chart(report: Report) -> BarChart:
    """This month's result per SLA against its target, last month as a ghost bar."""
    results = report.table("sla_results")
    bars = []
    for row in records(results):  # one per SLA
        value = number_or_none(row["result_pct"])
        color = NEUTRAL if value is None else (GOOD if row["status"] == "met" else BAD)
        bars.append(
            Bar(
                str(row["name"]),
                value or 0.0,
                color,
                float(row["target_pct"]),
                number_or_none(row["previous_pct"]),
                "no data" if value is None else f"{value:.1f}%",
            )
        )
    top = max([100.0, *[b.value for b in bars], *[b.previous or 0 for b in bars]])
    return BarChart(
        "Result against target (tick = target, grey = last month)",
        tuple(bars),
        top,
        legend="green: target met; red: missed",
    )


def trend_chart(report: Report) -> LineChart:
    """Compliance (attainment for the quota) per SLA over the report's months."""
    trend = report.table("trend")
    months = report.months
    lines = []
    for _sla, rows in trend.groupby("sla_id", sort=False):
        by_month = rows.set_index("month")["result_pct"]
        values = tuple(number_or_none(by_month.get(m)) for m in months)
        lines.append(Line(str(rows["name"].iloc[0]), values, float(rows["target_pct"].iloc[0])))
    labels = tuple(fmt_month(m) for m in months)
    return LineChart("Trend (%, dashed = target)", labels, tuple(lines))


def team_chart(report: Report, limit: int = 8) -> BarChart:
    """Breaches per team and SLA, worst first."""
    table = report.table("breaches_by_team")
    table = table[table["breached"] > 0].head(limit)
    bars = tuple(
        Bar(
            f"{r['name']} · {r['sla_name']}",
            float(r["breached"]),
            BAD,
            note=f"{int(r['breached'])} ({fmt_pct(r['compliance_pct'])})",
        )
        for r in records(table)
    )
    return BarChart(
        "Breaches by team (compliance in brackets)", bars, max([1.0, *[b.value for b in bars]])
    )


def pain_chart(report: Report, limit: int = 10) -> BarChart:
    """New customers raising each pain point, last month as a ghost bar."""
    table = report.table("pain_points")
    table = table[(table["customers"] > 0) | (table["previous_customers"] > 0)].head(limit)
    bars = tuple(
        Bar(
            str(r["name"]),
            float(r["share_pct"]),
            ACCENT,
            previous=number_or_none(r["previous_share_pct"]),
            note=f"{int(r['customers'])} · {r['share_pct']:.0f}%",
        )
        for r in records(table)
    )
    previous = f" (grey = {fmt_month(report.previous_month, long=True)})" if report.previous_month else ""
    return BarChart(
        f"Share of new customers raising each pain point{previous}",
        bars,
        max([1.0, *[b.value for b in bars], *[b.previous or 0 for b in bars]]),
    )
