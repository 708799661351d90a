"""Page-ready summaries of an evaluation, for the shared filters (team, source).

The verdicts themselves come from the engine; here they are only filtered, counted and named.
Figures of a filtered set are recomputed by the engine's own summariser, so the dashboard and
`handoff evaluate --team` count the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models.engine import columns as E
from ui.filters import Filters
from ui.theme import KIND_LABELS

PER_ITEM_KINDS = ("first_touch", "follow_up_attempts", "service_first_contact")


def scoped_items(evaluation: Any, filters: Filters, kind: str | None = None) -> pd.DataFrame:
    """The evaluation's items narrowed to the sidebar's tier or team, and source."""
    # Explanation sentences cost ~1.3 s per 100k items: callers explain only the rows they show.
    items = evaluation.items(kind, explain=False)
    if items.empty:
        return items
    return items[_item_mask(items, filters)]


def is_filtered(filters: Filters) -> bool:
    return bool(filters.team_id or filters.source or filters.tier)


def _item_mask(items: pd.DataFrame, filters: Filters) -> pd.Series:
    mask = pd.Series(True, index=items.index)
    if filters.team_id:
        mask &= items[E.TEAM_ID] == filters.team_id
    elif filters.tier:
        # A tier without a team: items owned by any team of that tier.
        mask &= items[E.TEAM_ID].isin(list(filters.tier_teams))
    if filters.source:
        mask &= items[E.SOURCE] == filters.source
    return mask


def scoped_result(result: Any, filters: Filters) -> Any:
    """One SLA's result for the filtered items, its figures recomputed by the engine's own
    summariser (so a team's compliance here equals `handoff evaluate --team`)."""
    if result.kind not in PER_ITEM_KINDS or not is_filtered(filters) or result.items.empty:
        return result
    from models.engine.summary import resummarise

    return resummarise(result, result.items[_item_mask(result.items, filters)])


def scoped_results(evaluation: Any, filters: Filters) -> list[Any]:
    """Per-item SLA results of the evaluation, narrowed to the filters' items."""
    return [scoped_result(r, filters) for r in evaluation.slas if r.kind in PER_ITEM_KINDS]


def sla_summary(evaluation: Any, filters: Filters) -> pd.DataFrame:
    """One row per per-item SLA: target, counts by state, compliance, at risk (filtered)."""
    rows = []
    for result in scoped_results(evaluation, filters):
        row: dict[str, Any] = {
            "sla_id": result.sla_id,
            "name": result.name,
            "kind": result.kind,
            "kind_label": KIND_LABELS.get(result.kind, result.kind),
            "provider": result.provider,
            "target_pct": result.target_pct,
            **{state: int(result.counts.get(state, 0)) for state in E.STATES},
            "compliance_pct": result.compliance_pct,
            "meets_target": result.met,
            "at_risk": result.at_risk_count,
            "average_attempts": result.average_attempts,
            "min_attempts": result.min_attempts,
            "credit": result.credit,
        }
        rows.append(row)
    summary = pd.DataFrame(rows)
    if not summary.empty:
        summary["card_label"] = short_labels(summary)
    return summary


def sla_labels(evaluation: Any) -> dict[str, str]:
    """SLA id -> its short label (see `short_labels`) for every SLA of the evaluation."""
    slas = pd.DataFrame(
        [
            {"sla_id": s.sla_id, "kind": s.kind, "kind_label": KIND_LABELS.get(s.kind, s.kind)}
            for s in evaluation.slas
        ],
        columns=["sla_id", "kind", "kind_label"],
    )
    return dict(zip(slas["sla_id"], short_labels(slas), strict=True))


def short_labels(slas: pd.DataFrame) -> list[str]:
    """A short label per SLA for cards and column headers: its kind ("First touch"), plus the
    SLA id when two SLAs share a kind. Full names are long sentences that cards would cut."""
    repeated = slas["kind"].duplicated(keep=False)
    return [
        f"{label} ({sla_id})" if twice else str(label)
        for label, sla_id, twice in zip(slas["kind_label"], slas["sla_id"], repeated, strict=True)
    ]


def quota(evaluation: Any) -> tuple[Any, dict[str, Any]] | None:
    """The lead-quota SLA and its figures, if the SLA file has one."""
    for result in evaluation.slas:
        if result.kind == "lead_quota" and result.quota:
            return result, dict(result.quota)
    return None


def trend(evaluations: list[Any], filters: Filters) -> pd.DataFrame:
    """Compliance per SLA per month (filtered like the rest), oldest first."""
    frames = []
    for evaluation in evaluations:
        summary = sla_summary(evaluation, filters)
        if summary.empty:
            continue
        summary["month"] = evaluation.month
        frames.append(
            summary[["month", "sla_id", "name", "target_pct", "compliance_pct", "met", "breached"]]
        )
    if not frames:
        return pd.DataFrame(columns=["month", "sla_id", "name", "target_pct", "compliance_pct"])
    return pd.concat(frames, ignore_index=True)


def owner_label(items: pd.DataFrame, names: dict[str, str]) -> pd.Series:
    """Whose each item is, by name: "(service queue)" for a new customer nobody in service has
    picked up yet, "(unassigned)" for a lead with no owner."""
    named = items[E.OWNER_ID].map(names).fillna(items[E.OWNER_ID]).astype(object)
    nobody = np.where(items[E.DEAL_ID].notna(), "(service queue)", "(unassigned)")
    return pd.Series(
        np.where(items[E.OWNER_ID].isna(), nobody, named.to_numpy(dtype=object)),
        index=items.index,
        dtype=object,
    )


def at_risk(
    evaluation: Any,
    filters: Filters,
    names: dict[str, str],
    teams: dict[str, str],
    limit: int | None = 25,
    zones: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Open items that will breach soonest (least business time left first), with owner and time
    left; `limit` None keeps them all. `zones` (calendar name -> time zone) puts each due time on
    its team's clock ("Due (local)") and says whether it is due today there (`due_today`)."""
    items = scoped_items(evaluation, filters)
    if items.empty:
        return pd.DataFrame()
    open_items = items[items[E.STATE] == E.OPEN].copy()
    if open_items.empty:
        return pd.DataFrame()
    open_items["_left"] = pd.to_numeric(open_items[E.REMAINING], errors="coerce")
    open_items = open_items.sort_values(["_left", E.DUE_AT], na_position="last")
    if limit is not None:
        open_items = open_items.head(limit)
    local, today = _on_team_clock(open_items, zones or {}, filters)
    return pd.DataFrame(
        {
            "sla_id": open_items[E.SLA_ID],
            "SLA": open_items[E.SLA_ID].map(sla_labels(evaluation)),
            "lead_id": open_items[E.LEAD_ID],
            "Item": np.where(
                open_items[E.DEAL_ID].notna(),
                "Customer " + open_items[E.DEAL_ID].astype(str),
                "Lead " + open_items[E.LEAD_ID].astype(str),
            ),
            "owner_id": open_items[E.OWNER_ID],
            "Owner": owner_label(open_items, names),
            "Closed by": open_items[E.CLOSED_BY_OWNER_ID].map(names).fillna(""),
            "team_id": open_items[E.TEAM_ID],
            "Team": open_items[E.TEAM_ID].map(teams).fillna("—"),
            "Business hours left": open_items["_left"] / 60.0,
            "Due": pd.to_datetime(open_items[E.DUE_AT], utc=True).dt.tz_convert(filters.zone),
            "Due (local)": local,
            "due_today": today,
            "is_customer": open_items[E.DEAL_ID].notna().to_numpy(),
            "At risk": open_items[E.AT_RISK].fillna(False).astype(bool),
        }
    ).reset_index(drop=True)


def _on_team_clock(
    items: pd.DataFrame, zones: dict[str, str], filters: Filters
) -> tuple[pd.Series, pd.Series]:
    """Each due instant as "Tue 20 Oct, 14:00 EDT" in its item's calendar zone (the team's
    hours), and whether that is today on the same clock."""
    due = pd.to_datetime(items[E.DUE_AT], utc=True)
    text = pd.Series("—", index=items.index, dtype=object)
    today = pd.Series(False, index=items.index, dtype=bool)
    calendars = items[E.CALENDAR].astype(object)
    for name in calendars.dropna().unique():
        zone = zones.get(str(name), str(filters.zone))
        mine = (calendars == name) & due.notna()
        local = due[mine].dt.tz_convert(zone)
        text[mine] = local.map(lambda v: f"{v:%a %d %b, %H:%M} {v.tzname()}")
        now_local = pd.Timestamp(filters.now).tz_convert(zone).date()
        today[mine] = local.dt.date == now_local
    return text, today
