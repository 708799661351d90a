"""The Service page's data: who in service owns and reached each new customer, and how fast.

A service item is the service side's (SPEC section 3): its owner and team are the deal's service
owner, else the service rep who made the first contact, else nobody (the service queue). The
sales rep who closed the deal is `closed_by_owner_id`, shown beside it and never charged. Who made
the first contact (the owner of the item's stop activity) comes from the activities (one store
read for the month's contacted leads).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from models.engine import columns as E
from ui import loaders
from ui.filters import Filters
from ui.follow_up import SlaView, sla_view, summarise_groups

KIND = "service_first_contact"
HISTORY_MONTHS = 6  # the months the Service page charts
NOT_CONTACTED = "(not contacted yet)"
SERVICE_QUEUE = "(service queue)"


def scope(filters: Filters) -> tuple[Filters, str | None]:
    """The filters for the service items, and the closing sales team to narrow the "closed by"
    tables to.

    Items carry the service owner's team, so a service tier or team in the sidebar narrows them
    directly. A sales tier or team would match no item at all: for those the page shows every
    customer and narrows the closers' tables to the chosen sales team instead.
    """
    if filters.tier in (None, "service"):
        return filters, None
    return replace(filters, tier=None, team_id=None, tier_teams=()), filters.team_id


@loaders.view_cache()
def _with_first_contact(stamp: str, filters: Filters, sla_id: str) -> pd.DataFrame:
    del stamp
    view = sla_view(filters, KIND, sla_id)
    if view is None:
        return pd.DataFrame()
    items = view.items.copy()
    contacted = items[E.STOP_ACTIVITY_ID].notna()
    lead_ids = sorted(items.loc[contacted, E.LEAD_ID].dropna().astype(str).unique())
    activities = loaders.get_store().read_activities_for_leads(lead_ids)
    owner_of = dict(
        zip(activities["activity_id"].astype(str), activities["owner_id"], strict=False)
    )
    items["contact_owner_id"] = (
        items[E.STOP_ACTIVITY_ID].where(contacted).astype("string").map(owner_of).astype(object)
    )
    owners = loaders.directory()["owners"].assign(owner_id=lambda o: o["owner_id"].astype(str))
    known = owners.set_index("owner_id")
    ids = items["contact_owner_id"].astype("string")
    items["contact_rep"] = ids.map(known["name"]).fillna(NOT_CONTACTED).astype(str)
    items["contact_team_id"] = ids.map(known["team_id"]).astype(object)
    items["contact_team"] = ids.map(known["team_name"]).fillna("—").astype(str)
    closers = items[E.CLOSED_BY_OWNER_ID].astype("string")
    items["closer"] = closers.map(known["name"]).fillna(closers).fillna("(no owner)").astype(str)
    items["closer_team_id"] = closers.map(known["team_id"]).astype(object)
    items["closer_team"] = closers.map(known["team_name"]).fillna("—").astype(str)
    unowned = items[E.OWNER_ID].isna()
    items.loc[unowned, "rep"] = SERVICE_QUEUE
    items.loc[unowned, "team"] = SERVICE_QUEUE
    return items


def with_first_contact(filters: Filters, view: SlaView) -> pd.DataFrame:
    """The view's items plus `contact_owner_id`, `contact_rep` and `contact_team`: who made
    the first contact (the stop activity's owner; NOT_CONTACTED when nobody has yet), and
    `closer`, `closer_team_id`, `closer_team`: who closed the deal. Items nobody owns yet have
    `rep` and `team` SERVICE_QUEUE."""
    return _with_first_contact(loaders.data_stamp(), filters.key, view.sla_id)


def by_owner(items: pd.DataFrame) -> pd.DataFrame:
    """Per service owner (the item's owner): customers, within target, median and P90 business
    hours to first contact; the service queue (customers nobody owns yet) is the last row."""
    grouped = summarise_groups(items, [E.OWNER_ID, "rep", "team"])
    if grouped.empty:
        return grouped
    queue = grouped[E.OWNER_ID].isna()
    return pd.concat(
        [
            grouped[~queue].sort_values(
                ["compliance_pct", "median_hours"], ascending=[True, False], na_position="last"
            ),
            grouped[queue],
        ],
        ignore_index=True,
    )


def by_closer(items: pd.DataFrame, team_id: str | None = None) -> pd.DataFrame:
    """Per sales rep who closed the deals (optionally of one sales team): how quickly service
    reached their customers. Shown for the handover, never charged to the closer."""
    if team_id is not None and not items.empty:
        items = items[items["closer_team_id"] == team_id]
    grouped = summarise_groups(items, [E.CLOSED_BY_OWNER_ID, "closer", "closer_team"])
    if grouped.empty:
        return grouped
    return grouped.sort_values(["items", "closer"], ascending=[False, True], ignore_index=True)


def by_contact_rep(items: pd.DataFrame) -> pd.DataFrame:
    """Per service rep who made first contacts: customers, within target, median and P90
    business hours to first contact; customers nobody has contacted yet form the last row."""
    grouped = summarise_groups(items, ["contact_owner_id", "contact_rep", "contact_team"])
    if grouped.empty:
        return grouped
    waiting = grouped["contact_owner_id"].isna()
    return pd.concat(
        [
            grouped[~waiting].sort_values(["items", "median_hours"], ascending=[False, True]),
            grouped[waiting],
        ],
        ignore_index=True,
    )


def customers_table(items: pd.DataFrame) -> pd.DataFrame:
    """The new customers worst first (breached, open, met, excluded; longest wait first)."""
    rank = items[E.STATE].map({E.BREACHED: 0, E.OPEN: 1, E.MET: 2, E.EXCLUDED: 3})
    return (
        items.assign(_rank=rank)
        .sort_values(["_rank", "elapsed_hours"], ascending=[True, False])
        .drop(columns=["_rank"])
    )
