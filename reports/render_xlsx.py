"""The report as an Excel workbook: a Summary sheet, then one sheet per section.

Real types, not text: numbers are numbers with number formats (percentages stay 0-100 numbers
shown as "88.2%"-style via a literal % format, minutes as minutes), timestamps are Excel dates in
UTC, headers are frozen and filterable. Deterministic: the workbook's creation time is `as_of`.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pandas as pd
import xlsxwriter

from reports.assemble import SECTIONS, Report
from reports.cells import neutralise
from reports.display import SPECS

SHEET_NAMES = {
    "sla_results": "SLA results",
    "trend": "Trend",
    "breaches_by_team": "Breaches by team",
    "breaches_by_rep": "Breaches by rep",
    "routing_delay": "Routing delay",
    "rejections": "Rejections",
    "leads_per_rep": "Leads per rep",
    "disputes": "Disputes",
    "credits": "Credits",
    "pain_points": "Pain points",
    "quotes": "Quotes",
    "customer_briefs": "New customers",
    "uncategorised": "Uncategorised",
    "new_tags": "New tags",
}
MAX_WIDTH = 60


def _kind(name: str, series: pd.Series) -> str:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "datetime"
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return "text"
    if name.endswith("_pct"):
        return "pct"
    if name.endswith("_pts"):
        return "pts"
    if name.endswith("_minutes") or name in ("average_attempts", "credit", "amount"):
        return "float"
    return "int" if pd.api.types.is_integer_dtype(series.dtype) or _whole(series) else "float"


def _whole(series: pd.Series) -> bool:
    values = series.dropna()
    return bool(len(values)) and bool((values == values.round()).all())


def header_of(key: str, name: str) -> str:
    """A column's header for people: the report's own ("Routing average") where the section
    shows the column, else the name in words ("pct_of_delivered" -> "Pct of delivered")."""
    for column in SPECS.get(key, ()):
        if column.name == name:
            return column.header
    words = name.replace("_pct", " %").replace("_minutes", " (business minutes)")
    words = words.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _write_sheet(
    book: Any, sheet_name: str, frame: pd.DataFrame, formats: dict[str, Any], key: str = ""
) -> None:
    sheet = book.add_worksheet(sheet_name)
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(frame.columns):
        series = frame[name]
        kind = _kind(str(name), series)
        header = header_of(key, str(name))
        sheet.write_string(0, col, neutralise(header), formats["header"])
        if kind == "datetime":
            # Excel has no time zones: write UTC wall time (the header says so).
            sheet.write_string(0, col, f"{header} (UTC)", formats["header"])
            values: list[Any] = (
                series.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_pydatetime().tolist()
            )
        else:
            values = series.tolist()
        cell_format = formats.get(kind)
        for row, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
                continue
            if kind == "text":
                sheet.write_string(row, col, neutralise(str(value)))
            elif kind == "datetime":
                sheet.write_datetime(row, col, value, cell_format)
            else:
                sheet.write_number(row, col, float(value), cell_format)
        width = max(
            [
                len(header) + (6 if kind == "datetime" else 2),
                *[min(len(str(v)), MAX_WIDTH) for v in values[:200]],
            ]
        )
        sheet.set_column(col, col, min(max(width, 16 if kind == "datetime" else 8), MAX_WIDTH))
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def _utc_naive(report: Report) -> datetime:
    """`as_of` as naive UTC wall time (Excel has no time zones; labels say UTC)."""
    return pd.Timestamp(report.as_of).tz_convert("UTC").tz_localize(None).to_pydatetime()


def _local_naive(report: Report) -> datetime:
    """`as_of` as naive wall time in the report's zone (the label names the zone)."""
    local = pd.Timestamp(report.as_of).tz_convert(report.timezone)
    return local.tz_localize(None).to_pydatetime()


def _summary_sheet(book: Any, report: Report, formats: dict[str, Any]) -> None:
    sheet = book.add_worksheet("Summary")
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 110)
    sheet.write_string(0, 0, neutralise(report.title), formats["title"])
    sheet.write_string(1, 0, f"Verdicts as of ({report.timezone})")
    sheet.write_datetime(1, 1, _local_naive(report), formats["datetime_left"])
    sheet.write_string(2, 0, "Summary", formats["bold"])
    sheet.write_string(2, 1, neutralise(report.summary.paragraph), formats["wrap"])
    sheet.set_row(2, 15 * max(2, len(report.summary.paragraph) // 120 + 1))
    row = 4
    for label, items in (
        ("Top actions", report.summary.actions),
        ("Improved", report.summary.improved),
        ("Got worse", report.summary.worsened),
    ):
        for i, text in enumerate(items):
            sheet.write_string(row, 0, label if i == 0 else "", formats["bold"])
            sheet.write_string(row, 1, neutralise(text), formats["wrap"])
            row += 1
        row += 1
    sheet.write_string(row, 0, "Key numbers", formats["bold"])
    for name, value in report.key_numbers:
        row += 1
        sheet.write_string(row, 0, neutralise(name))
        sheet.write_string(row, 1, neutralise(value))


def render_xlsx(report: Report) -> bytes:
    """The workbook's bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False}
    )
    book.set_properties({"title": report.title, "author": "Handoff", "created": _utc_naive(report)})
    formats = {
        "header": book.add_format(
            {"bold": True, "bg_color": "#ECEFF1", "border": 1, "text_wrap": True}
        ),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True, "valign": "top"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "int": book.add_format({"num_format": "#,##0"}),
        "float": book.add_format({"num_format": "#,##0.0"}),
        "pct": book.add_format({"num_format": '0.0"%"'}),
        "pts": book.add_format({"num_format": '+0.0" pts";-0.0" pts";0.0" pts"'}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "datetime_left": book.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left"}),
    }
    _summary_sheet(book, report, formats)
    for section in SECTIONS:
        _write_sheet(
            book, SHEET_NAMES[section.key], report.table(section.key), formats, section.key
        )
    book.close()
    return buffer.getvalue()
