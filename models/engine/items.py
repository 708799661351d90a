"""Per-item SLA verdicts (SPEC.md section 3): first_touch, follow_up_attempts, service_first_contact.

Pure and vectorised: DataFrames in, one DataFrame of item verdicts out (columns of
`models.engine.columns`). Loops run over SLA versions, segments and calendars, never over rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models import columns as C
from models.config import SlaDef
from models.engine import columns as E
from models.time.calendar import Calendar
from models.time.working_time import add_business_minutes, business_minutes

# Leads are joined to their activities on an integer key (see `engine._prepare`): hashing and
# merging int64 is several times faster than object strings.
LEAD_KEY = "_lead"
ATTEMPT_TYPES = ("call", "email")
NS_PER_MINUTE = 60_000_000_000


def as_ns_utc(values: pd.Series) -> pd.Series:
    """Any timestamp column as datetime64[ns, UTC] (one resolution, so merges and sorts agree)."""
    return pd.to_datetime(values, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")


@dataclass(frozen=True)
class Context:
    """What every per-item SLA needs besides its items: the instant, calendars and the people."""

    as_of: pd.Timestamp
    calendars: Mapping[str, Calendar]
    owner_team: pd.Series  # owner_id -> team_id
    team_tier: pd.Series  # team_id -> tier
    team_calendar: pd.Series  # team_id -> calendar name (only names the config knows)
    activities: pd.DataFrame  # known by as_of, with a `tier` column (the owner's team tier)


# -- items ----------------------------------------------------------------------------------------


def _plain_text(values: pd.Series) -> pd.Series:
    """Text as a plain object column with a fresh index: hashing for isin/merge is much faster
    than on Arrow-backed strings, and the engine does a lot of it."""
    return pd.Series(values.to_numpy(dtype=object), dtype=object)


def _objects(values: pd.Series | np.ndarray | list[object], index: pd.Index) -> pd.Series:
    """Values as an object column on `index` (assigning a bare array of text to a frame would
    convert it to Arrow strings, which every later step converts back)."""
    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    return pd.Series(np.asarray(array, dtype=object), index=index, dtype=object)


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`keys.map(table)` (a table with unique keys) as an object column, None where a key is
    missing or unknown: hashing plain objects, never converting to Arrow strings on the way."""
    if table.empty:
        return pd.Series(None, index=keys.index, dtype=object)
    found = pd.Index(table.index, dtype=object).get_indexer(
        pd.Index(keys.to_numpy(dtype=object), dtype=object)
    )
    values = np.append(table.to_numpy(dtype=object), [None])  # position -1: not found
    return pd.Series(values[found], index=keys.index, dtype=object)


def clock_start(handed_off_at: pd.Series, assigned_at: pd.Series) -> pd.Series:
    """Sales' clock start (SPEC.md section 3): the later of `assigned_at` and `handed_off_at`,
    `handed_off_at` when not assigned. CRMs often set the owner at contact creation, before the
    handoff; sales' clock never starts before the handoff."""
    return assigned_at.where(assigned_at > handed_off_at, handed_off_at)


def lead_items(leads: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """One item per handed-off lead whose clock has started by `as_of` (start = the later of
    assigned_at and handed_off_at; an assignment after `as_of` is not known yet)."""
    known = leads[leads[C.HANDED_OFF_AT].notna() & (leads[C.HANDED_OFF_AT] <= ctx.as_of)]
    assigned = known[C.ASSIGNED_AT].where(known[C.ASSIGNED_AT] <= ctx.as_of)
    items = pd.DataFrame(
        {
            E.ITEM_ID: _plain_text(known[C.LEAD_ID]),
            E.LEAD_ID: _plain_text(known[C.LEAD_ID]),
            E.DEAL_ID: _plain_text(pd.Series(None, index=known.index)),
            E.OWNER_ID: _plain_text(known[C.OWNER_ID]),
            E.SOURCE: _plain_text(known[C.SOURCE]),
            C.STATUS: _plain_text(known[C.STATUS]),
            LEAD_KEY: known[LEAD_KEY].to_numpy(),
            E.HANDED_OFF_AT: known[C.HANDED_OFF_AT].array,
            E.ASSIGNED_AT: assigned.array,
            E.START: clock_start(known[C.HANDED_OFF_AT], assigned).array,
            C.REJECTED_AT: known[C.REJECTED_AT].where(known[C.REJECTED_AT] <= ctx.as_of).array,
        }
    )
    items[E.TEAM_ID] = lookup(items[E.OWNER_ID], ctx.owner_team)
    items[E.CLOSED_BY_OWNER_ID] = None
    return items


def deal_items(deals: pd.DataFrame, leads: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """One item per deal closed won by `as_of`. The item is the service side's: its owner is
    the deal's `service_owner_id` (None here when unset: `kinds.judge` gives it to the service
    rep who made the first contact); the deal's owner, who closed it, is `closed_by_owner_id`."""
    known = deals[deals[C.CLOSED_WON_AT] <= ctx.as_of]
    lead_facts = leads.drop_duplicates(C.LEAD_ID).set_index(C.LEAD_ID)
    items = pd.DataFrame(
        {
            E.ITEM_ID: _plain_text(known[C.DEAL_ID]),
            E.LEAD_ID: _plain_text(known[C.LEAD_ID]),
            E.DEAL_ID: _plain_text(known[C.DEAL_ID]),
            E.OWNER_ID: _plain_text(known[C.SERVICE_OWNER_ID]),
            E.CLOSED_BY_OWNER_ID: _plain_text(known[C.OWNER_ID]),
            LEAD_KEY: known[LEAD_KEY].to_numpy(),
            E.START: known[C.CLOSED_WON_AT].array,
        }
    )
    items[E.SOURCE] = items[E.LEAD_ID].map(lead_facts[C.SOURCE]) if len(lead_facts) else None
    items[C.STATUS] = items[E.LEAD_ID].map(lead_facts[C.STATUS]) if len(lead_facts) else None
    items[E.HANDED_OFF_AT] = pd.Series(pd.NaT, index=items.index, dtype="datetime64[ns, UTC]")
    items[E.ASSIGNED_AT] = items[E.HANDED_OFF_AT]
    items[C.REJECTED_AT] = items[E.HANDED_OFF_AT]
    items[E.TEAM_ID] = lookup(items[E.OWNER_ID], ctx.owner_team)
    return items


# -- rules: version, calendar, segment, target, month -------------------------------------------------


def apply_rules(
    items: pd.DataFrame, versions: Sequence[SlaDef], ctx: Context, month: str
) -> pd.DataFrame:
    """Give each item its SLA version (the one in force on its clock start's local date), its
    calendar, segment and target; keep the items whose clock started in `month` (local time)."""
    if items.empty or not versions:
        return items.iloc[0:0].assign(**{E.CALENDAR: None, E.SLA_VERSION: None, E.SEGMENT: None})
    provider = versions[0].provider
    # Fairness (a SPEC extension): a provider team with its own calendar is judged on its hours.
    tiers = lookup(items[E.TEAM_ID], ctx.team_tier)
    override = lookup(items[E.TEAM_ID], ctx.team_calendar).where(tiers == provider)
    chosen = np.full(len(items), -1)
    calendar_by_version = []
    for index, version in enumerate(versions):
        names = override.astype(object).where(override.notna(), version.calendar or "")
        calendar_by_version.append(names.to_numpy())
        for name in names.unique():
            zone = ctx.calendars[name].timezone
            starts_local_day = pd.Timestamp(version.effective_from).tz_localize(zone)
            chosen[(names.to_numpy() == name) & (items[E.START] >= starts_local_day).to_numpy()] = (
                index
            )
    # Before the first version's effective_from no SLA was in force; each item is judged in
    # the month its clock started in its calendar's local time. One subset, one copy, for both.
    keep = chosen >= 0
    names_matrix = np.stack(calendar_by_version)
    calendar = names_matrix[np.maximum(chosen, 0), np.arange(len(items))]
    keep &= _in_month(calendar, items[E.START], ctx, month)
    items = items[keep].copy()
    chosen = chosen[keep]
    items[E.CALENDAR] = _objects(calendar[keep], items.index)
    labels = np.array([v.effective_from.isoformat() for v in versions], dtype=object)
    items[E.SLA_VERSION] = _objects(labels[chosen], items.index)
    # Filled per version as plain arrays, then set once (setting masked rows of a frame copies).
    target = np.full(len(items), np.nan)
    segment = np.full(len(items), None, dtype=object)
    warn_pct = np.full(len(items), np.nan)
    min_attempts = np.zeros(len(items), dtype=np.int64)
    for index, version in enumerate(versions):
        mine = chosen == index
        if not mine.any():
            continue
        mine_target = np.full(int(mine.sum()), float(version.within_minutes or 0.0))
        mine_segment = np.full(int(mine.sum()), None, dtype=object)
        unmatched = np.ones(int(mine.sum()), dtype=bool)
        subset = items[mine]
        for seg in version.segments:  # first match wins
            hit = unmatched.copy()
            for field, values in seg.match:
                hit &= subset[field].isin(values).to_numpy()
            mine_target[hit] = seg.within_minutes
            mine_segment[hit] = seg.label
            unmatched &= ~hit
        target[mine] = mine_target
        segment[mine] = mine_segment
        warn_pct[mine] = version.warn_at_pct
        min_attempts[mine] = version.min_attempts or 0
    items[E.TARGET] = target
    items[E.SEGMENT] = _objects(segment, items.index)
    items["_warn_pct"] = warn_pct
    items["_min_attempts"] = min_attempts
    items[E.MONTH] = month
    return items


def _in_month(calendar: np.ndarray, starts: pd.Series, ctx: Context, month: str) -> np.ndarray:
    """Whether each start falls in `month` in the local time of its calendar (named per row)."""
    first = pd.Timestamp(f"{month}-01")
    following = first + pd.offsets.MonthBegin(1)
    inside = np.zeros(len(calendar), dtype=bool)
    for name in pd.unique(calendar):
        zone = ctx.calendars[name].timezone
        lo = first.tz_localize(zone)
        hi = following.tz_localize(zone)
        inside |= (calendar == name) & ((starts >= lo) & (starts < hi)).to_numpy()
    return inside


# -- business time per calendar ----------------------------------------------------------------------


def per_calendar_minutes(
    items: pd.DataFrame, ctx: Context, starts: pd.Series, stops: pd.Series
) -> np.ndarray:
    """Business minutes in each item's own calendar between two columns (NaN where missing)."""
    out = np.full(len(items), np.nan)
    for name in items[E.CALENDAR].unique():
        mine = (items[E.CALENDAR] == name).to_numpy()
        out[mine] = business_minutes(ctx.calendars[name], starts[mine], stops[mine])
    return out


def per_calendar_add(items: pd.DataFrame, ctx: Context, minutes: pd.Series) -> pd.Series:
    """The instant each item's target is reached, in its own calendar's business time."""
    out = np.full(len(items), np.datetime64("NaT"), dtype="datetime64[ns]")
    for name in items[E.CALENDAR].unique():
        mine = (items[E.CALENDAR] == name).to_numpy()
        reached = add_business_minutes(ctx.calendars[name], items.loc[mine, E.START], minutes[mine])
        # Naive UTC ns in between: an aware column's to_numpy() would box every value.
        out[mine] = (
            pd.DatetimeIndex(reached).tz_convert("UTC").tz_localize(None).as_unit("ns").to_numpy()
        )
    return pd.Series(pd.DatetimeIndex(out).tz_localize("UTC"), index=items.index)


# -- stops ---------------------------------------------------------------------------------------------


def provider_activities(ctx: Context, provider: str, lead_ids: pd.Series) -> pd.DataFrame:  # keys
    """Activities of these leads by owners whose team is in the provider tier, known by as_of."""
    acts = ctx.activities
    return acts[(acts["tier"] == provider) & acts[LEAD_KEY].isin(lead_ids)]


def contacts(acts: pd.DataFrame) -> pd.DataFrame:
    """Outbound calls, emails and meetings (a meeting counts unless it is marked inbound)."""
    kind = acts[C.TYPE]
    direction = acts[C.DIRECTION]
    outbound = (kind.isin(ATTEMPT_TYPES) & (direction == "outbound")) | (
        (kind == "meeting") & (direction != "inbound")
    )
    return acts[outbound]


def first_contact_after_start(items: pd.DataFrame, acts: pd.DataFrame) -> pd.DataFrame:
    """Per item: the first contact at or after its start (`contact_at`, id, type and the owner
    who made it, `contact_owner`; NaT/None if none)."""
    found = contacts(acts)[[LEAD_KEY, C.OCCURRED_AT, C.ACTIVITY_ID, C.TYPE, C.OWNER_ID]].rename(
        columns={
            C.OCCURRED_AT: "contact_at",
            C.ACTIVITY_ID: "contact_id",
            C.TYPE: "contact_type",
            C.OWNER_ID: "contact_owner",
        }
    )
    # Each item's row number rides along, to put the answers back in the items' order by
    # position (merge_asof keeps its left side's rows and their order) instead of by id.
    left = pd.DataFrame(
        {LEAD_KEY: items[LEAD_KEY].to_numpy(), E.START: items[E.START].array, "_row": np.arange(len(items))}
    ).sort_values(E.START, kind="stable")
    merged = pd.merge_asof(
        left,
        found.sort_values("contact_at", kind="stable"),
        left_on=E.START,
        right_on="contact_at",
        by=LEAD_KEY,
        direction="forward",
        allow_exact_matches=True,
    )
    back = np.empty(len(merged), dtype=np.int64)
    back[merged.pop("_row").to_numpy()] = np.arange(len(merged))
    merged = merged.take(back)
    merged.index = pd.Index(items[E.ITEM_ID].to_numpy(dtype=object), dtype=object, name=E.ITEM_ID)
    return merged


def attempts_in_window(items: pd.DataFrame, acts: pd.DataFrame) -> pd.DataFrame:
    """Per lead item: attempts inside [start, window_end], the instant (and activity) of the
    min_attempts-th one, and the first reach (connected outbound call or any meeting)."""
    is_attempt = acts[C.TYPE].isin(ATTEMPT_TYPES) & (acts[C.DIRECTION] == "outbound")
    is_reach = (
        (acts[C.TYPE] == "call")
        & (acts[C.DIRECTION] == "outbound")
        & (acts[C.OUTCOME] == "connected")
    ) | (acts[C.TYPE] == "meeting")
    events = acts.loc[is_attempt | is_reach, [LEAD_KEY, C.OCCURRED_AT, C.ACTIVITY_ID, C.TYPE]]
    events = events.assign(
        _attempt=is_attempt[is_attempt | is_reach], _reach=is_reach[is_attempt | is_reach]
    )
    window = items[[LEAD_KEY, E.START, E.WINDOW_END, "_min_attempts"]]
    joined = events.merge(window, on=LEAD_KEY, how="inner")
    joined = joined[
        (joined[C.OCCURRED_AT] >= joined[E.START]) & (joined[C.OCCURRED_AT] <= joined[E.WINDOW_END])
    ].sort_values([LEAD_KEY, C.OCCURRED_AT], kind="stable")
    tried = joined[joined["_attempt"]]
    rank = tried.groupby(LEAD_KEY, sort=False).cumcount()
    count = tried.groupby(LEAD_KEY, sort=False).size()
    enough = tried[(rank + 1) == tried["_min_attempts"]].drop_duplicates(LEAD_KEY)
    reached = joined[joined["_reach"]].drop_duplicates(LEAD_KEY)
    out = pd.DataFrame(index=pd.Index(items[LEAD_KEY], name=LEAD_KEY))
    out[E.ATTEMPTS] = count.reindex(out.index).fillna(0).astype(int).to_numpy()
    enough = enough.set_index(LEAD_KEY)
    reached = reached.set_index(LEAD_KEY)
    out["enough_at"] = enough[C.OCCURRED_AT].reindex(out.index).array
    out["enough_id"] = _objects(enough[C.ACTIVITY_ID].reindex(out.index), out.index)
    out["enough_type"] = _objects(enough[C.TYPE].reindex(out.index), out.index)
    out["reached_at"] = reached[C.OCCURRED_AT].reindex(out.index).array
    out["reached_id"] = _objects(reached[C.ACTIVITY_ID].reindex(out.index), out.index)
    out["reached_type"] = _objects(reached[C.TYPE].reindex(out.index), out.index)
    return out
