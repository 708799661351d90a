"""Draw the report's charts (reports/charts.py) with fpdf2 primitives: no browser, no matplotlib."""

from __future__ import annotations

from collections.abc import Callable

from fpdf import FPDF

from reports.charts import PALETTE, PREVIOUS, BarChart, LineChart, panel


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def fit_text(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def bar_chart(
    pdf: FPDF, chart: BarChart, font: str, clean: Callable[[str], str], width: float | None = None
) -> None:
    """Horizontal bars at the cursor; moves the cursor below the chart."""
    if not chart.bars:
        return
    width = width or pdf.epw
    row_h, label_w, note_w = 6.0, 62.0, 26.0
    height = 7 + row_h * len(chart.bars) + 2
    if pdf.will_page_break(height):
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y()
    plot_w = width - label_w - note_w
    scale = plot_w / chart.max_value if chart.max_value else 0.0
    pdf.set_font(font, "B", 9)
    pdf.set_text_color(33, 33, 33)
    pdf.text(x0, y0 + 4, clean(chart.title))
    pdf.set_font(font, "", 8)
    for i, bar in enumerate(chart.bars):
        y = y0 + 7 + i * row_h
        label = fit_text(pdf, clean(bar.label), label_w - 3)
        pdf.set_text_color(33, 33, 33)
        pdf.text(x0 + label_w - 2 - pdf.get_string_width(label), y + 3.6, label)
        if bar.previous is not None and bar.previous > 0:
            pdf.set_fill_color(*_rgb(PREVIOUS))
            pdf.rect(x0 + label_w, y + 3.9, bar.previous * scale, 1.6, style="F")
        if bar.value > 0:
            pdf.set_fill_color(*_rgb(bar.color))
            pdf.rect(x0 + label_w, y + 0.6, bar.value * scale, 3.2, style="F")
        if bar.marker is not None:
            pdf.set_draw_color(33, 33, 33)
            pdf.set_line_width(0.5)
            mx = x0 + label_w + bar.marker * scale
            pdf.line(mx, y - 0.2, mx, y + 5.6)
        pdf.text(x0 + label_w + plot_w + 2, y + 3.6, clean(bar.note))
    pdf.set_y(y0 + height)
    if chart.legend:
        pdf.set_font(font, "", 7)
        pdf.set_text_color(96, 125, 139)
        pdf.cell(0, 4, clean(chart.legend), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(33, 33, 33)
    pdf.ln(2)


def line_chart(pdf: FPDF, chart: LineChart, font: str, clean: Callable[[str], str]) -> None:
    """Small multiples, two per row, at the cursor; moves the cursor below the chart."""
    if not chart.lines or not chart.months:
        return
    cols, panel_h = 2, 34.0
    panel_w = pdf.epw / cols
    rows = (len(chart.lines) + cols - 1) // cols
    height = 6 + rows * panel_h
    if pdf.will_page_break(height):
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_font(font, "B", 9)
    pdf.text(x0, y0 + 4, clean(chart.title))
    n = len(chart.months)
    for index, line in enumerate(chart.lines):
        ox = x0 + (index % cols) * panel_w
        oy = y0 + 6 + (index // cols) * panel_h
        left, right, top, bottom = ox + 10, ox + panel_w - 6, oy + 8, oy + panel_h - 9
        box = panel(line, n, left, right, top, bottom)

        pdf.set_font(font, "B", 8)
        pdf.set_text_color(33, 33, 33)
        pdf.text(ox, oy + 3, fit_text(pdf, clean(line.label), panel_w - 4))
        pdf.set_font(font, "", 6.5)
        pdf.set_text_color(96, 125, 139)
        pdf.set_draw_color(144, 164, 174)
        pdf.set_line_width(0.2)
        pdf.line(left, bottom, right, bottom)
        for tick in (box.low, box.high):
            label = f"{tick:.0f}%"
            pdf.text(left - 1 - pdf.get_string_width(label), box.y(tick) + 1, label)
        for i, month in enumerate(chart.months):
            pdf.text(box.x(i) - pdf.get_string_width(month) / 2, bottom + 4, month)
        if line.target is not None:
            pdf.set_draw_color(33, 33, 33)
            with pdf.local_context():
                pdf.set_dash_pattern(dash=1.2, gap=0.9)
                pdf.line(left, box.y(line.target), right, box.y(line.target))
        points = [(box.x(i), box.y(v), v) for i, v in enumerate(line.values) if v is not None]
        pdf.set_draw_color(*_rgb(PALETTE[index % len(PALETTE)]))
        pdf.set_line_width(0.6)
        for (xa, ya, _), (xb, yb, _) in zip(points, points[1:], strict=False):
            pdf.line(xa, ya, xb, yb)
        pdf.set_text_color(33, 33, 33)
        for x, y, v in points:
            ok = line.target is None or v >= line.target
            pdf.set_fill_color(*(_rgb("#2e7d32") if ok else _rgb("#c62828")))
            pdf.circle(x, y, 1.0, style="F")
            text = f"{v:.1f}"
            pdf.text(x - pdf.get_string_width(text) / 2, y - 1.8, text)
    pdf.set_line_width(0.2)
    pdf.set_y(y0 + height)
    pdf.ln(2)
