"""The `lead_quota` SLA (SPEC.md section 3): delivered, accepted, attainment, pace and projection.

Pure: leads and owners in, a plain dict of figures out (keys `engine_columns.QUOTA_KEYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from models import columns as C
from models.config import SlaDef
from models.time.calendar import Calendar
from models.time.working_time import working_intervals


def month_bounds(month: str, zone: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[first instant, first instant of the next month) of `month` in `zone`, as UTC."""
    first = pd.Timestamp(f"{month}-01")
    following = first + pd.offsets.MonthBegin(1)
    return (
        first.tz_localize(zone).tz_convert("UTC"),
        following.tz_localize(zone).tz_convert("UTC"),
    )


def business_days(month: str, zone: str, calendar: Calendar | None) -> list[date]:
    """The month's business days: days on which the calendar has working time, or Monday to
    Friday in the quota's time zone when it names no calendar."""
    lo, hi = month_bounds(month, zone)
    if calendar is not None:
        worked = working_intervals(calendar, lo.to_pydatetime(), hi.to_pydatetime())
        local = worked["start"].dt.tz_convert(zone).dt.date
        return sorted(set(local))
    days = pd.date_range(f"{month}-01", periods=lo.tz_convert(zone).days_in_month, freq="D")
    return [d.date() for d in days if d.weekday() < 5]


def receiving_reps(
    owners: pd.DataFrame, team_tier: pd.Series, team_id: str | None
) -> pd.DataFrame:
    """The reps a per-person quota owes leads to (SPEC.md section 3): active owners of the sales
    tier (of `team_id` when set), as columns owner_id, team_id sorted by owner id."""
    if owners.empty:
        return pd.DataFrame({C.OWNER_ID: pd.Series([], dtype=object),
                             C.TEAM_ID: pd.Series([], dtype=object)})  # fmt: skip
    people = owners.drop_duplicates(C.OWNER_ID)
    active = (
        people[C.ACTIVE].map(_is_active).to_numpy(bool)
        if C.ACTIVE in people.columns
        else np.ones(len(people), dtype=bool)
    )
    tier = people[C.TEAM_ID].map(team_tier)
    chosen = active & (tier == "sales").to_numpy()
    if team_id:
        chosen &= (people[C.TEAM_ID] == team_id).to_numpy()
    reps = people.loc[chosen, [C.OWNER_ID, C.TEAM_ID]].astype(object)
    return reps.sort_values(C.OWNER_ID, key=lambda v: v.astype(str)).reset_index(drop=True)


def _is_active(value: Any) -> bool:
    """An owner's `active` flag: missing means active (SPEC.md section 1's default)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return True
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "")
    return bool(value)


def evaluate_quota(
    sla: SlaDef,
    leads: pd.DataFrame,
    owner_team: pd.Series,
    month: str,
    as_of: pd.Timestamp,
    calendars: Mapping[str, Calendar],
    reps: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Figures of one quota for one month as known at `as_of`; with `per_owner_target`, `reps`
    (from `receiving_reps`) each get their own line under `owners`."""
    lo, hi = month_bounds(month, sla.timezone)
    handed = leads[C.HANDED_OFF_AT]
    delivered_mask = handed.notna() & (handed >= lo) & (handed < hi) & (handed <= as_of)
    if sla.team_id:
        teams = leads[C.OWNER_ID].map(owner_team)
        delivered_mask &= (teams == sla.team_id).to_numpy()
    delivered_leads = leads[delivered_mask]
    rejected_at = delivered_leads[C.REJECTED_AT]
    is_rejected = rejected_at.notna() & (rejected_at <= as_of)
    rejected = int(is_rejected.sum())
    owner_counts = None
    if sla.per_owner_target is not None:
        owner_counts = _owner_counts(delivered_leads[C.OWNER_ID], is_rejected, reps)
    return quota_figures(
        sla, len(delivered_leads), rejected, month, as_of, calendars, owner_counts
    )


def _owner_counts(
    owner_of_lead: pd.Series, is_rejected: pd.Series, reps: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """Each receiving rep's delivered and rejected leads (0 for a rep who got none)."""
    if reps is None or reps.empty:
        return []
    owner_ids = pd.Index(reps[C.OWNER_ID], dtype=object)
    where = owner_ids.get_indexer(pd.Index(owner_of_lead, dtype=object))
    mine = where >= 0
    delivered = np.bincount(where[mine], minlength=len(owner_ids))
    rejected = np.bincount(
        where[mine], weights=is_rejected.to_numpy(bool)[mine].astype(float),
        minlength=len(owner_ids),
    )  # fmt: skip
    return [
        {"owner_id": owner, "team_id": team, "delivered": int(d), "rejected": int(r)}
        for owner, team, d, r in zip(
            reps[C.OWNER_ID], reps[C.TEAM_ID], delivered, rejected, strict=True
        )
    ]


def _pace(
    accepted: int, target: int, gone: int, total: int, complete: bool
) -> dict[str, Any]:
    """Pace and projection of `accepted` against `target` after `gone` of `total` business days."""
    expected = target * gone / total if total else None
    pace = round(100.0 * accepted / expected, 2) if expected else None
    if complete:
        projected: float | None = float(accepted)
    elif gone:
        projected = round(accepted * total / gone, 1)
    else:
        projected = None
    return {
        "expected_by_now": round(expected, 1) if expected is not None else None,
        "pace_pct": pace,
        "projected_accepted": projected,
        "projected_attainment_pct": round(100.0 * projected / target, 2)
        if projected is not None and target
        else None,
    }


def quota_figures(
    sla: SlaDef,
    delivered: int,
    rejected: int,
    month: str,
    as_of: pd.Timestamp,
    calendars: Mapping[str, Calendar],
    owner_counts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The quota's figures from its counts (and each receiving rep's, `owner_counts`, for a
    per-person quota): what `as_of` alone changes (business days gone, pace, projection, month
    complete) is computed here, so a cached month can be moved on."""
    _, hi = month_bounds(month, sla.timezone)
    accepted = delivered - rejected
    per_owner = sla.per_owner_target
    if sla.monthly_target:
        target = int(sla.monthly_target)
    elif per_owner is not None:
        target = int(per_owner) * len(owner_counts or [])
    else:
        target = 0
    attainment = round(100.0 * accepted / target, 2) if target else None
    calendar_name = sla.raw.get("calendar") if isinstance(sla.raw, Mapping) else None
    days = business_days(
        month, sla.timezone, calendars.get(str(calendar_name)) if calendar_name else None
    )
    complete = as_of >= hi
    today = as_of.tz_convert(sla.timezone).date()
    gone = len(days) if complete else int(np.sum([d < today for d in days]))
    total = len(days)
    owners: list[dict[str, Any]] | None = None
    if per_owner is not None:
        owners = []
        for counts in owner_counts or []:
            mine = int(counts["delivered"]) - int(counts["rejected"])
            owner_attainment = round(100.0 * mine / per_owner, 2)
            owners.append(
                {
                    "owner_id": counts["owner_id"],
                    "team_id": counts["team_id"],
                    "target": int(per_owner),
                    "delivered": int(counts["delivered"]),
                    "accepted": mine,
                    "rejected": int(counts["rejected"]),
                    "attainment_pct": owner_attainment,
                    "met": bool(owner_attainment >= 100.0),
                    **_pace(mine, int(per_owner), gone, total, complete),
                }
            )
    return {
        "target": target,
        "delivered": delivered,
        "accepted": accepted,
        "rejected": rejected,
        "attainment_pct": attainment,
        "met": bool(attainment is not None and attainment >= 100.0),
        "business_days_total": total,
        "business_days_gone": gone,
        **_pace(accepted, target, gone, total, complete),
        "month_complete": bool(complete),
        "per_owner_target": per_owner,
        "owners": owners,
    }
