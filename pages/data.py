"""Data: what is loaded, and how to load more (HubSpot sync, canonical CSV upload, the demo)."""

from __future__ import annotations

import streamlit as st

from reports.formats import fmt_ago, fmt_count, fmt_month, fmt_when
from ui import actions, charts, components, context, loaders
from ui.data_summary import backdated_deals, loaded_data
from ui.text import bullets
from ui.theme import TIER_LABELS

filters, me = context.current()
context.require_admin("Data")
components.page_header("Data", "What is loaded, where it came from, and how to load more.")

if loaders.is_empty():
    components.empty_database(context.load_demo_and_rerun, key="data")
else:
    loaded = loaded_data(filters.zone)
    with components.metric_row():
        for label, entity in [
            ("Teams", "team"),
            ("Reps", "owner"),
            ("Leads", "lead"),
            ("Activities", "activity"),
            ("Deals won", "deal"),
        ]:
            components.metric_card(label, fmt_count(loaded.counts.get(entity, 0)))
    st.caption(
        f"Leads handed off from {fmt_when(loaded.first_handoff, filters.zone)} "
        f"to {fmt_when(loaded.last_handoff, filters.zone)}."
    )
    last_import = loaders.runs("import", limit=1)
    if not last_import.empty:
        run = last_import.iloc[0]
        st.caption(
            f"Last {run['kind']} run: {fmt_when(run['started_at'], filters.zone)} "
            f"({fmt_ago(run['started_at'], filters.now)}), {run['status']}"
            + (f": {run['counts']}" if run["counts"] else "")
        )
    backdated = backdated_deals()
    if not backdated.empty:
        st.warning(
            f"{fmt_count(len(backdated))} deal{'s' if len(backdated) != 1 else ''} closed won "
            "before the lead was created. Kept: CRMs allow a backdated close date; the service "
            "clock starts at the close date. Correct the close date in the CRM if it is a typo.",
            icon=":material/warning:",
        )
        with st.expander("Deals closed before their lead existed"):
            components.data_table(
                backdated.assign(
                    closed_won_at=backdated["closed_won_at"].dt.tz_convert(filters.zone),
                    created_at=backdated["created_at"].dt.tz_convert(filters.zone),
                ),
                column_config={
                    "deal_id": "Deal",
                    "lead_id": "Lead",
                    "closed_won_at": st.column_config.DatetimeColumn(
                        f"Closed won ({filters.zone})", format="D MMM YYYY, HH:mm"
                    ),
                    "created_at": st.column_config.DatetimeColumn(
                        f"Lead created ({filters.zone})", format="D MMM YYYY, HH:mm"
                    ),
                },
                key="data_backdated",
            )
    usable = [row for row in loaders.verdict_cache() if row["usable"]]
    if usable:
        warm_months = [row["month"] for row in usable]
        st.caption(
            f"Verdicts precomputed for {', '.join(fmt_month(m) for m in warm_months)}, as of "
            f"{fmt_when(max(row['as_of'] for row in usable), filters.zone)}: those months open "
            "at once. Sync, import and `handoff cache warm` refresh them."
        )
    else:
        st.caption(
            "No verdicts are precomputed for the data as it is now: the first view of each month "
            "judges it from the data. Sync, import and `handoff cache warm` precompute them."
        )
    by_team, by_month, activity = st.tabs(["By tier and team", "By month", "Activities and deals"])
    with by_team:
        teams = loaded.teams.assign(tier=loaded.teams["tier"].map(lambda t: TIER_LABELS.get(t, t)))
        components.data_table(
            teams[["tier", "team_name", "team_id", "owners", "active_owners", "leads"]],
            column_config={
                "tier": "Tier",
                "team_name": "Team",
                "team_id": "Team id",
                "owners": st.column_config.NumberColumn("Reps", format="localized"),
                "active_owners": st.column_config.NumberColumn("Active reps", format="localized"),
                "leads": st.column_config.NumberColumn(
                    "Leads owned",
                    help="Handed-off leads whose current owner is in the team",
                    format="localized",
                ),
            },
        )
    with by_month:
        leads_by_month = loaded.months
        if leads_by_month.empty:
            components.empty_state("No lead has been handed off yet.")
        else:
            figure = charts.team_month_bars(leads_by_month, "Leads handed off")
            components.chart(figure, key="data_months", empty="No lead has been handed off yet.")
            pivot = leads_by_month.pivot_table(
                index="month", columns="name", values="leads", aggfunc="sum", fill_value=0
            )
            st.dataframe(pivot.sort_index(ascending=False), width="stretch")
    with activity:
        left, right = st.columns(2)
        with left:
            st.markdown("**Activities by type**")
            components.data_table(
                loaded.activities,
                column_config={
                    "type": "Type",
                    "activities": st.column_config.NumberColumn("Count"),
                    "first": components.when_column("First"),
                    "last": components.when_column("Last"),
                },
            )
        with right:
            st.markdown("**Deals won**")
            components.data_table(
                loaded.deals,
                column_config={
                    "deals": st.column_config.NumberColumn("Deals"),
                    "first": components.when_column("First closed"),
                    "last": components.when_column("Last closed"),
                },
            )

st.header("Load more", divider="gray")
hubspot, csv, demo = st.tabs(["HubSpot", "CSV upload", "Demo organisation"])

with hubspot:
    syncs = loaders.runs("sync", limit=10)
    token_set = loaders.settings().hubspot_access_token is not None
    last = syncs.iloc[0] if not syncs.empty else None
    with components.metric_row():
        components.metric_card("Token", "configured" if token_set else "not set")
        components.metric_card(
            "Last sync", fmt_ago(last["started_at"], filters.now) if last is not None else "never"
        )
        components.metric_card("Last status", str(last["status"]) if last is not None else "—")
    if not token_set:
        st.info(
            "To connect HubSpot, create a private app with the CRM read scopes (contacts, deals, "
            "owners, calls, emails, meetings, notes, tasks), then set `HUBSPOT_ACCESS_TOKEN` in the "
            "environment or in `.streamlit/secrets.toml` and restart the dashboard. "
            "From a shell: `handoff sync hubspot`.",
            icon=":material/key:",
        )
    left, right, _ = st.columns([1, 1, 3])
    sync_now = left.button("Sync HubSpot now", type="primary", disabled=not token_set)
    sync_full = right.button("Full re-sync", disabled=not token_set)
    if sync_now or sync_full:
        with st.spinner("Syncing from HubSpot…"):
            outcome = actions.sync_hubspot(me, full=sync_full)
        context.flash("success" if outcome.ok else "error", outcome.message)
        st.rerun()
    if not syncs.empty:
        components.data_table(
            syncs[
                [
                    "id",
                    "started_at",
                    "finished_at",
                    "full",
                    "status",
                    "counts",
                    "requests_used",
                    "error",
                ]
            ],
            column_config={
                "id": "Run",
                "started_at": components.when_column("Started"),
                "finished_at": components.when_column("Finished"),
                "full": st.column_config.CheckboxColumn("Full"),
                "status": "Status",
                "counts": "Records",
                "requests_used": st.column_config.NumberColumn("API calls"),
                "error": "Error or warnings",
            },
        )
        with st.expander("Checkpoints (`handoff sync status`)"):
            st.code(loaders.hubspot_status(), language=None)

with csv:
    st.markdown(
        "Upload canonical CSV files: `teams.csv`, `owners.csv`, `leads.csv`, `activities.csv`, "
        "`deals.csv` (any subset; see the README for the columns). Import is all-or-nothing and "
        "re-importing the same rows changes nothing."
    )
    uploads = st.file_uploader("Canonical CSV files", type=["csv"], accept_multiple_files=True)
    if st.button("Import files", disabled=not uploads):
        with st.spinner("Importing…"):
            outcome = actions.import_csv_files(me, [(f.name, f.getvalue()) for f in uploads or []])
        if outcome.ok:
            context.flash("success", outcome.message)
            st.rerun()
        st.error(outcome.message + "\n\n" + bullets(outcome.problems[:50]))
        if len(outcome.problems) > 50:
            st.caption(f"… and {len(outcome.problems) - 50} more problems.")
    imports = loaders.runs("import", limit=10)
    if imports.empty:
        st.caption("No import or demo run yet.")
    else:
        st.markdown("**Recent imports and demo runs**")
        components.data_table(
            imports[
                ["id", "kind", "path", "started_at", "finished_at", "status", "counts", "error"]
            ],
            column_config={
                "id": "Run",
                "kind": "Kind",
                "path": "From",
                "started_at": components.when_column("Started"),
                "finished_at": components.when_column("Finished"),
                "status": "Status",
                "counts": "Records",
                "error": "Error",
            },
        )

with demo:
    if loaders.is_empty():
        st.markdown("A year of a realistic organisation: marketing, two sales teams, service.")
        if st.button("Load demo data", type="primary", key="demo_tab_load"):
            context.load_demo_and_rerun()
    else:
        st.markdown(
            "The database already holds data, so the demo button is off (loading the demo into "
            "real data would mix the two). `handoff demo` from a shell replaces earlier demo data."
        )
