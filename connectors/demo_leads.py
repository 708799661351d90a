"""Demo leads: when they arrive, where from, when marketing hands them off and sales gets them.

Everything is drawn per month and region (a loop of a few dozen steps) and vectorised inside.
Times are int64 UTC nanoseconds (`NAT` for "never"); demo.py turns them into timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from connectors.demo_people import FORMER_REP, make_contacts, team_reps
from connectors.demo_time import NAT, NO_VALUE, NS_PER_MINUTE, WorkTable

SOURCES = np.array(
    [
        "demo_request",
        "pricing_page",
        "webinar",
        "content_download",
        "paid_search",
        "organic",
        "referral",
        "event",
    ],
    dtype=object,
)
SOURCE_SHARES = np.array([0.05, 0.06, 0.12, 0.21, 0.20, 0.21, 0.07, 0.08])
# Marketing hands off nearly every hot inbound lead, fewer of the content-driven ones.
HANDOFF_RATE = np.array([0.97, 0.94, 0.76, 0.68, 0.78, 0.76, 0.92, 0.82])
REJECT_RATE = np.array([0.04, 0.05, 0.08, 0.12, 0.09, 0.08, 0.04, 0.07])
HOT_SOURCES = ("demo_request", "pricing_page")
REASONS = np.array(
    [
        "student / not a buyer",
        "competitor",
        "no budget",
        "duplicate",
        "wrong region",
        "bad contact data",
    ],
    dtype=object,
)
REASON_SHARES = np.array([0.22, 0.08, 0.20, 0.15, 0.10, 0.25])
# Reasons a rep sees without calling (the record itself gives it away).
ON_SIGHT = np.array([True, False, False, True, True, False])
# Lead volume by calendar month: a summer dip, an autumn push, a quiet December.
SEASON = {
    1: 1.04,
    2: 1.0,
    3: 1.07,
    4: 1.0,
    5: 0.98,
    6: 0.95,
    7: 0.88,
    8: 0.9,
    9: 1.06,
    10: 1.12,
    11: 1.0,
    12: 0.86,
}
REGIONS = (("sales-east", "America/New_York", 0.56), ("sales-west", "America/Los_Angeles", 0.44))


def _hour_profile() -> np.ndarray:
    """Relative arrival rate by (weekday, local hour): office hours, a lunch dip, quiet nights."""
    by_hour = np.array(
        [0.12, 0.08, 0.06, 0.06, 0.08, 0.15, 0.3, 0.55, 0.9, 1.3, 1.35, 1.25,
         1.0, 1.2, 1.25, 1.2, 1.05, 0.85, 0.6, 0.5, 0.45, 0.35, 0.25, 0.18]
    )  # fmt: skip
    weekday = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.28, 0.22])
    return weekday[:, None] * by_hour[None, :]


@dataclass
class LeadPlan:
    """Generated leads (one row per lead, generation order) plus when the former rep left."""

    leads: pd.DataFrame
    former_rep_left: int


def month_starts(months: list[pd.Period], zone: str) -> np.ndarray:
    """Local midnight of the first of each month, and of the month after the last, as UTC ns."""
    edges = [*months, months[-1] + 1]
    return np.array([pd.Timestamp(p.start_time).tz_localize(zone).value for p in edges])


def month_of(months: list[pd.Period], instants: np.ndarray) -> np.ndarray:
    """Index of each instant's month in `months` (head-office time), clipped to the period."""
    edges = month_starts(months, "America/New_York")
    return np.clip(np.searchsorted(edges, instants, side="right") - 1, 0, len(months) - 1)


def make_leads(
    rng: np.random.Generator,
    months: list[pd.Period],
    per_month: int,
    calendars: dict[str, WorkTable],
) -> LeadPlan:
    """Leads for every month: arrival, source, contact, handoff, routing and owner."""
    profile = _hour_profile()
    parts: list[pd.DataFrame] = []
    for month_index, period in enumerate(months):
        total = round(per_month * SEASON[period.month])
        for team_id, zone, share in REGIONS:
            count = int(round(total * share))
            hours = pd.date_range(
                pd.Timestamp(period.start_time).tz_localize(zone),
                pd.Timestamp((period + 1).start_time).tz_localize(zone),
                freq="h",
                inclusive="left",
            )
            weights = profile[hours.day_of_week, hours.hour]
            slot = rng.choice(len(hours), size=count, p=weights / weights.sum())
            created = hours.asi8[slot] * _unit(hours) + rng.integers(0, 3600 * 10**9, count)
            parts.append(
                pd.DataFrame(
                    {"created": created, "month": month_index, "team": team_id, "zone": zone}
                )
            )
    leads = pd.concat(parts, ignore_index=True)
    count = len(leads)
    source_index = rng.choice(len(SOURCES), size=count, p=SOURCE_SHARES)
    leads["source"] = SOURCES[source_index]
    leads["hot"] = np.isin(leads["source"], HOT_SOURCES)
    leads["email"], leads["company"] = make_contacts(rng, count)
    created = leads["created"].to_numpy()

    # Handoff: hot leads within minutes (automation), others after scoring, hours to days later.
    handed_off = rng.random(count) < HANDOFF_RATE[source_index]
    slow_scoring = rng.random(count) < 0.4
    delay = np.where(
        leads["hot"],
        rng.lognormal(np.log(8), 1.0, count),
        np.where(
            slow_scoring,
            rng.lognormal(np.log(2880), 0.8, count),
            rng.lognormal(np.log(180), 1.2, count),
        ),
    )
    handed = np.where(handed_off, created + _minutes(delay), NAT)
    leads["handed"] = handed

    # Routing: mostly minutes, a tail of hours, a queue worked in business hours (so a Friday
    # evening handoff waits for Monday), a few stuck for days, and a handful never routed.
    kind = rng.choice(5, size=count, p=[0.78, 0.14, 0.055, 0.02, 0.005])
    wall = np.select(
        [kind == 0, kind == 1, kind == 3],
        [
            rng.lognormal(np.log(3), 0.8, count),
            rng.lognormal(np.log(100), 0.7, count),
            rng.lognormal(np.log(2880), 0.5, count),
        ],
        0.0,
    )
    assigned = np.where(handed_off, handed + _minutes(wall), NAT)
    queued = handed_off & (kind == 2)
    queue_delay = rng.lognormal(np.log(240), 0.8, count)
    teams = leads["team"].to_numpy()
    for team_id, table in calendars.items():
        rows = queued & (teams == team_id)
        assigned[rows] = table.add(handed[rows], queue_delay[rows])
    assigned[kind == 4] = NAT
    leads["assigned"] = assigned

    former_left = int(month_starts(months, "America/New_York")[max(1, len(months) // 3)])
    leads["owner"] = _route(rng, teams, assigned, former_left)

    # Rejections: a rep rejects a lead that is not workable, some on sight, some after a touch.
    owned = leads["owner"].notna().to_numpy()
    rejected = owned & (rng.random(count) < REJECT_RATE[source_index])
    reason_index = rng.choice(len(REASONS), size=count, p=REASON_SHARES)
    leads["reason"] = np.where(rejected, REASONS[reason_index], NO_VALUE)
    leads["reject_on_sight"] = rejected & ON_SIGHT[reason_index] & (rng.random(count) < 0.8)
    leads["reject_after_touch"] = rejected & ~leads["reject_on_sight"].to_numpy()
    leads["start"] = np.where(assigned != NAT, assigned, handed)
    return LeadPlan(leads, former_left)


def _route(
    rng: np.random.Generator, teams: np.ndarray, assigned: np.ndarray, former_left: int
) -> np.ndarray:
    """Owner per lead: a rep of the lead's regional team, weighted; the former rep before leaving."""
    owners = np.full(len(teams), None, dtype=object)
    for team_id in ("sales-east", "sales-west"):
        for before_leaving in (True, False):
            reps = [
                r
                for r in team_reps(team_id, include_inactive=before_leaving)
                if r.active or r.owner_id == FORMER_REP
            ]
            era = assigned < former_left if before_leaving else assigned >= former_left
            rows = (teams == team_id) & (assigned != NAT) & era
            weights = np.array([r.weight for r in reps])
            picks = rng.choice(len(reps), size=int(rows.sum()), p=weights / weights.sum())
            owners[rows] = np.array([r.owner_id for r in reps], dtype=object)[picks]
    return owners


def _minutes(values: np.ndarray) -> np.ndarray:
    return np.rint(values * NS_PER_MINUTE).astype(np.int64)


def _unit(index: pd.DatetimeIndex) -> int:
    """Nanoseconds per tick of the index's resolution (pandas 2 may use us or s)."""
    return int(pd.Timedelta(1, unit=index.unit).value)
