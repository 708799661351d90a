"""Whom to tell what, now: the pure nudge planner.

Given the item verdicts at `as_of`, the people (owners, teams), the calendars, the `[nudges]`
configuration and the log of what was already claimed or sent, `plan_nudges` decides each
(item, stage, recipient, channel) to send now, and what waits for its recipient's next working
start. No SQL, no clock reads: `as_of` and everything else are arguments.

Rules (README "Pre-breach nudges"):
- a stage is reached when `at_pct` of the item's target is used while it is still open; the
  breach stage (at_pct 100) when the item is breached, and not later than `max_age_hours` after;
- each (item, recipient) gets only the highest stage reached, and never a stage below one it
  already had; each (item, stage, recipient) is sent at most once, ever;
- only inside the recipient's working time (their team's calendar, holidays included), else it
  waits for the next working start (overnight breaches also show in the morning digest);
- the morning digest goes to each team manager in the first pass of their team's working day;
- a quota whose pace drops below `pace_below_pct` warns marketing ops once a month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from models.config_nudges import NudgeConfig
from models.engine import columns as E
from models.nudges.digest import digest_rows, rep_stats
from models.nudges.frames import (
    CHANNEL,
    CLAIMED,
    DETAILS,
    DIGEST_SLA,
    DIGEST_STAGE,
    FAILED,
    LOG_KEY,
    PACE_STAGE,
    PCT_USED,
    PLAN_COLUMNS,
    RANK,
    RECIPIENT,
    RECIPIENT_CALENDAR,
    ROLE,
    ROOM_PREFIX,
    SEND_AT,
    SENT,
    STAGE,
    CalendarNow,
    Plan,
    RetryPolicy,
    calendar_now,
    empty_plan_frame,
)
from models.time.calendar import Calendar

__all__ = [
    "CHANNEL", "CLAIMED", "DETAILS", "DIGEST_SLA", "DIGEST_STAGE", "FAILED", "LOG_KEY",
    "PACE_STAGE", "PCT_USED", "PLAN_COLUMNS", "RANK", "RECIPIENT", "RECIPIENT_CALENDAR", "ROLE",
    "ROOM_PREFIX", "SEND_AT", "SENT", "STAGE", "CalendarNow", "Plan", "RetryPolicy",
    "blocking_keys", "calendar_now", "empty_plan_frame", "plan_nudges",
]  # fmt: skip


def blocking_keys(log: pd.DataFrame, as_of: datetime, policy: RetryPolicy) -> pd.DataFrame:
    """The log rows that stop a new attempt (sent; a fresh claim; a failure not yet due for a
    retry, or out of attempts): their LOG_KEY columns plus `rank`."""
    if log.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in (*LOG_KEY, RANK)})
    now = pd.Timestamp(as_of)
    status = log["status"]
    fresh_claim = (status == CLAIMED) & (log["claimed_at"] > now - policy.stale_after)
    next_try = pd.to_datetime(log["next_attempt_at"], utc=True)
    failure_waits = (status == FAILED) & (
        (log["attempts"] >= policy.max_attempts) | (next_try.isna()) | (next_try > now)
    )
    blocks = (status == SENT) | fresh_claim | failure_waits
    return log.loc[blocks, [*LOG_KEY, RANK]]


def plan_nudges(
    *,
    items: pd.DataFrame,
    owners: pd.DataFrame,
    teams: pd.DataFrame,
    calendars: Mapping[str, Calendar],
    config: NudgeConfig,
    log: pd.DataFrame,
    as_of: datetime,
    channels: Sequence[str],
    targets: Mapping[str, float] | None = None,
    quotas: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
    policy: RetryPolicy | None = None,
    muted: frozenset[str] = frozenset(),
    managers: Mapping[str, frozenset[str]] | None = None,
) -> Plan:
    """Decide the nudges to send at `as_of` (see the module docstring).

    `items`: the engine's item verdicts (every state; open and breached ones are nudged, the
    rest feed the digest's "reps slipping"). `channels`: the person channels that are configured
    (slack, email), in the order to use. `targets`: sla_id -> target_pct. `quotas`: (sla_id,
    month, quota figures) of the lead quotas. `log`: the nudge log (LOG_KEY, rank, status,
    attempts, claimed_at, next_attempt_at). `managers`: `[access.managers]`, team_id -> more
    managers beside the team's manager_email (HubSpot teams carry none)."""
    policy = policy or RetryPolicy()
    if not config.enabled and not config.per_sla:
        return Plan(empty_plan_frame(), empty_plan_frame())
    default_calendar = next(iter(calendars)) if calendars else None
    clocks = {name: calendar_now(cal, as_of) for name, cal in calendars.items()}
    owners = owners.assign(email=owners["email"].str.strip().str.lower())
    team_calendar = _known(teams.set_index("team_id")["calendar"], calendars)
    unmanaged = unmanaged_teams(teams, owners, config, managers)
    teams = team_managers(teams, managers)  # one row per (team, manager)
    person_channel = next((c for c in config.channels if c in channels), "none")

    # Only open and recently breached items can be nudged or listed: narrow the month's items
    # (100k+ rows) to those, and to the columns used, once; the rest only feed the reps' stats.
    if not items.empty:
        enabled = [sid for sid in items[E.SLA_ID].unique() if config.for_sla(str(sid)).enabled]
        items = (
            items[items[E.SLA_ID].isin(enabled)]
            if len(enabled) < items[E.SLA_ID].nunique()
            else items
        )
    state = items[E.STATE]
    breached_at = pd.to_datetime(items[E.BREACHED_AT], utc=True)
    now = pd.Timestamp(as_of).tz_convert("UTC")
    lookback = max(pd.Timedelta(hours=config.max_age_hours), pd.Timedelta(days=4))
    recent = (state == E.BREACHED) & (breached_at >= now - lookback) & (breached_at <= now)
    live = items.loc[(state == E.OPEN) | recent, [c for c in _LIVE_COLUMNS if c in items.columns]]
    rows = [_item_rows(live, owners, teams, team_calendar, config, as_of, default_calendar)]
    if config.digest:
        stats = rep_stats(items, targets or {})
        rows.append(digest_rows(live, stats, teams, team_calendar, clocks, config, as_of,
                                 default_calendar))  # fmt: skip
    rows.append(_quota_rows(quotas, teams, team_calendar, config, default_calendar))
    candidates = pd.concat([r for r in rows if not r.empty] or [empty_plan_frame()],
                           ignore_index=True)  # fmt: skip
    if candidates.empty:
        return Plan(empty_plan_frame(), empty_plan_frame(), unmanaged)
    candidates = candidates[~candidates[RECIPIENT].isin(config.mute | muted)]
    candidates = _not_yet_sent(candidates, blocking_keys(log, as_of, policy), log)

    # A recipient without a known calendar is taken as working (never silently dropped).
    calendar_of = candidates[RECIPIENT_CALENDAR]
    working = calendar_of.map({n: c.working for n, c in clocks.items()}).fillna(True).astype(bool)
    candidates[CHANNEL] = np.where(
        candidates[RECIPIENT].str.startswith(ROOM_PREFIX), "webhook", person_channel
    )
    now = pd.Timestamp(as_of).tz_convert("UTC")
    next_start = calendar_of.map(
        {n: c.next_start for n, c in clocks.items() if c.next_start is not None}
    )
    candidates[SEND_AT] = pd.to_datetime(next_start, utc=True).where(~working, now).fillna(now)
    send = candidates[working.to_numpy(dtype=bool)]
    # A digest is a morning message: once its day's working time has begun, not in the evening
    # before (the waiting list shows when it will go).
    waiting = candidates[~working.to_numpy(dtype=bool)]
    return Plan(_ordered(send), _ordered(waiting), unmanaged)


def team_managers(
    teams: pd.DataFrame, managers: Mapping[str, frozenset[str]] | None = None
) -> pd.DataFrame:
    """`teams` with one row per (team, manager address): its manager_email and those
    `[access.managers]` lists for it, lower case, each once; a team with none keeps one row
    with no address."""
    extra = managers or {}
    addresses: list[list[str | None]] = [
        list(dict.fromkeys(
            a for a in [str(m).strip().lower() if isinstance(m, str) else "",
                        *sorted(str(x).strip().lower() for x in extra.get(str(team_id), ()))] if a
        )) or [None]
        for team_id, m in zip(teams["team_id"], teams["manager_email"], strict=True)
    ]  # fmt: skip
    out = teams.assign(manager_email=pd.Series(addresses, index=teams.index, dtype=object))
    return out.explode("manager_email").reset_index(drop=True)


def manager_is_told(config: NudgeConfig) -> bool:
    """Whether any nudge goes to a team manager: the digest, or a stage sent `to` "manager"."""
    ladders = [config.for_sla(sla_id) for sla_id in config.per_sla]
    stages = [*config.stages, *(s for ladder in ladders if ladder.enabled for s in ladder.stages)]
    return (config.enabled and config.digest) or any("manager" in s.to for s in stages)


def unmanaged_teams(
    teams: pd.DataFrame,
    owners: pd.DataFrame,
    config: NudgeConfig,
    managers: Mapping[str, frozenset[str]] | None = None,
) -> tuple[tuple[str, str], ...]:
    """Teams with owners in them whose manager would be told (digest or a manager stage) but
    who have no manager address at all: (team_id, name), by name."""
    if teams.empty or not manager_is_told(config):
        return ()
    staffed = set(owners.loc[owners["team_id"].notna(), "team_id"].astype(str))
    found = team_managers(teams, managers)
    missing = found[found["manager_email"].isna() & found["team_id"].astype(str).isin(staffed)]
    return tuple(sorted(((str(t), str(n or t)) for t, n in zip(missing["team_id"], missing["name"],
                                                                strict=True)), key=lambda p: p[1]))  # fmt: skip


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=list(PLAN_COLUMNS))
    # Breaches first, then the least time left: if sending is cut short, the urgent went out.
    return frame.sort_values([RANK, E.REMAINING], ascending=[False, True], kind="stable",
                             na_position="last").reset_index(drop=True)  # fmt: skip


def _known(calendar_of: pd.Series, calendars: Mapping[str, Calendar]) -> pd.Series:
    return calendar_of.where(calendar_of.isin(list(calendars)))


def _item_rows(
    items: pd.DataFrame,
    owners: pd.DataFrame,
    teams: pd.DataFrame,
    team_calendar: pd.Series,
    config: NudgeConfig,
    as_of: datetime,
    default_calendar: str | None,
) -> pd.DataFrame:
    if items.empty:
        return empty_plan_frame()
    now = pd.Timestamp(as_of).tz_convert("UTC")
    oldest_breach = now - pd.Timedelta(hours=config.max_age_hours)
    breached_at = pd.to_datetime(items[E.BREACHED_AT], utc=True)
    live = (items[E.STATE] == E.OPEN) | (
        (items[E.STATE] == E.BREACHED) & (breached_at >= oldest_breach) & (breached_at <= now)
    )
    items = items[live]
    ladders = []
    for sla_id in items[E.SLA_ID].unique():
        ladder = config.for_sla(str(sla_id))
        if not ladder.enabled:
            continue
        for rank, stage in enumerate(ladder.stages, start=1):
            for role in stage.to:
                ladders.append((sla_id, stage.name, rank, stage.at_pct, stage.is_breach, role))
    if not ladders or items.empty:
        return empty_plan_frame()
    stages = pd.DataFrame(ladders, columns=[E.SLA_ID, STAGE, RANK, "at_pct", "is_breach", ROLE])
    target = items[E.TARGET].astype(float)
    pct = np.where(target > 0, items[E.ELAPSED].astype(float) / target * 100.0, 0.0)
    items = items.assign(**{PCT_USED: np.round(pct, 1)})
    rows = items.merge(stages, on=E.SLA_ID)
    breached = rows[E.STATE] == E.BREACHED
    reached = np.where(rows["is_breach"], breached, ~breached & (rows[PCT_USED] >= rows["at_pct"]))
    rows = rows[reached]
    if rows.empty:
        return empty_plan_frame()
    return _recipients(rows, owners, teams, team_calendar, config, default_calendar)


def _recipients(
    rows: pd.DataFrame,
    owners: pd.DataFrame,
    teams: pd.DataFrame,
    team_calendar: pd.Series,
    config: NudgeConfig,
    default_calendar: str | None,
) -> pd.DataFrame:
    """One row per (item, stage, person): owner, team manager or team room; service items
    nobody owns go to the service queue."""
    owner_email = owners.set_index("owner_id")["email"]
    owner_team = owners.set_index("owner_id")["team_id"]
    service_teams = teams[teams["tier"] == "service"]
    queue = list(config.service_queue) or [
        m for m in service_teams["manager_email"] if isinstance(m, str) and m
    ]
    queue_calendar = next(
        (c for c in service_teams["calendar"].map(team_calendar.get) if isinstance(c, str)), None
    )
    is_service = rows[E.KIND] == "service_first_contact"
    fallback_calendar = rows[E.CALENDAR].where(rows[E.CALENDAR].notna(), default_calendar)

    own = rows[rows[ROLE] == "owner"]
    owner_rows = own.assign(
        **{RECIPIENT: own[E.OWNER_ID].map(owner_email),
           RECIPIENT_CALENDAR: own[E.OWNER_ID].map(owner_team).map(team_calendar)}
    )  # fmt: skip
    unowned = own[own[E.OWNER_ID].isna() & is_service.loc[own.index]]
    parts = [owner_rows]
    for address in queue:
        parts.append(unowned.assign(**{RECIPIENT: address, RECIPIENT_CALENDAR: queue_calendar}))
    managed = rows[rows[ROLE] == "manager"]
    # Every manager of the team (teams holds one row per team and manager).
    manager_of = teams.loc[teams["manager_email"].notna(), ["team_id", "manager_email"]]
    told = managed.reset_index(names="_row").merge(manager_of, on=E.TEAM_ID).set_index("_row")
    parts.append(told.assign(
        **{RECIPIENT: told["manager_email"], RECIPIENT_CALENDAR: told[E.TEAM_ID].map(team_calendar)}
    ).drop(columns="manager_email").rename_axis(None))  # fmt: skip
    no_team = managed[managed[E.TEAM_ID].isna() & is_service.loc[managed.index]]
    for address in queue:
        parts.append(no_team.assign(**{RECIPIENT: address, RECIPIENT_CALENDAR: queue_calendar}))
    rooms = rows[(rows[ROLE] == "room") & rows[E.TEAM_ID].isin(list(config.rooms))]
    parts.append(rooms.assign(
        **{RECIPIENT: ROOM_PREFIX + rooms[E.TEAM_ID].astype(str),
           RECIPIENT_CALENDAR: rooms[E.TEAM_ID].map(team_calendar)}
    ))  # fmt: skip
    out = pd.concat([p for p in parts if not p.empty] or [rows.iloc[0:0]], ignore_index=False)
    out = out[out[RECIPIENT].notna() & (out[RECIPIENT] != "")]
    out[RECIPIENT_CALENDAR] = out[RECIPIENT_CALENDAR].where(
        out[RECIPIENT_CALENDAR].notna(), fallback_calendar.reindex(out.index)
    )
    out = out.reset_index(drop=True)
    out[DETAILS] = None
    # A manager of several roles (owner and manager) hears once per stage.
    return out.drop_duplicates(subset=[E.SLA_ID, E.ITEM_ID, STAGE, RECIPIENT])


def _not_yet_sent(
    candidates: pd.DataFrame, blocks: pd.DataFrame, log: pd.DataFrame
) -> pd.DataFrame:
    """Drop what the log blocks, and any stage at or below one the recipient already had for
    that item; keep only the highest stage reached per (item, recipient)."""
    key = [E.SLA_ID, E.ITEM_ID, RECIPIENT]
    if not log.empty:
        had = log.groupby(key, sort=False)[RANK].max().rename("had_rank").reset_index()
        candidates = candidates.merge(had, on=key, how="left")
        # A stage equal to one already had is allowed only when the log does not block it (a
        # failure due for its retry, a stale claim); lower stages never.
        candidates = candidates[
            candidates["had_rank"].isna() | (candidates[RANK] >= candidates["had_rank"])
        ]
        candidates = candidates.drop(columns="had_rank")
    if not blocks.empty:
        blocked = blocks.assign(_blocked=True)[[*LOG_KEY, "_blocked"]].drop_duplicates(
            list(LOG_KEY)
        )
        candidates = candidates.merge(blocked, on=list(LOG_KEY), how="left")
        candidates = candidates[candidates["_blocked"].isna()].drop(columns="_blocked")
    candidates = candidates.sort_values(RANK, ascending=False, kind="stable")
    return candidates.drop_duplicates(subset=key).reset_index(drop=True)


_LIVE_COLUMNS = (
    E.SLA_ID, E.KIND, E.ITEM_ID, E.LEAD_ID, E.DEAL_ID, E.OWNER_ID, E.TEAM_ID, E.MONTH, E.STATE,
    E.ELAPSED, E.TARGET, E.REMAINING, E.DUE_AT, E.BREACHED_AT, E.CALENDAR,
)  # fmt: skip


def _quota_rows(
    quotas: Sequence[tuple[str, str, Mapping[str, Any]]],
    teams: pd.DataFrame,
    team_calendar: pd.Series,
    config: NudgeConfig,
    default_calendar: str | None,
) -> pd.DataFrame:
    if not config.marketing_ops:
        return empty_plan_frame()
    marketing = teams.loc[teams["tier"] == "marketing", "team_id"].map(team_calendar).dropna()
    calendar = marketing.iloc[0] if len(marketing) else default_calendar
    rows: list[dict[str, Any]] = []
    for sla_id, month, quota in quotas:
        pace = quota.get("pace_pct")
        if quota.get("month_complete") or pace is None or not quota.get("business_days_gone"):
            continue
        if float(pace) >= config.pace_below_pct or not config.for_sla(sla_id).enabled:
            continue
        for address in config.marketing_ops:
            rows.append({
                E.SLA_ID: sla_id, E.KIND: "lead_quota", E.ITEM_ID: month, E.MONTH: month,
                STAGE: PACE_STAGE, RANK: 0, ROLE: "marketing_ops", RECIPIENT: address,
                RECIPIENT_CALENDAR: calendar, DETAILS: dict(quota),
            })  # fmt: skip
    return pd.DataFrame(rows) if rows else empty_plan_frame()
