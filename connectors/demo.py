"""`handoff demo`: a realistic, deterministic demo organisation written to the store.

Four teams (marketing, two regional sales teams, customer service) and about thirty owners;
`leads_per_month` leads a month for `months` months ending at `end_month`, with activities, won
deals, service takeovers and notes full of customer pain points (data/friction.toml). Everything
is drawn from one seeded generator, so the same seed, end month and `now` give identical data.
Nothing lies after `now`: the current month is cut there, so it holds open items.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from connectors import demo_text as text
from connectors.demo_activity import Activities, sales_activities
from connectors.demo_leads import LeadPlan, make_leads
from connectors.demo_people import CALENDAR_OF_TEAM, TEAMS, owners_frame, team_reps
from connectors.demo_service import make_deals, service_activities
from connectors.demo_time import NAT, NO_VALUE, WorkTable, team_tables
from models import columns as C
from models import tables as T
from models.errors import BadInputError
from models.settings import DEFAULT_CONFIG_PATH
from models.store import Store

ORIGIN = "demo"
HOME_ZONE = "America/New_York"  # the organisation's head office: month boundaries of the demo
MAX_LEADS = 2_000_000
# Frames in write order (references point backwards), named as `load_demo` reports them.
ENTITY_OF_FRAME = {
    "teams": "team",
    "owners": "owner",
    "leads": "lead",
    "activities": "activity",
    "deals": "deal",
}
SALES_REPS = frozenset(
    r.owner_id for t in ("sales-east", "sales-west") for r in team_reps(t, include_inactive=True)
)


def load_demo(
    store: Store,
    *,
    seed: int = 7,
    months: int = 12,
    leads_per_month: int = 1500,
    end_month: str | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Replace the demo organisation in the store (one transaction) and return rows per entity.

    `now` defaults to the current UTC time and `end_month` (YYYY-MM) to now's month; nothing
    generated lies after `now`. The run is recorded as an ImportRun of kind "demo".
    """
    now = now or datetime.now(UTC)
    frames = generate_demo(
        seed=seed, months=months, leads_per_month=leads_per_month, end_month=end_month, now=now
    )
    counts = {name: len(frame) for name, frame in frames.items()}
    run_id = store.start_run(T.ImportRun, kind="demo", path=f"seed={seed}")
    try:
        with store.transaction() as conn:
            store.delete_origin(ORIGIN, conn=conn)
            for name, entity in ENTITY_OF_FRAME.items():
                store.upsert_frame(entity, frames[name], origin=ORIGIN, conn=conn)
    except Exception as exc:
        store.finish_run(T.ImportRun, run_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    store.finish_run(T.ImportRun, run_id, status="ok", counts=counts)
    return counts


def generate_demo(
    *,
    seed: int = 7,
    months: int = 12,
    leads_per_month: int = 1500,
    end_month: str | None = None,
    now: datetime,
    sla_path: Path = DEFAULT_CONFIG_PATH,
) -> dict[str, pd.DataFrame]:
    """The demo data as canonical frames: teams, owners, leads, activities, deals (no database)."""
    if now.tzinfo is None:
        raise BadInputError("demo: `now` must be timezone-aware (e.g. 2026-05-14T12:00:00+00:00)")
    if months < 1 or leads_per_month < 0 or months * leads_per_month > MAX_LEADS:
        raise BadInputError(
            f"demo: --months must be at least 1 and --leads-per-month at least 0, with at most "
            f"{MAX_LEADS:,} leads in all (got {months} x {leads_per_month})"
        )
    periods = _months(end_month, months, now)
    now_ns = pd.Timestamp(now).value
    calendars = _calendars(sla_path, periods)
    taxonomy = text.load_taxonomy()
    rng = np.random.default_rng(seed)

    plan = make_leads(rng, periods, leads_per_month, calendars)
    activities = Activities()
    outcomes = sales_activities(rng, plan, calendars, periods, taxonomy, activities)
    deals = make_deals(rng, plan, outcomes)
    service_activities(rng, plan, outcomes, deals, calendars, periods, taxonomy, activities)
    return _canonical(plan, outcomes, activities.frame(), deals, now_ns)


def _months(end_month: str | None, months: int, now: datetime) -> list[pd.Period]:
    if end_month is None:
        end = pd.Timestamp(now).tz_convert(HOME_ZONE).tz_localize(None).to_period("M")
    else:
        try:
            end = pd.Period(datetime.strptime(end_month, "%Y-%m"), freq="M")  # noqa: DTZ007
        except ValueError as exc:
            raise BadInputError(
                f"demo: --end-month expects YYYY-MM (e.g. 2026-05), got {end_month!r}"
            ) from exc
    return [end - back for back in range(months - 1, -1, -1)]


def _calendars(sla_path: Path, periods: list[pd.Period]) -> dict[str, WorkTable]:
    """A work table per team calendar, covering the period plus room for late deals and contacts."""
    first = periods[0].start_time.tz_localize(UTC) - timedelta(days=2)
    last = periods[-1].end_time.tz_localize(UTC) + timedelta(days=200)
    return team_tables(sla_path, CALENDAR_OF_TEAM, first, last)


def _timestamps(values: np.ndarray) -> pd.Series:
    """UTC timestamps cut to whole seconds, as a CRM keeps them (flooring keeps every order)."""
    values = np.asarray(values, dtype=np.int64)
    second = 1_000_000_000
    floored = np.where(values == NAT, NAT, values - values % second)
    return pd.Series(floored.view("datetime64[ns]")).dt.tz_localize(UTC)


def _canonical(
    plan: LeadPlan, outcomes: pd.DataFrame, activities: pd.DataFrame, deals: pd.DataFrame, now: int
) -> dict[str, pd.DataFrame]:
    """Cut everything at `now`, number the records in time order, and name the columns."""
    leads = plan.leads
    created = leads["created"].to_numpy()
    kept = np.flatnonzero(created <= now)
    order = kept[np.argsort(created[kept], kind="stable")]
    width = max(6, len(str(len(order))))
    lead_ids = np.full(len(leads), None, dtype=object)
    lead_ids[order] = [f"L{n:0{width}d}" for n in range(1, len(order) + 1)]

    def seen(values: np.ndarray) -> np.ndarray:
        return np.where((values != NAT) & (values <= now), values, NAT)

    handed = seen(leads["handed"].to_numpy())
    assigned = np.where(handed != NAT, seen(leads["assigned"].to_numpy()), NAT)
    owner = np.where(assigned != NAT, leads["owner"].to_numpy(dtype=object), NO_VALUE)
    rejected = seen(outcomes["rejected"].to_numpy())
    reason = np.where(rejected != NAT, leads["reason"].to_numpy(dtype=object), NO_VALUE)

    known = np.zeros(len(leads), dtype=bool)
    known[kept] = True
    activities = activities[(activities["occurred"] <= now) & known[activities["lead"].to_numpy()]]
    activities = activities.sort_values(["occurred", "lead"], kind="stable")
    deals = deals[deals["closed"] <= now].sort_values(["closed", "lead"], kind="stable")
    status = _status(leads, outcomes, activities, deals, handed, assigned, rejected, now)

    lead_frame = pd.DataFrame(
        {
            C.LEAD_ID: lead_ids[order],
            C.CREATED_AT: _timestamps(created[order]),
            C.HANDED_OFF_AT: _timestamps(handed[order]),
            C.ASSIGNED_AT: _timestamps(assigned[order]),
            C.OWNER_ID: owner[order],
            C.SOURCE: leads["source"].to_numpy(dtype=object)[order],
            C.STATUS: status[order],
            C.REJECTED_AT: _timestamps(rejected[order]),
            C.REJECTION_REASON: reason[order],
            C.EMAIL: leads["email"].to_numpy(dtype=object)[order],
            C.COMPANY: leads["company"].to_numpy(dtype=object)[order],
        }
    )
    activity_frame = pd.DataFrame(
        {
            C.ACTIVITY_ID: [f"A{n:07d}" for n in range(1, len(activities) + 1)],
            C.LEAD_ID: lead_ids[activities["lead"].to_numpy()],
            C.TYPE: activities["type"].to_numpy(dtype=object),
            C.OCCURRED_AT: _timestamps(activities["occurred"].to_numpy()),
            C.OWNER_ID: activities["owner"].to_numpy(dtype=object),
            C.DIRECTION: activities["direction"].to_numpy(dtype=object),
            C.OUTCOME: activities["outcome"].to_numpy(dtype=object),
            C.BODY: activities["body"].to_numpy(dtype=object),
        }
    )
    deal_frame = pd.DataFrame(
        {
            C.DEAL_ID: [f"D{n:05d}" for n in range(1, len(deals) + 1)],
            C.LEAD_ID: lead_ids[deals["lead"].to_numpy()],
            C.CLOSED_WON_AT: _timestamps(deals["closed"].to_numpy()),
            C.OWNER_ID: deals["owner"].to_numpy(dtype=object),
            C.AMOUNT: deals["amount"].to_numpy(dtype=float),
            C.SERVICE_OWNER_ID: deals["service_owner"].to_numpy(dtype=object),
        }
    )
    return {
        "teams": TEAMS.copy(),
        "owners": owners_frame(),
        "leads": lead_frame,
        "activities": activity_frame,
        "deals": deal_frame,
    }


def _status(
    leads: pd.DataFrame,
    outcomes: pd.DataFrame,
    activities: pd.DataFrame,
    deals: pd.DataFrame,
    handed: np.ndarray,
    assigned: np.ndarray,
    rejected: np.ndarray,
    now: int,
) -> np.ndarray:
    """HubSpot-style lead status as it stands at `now`."""
    count = len(leads)
    outbound = activities[
        (activities["direction"] == "outbound") & activities["owner"].isin(SALES_REPS)
    ]
    attempted = np.zeros(count, dtype=bool)
    attempted[outbound["lead"].to_numpy()] = True
    won = np.zeros(count, dtype=bool)
    won[deals["lead"].to_numpy()] = True
    reached = (outcomes["connected"].to_numpy() != NAT) & (outcomes["connected"].to_numpy() <= now)
    # A stable pseudo-random split (no extra draws, so statuses never shift other data).
    bad_timing = (np.arange(count) * 2654435761 % 10) == 0
    return np.select(
        [
            handed == NAT,
            rejected != NAT,
            won,
            reached & bad_timing,
            reached,
            attempted,
            assigned != NAT,
        ],
        [
            "NEW",
            "UNQUALIFIED",
            "OPEN_DEAL",
            "BAD_TIMING",
            "CONNECTED",
            "ATTEMPTED_TO_CONTACT",
            "OPEN",
        ],
        "NEW",
    ).astype(object)
