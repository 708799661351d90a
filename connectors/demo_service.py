"""Demo deals and the service team's takeover: first contact, kickoff, onboarding and friction notes.

About one handed-off lead in ten closes won two to eight weeks after handoff, inside business-ish
hours. Service first contact is drawn in business minutes on the `service` calendar: mostly within
a business day, one slow rep, a tail, and a few customers nobody contacts. Service reps' notes
carry onboarding pain points and, where sales was slow, "handoff friction" remarks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors import demo_text as text
from connectors.demo_activity import Activities, business_minutes, month_slowness, rep_profile
from connectors.demo_leads import LeadPlan, month_of
from connectors.demo_people import team_reps
from connectors.demo_time import NAT, NO_VALUE, NS_PER_MINUTE, WorkTable

SERVICE_CALL_OUTCOMES = np.array(["connected", "left_voicemail", "no_answer"], dtype=object)


def make_deals(
    rng: np.random.Generator,
    plan: LeadPlan,
    outcomes: pd.DataFrame,
) -> pd.DataFrame:
    """Won deals (lead index, owner, closed_won ns, amount) for the leads sales closed."""
    leads = plan.leads
    closed_all = outcomes["closed"].to_numpy()
    rows = np.flatnonzero(closed_all != NAT)
    closed = closed_all[rows]
    boost = leads["source"].iloc[rows].map({"referral": 1.4, "event": 1.3, "demo_request": 1.2})
    amount = rng.lognormal(np.log(18_000), 0.6, len(rows)) * boost.fillna(1.0).to_numpy()
    return pd.DataFrame(
        {
            "lead": rows,
            "owner": leads["owner"].to_numpy(dtype=object)[rows],
            "closed": closed,
            "amount": np.round(amount, -2),
        }
    )


def service_activities(
    rng: np.random.Generator,
    plan: LeadPlan,
    outcomes: pd.DataFrame,
    deals: pd.DataFrame,
    calendars: dict[str, WorkTable],
    months: list[pd.Period],
    taxonomy: text.Taxonomy,
    out: Activities,
) -> None:
    """First contact, kickoff meeting and notes by the service team for each won deal.

    Also sets `deals["service_owner"]`: two deals in three name their service rep in the CRM; the
    rest are owned by whoever makes the first contact (or sit in the service queue)."""
    count = len(deals)
    table = calendars["service"]
    reps = np.array([r.owner_id for r in team_reps("service")], dtype=object)
    rep = rng.choice(reps, count)
    # Not drawn from `rng`: the rest of the demo stays the same with or without this column.
    named = rep.astype(object)
    named[np.arange(count) % 3 == 2] = None
    deals["service_owner"] = named
    lead = deals["lead"].to_numpy()
    closed = deals["closed"].to_numpy()
    month = month_of(months, closed)
    slowness = month_slowness(rng, months)[month]
    delay = rng.lognormal(np.log(rep_profile(rep, "touch_median", 120.0) * slowness), 0.8)
    contacted = rng.random(count) >= 0.03
    first = table.add(closed, delay)
    is_call = rng.random(count) < 0.55
    call_outcome = rng.choice(SERVICE_CALL_OUTCOMES, count, p=[0.6, 0.25, 0.15])
    rows = np.flatnonzero(contacted)
    out.add(
        lead[rows],
        rep[rows],
        np.where(is_call[rows], "call", "email"),
        first[rows],
        "outbound",
        np.where(is_call[rows], call_outcome[rows], NO_VALUE),
        np.where(
            is_call[rows],
            "Welcome call: introduced myself as the onboarding contact.",
            rng.choice(text.SERVICE_EMAILS, len(rows)),
        ),
    )
    meets = contacted & (rng.random(count) < 0.75)
    kickoff = table.add(first[meets], rng.lognormal(np.log(1500), 0.6, int(meets.sum())))
    out.add(
        lead[meets],
        rep[meets],
        "meeting",
        kickoff,
        "outbound",
        None,
        text.MEETING_BODIES["service"],
    )

    after = first.copy()
    after[meets] = kickoff
    noted = contacted & (rng.random(count) < 0.8)
    rows = np.flatnonzero(noted)
    when = after[rows] + (rng.uniform(20, 60, len(rows)) * NS_PER_MINUTE).astype(np.int64)
    bodies = text.note_bodies(rng, taxonomy, month[rows], len(months), "service")
    out.add(lead[rows], rep[rows], "note", when, None, None, bodies)

    # Customers of a slow sales follow-up tell the service rep about it.
    start = plan.leads["start"].to_numpy()[lead]
    touched = outcomes["first_touch"].to_numpy()[lead]
    waited = business_minutes(
        calendars, plan.leads["team"].to_numpy(dtype=object)[lead], start, touched
    )
    slow = (touched == NAT) | (waited > 480)
    friction = contacted & (rng.random(count) < np.where(slow, 0.35, 0.08))
    rows = np.flatnonzero(friction)
    when = first[rows] + (rng.uniform(10, 40, len(rows)) * NS_PER_MINUTE).astype(np.int64)
    bodies = text.note_bodies(rng, taxonomy, month[rows], len(months), "service", force="handoff")
    out.add(lead[rows], rep[rows], "note", when, None, None, bodies)
