"""Shared sidebar filters (month, tier/team, source) and shareable URLs.

Filters live in session state (so they survive page switches) and are mirrored in the query
string (`?month=2026-10&team=sales-east&source=demo_request`), so a copied link opens the same
view. A query parameter that differs from what this session last wrote wins: that is a link
someone followed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from models.access import Person
from models.time.months import month_of
from reports.formats import fmt_month
from ui import clock, loaders
from ui.theme import SOURCE_ALL, TEAM_ALL, TIER_ALL, TIER_LABELS

_SYNCED = "_query_synced"


@dataclass(frozen=True)
class Filters:
    """What every page shows: one month, optionally one tier, team and lead source."""

    month: str
    tier: str | None
    team_id: str | None
    source: str | None
    now: datetime
    as_of: datetime
    zone: ZoneInfo
    tier_teams: tuple[str, ...] = ()  # with a tier: the tier's team ids
    refused_team: str | None = None  # a followed `?team=` link to a team the person may not open

    @property
    def key(self) -> Filters:
        """These filters as a cache key: `now` set to the as-of instant. Figures are computed as
        of `as_of`; with the live second in a key every rerun would miss every cache."""
        return replace(self, now=self.as_of)

    @property
    def is_current_month(self) -> bool:
        return self.month == month_of(self.now, self.zone)

    def query(self, **extra: str | None) -> dict[str, str]:
        """Query parameters that reproduce this view (plus `extra`), for links."""
        params = {"month": self.month, "team": self.team_id, "source": self.source}
        params.update(extra)
        return {k: v for k, v in params.items() if v}


def _sync_from_query(name: str, key: str, valid: list[Any]) -> None:
    """Apply `?name=` to the widget `key` when it is new to this session and a valid option."""
    synced: dict[str, Any] = st.session_state.setdefault(_SYNCED, {})
    wanted = st.query_params.get(name)
    if wanted is not None and wanted in valid and wanted != synced.get(name):
        st.session_state[key] = wanted
        synced[name] = wanted
    elif key in st.session_state:
        # Re-assign the value: a widget drawn by another script (a page run on its own instead
        # of through app.py) would otherwise start from its default and lose the filter.
        st.session_state[key] = st.session_state[key]


def _write_query(name: str, value: str | None) -> None:
    synced: dict[str, Any] = st.session_state.setdefault(_SYNCED, {})
    synced[name] = value
    if value:
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def set_query(**values: str | None) -> None:
    """Set (or with None, remove) query parameters and remember them as this session's own."""
    for name, value in values.items():
        _write_query(name, value)


def query_value(name: str) -> str | None:
    return st.query_params.get(name)


def month_options(now: datetime, zone: ZoneInfo) -> list[str]:
    """Months that hold handed-off leads, plus the current month; newest first."""
    current = month_of(now, zone)
    first, last = loaders.lead_month_range(zone)
    if first is None or last is None:
        return [current]
    last = max(last, current)
    months: list[str] = []
    year, number = (int(p) for p in last.split("-"))
    while f"{year:04d}-{number:02d}" >= first and len(months) < 120:
        months.append(f"{year:04d}-{number:02d}")
        number -= 1
        if number == 0:
            year, number = year - 1, 12
    return months


_PICKED = "_team_picked"


def _team_picked() -> None:
    st.session_state[_PICKED] = True


def _refused_team(allowed: list[str], known: list[str]) -> str | None:
    """A `?team=` link (new to this session) naming a known team outside `allowed`."""
    wanted = st.query_params.get("team")
    synced: dict[str, Any] = st.session_state.setdefault(_SYNCED, {})
    if wanted is None or wanted == synced.get("team") or wanted in allowed or wanted not in known:
        return None
    return wanted


def sidebar_filters(person: Person) -> Filters:
    """Draw the shared filters in the sidebar and return them. The Team list holds only the
    teams `person` may open (every team for viewers and admins, a manager's teams, a rep's own);
    a link to another team is not followed but reported in `refused_team`."""
    current = clock.now()
    zone = loaders.month_zone()
    months = month_options(current, zone)
    every_team = loaders.directory()["teams"]
    sources = loaders.lead_sources()
    known = every_team["team_id"].astype(str).tolist() if not every_team.empty else []
    teams = (
        every_team
        if every_team.empty
        else every_team[every_team["team_id"].map(person.opens_team).astype(bool)]
    )

    _sync_from_query("month", "f_month", months)
    if st.session_state.get("f_month") not in months:
        st.session_state["f_month"] = (
            month_of(current, zone) if month_of(current, zone) in months else months[0]
        )
    team_ids = teams["team_id"].astype(str).tolist() if not teams.empty else []
    refused = _refused_team(team_ids, known)
    _sync_from_query("team", "f_team", [TEAM_ALL, *team_ids])
    _sync_from_query("source", "f_source", [SOURCE_ALL, *sources])
    team_from_url = st.session_state.get("f_team")
    if team_from_url and team_from_url != TEAM_ALL and "f_tier" not in st.session_state:
        tier_of = teams.set_index("team_id")["tier"].to_dict() if not teams.empty else {}
        st.session_state["f_tier"] = tier_of.get(team_from_url, TIER_ALL)

    with st.sidebar:
        st.selectbox("Month", months, key="f_month", format_func=lambda month: fmt_month(month, long=True))
        tier_options = [
            TIER_ALL,
            *[t for t in TIER_LABELS if not every_team.empty and t in set(every_team["tier"])],
        ]
        # (Re-)assigning keeps the value when another script draws this widget (see above).
        st.session_state["f_tier"] = (
            st.session_state.get("f_tier")
            if st.session_state.get("f_tier") in tier_options
            else TIER_ALL
        )
        tier = st.selectbox(
            "Tier", tier_options, key="f_tier", format_func=lambda t: TIER_LABELS.get(t, t)
        )
        # The tier's teams (all of them: the tier's figures are aggregates), and of those the
        # ones this person may choose.
        in_tier = (
            every_team
            if tier == TIER_ALL or every_team.empty
            else every_team[every_team["tier"] == tier]
        )
        visible = in_tier[in_tier["team_id"].isin(team_ids)] if not in_tier.empty else in_tier
        names = dict(zip(visible["team_id"].astype(str), visible["name"].astype(str), strict=False))
        team_options = [TEAM_ALL, *sorted(names, key=lambda t: names[t])]
        if st.session_state.get("f_team") not in team_options:
            st.session_state["f_team"] = TEAM_ALL
        team = st.selectbox(
            "Team",
            team_options,
            key="f_team",
            format_func=lambda t: names.get(t, t),
            on_change=_team_picked,
        )
        source_options = [SOURCE_ALL, *sources]
        if st.session_state.get("f_source") not in source_options:
            st.session_state["f_source"] = SOURCE_ALL
        source = st.selectbox(
            "Lead source", source_options, key="f_source", format_func=_source_label
        )

    if st.session_state.pop(_PICKED, False):
        refused = None  # the person chose a team in the sidebar: that replaces the link's
    month = st.session_state["f_month"]
    _write_query("month", month)
    if refused is None or team != TEAM_ALL:
        # A refused link stays in the address (and refused) until the person picks a team.
        _write_query("team", None if team == TEAM_ALL else team)
    _write_query("source", None if source == SOURCE_ALL else source)
    return Filters(
        month=month,
        tier=None if tier == TIER_ALL else tier,
        team_id=None if team == TEAM_ALL else team,
        source=None if source == SOURCE_ALL else source,
        now=current,
        as_of=loaders.evaluation_instant(current),
        zone=zone,
        tier_teams=tuple(sorted(in_tier["team_id"].astype(str))) if tier != TIER_ALL else (),
        refused_team=refused,
    )




def _source_label(source: str) -> str:
    return source if source == SOURCE_ALL else source.replace("_", " ")


def query_select(
    label: str,
    options: list[str],
    *,
    key: str,
    param: str,
    format_func: Any = str,
    placeholder: str = "Choose…",
) -> str | None:
    """A selectbox mirrored in `?param=` (shareable); None until something is chosen."""
    _sync_from_query(param, key, options)
    if st.session_state.get(key) not in options:
        st.session_state[key] = None
    chosen = st.selectbox(
        label, options, key=key, format_func=format_func, index=None, placeholder=placeholder
    )
    _write_query(param, chosen)
    return chosen


def choose(key: str, value: str | None) -> None:
    """Set a widget's value from a callback (e.g. a row picked in a table)."""
    st.session_state[key] = value


def share_url(base: str, params: dict[str, Any]) -> str:
    """The page's address with its query string: a link that opens this exact view."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if v})
    return f"{base.split('?', 1)[0]}?{query}" if query else base
