"""The Friction page's data: the monthly friction report (reports/), built as `handoff report`
builds it, its tables made readable (business hours, percentages) and its files for download."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from models.time.months import months_before
from reports import formats
from reports.formats import fmt_month
from ui import evaluations, loaders
from ui.filters import Filters
from ui.theme import KIND_LABELS, TIER_LABELS

_MINUTES_SUFFIX = "_minutes"


# A report holds a month of items: keep only the last few (months, teams, as-of buckets).
@loaders.view_cache(show_spinner="Assembling the friction report…", max_entries=6)
def _report(stamp: str, month: str, team_id: str | None, as_of: str, zone: str) -> Any:
    del stamp
    from datetime import datetime

    from reports.runner import build_report, report_months

    instant = datetime.fromisoformat(as_of)
    # The whole organisation's months are the ones every page shares (in memory, else the
    # verdict cache): the report re-judges nothing that is already judged.
    judged = None if team_id else evaluations.evaluations(report_months(month), instant)
    return build_report(
        loaders.get_store(),
        loaders.get_config(),
        month,
        team_id=team_id,
        as_of=instant,
        timezone=zone,
        judged=judged,
    )


def report_month(filters: Filters, *, to_date: bool = False) -> str:
    """The month the Friction page reports: the sidebar's month once it is over; while it is the
    running month, the last full month (as `handoff report` does) unless `to_date`."""
    if filters.is_current_month and not to_date:
        return months_before(filters.month, 1)[0]
    return filters.month


def report(filters: Filters, month: str | None = None, team_id: str | None = None) -> Any:
    """The friction report of `month` (default: the sidebar's) for `team_id` (None: the whole
    organisation), its times on the viewer's clock."""
    return _report(
        loaders.data_stamp(),
        month or filters.month,
        team_id,
        filters.as_of.isoformat(),
        str(filters.zone),
    )


def section_table(report_obj: Any, key: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One section as the HTML/PDF report shows it (its columns, headers and units, from
    reports.display), but with real numbers so the table still sorts; unknown sections fall
    back to `readable`."""
    from reports import display

    if key == "trend":
        return _trend(report_obj)
    table = report_obj.table(key)
    columns = [c for c in display.SPECS.get(key, ()) if c.name in table.columns]
    if not columns:
        return readable(table, report_obj.timezone)
    if key in ("breaches_by_team", "breaches_by_rep") and "breached" in table.columns:
        table = table[table["breached"] > 0]  # as the report: who breached, worst first
    out = table[[c.name for c in columns]].copy()
    for column in columns:  # dates on the viewer's clock, as the page says
        if column.fmt is display.fmt_date and isinstance(out[column.name].dtype, pd.DatetimeTZDtype):
            out[column.name] = out[column.name].dt.tz_convert(report_obj.timezone)
    config: dict[str, Any] = {}
    for column in columns:
        config[column.name] = _column_config(out, column.name, column.header, column.fmt)
    for name, labels in (("provider", TIER_LABELS), ("kind", KIND_LABELS)):
        if name in out.columns:
            out[name] = out[name].map(lambda v, labels=labels: labels.get(v, v))
    return out, config


def _column_config(frame: pd.DataFrame, name: str, header: str, fmt: Any) -> Any:
    if fmt is formats.fmt_minutes_as_hours:
        frame[name] = pd.to_numeric(frame[name], errors="coerce") / 60.0
        return st.column_config.NumberColumn(header, format="%.1f h")
    number_formats = {
        formats.fmt_pct: "%.1f%%",
        formats.fmt_pts: "%+.1f pts",
        formats.fmt_num: "%.1f",
        formats.fmt_int: "%d",
        formats.fmt_money: "localized",
    }
    if fmt in number_formats:
        return st.column_config.NumberColumn(header, format=number_formats[fmt])
    if fmt is formats.fmt_date:
        return st.column_config.DatetimeColumn(header, format="D MMM YYYY")
    return st.column_config.TextColumn(header)


def _trend(report_obj: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Result per SLA per month side by side ("Aug 2026" columns), then the target."""
    trend = report_obj.table("trend")
    if trend.empty:
        return trend, {}
    latest = trend.drop_duplicates("sla_id", keep="last").set_index("sla_id")
    months = list(report_obj.months) or sorted(trend["month"].unique())
    wide = trend.pivot_table(index="sla_id", columns="month", values="result_pct", aggfunc="first")
    wide = wide.reindex(index=list(latest.index), columns=months)
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reset_index()
    wide.insert(0, "name", wide["sla_id"].map(latest["name"]))
    wide["target_pct"] = wide["sla_id"].map(latest["target_pct"])
    wide = wide.drop(columns=["sla_id"])
    config: dict[str, Any] = {"name": st.column_config.TextColumn("SLA")}
    for month in months:
        config[month] = st.column_config.NumberColumn(fmt_month(month), format="%.1f%%")
    config["target_pct"] = st.column_config.NumberColumn("Target", format="%.1f%%")
    return wide, config


def readable(frame: pd.DataFrame, zone: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Minutes become business hours and percentages get a % format; headers made human;
    instants on the viewer's clock (`zone`), the header naming it."""
    out = frame.copy()
    # Ids are for the files; on screen the names beside them say the same thing.
    named = set(out.columns) & {"name", "sla_name", "team"}
    if named:
        out = out.drop(columns=[c for c in ("sla_id", "team_id", "owner_id") if c in out.columns])
    # Enumerations in words, as everywhere else on screen ("First touch", "Sales").
    for name, labels in (("kind", KIND_LABELS), ("provider", TIER_LABELS), ("tier", TIER_LABELS)):
        if name in out.columns:
            out[name] = out[name].map(lambda v, labels=labels: labels.get(v, v))
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
            if zone is not None and isinstance(out[name].dtype, pd.DatetimeTZDtype):
                out[name] = out[name].dt.tz_convert(zone)
                header = f"{header} ({zone})"
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
