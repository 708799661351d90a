"""Drill-down for managers: team → rep → lead. A lead's timeline explains each SLA verdict;
breaches can be disputed here and managers approve or reject disputes. Links are shareable."""

from __future__ import annotations

import streamlit as st

from reports.formats import fmt_plural
from ui import agreement, components, context, disputes, loaders, nudges
from ui import drilldown as dd
from ui.filters import query_select, set_query, share_url
from ui.text import plain
from ui.theme import state_badge
from ui.timeline import clocks_table, lead_timeline

filters, me = context.current()
context.require_data("Drill-down")
components.page_header(
    "Drill-down", "Team → rep → lead. Pick a team in the sidebar, then a rep and a lead."
)

if me.may_decide:
    disputes.pending_panel(filters, me)

if filters.team_id is None:
    set_query(rep=None, lead=None)
    st.subheader("Teams this month")
    teams = dd.teams_table(filters, me)
    if teams.empty:
        components.empty_state(
            "No SLA item this month." if me.sees_everything else "No item of your team this month.",
            "Pick another month in the sidebar.",
        )
    else:
        shown = teams.drop(columns=["team_id"])
        components.data_table(
            shown, column_config=dd.breakdown_columns(shown, filters, opens="team"), key="dd_teams"
        )
        st.caption("Open a team (or choose it under Team in the sidebar) to see its reps.")
        owned = teams[teams["team_id"] != dd.NO_TEAM]
        cols = st.columns(max(1, min(len(owned), 6)))
        for index, row in enumerate(components.records(owned)):
            with cols[index % len(cols)]:
                components.page_link(
                    "pages/drilldown.py",
                    label=f"{plain(row['Team'])} →",
                    query_params=filters.query(team=str(row["team_id"])),
                )
    st.stop()

team_name = str(
    loaders.directory()["teams"].set_index("team_id")["name"].get(filters.team_id, filters.team_id)
)
if not me.opens_team(filters.team_id):
    set_query(rep=None, lead=None)
    context.not_yours(f"the team {team_name}")
reps = dd.reps_table(filters, me)
st.subheader(f"Team: {plain(team_name)}", anchor=False)
if reps.empty:
    components.empty_state(
        f"{team_name} has no SLA item this month.", "Pick another month or team in the sidebar."
    )
    st.stop()

rep_names = dict(zip(reps["owner_id"].astype(str), reps["Rep"].astype(str), strict=False))
shown = reps.drop(columns=["owner_id"])
components.data_table(
    shown, column_config=dd.breakdown_columns(shown, filters, opens="rep"), key="dd_reps"
)
wanted_rep = st.query_params.get("rep")
if wanted_rep and wanted_rep not in rep_names:
    set_query(rep=None, lead=None)
    context.not_yours(f"rep {wanted_rep}")
rep = query_select(
    "Rep",
    list(rep_names),
    key="dd_rep",
    param="rep",
    format_func=lambda o: rep_names.get(o, o),
    placeholder="Choose a rep…",
)
if rep is None:
    set_query(lead=None)
    st.stop()

try:
    items = dd.rep_items(filters, rep, me)
    choices = dd.lead_choices(filters, rep, me)
except dd.NotYours as refused:
    context.not_yours(refused.what)
st.subheader(f"{plain(rep_names.get(rep, rep))}'s items", anchor=False)
agreement.rep_line(filters, rep)
if items.empty:
    components.empty_state("No item for this rep with the current filters.")
    st.stop()
components.state_legend()
components.data_table(
    items.drop(
        columns=["sla_id", "explanation"] + (["deal_id"] if items["deal_id"].isna().all() else [])
    ),
    column_config={
        "lead_id": "Lead",
        "deal_id": "Deal",
        "state": "State",
        "start": components.when_column("Clock started"),
        "Business hours": components.hours_column("Business hours"),
        "Target hours": components.hours_column("Target"),
        "Link": components.link_column("Link", display="Open lead"),
    },
    key="dd_items",
    height=280,
    state_columns=["state"],
)
wanted_lead = st.query_params.get("lead")
if wanted_lead and wanted_lead not in choices:
    set_query(lead=None)
    context.not_yours(f"lead {wanted_lead} (not one of this rep's leads this month)")
lead = query_select(
    "Lead",
    list(choices),
    key="dd_lead",
    param="lead",
    format_func=lambda lead_id: choices.get(lead_id, lead_id),
    placeholder="Choose a lead…",
)
if lead is None:
    st.stop()

try:
    story = dd.lead_story(filters, lead, me)
except dd.NotYours as refused:
    context.not_yours(refused.what)
if story.lead is None:
    components.empty_state(f"Lead {lead} is not in the database (deleted?).")
    st.stop()
config = loaders.get_config()
zone = dd.lead_zone(story, config.calendars, filters.zone)

st.subheader(f"Lead {plain(lead)}", anchor=False)
facts = story.lead
st.markdown(
    " · ".join(
        part
        for part in (
            f"**{plain(facts['company'])}**" if isinstance(facts.get("company"), str) else None,
            f"source {plain(facts['source'])}" if isinstance(facts.get("source"), str) else None,
            f"owner **{plain(story.owner_names.get(str(facts['owner_id']), facts['owner_id']))}**"
            if facts.get("owner_id")
            else "unassigned",
            f"rejected: {plain(facts['rejection_reason']) if facts['rejection_reason'] else 'no reason given'}"
            if facts.get("rejected_at") is not None and str(facts.get("rejected_at")) != "NaT"
            else None,
            fmt_plural(len(story.activities), "activity", "activities"),
        )
        if part
    )
)
for item in components.records(story.items):
    st.markdown(
        f"{state_badge(str(item['state']))} **{plain(dd.sla_title(str(item['sla_id']), filters))}** — {plain(item['explanation'])}"
    )

components.chart(
    lead_timeline(
        story.lead,
        story.items,
        story.activities,
        story.deals,
        config.calendars,
        filters.as_of,
        story.owner_names,
    ),
    key="lead_timeline",
    empty="Nothing has happened on this lead by the as-of time.",
)
st.caption(
    "Each bar is an SLA clock in its state's colour, from start to stop (or to now). "
    "The orange tick marks where the target was used up; ✕ marks the breach."
)
st.markdown("**SLA clocks**")
components.data_table(
    clocks_table(story.items, zone, story.owner_names),
    state_columns=["State"],
    key="dd_clocks",
    column_config={
        "Clock started": components.when_column("Clock started"),
        "Clock stopped": components.when_column("Clock stopped"),
        "Breached at": components.when_column("Breached at"),
        "Business hours counted": components.hours_column("Business hours counted"),
        "Target (business hours)": components.hours_column("Target"),
    },
)
lead_nudges = nudges.log(lead)
with st.expander(f"Nudges this lead caused ({len(lead_nudges)})"):
    components.data_table(nudges.table(lead_nudges, zone), key="dd_nudges",
                          column_config={"When": components.when_column("When")})  # fmt: skip
with st.expander(f"Activities ({len(story.activities)})"):
    components.data_table(
        dd.activities_table(story, zone),
        column_config={"When": st.column_config.DatetimeColumn("When", format="ddd D MMM, HH:mm")},
    )

disputes.lead_panel(filters, me, story)
if st.context.url:
    st.caption(f"Share this view: {plain(share_url(st.context.url, st.query_params.to_dict()))}")
