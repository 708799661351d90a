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


def evaluate_quota(
    sla: SlaDef,
    leads: pd.DataFrame,
    owner_team: pd.Series,
    month: str,
    as_of: pd.Timestamp,
    calendars: Mapping[str, Calendar],
) -> dict[str, Any]:
    """Figures of one quota for one month as known at `as_of`."""
    lo, hi = month_bounds(month, sla.timezone)
    handed = leads[C.HANDED_OFF_AT]
    delivered_mask = handed.notna() & (handed >= lo) & (handed < hi) & (handed <= as_of)
    if sla.team_id:
        teams = leads[C.OWNER_ID].map(owner_team)
        delivered_mask &= (teams == sla.team_id).to_numpy()
    delivered_leads = leads[delivered_mask]
    rejected_at = delivered_leads[C.REJECTED_AT]
    rejected = int((rejected_at.notna() & (rejected_at <= as_of)).sum())
    return quota_figures(sla, len(delivered_leads), rejected, month, as_of, calendars)


def quota_figures(
    sla: SlaDef,
    delivered: int,
    rejected: int,
    month: str,
    as_of: pd.Timestamp,
    calendars: Mapping[str, Calendar],
) -> dict[str, Any]:
    """The quota's figures from its counts: what `as_of` alone changes (business days gone,
    pace, projection, month complete) is computed here, so a cached month can be moved on."""
    _, hi = month_bounds(month, sla.timezone)
    accepted = delivered - rejected
    target = int(sla.monthly_target or 0)
    attainment = round(100.0 * accepted / target, 2) if target else None
    calendar_name = sla.raw.get("calendar") if isinstance(sla.raw, Mapping) else None
    days = business_days(
        month, sla.timezone, calendars.get(str(calendar_name)) if calendar_name else None
    )
    complete = as_of >= hi
    today = as_of.tz_convert(sla.timezone).date()
    gone = len(days) if complete else int(np.sum([d < today for d in days]))
    total = len(days)
    expected = target * gone / total if total else None
    pace = round(100.0 * accepted / expected, 2) if expected else None
    if complete:
        projected: float | None = float(accepted)
    elif gone:
        projected = round(accepted * total / gone, 1)
    else:
        projected = None
    return {
        "target": target,
        "delivered": delivered,
        "accepted": accepted,
        "rejected": rejected,
        "attainment_pct": attainment,
        "met": bool(attainment is not None and attainment >= 100.0),
        "business_days_total": total,
        "business_days_gone": gone,
        "expected_by_now": round(expected, 1) if expected is not None else None,
        "pace_pct": pace,
        "projected_accepted": projected,
        "projected_attainment_pct": round(100.0 * projected / target, 2)
        if projected is not None and target
        else None,
        "month_complete": bool(complete),
    }
