"""Each team manager's morning digest: breached since yesterday, due today, reps slipping this
month. Part of the pure nudge planner (`models.nudges.planner`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from models.config_nudges import NudgeConfig
from models.engine import columns as E
from models.nudges.frames import (
    DETAILS,
    DIGEST_SLA,
    DIGEST_STAGE,
    RANK,
    RECIPIENT,
    RECIPIENT_CALENDAR,
    ROLE,
    STAGE,
    CalendarNow,
    empty_plan_frame,
)


def rep_stats(items: pd.DataFrame, targets: Mapping[str, float]) -> pd.DataFrame:
    """Each rep's month so far per SLA (met, decided, pct) where it is below the SLA's target."""
    state = items[E.STATE]
    decided = items.loc[state.isin([E.MET, E.BREACHED]) & items[E.OWNER_ID].notna(),
                        [E.TEAM_ID, E.OWNER_ID, E.SLA_ID, E.STATE]]  # fmt: skip
    stats = (
        decided.assign(_met=decided[E.STATE] == E.MET)
        .groupby([E.TEAM_ID, E.OWNER_ID, E.SLA_ID])["_met"]
        .agg(met="sum", decided="size")
        .reset_index()
    )
    stats["pct"] = 100.0 * stats["met"] / stats["decided"]
    stats["target"] = stats[E.SLA_ID].map(targets)
    return stats[stats["target"].notna() & (stats["pct"] < stats["target"])]


def digest_rows(
    items: pd.DataFrame,
    slipping_all: pd.DataFrame,
    teams: pd.DataFrame,
    team_calendar: pd.Series,
    clocks: Mapping[str, CalendarNow],
    config: NudgeConfig,
    as_of: datetime,
    default_calendar: str | None,
) -> pd.DataFrame:
    """Each team manager's digest for their team's working day: due only once that day's
    working time has begun (a pass at 06:00 waits; the first pass after 09:00 sends it).
    `items`: the open and recently breached ones; `slipping_all`: reps below target."""
    now = pd.Timestamp(as_of).tz_convert("UTC")
    recent = items[items[E.STATE] == E.BREACHED]
    open_items = items[items[E.STATE] == E.OPEN]
    by_team: dict[str, dict[Any, pd.DataFrame]] = {
        name: dict(tuple(frame.groupby(E.TEAM_ID)))
        for name, frame in (("breached", recent), ("open", open_items), ("slipping", slipping_all))
    }
    rows: list[dict[str, Any]] = []
    for team in teams.itertuples(index=False):  # teams, never items
        address = team.manager_email
        own = team_calendar.get(team.team_id)
        name = own if isinstance(own, str) else default_calendar
        if (
            not isinstance(address, str)
            or not address
            or not isinstance(name, str)
            or name not in clocks
        ):
            continue
        clock = clocks[name]
        if clock.day_start is None or now < clock.day_start:
            continue  # not a working day, or it has not begun yet
        parts = {key: found.get(team.team_id, items.iloc[0:0]) for key, found in by_team.items()}
        details = _digest_details(parts, clock, config, now)
        if not (details["breached"] or details["due_today"] or details["slipping"]):
            continue  # nothing to say: no message (a digest of zeros is noise)
        day = clock.local_midnight.tz_convert(clock.zone).date().isoformat()
        rows.append({
            E.SLA_ID: DIGEST_SLA, E.KIND: DIGEST_SLA, E.ITEM_ID: f"{team.team_id}:{day}",
            E.TEAM_ID: team.team_id, STAGE: DIGEST_STAGE, RANK: 0, ROLE: "manager",
            RECIPIENT: address, RECIPIENT_CALENDAR: name, DETAILS: details,
        })  # fmt: skip
    return pd.DataFrame(rows) if rows else empty_plan_frame()


def _digest_details(
    parts: Mapping[str, pd.DataFrame], clock: CalendarNow, config: NudgeConfig, now: pd.Timestamp
) -> dict[str, Any]:
    """Breached since yesterday (local midnight), due before today ends, reps slipping."""
    limit = config.digest_max_items
    since = clock.local_midnight - pd.Timedelta(days=1)
    recent, open_items, low = parts["breached"], parts["open"], parts["slipping"]
    breached = (
        recent[pd.to_datetime(recent[E.BREACHED_AT], utc=True) >= since] if len(recent) else recent
    )
    due = (open_items[pd.to_datetime(open_items[E.DUE_AT], utc=True) < clock.local_day_end]
           if len(open_items) else open_items)  # fmt: skip
    slipping = [
        {"owner_id": r[E.OWNER_ID], "sla_id": r[E.SLA_ID], "pct": round(float(r["pct"]), 1),
         "target": float(r["target"]), "decided": int(r["decided"])}
        for r in low.sort_values("pct").head(limit).to_dict("records")
    ] if len(low) else []  # fmt: skip

    def listed(frame: pd.DataFrame, by: str) -> list[dict[str, Any]]:
        frame = frame.sort_values(by).head(limit)
        return [
            {"sla_id": r[E.SLA_ID], "item_id": r[E.ITEM_ID], "lead_id": r[E.LEAD_ID],
             "owner_id": r[E.OWNER_ID], "at": pd.Timestamp(r[by]).isoformat() if pd.notna(r[by]) else None,
             "remaining": None if pd.isna(r[E.REMAINING]) else float(r[E.REMAINING])}
            for r in frame.to_dict("records")
        ]  # fmt: skip

    return {
        "breached": listed(breached, E.BREACHED_AT),
        "breached_total": len(breached),
        "due_today": listed(due, E.DUE_AT),
        "due_total": len(due),
        "slipping": slipping,
    }
