"""The Friction page's data: the monthly friction report (reports/), built as `handoff report`
builds it, its tables made readable (business hours, percentages) and its files for download."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import loaders
from ui.filters import Filters

_MINUTES_SUFFIX = "_minutes"


@st.cache_data(show_spinner="Assembling the friction report…", ttl=loaders.TTL_SECONDS)
def _report(stamp: str, month: str, team_id: str | None, as_of: str) -> Any:
    del stamp
    from datetime import datetime

    from reports.runner import build_report

    return build_report(
        loaders.get_store(),
        loaders.get_config(),
        month,
        team_id=team_id,
        as_of=datetime.fromisoformat(as_of),
    )


def report(filters: Filters) -> Any:
    """The month's friction report (one team's when the sidebar picks a team)."""
    return _report(loaders.data_stamp(), filters.month, filters.team_id, filters.as_of.isoformat())


def readable(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Minutes become business hours and percentages get a % format; headers made human."""
    out = frame.copy()
    # Ids are for the files; on screen the names beside them say the same thing.
    named = set(out.columns) & {"name", "sla_name", "team"}
    if named:
        out = out.drop(columns=[c for c in ("sla_id", "team_id", "owner_id") if c in out.columns])
    config: dict[str, Any] = {}
    for name in list(out.columns):
        header = name.replace("_", " ").capitalize()
        if name.endswith(_MINUTES_SUFFIX) and pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name] / 60.0
            header = header.replace(" minutes", "").strip() + " (business h)"
            config[name] = st.column_config.NumberColumn(header, format="%.1f h")
        elif name.endswith("_pct") and pd.api.types.is_numeric_dtype(out[name]):
            config[name] = st.column_config.NumberColumn(
                header.replace(" pct", " %"), format="%.1f%%"
            )
        elif name.endswith("_pts") and pd.api.types.is_numeric_dtype(out[name]):
            config[name] = st.column_config.NumberColumn(
                header.replace(" pts", " (pts)"), format="%+.1f"
            )
        elif pd.api.types.is_datetime64_any_dtype(out[name]):
            config[name] = st.column_config.DatetimeColumn(header, format="D MMM YYYY, HH:mm")
        else:
            config[name] = header
    return out, config


def downloads(report_obj: Any) -> list[tuple[str, str, str, Any]]:
    """(label, file name, mime, bytes factory) for each format; rendered only when clicked."""
    from reports.render_csv import render_csv_zip
    from reports.render_html import render_html
    from reports.render_pdf import render_pdf
    from reports.render_xlsx import render_xlsx

    slug = report_obj.slug
    return [
        ("HTML", f"{slug}.html", "text/html", lambda: render_html(report_obj).encode("utf-8")),
        ("PDF", f"{slug}.pdf", "application/pdf", lambda: render_pdf(report_obj)),
        (
            "Excel",
            f"{slug}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            lambda: render_xlsx(report_obj),
        ),
        ("CSV (zip)", f"{slug}-csv.zip", "application/zip", lambda: render_csv_zip(report_obj)),
    ]


def sections() -> list[Any]:
    from reports.assemble import SECTIONS

    return list(SECTIONS)
