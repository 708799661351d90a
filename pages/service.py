"""Service handoff: new customers per month, who in service reached each of them, and how fast."""

from __future__ import annotations

import streamlit as st

from models.time.months import months_through
from reports.formats import fmt_count, fmt_decided, fmt_hours, fmt_pct
from ui import charts, components, context, loaders
from ui import follow_up as fu
from ui import service as svc
from ui.scope import scoped_view

filters, me = context.current()
context.require_data("Service handoff")
components.page_header(
    "Service handoff",
    "Sales → service: every deal won is a new customer that service must contact.",
)

scoped, closing_team = svc.scope(filters)
view = scoped_view(fu.sla_view(scoped, svc.KIND), me)
if view is None:
    components.empty_state(
        "The SLA file has no service-first-contact SLA for this month.",
        "Add one on the SLA settings page.",
    )
    st.stop()
if scoped is not filters:
    st.info(
        "Customers belong to the service side, so every customer is counted here; the sales "
        "tier or team you chose narrows the \"Closed by\" table below.",
        icon=":material/filter_alt:",
    )

s = view.summary
with components.metric_row():
    components.metric_card("New customers", fmt_count(len(view.items)), help="Deals won this month")
    components.metric_card(
        "Reached within target",
        fmt_pct(s["compliance_pct"]),
        delta=f"target {view.target_pct:.0f}% · {fmt_decided(s['counts'])}",
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

history = fu.monthly_customers(scoped, svc.KIND, months_through(filters.month, svc.HISTORY_MONTHS))
if not history.empty:
    left, right = st.columns(2)
    with left:
        st.markdown("**New customers per month**")
        components.cached_chart(
            lambda: charts.monthly_bars(history, "month", "customers", "New customers"),
            key="svc_months",
            depends_on=(loaders.data_stamp(), scoped.key),
            empty=f"No new customer {components.where(me)} in these months.",
        )
    with right:
        st.markdown("**Median business hours to first contact**")
        components.cached_chart(
            lambda: charts.monthly_bars(
                history, "month", "median_hours", "Business hours", suffix=" h", digits=1
            ),
            key="svc_speed",
            depends_on=(loaders.data_stamp(), scoped.key),
            empty=f"No customer contacted {components.where(me)} in these months yet.",
        )

items = svc.with_first_contact(scoped, view)
hours = components.hours_column
link = components.link_column("Drill-down", display="Open")
owner_tab, contact_tab, closer_tab, customers_tab = st.tabs(
    ["By service owner", "By first contact", "Closed by (sales)", "Customers"],
    key="svc_tab",
    bind="query-params",  # a shared link restores the tab
)
if owner_tab.open is not False:  # only the open tab is drawn
    with owner_tab:
        st.caption(
            "Each customer is the service side's: the deal's service owner, else the service rep who "
            "made the first contact, else nobody yet (the service queue)."
        )
        owners = svc.by_owner(items)
        if owners.empty:
            components.empty_state("No customer for this selection.")
        else:
            components.data_table(
                owners[["rep", "team", "items", "compliance_pct", "breached", "open", "median_hours"]],
                column_config={
                    "rep": "Service owner",
                    "team": "Service team",
                    "items": "Customers",
                    "compliance_pct": components.progress_column("Within target"),
                    "breached": "Breached",
                    "open": "Open",
                    "median_hours": hours("Median to contact"),
                },
                key="svc_owner",
            )
if contact_tab.open is not False:  # only the open tab is drawn
    with contact_tab:
        st.caption(
            "Who in service made each customer's first contact (the call, e-mail or meeting that "
            "stopped the clock), and how long the customer waited, in business hours."
        )
        reps = svc.by_contact_rep(items)
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
if closer_tab.open is not False:  # only the open tab is drawn
    with closer_tab:
        st.caption(
            "The sales rep who closed each deal, for the handover: how quickly service reached "
            "their customers. Not charged to the closer."
        )
        closers = svc.by_closer(items, closing_team)
        if closers.empty:
            components.empty_state("No customer closed by this selection's sales reps.")
        else:
            components.data_table(
                closers[["closer", "closer_team", "items", "compliance_pct", "breached", "median_hours"]],
                column_config={
                    "closer": "Closed by",
                    "closer_team": "Sales team",
                    "items": "Customers",
                    "compliance_pct": components.progress_column("Within target"),
                    "breached": "Breached",
                    "median_hours": hours("Median to contact"),
                },
                key="svc_closer",
            )
if customers_tab.open is not False:  # only the open tab is drawn
    with customers_tab:
        components.state_legend()  # the colours of the State column right below
        components.data_table(
            svc.customers_table(items)[
                [
                    "deal_id",
                    "lead_id",
                    "state",
                    "start",
                    "elapsed_hours",
                    "target_hours",
                    "rep",
                    "contact_rep",
                    "closer",
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
                "rep": "Service owner",
                "contact_rep": "First contact by",
                "closer": "Closed by",
                "link": link,
            },
            key="svc_customers",
            state_columns=["state"],
        )
