"""Move a month's verdicts on to a later instant when only time has passed (pure).

    later = advance(evaluation, config, as_of=later_instant)

Precondition, which the caller checks (models/verdicts/cache.py): nothing that moves a clock
happened in (evaluation.as_of, as_of]: no handoff, assignment, rejection, deal won, call, email
or meeting. Then `advance(evaluate(..., t1), config, t2)` equals `evaluate(..., t2)`: only the
items whose clock is still running change (their elapsed business time, and open becomes
breached when the target or the attempts window runs out), and the quota's pace and projection.
`tests/models/test_verdict_cache.py` checks that equality on the demo organisation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from models.config import HandoffConfig
from models.engine import columns as E
from models.engine.evaluate import explainer_for, headline_version, month_versions
from models.engine.quota import quota_figures
from models.engine.results import Evaluation, SlaResult
from models.engine.summary import credit_for, resummarise
from models.time.working_time import business_minutes


def advance(evaluation: Evaluation, config: HandoffConfig, as_of: datetime) -> Evaluation:
    """`evaluation` as it stands at `as_of` (not before its own as_of), given the precondition
    above. Items are advanced when first read when no item was open (a past month's usual
    state): its headline figures cannot change then."""
    stamp = pd.Timestamp(as_of).tz_convert("UTC").as_unit("ns")
    if stamp < pd.Timestamp(evaluation.as_of):
        raise ValueError(f"cannot advance verdicts of {evaluation.as_of} back to {as_of}")
    slas = [_advance_result(result, evaluation.month, config, stamp) for result in evaluation.slas]
    return Evaluation(
        month=evaluation.month,
        as_of=stamp.to_pydatetime(),
        team_id=evaluation.team_id,
        slas=slas,
        frozen=evaluation.frozen,
    )


def _advance_result(
    result: SlaResult, month: str, config: HandoffConfig, as_of: pd.Timestamp
) -> SlaResult:
    versions = month_versions(config, result.sla_id, month)
    if result.quota is not None:
        head = headline_version(versions, month)
        quota = quota_figures(
            head,
            int(result.quota["delivered"]),
            int(result.quota["rejected"]),
            month,
            as_of,
            config.calendars,
            result.quota.get("owners"),
        )
        return replace(
            result,
            quota=quota,
            compliance_pct=quota["attainment_pct"],
            met=quota["met"],
            credit=credit_for(quota["attainment_pct"], result.credit_bands),
        )
    explainer = explainer_for(config, versions) if versions else None
    warn = {v.effective_from.isoformat(): v.warn_at_pct for v in versions}
    if not result.counts.get(E.OPEN, 0):
        # Nothing open: every state and figure stays; only running breached clocks grow.
        def later() -> pd.DataFrame:
            return advance_items(result.lean_items, result.kind, config, warn, as_of)

        return replace(result, items=later, explainer=explainer, known_at_risk=0)
    items = advance_items(result.lean_items, result.kind, config, warn, as_of)
    advanced = resummarise(result, items)
    # Set, not `replace`d: replace() reads every field, and reading `items` would write every
    # explanation now (a second per 100k items) instead of for the rows someone looks at.
    advanced.explainer = explainer
    return advanced


def advance_items(
    items: pd.DataFrame,
    kind: str,
    config: HandoffConfig,
    warn_pct: dict[str, Any],
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The items (normalised, of one SLA) at `as_of`: the rules of `engine_kinds._finish` and
    `apply_exclusions` for the items whose clock has not stopped."""
    running = items[E.STOP].isna().to_numpy()
    if not running.any():
        return items
    items = items.copy()
    part = items[running]
    stop = part[E.STOP].copy()
    reason = part[E.STOP_REASON].copy()
    window_based = kind == "follow_up_attempts"
    if window_based:
        # The window ran out: breached, stopped at the window's end (as `_attempts` does).
        lapsed = part[E.WINDOW_END] < as_of
        stop[lapsed] = part.loc[lapsed, E.WINDOW_END]
        reason[lapsed] = E.STOP_WINDOW_END
    until = stop.where(stop.notna(), as_of)
    elapsed = np.full(len(part), np.nan)
    for name in part[E.CALENDAR].unique():
        mine = (part[E.CALENDAR] == name).to_numpy()
        elapsed[mine] = business_minutes(
            config.calendars[name], part[E.START][mine], until[mine]
        )
    target = part[E.TARGET].to_numpy()
    # A running attempts item breaches only when its window runs out (stopped above).
    breached = stop.notna().to_numpy() if window_based else elapsed > target
    is_open = ~breached
    warn = part[E.SLA_VERSION].map(warn_pct).astype(float).to_numpy()
    state = np.where(breached, E.BREACHED, E.OPEN).astype(object)
    remaining = np.where(is_open, np.maximum(target - elapsed, 0.0), np.nan)
    at_risk = is_open & (elapsed >= warn / 100.0 * target)
    excluded = part[E.EXCLUSION_REASON].notna().to_numpy()
    state[excluded] = E.EXCLUDED
    remaining[excluded] = np.nan
    at_risk[excluded] = False
    items.loc[running, E.STOP] = stop
    items.loc[running, E.STOP_REASON] = reason.to_numpy()
    items.loc[running, E.ELAPSED] = elapsed
    items.loc[running, E.STATE] = state
    items.loc[running, E.REMAINING] = remaining
    items.loc[running, E.AT_RISK] = at_risk
    items.loc[running, E.BREACHED_AT] = part[E.DUE_AT].where(breached)
    items.loc[running, E.EXPLANATION] = None  # the sentence names the state: written again
    return items


def horizon(
    evaluation: Evaluation,
    events: dict[str, pd.DataFrame],
    window: tuple[datetime, datetime],
) -> datetime | None:
    """The first instant after `evaluation.as_of` at which something on file could change this
    month's verdicts: `advance` is exact for any instant before it. None: nothing could.

    `events` is what `Store.events_after(evaluation.as_of)` returns; `window` the month's read
    window (`models.time.months.month_window`). Only events that touch the month count: a handoff,
    assignment or rejection of a lead whose handoff or assignment falls in the window, a deal
    won in it, and a call, email or meeting of a lead with a clock still running (or an
    attempts window still open, where another attempt still counts). A meeting booked for next
    week on a lead whose clocks have all stopped changes nothing, so it does not end the horizon.
    """
    as_of = pd.Timestamp(evaluation.as_of)
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    found: list[pd.Timestamp] = []
    leads = events["leads"]
    if not leads.empty:
        handed, assigned = leads["handed_off_at"], leads["assigned_at"]
        touches = ((handed >= start) & (handed < end)) | ((assigned >= start) & (assigned < end))
        for name in ("handed_off_at", "assigned_at", "rejected_at"):
            values = leads.loc[touches, name]
            found.append(values[values > as_of].min())
    deals = events["deals"]
    if not deals.empty:
        won = deals["closed_won_at"]
        found.append(won[(won >= start) & (won < end) & (won > as_of)].min())
    activities = events["activities"]
    if not activities.empty:
        live = _live_leads(evaluation, as_of)
        found.append(activities.loc[activities["lead_id"].isin(live), "first_at"].min())
    found = [value for value in found if not pd.isna(value)]
    return min(found).to_pydatetime() if found else None


def _live_leads(evaluation: Evaluation, as_of: pd.Timestamp) -> set[Any]:
    """Leads an activity could still change: a running clock, or an attempts window still open."""
    live: set[Any] = set()
    for result in evaluation.slas:
        if result.quota is not None:
            continue
        items = result.lean_items
        if items.empty:
            continue
        running = items[E.STOP].isna()
        if result.kind == "follow_up_attempts":
            running |= items[E.WINDOW_END] > as_of
        live.update(items.loc[running, E.LEAD_ID].dropna())
    return live
