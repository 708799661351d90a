"""Service handoff: new customers per month and how fast service reached each of them."""

from __future__ import annotations

import streamlit as st

from ui import charts, clock, components, context
from ui import follow_up as fu
from ui.theme import fmt_count, fmt_pct

filters, me = context.current()
context.require_data()
components.page_header(
    "Service handoff",
    "Sales → service: every deal won is a new customer that service must contact.",
)

view = fu.sla_view(filters, "service_first_contact")
if view is None:
    components.empty_state(
        "The SLA file has no service-first-contact SLA for this month.",
        "Add one on the SLA settings page.",
    )
    st.stop()

s = view.summary
cols = list(st.columns(4))
with cols[0]:
    components.metric_card("New customers", fmt_count(len(view.items)))
with cols[1]:
    components.metric_card(
        "Reached within target",
        fmt_pct(s["compliance_pct"]),
        delta=f"target {view.target_pct:.0f}%",
        delta_color="off",
    )
with cols[2]:
    components.metric_card(
        "Median to first contact (business hours)",
        f"{s['median_hours']:.1f} h" if s["median_hours"] is not None else "—",
    )
with cols[3]:
    components.metric_card("Not contacted yet", fmt_count(s["never_touched"]))

history = fu.monthly_customers(
    filters, "service_first_contact", clock.previous_months(filters.month, 6)
)
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
            charts.monthly_bars(history, "month", "median_hours", "Business hours"), key="svc_speed"
        )

components.state_legend()
hours = components.hours_column
link = components.link_column("Drill-down", display="Open")
team_tab, rep_tab, customers_tab = st.tabs(["By service team", "By service rep", "Customers"])
with team_tab:
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
            "team": "Team",
            "items": "Customers",
            "compliance_pct": components.progress_column("Within target"),
            "met": "Met",
            "breached": "Breached",
            "open": "Open",
            "median_hours": hours("Median"),
            "p90_hours": hours("P90"),
            "link": link,
        },
        key="svc_team",
    )
with rep_tab:
    components.data_table(
        view.by_rep[["rep", "team", "items", "compliance_pct", "breached", "median_hours", "link"]],
        column_config={
            "rep": "Rep",
            "team": "Team",
            "items": "Customers",
            "compliance_pct": components.progress_column("Within target"),
            "breached": "Breached",
            "median_hours": hours("Median"),
            "link": link,
        },
        key="svc_rep",
    )
with customers_tab:
    customers = view.items.sort_values(["state", "elapsed_hours"], ascending=[True, False])
    components.data_table(
        customers[
            [
                "deal_id",
                "lead_id",
                "rep",
                "team",
                "state",
                "start",
                "elapsed_hours",
                "target_hours",
                "link",
            ]
        ],
        column_config={
            "deal_id": "Deal",
            "lead_id": "Lead",
            "rep": "Service rep",
            "team": "Team",
            "state": "State",
            "start": components.when_column("Won"),
            "elapsed_hours": hours("Business hours to contact"),
            "target_hours": hours("Target"),
            "link": link,
        },
        key="svc_customers",
    )
