"""The Follow-up and Service pages' data: per-team and per-rep tables of one SLA's items.

Time figures are business hours. "Time to first touch" uses the items a contact actually
stopped (a rejection also stops the clock, but is not a touch); compliance uses every decided
item, as the engine does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from models.engine import columns as E
from ui import evaluations, loaders, views
from ui.filters import Filters
from ui.overview import drill_link, drill_links


@dataclass
class SlaView:
    """One SLA of the month, filtered, with everything its page draws."""

    sla_id: str
    name: str
    kind: str
    target_pct: float
    target_hours: float | None
    min_attempts: int | None
    summary: dict[str, Any]
    items: pd.DataFrame  # items with owner/team names, hours columns and a drill-down link
    by_team: pd.DataFrame
    by_rep: pd.DataFrame


def summarise_groups(items: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts by state, compliance, hours to stop (median, P90) and attempts per group."""
    if items.empty:
        return pd.DataFrame()
    state = items[E.STATE]
    # Only the columns the figures need (not a copy of every item column), and no Python
    # function per group: this runs on every view of a 100k-item month.
    frame = pd.DataFrame({key: items[key] for key in keys})
    frame = frame.assign(
        _state=state,
        _met=state == E.MET,
        _breached=state == E.BREACHED,
        _open=state == E.OPEN,
        _excluded=state == E.EXCLUDED,
        _touch=items["touch_hours"],
        _routing=items["routing_hours"],
        _attempts=pd.to_numeric(items[E.ATTEMPTS], errors="coerce").where(
            state.isin((E.MET, E.BREACHED))
        ),
        _untouched=items["never_touched"],
    )
    grouped = frame.groupby(keys, dropna=False)
    out = grouped.agg(
        items=("_state", "size"),
        met=("_met", "sum"),
        breached=("_breached", "sum"),
        open=("_open", "sum"),
        excluded=("_excluded", "sum"),
        median_hours=("_touch", "median"),
        routing_median_hours=("_routing", "median"),
        average_attempts=("_attempts", "mean"),
        never_touched=("_untouched", "sum"),
    )
    # Linear interpolation over the values present, as numpy's nanpercentile.
    out.insert(6, "p90_hours", grouped["_touch"].quantile(0.9).astype(float))
    out = out.reset_index()
    out["decided"] = out["met"] + out["breached"]
    out["compliance_pct"] = np.where(
        out["decided"] > 0, 100.0 * out["met"] / out["decided"].where(out["decided"] > 0, 1), np.nan
    )
    return out


_TOUCHED = (E.STOP_ACTIVITY, E.STOP_REACHED, E.STOP_ATTEMPTS)


@loaders.view_cache(show_spinner="Computing verdicts…")
def _sla_view(stamp: str, filters: Filters, kind: str, sla_id: str | None) -> SlaView | None:
    del stamp
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    results = [r for r in views.scoped_results(evaluation, filters) if r.kind == kind]
    if sla_id is not None:
        results = [r for r in results if r.sla_id == sla_id] or results
    if not results:
        return None
    result = results[0]
    owners, teams = loaders.names()
    # No page shows these items' explanation sentences: skip writing 100k of them.
    items = result.lean_items.copy()
    # One definition with the report's "median first touch": business time to the contact that
    # stopped the clock, over decided items a contact stopped (not rejections, not exclusions).
    touched = items[E.STOP_REASON].isin(
        (E.STOP_ACTIVITY, E.STOP_REACHED, E.STOP_ATTEMPTS)
    ) & items[E.STATE].isin((E.MET, E.BREACHED))
    items["touch_hours"] = (pd.to_numeric(items[E.ELAPSED], errors="coerce") / 60.0).where(touched)
    items["elapsed_hours"] = pd.to_numeric(items[E.ELAPSED], errors="coerce") / 60.0
    items["target_hours"] = pd.to_numeric(items[E.TARGET], errors="coerce") / 60.0
    items["routing_hours"] = pd.to_numeric(items[E.ROUTING_DELAY_BUSINESS], errors="coerce") / 60.0
    items["never_touched"] = items[E.STOP].isna() & items[E.STATE].isin((E.BREACHED, E.OPEN))
    items[E.START] = pd.to_datetime(items[E.START], utc=True).dt.tz_convert(filters.zone)
    items["rep"] = items[E.OWNER_ID].map(owners).fillna("(unassigned)")
    items["team"] = items[E.TEAM_ID].map(teams).fillna("(unassigned)")
    items["link"] = drill_links(filters, items[E.TEAM_ID], items[E.OWNER_ID], items[E.LEAD_ID])
    by_team = summarise_groups(items, [E.TEAM_ID, "team"])
    if not by_team.empty:
        by_team["link"] = [drill_link(filters, team=t) for t in by_team[E.TEAM_ID]]
    by_rep = summarise_groups(items, [E.TEAM_ID, "team", E.OWNER_ID, "rep"])
    if not by_rep.empty:
        # Leads with no rep have no rep median: nobody's speed to report.
        nobody = by_rep[E.OWNER_ID].isna()
        by_rep.loc[nobody, ["median_hours", "p90_hours"]] = np.nan
        by_rep["link"] = [
            drill_link(filters, team=t, rep=o)
            for t, o in zip(by_rep[E.TEAM_ID], by_rep[E.OWNER_ID], strict=True)
        ]
        by_rep["meets_target"] = by_rep["compliance_pct"] >= result.target_pct
    targets = items["target_hours"].dropna()
    return SlaView(
        sla_id=result.sla_id,
        name=result.name,
        kind=result.kind,
        target_pct=result.target_pct,
        target_hours=float(targets.mode().iloc[0]) if len(targets) else None,
        min_attempts=result.min_attempts,
        summary={
            "counts": dict(result.counts),
            "compliance_pct": result.compliance_pct,
            "met": result.met,
            "average_attempts": result.average_attempts,
            "median_hours": float(items["touch_hours"].median())
            if items["touch_hours"].notna().any()
            else None,
            "p90_hours": float(np.nanpercentile(items["touch_hours"], 90))
            if items["touch_hours"].notna().any()
            else None,
            "routing_median_hours": float(items["routing_hours"].median())
            if items["routing_hours"].notna().any()
            else None,
            "never_touched": int(items["never_touched"].sum()),
        },
        items=items,
        by_team=by_team.sort_values("compliance_pct", na_position="last")
        if not by_team.empty
        else by_team,
        by_rep=by_rep.sort_values(
            ["compliance_pct", "median_hours"], ascending=[True, False], na_position="last"
        )
        if not by_rep.empty
        else by_rep,
    )


def sla_view(filters: Filters, kind: str, sla_id: str | None = None) -> SlaView | None:
    """The first SLA of `kind` (or `sla_id`) for the filters; None when the SLA file has none."""
    return _sla_view(loaders.data_stamp(), filters.key, kind, sla_id)


def sla_choices(filters: Filters, kind: str) -> list[tuple[str, str]]:
    """(sla_id, name) of every SLA of `kind` this month."""
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    return [(r.sla_id, r.name) for r in evaluation.slas if r.kind == kind]


def segment_targets(view: SlaView) -> dict[str, float]:
    """Target hours per segment of the view's items ("" for items outside any segment)."""
    items = view.items
    if items.empty:
        return {}
    segments = items[E.SEGMENT].fillna("").astype(str)
    targets = items["target_hours"].groupby(segments).agg(lambda v: v.mode().iloc[0])
    return {str(k): float(v) for k, v in targets.dropna().items()}


def worst_rep(view: SlaView, min_decided: int = 3) -> pd.Series | None:
    """The rep with the lowest compliance (ties: slowest median), among reps with enough items."""
    reps = view.by_rep
    if reps.empty:
        return None
    eligible = reps[(reps["decided"] >= min_decided) & reps[E.OWNER_ID].notna()]
    if eligible.empty:
        eligible = reps[reps["decided"] > 0]
    if eligible.empty:
        return None
    ranked = eligible.sort_values(
        ["compliance_pct", "median_hours"], ascending=[True, False], na_position="last"
    )
    return ranked.iloc[0]


def monthly_customers(filters: Filters, kind: str, months: list[str]) -> pd.DataFrame:
    """Items and median business hours to first contact per month (for the Service page);
    months before the first handed-off lead are left out rather than drawn as zeros."""
    first, _ = loaders.lead_month_range(filters.zone)
    if first is not None:
        months = [m for m in months if m >= first] or months[-1:]
    return _monthly(loaders.data_stamp(), filters.key, kind, tuple(months))


@st.cache_data(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
def _monthly(stamp: str, filters: Filters, kind: str, months: tuple[str, ...]) -> pd.DataFrame:
    # The months in one batch (settled ones from memory, the rest from the verdict cache), and
    # only the few figures the chart needs: no per-month view with its links and tables.
    del stamp
    rows = []
    for month, evaluation in zip(
        months, evaluations.evaluations(list(months), filters.as_of), strict=True
    ):
        found = [r for r in views.scoped_results(evaluation, filters) if r.kind == kind]
        if not found:
            continue
        items = found[0].lean_items
        touched = items[E.STOP_REASON].isin(_TOUCHED)
        hours = (pd.to_numeric(items[E.ELAPSED], errors="coerce") / 60.0).where(touched)
        rows.append(
            {
                "month": month,
                "customers": len(items),
                "median_hours": float(hours.median()) if hours.notna().any() else None,
                "p90_hours": float(np.nanpercentile(hours, 90)) if hours.notna().any() else None,
                "compliance_pct": found[0].compliance_pct,
            }
        )
    return pd.DataFrame(rows)
