"""A lead's timeline: hand-off, assignment, every activity, rejection, deals, and each SLA clock
(start, stop, business time counted, where it breached) over the calendar's off-hours, shaded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from models.engine import columns as E
from models.time.calendar import Calendar
from models.time.working_time import working_intervals
from reports.formats import fmt_business
from ui.text import chart_text
from ui.theme import (
    AT_RISK_COLOR,
    BREACHED,
    KIND_LABELS,
    OFF_HOURS_COLOR,
    PLOTLY_TEMPLATE,
    STATE_COLORS,
    state_label,
    stop_reason_label,
)

EVENTS_ROW = "Events"
_MAX_SHADED_GAPS = 400
_EVENT_STYLE = {
    "call": ("circle", "#1098ad"),
    "email": ("square", "#3b5bdb"),
    "meeting": ("star", "#ae3ec9"),
    "note": ("diamond-open", "#868e96"),
    "task": ("triangle-up-open", "#868e96"),
}


def row_labels(items: pd.DataFrame) -> list[str]:
    """One short label per SLA clock: its kind ("First touch"), plus the SLA id only when the
    lead has two clocks of the same kind (the long SLA names would squeeze the chart)."""
    if items.empty:
        return []
    kinds = items[E.KIND].astype(str)
    labels = kinds.map(lambda k: KIND_LABELS.get(k, k))
    twice = kinds.duplicated(keep=False)
    return [
        f"{label} ({sla_id})" if repeated else label
        for label, sla_id, repeated in zip(labels, items[E.SLA_ID], twice, strict=True)
    ]


def time_span(
    lead: Mapping[str, Any], items: pd.DataFrame, activities: pd.DataFrame, as_of: datetime
) -> tuple[datetime, datetime]:
    """From a little before the hand-off to a little after the last thing that matters."""
    instants: list[pd.Timestamp] = []
    for name in ("handed_off_at", "assigned_at", "rejected_at"):
        value = lead.get(name)
        if value is not None and not pd.isna(value):
            instants.append(pd.Timestamp(value))
    for name in (E.START, E.STOP, E.DUE_AT, E.BREACHED_AT, E.WINDOW_END):
        if name in items.columns:
            instants.extend(pd.Timestamp(v) for v in items[name].dropna())
    if not activities.empty:
        instants.extend(pd.Timestamp(v) for v in activities["occurred_at"].dropna())
    stamp = pd.Timestamp(as_of)
    instants = [i for i in instants if i <= stamp] or [stamp]
    low, high = min(instants), max(instants)
    open_clock = not items.empty and (items[E.STATE] == "open").any()
    if open_clock:
        high = max(high, stamp)
    pad = max((high - low) * 0.05, pd.Timedelta(hours=2))
    return (low - pad).to_pydatetime(), (high + pad).to_pydatetime()


def off_hours(
    calendar: Calendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The gaps between working intervals in [start, end): nights, weekends, holidays."""
    work = working_intervals(calendar, start, end)
    # Gaps are the spaces between consecutive working intervals (sorted and disjoint).
    starts = [pd.Timestamp(start), *pd.to_datetime(work["end"], utc=True)]
    ends = [*pd.to_datetime(work["start"], utc=True), pd.Timestamp(end)]
    return [
        (low.to_pydatetime(), high.to_pydatetime())
        for low, high in zip(starts, ends, strict=True)
        if high > low
    ]


def lead_timeline(
    lead: Mapping[str, Any],
    items: pd.DataFrame,
    activities: pd.DataFrame,
    deals: pd.DataFrame,
    calendars: Mapping[str, Calendar],
    as_of: datetime,
    owner_names: Mapping[str, str],
) -> go.Figure:
    """The plotly timeline of one lead (times shown in the first clock's calendar zone)."""
    start, end = time_span(lead, items, activities, as_of)
    calendar = _timeline_calendar(items, calendars)
    zone = calendar.zone if calendar is not None else None
    figure = go.Figure()
    clocks = [{str(k): v for k, v in row.items()} for row in items.to_dict("records")]
    labels = row_labels(items)
    rows = [*labels, EVENTS_ROW]

    if calendar is not None:
        gaps = off_hours(calendar, start, end)
        if len(gaps) <= _MAX_SHADED_GAPS:
            # One layout update with every band: add_vrect per band re-validates all shapes.
            figure.update_layout(
                shapes=[
                    {
                        "type": "rect",
                        "xref": "x",
                        "yref": "paper",
                        "x0": _local(low, zone),
                        "x1": _local(high, zone),
                        "y0": 0,
                        "y1": 1,
                        "fillcolor": OFF_HOURS_COLOR,
                        "line": {"width": 0},
                        "layer": "below",
                    }
                    for low, high in gaps
                ]
            )
    for item, label in zip(clocks, labels, strict=True):
        _add_clock(figure, item, label, as_of, zone)
    _add_events(figure, lead, activities, deals, as_of, zone, owner_names)

    where = f"{calendar.name} calendar, {calendar.timezone}" if calendar is not None else "UTC"
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        height=190 + 60 * len(rows),
        showlegend=True,
        xaxis={
            "title": {"text": f"Local time ({where}) · grey bands are off-hours", "standoff": 18},
            "range": [_local(start, zone), _local(end, zone)],
            # Days on a multi-day span, hours within a day: never the bare year under a tick.
            "tickformatstops": [
                {"dtickrange": [None, 43_200_000], "value": "%H:%M<br>%a %d %b"},
                {"dtickrange": [43_200_001, None], "value": "%a %d %b"},
            ],
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed(rows)),
            "title": {"text": None},
            "ticksuffix": "  ",  # air between the row names and the first shaded band
        },
        hovermode="closest",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0},
        margin={"l": 16, "r": 24, "t": 64, "b": 24},
    )
    return figure


def _timeline_calendar(items: pd.DataFrame, calendars: Mapping[str, Calendar]) -> Calendar | None:
    for name in items.get(E.CALENDAR, pd.Series(dtype=object)).dropna():
        if name in calendars:
            return calendars[name]
    return next(iter(calendars.values()), None)


def _local(value: Any, zone: Any) -> datetime:
    stamp = pd.Timestamp(value)
    # Plotly draws naive wall-clock times; showing the calendar's local time is what reps know.
    return (stamp.tz_convert(zone) if zone is not None else stamp).tz_localize(None).to_pydatetime()


def _add_clock(
    figure: go.Figure, item: Mapping[str, Any], row: str, as_of: datetime, zone: Any
) -> None:
    state = str(item[E.STATE])
    start = item[E.START]
    if start is None or pd.isna(start):
        return
    stop = item[E.STOP]
    stopped = stop is not None and not pd.isna(stop)
    until = stop if stopped else pd.Timestamp(as_of)
    elapsed = fmt_business(item[E.ELAPSED])
    target = fmt_business(item[E.TARGET])
    hover = (
        f"<b>{chart_text(row)}</b><br>{state_label(state)}: {elapsed} of {target} business time"
        f"<br>start {_local(start, zone):%a %d %b %H:%M}"
        + (
            f"<br>stop {_local(until, zone):%a %d %b %H:%M} ({stop_reason_label(item[E.STOP_REASON]) or 'stopped'})"
            if stopped
            else "<br>still running"
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[_local(start, zone), _local(until, zone)],
            y=[row, row],
            mode="lines+markers",
            line={"color": STATE_COLORS.get(state, "#888"), "width": 12},
            marker={"size": 9, "symbol": ["line-ns", "line-ns" if stopped else "arrow-right"]},
            name=f"{row}: {state_label(state)}",
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
        )
    )
    due = item.get(E.DUE_AT)
    if due is not None and not pd.isna(due):
        figure.add_trace(
            go.Scatter(
                x=[_local(due, zone)],
                y=[row],
                mode="markers",
                marker={
                    "symbol": "line-ns",
                    "size": 26,
                    "line": {"width": 3, "color": AT_RISK_COLOR},
                },
                name="Due (target reached)",
                hovertext=f"Due {_local(due, zone):%a %d %b %H:%M}: target {target} business time used up",
                hoverinfo="text",
                showlegend=False,
            )
        )
    breached_at = item.get(E.BREACHED_AT)
    if state == BREACHED and breached_at is not None and not pd.isna(breached_at):
        figure.add_trace(
            go.Scatter(
                x=[_local(breached_at, zone)],
                y=[row],
                mode="markers+text",
                marker={"symbol": "x", "size": 14, "color": STATE_COLORS[BREACHED]},
                text=["breach"],
                textposition="top center",
                textfont={"color": STATE_COLORS[BREACHED]},
                name="Breach",
                hovertext=f"Breached {_local(breached_at, zone):%a %d %b %H:%M}",
                hoverinfo="text",
                showlegend=False,
            )
        )


def _add_events(
    figure: go.Figure,
    lead: Mapping[str, Any],
    activities: pd.DataFrame,
    deals: pd.DataFrame,
    as_of: datetime,
    zone: Any,
    owner_names: Mapping[str, str],
) -> None:
    milestones = [
        ("handed_off_at", "Hand-off (MQL)", "diamond", "#f59f00"),
        ("assigned_at", "Assigned to rep", "triangle-right", "#495057"),
        ("rejected_at", "Rejected by sales", "x-thin-open", STATE_COLORS[BREACHED]),
    ]
    for name, label, symbol, color in milestones:
        value = lead.get(name)
        if value is None or pd.isna(value) or pd.Timestamp(value) > pd.Timestamp(as_of):
            continue
        hover = f"{label}: {_local(value, zone):%a %d %b %H:%M}"
        if name == "rejected_at" and isinstance(lead.get("rejection_reason"), str):
            hover += f"<br>reason: {chart_text(lead['rejection_reason'])}"
        figure.add_trace(
            go.Scatter(
                x=[_local(value, zone)],
                y=[EVENTS_ROW],
                mode="markers",
                name=label,
                marker={
                    "symbol": symbol,
                    "size": 15,
                    "color": color,
                    "line": {"width": 2, "color": color},
                },
                hovertext=hover,
                hoverinfo="text",
            )
        )
    if not activities.empty:
        known = activities[activities["occurred_at"] <= pd.Timestamp(as_of)]
        for kind, group in known.groupby("type"):
            symbol, color = _EVENT_STYLE.get(str(kind), ("circle-open", "#868e96"))
            texts = [
                f"{chart_text(str(kind).title())} ({chart_text(act['direction'] or 'no direction')}"
                + (f", {chart_text(act['outcome'])}" if isinstance(act["outcome"], str) else "")
                + f")<br>{_local(act['occurred_at'], zone):%a %d %b %H:%M}"
                + f"<br>by {chart_text(owner_names.get(str(act['owner_id']), act['owner_id'] or 'unknown'))}"
                for act in group.to_dict("records")
            ]
            figure.add_trace(
                go.Scatter(
                    x=[_local(v, zone) for v in group["occurred_at"]],
                    y=[EVENTS_ROW] * len(group),
                    mode="markers",
                    name=str(kind).title(),
                    hovertext=texts,
                    hoverinfo="text",
                    marker={
                        "symbol": symbol,
                        "size": 11,
                        "color": color,
                        "line": {"width": 1, "color": "white"},
                    },
                )
            )
    if not deals.empty:
        figure.add_trace(
            go.Scatter(
                x=[_local(v, zone) for v in deals["closed_won_at"]],
                y=[EVENTS_ROW] * len(deals),
                mode="markers",
                name="Deal won",
                marker={"symbol": "hexagram", "size": 16, "color": "#2b8a3e"},
                hovertext=[f"Deal {chart_text(d)} won" for d in deals["deal_id"]],
                hoverinfo="text",
            )
        )


def clocks_table(
    items: pd.DataFrame, zone: Any, owner_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Each SLA clock of the lead as a readable row (business hours, local times), with whose
    clock it is: the lead's owner, or for a new customer the service owner (the service queue
    when nobody has picked it up) and, beside it, the sales rep who closed the deal."""
    if items.empty:
        return pd.DataFrame()
    names = dict(owner_names or {})

    def who(values: pd.Series, missing: pd.Series) -> pd.Series:
        return pd.Series(
            [
                names.get(str(v), str(v)) if v is not None and not pd.isna(v) else m
                for v, m in zip(values, missing, strict=True)
            ],
            index=values.index,
            dtype=object,
        )

    is_deal = items[E.DEAL_ID].notna()
    owner = who(items[E.OWNER_ID], is_deal.map({True: "(service queue)", False: "(no owner)"}))
    closer = who(items[E.CLOSED_BY_OWNER_ID], pd.Series("", index=items.index))

    def local(values: pd.Series) -> pd.Series:
        return values.map(lambda v: None if v is None or pd.isna(v) else _local(v, zone))

    return pd.DataFrame(
        {
            "SLA": row_labels(items),
            "State": items[E.STATE],
            "Owner": owner,
            "Closed by": closer.where(is_deal, ""),
            "Clock started": local(items[E.START]),
            "Clock stopped": local(items[E.STOP]),
            "Stopped by": items[E.STOP_REASON].map(stop_reason_label),
            "Business hours counted": items[E.ELAPSED] / 60.0,
            "Target (business hours)": items[E.TARGET] / 60.0,
            "Breached at": local(items[E.BREACHED_AT]),
            "Calendar": items[E.CALENDAR],
            "Version": items[E.SLA_VERSION],
            "Segment": items[E.SEGMENT],
        }
    )
