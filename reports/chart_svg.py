"""Draw the report's charts (reports/charts.py) as inline SVG: small, offline, crisp in print."""

from __future__ import annotations

from html import escape

from reports.charts import GOOD, PALETTE, PREVIOUS, BarChart, LineChart, panel


def _num(value: float) -> str:
    return f"{value:.1f}"


def bar_svg(chart: BarChart, width: int = 720) -> str:
    """Horizontal bars, labels on the left, value notes on the right, target ticks and ghosts."""
    if not chart.bars:
        return f'<p class="empty">{escape(chart.title)}: nothing to show.</p>'
    label_w, note_w, row_h = 250, 110, 26
    plot_w = width - label_w - note_w
    height = 30 + row_h * len(chart.bars) + 8
    scale = plot_w / chart.max_value if chart.max_value else 0.0
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(chart.title)}">',
        f"<title>{escape(chart.title)}</title>",
        f'<text x="0" y="16" class="ct">{escape(chart.title)}</text>',
    ]
    for i, bar in enumerate(chart.bars):
        y = 30 + i * row_h
        label = bar.label if len(bar.label) <= 38 else bar.label[:37] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="cl">{escape(label)}</text>'
        )
        if bar.previous is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 15}" width="{_num(bar.previous * scale)}" height="6" fill="{PREVIOUS}"/>'
            )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{_num(bar.value * scale)}" height="12" fill="{bar.color}"/>'
        )
        if bar.marker is not None:
            mx = label_w + bar.marker * scale
            parts.append(
                f'<line x1="{_num(mx)}" y1="{y}" x2="{_num(mx)}" y2="{y + 22}" stroke="#212121" stroke-width="2"/>'
            )
        parts.append(
            f'<text x="{width - note_w + 6}" y="{y + 15}" class="cn">{escape(bar.note)}</text>'
        )
    parts.append("</svg>")
    if chart.legend:
        parts.append(f'<p class="legend">{escape(chart.legend)}</p>')
    return "".join(parts)


def line_svg(chart: LineChart, width: int = 720) -> str:
    """Small multiples: one panel per SLA, the months along x, 0-100% (or more) up y."""
    if not chart.lines or not chart.months:
        return f'<p class="empty">{escape(chart.title)}: nothing to show.</p>'
    cols = 2
    panel_w, panel_h = width // cols, 150
    rows = (len(chart.lines) + cols - 1) // cols
    height = 24 + rows * panel_h
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(chart.title)}">',
        f'<title>{escape(chart.title)}</title><text x="0" y="16" class="ct">{escape(chart.title)}</text>',
    ]
    n = len(chart.months)
    for index, line in enumerate(chart.lines):
        ox = (index % cols) * panel_w
        oy = 24 + (index // cols) * panel_h
        left, right, top, bottom = ox + 40, ox + panel_w - 34, oy + 22, oy + panel_h - 30
        box = panel(line, n, left, right, top, bottom)

        title = line.label if len(line.label) <= 46 else line.label[:45] + "…"
        parts.append(
            f'<text x="{ox}" y="{oy + 12}" class="cl" font-weight="bold">{escape(title)}</text>'
        )
        parts.append(
            f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#90a4ae"/>'
        )
        for tick in (box.low, box.high):
            parts.append(
                f'<text x="{left - 4}" y="{_num(box.y(tick) + 4)}" text-anchor="end" class="cs">{tick:.0f}%</text>'
            )
        if line.target is not None:
            ty = box.y(line.target)
            parts.append(
                f'<line x1="{left}" y1="{_num(ty)}" x2="{right}" y2="{_num(ty)}" stroke="#212121" stroke-dasharray="4 3"/>'
            )
        color = PALETTE[index % len(PALETTE)]
        points = [(box.x(i), box.y(v), v) for i, v in enumerate(line.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
        for x, y, v in points:
            ok = line.target is None or v >= line.target
            parts.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" fill="{GOOD if ok else "#c62828"}"/>'
            )
            parts.append(
                f'<text x="{_num(x)}" y="{_num(y - 8)}" text-anchor="middle" class="cs">{v:.1f}</text>'
            )
        for i, month in enumerate(chart.months):
            parts.append(
                f'<text x="{_num(box.x(i))}" y="{bottom + 16}" text-anchor="middle" class="cs">{escape(month)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
