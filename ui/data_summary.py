"""What is loaded, summarised for the Data page (pure pandas over the store's data overview)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from ui import loaders


@dataclass(frozen=True)
class LoadedData:
    counts: dict[str, int]
    first_handoff: datetime | None
    last_handoff: datetime | None
    teams: pd.DataFrame  # tier, team, owners, active owners, leads
    months: pd.DataFrame  # month, tier, team, leads handed off, rejected
    activities: pd.DataFrame  # type, activities, first, last
    deals: pd.DataFrame  # deals, first, last


@st.cache_data(
    show_spinner="Summarising the data…",
    ttl=loaders.STAMP_TTL_SECONDS,
    max_entries=loaders.MAX_ENTRIES,
)
def _summarise(url: str, stamp: str, zone_name: str) -> LoadedData:
    del url, stamp
    overview = loaders.data_overview(ZoneInfo(zone_name))
    owners, by_month = overview["owners"], overview["leads"]
    teams = loaders.directory()["teams"][["team_id", "name", "tier"]]
    per_team = by_month.groupby("team_id", dropna=False)["leads"].sum().reset_index()
    team_table = owners.merge(per_team, on="team_id", how="left").fillna({"leads": 0})
    team_table = team_table.rename(columns={"team": "team_name"})
    team_table["leads"] = team_table["leads"].astype(int)

    by_month = by_month.assign(team_id=by_month["team_id"].fillna("(no team)"))
    months = by_month.groupby(["month", "team_id"])[["leads", "rejected"]].sum().reset_index()
    months = months.merge(teams, on="team_id", how="left")
    months["name"] = months["name"].fillna(months["team_id"])
    months["tier"] = months["tier"].fillna("(none)")
    return LoadedData(
        counts=loaders.counts(),
        first_handoff=overview["first_handoff"],
        last_handoff=overview["last_handoff"],
        teams=team_table,
        months=months.sort_values(["month", "tier", "name"]),
        activities=overview["activities"],
        deals=overview["deals"],
    )


def loaded_data(zone: ZoneInfo) -> LoadedData:
    """Counts by tier, team and month, and date ranges of what is loaded."""
    url, stamp = loaders.stamp_and_url()
    return _summarise(url, stamp, str(zone))


@st.cache_data(show_spinner=False, ttl=loaders.STAMP_TTL_SECONDS, max_entries=4)
def _backdated_deals(url: str, stamp: str) -> pd.DataFrame:
    del url, stamp
    return loaders.get_store().read_deals_won_before_their_lead()


def backdated_deals() -> pd.DataFrame:
    """Deals closed won before their lead was created: accepted (CRMs allow a backdated close
    date, see `models.data_checks`), listed on the Data page with a warning."""
    url, stamp = loaders.stamp_and_url()
    return _backdated_deals(url, stamp)
