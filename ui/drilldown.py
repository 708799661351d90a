"""The Drill-down page's data: team → rep → lead, a lead's full story, and its disputes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from models.access import Person
from models.engine import columns as E
from models.engine.rollups import rollup
from models.time.calendar import Calendar
from reports.formats import fmt_hours
from ui import components, evaluations, loaders, views
from ui.components import records
from ui.filters import Filters
from ui.overview import drill_link, drill_links
from ui.theme import state_label

_STATE_RANK = {E.BREACHED: 0, E.OPEN: 1, E.MET: 2, E.EXCLUDED: 3}


def _sla_names(evaluation: Any) -> dict[str, str]:
    return {s.sla_id: s.name for s in evaluation.slas}


def _wide(items: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per group: compliance per SLA side by side (columns named by SLA id), plus
    breached and open totals."""
    table = rollup(items, [*keys, E.SLA_ID])
    if table.empty:
        return pd.DataFrame(columns=keys)
    wide = table.pivot_table(
        index=keys, columns=E.SLA_ID, values="compliance_pct", aggfunc="first", dropna=False
    )
    wide.columns = [f"{c} %" for c in wide.columns]
    totals = table.groupby(keys, dropna=False)[[E.BREACHED, E.OPEN, "items"]].sum()
    return wide.join(totals).reset_index()


def compliance_columns(table: pd.DataFrame, filters: Filters) -> dict[str, Any]:
    """Progress-bar column settings for the "<sla_id> %" columns, the SLA's name as help."""
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    names = _sla_names(evaluation)
    labels = views.sla_labels(evaluation)
    out: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column, str) and column.endswith(" %"):
            sla_id = column.removesuffix(" %")
            out[column] = st.column_config.ProgressColumn(
                labels.get(sla_id, sla_id),
                help=f"{names.get(sla_id, sla_id)}: % of decided items within target",
                format="%.1f%%",
                min_value=0,
                max_value=100,
            )
    return out


def breakdown_columns(table: pd.DataFrame, filters: Filters, *, opens: str) -> dict[str, Any]:
    """Column settings of a team or rep breakdown: compliance bars, counts, and a link that
    opens the row (`opens`: "team" or "rep")."""
    return {
        **compliance_columns(table, filters),
        "breached": st.column_config.NumberColumn("Breached"),
        "open": st.column_config.NumberColumn("Open"),
        "items": st.column_config.NumberColumn("Items"),
        "Open": components.link_column("Drill-down", display=f"Open {opens}"),
    }


NO_TEAM = ""  # the row of items nobody owns yet
NO_TEAM_LABEL = "(unassigned: no owner yet, or the service queue)"


@st.cache_data(show_spinner="Computing verdicts…", ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
def _teams(stamp: str, filters: Filters) -> pd.DataFrame:
    del stamp
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    unfiltered = replace(filters, team_id=None)
    items = views.scoped_items(evaluation, unfiltered)
    teams = loaders.directory()["teams"]
    # Items nobody owns yet (leads not routed, new customers in the service queue) get a row of
    # their own, so the teams' totals add up to the Overview's.
    table = _wide(items.assign(**{E.TEAM_ID: items[E.TEAM_ID].fillna(NO_TEAM)}), [E.TEAM_ID])
    if table.empty:
        return table
    names = dict(zip(teams["team_id"], teams["name"], strict=False))
    names[NO_TEAM] = NO_TEAM_LABEL
    table.insert(0, "Team", table[E.TEAM_ID].map(names))
    table["Open"] = [
        None if t == NO_TEAM else drill_link(unfiltered, team=t) for t in table[E.TEAM_ID]
    ]
    table = table.sort_values(E.BREACHED, ascending=False)
    return pd.concat([table[table[E.TEAM_ID] != NO_TEAM], table[table[E.TEAM_ID] == NO_TEAM]])


def teams_table(filters: Filters, person: Person) -> pd.DataFrame:
    """The teams with items this month that `person` may open (every team, and the row of items
    nobody owns yet, for viewers and admins; a manager's teams; a rep's own team): compliance
    per SLA, breaches, and a link."""
    table = _teams(loaders.data_stamp(), filters.key)
    if person.sees_everything or table.empty:
        return table
    return table[table[E.TEAM_ID].map(person.opens_team).astype(bool)]


@st.cache_data(show_spinner="Computing verdicts…", ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
def _reps(stamp: str, filters: Filters) -> pd.DataFrame:
    del stamp
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    items = views.scoped_items(evaluation, filters)
    owners = loaders.directory()["owners"]
    table = _wide(items, [E.OWNER_ID])
    if table.empty:
        return table
    table.insert(
        0,
        "Rep",
        table[E.OWNER_ID]
        .map(dict(zip(owners["owner_id"], owners["name"], strict=False)))
        .fillna("(unassigned)"),
    )
    table["Open"] = [drill_link(filters, team=filters.team_id, rep=o) for o in table[E.OWNER_ID]]
    return table.sort_values(E.BREACHED, ascending=False)


class NotYours(Exception):
    """A team, rep or lead outside the signed-in person's scope (`what` names it)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def team_of_owner(owner_id: object) -> str | None:
    owners = loaders.directory()["owners"]
    found = owners.loc[owners["owner_id"].astype(str) == str(owner_id), "team_id"]
    team = found.iloc[0] if not found.empty else None
    return team if isinstance(team, str) else None


def check_owner(person: Person, owner_id: str) -> None:
    """Raise NotYours unless `person` may open this rep's items and leads."""
    if not person.sees_owner(owner_id, team_of_owner(owner_id)):
        raise NotYours(f"rep {owner_id}")


def reps_table(filters: Filters, person: Person) -> pd.DataFrame:
    """The team's reps (filters.team_id) that `person` may open: compliance per SLA, breaches,
    and a link (a rep sees their own row; the team's figures stay aggregate)."""
    table = _reps(loaders.data_stamp(), filters.key)
    if person.sees_team(filters.team_id) or table.empty:
        return table
    return table[table[E.OWNER_ID].isin(person.owner_ids)]


@st.cache_data(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
def _leads(stamp: str, filters: Filters, owner_id: str) -> pd.DataFrame:
    del stamp
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    items = views.scoped_items(evaluation, filters)
    mine = items[items[E.OWNER_ID] == owner_id]
    if mine.empty:
        return pd.DataFrame()
    mine = evaluation.explain(mine).copy()
    names = _sla_names(evaluation)
    mine["rank"] = mine[E.STATE].map(_STATE_RANK)
    mine[E.START] = pd.to_datetime(mine[E.START], utc=True).dt.tz_convert(filters.zone)
    mine["SLA"] = mine[E.SLA_ID].map(names)
    mine["Business hours"] = pd.to_numeric(mine[E.ELAPSED], errors="coerce") / 60.0
    mine["Target hours"] = pd.to_numeric(mine[E.TARGET], errors="coerce") / 60.0
    mine["Link"] = drill_links(
        filters, [filters.team_id] * len(mine), [owner_id] * len(mine), mine[E.LEAD_ID]
    )
    mine = mine.sort_values(["rank", "Business hours"], ascending=[True, False])
    return mine[
        [
            E.LEAD_ID,
            E.DEAL_ID,
            E.SLA_ID,
            "SLA",
            E.STATE,
            E.START,
            "Business hours",
            "Target hours",
            E.EXPLANATION,
            "Link",
        ]
    ]


def rep_items(filters: Filters, owner_id: str, person: Person) -> pd.DataFrame:
    """The rep's items this month, breached first, then open, met, excluded (NotYours outside
    `person`'s scope)."""
    check_owner(person, owner_id)
    return _leads(loaders.data_stamp(), filters.key, owner_id)


@st.cache_data(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=loaders.MAX_ENTRIES)
def _lead_choices(stamp: str, filters: Filters, owner_id: str) -> dict[str, str]:
    items = _leads(stamp, filters, owner_id)
    if items.empty:
        return {}
    # Items are sorted worst first, so a lead's first row is its worst item.
    worst = items.drop_duplicates(E.LEAD_ID)
    labels = (
        worst[E.LEAD_ID].astype(str)
        + " · "
        + worst["SLA"].astype(str)
        + ": "
        + worst[E.STATE].map(state_label).str.lower()
        + " ("
        + worst["Business hours"].map(fmt_hours)
        + " of "
        + worst["Target hours"].map(fmt_hours)
        + ", business time)"
    )
    return dict(zip(worst[E.LEAD_ID].astype(str), labels, strict=True))


def lead_choices(filters: Filters, owner_id: str, person: Person) -> dict[str, str]:
    """The rep's leads, worst first (breached, open, met, excluded): lead id -> label."""
    check_owner(person, owner_id)
    return _lead_choices(loaders.data_stamp(), filters.key, owner_id)


def _items_where(evaluation: Any, column: str, values: list[str]) -> pd.DataFrame:
    """Items of every per-item SLA whose `column` is one of `values` (SLA by SLA: no big concat)."""
    frames = [
        result.lean_items[result.lean_items[column].astype(str).isin(values)]
        for result in evaluation.slas
        if not result.lean_items.empty
    ]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return evaluation.items(explain=False).head(0)
    return evaluation.explain(pd.concat(frames, ignore_index=True))


@dataclass
class LeadStory:
    """Everything about one lead this month: record, activities, deals, SLA items, disputes."""

    lead: dict[str, Any] | None
    activities: pd.DataFrame
    deals: pd.DataFrame
    items: pd.DataFrame
    disputes: pd.DataFrame
    owner_names: dict[str, str]


def lead_story(filters: Filters, lead_id: str, person: Person) -> LeadStory:
    """Read one lead (a handful of rows, not cached: a dispute must show at once); NotYours,
    with nothing else read, when its owner is outside `person`'s scope."""
    store = loaders.get_store()
    leads = store.read_entity("lead", ids=[lead_id])
    owner = leads.iloc[0]["owner_id"] if not leads.empty else None
    if not leads.empty and not person.sees_owner(owner, team_of_owner(owner)):
        raise NotYours(f"lead {lead_id}")
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    items = _items_where(evaluation, E.LEAD_ID, [lead_id])
    activities = store.read_activities_for_leads([lead_id]).sort_values("occurred_at")
    deal_ids = [str(d) for d in items[E.DEAL_ID].dropna().unique()]
    deals = (
        store.read_entity("deal", ids=deal_ids)
        if deal_ids
        else pd.DataFrame(columns=["deal_id", "closed_won_at"])
    )
    item_ids = [str(i) for i in items[E.ITEM_ID].dropna().unique()] or [lead_id]
    disputes = store.select_rows(
        _dispute_model(), {"item_id": item_ids}, order_by="id", descending=True
    )
    return LeadStory(
        lead=None if leads.empty else records(leads)[0],
        activities=activities,
        deals=deals,
        items=items,
        disputes=disputes,
        owner_names=loaders.names()[0],
    )


def lead_zone(story: LeadStory, calendars: Mapping[str, Calendar], default: ZoneInfo) -> ZoneInfo:
    """The zone of the lead's first SLA calendar (its clocks run there), else `default`."""
    for name in story.items[E.CALENDAR].dropna() if not story.items.empty else []:
        if name in calendars:
            return calendars[name].zone
    return default


def _dispute_model() -> Any:
    from models.tables import Dispute

    return Dispute


def pending_disputes(filters: Filters, person: Person) -> pd.DataFrame:
    """Disputes awaiting `person`'s decision (their teams'; an admin's: all), newest first, with
    the lead, owner and SLA named."""
    from models.verdicts.service import list_disputes

    pending = list_disputes(loaders.get_store(), "pending")
    if pending.empty or not person.may_decide:
        return pending.head(0)
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    items = _items_where(evaluation, E.ITEM_ID, [str(i) for i in pending[E.ITEM_ID]])
    columns = [E.SLA_ID, E.ITEM_ID, E.LEAD_ID, E.OWNER_ID, E.TEAM_ID, E.STATE]
    pending = pending.merge(items[columns], on=[E.SLA_ID, E.ITEM_ID], how="left")
    pending["rep"] = pending[E.OWNER_ID].map(loaders.names()[0])
    pending["SLA"] = pending[E.SLA_ID].map(_sla_names(evaluation)).fillna(pending[E.SLA_ID])
    if not person.is_admin:
        # Items outside this month's evaluation carry no team here: find it from the record.
        teams = [
            team if isinstance(team, str) else team_of_item(str(item))
            for team, item in zip(pending[E.TEAM_ID], pending[E.ITEM_ID], strict=True)
        ]
        mine = [person.decides_for(team) for team in teams]
        pending = pending[pd.Series(mine, index=pending.index, dtype=bool)]
    return pending


def team_of_item(item_id: str) -> str | None:
    from models.verdicts.guard import item_owner

    return item_owner(loaders.get_store(), item_id)[1]


def activities_table(story: LeadStory, zone: Any) -> pd.DataFrame:
    """The lead's activities for a table (local times, owner names)."""
    acts = story.activities
    if acts.empty:
        return acts
    return pd.DataFrame(
        {
            "When": acts["occurred_at"].dt.tz_convert(zone).dt.tz_localize(None),
            "Type": acts["type"],
            "Direction": acts["direction"],
            "Outcome": acts["outcome"],
            "By": acts["owner_id"].astype(str).map(story.owner_names).fillna(acts["owner_id"]),
        }
    )


def sla_title(sla_id: str, filters: Filters) -> str:
    """The SLA's name as the SLA file gives it."""
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    return _sla_names(evaluation).get(sla_id, sla_id)
