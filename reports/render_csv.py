"""The report's tidy tables as CSV: one file per section plus `summary` (UTF-8, header row).

Timestamps are ISO 8601 in UTC with an offset (as in SPEC.md section 1); percentages are 0-100
numbers and durations business minutes, as in the column names. A zip bundles them for email.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from reports.assemble import SECTIONS, Report
from reports.cells import neutralise_frame

# A fixed member time keeps the zip byte-identical for the same report.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def summary_table(report: Report) -> pd.DataFrame:
    """The summary as rows: part (paragraph, improved, worsened, action, key number), label, text."""
    rows = [("paragraph", "", report.summary.paragraph)]
    rows += [("improved", "", t) for t in report.summary.improved]
    rows += [("worsened", "", t) for t in report.summary.worsened]
    rows += [("action", str(i), t) for i, t in enumerate(report.summary.actions, 1)]
    rows += [("key_number", name, value) for name, value in report.key_numbers]
    return pd.DataFrame(rows, columns=["part", "label", "text"])


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 UTC strings; text that a spreadsheet would run as a formula made
    inert (reports/cells.py); everything else as is."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            values = out[name].dt.tz_convert("UTC")
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
            out[name] = text.where(values.notna(), None)
    return neutralise_frame(out)


def render_csv(report: Report) -> dict[str, str]:
    """File name -> CSV text, e.g. `friction-2026-10-sla_results.csv`."""
    tables = {"summary": summary_table(report), **{s.key: report.table(s.key) for s in SECTIONS}}
    return {
        f"{report.slug}-{key}.csv": tidy(frame).to_csv(index=False, lineterminator="\n")
        for key, frame in tables.items()
    }


def render_csv_zip(report: Report) -> bytes:
    """All CSV files in one zip (for email attachments and downloads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in render_csv(report).items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
