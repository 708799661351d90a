"""The Overview page's data: quota, per-SLA compliance with trend, and the at-risk list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode

import pandas as pd
import streamlit as st

from models.time.months import months_through
from models.verdicts.cache import DEFAULT_MONTHS as TREND_MONTHS  # what a sync precomputes
from reports.formats import fmt_count, fmt_month, fmt_pct, text_or_none
from ui import evaluations, loaders, views
from ui.filters import Filters

AT_RISK_ROWS = 25
# The shared (person-free) list keeps more rows, so that after scoping to a rep or a manager
# (ui/scope.py) their own soonest items are still there to list.


@dataclass
class Board:
    month: str
    month_label: str
    caption: str
    quota: dict[str, Any] | None
    quota_sentence: str
    slas: pd.DataFrame
    at_risk: pd.DataFrame
    open_total: int


def drill_link(filters: Filters, *, team: Any = None, rep: Any = None, lead: Any = None) -> str:
    """A shareable relative link to the drill-down page for a team, rep or lead."""
    params = filters.query(team=text_or_none(team), rep=text_or_none(rep), lead=text_or_none(lead))
    return "drilldown?" + urlencode(params)


def keep_viewer_query(link: str, current: Any) -> str:
    """`link` with every query parameter of the viewer's URL it does not set itself (who they
    are, the tab they were on), so following it keeps who and where they were."""
    path, _, query = link.partition("?")
    params = dict(parse_qsl(query))
    for key, value in dict(current).items():
        params.setdefault(str(key), str(value))
    return f"{path}?{urlencode(params)}" if params else path


def with_viewer_query(rows: pd.DataFrame, current: Any) -> pd.DataFrame:
    """`rows` (a few shown at-risk rows) with their "Open" links keeping the viewer's query."""
    rows = rows.copy()
    rows["Open"] = [keep_viewer_query(link, current) for link in rows["Open"]]
    return rows


def drill_links(filters: Filters, teams: Any, reps: Any, leads: Any) -> list[str]:
    """`drill_link` for many leads at once (the same links, the same parameter order): a month's
    items are 100k rows, too many to encode one by one on every page view."""
    frame = pd.DataFrame({"team": list(teams), "rep": list(reps), "lead": list(leads)})
    links = pd.Series("drilldown?" + urlencode({"month": filters.month}), index=frame.index)
    for name in ("team", "source", "rep", "lead"):
        if name == "source":
            if filters.source:
                links = links + "&" + urlencode({"source": filters.source})
            continue
        values = frame[name]
        present = values.notna()
        if not present.any():
            continue
        encoded = values[present].astype(str)
        encoded = encoded.map({v: quote_plus(v) for v in encoded.unique()})
        links[present] = links[present] + f"&{name}=" + encoded
    return links.tolist()


@loaders.view_cache(show_spinner="Computing this month's SLA verdicts…")
def _board(stamp: str, filters: Filters) -> Board:
    del stamp
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    names, teams = loaders.names()
    zones = {n: str(c.timezone) for n, c in loaders.get_config().calendars.items()}
    risky = views.at_risk(evaluation, filters, names, teams, limit=None, zones=zones)
    if not risky.empty:
        risky["Open"] = drill_links(filters, risky["team_id"], risky["owner_id"], risky["lead_id"])
    open_total = int(sum(views.sla_summary(evaluation, filters)["open"])) if evaluation.slas else 0
    found = views.quota(evaluation)
    quota = found[1] if found is not None else None
    frozen = getattr(evaluation, "frozen", None)
    caption = f"As of {filters.as_of.astimezone(filters.zone):%a %d %b %Y, %H:%M %Z}"
    if frozen:
        caption += f" · frozen month (snapshot of {frozen.get('frozen_at', '')})"
    scope = [
        s
        for s in (filters.team_id and teams.get(filters.team_id, filters.team_id), filters.source)
        if s
    ]
    if scope:
        caption += " · filtered to " + ", ".join(scope)
    return Board(
        month=filters.month,
        month_label=fmt_month(filters.month, long=True),
        caption=caption,
        quota=quota,
        quota_sentence=_quota_sentence(found[0].name if found else "", quota) if quota else "",
        slas=views.sla_summary(evaluation, filters),
        at_risk=risky,
        open_total=open_total,
    )


@dataclass
class Trend:
    months: list[str]
    table: pd.DataFrame  # month, sla_id, name, target_pct, compliance_pct, met, breached


@st.cache_data(show_spinner="Computing the trend over recent months…", ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
def _trend(stamp: str, filters: Filters) -> Trend:
    del stamp
    months = months_through(filters.month, TREND_MONTHS)
    first_data, _ = loaders.lead_month_range(filters.zone)
    if first_data:
        months = [m for m in months if m >= first_data] or [filters.month]
    return Trend(months, views.trend(evaluations.evaluations(months, filters.as_of), filters))


def trend(filters: Filters) -> Trend:
    """Compliance per SLA over the last months (settled months stay cached across as-of rollovers)."""
    return _trend(loaders.data_stamp(), filters.key)


def load(filters: Filters) -> Board:
    """Everything the Overview draws, for the sidebar's filters."""
    return _board(loaders.data_stamp(), filters.key)


def _quota_sentence(name: str, q: dict[str, Any]) -> str:
    status = "on pace" if (q.get("pace_pct") or 0) >= 100 else "behind pace"
    if q.get("month_complete"):
        status = "met" if q.get("met") else "missed"
    return (
        f"**{name}**\n\n"
        f"Marketing has delivered **{fmt_count(q['delivered'])}** leads; sales accepted "
        f"**{fmt_count(q['accepted'])}** of the **{fmt_count(q['target'])}** agreed "
        f"({fmt_pct(q['attainment_pct'])}). With {q.get('business_days_gone', 0):.0f} of "
        f"{q.get('business_days_total', 0):.0f} business days gone that is **{status}**; "
        f"at this rate the month ends near **{fmt_count(q.get('projected_accepted'))}**."
    )


def counts_line(row: dict[str, Any]) -> str:
    """The four state counts as coloured badges (the same colours as every chart)."""
    colors = {"met": "green", "breached": "red", "open": "blue", "excluded": "gray"}
    return " ".join(f":{colors[s]}-badge[{fmt_count(row[s])} {s}]" for s in colors)


def number(value: Any) -> float | None:
    """A float, or None for a missing value (None or NaN)."""
    return None if value is None or pd.isna(value) else float(value)


def page_for(kind: str) -> str:
    return "pages/service.py" if kind == "service_first_contact" else "pages/follow_up.py"
