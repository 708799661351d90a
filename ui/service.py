"""The Service page's data: who in service made each new customer's first contact, and how fast.

A service item's owner and team are the deal's owner's (SPEC section 3): the sales rep who closed
the deal, not a service person. Service managers want the other side too: the service rep whose
outbound call, e-mail or meeting stopped the clock, i.e. the owner of the item's stop activity.
That owner comes from the activities (one store read for the month's contacted leads).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from models.engine import columns as E
from ui import loaders
from ui.filters import Filters
from ui.follow_up import SlaView, sla_view, summarise_groups

KIND = "service_first_contact"
NOT_CONTACTED = "(not contacted yet)"


def scope(filters: Filters) -> tuple[Filters, str | None]:
    """The filters for the service items, and the service team to narrow first contacts to.

    Items carry the closing sales team, so a service tier or team in the sidebar would match no
    item at all; for those the page shows every customer and narrows the first contacts to the
    chosen service team instead.
    """
    if filters.tier != "service":
        return filters, None
    return replace(filters, tier=None, team_id=None, tier_teams=()), filters.team_id


@st.cache_data(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
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
    return items


def with_first_contact(filters: Filters, view: SlaView) -> pd.DataFrame:
    """The view's items plus `contact_owner_id`, `contact_rep` and `contact_team`: who made
    the first contact (the stop activity's owner); NOT_CONTACTED when nobody has yet."""
    return _with_first_contact(loaders.data_stamp(), filters.key, view.sla_id)


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
