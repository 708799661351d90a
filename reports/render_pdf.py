"""The report as a PDF made with fpdf2 alone (pip-installable, no browser), charts included.

A4 portrait: the summary, key numbers and actions on the first page, then handoff friction and
customer friction. Text uses DejaVu Sans when the system has it (any character), else the core
Helvetica font with text folded to Latin-1. Deterministic: creation date = the report's `as_of`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

from reports import charts
from reports.assemble import SECTION_BY_KEY, Report
from reports.chart_pdf import bar_chart, fit_text, line_chart
from reports.display import Shown, shown

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_FOLD = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "→": "->",
        "·": "-",
        "•": "-",
        "\u00a0": " ",
    }
)


def _latin1(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text.translate(_FOLD))
    return folded.encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.font_name = "Helvetica"
        self.quote_style = "I"  # quotes: Helvetica's italic
        self.clean: Callable[[str], str] = _latin1
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.add_font("DejaVu", "", str(regular))
                self.add_font("DejaVu", "B", str(bold))
                # Quotes in the regular face, as before (registered again as "I", it drew the
                # same letters but was parsed and embedded a second time).
                self.font_name, self.quote_style, self.clean = "DejaVu", "", str
                break

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_name, "", 7)
        self.set_text_color(120, 144, 156)
        self.cell(
            0, 5, self.clean(f"{self.report_title} - page {self.page_no()}/{{nb}}"), align="C"
        )


def _heading(pdf: _Pdf, text: str, size: float = 13) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(pdf.font_name, "B", size)
    pdf.set_text_color(21, 101, 192)
    pdf.cell(0, 7, pdf.clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(21, 101, 192)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.set_text_color(33, 33, 33)
    pdf.ln(2)


def _para(
    pdf: _Pdf,
    text: str,
    size: float = 9,
    style: str = "",
    color: tuple[int, int, int] = (33, 33, 33),
) -> None:
    pdf.set_font(pdf.font_name, style, size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.48, pdf.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(33, 33, 33)


def _table(pdf: _Pdf, data: Shown, status_col: str | None = None) -> None:
    if not data.rows:
        _para(pdf, "Nothing this month.", 8, color=(96, 125, 139))
        pdf.ln(2)
        return
    total = sum(c.width for c in data.columns)
    widths = tuple(c.width / total * pdf.epw for c in data.columns)
    align = tuple("RIGHT" if c.numeric else "LEFT" for c in data.columns)
    status_at = next((i for i, c in enumerate(data.columns) if c.name == status_col), None)
    pdf.set_font(pdf.font_name, "", 7.5)
    pdf.set_fill_color(
        255, 255, 255
    )  # charts leave their fill colour behind; tables must not inherit it
    heading = FontFace(emphasis="BOLD", fill_color=(236, 239, 241))
    with pdf.table(
        col_widths=widths,
        text_align=align,
        line_height=3.8,
        headings_style=heading,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=0.8,
        width=pdf.epw,
    ) as table:
        header = table.row()
        for column in data.columns:
            header.cell(pdf.clean(column.header))
        for values in data.rows:
            row = table.row()
            bad = status_at is not None and values[status_at] == "missed"
            for value in values:
                style = FontFace(color=(198, 40, 40)) if bad else None
                row.cell(pdf.clean(value), style=style)
    if data.left_out:
        _para(
            pdf, f"{data.left_out:,} more rows in the XLSX and CSV files.", 7, color=(96, 125, 139)
        )
    pdf.ln(3)


def _section(pdf: _Pdf, report: Report, key: str, status_col: str | None = None) -> None:
    section = SECTION_BY_KEY[key]
    if pdf.will_page_break(30):
        pdf.add_page()
    _para(pdf, section.title, 10.5, "B")
    _para(pdf, section.intro, 7.5, color=(96, 125, 139))
    pdf.ln(1)
    _table(pdf, shown(report, key), status_col)


def _first_page(pdf: _Pdf, report: Report) -> None:
    pdf.set_font(pdf.font_name, "B", 17)
    pdf.multi_cell(0, 8, pdf.clean(report.title), new_x="LMARGIN", new_y="NEXT")
    frozen = " - month frozen" if report.frozen else ""
    _para(
        pdf,
        f"Verdicts as of {report.as_of_text}{frozen} - {report.new_customers:,} new customers",
        8,
        color=(96, 125, 139),
    )
    pdf.ln(3)
    pdf.set_fill_color(245, 247, 250)
    pdf.set_font(pdf.font_name, "", 9.5)
    pdf.multi_cell(
        0,
        4.8,
        pdf.clean(report.summary.paragraph),
        fill=True,
        padding=3,
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    _key_numbers(pdf, report)
    _para(pdf, "Top three actions", 11, "B")
    for i, action in enumerate(report.summary.actions, 1):
        _para(pdf, f"{i}. {action}", 9)
        pdf.ln(1)
    pdf.ln(2)
    bar_chart(pdf, charts.sla_chart(report), pdf.font_name, pdf.clean)
    line_chart(pdf, charts.trend_chart(report), pdf.font_name, pdf.clean)


def _key_numbers(pdf: _Pdf, report: Report) -> None:
    cols = 2
    box_w, box_h = (pdf.epw - (cols - 1) * 3) / cols, 12.0
    x0, y0 = pdf.l_margin, pdf.get_y()
    for i, (name, value) in enumerate(report.key_numbers):
        x = x0 + (i % cols) * (box_w + 3)
        y = y0 + (i // cols) * (box_h + 2)
        pdf.set_draw_color(224, 224, 224)
        pdf.set_line_width(0.2)
        pdf.rect(x, y, box_w, box_h)
        pdf.set_font(pdf.font_name, "B", 7)
        pdf.set_text_color(96, 125, 139)
        pdf.text(x + 2, y + 4, fit_text(pdf, pdf.clean(name), box_w - 4))
        pdf.set_font(pdf.font_name, "", 8.5)
        color = (
            (198, 40, 40)
            if ", missed" in value
            else (46, 125, 50)
            if ", met" in value
            else (33, 33, 33)
        )
        pdf.set_text_color(*color)
        pdf.text(x + 2, y + 9, fit_text(pdf, pdf.clean(value), box_w - 4))
    rows = (len(report.key_numbers) + cols - 1) // cols
    pdf.set_text_color(33, 33, 33)
    pdf.set_xy(x0, y0 + rows * (box_h + 2) + 3)


def _quotes(pdf: _Pdf, report: Report) -> None:
    quotes = report.table("quotes")
    section = SECTION_BY_KEY["quotes"]
    if pdf.will_page_break(30):
        pdf.add_page()
    _para(pdf, section.title, 10.5, "B")
    if quotes.empty:
        _para(pdf, "No quotes this month.", 8, color=(96, 125, 139))
        return
    advice = report.table("pain_points").set_index("category")["advice"]
    for category, rows in quotes.groupby("category", sort=False):
        if pdf.will_page_break(20):
            pdf.add_page()
        _para(pdf, str(rows["name"].iloc[0]), 9, "B")
        tip = str(advice.get(category, "") or "")
        if tip:
            _para(pdf, f"Service: {tip}", 8, color=(21, 101, 192))
        for row in rows.itertuples(index=False):  # at most three per category
            who = " - ".join(x for x in (str(row.company or ""), str(row.lead_id)) if x)
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(pdf.font_name, pdf.quote_style, 8)
            pdf.multi_cell(
                pdf.epw - 4,
                3.8,
                pdf.clean(f"“{row.quote}” ({who})"),
                align="L",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(1.5)
    pdf.ln(2)


def _new_page(pdf: _Pdf) -> None:
    """Start a part on a fresh page only when little of this one is left: a page that a chart
    spilled onto carries on with the next part instead of staying three-quarters blank."""
    if pdf.will_page_break(PART_ROOM_MM):
        pdf.add_page()
    elif pdf.get_y() > pdf.t_margin + 30:
        pdf.ln(4)


PART_ROOM_MM = 90.0  # a part heading and the first table's first rows


def render_pdf(report: Report) -> bytes:
    """The PDF's bytes."""
    pdf = _Pdf(report.title)
    pdf.set_creation_date(report.as_of)
    pdf.set_title(report.title)
    pdf.set_author("Handoff")
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    pdf.add_page()
    _first_page(pdf, report)
    _new_page(pdf)
    _heading(pdf, "Handoff friction")
    _section(pdf, report, "sla_results", status_col="status")
    _section(pdf, report, "trend")
    bar_chart(pdf, charts.team_chart(report), pdf.font_name, pdf.clean)
    for key in (
        "breaches_by_team",
        "breaches_by_rep",
        "routing_delay",
        "rejections",
        "leads_per_rep",
        "disputes",
        "credits",
    ):
        _section(pdf, report, key)
    _new_page(pdf)
    _heading(pdf, "Customer friction")
    bar_chart(pdf, charts.pain_chart(report), pdf.font_name, pdf.clean)
    _section(pdf, report, "pain_points")
    _quotes(pdf, report)
    for key in ("customer_briefs", "uncategorised", "new_tags"):
        _section(pdf, report, key)
    return bytes(pdf.output())
