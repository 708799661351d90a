"""How each report table is shown to a person (HTML and PDF): which columns, headers and formats.

The tidy tables keep machine units (minutes, 0-100 percentages); here they become text like
"3.5 h" and "88.2%". Vectorised per column (Series.map over a handful of display rows at most).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from reports.assemble import Report
from reports.formats import (
    fmt_date,
    fmt_int,
    fmt_minutes_as_hours,
    fmt_money,
    fmt_month,
    fmt_num,
    fmt_pct,
    fmt_pts,
    fmt_text,
)

Formatter = Callable[[object], str]


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    fmt: Formatter = fmt_text
    numeric: bool = False
    width: float = 1.0  # relative width in the PDF


@dataclass(frozen=True)
class Shown:
    """A table ready to draw: headers, rows of strings, and how many rows were left out."""

    columns: tuple[Column, ...]
    rows: list[list[str]]
    left_out: int


def _detail(frame: pd.DataFrame) -> pd.Series:
    quota = (
        frame["accepted"].map(fmt_int)
        + " of "
        + frame["quota_target"].map(fmt_int)
        + " accepted ("
        + frame["delivered"].map(fmt_int)
        + " delivered, "
        + frame["rejected"].map(fmt_int)
        + " rejected)"
    )
    attempts = (
        "avg "
        + frame["average_attempts"].map(fmt_num)
        + " attempts (goal "
        + frame["min_attempts"].map(fmt_int)
        + ")"
    )
    counts = (
        frame["met"].map(fmt_int)
        + " met, "
        + frame["breached"].map(fmt_int)
        + " breached, "
        + frame["open"].map(fmt_int)
        + " open, "
        + frame["excluded"].map(fmt_int)
        + " excluded"
    )
    detail = counts.where(frame["kind"] != "lead_quota", quota)
    return detail.where(frame["kind"] != "follow_up_attempts", counts + "; " + attempts)


def _trend_wide(report: Report) -> tuple[pd.DataFrame, tuple[Column, ...]]:
    trend = report.table("trend")
    latest = trend.drop_duplicates("sla_id", keep="last").set_index("sla_id")
    wide = trend.pivot(index="sla_id", columns="month", values="result_pct")
    wide = wide.reindex(index=list(latest.index), columns=list(report.months)).reset_index()
    wide["name"] = wide["sla_id"].map(latest["name"])
    wide["target_pct"] = wide["sla_id"].map(latest["target_pct"])
    month_cols = tuple(
        Column(m, fmt_month(m), fmt_pct, True) for m in report.months
    )
    return wide, (
        Column("name", "SLA", width=3.0),
        *month_cols,
        Column("target_pct", "Target", fmt_pct, True),
    )


SPECS: dict[str, tuple[Column, ...]] = {
    "sla_results": (
        Column("name", "SLA", width=3.0),
        Column("provider", "Owed by"),
        Column("status", "Status"),
        Column("result_pct", "Result", fmt_pct, True),
        Column("target_pct", "Target", fmt_pct, True),
        Column("change_pts", "vs last month", fmt_pts, True),
        Column("detail", "Detail", width=3.6),
    ),
    "breaches_by_team": (
        Column("name", "Team", width=1.6),
        Column("sla_name", "SLA", width=2.6),
        Column("decided", "Decided", fmt_int, True),
        Column("breached", "Breached", fmt_int, True),
        Column("compliance_pct", "Compliance", fmt_pct, True),
        Column("target_pct", "Target", fmt_pct, True),
        Column("median_elapsed_minutes", "Median first touch", fmt_minutes_as_hours, True),
    ),
    "breaches_by_rep": (
        Column("name", "Rep", width=1.6),
        Column("team", "Team", width=1.3),
        Column("sla_name", "SLA", width=2.6),
        Column("decided", "Decided", fmt_int, True),
        Column("breached", "Breached", fmt_int, True),
        Column("compliance_pct", "Compliance", fmt_pct, True),
        Column("median_elapsed_minutes", "Median first touch", fmt_minutes_as_hours, True),
    ),
    "routing_delay": (
        Column("team", "Team", width=1.6),
        Column("leads", "Leads", fmt_int, True),
        Column("unassigned", "Unassigned", fmt_int, True),
        Column("mean_routing_minutes", "Routing average", fmt_minutes_as_hours, True),
        Column("p90_routing_minutes", "Routing p90", fmt_minutes_as_hours, True),
        Column("median_rep_minutes", "Rep median", fmt_minutes_as_hours, True),
        Column("p90_rep_minutes", "Rep p90", fmt_minutes_as_hours, True),
        Column("routing_share_pct", "Routing share", fmt_pct, True),
    ),
    "rejections": (
        Column("reason", "Reason", width=2.4),
        Column("rejected", "Rejected", fmt_int, True),
        Column("pct_of_rejected", "% of rejected", fmt_pct, True),
        Column("pct_of_delivered", "% of delivered", fmt_pct, True),
        Column("main_source", "Main source", width=1.4),
        Column("main_source_rejected", "from it", fmt_int, True),
        Column("by_team", "By team", width=2.2),
    ),
    "leads_per_rep": (
        Column("rep", "Rep", width=1.6),
        Column("team", "Team", width=1.3),
        Column("target", "Owed", fmt_int, True),
        Column("delivered", "Delivered", fmt_int, True),
        Column("accepted", "Accepted", fmt_int, True),
        Column("attainment_pct", "Attained", fmt_pct, True),
        Column("projected_accepted", "Projected", fmt_num, True),
        Column("status", "Status"),
    ),
    "disputes": (
        Column("sla_id", "SLA"),
        Column("item_id", "Item"),
        Column("kind", "Kind"),
        Column("status", "Status"),
        Column("reason", "Reason", width=3.0),
        Column("raised_by", "Raised by"),
        Column("raised_at", "Raised", fmt_date),
        Column("decided_by", "Decided by"),
    ),
    "credits": (
        Column("name", "SLA", width=3.0),
        Column("provider", "Owed by"),
        Column("result_pct", "Result", fmt_pct, True),
        Column("target_pct", "Target", fmt_pct, True),
        Column("credit", "Credit", fmt_num, True),
    ),
    "pain_points": (
        Column("name", "Category", width=2.6),
        Column("customers", "Customers", fmt_int, True),
        Column("share_pct", "% of new", fmt_pct, True),
        Column("previous_customers", "Last month", fmt_int, True),
        Column("previous_share_pct", "Last month %", fmt_pct, True),
        Column("share_change_pts", "Change", fmt_pts, True),
        Column("mentions", "Mentions", fmt_int, True),
        Column("advice", "What service should prepare", width=3.0),
    ),
    "customer_briefs": (
        Column("company", "Customer", width=1.6),
        Column("closed_won_at", "Won", fmt_date, width=1.3),
        Column("amount", "Amount", fmt_money, True, 0.9),
        Column("sales_owner", "Closed by", width=1.2),
        Column("service_owner", "Service owner", width=1.2),
        Column("service_state", "Service contact", width=1.0),
        Column("pain_points", "Pain points", width=2.4),
        Column("quote", "In their words", width=3.2),
    ),
    "uncategorised": (
        Column("text", "Note", width=6.0),
        Column("notes", "Notes", fmt_int, True),
        Column("customers", "Customers", fmt_int, True),
    ),
    "new_tags": (Column("tag", "Tag", width=2.0), Column("notes", "Notes", fmt_int, True)),
}
LIMITS = {
    "breaches_by_rep": 12,
    "breaches_by_team": 12,
    "customer_briefs": 60,
    "uncategorised": 10,
    "new_tags": 10,
    "disputes": 20,
    "leads_per_rep": 40,
}


def _on_readers_clock(frame: pd.DataFrame, columns: Sequence[Column], zone: str) -> pd.DataFrame:
    """Dates of the report (raised, won, said) are the reader's days, not UTC's."""
    dated = [
        c.name
        for c in columns
        if c.fmt is fmt_date
        and c.name in frame.columns
        and isinstance(frame[c.name].dtype, pd.DatetimeTZDtype)
    ]
    if not dated:
        return frame
    return frame.assign(**{name: frame[name].dt.tz_convert(zone) for name in dated})


def shown(report: Report, key: str, limit: int | None = None) -> Shown:
    """The rows of one section as strings, at most `limit` (default: the section's own limit)."""
    if key == "trend":
        frame, columns = _trend_wide(report)
    else:
        frame = report.table(key)
        columns = SPECS[key]
        if key == "sla_results":
            frame = (
                frame.assign(detail=_detail(frame)) if not frame.empty else frame.assign(detail=[])
            )
        if key in ("breaches_by_team", "breaches_by_rep"):
            frame = frame[frame["breached"] > 0]
        frame = _on_readers_clock(frame, columns, report.timezone)
    cap = limit if limit is not None else LIMITS.get(key)
    head = frame if cap is None else frame.head(cap)
    rows = (
        [[c.fmt(v) for v in head[c.name].tolist()] for c in columns]
        if not head.empty
        else [[] for _ in columns]
    )
    return Shown(
        columns,
        [list(r) for r in zip(*rows, strict=True)] if not head.empty else [],
        len(frame) - len(head),
    )
