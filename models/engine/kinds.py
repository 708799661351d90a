"""The clock rules of each per-item SLA kind and the verdict they lead to (SPEC.md section 3).

`judge(kind, items, ...)` takes the items of one SLA in one month (from `engine_items.apply_rules`)
and returns them with stop, elapsed business time, state, due and breach instants, risk and
routing delay filled in. Pure and vectorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import columns as C
from models.engine import columns as E
from models.engine.items import (
    LEAD_KEY,
    Context,
    attempts_in_window,
    first_contact_after_start,
    lookup,
    per_calendar_add,
    per_calendar_minutes,
    provider_activities,
)


def judge(kind: str, items: pd.DataFrame, provider: str, ctx: Context) -> pd.DataFrame:
    """Verdicts for the items of one per-item SLA (all timestamp columns ns UTC)."""
    items = items.copy()
    items[E.KIND] = kind
    for name in (E.STOP_REASON, E.STOP_ACTIVITY_ID, E.STOP_ACTIVITY_TYPE):
        items[name] = pd.Series([None] * len(items), index=items.index, dtype=object)
    items[E.STOP] = pd.Series(pd.NaT, index=items.index, dtype="datetime64[ns, UTC]")
    items[E.ATTEMPTS] = pd.Series(pd.NA, index=items.index, dtype="Int64")
    items[E.REACHED] = pd.Series(pd.NA, index=items.index, dtype="boolean")
    items[E.WINDOW_END] = items[E.STOP]
    items[E.DUE_AT] = per_calendar_add(items, ctx, items[E.TARGET])
    acts = provider_activities(ctx, provider, items[LEAD_KEY])
    if kind == "follow_up_attempts":
        _attempts(items, acts, ctx)
    else:
        first = _first_contact(items, acts, with_rejection=kind == "first_touch")
        if kind == "service_first_contact":
            _service_owner(items, first, ctx)
    return _finish(items, ctx, window_based=kind == "follow_up_attempts")


def _service_owner(items: pd.DataFrame, first: pd.DataFrame, ctx: Context) -> None:
    """A service item without the deal's service owner belongs to the provider-tier owner who made
    the first contact, else to nobody (the service queue) (SPEC.md section 3)."""
    unowned = items[E.OWNER_ID].isna().to_numpy()
    if not unowned.any():
        return
    contact_owner = first["contact_owner"].to_numpy(dtype=object)
    owners = items[E.OWNER_ID].to_numpy(dtype=object).copy()
    owners[unowned] = contact_owner[unowned]
    owners[pd.isna(owners)] = None
    items[E.OWNER_ID] = pd.Series(owners, index=items.index, dtype=object)
    items[E.TEAM_ID] = lookup(items[E.OWNER_ID], ctx.owner_team)


def _rejection_stop(items: pd.DataFrame) -> pd.Series:
    """A rejection stops the clock; one made before the clock started stops it at the start."""
    rejected = items[C.REJECTED_AT]
    return rejected.where(rejected.isna() | (rejected >= items[E.START]), items[E.START])


def _first_contact(
    items: pd.DataFrame, acts: pd.DataFrame, *, with_rejection: bool
) -> pd.DataFrame:
    first = first_contact_after_start(items, acts)
    # The stop columns are still empty here (see `judge`): each is worked out as a whole array
    # and set once (setting masked rows of the wide items frame copies, column after column).
    stop = pd.Series(first["contact_at"].array, index=items.index).astype("datetime64[ns, UTC]")
    has_contact = stop.notna().to_numpy()
    reason = np.full(len(items), None, dtype=object)
    reason[has_contact] = E.STOP_ACTIVITY
    activity_id = np.full(len(items), None, dtype=object)
    activity_id[has_contact] = first["contact_id"].to_numpy(dtype=object)[has_contact]
    activity_type = np.full(len(items), None, dtype=object)
    activity_type[has_contact] = first["contact_type"].to_numpy(dtype=object)[has_contact]
    if with_rejection:
        rejection = _rejection_stop(items)
        # "whichever is first": a contact at the very instant of the rejection still counts as one.
        earlier = rejection.notna() & (stop.isna() | (rejection < stop))
        stop = stop.where(~earlier, rejection)
        earlier_rows = earlier.to_numpy()
        reason[earlier_rows] = E.STOP_REJECTION
        activity_id[earlier_rows] = None
        activity_type[earlier_rows] = None
    items[E.STOP] = stop
    items[E.STOP_REASON] = pd.Series(reason, index=items.index, dtype=object)
    items[E.STOP_ACTIVITY_ID] = pd.Series(activity_id, index=items.index, dtype=object)
    items[E.STOP_ACTIVITY_TYPE] = pd.Series(activity_type, index=items.index, dtype=object)
    return first


def _attempts(items: pd.DataFrame, acts: pd.DataFrame, ctx: Context) -> None:
    # The window ends at the earliest instant business time since start reaches `within`.
    items[E.WINDOW_END] = items[E.DUE_AT]
    found = attempts_in_window(items, acts)
    items[E.ATTEMPTS] = pd.array(found[E.ATTEMPTS].to_numpy(), dtype="Int64")
    reached_at = pd.Series(found["reached_at"].array, index=items.index).astype(
        "datetime64[ns, UTC]"
    )
    enough_at = pd.Series(found["enough_at"].array, index=items.index).astype("datetime64[ns, UTC]")
    items[E.REACHED] = pd.array(reached_at.notna().to_numpy(), dtype="boolean")
    rejection = _rejection_stop(items)
    rejection = rejection.where(rejection <= items[E.WINDOW_END])
    # Met as soon as any of the three happens inside the window: the earliest one stops the clock.
    earliest = pd.concat([enough_at, reached_at, rejection], axis=1).min(axis=1)
    met = earliest.notna()
    # On a tie the attempt explains the verdict best, then the reach, then the rejection.
    which = pd.Series(
        np.select(
            [(enough_at == earliest).to_numpy(), (reached_at == earliest).to_numpy()],
            [E.STOP_ATTEMPTS, E.STOP_REACHED],
            default=E.STOP_REJECTION,
        ).astype(object),
        index=items.index,
        dtype=object,
    )
    # The stop columns are still empty here (see `judge`): worked out as arrays, set once.
    met_rows = met.to_numpy()
    which_rows = which.to_numpy()
    reason = np.full(len(items), None, dtype=object)
    reason[met_rows] = which_rows[met_rows]
    activity_id = np.full(len(items), None, dtype=object)
    activity_type = np.full(len(items), None, dtype=object)
    for stopped_by, prefix in ((E.STOP_ATTEMPTS, "enough"), (E.STOP_REACHED, "reached")):
        mine = met_rows & (which_rows == stopped_by)
        activity_id[mine] = found[f"{prefix}_id"].to_numpy(dtype=object)[mine]
        activity_type[mine] = found[f"{prefix}_type"].to_numpy(dtype=object)[mine]
    # The window ran out without any of them: breached, stopped at the window's end.
    lapsed = (~met & (items[E.WINDOW_END] < ctx.as_of)).to_numpy()
    stop = earliest.where(met_rows).astype("datetime64[ns, UTC]")
    stop = stop.where(~lapsed, items[E.WINDOW_END])
    reason[lapsed] = E.STOP_WINDOW_END
    items[E.STOP] = stop
    items[E.STOP_REASON] = pd.Series(reason, index=items.index, dtype=object)
    items[E.STOP_ACTIVITY_ID] = pd.Series(activity_id, index=items.index, dtype=object)
    items[E.STOP_ACTIVITY_TYPE] = pd.Series(activity_type, index=items.index, dtype=object)


def _finish(items: pd.DataFrame, ctx: Context, *, window_based: bool) -> pd.DataFrame:
    as_of = pd.Series(ctx.as_of, index=items.index).astype("datetime64[ns, UTC]")
    until = items[E.STOP].where(items[E.STOP].notna(), as_of)
    elapsed = per_calendar_minutes(items, ctx, items[E.START], until)
    items[E.ELAPSED] = elapsed
    stopped = items[E.STOP].notna().to_numpy()
    over = elapsed > items[E.TARGET].to_numpy()
    if window_based:
        met = stopped & (items[E.STOP_REASON] != E.STOP_WINDOW_END).to_numpy()
        breached = stopped & ~met
    else:
        met = stopped & ~over
        breached = over  # stopped late, or not stopped and already past the target
    state = np.where(met, E.MET, np.where(breached, E.BREACHED, E.OPEN))
    items[E.STATE] = pd.Series(state.astype(object), index=items.index, dtype=object)
    is_open = state == E.OPEN
    items[E.REMAINING] = np.where(is_open, np.maximum(items[E.TARGET] - elapsed, 0.0), np.nan)
    items[E.BREACHED_AT] = items[E.DUE_AT].where(state == E.BREACHED)
    items[E.AT_RISK] = is_open & (
        elapsed >= items["_warn_pct"].to_numpy() / 100.0 * items[E.TARGET].to_numpy()
    )
    # An owner assigned before the handoff (at contact creation) waited zero: no negative delay.
    assigned = items[E.ASSIGNED_AT].where(
        items[E.ASSIGNED_AT].isna() | (items[E.ASSIGNED_AT] >= items[E.HANDED_OFF_AT]),
        items[E.HANDED_OFF_AT],
    )
    delay = (assigned - items[E.HANDED_OFF_AT]).dt.total_seconds() / 60.0
    items[E.ROUTING_DELAY] = delay.to_numpy()
    items[E.ROUTING_DELAY_BUSINESS] = per_calendar_minutes(
        items, ctx, items[E.HANDED_OFF_AT], assigned
    )
    items[E.EXCLUSION_REASON] = None
    return items


def apply_exclusions(items: pd.DataFrame, exclusions: pd.DataFrame) -> pd.DataFrame:
    """Items covered by an approved exclusion or dispute become `excluded`, the reason kept."""
    if exclusions.empty or items.empty:
        return items
    reasons = exclusions.drop_duplicates([E.SLA_ID, E.ITEM_ID], keep="last").set_index(
        [E.SLA_ID, E.ITEM_ID]
    )["reason"]
    keys = pd.MultiIndex.from_arrays([items[E.SLA_ID], items[E.ITEM_ID]])
    found = reasons.reindex(keys).to_numpy()
    covered = pd.notna(found)
    items = items.copy()
    items.loc[covered, E.STATE] = E.EXCLUDED
    items.loc[covered, E.EXCLUSION_REASON] = found[covered]
    items.loc[covered, E.AT_RISK] = False
    items.loc[covered, E.REMAINING] = np.nan
    return items
