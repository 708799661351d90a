"""Demo activities by marketing and sales: first touches, follow-up attempts, notes, tasks, inbound.

Response times are drawn in business minutes on the owner's team calendar, per rep habit (two or
three reps are clearly slower), per month (December and summer are worse) and per source (hot
leads get called faster). Follow-up attempts run as a fixed-width matrix (lead x attempt) that is
cut at the first connected call, the rep's planned number of attempts, a rejection, or the former
rep's departure; no per-lead Python loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from connectors import demo_text as text
from connectors.demo_leads import LeadPlan, month_of
from connectors.demo_people import FORMER_REP, REP_BY_ID, team_reps
from connectors.demo_time import NAT, NO_VALUE, NS_PER_MINUTE, WorkTable

MAX_ATTEMPTS = 8
OTHER_OUTCOMES = np.array(
    ["no_answer", "left_voicemail", "busy", "wrong_number", "left_live_message"], dtype=object
)
OTHER_SHARES = np.array([0.46, 0.40, 0.07, 0.03, 0.04])
SEASON_SLOWNESS = {12: 1.6, 11: 1.15, 7: 1.25, 8: 1.2}


@dataclass
class Activities:
    """Activity columns collected piece by piece (lead is the generation index of the lead)."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(
        self,
        lead: np.ndarray,
        owner: np.ndarray,
        kind: str | np.ndarray,
        occurred: np.ndarray,
        direction: str | np.ndarray | None,
        outcome: np.ndarray | None = None,
        body: np.ndarray | str | None = None,
    ) -> None:
        count = len(lead)
        self.parts.append(
            {
                "lead": np.asarray(lead, dtype=np.int64),
                "owner": np.asarray(owner, dtype=object),
                "type": np.broadcast_to(np.asarray(kind, dtype=object), (count,)),
                "occurred": np.asarray(occurred, dtype=np.int64),
                "direction": np.broadcast_to(np.asarray(direction, dtype=object), (count,)),
                "outcome": np.broadcast_to(np.asarray(outcome, dtype=object), (count,)),
                "body": np.broadcast_to(np.asarray(body, dtype=object), (count,)),
            }
        )

    def frame(self) -> pd.DataFrame:
        columns = self.parts[0].keys() if self.parts else ()
        return pd.DataFrame(
            {name: np.concatenate([part[name] for part in self.parts]) for name in columns}
        )


def business_add(
    calendars: dict[str, WorkTable], teams: np.ndarray, instants: np.ndarray, minutes: np.ndarray
) -> np.ndarray:
    """`instants` plus business `minutes` on each row's team calendar (NAT stays NAT)."""
    out = np.full(len(instants), NAT, dtype=np.int64)
    for team_id, table in calendars.items():
        rows = (teams == team_id) & (instants != NAT)
        out[rows] = table.add(instants[rows], minutes[rows])
    return out


def business_minutes(
    calendars: dict[str, WorkTable], teams: np.ndarray, start: np.ndarray, stop: np.ndarray
) -> np.ndarray:
    """Business minutes between two instants on each row's team calendar (0 where either is NAT)."""
    out = np.zeros(len(start))
    for team_id, table in calendars.items():
        rows = (teams == team_id) & (start != NAT) & (stop != NAT)
        out[rows] = table.minutes_between(start[rows], stop[rows])
    return out


def _wall(minutes: np.ndarray) -> np.ndarray:
    """Wall-clock minutes as int64 nanoseconds."""
    return (np.asarray(minutes) * NS_PER_MINUTE).astype(np.int64)


def rep_profile(owners: np.ndarray, attribute: str, default: float) -> np.ndarray:
    values = {rep_id: getattr(rep, attribute) for rep_id, rep in REP_BY_ID.items()}
    return pd.Series(owners, dtype=object).map(values).fillna(default).to_numpy(dtype=float)


def month_slowness(rng: np.random.Generator, months: list[pd.Period]) -> np.ndarray:
    """A factor per month on response times: seasonal plus noise, so compliance moves."""
    seasonal = np.array([SEASON_SLOWNESS.get(p.month, 1.0) for p in months])
    return seasonal * rng.lognormal(0.0, 0.2, len(months))


def sales_activities(
    rng: np.random.Generator,
    plan: LeadPlan,
    calendars: dict[str, WorkTable],
    months: list[pd.Period],
    taxonomy: text.Taxonomy,
    out: Activities,
) -> pd.DataFrame:
    """Touches, attempts, meetings, notes and tasks of sales reps; returns per-lead outcomes.

    The returned frame has, per lead, `first_touch`, `connected`, `rejected` and `closed` (when
    the lead's deal is won), as UTC ns or NAT.
    """
    leads = plan.leads
    count = len(leads)
    owner = leads["owner"].to_numpy(dtype=object)
    teams = leads["team"].to_numpy(dtype=object)
    start = leads["start"].to_numpy()
    month = leads["month"].to_numpy()
    hot = leads["hot"].to_numpy()
    slowness = month_slowness(rng, months)[month]

    skip = rng.random(count) < rep_profile(owner, "skip", 1.0)
    works = pd.notna(owner) & ~leads["reject_on_sight"].to_numpy() & ~skip
    median = rep_profile(owner, "touch_median", 60.0) * slowness * np.where(hot, 0.16, 1.0)
    first = business_add(
        calendars, teams, np.where(works, start, NAT), rng.lognormal(np.log(median), 1.0)
    )
    # Some reps answer out of hours: a wall-clock delay that costs no business time.
    eager = works & (rng.random(count) < 0.06)
    first[eager] = start[eager] + _wall(rng.lognormal(np.log(15), 0.8, int(eager.sum())))

    times, is_call, outcome, valid = _attempt_matrix(rng, leads, calendars, first, slowness)
    rejected = _rejections(rng, leads, calendars, first)
    valid &= (rejected[:, None] == NAT) | (times <= rejected[:, None])
    valid &= (owner != FORMER_REP)[:, None] | (times < plan.former_rep_left)

    reached = valid & (outcome == "connected")
    reached_at = np.where(reached.any(axis=1), times[np.arange(count), reached.argmax(axis=1)], NAT)
    closes = (reached_at != NAT) & (rejected == NAT) & (rng.random(count) < _deal_chance(leads))
    closed = np.full(count, NAT, dtype=np.int64)
    closed[closes] = _close_times(rng, leads[closes], reached_at[closes], calendars)
    # What a future customer says is part of the story of the month they sign in.
    story = np.where(closes, month_of(months, closed), month)
    slow = (first != NAT) & (business_minutes(calendars, teams, start, first) > 480)

    rows, columns = np.nonzero(valid)
    kinds = np.where(is_call[rows, columns], "call", "email")
    outcomes = np.where(kinds == "call", outcome[rows, columns], NO_VALUE)
    bodies = np.where(
        kinds == "call",
        pd.Series(outcomes, dtype=object).map(text.CALL_BODIES).to_numpy(dtype=object),
        rng.choice(text.SALES_EMAILS, len(rows)),
    )
    with_pain = (outcomes == "connected") & (rng.random(len(rows)) < 0.5)
    pains, tags = text.pain_text(rng, taxonomy, story[rows], len(months), "sales")
    bodies = np.where(with_pain, text.join_text(bodies, pains, tags), bodies)
    out.add(rows, owner[rows], kinds, times[rows, columns], "outbound", outcomes, bodies)

    _after_connect(rng, leads, calendars, months, taxonomy, reached_at, closes, story, slow, out)
    _side_activities(rng, leads, out)
    return pd.DataFrame(
        {"first_touch": first, "connected": reached_at, "rejected": rejected, "closed": closed}
    )


def _attempt_matrix(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    calendars: dict[str, WorkTable],
    first: np.ndarray,
    slowness: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(times, is_call, outcome, valid) per lead x attempt, cut after the rep's plan or a connect."""
    count = len(leads)
    owner = leads["owner"].to_numpy(dtype=object)
    teams = leads["team"].to_numpy(dtype=object)
    diligence = rep_profile(owner, "diligence", 6.0)
    gap_median = 1500.0 / diligence * slowness
    times = np.full((count, MAX_ATTEMPTS), NAT, dtype=np.int64)
    times[:, 0] = first
    for column in range(1, MAX_ATTEMPTS):
        gap = rng.lognormal(np.log(gap_median), 0.6)
        times[:, column] = business_add(calendars, teams, times[:, column - 1], gap)
    planned = np.clip(np.rint(rng.normal(diligence, 1.3)), 1, MAX_ATTEMPTS)
    is_call = rng.random((count, MAX_ATTEMPTS)) < 0.62
    is_call[:, 0] = rng.random(count) < 0.72
    connect_p = np.where(leads["hot"].to_numpy(), 0.30, 0.20)[:, None]
    connected = is_call & (rng.random((count, MAX_ATTEMPTS)) < connect_p)
    outcome = np.where(
        connected, "connected", rng.choice(OTHER_OUTCOMES, (count, MAX_ATTEMPTS), p=OTHER_SHARES)
    )
    attempt = np.arange(MAX_ATTEMPTS)[None, :]
    valid = (attempt < planned[:, None]) & (times != NAT)
    reached = valid & connected
    # Stop calling once connected: nothing after the first connected call.
    first_reached = np.where(reached.any(axis=1), reached.argmax(axis=1), MAX_ATTEMPTS)
    return times, is_call, outcome, valid & (attempt <= first_reached[:, None])


def _rejections(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    calendars: dict[str, WorkTable],
    first: np.ndarray,
) -> np.ndarray:
    """When sales rejects a lead: on sight soon after routing, or after the first touch."""
    count = len(leads)
    teams = leads["team"].to_numpy(dtype=object)
    start = leads["start"].to_numpy()
    after_touch = leads["reject_after_touch"].to_numpy()
    rejected = np.full(count, NAT, dtype=np.int64)
    cases = (
        (leads["reject_on_sight"].to_numpy(), start, 40.0),
        (after_touch & (first != NAT), first, 90.0),
        # Rejected by a rep who never called: a glance at the record, later.
        (after_touch & (first == NAT) & (start != NAT), start, 300.0),
    )
    for rows, base, median in cases:
        delay = rng.lognormal(np.log(median), 1.0, int(rows.sum()))
        rejected[rows] = business_add(calendars, teams[rows], base[rows], delay)
    return rejected


def _close_times(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    reached_at: np.ndarray,
    calendars: dict[str, WorkTable],
) -> np.ndarray:
    """Won two to eight weeks after handoff (and after the first conversation), in working hours."""
    days = rng.uniform(14, 56, len(leads))
    earliest = np.maximum(
        leads["handed"].to_numpy() + _wall(days * 1440),
        reached_at + _wall(np.full(len(leads), 5 * 1440.0)),
    )
    return business_add(
        calendars, leads["team"].to_numpy(dtype=object), earliest, rng.uniform(5, 300, len(leads))
    )


def _deal_chance(leads: pd.DataFrame) -> np.ndarray:
    """Chance a reached lead closes won: ~10% of handed-off leads overall, hot and referred more."""
    boost = {
        "demo_request": 1.9,
        "pricing_page": 1.7,
        "referral": 1.6,
        "event": 1.1,
        "content_download": 0.7,
    }
    return 0.19 * leads["source"].map(boost).fillna(0.9).to_numpy()


def _after_connect(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    calendars: dict[str, WorkTable],
    months: list[pd.Period],
    taxonomy: text.Taxonomy,
    reached_at: np.ndarray,
    closes: np.ndarray,
    story: np.ndarray,
    slow: np.ndarray,
    out: Activities,
) -> None:
    """A demo meeting for many reached leads; a sales note carrying the customer's pain points.

    A customer who waited long for the first call often says so (the handoff-gap category).
    """
    owner = leads["owner"].to_numpy(dtype=object)
    teams = leads["team"].to_numpy(dtype=object)
    reached = reached_at != NAT
    count = len(leads)
    meets = reached & (rng.random(count) < np.where(closes, 0.9, 0.35))
    meeting_at = business_add(
        calendars,
        teams[meets],
        reached_at[meets],
        rng.lognormal(np.log(900), 0.7, int(meets.sum())),
    )
    out.add(
        np.flatnonzero(meets),
        owner[meets],
        "meeting",
        meeting_at,
        "outbound",
        None,
        text.MEETING_BODIES["sales"],
    )
    noted = reached & (rng.random(count) < np.where(closes, 0.92, 0.45))
    complains = noted & slow & (rng.random(count) < 0.35)
    for rows, force in ((noted & ~complains, None), (complains, "handoff")):
        index = np.flatnonzero(rows)
        note_at = reached_at[index] + _wall(rng.uniform(3, 30, len(index)))
        bodies = text.note_bodies(rng, taxonomy, story[index], len(months), "sales", force=force)
        out.add(index, owner[index], "note", note_at, None, None, bodies)


def _side_activities(rng: np.random.Generator, leads: pd.DataFrame, out: Activities) -> None:
    """Marketing emails (before and right after handoff), tasks, and inbound emails and calls."""
    count = len(leads)
    created = leads["created"].to_numpy()
    handed = leads["handed"].to_numpy()
    assigned = leads["assigned"].to_numpy()
    owner = leads["owner"].to_numpy(dtype=object)
    is_handed = handed != NAT
    marketers = np.array([r.owner_id for r in team_reps("marketing")], dtype=object)

    # Marketing nurtures before handoff and sends an automated welcome after it; neither is a
    # sales touch, and the SLA engine must not count them.
    before = is_handed & (rng.random(count) < 0.12)
    when = created[before] + (
        (handed[before] - created[before]) * rng.uniform(0.2, 0.9, int(before.sum()))
    ).astype(np.int64)
    out.add(
        np.flatnonzero(before),
        rng.choice(marketers, int(before.sum())),
        "email",
        when,
        "outbound",
        None,
        rng.choice(text.MARKETING_EMAILS, int(before.sum())),
    )
    nurtured = ~is_handed & (rng.random(count) < 0.3)
    when = created[nurtured] + (
        rng.uniform(0.5, 9, int(nurtured.sum())) * 1440 * NS_PER_MINUTE
    ).astype(np.int64)
    out.add(
        np.flatnonzero(nurtured),
        rng.choice(marketers, int(nurtured.sum())),
        "email",
        when,
        "outbound",
        None,
        rng.choice(text.MARKETING_EMAILS, int(nurtured.sum())),
    )
    welcome = is_handed & (rng.random(count) < 0.06)
    when = handed[welcome] + (rng.uniform(1, 60, int(welcome.sum())) * NS_PER_MINUTE).astype(
        np.int64
    )
    out.add(
        np.flatnonzero(welcome),
        rng.choice(marketers, int(welcome.sum())),
        "email",
        when,
        "outbound",
        None,
        text.MARKETING_EMAILS[0],
    )

    owned = assigned != NAT
    tasked = owned & (rng.random(count) < 0.3)
    when = assigned[tasked] + (rng.uniform(0, 5, int(tasked.sum())) * NS_PER_MINUTE).astype(
        np.int64
    )
    out.add(
        np.flatnonzero(tasked),
        owner[tasked],
        "task",
        when,
        None,
        None,
        rng.choice(text.TASK_BODIES, int(tasked.sum())),
    )

    writes = is_handed & owned & (rng.random(count) < 0.12)
    when = handed[writes] + (
        rng.lognormal(np.log(360), 1.0, int(writes.sum())) * NS_PER_MINUTE
    ).astype(np.int64)
    out.add(
        np.flatnonzero(writes),
        owner[writes],
        "email",
        when,
        "inbound",
        None,
        rng.choice(text.INBOUND_EMAILS, int(writes.sum())),
    )
    rings = is_handed & owned & (rng.random(count) < 0.04)
    when = handed[rings] + (
        rng.lognormal(np.log(600), 1.0, int(rings.sum())) * NS_PER_MINUTE
    ).astype(np.int64)
    out.add(
        np.flatnonzero(rings),
        owner[rings],
        "call",
        when,
        "inbound",
        np.array(["connected"] * int(rings.sum()), dtype=object),
        "Lead called in with questions.",
    )
