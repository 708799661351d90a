"""Service handoff: new customers per month, who in service reached each of them, and how fast."""

from __future__ import annotations

import streamlit as st

from ui import charts, clock, components, context
from ui import follow_up as fu
from ui import service as svc
from ui.scope import scoped_view
from ui.theme import fmt_count, fmt_hours, fmt_pct

filters, me = context.current()
context.require_data("Service handoff")
components.page_header(
    "Service handoff",
    "Sales → service: every deal won is a new customer that service must contact.",
)

scoped, service_team = svc.scope(filters)
view = scoped_view(fu.sla_view(scoped, svc.KIND), me)
if view is None:
    components.empty_state(
        "The SLA file has no service-first-contact SLA for this month.",
        "Add one on the SLA settings page.",
    )
    st.stop()
if scoped is not filters:
    st.info(
        "Customers belong to the sales team that closed the deal, so every customer is counted "
        "here; the service tier or team you chose narrows the first contacts below.",
        icon=":material/filter_alt:",
    )

s = view.summary
with components.metric_row():
    components.metric_card("New customers", fmt_count(len(view.items)), help="Deals won this month")
    components.metric_card(
        "Reached within target",
        fmt_pct(s["compliance_pct"]),
        delta=f"target {view.target_pct:.0f}%",
        delta_color="off",
        help="Met ÷ (met + breached); customers still inside the target don't count yet.",
    )
    components.metric_card(
        "Median first contact",
        fmt_hours(s["median_hours"]),
        help="Median business hours from deal won to service's first outbound call, e-mail or "
        "meeting (contacted customers).",
    )
    components.metric_card(
        "Not contacted yet",
        fmt_count(s["never_touched"]),
        help="Breached or open customers with no contact from service at all",
    )

history = fu.monthly_customers(scoped, svc.KIND, clock.previous_months(filters.month, 6))
if not history.empty:
    left, right = st.columns(2)
    with left:
        st.markdown("**New customers per month**")
        components.chart(
            charts.monthly_bars(history, "month", "customers", "New customers"), key="svc_months"
        )
    with right:
        st.markdown("**Median business hours to first contact**")
        components.chart(
            charts.monthly_bars(
                history, "month", "median_hours", "Business hours", suffix=" h", digits=1
            ),
            key="svc_speed",
        )

items = svc.with_first_contact(scoped, view)
contacts = items if service_team is None else items[items["contact_team_id"] == service_team]
hours = components.hours_column
link = components.link_column("Drill-down", display="Open")
components.state_legend()
contact_tab, team_tab, rep_tab, customers_tab = st.tabs(
    ["By service rep (first contact)", "By closing sales team", "By closing sales rep", "Customers"]
)
with contact_tab:
    st.caption(
        "Who in service made each customer's first contact (the call, e-mail or meeting that "
        "stopped the clock), and how long the customer waited, in business hours."
    )
    reps = svc.by_contact_rep(contacts)
    if reps.empty:
        components.empty_state("No first contact by service yet for this selection.")
    else:
        components.data_table(
            reps[
                [
                    "contact_rep",
                    "contact_team",
                    "items",
                    "compliance_pct",
                    "breached",
                    "median_hours",
                    "p90_hours",
                ]
            ],
            column_config={
                "contact_rep": "Service rep",
                "contact_team": "Service team",
                "items": st.column_config.NumberColumn(
                    "Customers", help="Customers whose first contact this rep made"
                ),
                "compliance_pct": components.progress_column("Within target"),
                "breached": "Breached",
                "median_hours": hours("Median to contact"),
                "p90_hours": hours("P90 to contact"),
            },
            key="svc_contact",
        )
with team_tab:
    st.caption(
        "Each customer counts for the sales team of the rep who closed the deal (the deal's owner)."
    )
    components.data_table(
        view.by_team[
            [
                "team",
                "items",
                "compliance_pct",
                "met",
                "breached",
                "open",
                "median_hours",
                "p90_hours",
                "link",
            ]
        ],
        column_config={
            "team": "Closing sales team",
            "items": "Customers",
            "compliance_pct": components.progress_column("Within target"),
            "met": "Met",
            "breached": "Breached",
            "open": "Open",
            "median_hours": hours("Median to contact"),
            "p90_hours": hours("P90 to contact"),
            "link": link,
        },
        key="svc_team",
    )
with rep_tab:
    components.data_table(
        view.by_rep[["rep", "team", "items", "compliance_pct", "breached", "median_hours", "link"]],
        column_config={
            "rep": "Closed by",
            "team": "Sales team",
            "items": "Customers",
            "compliance_pct": components.progress_column("Within target"),
            "breached": "Breached",
            "median_hours": hours("Median to contact"),
            "link": link,
        },
        key="svc_rep",
    )
with customers_tab:
    components.data_table(
        svc.customers_table(items)[
            [
                "deal_id",
                "lead_id",
                "state",
                "start",
                "elapsed_hours",
                "target_hours",
                "contact_rep",
                "rep",
                "team",
                "link",
            ]
        ],
        column_config={
            "deal_id": "Deal",
            "lead_id": "Lead",
            "state": "State",
            "start": components.when_column("Won"),
            "elapsed_hours": hours(
                "Business hours to contact", help="So far, for customers not contacted yet"
            ),
            "target_hours": hours("Target"),
            "contact_rep": "First contact by",
            "rep": "Closed by",
            "team": "Sales team",
            "link": link,
        },
        key="svc_customers",
        state_columns=["state"],
    )
